"""How the rest-station programme adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry

registry.add_nav(NavItem(_("暖心驿站"), "stations:find", audience="public", order=40))
registry.add_nav(NavItem(_("驿站检查"), "stations:inspect", audience="inspector", order=40))
registry.add_nav(NavItem(_("驿站名录"), "stations:list", audience="staff", order=40))
registry.add_nav(NavItem(_("驿站事项"), "stations:tasks", audience="staff", order=41))
registry.add_nav(NavItem(_("驿站检查评估"), "stations:plans", audience="staff", order=42))
registry.add_api_router("stations", "modules.stations.api.router")
registry.add_dashboard_card("modules.stations.cards.dashboard_cards", order=40)
registry.add_review_section("modules.stations.review.review_section", order=40, chapter="home")


def _seed(ctx):
    from modules.stations.demo import seed_stations

    seed_stations(ctx)


registry.add_demo_seeder("职工暖心驿站", _seed, order=70)
registry.add_personal_data_section("modules.stations.privacy.ratings_and_reports_section", order=50)
registry.add_account_closure_hook("modules.stations.privacy.erase_member_text")


def _seed_year(ctx, year):
    from modules.stations.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("职工暖心驿站", _seed_year, order=70)
