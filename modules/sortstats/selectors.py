"""Reads of the sorting-data dashboard: one function per chart, ``<chart>(viewer, filters)``.

Every function reads rollup tables only (never raw scans), is scoped through
``core.scoping`` and answers the same shape, which the charts, the API, the xlsx/CSV exports
and the monthly PDF all consume::

    {"key", "title", "columns": [...], "rows": [[...], ...], **chart-specific extras}

District and street/industry staff read the ``Branch*`` tables (grouped by second-tier union);
a grassroots admin reads the ``Org*`` tables limited to their own union. Collectors, workers
and anonymous users get ``Forbidden``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import scoping
from core.errors import Forbidden, Invalid
from core.models import Member, Organisation, User
from core.privacy import mask_name
from modules.bags.models import Category, CollectionPoint, WrongSortReason
from modules.sortstats.models import (
    BranchDay,
    BranchHour,
    BranchMonthCat,
    BranchMonthHour,
    BranchMonthReason,
    BranchReasonDay,
    CrossStreetDay,
    MemberDay,
    MonthHour,
    OrgDay,
    OrgHour,
    OrgMonth,
    OrgMonthCat,
    OrgReasonDay,
    OrgWeek,
    PointDay,
    PointMonth,
)
from modules.sortstats.rollups import month_start, next_month

GRANULARITIES = {"day": gettext_lazy("按日"), "week": gettext_lazy("按周"), "month": gettext_lazy("按月")}
WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]
MAX_DAYS = 3 * 366


# --- filters and scope ----------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    granularity: str = "day"
    street_id: int | None = None
    kind: str = ""
    category: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def as_query(self) -> dict:
        out = {"start": self.start.isoformat(), "end": self.end.isoformat(), "granularity": self.granularity}
        if self.street_id:
            out["street"] = str(self.street_id)
        if self.kind:
            out["kind"] = self.kind
        if self.category:
            out["category"] = self.category
        return out


def default_filters(today: date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(start=today.replace(day=1), end=today)


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("invalid_date", _("日期格式应为 2026-11-01"), field=field) from None


def parse_filters(params, viewer=None) -> Filters:
    """Filters from a query string; every bad value answers the field and the reason."""
    base = default_filters()
    month = (params.get("month") or "").strip()
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise Invalid("invalid_month", _("月份格式应为 2026-11"), field="month") from None
        start, end = first, next_month(first) - timedelta(days=1)
    else:
        start = _parse_date(params["start"], "start") if params.get("start") else base.start
        end = _parse_date(params["end"], "end") if params.get("end") else base.end
    if end < start:
        raise Invalid("invalid_period", _("结束日期不能早于开始日期"), field="end")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid("period_too_long", _("统计期间最长三年"), field="start")
    granularity = params.get("granularity") or "day"
    if granularity not in GRANULARITIES:
        raise Invalid("invalid_granularity", _("时间粒度只能是按日、按周或按月"), field="granularity")
    kind = params.get("kind") or ""
    if kind and kind not in Organisation.Kind.values:
        raise Invalid("invalid_kind", _("没有这种组织类型"), field="kind")
    category = params.get("category") or ""
    if category and category not in Category.values:
        raise Invalid("invalid_category", _("没有这种垃圾分类"), field="category")
    street_id = None
    raw_street = params.get("street") or ""
    if raw_street:
        if not str(raw_street).isdigit():
            raise Invalid("invalid_street", _("街道无效"), field="street")
        street_id = int(raw_street)
        if viewer is not None and not any(s.pk == street_id for s in streets_for(viewer)):
            raise Invalid("street_out_of_scope", _("该街道不在您的查看范围内"), field="street")
    return Filters(start=start, end=end, granularity=granularity, street_id=street_id, kind=kind, category=category)


@dataclass(frozen=True)
class Scope:
    fine: bool  # True: read the Org* tables (a grassroots admin's own union)
    q: Q  # on "branch" for Branch* tables, on "organisation" for Org* tables
    org_q: Q  # always on "organisation" (tables that only have the union)


def can_view(viewer) -> bool:
    return scoping.is_staff_member(viewer)


def scope_for(viewer) -> Scope:
    if not can_view(viewer):
        raise Forbidden("forbidden", _("只有区、街道和基层工会工作人员可以查看分类数据分析"))
    org_q = scoping.organisation_scope_q(viewer, "organisation")
    roots = scoping.scope_roots(viewer)
    if roots is None:
        return Scope(fine=False, q=Q(), org_q=Q())
    if all(root.depth <= 1 for root in roots):
        return Scope(fine=False, q=scoping.organisation_scope_q(viewer, "branch"), org_q=org_q)
    return Scope(fine=True, q=org_q, org_q=org_q)


def streets_for(viewer) -> list[Organisation]:
    """The streets a viewer may filter on: streets of the unions in their scope."""
    cached = getattr(viewer, "_sortstats_streets", None)
    if cached is not None:
        return cached
    roots = scoping.scope_roots(viewer)
    streets = Organisation.objects.filter(level=Organisation.Level.STREET)
    if roots is not None:
        ids = Organisation.objects.filter(scoping.organisation_scope_q(viewer)).exclude(street=None).values("street_id")
        streets = streets.filter(pk__in=ids)
    result = list(streets.order_by("path").only("id", "name", "path"))
    viewer._sortstats_streets = result
    return result


def split_period(f: Filters, today: date | None = None) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole, closed calendar months inside the period, and the day ranges left at its edges.

    The month tables hold closed months only (the refresh job keeps the current month in day rows)."""
    current_month = month_start(today or timezone.localdate())
    first = month_start(f.start) if f.start.day == 1 else next_month(month_start(f.start))
    months = []
    while next_month(first) - timedelta(days=1) <= f.end and first < current_month:
        months.append(first)
        first = next_month(first)
    if not months:
        return [], [(f.start, f.end)]
    ranges = []
    if f.start < months[0]:
        ranges.append((f.start, months[0] - timedelta(days=1)))
    after = next_month(months[-1])
    if after <= f.end:
        ranges.append((after, f.end))
    return months, ranges


