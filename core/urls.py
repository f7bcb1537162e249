from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path

from core import tour, views, views_attachments, views_jobs, views_notifications, views_privacy, views_staff

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("login/phone/", views.worker_login, name="worker_login"),
    path("login/wechat/", views.wechat_start, name="wechat_login"),
    path("login/wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("logout/", auth_views.LogoutView.as_view(next_page="core:home"), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("tour/", tour.tour, name="tour"),
    # Resolved per request: the manifest of hashed static names exists only after collectstatic.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("core/favicon.svg")), name="favicon"),
    # A member's own data (PIPL)
    path("me/data/", views_privacy.my_data, name="my_data"),
    path("me/data/<str:fmt>/", views_privacy.my_data_download, name="my_data_download"),
    path("me/close/", views_privacy.close_account, name="close_account"),
    # The organisation tree
    path("orgs/", views_staff.org_tree, name="org_tree"),
    path("orgs/new/", views_staff.org_create, name="org_create"),
    path("orgs/<int:pk>/", views_staff.org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", views_staff.org_edit, name="org_edit"),
    # Rosters and members
    path("orgs/<int:pk>/members/", views_staff.roster, name="roster"),
    path("orgs/<int:pk>/members/new/", views_staff.member_create, name="member_create"),
    path("orgs/<int:pk>/members/import/", views_staff.roster_import, name="roster_import"),
    path("attachments/<int:pk>/", views_attachments.download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", views_attachments.remove, name="attachment_remove"),
    path("notifications/", views_notifications.inbox, name="notifications"),
    path("notifications/<int:pk>/open/", views_notifications.open_message, name="notification_open"),
    path("notifications/read-all/", views_notifications.mark_all_read, name="notifications_read_all"),
    path("jobs/", views_jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", views_jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views_jobs.job_download, name="job_download"),
    path("orgs/<int:pk>/members/template.xlsx", views_staff.roster_template, name="roster_template"),
    path("orgs/<int:pk>/members/export.<str:fmt>", views_staff.roster_export, name="roster_export"),
    path("members/<int:pk>/", views_staff.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views_staff.member_edit, name="member_edit"),
    path("members/<int:pk>/phone/", views_staff.member_phone, name="member_phone"),
    path("members/<int:pk>/move/", views_staff.member_move, name="member_move"),
    # Coverage
    path("coverage/", views_staff.coverage, name="coverage"),
    path("coverage/export.xlsx", views_staff.coverage_export, name="coverage_export"),
    path("coverage/units/new/", views_staff.coverage_unit_edit, name="coverage_unit_create"),
    path("coverage/units/<int:pk>/edit/", views_staff.coverage_unit_edit, name="coverage_unit_edit"),
    # Device tokens and the audit log
    path("tokens/", views_staff.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_staff.token_revoke, name="token_revoke"),
    path("audit/", views_staff.audit_log, name="audit"),
]
