from django.urls import path

from modules.studios import views, views_after

app_name = "studios"

urlpatterns = [
    path("", views.home, name="home"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/ranking.<str:fmt>", views.call_export, name="call_export"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/transition/", views.application_transition, name="transition"),
    path("applications/<int:pk>/experts/", views.expert_assign, name="expert_assign"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("applications/<int:pk>/achievements/", views.achievement_add, name="achievement_add"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("expert/", views.expert_inbox, name="expert_inbox"),
    path("expert/<int:pk>/", views.expert_review, name="expert_review"),
    path("notice/", views.notice, name="notice"),
    path("applications/<int:pk>/inspections/", views_after.inspection_assign, name="inspection_assign"),
    path("inspections/", views_after.inspection_list, name="inspections"),
    path("inspections/<int:pk>/", views_after.inspection_detail, name="inspection"),
    path("applications/<int:pk>/subsidy/", views_after.subsidy_grant, name="subsidy_grant"),
    path("subsidies/<int:pk>/pay/", views_after.subsidy_pay, name="subsidy_pay"),
    path("subsidies/<int:pk>/expenses/", views_after.expense_record, name="expense_record"),
    path("subsidies/<int:pk>/accept/", views_after.subsidy_accept, name="subsidy_accept"),
    path("applications/<int:pk>/annual-reports/", views_after.annual_report_submit, name="annual_report_submit"),
    path("annual-checks/<int:pk>/decide/", views_after.annual_check_decide, name="annual_check_decide"),
]