def split_weeks(lo: date, hi: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole ISO weeks (Mondays) inside lo..hi, and the days left at its edges."""
    first = lo + timedelta(days=(7 - lo.weekday()) % 7)
    weeks = []
    while first + timedelta(days=6) <= hi:
        weeks.append(first)
        first += timedelta(days=7)
    if not weeks:
        return [], [(lo, hi)]
    ranges = []
    if lo < weeks[0]:
        ranges.append((lo, weeks[0] - timedelta(days=1)))
    if weeks[-1] + timedelta(days=7) <= hi:
        ranges.append((weeks[-1] + timedelta(days=7), hi))
    return weeks, ranges


# (fine day, branch day, fine month, branch month, week) tables of each fact; the union-level week
# table serves the fine grain (a union admin, and the per-union chart of district and street staff).
FACTS = {
    "volume": (OrgDay, BranchDay, OrgMonthCat, BranchMonthCat, OrgWeek),
    "hour": (OrgHour, BranchHour, None, BranchMonthHour, None),
    "hour_all": (OrgHour, BranchHour, None, MonthHour, None),  # no kind / category filter
    "reason": (OrgReasonDay, BranchReasonDay, None, BranchMonthReason, None),
    "org_volume": (OrgDay, OrgDay, OrgMonthCat, OrgMonthCat, OrgWeek),
}


def _filtered(qs, f: Filters, *, category: bool, kind: bool):
    if f.street_id:
        qs = qs.filter(street_id=f.street_id)
    if f.kind and kind:
        qs = qs.filter(kind=f.kind)
    if f.category and category:
        qs = qs.filter(category=f.category)
    return qs


def _facts(viewer, f: Filters, fact: str, *, category: bool = True, kind: bool = True) -> list:
    """Querysets covering the period: whole months from a month table, then (union grain) whole ISO
    weeks from the week table, and the edge days from a day table.

    A year on the district dashboard reads ~12 month rows per group instead of ~365 day rows.
    The caller groups and sums each queryset the same way and merges them (``_merged``).
    """
    scope = scope_for(viewer)
    fine_day, branch_day, fine_month, branch_month, week_model = FACTS[fact]
    day_model, month_model = (fine_day, fine_month) if scope.fine else (branch_day, branch_month)
    fine_rows = scope.fine or fact == "org_volume"
    q = scope.q  # on "organisation" for a union admin, on "branch" otherwise: every table here has both or the right one
    months, ranges = split_period(f) if month_model is not None else ([], [(f.start, f.end)])
    parts = []
    if months:
        parts.append(_filtered(month_model.objects.filter(q, month__in=months), f, category=category, kind=kind))
    for lo, hi in ranges:
        weeks, days = split_weeks(lo, hi) if (week_model is not None and fine_rows) else ([], [(lo, hi)])
        if weeks:
            parts.append(_filtered(week_model.objects.filter(q, week__in=weeks), f, category=category, kind=kind))
        for d_lo, d_hi in days:
            parts.append(_filtered(day_model.objects.filter(q, day__gte=d_lo, day__lte=d_hi), f, category=category, kind=kind))
    return parts


def _merged(parts, group: list[str], sums: dict[str, str]) -> list[dict]:
    """Group and sum every part the same way, then add the parts together (one query per part)."""
    merged: dict[tuple, dict] = {}
    for qs in parts:
        for r in qs.values(*group).annotate(**{k: Sum(v) for k, v in sums.items()}).order_by():
            key = tuple(r[g] for g in group)
            if key in merged:
                for k in sums:
                    merged[key][k] += r[k] or 0
            else:
                merged[key] = {**{g: r[g] for g in group}, **{k: r[k] or 0 for k in sums}}
    return list(merged.values())


VOLUME_SUMS = {"bags": "bags", "grams": "grams", "correct": "correct"}


def _volume(viewer, f, group, **kw) -> list[dict]:
    return _merged(_facts(viewer, f, "volume", **kw), group, VOLUME_SUMS)


# --- formatting -----------------------------------------------------------------------------


def kg(grams) -> float:
    return round((grams or 0) / 1000, 1)


def pct(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def change(current, previous) -> float | None:
    return round(100 * (current - previous) / previous, 1) if previous else None


def category_label(code: str) -> str:
    return str(Category(code).label) if code in Category.values else code


def kind_label(code: str) -> str:
    return str(Organisation.Kind(code).label) if code in Organisation.Kind.values else (code or _("未分类"))


def reason_label(code: str) -> str:
    if code in WrongSortReason.values:
        return str(WrongSortReason(code).label)
    return _("未注明原因") if code == "unspecified" else code


def org_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("id", "name")) if ids else {}


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def period_label(f: Filters) -> str:
    return f"{cn_date(f.start)}至{cn_date(f.end)}"


def _table(key: str, title, columns, rows, **extra) -> dict:
    return {"key": key, "title": str(title), "columns": [str(c) for c in columns], "rows": rows, **extra}


def _bucket_label(d: date, granularity: str) -> str:
    if granularity == "month":
        return f"{d.year}年{d.month}月"
    if granularity == "week":
        return _("%(date)s起一周") % {"date": f"{d.month}月{d.day}日"}
    return d.isoformat()


def _buckets(f: Filters) -> list[date]:
    """Every bucket of the period, so empty days show as zero instead of vanishing."""
    out, cur = [], f.start
    if f.granularity == "month":
        cur = month_start(cur)
        while cur <= f.end:
            out.append(cur)
            cur = next_month(cur)
    elif f.granularity == "week":
        cur = cur - timedelta(days=cur.weekday())
        while cur <= f.end:
            out.append(cur)
            cur += timedelta(days=7)
    else:
        while cur <= f.end:
            out.append(cur)
            cur += timedelta(days=1)
    return out


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- volume ---------------------------------------------------------------------------------


def volume_summary(viewer, f: Filters) -> dict:
    """Bags and kilograms per category in the period, the share, and the change against the previous period."""
    current = {r["category"]: r for r in _volume(viewer, f, ["category"])}
    previous = {r["category"]: r for r in _volume(viewer, f.previous(), ["category"])}
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
        previous_period=period_label(f.previous()),
    )


def volume_trend(viewer, f: Filters) -> dict:
    """Bags and kilograms per category per day, week or month, every bucket present."""
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
    for b in buckets:
        for c in categories:
            bags, grams = found.get((b, c), (0, 0))
            rows.append([_bucket_label(b, f.granularity), category_label(c), bags, kg(grams)])
            series[category_label(c)]["bags"].append(bags)
            series[category_label(c)]["kg"].append(kg(grams))
    totals = [sum(s["bags"][i] for s in series.values()) for i in range(len(buckets))]
    return _table(
        "volume_trend",
        _("投放量趋势"),
        [_("时间"), _("分类"), _("袋数"), _("重量（千克）")],
        rows,
        buckets=[_bucket_label(b, f.granularity) for b in buckets],
        series=series,
        totals=totals,
        granularity=f.granularity,
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


# --- sorting accuracy -----------------------------------------------------------------------


ACCURACY_COLUMNS = [gettext_lazy("袋数"), gettext_lazy("合格"), gettext_lazy("不合格"), gettext_lazy("准确率（%）")]


def _accuracy_rows(data, field, label) -> list:
    rows = [[label(r[field]), r["bags"], r["correct"], r["bags"] - r["correct"], pct(r["correct"], r["bags"])] for r in data]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def accuracy_by_category(viewer, f: Filters) -> dict:
    data = _volume(viewer, f, ["category"])
    return _table(
        "accuracy_by_category", _("各分类准确率"), [_("分类"), *ACCURACY_COLUMNS], _accuracy_rows(data, "category", category_label)
    )


def accuracy_by_street(viewer, f: Filters) -> dict:
    data = _volume(viewer, f, ["street_id"])
    names = org_names(r["street_id"] for r in data)
    return _table(
        "accuracy_by_street",
        _("各街道准确率"),
        [_("街道"), *ACCURACY_COLUMNS],
        _accuracy_rows(data, "street_id", lambda i: names.get(i, _("未归属街道"))),
    )


def accuracy_by_kind(viewer, f: Filters) -> dict:
    data = _volume(viewer, f, ["kind"])
    return _table("accuracy_by_kind", _("各类组织准确率"), [_("组织类型"), *ACCURACY_COLUMNS], _accuracy_rows(data, "kind", kind_label))


def _top_unions(parts, limit: int | None) -> tuple[list[dict], int]:
    """Every union's bags, grams and correct over the parts, summed in the database (a UNION ALL
    of the grouped parts, grouped again), the top ``limit`` by bags and how many there are: ten
    thousand unions never travel to Python to be merged and sorted."""
    from django.db import connection

    if not parts:
        return [], 0
    pieces, params = [], []
    for qs in parts:
        sql, p = qs.values("organisation_id").annotate(**{k: Sum(v) for k, v in VOLUME_SUMS.items()}).order_by().query.sql_with_params()
        pieces.append(f"SELECT * FROM ({sql}) AS part")
        params += list(p)
    union = " UNION ALL ".join(pieces)
    sql = (
        f"SELECT organisation_id, SUM(bags), SUM(grams), SUM(correct), COUNT(*) OVER () FROM ({union}) AS u"
        " GROUP BY organisation_id ORDER BY SUM(bags) DESC, organisation_id" + (f" LIMIT {int(limit)}" if limit else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = [{"organisation_id": r[0], "bags": int(r[1] or 0), "grams": int(r[2] or 0), "correct": int(r[3] or 0)} for r in found]
    return rows, (found[0][4] if found else 0)


def accuracy_by_organisation(viewer, f: Filters, *, limit: int | None = 100) -> dict:
    """Per grassroots union (always the Org table: the unit of this chart is the union)."""
    data, total = _top_unions(_facts(viewer, f, "org_volume"), limit)
    names = org_names(r["organisation_id"] for r in data)
    rows = _accuracy_rows(data, "organisation_id", lambda i: names.get(i, str(i)))
    return _table(
        "accuracy_by_organisation",
        _("各基层工会准确率"),
        [_("基层工会"), *ACCURACY_COLUMNS],
        rows,
        total=total,
        limited=bool(limit and total > limit),
    )


def wrong_reasons(viewer, f: Filters) -> dict:
    data = sorted(_merged(_facts(viewer, f, "reason"), ["reason"], {"bags": "bags"}), key=lambda r: (-r["bags"], r["reason"]))
    total = sum(r["bags"] for r in data)
    rows = [[reason_label(r["reason"]), r["bags"], pct(r["bags"], total)] for r in data]
    return _table("wrong_reasons", _("常见分类错误原因"), [_("原因"), _("次数"), _("占比（%）")], rows, total=total)


# --- participation --------------------------------------------------------------------------


def _org_month(viewer, f: Filters, month: date | None = None):
    scope = scope_for(viewer)
    qs = OrgMonth.objects.filter(scope.q if not scope.fine else scope.org_q)
    if month is not None:
        qs = qs.filter(month=month)
    if f.street_id:
        qs = qs.filter(street_id=f.street_id)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs


PARTICIPATION_COLUMNS = [
    gettext_lazy("会员数"),
    gettext_lazy("参与人数"),
    gettext_lazy("参与率（%）"),
    gettext_lazy("新参与人数"),
    gettext_lazy("发放袋数"),
    gettext_lazy("使用袋数"),
    gettext_lazy("使用÷发放（%）"),
]


def _participation_row(label, r) -> list:
    return [
        label,
        r["members"],
        r["participants"],
        pct(r["participants"], r["members"]),
        r["new_participants"],
        r["bags_issued"],
        r["bags_used"],
        pct(r["bags_used"], r["bags_issued"]),
    ]


SUMS = {k: Sum(k) for k in ("members", "participants", "new_participants", "bags_issued", "bags_used")}


def participation_by_organisation(viewer, f: Filters, *, limit: int | None = 100) -> dict:
    """Members who used at least one bag in the month of the period's end ÷ members, per union."""
    month = month_start(f.end)
    qs = _org_month(viewer, f, month).order_by("-participants", "organisation_id")
    total = qs.count() if limit else None
    data = list((qs[:limit] if limit else qs).values("organisation_id", *SUMS))
    names = org_names(r["organisation_id"] for r in data)
    rows = [_participation_row(names.get(r["organisation_id"], ""), r) for r in data]
    return _table(
        "participation_by_organisation",
        _("各基层工会参与情况"),
        [_("基层工会"), *PARTICIPATION_COLUMNS],
        rows,
        month=f"{month.year}年{month.month}月",
        total=total if total is not None else len(rows),
        limited=bool(limit and total and total > limit),
    )


