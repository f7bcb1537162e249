from django.apps import AppConfig


class PrizesConfig(AppConfig):
    name = "modules.prizes"
    label = "prizes"
    verbose_name = "积分兑换"
