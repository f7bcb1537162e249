"""How the labour-relations programme adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from engines.workflow.process import register
from modules.labour.process import PROCESS

register(PROCESS)

registry.add_nav(NavItem(_("劳动关系"), "labour:home", audience="staff", order=60))
registry.add_nav(NavItem(_("劳动争议调解"), "labour:my_cases", audience="worker", order=60))
registry.add_nav(NavItem(_("法律手册"), "labour:handbook", audience="public", order=60))
registry.add_api_router("labour", "modules.labour.api.router")
registry.add_attachment_owner("labour.legalevent", "modules.labour.rules.may_view_event", "modules.labour.rules.may_change_event")
registry.add_review_section("modules.labour.review.review_section", order=60, chapter="rights")
registry.add_periodic_job("modules.labour.services.reports_chase", every_seconds=3600)
registry.add_personal_data_section("modules.labour.privacy.personal_data", order=60)


def _seed(ctx):
    from modules.labour.demo import seed_labour

    seed_labour(ctx)


registry.add_demo_seeder("劳动关系", _seed, order=90)


def _seed_year(ctx, year):
    from modules.labour.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("劳动关系", _seed_year, order=90)
