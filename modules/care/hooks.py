"""How the care programme (关心关爱) adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from engines.workflow.process import register
from modules.care import rules  # noqa: F401  (registers the permissions)
from modules.care.process import LOAN_PROCESS

register(LOAN_PROCESS)

registry.add_nav(NavItem(_("关心关爱"), "care:staff_home", audience="staff", order=60))
registry.add_nav(NavItem(_("微心愿"), "care:wishes", audience="public", order=60))
registry.add_nav(NavItem(_("创业贷款"), "care:loans", audience="worker", order=61))
registry.add_nav(NavItem(_("心理减压"), "care:counselling", audience="worker", order=62))
# A counsellor's login is neither staff nor a worker: an "account" entry, shown only to holders of
# the permission (in the desktop menu and the phone tab bar alike), first so it is never under 更多.
registry.add_nav(NavItem(_("咨询工作台"), "care:counsellor_home", audience="account", order=1, perm="care.counsel"))
registry.add_api_router("care", "modules.care.api.router")
registry.add_ledger_reason("care.loan_subsidy", _("创业贷款工会贴息"))
registry.add_ledger_reason("care.loan_subsidy_budget", _("创业贷款贴息资金拨付"))
# A delivery photo or receipt: the donor, the wisher and the wisher's union see it; the donor adds it.
registry.add_attachment_owner("care.wishclaim", "modules.care.rules.may_view_claim_files", "modules.care.rules.may_add_claim_files")
# A loan's documents: the borrower and the offices in scope see them; the borrower adds them while editable.
registry.add_attachment_owner("care.loanapplication", "modules.care.rules.may_view_loan", "modules.care.rules.may_change_loan_files")
registry.add_review_section("modules.care.review.wishes_section", order=80, chapter="wishes")
registry.add_review_section("modules.care.review.counselling_section", order=25, chapter="epidemic")
registry.add_personal_data_section("modules.care.privacy.care_section", order=60)
registry.add_periodic_job("modules.care.services.repayments_overdue_alert", 3600)
registry.add_periodic_job("modules.care.services.claims_silent_report", 24 * 3600)
registry.add_periodic_job("modules.care.services.bookings_remind", 600)
registry.add_periodic_job("modules.care.services.counselling_erase", 3600)


def _seed(ctx):
    from modules.care.demo import seed_care

    seed_care(ctx)


registry.add_demo_seeder("关心关爱", _seed, order=90)


def _seed_year(ctx, year):
    from modules.care.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("微心愿与心理援助", _seed_year, order=91)

import modules.care.outdoor.hooks  # noqa: E402, F401  (outdoor workers and the courier survey, built on engines/survey)
