"""How the innovation-studio programme adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from engines.workflow.process import register
from modules.studios.process import PROCESS
from modules.studios.services_subsidy import REASONS as SUBSIDY_REASONS

register(PROCESS)

registry.add_nav(NavItem(_("创新工作室"), "studios:home", audience="staff", order=50))
registry.add_nav(NavItem(_("专家评审"), "studios:expert_inbox", audience="expert", order=50))
registry.add_nav(NavItem(_("现场核查"), "studios:inspections", audience="expert", order=51))
registry.add_api_router("studios", "modules.studios.api.router")
# Patents, award certificates, photos, PDFs of an application: seen by whoever may see the
# application (an expert once assigned), changed by its union while it is editable.
registry.add_attachment_owner(
    "studios.application", "modules.studios.rules.may_view_application", "modules.studios.rules.may_change_attachments"
)
registry.add_attachment_owner(
    "studios.inspection", "modules.studios.rules.may_view_inspection", "modules.studios.rules.may_change_inspection"
)
registry.add_attachment_owner("studios.subsidy", "modules.studios.rules.may_view_subsidy", "modules.studios.rules.may_change_subsidy")
for _code, _label in SUBSIDY_REASONS.items():
    registry.add_ledger_reason(_code, _label)
registry.add_review_section("modules.studios.review.review_section", order=70, chapter="innovation")


def _seed(ctx):
    from modules.studios.demo import seed_studios

    seed_studios(ctx)


registry.add_demo_seeder("职工创新工作室", _seed, order=80)


def _seed_year(ctx, year):
    from modules.studios.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("职工创新工作室", _seed_year, order=80)