def participation_by_street(viewer, f: Filters) -> dict:
    month = month_start(f.end)
    data = list(_org_month(viewer, f, month).values("street_id").annotate(**SUMS).order_by("street_id"))
    names = org_names(r["street_id"] for r in data)
    rows = sorted((_participation_row(names.get(r["street_id"], _("未归属街道")), r) for r in data), key=lambda r: -r[2])
    return _table(
        "participation_by_street", _("各街道参与情况"), [_("街道"), *PARTICIPATION_COLUMNS], rows, month=f"{month.year}年{month.month}月"
    )


def participation_trend(viewer, f: Filters) -> dict:
    """Month by month over the period (at least the six months up to its end)."""
    last = month_start(f.end)
    first = min(month_start(f.start), month_start(last - timedelta(days=150)))
    data = {r["month"]: r for r in _org_month(viewer, f).filter(month__gte=first, month__lte=last).values("month").annotate(**SUMS)}
    rows, cur = [], first
    while cur <= last:
        r = data.get(cur, {k: 0 for k in SUMS})
        rows.append(_participation_row(f"{cur.year}年{cur.month}月", r))
        cur = next_month(cur)
    return _table("participation_trend", _("参与率月度变化"), [_("月份"), *PARTICIPATION_COLUMNS], rows)


