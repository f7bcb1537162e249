from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "engines.survey"
    label = "survey"
    verbose_name = "问卷引擎"
