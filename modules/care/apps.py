from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "modules.care"
    label = "care"
    verbose_name = "关心关爱"