# --- throughput -----------------------------------------------------------------------------


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
    from django.db import connection

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
    with connection.cursor() as cursor:
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
    points = dict(CollectionPoint.objects.filter(pk__in=[a["key"][0] for a in data]).values_list("id", "name"))
    streets = org_names(a["key"][1] for a in data)
    rows = [[points.get(a["key"][0], str(a["key"][0])), streets.get(a["key"][1], ""), *_throughput_figures(a)] for a in data]
    return _table("throughput_points", _("各收集点回收量"), [_("收集点"), _("街道"), *THROUGHPUT_COLUMNS, _("分拣员人数")], rows)


def throughput_collectors(viewer, f: Filters, *, limit: int | None = 100) -> dict:
    data = _top(_throughput(_throughput_rows(viewer, f), key=lambda r: r[2], other=lambda r: r[0]), limit, lambda a: a["key"])
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=[a["key"] for a in data]).only("id", "username", "display_name")}
    rows = [[users.get(a["key"], str(a["key"])), *_throughput_figures(a)] for a in data]
    return _table("throughput_collectors", _("各分拣员回收量"), [_("分拣员"), *THROUGHPUT_COLUMNS, _("收集点数")], rows)


# --- anomalies ------------------------------------------------------------------------------


def last_full_week(end: date) -> date:
    """The Monday of the last complete ISO week ending on or before ``end``."""
    after = end + timedelta(days=1)
    return after - timedelta(days=after.weekday()) - timedelta(days=7)


