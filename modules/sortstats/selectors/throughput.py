"""How much each collection point and collector handles: bags, kilograms, days worked."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import scoping
from core.models import User
from modules.bags.facts import point_names
from modules.sortstats.models import PointDay, PointMonth
from modules.sortstats.rollups import month_start
from modules.sortstats.selectors.filters import Filters, scope_for, split_period
from modules.sortstats.selectors.formatting import _as_date, _table, kg, org_names, pct


def _points(viewer, f: Filters):
    """Collection points of the viewer's streets. A union admin has no point of their own: nothing."""
    scope = scope_for(viewer)
    if scope.fine:
        return PointDay.objects.none()
    qs = PointDay.objects.filter(scoping.organisation_scope_q(viewer, "point_street"), day__gte=f.start, day__lte=f.end)
    if f.street_id:
        qs = qs.filter(point_street_id=f.street_id)
    if f.category:
        qs = qs.filter(category=f.category)
    return qs


THROUGHPUT_COLUMNS = [
    gettext_lazy("袋数"),
    gettext_lazy("重量（千克）"),
    gettext_lazy("准确率（%）"),
    gettext_lazy("工作天数"),
    gettext_lazy("日均袋数"),
]


def _throughput_rows(viewer, f: Filters) -> list[tuple]:
    """(point, point street, collector, month, bags, grams, correct, day mask) covering the period:
    closed months from PointMonth (one row per pair and month), the edge days from PointDay.

    A year on the district dashboard reads ~15,000 month rows instead of ~1.8 million day rows.
    """
    if scope_for(viewer).fine:
        return []
    q = scoping.organisation_scope_q(viewer, "point_street")
    months, ranges = _with_month_to_date(*split_period(f), f)
    rows: list[tuple] = []
    if months:
        qs = PointMonth.objects.filter(q, month__in=months, category=f.category or "")
        if f.street_id:
            qs = qs.filter(point_street_id=f.street_id)
        rows += qs.values_list("point_id", "point_street_id", "collector_id", "month", "bags", "grams", "correct", "day_mask")
    for lo, hi in ranges:
        qs = PointDay.objects.filter(q, day__gte=lo, day__lte=hi)
        if f.street_id:
            qs = qs.filter(point_street_id=f.street_id)
        if f.category:
            qs = qs.filter(category=f.category)
        rows += _edge_masks(qs)
    return rows


def _with_month_to_date(months: list[date], ranges: list[tuple[date, date]], f: Filters):
    """PointMonth also keeps the month in progress (to the last refresh): a period running from
    before or on its first day through today reads it as one more month instead of its days."""
    today = timezone.localdate()
    current = month_start(today)
    if f.end < today or f.start > current:
        return months, ranges
    kept = []
    for lo, hi in ranges:
        if lo <= current <= hi:
            if lo < current:
                kept.append((lo, current - timedelta(days=1)))
            months = [*months, current]
        else:
            kept.append((lo, hi))
    return months, kept


def _edge_masks(day_qs) -> list[tuple]:
    """Day rows of a few edge weeks folded in SQL to one row per (point, collector, month) with
    its day mask: the days are made distinct per pair first (a day has a row per category), then
    their bits summed — which is OR-ing them."""
    from django.db import connection, connections

    from core.replica import read_alias
    from modules.sortstats.rollups import day_bit_sql

    per_day = (
        day_qs.values("point_id", "point_street_id", "collector_id", "day")
        .annotate(b=Sum("bags"), g=Sum("grams"), c=Sum("correct"))
        .order_by()
    )
    inner, params = per_day.query.sql_with_params()
    month = "CAST(date_trunc('month', t.day) AS date)" if connection.vendor == "postgresql" else "date(t.day, 'start of month')"
    sql = (
        f"SELECT t.point_id, t.point_street_id, t.collector_id, {month}, SUM(t.b), SUM(t.g), SUM(t.c), SUM({day_bit_sql('t.day')})"
        f" FROM ({inner}) AS t GROUP BY 1, 2, 3, 4"
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        # PostgreSQL sums bigints to numeric: back to int for the figures and the bit masks.
        return [(*r[:3], _as_date(r[3]), *(int(v or 0) for v in r[4:])) for r in cursor.fetchall()]


def _throughput(rows: list[tuple], key, other) -> list[dict]:
    """Sum the rows per ``key(row)``; days worked = set bits of each month's OR-ed masks; ``others``
    = the distinct ``other(row)`` (collectors of a point, points of a collector)."""
    agg: dict = {}
    for row in rows:
        k = key(row)
        a = agg.get(k)
        if a is None:
            a = agg[k] = {"key": k, "bags": 0, "grams": 0, "correct": 0, "masks": {}, "others": set()}
        a["bags"] += row[4] or 0
        a["grams"] += row[5] or 0
        a["correct"] += row[6] or 0
        a["masks"][row[3]] = a["masks"].get(row[3], 0) | row[7]
        a["others"].add(other(row))
    for a in agg.values():
        a["days"] = sum(mask.bit_count() for mask in a.pop("masks").values())
        a["others"] = len(a["others"])
    return list(agg.values())


def _top(items: list[dict], limit: int | None, tie) -> list[dict]:
    items.sort(key=lambda a: (-a["bags"], tie(a)))
    return items[:limit] if limit else items


def _throughput_figures(a: dict) -> list:
    """The columns shared by both throughput tables: THROUGHPUT_COLUMNS, then the distinct others."""
    return [
        a["bags"],
        kg(a["grams"]),
        pct(a["correct"], a["bags"]),
        a["days"],
        round(a["bags"] / a["days"], 1) if a["days"] else 0,
        a["others"],
    ]


def throughput_points(viewer, f: Filters, *, limit: int | None = 100) -> dict:
    data = _top(_throughput(_throughput_rows(viewer, f), key=lambda r: (r[0], r[1]), other=lambda r: r[2]), limit, lambda a: a["key"][0])
    points = point_names(a["key"][0] for a in data)
    streets = org_names(a["key"][1] for a in data)
    rows = [[points.get(a["key"][0], str(a["key"][0])), streets.get(a["key"][1], ""), *_throughput_figures(a)] for a in data]
    return _table("throughput_points", _("各收集点回收量"), [_("收集点"), _("街道"), *THROUGHPUT_COLUMNS, _("分拣员人数")], rows)


def throughput_collectors(viewer, f: Filters, *, limit: int | None = 100) -> dict:
    data = _top(_throughput(_throughput_rows(viewer, f), key=lambda r: r[2], other=lambda r: r[0]), limit, lambda a: a["key"])
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=[a["key"] for a in data]).only("id", "username", "display_name")}
    rows = [[users.get(a["key"], str(a["key"])), *_throughput_figures(a)] for a in data]
    return _table("throughput_collectors", _("各分拣员回收量"), [_("分拣员"), *THROUGHPUT_COLUMNS, _("收集点数")], rows)
