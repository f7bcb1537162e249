from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "engines.workflow"
    label = "workflow"
    verbose_name = "流程"
