from django.urls import include, path

from modules.care import views

app_name = "care"

urlpatterns = [
    path("outdoor/", include("modules.care.outdoor.urls")),
    path("", views.staff_home, name="staff_home"),
    # 微心愿: the public list and a wish's public page, the wisher's and the union's pages
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/<int:pk>/public/", views.wish_public, name="wish_public"),
    path("wishes/<int:pk>/claim/", views.wish_claim, name="wish_claim"),
    path("donor/login/", views.donor_login, name="donor_login"),
    path("donor/privacy/", views.donor_privacy, name="donor_privacy"),
    path("donor/close/", views.donor_close, name="donor_close"),
    path("wishes/new/", views.wish_new, name="wish_new"),
    path("wishes/<int:pk>/", views.wish_detail, name="wish"),
    path("wishes/<int:pk>/action/", views.wish_action, name="wish_action"),
    path("my/wishes/", views.my_wishes, name="my_wishes"),
    path("my/contributions/", views.contributions, name="contributions"),
    path("my/contributions/<int:pk>/", views.contribution, name="contribution"),
    path("my/contributions/<int:pk>/action/", views.contribution_action, name="contribution_action"),
    path("staff/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("staff/wishes/", views.staff_wishes, name="staff_wishes"),
    path("staff/wishes.xlsx", views.wishes_export, name="wishes_export"),
    # 创业小额贷款
    path("loans/", views.loans, name="loans"),
    path("loans/new/", views.loan_new, name="loan_new"),
    path("loans/<int:pk>/", views.loan_detail, name="loan"),
    path("loans/<int:pk>/transition/", views.loan_transition, name="loan_transition"),
    path("loans/<int:pk>/attachments/", views.loan_upload, name="loan_upload"),
    path("loans/<int:pk>/bank/", views.loan_bank, name="loan_bank"),
    path("repayments/<int:pk>/pay/", views.repayment_pay, name="repayment_pay"),
    path("staff/loans.xlsx", views.loans_export, name="loans_export"),
    # 心理减压
    path("counselling/", views.counselling, name="counselling"),
    path("counselling/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("counselling/events/<int:pk>/enrol/", views.event_enrol, name="event_enrol"),
    path("counsellor/", views.counsellor_home, name="counsellor_home"),
    path("counsellor/bookings/<int:pk>/", views.booking_note, name="booking_note"),
    path("staff/counselling/", views.counselling_staff, name="counselling_staff"),
    path("staff/crisis/<int:pk>/", views.crisis, name="crisis"),
]
