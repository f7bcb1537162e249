"""How the learning programme adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from modules.learning import rules  # noqa: F401  (registers the permissions)

registry.add_nav(NavItem(_("学习园地"), "learning:home", audience="worker", order=30))
registry.add_nav(NavItem(_("强学习"), "learning:staff_home", audience="staff", order=55))
registry.add_nav(NavItem(_("征文评审"), "learning:judge_inbox", audience="expert", order=55))
registry.add_api_router("learning", "modules.learning.api.router")
registry.add_ledger_reason("learning.contest", "知识竞赛")
registry.add_attachment_owner("learning.essay", "modules.learning.rules.may_view_essay", "modules.learning.rules.may_change_essay")
registry.add_attachment_owner("learning.material", "modules.learning.rules.may_view_material", "modules.learning.rules.may_change_material")
registry.add_review_section("modules.learning.review.review_section", order=10, chapter="learning")


def _seed(ctx):
    from modules.learning.demo import seed_learning

    seed_learning(ctx)


registry.add_demo_seeder("强学习", _seed, order=90)
registry.add_personal_data_section("modules.learning.privacy.learning_section", order=35)


def _seed_year(ctx, year):
    from modules.learning.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("强学习", _seed_year, order=88)
# A contest answer from the app (a device token) is answered at the WSGI door when it can be
# (core/hot_path.py, modules/learning/hot_path.py); a session's goes the long way.
registry.add_hot_path("POST", "/api/v1/learning/attempts/{attempt_id}/answers", "modules.learning.hot_path.answer_submit")
