from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "modules.learning"
    label = "learning"
    verbose_name = "强学习"
