from django.apps import AppConfig


class BagsConfig(AppConfig):
    name = "modules.bags"
    label = "bags"
    verbose_name = "智慧垃圾袋"
