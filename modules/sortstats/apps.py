from django.apps import AppConfig


class SortstatsConfig(AppConfig):
    name = "modules.sortstats"
    label = "sortstats"
    verbose_name = "分类数据分析"
