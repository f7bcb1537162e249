from django.urls import path

from modules.fund import views

app_name = "fund"

urlpatterns = [
    path("", views.home, name="home"),
    path("funds/new/", views.fund_new, name="fund_new"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("funds/<int:pk>/report/", views.report, name="report"),
    path("funds/<int:pk>/trace/", views.trace, name="trace"),
    path("funds/<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("funds/<int:pk>/transfers/", views.transfer_request, name="transfer_request"),
    path("funds/<int:pk>/carry-forward/", views.carry_forward, name="carry_forward"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
    path("person/", views.person, name="person"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/receipt/", views.mine_receipt, name="mine_receipt"),
    path("beneficiaries-template.xlsx", views.beneficiaries_template, name="beneficiaries_template"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/beneficiaries/", views.beneficiaries_save, name="beneficiaries"),
    path("applications/<int:pk>/transition/", views.application_transition, name="transition"),
    path("applications/<int:pk>/pay/", views.pay, name="pay"),
    path("applications/<int:pk>/refunds/", views.refund, name="refund"),
    path("applications/<int:pk>/receipts/", views.receipts, name="receipts"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
]
