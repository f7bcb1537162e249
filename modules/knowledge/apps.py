from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "modules.knowledge"
    label = "knowledge"
    verbose_name = "分类知识与竞赛"
