from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "engines.ranking"
    label = "ranking"
    verbose_name = "排行榜"
