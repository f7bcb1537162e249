"""How the special fund adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core import beneficiaries, jobs
from core.registry import NavItem, registry
from engines.workflow.process import register
from modules.fund.accounts import REASONS
from modules.fund.process import PROCESS

register(PROCESS)

registry.add_nav(NavItem(_("专项基金"), "fund:home", audience="staff", order=55))
registry.add_nav(NavItem(_("我的补助"), "fund:mine", audience="worker", order=63))
registry.add_api_router("fund", "modules.fund.api.router")
for code, label in REASONS.items():
    registry.add_ledger_reason(code, label)
# Lists of beneficiaries, signed receipts, invoices: seen by whoever may see the application,
# changed by its union while it is editable.
registry.add_attachment_owner("fund.application", "modules.fund.rules.may_view_application", "modules.fund.rules.may_change_attachments")
registry.add_review_section("modules.fund.review.review_section", order=20, chapter="epidemic")
beneficiaries.register("modules.fund.selectors.benefits_of")


def _export(job, progress):
    from modules.fund.reports import export_job

    return export_job(job, progress)


jobs.register("fund_export", _export)


def _seed(ctx):
    from modules.fund.demo import seed_fund

    seed_fund(ctx)


registry.add_demo_seeder("抗疫专项基金", _seed, order=85)


def _seed_year(ctx, year):
    from modules.fund.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("抗疫专项基金", _seed_year, order=85)
