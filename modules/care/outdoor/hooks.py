"""The outdoor-worker services' part of the care programme: the courier survey's owner key,
menu entries, the annual review's figures and the demo."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from engines.survey.owners import register_owner

register_owner("care.outdoor", _("关心关爱 · 户外劳动者"))
registry.add_nav(NavItem(_("户外劳动者服务"), "care:outdoor_plan", audience="staff", order=87))
registry.add_nav(NavItem(_("小哥调查"), "care:outdoor_courier", audience="worker", order=61))
registry.add_review_section("modules.care.outdoor.review.review_section", order=85, chapter="wishes")


def _seed(ctx):
    from modules.care.outdoor.demo import seed_courier_survey

    seed_courier_survey(ctx)


registry.add_demo_seeder("快递小哥调查", _seed, order=95)


def _seed_year(ctx, year):
    from modules.care.outdoor.demo import seed_year

    seed_year(ctx, year)


registry.add_year_seeder("快递小哥调查", _seed_year, order=95)
