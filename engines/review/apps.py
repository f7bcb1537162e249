from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "engines.review"
    label = "review"
    verbose_name = "评分评审"
