from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "modules.honours"
    label = "honours"
    verbose_name = "树榜样 · 抓创新"
