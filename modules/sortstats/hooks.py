"""The sorting-data app adds itself: staff navigation, the API, a dashboard card, the refresh job, a demo step."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry

registry.add_nav(NavItem(_("分类数据分析"), "sortstats:dashboard", audience="staff", order=60))
registry.add_api_router("sortstats", "modules.sortstats.api.router")
registry.add_dashboard_card("modules.sortstats.hooks.month_card", order=60)
registry.add_periodic_job("modules.sortstats.services.rollups_refresh", 30)


def month_card(request):
    from modules.sortstats import selectors

    if not selectors.can_view(request.user):
        return None
    figures = selectors.month_card(request.user)
    accuracy = f"{figures['accuracy']}%" if figures["accuracy"] is not None else "—"
    return {
        "title": str(_("本月回收垃圾袋")),
        "value": f"{figures['bags']:,}",
        "url": reverse("sortstats:dashboard"),
        "hint": str(_("分类准确率 %(accuracy)s")) % {"accuracy": accuracy},
    }


def seed_demo(ctx):
    """After the bag seeder made collections: fill every rollup from them (the dashboard reads only rollups)."""
    from modules.sortstats.services import rollups_rebuild

    result = rollups_rebuild()
    ctx.notes.append(f"分类数据汇总：{result['scans']:,} 条回收记录 → {result['rows']:,} 行汇总（{result['seconds']:.1f} 秒）")


registry.add_demo_seeder("分类数据汇总", seed_demo, order=60)

# Report files (monthly PDF, chart workbooks) are made by background jobs (core.jobs).
import modules.sortstats.report_jobs  # noqa: E402, F401

registry.add_review_section("modules.sortstats.review.review_section", order=29, chapter="habits")
