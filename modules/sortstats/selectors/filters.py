"""Filters of every chart (period, grain, street, kind, category), the viewer's scope and the
split of a period into closed months, whole ISO weeks and edge days."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import scoping
from core.categories import Category
from core.errors import Forbidden, Invalid
from core.models import Organisation
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
    # On the period's last day count only the hours before this one (local time): the previous
    # period of a period that runs through today stops at the same time of day.
    cutoff_hour: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def runs_through_today(self, now: datetime | None = None) -> bool:
        today = timezone.localtime(now).date() if now else timezone.localdate()
        return self.start <= today <= self.end

    def comparison(self, now: datetime | None = None) -> Filters:
        """The period to compare with, like with like.

        A closed period is compared with the period of the same length just before it. A period
        that runs through today has only elapsed in part, so it is compared with the same elapsed
        part of the previous period, up to the same hour of the day: this month's 1st–4th until
        15:00 against last month's 1st–4th until 15:00 (not against the 4 days before the 1st);
        this year to date against last year to the same date; the last 7 days against the 7
        before them, cut at the same hour."""
        if not self.runs_through_today(now):
            return self.previous()
        local = timezone.localtime(now)
        today = local.date()
        elapsed = (today - self.start).days
        if self.start.day == 1 and self.start.month == today.month and self.start.year == today.year:
            start = month_start(self.start - timedelta(days=1))
            end = start + timedelta(days=elapsed)
            if end >= self.start:  # a shorter previous month: all of it
                return replace(self, start=start, end=self.start - timedelta(days=1), cutoff_hour=None)
        elif self.start == date(today.year, 1, 1):
            start = date(today.year - 1, 1, 1)
            end = start + timedelta(days=elapsed)
        else:
            start = self.start - timedelta(days=elapsed + 1)
            end = today - timedelta(days=elapsed + 1)
        return replace(self, start=start, end=end, cutoff_hour=local.hour)

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
