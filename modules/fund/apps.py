from django.apps import AppConfig


class FundConfig(AppConfig):
    name = "modules.fund"
    label = "fund"
    verbose_name = "抗疫专项基金"
