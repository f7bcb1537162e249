"""How much is thrown away: per category, over time, per street and kind, by weekday and hour."""

from __future__ import annotations

from dataclasses import replace

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from core.categories import Category
from modules.sortstats.models import BranchDay, OrgDay
from modules.sortstats.selectors.facts import _facts, _filtered, _merged, _volume
from modules.sortstats.selectors.filters import WEEKDAYS, Filters, scope_for
from modules.sortstats.selectors.formatting import (
    _as_date,
    _bucket_label,
    _buckets,
    _table,
    category_label,
    change,
    kg,
    kind_label,
    org_names,
    pct,
    period_label,
)


def volume_summary(viewer, f: Filters, *, now=None) -> dict:
    """Bags and kilograms per category in the period, the share, and the change against the
    previous period — like with like (``Filters.comparison``) when the period runs through today."""
    compared = f.comparison(now)
    current = {r["category"]: r for r in _volume(viewer, f, ["category"])}
    previous = {r["category"]: r for r in _volume(viewer, compared, ["category"])}
    total_bags = sum(r["bags"] for r in current.values())
    total_grams = sum(r["grams"] for r in current.values())
    prev_bags = sum(r["bags"] for r in previous.values())
    prev_grams = sum(r["grams"] for r in previous.values())
    rows = []
    for code in Category.values:
        cur = current.get(code, {"bags": 0, "grams": 0, "correct": 0})
        prev = previous.get(code, {"bags": 0, "grams": 0})
        rows.append(
            [
                category_label(code),
                cur["bags"],
                kg(cur["grams"]),
                pct(cur["bags"], total_bags),
                prev["bags"],
                change(cur["bags"], prev["bags"]),
                kg(prev["grams"]),
                change(cur["grams"], prev["grams"]),
                pct(cur["correct"], cur["bags"]),
            ]
        )
    top = max(rows, key=lambda r: r[1]) if total_bags else None
    top_weight = max(rows, key=lambda r: r[2]) if total_grams else None
    correct = sum(r["correct"] for r in current.values())
    return _table(
        "volume_summary",
        _("各类垃圾投放量"),
        [
            _("分类"),
            _("袋数"),
            _("重量（千克）"),
            _("袋数占比（%）"),
            _("上期袋数"),
            _("袋数环比（%）"),
            _("上期重量（千克）"),
            _("重量环比（%）"),
            _("分类准确率（%）"),
        ],
        rows,
        totals={
            "bags": total_bags,
            "kg": kg(total_grams),
            "previous_bags": prev_bags,
            "previous_kg": kg(prev_grams),
            "change": change(total_bags, prev_bags),
            "change_kg": change(total_grams, prev_grams),
            "accuracy": pct(correct, total_bags),
        },
        top_category=top[0] if top else None,
        top_category_by_weight=top_weight[0] if top_weight else None,
        period=period_label(f),
        previous_period=period_label(compared),
        to_date=f.runs_through_today(now),
    )


