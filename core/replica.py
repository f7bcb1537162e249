"""Reads that may lag go to a streaming replica, when one is configured.

``DATABASE_REPLICA_URL`` (settings) adds a database alias ``replica``: a hot standby of the
primary (``pg_basebackup -R``), seconds behind at most. Only code marked ``@lag_tolerant`` reads
there — the staff dashboards, the exports, the audit pages, the annual review's sections —
because a figure a few hundred milliseconds old is as good as a fresh one there. Everything else,
and every write, stays on the primary: a worker who has just scanned a bag sees the points on
the next page (read-your-write), and a service that reads in order to write reads what it
writes over.

``ReplicaRouter`` (``DATABASE_ROUTERS``) does the choosing:

- reads inside ``@lag_tolerant`` → ``replica``, while the replica answers;
- every write → ``default``; once something has written inside a lag-tolerant block, the rest of
  the block reads the primary too (it may read what it wrote);
- reads outside → ``default``, also for objects that were loaded from the replica.

A replica that does not answer (down, restarting, unreachable) is not an error: the block reads
the primary, a warning is logged once, and the replica is tried again after
``REPLICA_RETRY_SECONDS``. A replica that dies in the middle of a lag-tolerant view makes the view
run again on the primary (such views only read).

Raw SQL in a lag-tolerant path asks ``read_alias()`` for the connection to use
(``connections[read_alias()]``), as the ORM's router would.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError

logger = logging.getLogger("unionhub.replica")

REPLICA = "replica"

# Inside a lag-tolerant block: the alias its reads use (REPLICA, or DEFAULT once it fell back or wrote).
_reading: ContextVar[str | None] = ContextVar("unionhub_replica_reading", default=None)

_lock = threading.Lock()
_down_until = 0.0  # monotonic time until which the replica is not tried (per process)


def configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The alias reads use here and now: ``replica`` inside a lag-tolerant block whose replica
    answers, ``default`` anywhere else."""
    return _reading.get() or DEFAULT_DB_ALIAS


def _retry_seconds() -> float:
    return float(getattr(settings, "REPLICA_RETRY_SECONDS", 30))


def mark_down(exc: BaseException) -> None:
    """The replica failed: read the primary for a while, and say so once."""
    global _down_until
    with _lock:
        already = time.monotonic() < _down_until
        _down_until = time.monotonic() + _retry_seconds()
    try:
        connections[REPLICA].close()
    except Exception:  # closing a dead connection may fail as well; it is dropped either way
        pass
    if not already:
        logger.warning(
            "replica unavailable, lag-tolerant reads go to the primary for %s s: %s: %s",
            int(_retry_seconds()),
            exc.__class__.__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        )


def reset() -> None:
    """Forget that the replica failed (tests; an operator after bringing it back)."""
    global _down_until
    with _lock:
        _down_until = 0.0


def replica_usable() -> bool:
    """Whether lag-tolerant reads may go to the replica now: it is configured, has not failed in
    the last ``REPLICA_RETRY_SECONDS``, and its connection is open (a kept connection is checked
    as Django's ``CONN_HEALTH_CHECKS`` checks it; a new one is opened)."""
    if not configured() or time.monotonic() < _down_until:
        return False
    db = connections[REPLICA]
    try:
        db.close_if_health_check_failed()
        db.ensure_connection()
    except (DatabaseError, InterfaceError) as exc:
        mark_down(exc)
        return False
    return True


def _replica_broken() -> bool:
    db = connections[REPLICA]
    if db.connection is None:
        return True
    try:
        return not db.is_usable()
    except Exception:
        return True


def lag_tolerant(func):
    """Run ``func`` (a view, a report, an export) with its reads on the replica when there is one.

    Such code only reads; should the replica fail half-way, ``func`` runs again on the primary."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not configured() or _reading.get() is not None:  # no replica, or already inside a block
            return func(*args, **kwargs)
        token = _reading.set(REPLICA if replica_usable() else DEFAULT_DB_ALIAS)
        try:
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                if _reading.get() != REPLICA or not _replica_broken():
                    raise
                mark_down(exc)
                _reading.set(DEFAULT_DB_ALIAS)
                return func(*args, **kwargs)
        finally:
            _reading.reset(token)

    return wrapper


class ReplicaRouter:
    """Reads in a lag-tolerant block to the replica; all else, and every write, to the primary."""

    def db_for_read(self, model, **hints):
        return _reading.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if _reading.get() == REPLICA:
            _reading.set(DEFAULT_DB_ALIAS)  # read-your-write for the rest of the block
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is the primary's copy: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # a replica replays the primary's schema
