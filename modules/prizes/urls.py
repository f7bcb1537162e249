from django.urls import path, register_converter

from modules.prizes import views


class IdConverter:
    """A database id: at most 18 digits, so a pasted giant number is a 404, never an overflow (a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "prizes_id")

app_name = "prizes"

urlpatterns = [
    path("", views.home, name="home"),
    path("<prizes_id:prize_id>/", views.prize_detail, name="detail"),
    path("<prizes_id:prize_id>/redeem/", views.redeem, name="redeem"),
    path("my/", views.my_redemptions, name="my"),
    path("my/<prizes_id:redemption_id>/", views.my_detail, name="my_detail"),
    path("my/<prizes_id:redemption_id>/qr.svg", views.my_qr, name="my_qr"),
    path("pickup/", views.pickup, name="pickup"),
    path("manage/", views.manage_prizes, name="manage_prizes"),
    path("manage/new/", views.prize_create, name="prize_create"),
    path("manage/<prizes_id:prize_id>/edit/", views.prize_edit, name="prize_edit"),
    path("manage/places/", views.manage_places, name="manage_places"),
    path("manage/places/new/", views.place_form, name="place_create"),
    path("manage/places/<prizes_id:place_id>/edit/", views.place_form, name="place_edit"),
    path("manage/redemptions/", views.manage_redemptions, name="manage_redemptions"),
    path("manage/redemptions/<prizes_id:redemption_id>/cancel/", views.redemption_cancel, name="redemption_cancel"),
    path("reports/", views.reports, name="reports"),
    path("reports/export.xlsx", views.reports_export, name="reports_export"),
]