def _weekly(qs, group: str, current: date, *, field: str = "day", weeks: int = 9):
    """Bags per entity for ``weeks`` ISO weeks ending with the week starting ``current`` (index 0 = oldest), one query."""
    from django.db.models import Case, IntegerField, When

    start = current - timedelta(days=7 * (weeks - 1))
    cols = {}
    for i in range(weeks):
        lo = start + timedelta(days=7 * i)
        if field == "week":
            when = When(week=lo, then="bags")
        else:
            when = When(day__gte=lo, day__lte=lo + timedelta(days=6), then="bags")
        cols[f"w{i}"] = Sum(Case(when, default=0, output_field=IntegerField()))
    span = {"week__gte": start, "week__lte": current} if field == "week" else {"day__gte": start, "day__lte": current + timedelta(days=6)}
    data = qs.filter(**span).values(group).annotate(**cols).order_by()
    return [(r[group], [r[f"w{i}"] or 0 for i in range(weeks)]) for r in data], start


def jump_test(history: list[int], current: int, k: float, min_bags: int) -> dict | None:
    """Flags ``current`` when above mean + k·sd of ``history`` AND above median + k·1.4826·MAD.

    Both rules must agree so one wild week in the history does not hide a jump (the robust rule)
    and a flat, tiny history does not flag noise (the sd is floored at √mean, a Poisson spread).
    """
    # No value of the history lies more than sd·√(n−1) (2.65 sd for 8 weeks) above its mean, so with
    # k ≥ 3 a week at or below the history's maximum can never be flagged: skip it cheaply.
    if current < min_bags or len(history) < 2 or current <= max(history):
        return None
    # Plain float arithmetic: statistics.pstdev works in exact fractions, 20x slower over 2,000 unions.
    n = len(history)
    mean = sum(history) / n
    sd = (sum((h - mean) ** 2 for h in history) / n) ** 0.5
    median = statistics.median(history)
    mad = statistics.median([abs(h - median) for h in history])
    spread = max(sd, mean**0.5, 1.0)
    robust = max(1.4826 * mad, median**0.5, 1.0)
    threshold = mean + k * spread
    robust_threshold = median + k * robust
    if current > threshold and current > robust_threshold:
        return {
            "mean": round(mean, 1),
            "sd": round(sd, 1),
            "median": median,
            "mad": mad,
            "threshold": round(max(threshold, robust_threshold), 1),
            "ratio": round(current / mean, 1) if mean else None,
        }
    return None


