from django.urls import path

from modules.prizes import views

app_name = "prizes"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:prize_id>/", views.prize_detail, name="detail"),
    path("<int:prize_id>/redeem/", views.redeem, name="redeem"),
    path("my/", views.my_redemptions, name="my"),
    path("my/<int:redemption_id>/", views.my_detail, name="my_detail"),
    path("my/<int:redemption_id>/qr.svg", views.my_qr, name="my_qr"),
    path("pickup/", views.pickup, name="pickup"),
    path("manage/", views.manage_prizes, name="manage_prizes"),
    path("manage/new/", views.prize_create, name="prize_create"),
    path("manage/<int:prize_id>/edit/", views.prize_edit, name="prize_edit"),
    path("manage/places/", views.manage_places, name="manage_places"),
    path("manage/places/new/", views.place_form, name="place_create"),
    path("manage/places/<int:place_id>/edit/", views.place_form, name="place_edit"),
    path("manage/redemptions/", views.manage_redemptions, name="manage_redemptions"),
    path("manage/redemptions/<int:redemption_id>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("reports/", views.reports, name="reports"),
    path("reports/export.xlsx", views.reports_export, name="reports_export"),
]
