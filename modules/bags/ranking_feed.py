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

A pass is applied in chunks of ``CHUNK`` collections: one Redis script per chunk, because a
script blocks Redis for every other client while it runs (a backlog of 50,000 scans in one
script held it for seconds, and pages reading the boards failed with BUSY). Between chunks the
stored position says where the pass is — ``target|previous|last id applied`` — so a pass that
dies half way is resumed by the next one from the same two snapshots, never applied twice.

Elsewhere (SQLite, or the in-process boards without Redis) boards are updated inline after each
commit (``rankings.on_collections``). ``BAGS_RANKING_FEED`` = ``auto`` (default), ``inline`` (the
test settings: most tests read boards in the transaction that wrote them) or ``txid``.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
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
# A pass reads at most this many rows (memory); a longer backlog — a burst of uploads, the feed
# stopped for a while — is worked off by the next passes from where this one stopped. (It used
# to fall back to a full rebuild, minutes with the boards marked not ready, for a backlog the
# passes clear in less.)
MAX_ROWS = 200_000
# Collections per Redis script: each adds to ~50 sorted sets (boards × periods × scopes), and a
# script holds Redis for everyone while it runs — 500 keep that to a fraction of a second.
CHUNK = 500
HOLD_WAIT_SECONDS = 60

# Committed after ``prev`` and by ``target`` (both snapshots), in id order after ``after``.
_SINCE_SQL = """
SELECT id, owner_id, organisation_id, street_id, grade, points_awarded, collected_at
FROM bags_collection
WHERE txid IS NOT NULL AND txid >= pg_snapshot_xmin(%(prev)s::pg_snapshot)
  AND NOT pg_visible_in_snapshot(txid, %(prev)s::pg_snapshot)
  AND pg_visible_in_snapshot(txid, %(target)s::pg_snapshot)
  AND id > %(after)s
ORDER BY id
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


def _position(value: str) -> tuple[str, str, int]:
    """(target snapshot, previous snapshot, last id applied) of a stored position: a settled
    position is a plain snapshot; a pass under way stores ``target|previous|last id``."""
    if "|" in value:
        target, prev, last_id = value.split("|")
        return target, prev, int(last_id)
    return "", value, 0


def feed() -> dict:
    """Periodic job: add the collections committed since the previous pass to the boards."""
    from modules.bags import rankings

    if not enabled():
        return {"skipped": "boards are updated inline"}
    if not lb.is_built(rankings.MARKER):
        return {"skipped": "boards not built (the rebuild will start the feed)"}
    stored = lb.state(STATE)
    if stored is None:
        # Boards built before the feed existed (or its position was lost): settle by a rebuild.
        return {"rebuilt": rankings.rebuild()}
    if not lb.try_lock(LOCK, ttl=120):
        return {"skipped": "another pass or a rebuild is running"}
    started = time.monotonic()
    try:
        target, prev, after = _position(stored)
        with transaction.atomic(), connection.cursor() as cursor:
            now = _snapshot(cursor)
            # A pass left half way is finished first, up to its own target snapshot.
            target = target or now
            cursor.execute(_SINCE_SQL, {"prev": prev, "target": target, "after": after, "limit": MAX_ROWS + 1})
            rows = cursor.fetchall()
        pending = len(rows) > MAX_ROWS
        applied = _apply_in_chunks(rows[:MAX_ROWS], stored=stored, target=target, prev=prev, settle=not pending)
    finally:
        lb.unlock(LOCK)
    if applied is None:
        return {"skipped": "the position moved (a rebuild ran): nothing added"}
    return {"collections": applied, "seconds": round(time.monotonic() - started, 3), "pending": pending}


def _apply_in_chunks(rows: list[tuple], *, stored: str, target: str, prev: str, settle: bool = True) -> int | None:
    """Add ``rows`` to the boards ``CHUNK`` at a time, each chunk guarded by the position the
    previous one left; the last one settles the position on ``target`` (unless ``settle`` is
    False: more rows wait, and the position says where the next pass goes on). Returns the
    number of collections added, or None when the position moved under the pass.

    A chunk's commands are worked out in Python while the previous chunk is in Redis (one
    sender thread, so the chunks still reach Redis one after the other, in order): the two
    halves took about as long as each other, one after the other."""
    from modules.bags import rankings

    expected, added, sending = stored, 0, None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ranking-feed") as sender:
        for start in range(0, max(len(rows), 1), CHUNK):
            chunk = rows[start : start + CHUNK]
            last = start + CHUNK >= len(rows)
            moved_to = target if last and settle else f"{target}|{prev}|{chunk[-1][0] if chunk else 0}"
            prepared = rankings._prepare([FedCollection(*row[1:]) for row in chunk])
            if sending is not None and not sending.result():
                return None
            sending = sender.submit(rankings._send, prepared, lb.state_guard(STATE, expected, moved_to))
            expected, added = moved_to, added + len(chunk)
        if not sending.result():
            return None
    return added


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
