"""Registrations of the field side (batches, labels, binding, collection)."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from modules.bags import demo

# The same code and label as the worker side registers (the registry refuses two labels for one code).
registry.add_ledger_reason("bags.collection", _("垃圾分类投放积分"))
registry.add_api_router("bags", "modules.bags.api_field.router")
registry.add_root_urls("modules.bags.urls_root.urlpatterns")
# A bag scanned while logged out: the phone login says which bag it will bind.
registry.add_login_note("modules.bags.views_field.login_note")
registry.add_nav(NavItem(_("垃圾袋批次"), "bags:batches", audience="staff", order=20))
registry.add_nav(NavItem(_("收集点"), "bags:points", audience="staff", order=21, perm="bags.list_points"))
registry.add_nav(NavItem(_("回收扫码"), "bags:station", audience="collector", order=20))
registry.add_dashboard_card("modules.bags.views_field.dashboard_card", order=20)
registry.add_demo_seeder("智慧垃圾袋", demo.seed, order=20)
registry.add_tour_section("modules.bags.tour.section", order=20)
registry.add_periodic_job("modules.bags.retention.scan_photos_purge", 24 * 3600)
registry.add_periodic_job("modules.bags.retention.daily_points_purge", 24 * 3600)
# A handheld's single scan is answered at the WSGI door when it can be (core/hot_path.py, modules/bags/hot_path.py).
registry.add_hot_path("POST", "/api/v1/bags/scans", "modules.bags.hot_path.scan_single")
