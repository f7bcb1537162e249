from django.urls import path

from modules.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.home, name="home"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
    path("contests/<int:pk>/start/", views.contest_start, name="contest_start"),
    path("contests/<int:pk>/take/", views.contest_take, name="contest_take"),
    path("contests/<int:pk>/answer/", views.contest_answer, name="contest_answer"),
    path("contests/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("contests/<int:pk>/ranking/", views.contest_ranking, name="contest_ranking"),
    path("contests/<int:pk>/ranking.xlsx", views.contest_ranking_xlsx, name="contest_ranking_xlsx"),
    path("essays/<int:pk>/", views.call_detail, name="call"),
    path("essays/<int:pk>/submit/", views.essay_submit, name="essay_submit"),
    path("essays/<int:pk>/attach/", views.essay_attach, name="essay_attach"),
    path("essays/<int:pk>/collection.pdf", views.collection, name="collection"),
    path("materials/", views.materials, name="materials"),
    path("materials/<int:pk>/", views.material_detail, name="material"),
    path("sessions/<int:pk>/checkin/", views.checkin, name="checkin"),
    path("judge/", views.judge_inbox, name="judge_inbox"),
    path("judge/essays/<int:pk>/", views.judge_essay, name="judge_essay"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/participation.xlsx", views.participation_xlsx, name="participation_xlsx"),
    path("staff/banks/import/", views.bank_import, name="bank_import"),
    path("staff/contests/new/", views.contest_new, name="contest_new"),
    path("staff/essays/new/", views.call_new, name="call_new"),
    path("staff/essays/<int:pk>/", views.call_manage, name="call_manage"),
    path("staff/essays/<int:pk>/action/", views.call_action, name="call_action"),
    path("staff/essays/<int:pk>/entries.xlsx", views.call_essays_xlsx, name="call_essays_xlsx"),
    path("staff/materials/new/", views.material_new, name="material_new"),
    path("staff/sessions/new/", views.session_new, name="session_new"),
    path("staff/sessions/<int:pk>/", views.session_detail, name="session"),
]
