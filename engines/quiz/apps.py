from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "engines.quiz"
    label = "quiz"
    verbose_name = "答题引擎"
