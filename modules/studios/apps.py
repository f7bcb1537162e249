from django.apps import AppConfig


class StudiosConfig(AppConfig):
    name = "modules.studios"
    label = "studios"
    verbose_name = "职工创新工作室"
