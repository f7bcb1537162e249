from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "modules.stations"
    label = "stations"
    verbose_name = "职工暖心驿站"