def anomaly_settings() -> dict:
    return {
        "k": float(getattr(settings, "SORTSTATS_ANOMALY_K", 3.0)),
        "min_bags": int(getattr(settings, "SORTSTATS_ANOMALY_MIN_BAGS", 20)),
        "member_daily_max": int(getattr(settings, "SORTSTATS_MEMBER_DAILY_MAX", 10)),
        "cross_street_min": int(getattr(settings, "SORTSTATS_CROSS_STREET_MIN", 3)),
    }


def _jump_rows(series, monday, names, k, min_bags, link):
    rows = []
    for entity, weeks in series:
        history, current = weeks[:-1], weeks[-1]
        found = jump_test(history, current, k, min_bags)
        if found:
            rows.append(
                {
                    "id": entity,
                    "name": names.get(entity, str(entity)),
                    "current": current,
                    "history": history,
                    "week": f"{cn_date(monday)}至{cn_date(monday + timedelta(days=6))}",
                    "link": link(entity),
                    **found,
                }
            )
    rows.sort(key=lambda r: -(r["current"] - r["threshold"]))
    return rows


def _scope_key(viewer) -> str:
    roots = scoping.scope_roots(viewer)
    return "all" if roots is None else ",".join(str(r.pk) for r in sorted(roots, key=lambda r: r.pk))


