"""A generic leaderboard engine: named boards, one per period and scope, with exact live ranks.

A programme describes its boards (a name and the periods it keeps) and feeds them:

* ``record(increments, at=...)`` — after a fact is committed (a bag collected, a quiz passed):
  one pipelined round trip adds to every period's board containing ``at``;
* ``put(...)`` — set absolute scores (derived boards, e.g. bags per member);
* ``replace(...)`` — swap in boards recomputed from the database (the database is the truth);
* ``standings([...])`` — exact ranks of members, many boards in one round trip;
* ``top(board, period_key, scope, ...)`` — a page of a board with ranks.

Storage key: ``<prefix>rk:<board>:<period key>:<scope>``, e.g. ``uh:rk:bags.w.points:2026-W48:d``.
Boards of finished periods expire (``periods.RETENTION``). Without ``REDIS_URL`` an in-process
backend with the same semantics is used; it lives as long as the process, so its owner rebuilds
it when ``age()`` says it is missing or old (see ``is_built``).

The engine knows nothing of any programme: members and scopes are opaque strings.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from engines.ranking import periods as P
from engines.ranking.backends import LocalBackend, RedisBackend, Row, Standing

__all__ = ["Board", "Increment", "Row", "Standing", "backend", "record", "put", "replace", "standings", "top", "key"]


@dataclass(frozen=True)
class Board:
    name: str
    periods: tuple[str, ...] = P.PERIODS


@dataclass(frozen=True)
class Increment:
    board: Board
    scope: str
    member: str
    amount: float


_backend = None
_backend_url = None


def backend():
    """The process's backend (Redis when REDIS_URL is set, else in-process)."""
    global _backend, _backend_url
    url = settings.REDIS_URL
    if _backend is None or url != _backend_url:
        _backend = RedisBackend(url) if url else LocalBackend()
        _backend_url = url
    return _backend


def is_local() -> bool:
    return isinstance(backend(), LocalBackend)


_prefix: str | None = None


def prefix() -> str:
    # Read once: a feed pass names tens of thousands of keys, and looking up a setting that is
    # usually absent cost ~15 µs a key. A test overriding the setting resets it (below).
    global _prefix
    if _prefix is None:
        _prefix = getattr(settings, "RANKING_KEY_PREFIX", None) or os.environ.get("REDIS_PREFIX", "uh") + ":rk:"
    return _prefix


@receiver(setting_changed)
def _forget_prefix(*, setting, **kwargs) -> None:
    global _prefix
    if setting == "RANKING_KEY_PREFIX":
        _prefix = None


def key(board: Board | str, period_key: str, scope: str) -> str:
    name = board.name if isinstance(board, Board) else board
    return f"{prefix()}{name}:{period_key}:{scope}"


def board_prefix(board: Board | str, period_key: str) -> str:
    name = board.name if isinstance(board, Board) else board
    return f"{prefix()}{name}:{period_key}:"


def record(increments: list[Increment], *, at: datetime | None = None) -> dict[tuple[str, str, str, str], float]:
    """Add to each board of every period containing ``at``; returns the new scores keyed by
    (board name, period key, scope, member)."""
    return record_batch([(increments, at)])


def record_batch(
    batches: list[tuple[list[Increment], datetime | None]],
    *,
    guard: tuple[str, str, str] | None = None,
    scores_of: set[str] | None = None,
) -> dict[tuple[str, str, str, str], float] | None:
    """Several facts at their own times in one round trip (a handheld's offline upload, a feed's
    pass). Increments of one member on one board are summed first, so the round trip carries one
    command per (board, member). Returns the new scores — of every board, or only of the boards
    named in ``scores_of``. With a ``guard`` (state flag, expected, new; see ``state``) it is
    applied only if the flag still holds the expected value, atomically with moving it, and None
    is returned when it did not."""
    return send_batch(prepare_batch(batches, scores_of=scores_of), guard=guard)


@dataclass
class PreparedBatch:
    """``record_batch``'s commands, worked out in Python before the round trip (``prepare_batch``)
    so a caller can prepare the next batch while this one is sent (``send_batch``)."""

    ops: list[tuple[str, str, float]]
    expires: dict[str, int | None]
    names: dict[tuple[str, str], tuple[str, str, str, str]]
    answer: int | None


