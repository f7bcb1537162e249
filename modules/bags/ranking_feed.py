"""The live ranking feed: the boards follow the committed collections, scans never touch Redis.

A scan is the platform's hottest write; updating every board × period × scope inside it cost
about a third of its time (tens of sorted-set commands per bag). The issue allows boards to be
fresh within a minute, so on PostgreSQL with Redis a periodic job (every ``INTERVAL_SECONDS``)
adds to the boards every collection committed since its previous pass, summed per board and
member (one command per worker, union and street however many bags they had).

Exactly once, by transaction id. Each collection row carries ``txid`` (the id of the transaction
that wrote it, a column default; migration 0003). The feed keeps, beside the boards in Redis, the
database snapshot its previous pass read in. A pass opens a REPEATABLE READ transaction (its own
snapshot ``now``) and reads the rows whose transaction was *not* visible in the previous snapshot
— committed since — then adds them to the boards and moves the stored snapshot to ``now`` in one
Redis transaction, guarded by the old value (WATCH), so a pass that lost a race changes nothing.
Transactions still running at ``now`` are invisible to it and are read by a later pass. A
rebuild reads the collections in one snapshot, swaps the boards in and stores that snapshot, with
the feed held meanwhile (``held``), so the two never count a scan twice.

Elsewhere (SQLite, or the in-process boards without Redis) boards are updated inline after each
commit (``rankings.on_collections``). ``BAGS_RANKING_FEED`` = ``auto`` (default), ``inline`` (the
test settings: most tests read boards in the transaction that wrote them) or ``txid``.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from engines.ranking import leaderboard as lb

log = logging.getLogger("unionhub.bags.rankings")

STATE = "bags.feed"
LOCK = "bags.feed"
INTERVAL_SECONDS = 5
# A pass reads at most this many rows; a longer backlog (the feed was stopped for hours) is
# cheaper to settle by one rebuild than by holding millions of rows in memory.
MAX_ROWS = 200_000
HOLD_WAIT_SECONDS = 60

_SINCE_SQL = """
SELECT owner_id, organisation_id, street_id, grade, points_awarded, collected_at
FROM bags_collection
WHERE txid IS NOT NULL AND txid >= pg_snapshot_xmin(%(prev)s::pg_snapshot)
  AND NOT pg_visible_in_snapshot(txid, %(prev)s::pg_snapshot)
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class FedCollection:
    """What the boards need of a collection (the attributes ``rankings._increments`` reads)."""

    owner_id: int | None
    organisation_id: int
    street_id: int | None
    grade: str
    points_awarded: int
    collected_at: datetime


def enabled() -> bool:
    mode = getattr(settings, "BAGS_RANKING_FEED", "auto")
    if mode == "inline":
        return False
    if mode == "txid":
        return connection.vendor == "postgresql"
    return connection.vendor == "postgresql" and not lb.is_local()


def _snapshot(cursor) -> str:
    """Start a REPEATABLE READ transaction's snapshot and return it as text."""
    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    cursor.execute("SELECT pg_current_snapshot()::text")
    return cursor.fetchone()[0]


def feed() -> dict:
    """Periodic job: add the collections committed since the previous pass to the boards."""
    from modules.bags import rankings

    if not enabled():
        return {"skipped": "boards are updated inline"}
    if not lb.is_built(rankings.MARKER):
        return {"skipped": "boards not built (the rebuild will start the feed)"}
    prev = lb.state(STATE)
    if prev is None:
        # Boards built before the feed existed (or its position was lost): settle by a rebuild.
        return {"rebuilt": rankings.rebuild()}
    if not lb.try_lock(LOCK, ttl=120):
        return {"skipped": "another pass or a rebuild is running"}
    started = time.monotonic()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            now = _snapshot(cursor)
            cursor.execute(_SINCE_SQL, {"prev": prev, "limit": MAX_ROWS + 1})
            rows = cursor.fetchall()
        if len(rows) > MAX_ROWS:
            lb.unlock(LOCK)
            return {"rebuilt": rankings.rebuild(), "backlog": f"> {MAX_ROWS}"}
        applied = rankings._apply([FedCollection(*row) for row in rows], guard=lb.state_guard(STATE, prev, now))
    finally:
        lb.unlock(LOCK)
    if not applied:
        return {"skipped": "the position moved (a rebuild ran): nothing added"}
    return {"collections": len(rows), "seconds": round(time.monotonic() - started, 3)}


class _Hold:
    def __init__(self):
        self.snapshot: str | None = None

    def read_consistently(self, read):
        """Run ``read`` in one snapshot (PostgreSQL) and remember it for ``resume_from_snapshot``."""
        if not enabled():
            return read()
        with transaction.atomic(), connection.cursor() as cursor:
            self.snapshot = _snapshot(cursor)
            return read()

    def resume_from_snapshot(self) -> None:
        if self.snapshot is not None:
            lb.set_state(STATE, self.snapshot)


@contextmanager
def held():
    """Hold the feed while boards are rebuilt (waits for a running pass to finish)."""
    if not enabled():
        yield _Hold()
        return
    deadline = time.monotonic() + HOLD_WAIT_SECONDS
    while not lb.try_lock(LOCK, ttl=3600):
        if time.monotonic() > deadline:
            log.warning("ranking feed lock still held after %s s; rebuilding anyway", HOLD_WAIT_SECONDS)
            break
        time.sleep(0.2)
    try:
        yield _Hold()
    finally:
        lb.unlock(LOCK)
