from django.urls import path

from modules.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("guide/", views.guide, name="guide"),
    path("guide/<int:pk>/", views.guide_item, name="guide_item"),
    path("reason/<str:code>/", views.reason, name="reason"),
    path("articles/", views.articles, name="articles"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("quiz/", views.daily, name="daily"),
    path("quiz/start/", views.daily_start, name="daily_start"),
    path("quiz/attempts/<int:attempt_id>/answer/", views.answer, name="answer"),
    path("contests/", views.contests, name="contests"),
    path("contests/<int:pk>/", views.contest, name="contest"),
    path("contests/<int:pk>/start/", views.contest_start, name="contest_start"),
    path("contests/<int:pk>/ranking/", views.contest_ranking, name="contest_ranking"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/campaigns/<int:pk>/", views.staff_campaign, name="staff_campaign"),
]
