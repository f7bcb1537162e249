"""The rollup tables behind each fact and the read that covers a period with the fewest rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db.models import Sum

from modules.sortstats.models import (
    BranchDay,
    BranchHour,
    BranchMonthCat,
    BranchMonthHour,
    BranchMonthReason,
    BranchReasonDay,
    MonthHour,
    OrgDay,
    OrgHour,
    OrgMonthCat,
    OrgReasonDay,
    OrgWeek,
)
from modules.sortstats.selectors.filters import Filters, scope_for, split_period, split_weeks

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
    if f.cutoff_hour is not None:
        head = replace(f, end=f.end - timedelta(days=1), cutoff_hour=None)
        parts = _facts(viewer, head, fact, category=category, kind=kind) if f.end > f.start else []
        return [*parts, _partial_day(viewer, f, fact, category=category, kind=kind)]
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


def _partial_day(viewer, f: Filters, fact: str, *, category: bool, kind: bool):
    """The period's last day up to ``f.cutoff_hour`` from the hour tables (which carry bags, grams
    and correct). Facts without an hour table (the reasons) read the whole day."""
    scope = scope_for(viewer)
    if fact == "reason":
        day_model = FACTS[fact][0] if scope.fine else FACTS[fact][1]
        return _filtered(day_model.objects.filter(scope.q, day=f.end), f, category=category, kind=kind)
    hour_model = OrgHour if (scope.fine or fact == "org_volume") else BranchHour
    q = scope.org_q if hour_model is OrgHour else scope.q  # OrgHour has no branch column
    qs = hour_model.objects.filter(q, day=f.end, hour__lt=f.cutoff_hour)
    return _filtered(qs, f, category=category, kind=kind)


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


def volume_by(viewer, f: Filters, group: list[str]) -> list[dict]:
    """Bags, grams and correctly sorted bags over the period grouped by ``group`` (e.g. category),
    read from the fewest rollup rows that cover it (a year: twelve month rows per group)."""
    return _volume(viewer, f, group)


def organisations_with_bags(viewer, f: Filters) -> int:
    """Grassroots unions whose members' bags were collected in the period (union-grain rollups)."""
    rows = _merged(_facts(viewer, f, "org_volume"), ["organisation_id"], {"bags": "bags"})
    return sum(1 for r in rows if r["bags"])