def _per_rollup_version(key: tuple, compute):
    """``compute()`` once per rollup refresh: the weekly series behind the anomaly tests read nine
    weeks of every union and collector (~0.1 s each at district scale) and change only when the
    refresh job rewrites the rollups, whose run stamp is part of the key — never stale."""
    from django.core.cache import cache

    from modules.sortstats.models import RollupState

    state = RollupState.objects.filter(key="refresh").values_list("value", flat=True).first() or {}
    full_key = "sortstats:" + ":".join(str(p) for p in (*key, state.get("last_start", 0)))
    found = cache.get(full_key)
    if found is None:
        found = compute()
        cache.set(full_key, found, 3600)
    return found


def anomalies(viewer, f: Filters, *, link=lambda kind, entity: "") -> dict:
    """Things worth a human look, each with its evidence. The week tested is the last complete ISO week
    ending on or before ``f.end``, against the eight weeks before it."""
    cfg = anomaly_settings()
    scope = scope_for(viewer)
    current = last_full_week(f.end)
    org_qs = OrgWeek.objects.filter(scope.q)
    if f.street_id:
        org_qs = org_qs.filter(street_id=f.street_id)
    if f.kind:
        org_qs = org_qs.filter(kind=f.kind)
    if f.category:
        org_qs = org_qs.filter(category=f.category)
    scope_key = _scope_key(viewer)
    org_series, window_start = _per_rollup_version(
        ("anomaly-orgs", scope_key, f.street_id, f.kind, f.category, current),
        lambda: _weekly(org_qs, "organisation_id", current, field="week"),
    )
    # Only entities that might jump need a name: cheap pre-filter on the series itself.
    org_flagged = [(e, w) for e, w in org_series if jump_test(w[:-1], w[-1], cfg["k"], cfg["min_bags"])]
    org_rows = _jump_rows(
        org_flagged, current, org_names(e for e, _w in org_flagged), cfg["k"], cfg["min_bags"], lambda e: link("organisation", e)
    )

    point_qs = _points(viewer, replace(f, start=window_start, end=current + timedelta(days=6)))
    col_series, _start = _per_rollup_version(
        ("anomaly-collectors", scope_key, f.street_id, f.category, current), lambda: _weekly(point_qs, "collector_id", current)
    )
    col_flagged = [(e, w) for e, w in col_series if jump_test(w[:-1], w[-1], cfg["k"], cfg["min_bags"])]
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=[e for e, _w in col_flagged]).only("id", "username", "display_name")}
    collector_rows = _jump_rows(col_flagged, current, users, cfg["k"], cfg["min_bags"], lambda e: link("collector", e))

    # Bags collected at a point of another street than their union's.
    cross_qs = CrossStreetDay.objects.filter(
        scope.org_q
        if scope.fine
        else (scoping.organisation_scope_q(viewer, "point_street") | scoping.organisation_scope_q(viewer, "org_street"))
    )
    # The most recent 31 days of the period at most: a lead for this month's follow-up, not a yearly audit.
    cross_start = max(f.start, f.end - timedelta(days=30))
    cross_qs = cross_qs.filter(day__gte=cross_start, day__lte=f.end)
    if f.street_id:
        cross_qs = cross_qs.filter(Q(point_street_id=f.street_id) | Q(org_street_id=f.street_id))
    if f.category:
        cross_qs = cross_qs.filter(category=f.category)
    cross = list(
        cross_qs.values("organisation_id", "org_street_id", "point_id", "point_street_id")
        .annotate(bags=Sum("bags"), first=Min("day"), last=Max("day"), days=Count("day", distinct=True))
        .filter(bags__gte=cfg["cross_street_min"])
        .order_by("-bags")[:50]
    )
    names = org_names([r["organisation_id"] for r in cross] + [r["org_street_id"] for r in cross] + [r["point_street_id"] for r in cross])
    points = dict(CollectionPoint.objects.filter(pk__in=[r["point_id"] for r in cross]).values_list("id", "name"))
    cross_rows = [
        {
            "organisation": names.get(r["organisation_id"], ""),
            "organisation_street": names.get(r["org_street_id"], ""),
            "point": points.get(r["point_id"], ""),
            "point_street": names.get(r["point_street_id"], ""),
            "bags": r["bags"],
            "days": r["days"],
            "first": cn_date(r["first"]),
            "last": cn_date(r["last"]),
            "link": link("organisation", r["organisation_id"]),
        }
        for r in cross
    ]

    # One member's improbable daily counts.
    member_qs = MemberDay.objects.filter(scope.org_q, bags__gt=cfg["member_daily_max"], day__gte=f.start, day__lte=f.end)
    heavy = list(member_qs.order_by("-bags", "day")[:50].values("member_id", "organisation_id", "day", "bags"))
    members = {m.pk: m for m in Member.objects.filter(pk__in=[r["member_id"] for r in heavy]).only("id", "name")}
    names = org_names(r["organisation_id"] for r in heavy)
    member_rows = [
        {
            "member": mask_name(members[r["member_id"]].name) if r["member_id"] in members else str(r["member_id"]),
            "member_id": r["member_id"],
            "organisation": names.get(r["organisation_id"], ""),
            "day": cn_date(r["day"]),
            "bags": r["bags"],
            "limit": cfg["member_daily_max"],
            "link": link("organisation", r["organisation_id"]),
        }
        for r in heavy
    ]
    return {
        "key": "anomalies",
        "title": _("异常线索"),
        "settings": cfg,
        "week": f"{cn_date(current)}至{cn_date(current + timedelta(days=6))}",
        "cross_street_period": f"{cn_date(cross_start)}至{cn_date(f.end)}",
        "organisation_jumps": org_rows,
        "collector_jumps": collector_rows,
        "cross_street": cross_rows,
        "member_daily": member_rows,
    }


