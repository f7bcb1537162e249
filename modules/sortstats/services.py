"""Writes of the sorting-data app: only its own rollup tables, recomputed from raw scans.

``rollups_refresh`` (every 30 s from the scheduler) recomputes the last two local days plus every
day touched by scans that may have committed since its previous run; ``rollups_rebuild``
recomputes everything, month by month. Both call the same per-day SQL (``rollups.py``), so after
any sequence of refreshes a rebuild changes no row.

Out-of-order commits: a scan's id is drawn when its transaction starts, it becomes visible when
it commits. Each run stores (start time, highest visible id). A scan not yet visible at the
previous run's start P committed after P, so (transactions being shorter than
``SORTSTATS_COMMIT_LAG_SECONDS``) its id was drawn after P − lag, hence is above the id seen by
any run that started before P − lag. The run re-reads the days of all scans above that id.
"""

from __future__ import annotations

import time as systime
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.audit import audit
from modules.sortstats import rollups
from modules.sortstats.models import OrgDay, RollupState

STATE_KEY = "refresh"
LOCK_KEY = 7_220_611  # pg advisory lock id of the rollup writers
RECENT_DAYS = 2


def commit_lag() -> int:
    return int(getattr(settings, "SORTSTATS_COMMIT_LAG_SECONDS", 300))


def _lock(*, wait: bool) -> bool:
    if not rollups.is_pg():
        return True  # SQLite serialises writers itself (IMMEDIATE transactions)
    with connection.cursor() as cur:
        # Hash aggregates of a month of scans fit in memory instead of spilling to disk.
        cur.execute("SET LOCAL work_mem = '64MB'", [])
        if wait:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cur.fetchone()[0])


def _low_id(state: dict) -> int | None:
    """The id above which scans may be new to the rollups (None: never ran, read everything)."""
    snapshots = state.get("snapshots") or []
    if not snapshots:
        return None
    previous_start = state.get("last_start", snapshots[-1][0])
    safe = [sid for at, sid in snapshots if at <= previous_start - commit_lag()]
    # Just after a start-up no run is old enough; the oldest snapshot is the best bound we have,
    # and scans that late are recent scans, which the two-day window reads anyway.
    return max(safe) if safe else snapshots[0][1]


def rollups_refresh(*, today: date | None = None) -> dict:
    """Recompute the recent window of every rollup from raw scans (idempotent); returns figures."""
    started = systime.perf_counter()
    now = systime.time()
    today = today or timezone.localdate()
    with transaction.atomic():
        if not _lock(wait=False):
            return {"skipped": "busy"}
        state_row, _created = RollupState.objects.select_for_update().get_or_create(key=STATE_KEY)
        state = state_row.value or {}
        high = rollups.max_collection_id()
        low = _low_id(state)
        days = {today - timedelta(days=i) for i in range(RECENT_DAYS)}
        if low is None:
            bounds = rollups.collection_day_bounds()
            if bounds:
                days.update(bounds[0] + timedelta(days=i) for i in range((bounds[1] - bounds[0]).days + 1))
        elif high > low:
            days.update(rollups.days_of_ids_above(low))
        rows = 0
        for lo, hi in rollups.ranges(sorted(days)):
            rows += rollups.recompute_days(lo, hi)
            rows += rollups.recompute_weeks(lo, hi)
        # Month tables hold closed months only (the current month is read from day and week rows), so
        # a run rewrites them only for late scans of past months and once after a month closes.
        current_month = rollups.month_start(today)
        closed = {rollups.month_start(d) for d in days if d < current_month}
        previous_month = rollups.month_start(current_month - timedelta(days=1))
        if state.get("closed_month") != previous_month.isoformat():
            closed.add(previous_month)
        for month in sorted(closed):
            rows += rollups.recompute_month_tables(month)
        rows += rollups.recompute_point_month(current_month)
        # A late first scan can change "new participants" of every later month: recompute up to now.
        months = rollups.months_between(min(days), max(max(days), today))
        for month in months:
            rows += rollups.recompute_participation(month)
        snapshots = [s for s in state.get("snapshots", []) if s[0] >= now - 4 * commit_lag()]
        snapshots.append([now, high])
        state_row.value = {
            "snapshots": snapshots[-200:],
            "last_start": now,
            "last_rows": rows,
            "last_days": [d.isoformat() for d in sorted(days)],
            "closed_month": previous_month.isoformat(),
        }
        state_row.save()
    return {"days": len(days), "months": len(months), "rows": rows, "seconds": round(systime.perf_counter() - started, 3)}


def rollups_rebuild(*, actor=None, progress=None, today: date | None = None) -> dict:
    """Recompute every rollup from all raw scans, month by month, in one transaction (readers keep
    seeing the old rows until it commits). ``progress(month, rows, seconds)`` reports each month."""
    started = systime.perf_counter()
    now = systime.time()
    today = today or timezone.localdate()
    current_month = rollups.month_start(today)
    total = 0
    with transaction.atomic():
        _lock(wait=True)
        state_row, _created = RollupState.objects.select_for_update().get_or_create(key=STATE_KEY)
        high = rollups.max_collection_id()
        rollups.truncate_all()
        # Loading into bare tables and indexing once at the end is several times faster than
        # maintaining every index row by row (the DDL is transactional: readers never see it).
        indexes = rollups.drop_secondary_indexes()
        bounds = rollups.collection_day_bounds()
        issued = rollups.issue_day_bounds()
        months: list[date] = []
        if bounds:
            for first in rollups.months_between(*bounds):
                step = systime.perf_counter()
                last = rollups.next_month(first) - timedelta(days=1)
                rows = rollups.recompute_days(max(first, bounds[0]), min(last, bounds[1]))
                rows += rollups.recompute_weeks(max(first, bounds[0]), min(last, bounds[1]))
                if first < current_month:
                    rows += rollups.recompute_month_tables(first)
                elif first == current_month:
                    rows += rollups.recompute_point_month(first)
                total += rows
                if progress:
                    progress(first, rows, systime.perf_counter() - step)
        rollups.create_indexes(indexes)  # participation below probes MemberDay by (member, day)
        spans = [b for b in (bounds, issued) if b]
        if spans:
            lo = min(b[0] for b in spans)
            hi = max(max(b[1] for b in spans), today)
            months = rollups.months_between(lo, hi)
            for first in months:
                total += rollups.recompute_participation(first)
        scans = OrgDay.objects.aggregate(n=Sum("bags"))["n"] or 0
        state_row.value = {
            "snapshots": [[now, high]],
            "last_start": now,
            "last_rows": total,
            "rebuilt": True,
            "closed_month": rollups.month_start(current_month - timedelta(days=1)).isoformat(),
        }
        state_row.save()
        if actor is not None:
            audit(actor=actor, action="sortstats.rebuild", obj=None, changes={"rows": total})
    seconds = systime.perf_counter() - started
    return {
        "rows": total,
        "months": len(months),
        "seconds": round(seconds, 3),
        "scans": scans,
        "scans_per_second": round(scans / seconds) if seconds else 0,
    }
