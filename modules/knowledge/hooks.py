from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from modules.knowledge import rules  # noqa: F401  (registers the permissions)
from modules.knowledge.constants import LEDGER_REASON

registry.add_nav(NavItem(_("分类指南"), "knowledge:guide", audience="worker", order=20))
registry.add_nav(NavItem(_("每日答题"), "knowledge:daily", audience="worker", order=25))
registry.add_nav(NavItem(_("分类知识与竞赛"), "knowledge:staff_home", audience="staff", order=40))
registry.add_ledger_reason(LEDGER_REASON, "知识答题")
registry.add_api_router("knowledge", "modules.knowledge.api.router")
registry.add_dashboard_card("modules.knowledge.selectors.dashboard_card", order=40)


def _seed(ctx):
    from modules.knowledge.demo import seed_knowledge

    seed_knowledge(ctx)


registry.add_demo_seeder("分类知识与竞赛", _seed, order=40)
registry.add_personal_data_section("modules.knowledge.privacy.answers_section", order=30)
registry.add_review_section("modules.knowledge.review.review_section", order=31, chapter="habits")


def _seed_year(ctx, year):
    from modules.knowledge.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("分类知识竞赛", _seed_year, order=40)