def prepare_batch(batches: list[tuple[list[Increment], datetime | None]], *, scores_of: set[str] | None = None) -> PreparedBatch:
    merged: dict[tuple[str, str], float] = {}
    names: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    expires: dict[str, int | None] = {}
    # Periods depend on the local calendar day only: a feed pass of tens of thousands of facts
    # works out each day's spans and keys once, not once per fact and board.
    span_cache: dict[tuple[str, object], P.PeriodSpan] = {}
    key_cache: dict[tuple[str, str, str], tuple[str, str, int | None]] = {}
    for increments, at in batches:
        day = P.local(at).date()
        for inc in increments:
            for period in inc.board.periods:
                s = span_cache.get((period, day))
                if s is None:
                    s = span_cache[(period, day)] = P.span(period, at)
                found = key_cache.get((inc.board.name, s.key, inc.scope))
                if found is None:
                    found = key_cache[(inc.board.name, s.key, inc.scope)] = (key(inc.board, s.key, inc.scope), s.key, s.expire_at)
                k = found[0]
                merged[(k, inc.member)] = merged.get((k, inc.member), 0) + inc.amount
                names[(k, inc.member)] = (inc.board.name, found[1], inc.scope, inc.member)
                expires[k] = found[2]
    ops = [(k, member, amount) for (k, member), amount in merged.items()]
    answer = None
    if scores_of is not None:
        # The ops whose scores are wanted go first; the backend answers only those.
        ops.sort(key=lambda op: names[(op[0], op[1])][0] not in scores_of)
        answer = sum(1 for op in ops if names[(op[0], op[1])][0] in scores_of)
    return PreparedBatch(ops, expires, names, answer)


def send_batch(prepared: PreparedBatch, *, guard: tuple[str, str, str] | None = None) -> dict[tuple[str, str, str, str], float] | None:
    if not prepared.ops and guard is None:
        return {}
    scores = backend().incr(prepared.ops, prepared.expires, guard, prepared.answer)
    if scores is None:
        return None
    names = prepared.names
    return {names[(k, member)]: score for (k, member, _amount), score in zip(prepared.ops, scores, strict=False)}


def _state_flag(name: str) -> str:
    return f"{prefix()}state:{name}"


def state(name: str) -> str | None:
    """A feed's position (opaque text kept beside the boards, lost with them)."""
    return backend().get_flag(_state_flag(name))


def set_state(name: str, value: str) -> None:
    backend().set_flag(_state_flag(name), value)


def state_guard(name: str, expected: str, new: str) -> tuple[str, str, str]:
    """For ``record_batch(guard=…)``: apply only from position ``expected``, moving it to ``new``."""
    return (_state_flag(name), expected, new)


def put(entries: list[tuple[Board, str, str, str, float]]) -> None:
    """Set absolute scores: (board, period key, scope, member, score)."""
    ops, expires = [], {}
    for board, period_key, scope, member, score in entries:
        k = key(board, period_key, scope)
        ops.append((k, member, score))
        expires.setdefault(k, None)
    if ops:
        backend().put(ops, expires)


def replace(board: Board, span: P.PeriodSpan, scopes: dict[str, dict[str, float]]) -> int:
    """Swap in a board's every scope for one period; scopes absent from ``scopes`` are dropped.
    Returns the number of entries written."""
    boards = {key(board, span.key, scope): mapping for scope, mapping in scopes.items()}
    expires = dict.fromkeys(boards, span.expire_at)
    backend().replace(boards, expires, [board_prefix(board, span.key)])
    return sum(len(m) for m in scopes.values())


def standings(queries: list[tuple[Board, str, str, str]]) -> list[Standing]:
    """Exact ranks for (board, period key, scope, member) queries, in one round trip."""
    return backend().standings([(key(b, pk, scope), member) for b, pk, scope, member in queries])


def top(board: Board, period_key: str, scope: str, *, offset: int = 0, limit: int = 20) -> tuple[list[Row], int]:
    """A page of a board, best first, with competition ranks; and how many are on it."""
    return backend().top(key(board, period_key, scope), max(offset, 0), limit)


def scores(board: Board, period_key: str, scope: str) -> dict[str, float]:
    return backend().scores(key(board, period_key, scope))


# ---- markers: "these boards were built from the database" (lost with Redis, rebuilt at start-up)


def _marker(name: str) -> str:
    return f"{prefix()}built:{name}"


def mark_built(name: str) -> None:
    backend().set_flag(_marker(name), str(time.time()))


def built_at(name: str) -> float | None:
    value = backend().get_flag(_marker(name))
    return float(value) if value else None


def is_built(name: str, *, max_age: float | None = None) -> bool:
    at = built_at(name)
    return at is not None and (max_age is None or time.time() - at <= max_age)


def try_lock(name: str, ttl: int = 600) -> bool:
    """A short lock so only one process rebuilds a set of boards at a time."""
    return backend().set_flag(f"{prefix()}lock:{name}", "1", ttl=ttl, only_if_absent=True)


def unlock(name: str) -> None:
    backend().delete(f"{prefix()}lock:{name}")
