"""Things worth a human look: weekly jumps of unions and collectors, cross-street bags, improbable member days."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils.translation import gettext as _

from core import scoping
from core.models import Member, User
from core.privacy import mask_name
from modules.bags.facts import point_names
from modules.sortstats.models import CrossStreetDay, MemberDay, OrgWeek
from modules.sortstats.selectors.filters import Filters, scope_for
from modules.sortstats.selectors.formatting import _table, cn_date, org_names
from modules.sortstats.selectors.throughput import _points


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
    points = point_names(r["point_id"] for r in cross)
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
