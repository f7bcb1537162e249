"""The ranking engine: both backends answer alike — exact competition ranks, pages, swaps, periods."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.conf import settings

from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from engines.ranking.backends import LocalBackend, RedisBackend

BOARD = lb.Board("test.board")


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def engine(request, monkeypatch):
    if request.param == "local":
        backend = LocalBackend()
    else:
        backend = RedisBackend(settings.REDIS_URL)
        backend.client.flushdb()
    monkeypatch.setattr(lb, "backend", lambda: backend)
    yield backend
    if request.param == "redis":
        backend.client.flushdb()


def expected_rank(scores: dict[str, float], member: str) -> int:
    return 1 + sum(1 for s in scores.values() if s > scores[member])


def test_ranks_are_exact_competition_ranks(engine):
    rng = random.Random(7)
    truth: dict[str, float] = {}
    incs = []
    for _ in range(600):
        member = f"{rng.randrange(150):010d}"
        amount = rng.choice([1, 1, 2, 5])
        truth[member] = truth.get(member, 0) + amount
        incs.append(lb.Increment(BOARD, "d", member, amount))
    for i in range(0, len(incs), 50):
        lb.record(incs[i : i + 50])
    week = P.span(P.WEEK).key
    got = lb.standings([(BOARD, week, "d", m) for m in truth])
    assert [g.rank for g in got] == [expected_rank(truth, m) for m in truth]
    assert all(g.total == len(truth) for g in got)
    rows, total = lb.top(BOARD, week, "d", offset=0, limit=len(truth))
    assert total == len(truth)
    assert [r.score for r in rows] == sorted(truth.values(), reverse=True)
    assert all(r.rank == expected_rank(truth, r.member) for r in rows)
    # Ties list in member order (descending), the same on every backend and every call.
    for a, b in zip(rows, rows[1:], strict=False):
        assert a.score > b.score or a.member > b.member
    # A later page starts with the right rank even inside a tie group.
    page, _total = lb.top(BOARD, week, "d", offset=37, limit=10)
    assert [(r.rank, r.member) for r in page] == [(r.rank, r.member) for r in rows[37:47]]


def test_unknown_member_and_missing_board(engine):
    lb.record([lb.Increment(BOARD, "d", "a", 3)])
    week = P.span(P.WEEK).key
    known, unknown, nowhere = lb.standings([(BOARD, week, "d", "a"), (BOARD, week, "d", "zz"), (BOARD, week, "x", "a")])
    assert (known.rank, known.score, known.total) == (1, 3.0, 1)
    assert (unknown.rank, unknown.score, unknown.total) == (None, None, 1)
    assert (nowhere.rank, nowhere.total) == (None, 0)
    assert lb.top(BOARD, week, "x") == ([], 0)


def test_each_period_gets_its_own_board(engine):
    # Monday 00:00 of this week in Beijing and the minute before it, the last of the week before:
    # relative to now, because a finished period's board expires a while after it ends.
    monday = P.span(P.WEEK).start
    sunday = monday - timedelta(minutes=1)
    lb.record([lb.Increment(BOARD, "d", "a", 1)], at=sunday)
    lb.record([lb.Increment(BOARD, "d", "a", 1)], at=monday)
    assert P.span(P.WEEK, sunday).key != P.span(P.WEEK, monday).key
    assert lb.scores(BOARD, P.span(P.WEEK, sunday).key, "d") == {"a": 1.0}
    assert lb.scores(BOARD, P.span(P.WEEK, monday).key, "d") == {"a": 1.0}
    months = Counter(P.span(P.MONTH, at).key for at in (sunday, monday))  # one month, or two when Monday is the 1st
    assert {key: lb.scores(BOARD, key, "d") for key in months} == {key: {"a": float(n)} for key, n in months.items()}
    assert lb.scores(BOARD, "all", "d") == {"a": 2.0}


def test_replace_swaps_whole_board_and_drops_stale_scopes(engine):
    span = P.span(P.MONTH)
    lb.record([lb.Increment(BOARD, "s1", "a", 5), lb.Increment(BOARD, "s2", "b", 5)])
    lb.replace(BOARD, span, {"s1": {"c": 2.0, "d": 1.0}})
    assert lb.scores(BOARD, span.key, "s1") == {"c": 2.0, "d": 1.0}
    assert lb.scores(BOARD, span.key, "s2") == {}
    # Other periods are untouched.
    assert lb.scores(BOARD, P.span(P.WEEK).key, "s2") == {"b": 5.0}


def test_markers_and_locks(engine):
    assert not lb.is_built("x")
    lb.mark_built("x")
    assert lb.is_built("x") and lb.is_built("x", max_age=60)
    assert lb.try_lock("x") and not lb.try_lock("x")
    lb.unlock("x")
    assert lb.try_lock("x")


@pytest.mark.redis
def test_finished_periods_expire_in_redis(monkeypatch):
    backend = RedisBackend(settings.REDIS_URL)
    monkeypatch.setattr(lb, "backend", lambda: backend)
    lb.record([lb.Increment(BOARD, "d", "a", 1)])
    client = backend.client
    assert client.ttl(lb.key(BOARD, P.span(P.WEEK).key, "d")) > 0
    assert client.ttl(lb.key(BOARD, "all", "d")) == -1


def test_period_keys_and_bounds_follow_beijing_calendar():
    # 2026-11-22 17:00 UTC is Monday 01:00 in Beijing: already week 48.
    at = datetime(2026, 11, 22, 17, 0, tzinfo=P.ZoneInfo("UTC"))
    week = P.span(P.WEEK, at)
    assert week.key == "2026-W48"
    assert week.start == datetime(2026, 11, 23, tzinfo=P.TZ) and week.end == datetime(2026, 11, 30, tzinfo=P.TZ)
    assert P.span(P.MONTH, at).key == "2026-11"
    assert P.span(P.MONTH, datetime(2026, 12, 31, 16, 30, tzinfo=P.ZoneInfo("UTC"))).key == "2027-01"
    assert P.span(P.YEAR, at).end == datetime(2027, 1, 1, tzinfo=P.TZ)
    # ISO week-years: 2027-01-01 (a Friday) belongs to 2026's week 53.
    assert P.span(P.WEEK, datetime(2027, 1, 1, 12, tzinfo=P.TZ)).key == "2026-W53"
    assert P.span(P.ALL).expire_at is None
