"""Live boards equal a recomputation from the database — after every scan and after a lost Redis."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.tests.factories import MemberFactory, OrganisationFactory
from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from modules.bags import rankings as R
from modules.bags.models import Collection, Grade
from modules.bags.tests.test_rankings_support import collect


def live(board, period_key, scope):
    return lb.scores(board, period_key, scope)


def db_worker_points(period: str, scope_filter: dict) -> dict[str, float]:
    """The truth, the slow way: points per worker from the collections of the period."""
    s = P.span(period)
    qs = Collection.objects.filter(owner__isnull=False, **scope_filter)
    if s.start:
        qs = qs.filter(collected_at__gte=s.start, collected_at__lt=s.end)
    out: dict[str, float] = defaultdict(float)
    for owner_id, pts in qs.values_list("owner_id", "points_awarded"):
        if pts:
            out[R.member_key(owner_id)] += pts
    return dict(out)


def ranks(scores: dict[str, float]) -> dict[str, int]:
    return {m: 1 + sum(1 for v in scores.values() if v > s) for m, s in scores.items()}


@pytest.fixture
def crowd(world):
    """Twenty workers in three unions, a few hundred bags over the last weeks."""
    rng = random.Random(11)
    members = [world.worker_a1, world.worker_a1_other, world.worker_b1]
    for org in (world.org_a1, world.org_a2, world.org_b1):
        members += MemberFactory.create_batch(6, organisation=org)
    now = timezone.now()
    for _ in range(300):
        m = rng.choice(members)
        grade = Grade.CORRECT if rng.random() < 0.8 else Grade.WRONG
        at = now - timedelta(hours=rng.randrange(0, 24 * 40))
        collect(m, collector=world.collector_a, grade=grade, points=rng.choice([1, 2]) if grade == Grade.CORRECT else 0, at=at)
    for _ in range(20):  # bags handed out without an owner still count for the union
        collect(None, organisation=world.org_a2, collector=world.collector_a, at=now - timedelta(days=rng.randrange(10)))
    return members


def assert_live_equals_database(world):
    for period in P.PERIODS:
        key = P.span(period).key
        for scope, flt in [
            (R.DISTRICT, {}),
            (R.street_scope(world.street_a.pk), {"street": world.street_a}),
            (R.org_scope(world.org_b1.pk), {"organisation": world.org_b1}),
        ]:
            truth = db_worker_points(period, flt)
            assert live(R.WORKER_POINTS, key, scope) == truth, (period, scope)
            assert {r.member: r.rank for r in lb.top(R.WORKER_POINTS, key, scope, limit=1000)[0]} == ranks(truth)
    computed = R.compute()
    for board in R.BOARDS:
        for s in P.spans():
            for scope, mapping in computed.get((board.name, s.key), {}).items():
                assert live(board, s.key, scope) == dict(mapping), (board.name, s.key, scope)


def test_live_boards_equal_the_database(world, crowd):
    R.rebuild()  # the first scan of the process rebuilt the local copy; from here on only live updates
    extra = collect(world.worker_b1, collector=world.collector_b, points=2)
    assert extra.pk
    assert_live_equals_database(world)


@pytest.mark.redis
def test_rebuild_after_redis_lost_everything(world, crowd):
    before = {(b.name, s.key): live(b, s.key, R.DISTRICT) for b in R.BOARDS for s in P.spans()}
    lb.backend().client.flushdb()
    assert live(R.WORKER_POINTS, "all", R.DISTRICT) == {}
    assert R.startup_hook().startswith("排行榜已从数据库重建")
    assert {(b.name, s.key): live(b, s.key, R.DISTRICT) for b in R.BOARDS for s in P.spans()} == before
    assert_live_equals_database(world)
    assert R.startup_hook() == "排行榜完好（Redis 中已有）"


@pytest.mark.redis
def test_a_page_view_after_redis_lost_the_boards_starts_one_rebuild(world, crowd, monkeypatch):
    lb.backend().client.flushdb()
    monkeypatch.setattr(R, "_seen_built_at", 0.0)  # this process last saw the marker long ago
    assert R.ensure_fresh()  # the test task backend runs the rebuild at once
    assert live(R.ORG_BAGS, "all", R.DISTRICT)


def test_rankings_rebuild_command(world, crowd, capsys):
    call_command("rankings_rebuild")
    assert "排行榜已重建" in capsys.readouterr().out
    assert_live_equals_database(world)


def test_per_member_fairness(world):
    big = OrganisationFactory(name="大单位工会", parent=world.street_a, street=world.street_a, member_count=100)
    small = OrganisationFactory(name="小单位工会", parent=world.street_a, street=world.street_a, member_count=10)
    tiny = OrganisationFactory(name="三人工会", parent=world.street_a, street=world.street_a, member_count=3)
    for _ in range(30):
        collect(None, organisation=big, collector=world.collector_a)
    for _ in range(5):
        collect(None, organisation=small, collector=world.collector_a)
    for _ in range(3):
        collect(None, organisation=tiny, collector=world.collector_a)
    by_bags = [r.member for r in lb.top(R.ORG_BAGS, "all", R.DISTRICT)[0]]
    assert by_bags[:3] == [R.member_key(big.pk), R.member_key(small.pk), R.member_key(tiny.pk)]
    per_member = lb.top(R.ORG_PER_MEMBER, "all", R.DISTRICT)[0]
    # 5 bags / 10 members = 0.5 beats 30 / 100 = 0.3; a union under MIN_MEMBERS is not compared.
    assert [(r.member, r.score) for r in per_member] == [(R.member_key(small.pk), 0.5), (R.member_key(big.pk), 0.3)]
    assert R.per_member(3, 3) is None
    R.rebuild()
    assert [(r.member, r.score) for r in lb.top(R.ORG_PER_MEMBER, "all", R.DISTRICT)[0]] == [
        (R.member_key(small.pk), 0.5),
        (R.member_key(big.pk), 0.3),
    ]


def test_week_boundary_is_monday_midnight_in_beijing(world):
    week = P.span(P.WEEK)
    collect(world.worker_a1, collector=world.collector_a, at=week.start - timedelta(seconds=1))
    collect(world.worker_a1_other, collector=world.collector_a, at=week.start)
    assert set(live(R.WORKER_POINTS, week.key, R.DISTRICT)) == {R.member_key(world.worker_a1_other.pk)}
    R.rebuild()
    assert set(live(R.WORKER_POINTS, week.key, R.DISTRICT)) == {R.member_key(world.worker_a1_other.pk)}


def test_an_offline_batch_feeds_the_boards_in_one_go(world, crowd):
    R.rebuild()
    now = timezone.now()
    batch = [
        collect(m, collector=world.collector_a, points=1, at=now - timedelta(days=d), feed=False)
        for m, d in [(world.worker_a1, 0), (world.worker_a1, 9), (world.worker_b1, 40), (world.worker_a1_other, 1)]
    ]
    batch.append(collect(None, organisation=world.org_a1, collector=world.collector_a, feed=False))
    R.on_collections(batch)
    assert_live_equals_database(world)


def test_per_member_boards_follow_roster_changes(world):
    world.org_a1.member_count = 20
    world.org_a1.save()
    world.org_b1.member_count = 10
    world.org_b1.save()
    for _ in range(4):
        collect(world.worker_a1, collector=world.collector_a)
    collect(world.worker_b1, collector=world.collector_b)
    R.rebuild()
    assert [r.score for r in lb.top(R.ORG_PER_MEMBER, "all", R.DISTRICT)[0]] == [0.2, 0.1]
    world.org_a1.member_count = 40  # a roster import doubles the union
    world.org_a1.save()
    R.refresh_per_member()
    top = lb.top(R.ORG_PER_MEMBER, "all", R.DISTRICT)[0]
    assert [(R.member_id(r.member), r.score) for r in top] == [(world.org_a1.pk, 0.1), (world.org_b1.pk, 0.1)] or [
        r.score for r in top
    ] == [0.1, 0.1]
    assert_live_equals_database(world)
