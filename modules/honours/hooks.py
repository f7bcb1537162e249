"""How the honours programme (树榜样 · 抓创新) adds itself to the platform."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from engines.workflow.process import register
from modules.honours.process import PROCESS

register(PROCESS)

registry.add_nav(NavItem(_("评优推荐"), "honours:home", audience="staff", order=55))
registry.add_nav(NavItem(_("培训与工匠"), "honours:courses", audience="staff", order=56))
registry.add_nav(NavItem(_("公示异议"), "honours:objections", audience="staff", order=57, perm="honours.resolve_objections"))
registry.add_nav(NavItem(_("技能培训"), "honours:worker_courses", audience="worker", order=55))
registry.add_nav(NavItem(_("我的竞赛"), "honours:my_competitions", audience="worker", order=56))
registry.add_nav(NavItem(_("工匠联盟"), "honours:craft", audience="public", order=56))
registry.add_nav(NavItem(_("光荣榜"), "honours:roll", audience="public", order=57))
registry.add_api_router("honours", "modules.honours.api.router")
# Deeds, award certificates, photos of a nomination: seen by whoever may see the nomination,
# changed by the nominating office while the form is a draft or returned.
registry.add_attachment_owner(
    "honours.nomination", "modules.honours.rules.may_view_nomination", "modules.honours.rules.may_change_attachments"
)
registry.add_review_section("modules.honours.review.honours_section", order=75, chapter="models")
registry.add_review_section("modules.honours.review.training_section", order=76, chapter="innovation")
registry.add_personal_data_section("modules.honours.privacy.honours_section", order=60)


def _seed(ctx):
    from modules.honours.demo import seed_honours

    seed_honours(ctx)


registry.add_demo_seeder("评优推荐、工匠联盟与技能培训", _seed, order=85)


def _seed_year(ctx, year):
    from modules.honours.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("评优推荐与技能培训", _seed_year, order=86)