def anomalies_table(viewer, f: Filters) -> dict:
    """The anomalies flattened into one exportable table."""
    a = anomalies(viewer, f)
    rows = []
    for r in a["organisation_jumps"]:
        rows.append(
            [
                _("基层工会投放量突增"),
                r["name"],
                r["week"],
                r["current"],
                _("前8周均值%(mean)s，标准差%(sd)s，中位数%(median)s，阈值%(threshold)s") % r,
            ]
        )
    for r in a["collector_jumps"]:
        rows.append(
            [
                _("分拣员回收量突增"),
                r["name"],
                r["week"],
                r["current"],
                _("前8周均值%(mean)s，标准差%(sd)s，中位数%(median)s，阈值%(threshold)s") % r,
            ]
        )
    for r in a["cross_street"]:
        rows.append(
            [
                _("跨街道投放"),
                r["organisation"],
                f"{r['first']}至{r['last']}",
                r["bags"],
                _("%(organisation_street)s的袋子在%(point_street)s的%(point)s回收") % r,
            ]
        )
    for r in a["member_daily"]:
        rows.append([_("单人单日袋数过多"), f"{r['member']}（{r['organisation']}）", r["day"], r["bags"], _("上限%(limit)s袋/日") % r])
    return _table("anomalies", _("异常线索"), [_("类型"), _("对象"), _("时间"), _("数量"), _("依据")], rows)


# --- the dashboard card and the monthly street report ----------------------------------------


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


def chart(key: str, viewer, f: Filters, *, full: bool = False) -> dict:
    """Dispatch by chart key; ``full`` lifts the on-screen row limit (exports)."""
    func = CHARTS.get(key)
    if func is None:
        from core.errors import NotFound

        raise NotFound("unknown_chart", _("没有这个图表"))
    if full and key in UNLIMITED:
        return func(viewer, f, limit=None)
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
