"""The worker side's pages: my points, the rankings (public), and the staff page of points rules."""

from django.urls import path

from modules.bags import views_worker as v

urlpatterns = [
    path("me/", v.me, name="me"),
    path("me/consent/", v.me_consent, name="me_consent"),
    path("rankings/", v.rankings_workers, name="rankings"),
    path("rankings/unions/", v.rankings_organisations, name="rankings_organisations"),
    path("rankings/streets/", v.rankings_streets, name="rankings_streets"),
    path("points/rules/", v.points_rules, name="points_rules"),
    path("points/rules/<int:rule_id>/deactivate/", v.points_rule_deactivate, name="points_rule_deactivate"),
]
