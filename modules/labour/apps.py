from django.apps import AppConfig


class LabourConfig(AppConfig):
    name = "modules.labour"
    label = "labour"
    verbose_name = "劳动关系"
