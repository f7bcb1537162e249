from django.urls import include, path

from engines.survey import views

app_name = "survey"

pages = [
    path("", views.survey_list, name="list"),
    path("import/", views.survey_import, name="import"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/crosstab/", views.survey_crosstab, name="crosstab"),
    path("<int:pk>/export.xlsx", views.survey_export, name="export"),
    path("<int:pk>/status/", views.survey_status, name="status"),
    path("<int:pk>/quotas/", views.survey_quota, name="quota"),
    path("my/", views.my_surveys, name="mine"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/thanks/", views.thanks, name="thanks"),
]

urlpatterns = [path("surveys/", include((pages, "survey")))]