def volume_trend(viewer, f: Filters, *, now=None) -> dict:
    """Bags and kilograms per category per day, week or month, every bucket present.

    When the period runs through today, the buckets stop at today's and that last bucket is
    marked partial (``partial_index``, its label says so): a day still in progress is not a dive."""
    to_date = f.runs_through_today(now)
    if to_date:
        f = replace(f, end=timezone.localtime(now).date() if now else timezone.localdate())
    trunc = {"week": TruncWeek("day"), "month": TruncMonth("day")}.get(f.granularity)
    scope = scope_for(viewer)
    qs = _filtered(
        (OrgDay if scope.fine else BranchDay).objects.filter(scope.q, day__gte=f.start, day__lte=f.end), f, category=True, kind=True
    )
    qs = qs.annotate(bucket=trunc) if trunc is not None else qs.annotate(bucket=F("day"))
    found = {}
    for r in qs.values("bucket", "category").annotate(bags=Sum("bags"), grams=Sum("grams")):
        found[(_as_date(r["bucket"]), r["category"])] = (r["bags"], r["grams"])
    buckets = _buckets(f)
    categories = [f.category] if f.category else list(Category.values)
    rows, series = [], {category_label(c): {"bags": [], "kg": []} for c in categories}
    labels = [_bucket_label(b, f.granularity) for b in buckets]
    partial_index = len(buckets) - 1 if (to_date and buckets) else None
    if partial_index is not None:
        labels[partial_index] = _("%(bucket)s（进行中）") % {"bucket": labels[partial_index]}
    for b, label in zip(buckets, labels, strict=True):
        for c in categories:
            bags, grams = found.get((b, c), (0, 0))
            rows.append([label, category_label(c), bags, kg(grams)])
            series[category_label(c)]["bags"].append(bags)
            series[category_label(c)]["kg"].append(kg(grams))
    totals = [sum(s["bags"][i] for s in series.values()) for i in range(len(buckets))]
    return _table(
        "volume_trend",
        _("投放量趋势"),
        [_("时间"), _("分类"), _("袋数"), _("重量（千克）")],
        rows,
        buckets=labels,
        series=series,
        totals=totals,
        granularity=f.granularity,
        partial_index=partial_index,
    )


def _grouped_volume(viewer, f: Filters, field: str):
    return _volume(viewer, f, [field, "category"])


def volume_by_street(viewer, f: Filters) -> dict:
    data = list(_grouped_volume(viewer, f, "street_id"))
    names = org_names(r["street_id"] for r in data)
    return _by_dimension("volume_by_street", _("各街道投放量"), _("街道"), data, "street_id", lambda i: names.get(i, _("未归属街道")))


def volume_by_kind(viewer, f: Filters) -> dict:
    data = list(_grouped_volume(viewer, f, "kind"))
    return _by_dimension("volume_by_kind", _("各类组织投放量"), _("组织类型"), data, "kind", kind_label)


def _by_dimension(key, title, dim_title, data, field, label) -> dict:
    by: dict = {}
    for r in data:
        entry = by.setdefault(r[field], {c: [0, 0] for c in Category.values})
        entry[r["category"]][0] += r["bags"]
        entry[r["category"]][1] += r["grams"]
    rows = []
    for value, cats in by.items():
        bags = sum(v[0] for v in cats.values())
        top = max(cats.items(), key=lambda kv: kv[1][0])[0]
        rows.append([label(value), *(cats[c][0] for c in Category.values), bags, kg(sum(v[1] for v in cats.values())), category_label(top)])
    rows.sort(key=lambda r: (-r[len(Category.values) + 1], r[0]))
    return _table(
        key,
        title,
        [dim_title, *(category_label(c) for c in Category.values), _("合计袋数"), _("重量（千克）"), _("最多的分类")],
        rows,
        categories=[category_label(c) for c in Category.values],
    )


def heatmap(viewer, f: Filters) -> dict:
    """Bags per weekday × hour of day (local time)."""
    fact = "hour" if (f.kind or f.category) else "hour_all"
    data = _merged(_facts(viewer, f, fact), ["weekday", "hour"], {"bags": "bags"})
    cells = {(r["weekday"], r["hour"]): r["bags"] for r in data}
    rows = [[str(WEEKDAYS[wd - 1]), *(cells.get((wd, h), 0) for h in range(24))] for wd in range(1, 8)]
    peak = max(cells.items(), key=lambda kv: kv[1]) if cells else None
    return _table(
        "heatmap",
        _("投放时段分布（星期×小时）"),
        [_("星期"), *(f"{h}时" for h in range(24))],
        rows,
        cells=[[h, wd - 1, cells.get((wd, h), 0)] for wd in range(1, 8) for h in range(24)],
        weekdays=[str(w) for w in WEEKDAYS],
        hours=[f"{h}时" for h in range(24)],
        peak={"weekday": str(WEEKDAYS[peak[0][0] - 1]), "hour": peak[0][1], "bags": peak[1]} if peak else None,
    )
