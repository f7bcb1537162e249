"""Who takes part: members who used a bag, new participants, bags available and used, per union and month."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modules.sortstats.models import OrgMonth
from modules.sortstats.rollups import month_start, next_month
from modules.sortstats.selectors.filters import Filters, scope_for
from modules.sortstats.selectors.formatting import _table, org_names, pct


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
    gettext_lazy("可用袋数"),
    gettext_lazy("使用袋数"),
    gettext_lazy("使用÷可用（%）"),
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


def participation_by_organisation(viewer, f: Filters, *, limit: int | None = 100, ends: int | None = None) -> dict:
    """Members who used at least one bag in the month of the period's end ÷ members, per union.

    ``ends``: only the ``ends`` unions with the most participants and the ``ends`` with the
    fewest (the dashboard's view; ``bottom_from`` is where the second group starts)."""
    month = month_start(f.end)
    base = _org_month(viewer, f, month)
    qs = base.order_by("-participants", "organisation_id")
    limit = ends or limit
    total = qs.count() if limit else None
    data = list((qs[:limit] if limit else qs).values("organisation_id", *SUMS))
    bottom = []
    if ends and total > 2 * ends:
        bottom = list(base.order_by("participants", "-organisation_id")[:ends].values("organisation_id", *SUMS))[::-1]
    names = org_names(r["organisation_id"] for r in [*data, *bottom])
    rows = [_participation_row(names.get(r["organisation_id"], ""), r) for r in [*data, *bottom]]
    total = total if total is not None else len(rows)
    return _table(
        "participation_by_organisation",
        _("各基层工会参与情况"),
        [_("基层工会"), *PARTICIPATION_COLUMNS],
        rows,
        month=f"{month.year}年{month.month}月",
        total=total,
        limited=bool(total > len(rows)),
        bottom_from=len(data) if bottom else None,
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
