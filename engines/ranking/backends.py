"""Where boards live: Redis sorted sets in production, an in-process twin for the SQLite demo.

Both answer the same questions with the same semantics:

* scores only grow by ``incr`` or are set by ``put``; a whole board is swapped in by ``replace``
  (the rebuild from the database), so readers never see a half-built board;
* ranks are *competition ranks*: equal scores share a rank ("1, 2, 2, 4"), i.e. the rank is
  ``1 + the number of members with a strictly higher score`` — exact, O(log n) in a skip list
  (``ZCOUNT``), and independent of insertion order, so it equals a recomputation from the
  database. Listings order tied members by member key, descending (Redis' own tie order).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from sortedcontainers import SortedList

Op = tuple[str, str, float]  # (key, member, amount)
Guard = tuple[str, str, str]  # (flag, expected value, new value)


@dataclass(frozen=True)
class Standing:
    rank: int | None  # None: not on the board
    score: float | None
    total: int  # members on the board


@dataclass(frozen=True)
class Row:
    rank: int
    member: str
    score: float


def ranked(items: list[tuple[str, float]], offset: int, above_first: int) -> list[Row]:
    """Competition ranks for a slice of a board ordered by score desc (``above_first`` = members
    strictly above the slice's first score)."""
    rows: list[Row] = []
    for i, (member, score) in enumerate(items):
        if i == 0:
            rank = above_first + 1
        elif score == rows[-1].score:
            rank = rows[-1].rank
        else:
            rank = offset + i + 1
        rows.append(Row(rank, member, score))
    return rows


# --------------------------------------------------------------------------------------- Redis

_STANDINGS = """
local out = {}
for i = 1, #KEYS do
  local s = redis.call('ZSCORE', KEYS[i], ARGV[i])
  local total = redis.call('ZCARD', KEYS[i])
  if s then
    out[i] = {s, redis.call('ZCOUNT', KEYS[i], '(' .. s, '+inf'), total}
  else
    out[i] = {false, 0, total}
  end
end
return out
"""

_TOP = """
local items = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local total = redis.call('ZCARD', KEYS[1])
local above = 0
if #items > 0 and tonumber(ARGV[1]) > 0 then
  above = redis.call('ZCOUNT', KEYS[1], '(' .. items[2], '+inf')
end
return {total, above, items}
"""


# Many increments at once, optionally guarded by a flag (a feed's position): checked, applied and
# moved in one atomic script. ARGV: guard flag, expected, new value (or "" ""), the number of
# increments n, how many of the first ones to answer the new score of (w), then n × (key,
# member, amount), then pairs of (key, expire-at unix time). Only w scores come back: a feed
# pass needs a few (the unions' and streets' bag counts), and reading back a hundred thousand
# scores cost the client more than the increments cost Redis.
_INCR_MANY = """
local flag, expected, new = ARGV[1], ARGV[2], ARGV[3]
if flag ~= '' then
  if redis.call('GET', flag) ~= expected then return false end
end
local n, w = tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
local i = 6
for j = 1, n do
  local score = redis.call('ZINCRBY', ARGV[i], ARGV[i + 2], ARGV[i + 1])
  if j <= w then out[j] = score end
  i = i + 3
end
while i < #ARGV do
  redis.call('EXPIREAT', ARGV[i], ARGV[i + 1])
  i = i + 2
end
if flag ~= '' then redis.call('SET', flag, new) end
return out
"""


class RedisBackend:
    """Sorted sets; every call is one round trip (pipelines and two small Lua scripts)."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, decode_responses=True)
        self._standings = self.client.register_script(_STANDINGS)
        self._top = self.client.register_script(_TOP)
        self._incr_many = self.client.register_script(_INCR_MANY)

    def incr(
        self, ops: list[Op], expires: dict[str, int | None], guard: Guard | None = None, answer: int | None = None
    ) -> list[float] | None:
        """Add to scores in one round trip; returns the new scores of the first ``answer`` ops (all
        by default). With a ``guard`` (flag, expected value, new value) the increments and the
        flag's move happen atomically, and only if the flag still holds the expected value: None
        when it did not — nothing was changed."""
        answer = len(ops) if answer is None else answer
        if guard is None and len(ops) < 100:
            pipe = self.client.pipeline(transaction=False)
            self._queue_incr(pipe, ops, expires)
            return [float(v) for v in pipe.execute()[:answer]]
        # One script call: a pipeline of tens of thousands of commands spent most of its time
        # encoding and parsing them one by one in the client.
        args: list = [*(guard or ("", "", "")), len(ops), answer]
        for key, member, amount in ops:
            args += (key, member, amount)
        for key, at in expires.items():
            if at:
                args += (key, at)
        found = self._incr_many(keys=[], args=args)
        if found is None:
            return None
        return [float(v) for v in found]

    @staticmethod
    def _queue_incr(pipe, ops: list[Op], expires: dict[str, int | None]) -> None:
        for key, member, amount in ops:
            pipe.zincrby(key, amount, member)
        for key, at in expires.items():
            if at:
                pipe.expireat(key, at)

    def put(self, ops: list[Op], expires: dict[str, int | None]) -> None:
        # One ZADD per board with all its members: a feed pass sets thousands of unions' ratios
        # on a handful of boards, and one command per member cost ~0.1 ms each in the client.
        by_key: dict[str, dict[str, float]] = {}
        for key, member, score in ops:
            by_key.setdefault(key, {})[member] = score
        pipe = self.client.pipeline(transaction=False)
        for key, mapping in by_key.items():
            pipe.zadd(key, mapping)
        for key, at in expires.items():
            if at:
                pipe.expireat(key, at)
        pipe.execute()

    def replace(self, boards: dict[str, dict[str, float]], expires: dict[str, int | None], prefixes: list[str], chunk: int = 5000) -> None:
        """Write every board beside its live key, then swap them in; drop boards under
        ``prefixes`` that the new set no longer has."""
        token = secrets.token_hex(4)
        pipe = self.client.pipeline(transaction=False)
        pending = 0
        swaps = []
        for key, mapping in boards.items():
            if not mapping:
                continue
            tmp = f"{key}:tmp:{token}"
            items = list(mapping.items())
            for i in range(0, len(items), chunk):
                pipe.zadd(tmp, dict(items[i : i + chunk]))
                pending += 1
                if pending >= 50:
                    pipe.execute()
                    pending = 0
            pipe.expire(tmp, 3600)
            swaps.append((tmp, key))
        pipe.execute()
        stale = set()
        for prefix in prefixes:
            for key in self.client.scan_iter(match=f"{prefix}*", count=1000):
                if ":tmp:" not in key and key not in boards:
                    stale.add(key)
        swap = self.client.pipeline(transaction=True)
        for tmp, key in swaps:
            swap.rename(tmp, key)
            swap.persist(key)
            if expires.get(key):
                swap.expireat(key, expires[key])
        for key in boards:
            if not boards[key]:
                swap.delete(key)
        for key in stale:
            swap.delete(key)
        swap.execute()

    def standings(self, pairs: list[tuple[str, str]]) -> list[Standing]:
        if not pairs:
            return []
        raw = self._standings(keys=[k for k, _m in pairs], args=[m for _k, m in pairs])
        out = []
        for score, above, total in raw:
            if score is None:
                out.append(Standing(None, None, int(total)))
            else:
                out.append(Standing(int(above) + 1, float(score), int(total)))
        return out

    def top(self, key: str, offset: int, limit: int) -> tuple[list[Row], int]:
        if limit <= 0:
            return [], int(self.client.zcard(key))
        total, above, flat = self._top(keys=[key], args=[offset, offset + limit - 1])
        items = [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]
        return ranked(items, offset, int(above)), int(total)

    def scores(self, key: str) -> dict[str, float]:
        return {m: float(s) for m, s in self.client.zrange(key, 0, -1, withscores=True)}

    def get_flag(self, name: str) -> str | None:
        return self.client.get(name)

    def set_flag(self, name: str, value: str, ttl: int | None = None, only_if_absent: bool = False) -> bool:
        return bool(self.client.set(name, value, ex=ttl, nx=only_if_absent))

    def delete(self, *names: str) -> None:
        if names:
            self.client.delete(*names)


# ------------------------------------------------------------------------------------ in-process


class _ZSet:
    __slots__ = ("scores", "order", "values", "expire_at")

    def __init__(self):
        self.scores: dict[str, float] = {}
        self.order = SortedList()  # (score, member) ascending; read backwards like ZREVRANGE
        self.values = SortedList()  # scores only, for "how many are strictly above"
        self.expire_at: int | None = None

    def set(self, member: str, score: float) -> None:
        old = self.scores.get(member)
        if old is not None:
            self.order.remove((old, member))
            self.values.remove(old)
        self.scores[member] = score
        self.order.add((score, member))
        self.values.add(score)

    def above(self, score: float) -> int:
        return len(self.values) - self.values.bisect_right(score)


class LocalBackend:
    """The same board semantics inside one process (the demo without Redis). Each process has
    its own copy; callers rebuild it from the database when it is missing or old."""

    def __init__(self):
        self.sets: dict[str, _ZSet] = {}
        self.lock = threading.RLock()

    def _get(self, key: str, create: bool = False) -> _ZSet | None:
        zset = self.sets.get(key)
        if zset is not None and zset.expire_at is not None and zset.expire_at <= time.time():
            del self.sets[key]
            zset = None
        if zset is None and create:
            zset = self.sets[key] = _ZSet()
        return zset

    def incr(
        self, ops: list[Op], expires: dict[str, int | None], guard: Guard | None = None, answer: int | None = None
    ) -> list[float] | None:
        out = []
        with self.lock:
            if guard is not None:
                flag, expected, new = guard
                if self.get_flag(flag) != expected:
                    return None
                self.set_flag(flag, new)
            for key, member, amount in ops:
                zset = self._get(key, create=True)
                score = zset.scores.get(member, 0.0) + amount
                zset.set(member, score)
                out.append(score)
            self._expire(expires)
        return out if answer is None else out[:answer]

    def put(self, ops: list[Op], expires: dict[str, int | None]) -> None:
        with self.lock:
            for key, member, score in ops:
                self._get(key, create=True).set(member, float(score))
            self._expire(expires)

    def _expire(self, expires: dict[str, int | None]) -> None:
        for key, at in expires.items():
            if at and key in self.sets:
                self.sets[key].expire_at = at

    def replace(self, boards: dict[str, dict[str, float]], expires: dict[str, int | None], prefixes: list[str], chunk: int = 0) -> None:
        built = {}
        for key, mapping in boards.items():
            if mapping:
                zset = _ZSet()
                zset.scores = {m: float(s) for m, s in mapping.items()}
                zset.order = SortedList((s, m) for m, s in zset.scores.items())
                zset.values = SortedList(zset.scores.values())
                zset.expire_at = expires.get(key)
                built[key] = zset
        with self.lock:
            for key in [k for k in self.sets if any(k.startswith(p) for p in prefixes) or k in boards]:
                del self.sets[key]
            self.sets.update(built)

    def standings(self, pairs: list[tuple[str, str]]) -> list[Standing]:
        out = []
        with self.lock:
            for key, member in pairs:
                zset = self._get(key)
                if zset is None:
                    out.append(Standing(None, None, 0))
                    continue
                score = zset.scores.get(member)
                if score is None:
                    out.append(Standing(None, None, len(zset.scores)))
                else:
                    out.append(Standing(zset.above(score) + 1, score, len(zset.scores)))
        return out

    def top(self, key: str, offset: int, limit: int) -> tuple[list[Row], int]:
        with self.lock:
            zset = self._get(key)
            if zset is None:
                return [], 0
            n = len(zset.order)
            items = [(m, s) for s, m in (zset.order[n - 1 - i] for i in range(offset, min(n, offset + max(limit, 0))))]
            above = zset.above(items[0][1]) if items else 0
            return ranked(items, offset, above), n

    def scores(self, key: str) -> dict[str, float]:
        with self.lock:
            zset = self._get(key)
            return dict(zset.scores) if zset else {}

    # Markers and locks live in Django's cache (local memory here): clearing the cache — as every
    # test does — also tells the owner that this process's boards must be rebuilt.
    def get_flag(self, name: str) -> str | None:
        return cache.get(name)

    def set_flag(self, name: str, value: str, ttl: int | None = None, only_if_absent: bool = False) -> bool:
        if only_if_absent:
            return cache.add(name, value, ttl)
        cache.set(name, value, ttl)
        return True

    def delete(self, *names: str) -> None:
        cache.delete_many(names)
        with self.lock:
            for name in names:
                self.sets.pop(name, None)
