"""Registrations of the worker side (points, rankings)."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from modules.bags.points import LEDGER_REASON
from modules.bags.rankings import demo_seed

# The first worker item: core's home sends a signed-in worker here.
registry.add_nav(NavItem(_("我的积分"), "bags:me", audience="worker", order=10))
# One public item: the phone tab bar shows worker and public items together, so a second
# "worker" item for the same page would show twice.
registry.add_nav(NavItem(_("排行榜"), "bags:rankings", audience="public", order=20))
registry.add_nav(NavItem(_("积分规则"), "bags:points_rules", audience="staff", order=45, perm="bags.manage_points_rules"))

registry.add_ledger_reason(LEDGER_REASON, _("垃圾分类投放积分"))
registry.add_api_router("rankings", "modules.bags.api_worker.router")
registry.add_startup_hook("modules.bags.rankings.startup_hook")
registry.add_periodic_job("modules.bags.rankings.refresh_per_member", 600)
# Boards fresh within seconds of a scan on PostgreSQL + Redis (see ranking_feed).
registry.add_periodic_job("modules.bags.ranking_feed.feed", 5)
registry.add_dashboard_card("modules.bags.views_worker.dashboard_card", order=25)
# After the field side's seeder (order 20), which records the demo collections.
registry.add_demo_seeder("积分规则与排行榜", demo_seed, order=30)
registry.add_personal_data_section("modules.bags.privacy.bags_section", order=20)
