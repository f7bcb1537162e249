"""The dashboard card, the chart registry (one key per chart, for the API and the exports) and the
monthly street report."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden
from core.models import Organisation
from modules.sortstats.rollups import month_start, next_month
from modules.sortstats.selectors.accuracy import (
    accuracy_by_category,
    accuracy_by_kind,
    accuracy_by_organisation,
    accuracy_by_street,
    wrong_reasons,
)
from modules.sortstats.selectors.anomalies import anomalies_table
from modules.sortstats.selectors.facts import _facts
from modules.sortstats.selectors.filters import Filters, scope_for, streets_for
from modules.sortstats.selectors.formatting import pct
from modules.sortstats.selectors.participation import (
    participation_by_organisation,
    participation_by_street,
    participation_trend,
)
from modules.sortstats.selectors.throughput import throughput_collectors, throughput_points
from modules.sortstats.selectors.volume import heatmap, volume_by_kind, volume_by_street, volume_summary, volume_trend


def month_card(viewer) -> dict:
    today = timezone.localdate()
    f = Filters(start=today.replace(day=1), end=today)
    bags = correct = 0
    for qs in _facts(viewer, f, "volume"):
        agg = qs.aggregate(bags=Sum("bags"), correct=Sum("correct"))
        bags, correct = bags + (agg["bags"] or 0), correct + (agg["correct"] or 0)
    return {"bags": bags, "accuracy": pct(correct, bags)}


CHARTS = {
    "volume_summary": volume_summary,
    "volume_trend": volume_trend,
    "volume_by_street": volume_by_street,
    "volume_by_kind": volume_by_kind,
    "heatmap": heatmap,
    "accuracy_by_category": accuracy_by_category,
    "accuracy_by_street": accuracy_by_street,
    "accuracy_by_kind": accuracy_by_kind,
    "accuracy_by_organisation": accuracy_by_organisation,
    "wrong_reasons": wrong_reasons,
    "participation_by_organisation": participation_by_organisation,
    "participation_by_street": participation_by_street,
    "participation_trend": participation_trend,
    "throughput_points": throughput_points,
    "throughput_collectors": throughput_collectors,
    "anomalies": anomalies_table,
}
UNLIMITED = {"accuracy_by_organisation", "participation_by_organisation", "throughput_points", "throughput_collectors"}
# Per-union tables: the dashboard shows the first and last ENDS unions of each, the full list pages.
UNION_TABLES = ("accuracy_by_organisation", "participation_by_organisation")
ENDS = 20


def chart(key: str, viewer, f: Filters, *, full: bool = False) -> dict:
    """Dispatch by chart key; ``full`` lifts the on-screen row limit (exports, the full lists)."""
    func = CHARTS.get(key)
    if func is None:
        from core.errors import NotFound

        raise NotFound("unknown_chart", _("没有这个图表"))
    if full and key in UNLIMITED:
        return func(viewer, f, limit=None)
    if key in UNION_TABLES:
        return func(viewer, f, ends=ENDS)
    return func(viewer, f)


def street_month_report(viewer, street: Organisation, month: date) -> dict:
    """Everything on one street's printable monthly page."""
    if scope_for(viewer).fine or not any(s.pk == street.pk for s in streets_for(viewer)):
        raise Forbidden("forbidden", _("该街道不在您的查看范围内"))
    first = month_start(month)
    f = Filters(start=first, end=next_month(first) - timedelta(days=1), street_id=street.pk)
    return {
        "street": street,
        "month": first,
        "month_label": f"{first.year}年{first.month}月",
        "summary": volume_summary(viewer, f),
        "accuracy": accuracy_by_kind(viewer, f),
        "reasons": wrong_reasons(viewer, f),
        "participation": participation_by_organisation(viewer, f, limit=10),
        "participation_total": participation_trend(viewer, f)["rows"][-1],
        "heatmap": heatmap(viewer, f),
        "points": throughput_points(viewer, f, limit=5),
    }
