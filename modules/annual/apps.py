from django.apps import AppConfig


class AnnualConfig(AppConfig):
    name = "modules.annual"
    label = "annual"
    verbose_name = "年度重点工作盘点"
