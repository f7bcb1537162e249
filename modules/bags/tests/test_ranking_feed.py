# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""PostgreSQL: scans touch only the database; the background feed brings them onto the boards
exactly once — across passes, a transaction still open during a pass, and a rebuild — and the
daily cap holds when one worker's bags are scanned at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from modules.bags import points, ranking_feed, rankings, services
from modules.bags.models import Collection, DailyPoints
from modules.bags.selectors import daily_points_mismatches
from modules.bags.tests.field_fixtures import bags, bind  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def scan_one(world, bags, n: int, client_id: str | None = None):
    item = services.ScanIn(client_id=client_id or f"f-{n}", code=bags.code(bags.batch_a1, n), point_id=bags.point_a.pk, category="kitchen")
    result = services.collection_record(actor=world.collector_a, item=item)
    assert result.ok, result
    return result


def week_points(member) -> float | None:
    return lb.scores(rankings.WORKER_POINTS, P.span("week").key, rankings.DISTRICT).get(rankings.member_key(member.pk))


def union_bags(org) -> float | None:
    return lb.scores(rankings.ORG_BAGS, P.span("week").key, rankings.DISTRICT).get(rankings.member_key(org.pk))


@pytest.fixture
def fed(world, bags):
    """Boards built (empty) with the feed on, as in production."""
    with override_settings(BAGS_RANKING_FEED="txid"):
        rankings.rebuild()
        assert lb.state(ranking_feed.STATE) is not None
        yield


def test_scans_reach_the_boards_through_the_feed_exactly_once(world, bags, fed):
    for n in range(3):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
        scan_one(world, bags, n)
    assert week_points(world.worker_a1) is None  # the scan itself no longer writes to Redis
    assert ranking_feed.feed()["collections"] == 3
    assert week_points(world.worker_a1) == 3 and union_bags(world.org_a1) == 3
    assert ranking_feed.feed()["collections"] == 0  # a second pass adds nothing
    scan_one(world, bags, 5)  # an unbound bag still counts for its union
    ranking_feed.feed()
    assert week_points(world.worker_a1) == 3 and union_bags(world.org_a1) == 4


def test_the_scan_statement_is_prepared_once_per_connection(world, bags):
    # Django opens connections with psycopg's preparing turned off; core.db turns it back on for
    # the hot statements, so PostgreSQL plans the scan once, not on every scan.
    for n in range(3):
        scan_one(world, bags, n)
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s", ["%bags_dailypoints%"])
        assert [row[0] for row in cursor.fetchall()] == [3]


def test_a_pass_is_applied_in_chunks_and_one_that_died_half_way_is_resumed(world, bags, fed, monkeypatch):
    # A long backlog goes to Redis in several scripts (one script blocks Redis for every page);
    # a pass that stops between two of them leaves its place, and the next pass finishes it.
    for n in range(5):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
        scan_one(world, bags, n)
    monkeypatch.setattr(ranking_feed, "CHUNK", 2)
    real_send, calls = rankings._send, []

    def dies_on_the_second_chunk(prepared, guard=None):
        calls.append(len(prepared.collections))
        if len(calls) == 2:
            raise ConnectionError("the worker was stopped")
        return real_send(prepared, guard)

    monkeypatch.setattr(rankings, "_send", dies_on_the_second_chunk)
    with pytest.raises(ConnectionError):
        ranking_feed.feed()
    assert week_points(world.worker_a1) == 2 and "|" in lb.state(ranking_feed.STATE)
    scan_one(world, bags, 7)  # committed after the stopped pass's snapshot: for a later pass
    monkeypatch.setattr(rankings, "_send", real_send)
    assert ranking_feed.feed()["collections"] == 3  # the rest of the stopped pass, in two chunks
    assert week_points(world.worker_a1) == 5 and "|" not in lb.state(ranking_feed.STATE)
    assert ranking_feed.feed()["collections"] == 1  # then the scan that came after it
    assert ranking_feed.feed()["collections"] == 0
    assert union_bags(world.org_a1) == 6


def test_a_backlog_longer_than_a_pass_is_worked_off_by_the_next_passes(world, bags, fed, monkeypatch):
    # A burst of uploads bigger than one pass may read: each pass takes its share and says more
    # is waiting; nothing is skipped or counted twice, and the boards stay readable meanwhile.
    for n in range(5):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
        scan_one(world, bags, n)
    monkeypatch.setattr(ranking_feed, "MAX_ROWS", 2)
    monkeypatch.setattr(ranking_feed, "CHUNK", 2)
    first = ranking_feed.feed()
    assert first["collections"] == 2 and first["pending"] is True
    assert week_points(world.worker_a1) == 2 and "|" in lb.state(ranking_feed.STATE)
    scan_one(world, bags, 7)  # committed meanwhile: after the burst, by a later pass
    assert [ranking_feed.feed()["collections"] for _ in range(2)] == [2, 1]
    assert week_points(world.worker_a1) == 5 and "|" not in lb.state(ranking_feed.STATE)
    last = ranking_feed.feed()
    assert last["collections"] == 1 and last["pending"] is False
    assert ranking_feed.feed()["collections"] == 0
    assert union_bags(world.org_a1) == 6


def test_a_transaction_open_during_a_pass_is_fed_by_a_later_pass(world, bags, fed):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 1))
    scan_one(world, bags, 0)
    # A scan whose transaction is still running while the feed passes: written by another
    # connection, committed only after the pass.
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    other = psycopg.connect(**params)
    try:
        early_bag = bags.batch_a1.first_bag_id + 1
        with other.cursor() as cur:
            cur.execute(
                "INSERT INTO bags_collection (bag_id, client_id, point_id, collector_id, category, grade, reasons, photo, collected_at,"
                " owner_id, organisation_id, street_id, points_awarded) VALUES (%s, 'open-tx', %s, %s, 'kitchen', 'correct', '[]', '',"
                " now(), %s, %s, %s, 2)",
                [early_bag, bags.point_a.pk, world.collector_a.pk, world.worker_a1.pk, world.org_a1.pk, world.street_a.pk],
            )
        assert ranking_feed.feed()["collections"] == 1  # the committed scan only
        assert week_points(world.worker_a1) == 1
        other.commit()
    finally:
        other.close()
    assert ranking_feed.feed()["collections"] == 1
    assert week_points(world.worker_a1) == 3
    assert ranking_feed.feed()["collections"] == 0


def test_a_rebuild_and_the_feed_never_count_a_scan_twice(world, bags, fed):
    for n in range(4):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
    scan_one(world, bags, 0)
    scan_one(world, bags, 1)
    ranking_feed.feed()
    scan_one(world, bags, 2)  # committed, not yet fed
    rankings.rebuild()  # counts all three and resumes the feed after them
    assert week_points(world.worker_a1) == 3
    assert ranking_feed.feed()["collections"] == 0
    scan_one(world, bags, 3)
    ranking_feed.feed()
    assert week_points(world.worker_a1) == 4
    assert union_bags(world.org_a1) == Collection.objects.filter(organisation=world.org_a1).count() == 4


def test_a_pass_whose_position_moved_adds_nothing(world, bags, fed):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    scan_one(world, bags, 0)
    prev = lb.state(ranking_feed.STATE)
    moved = lb.record_batch(
        [([lb.Increment(rankings.WORKER_POINTS, rankings.DISTRICT, rankings.member_key(world.worker_a1.pk), 1)], timezone.now())],
        guard=lb.state_guard(ranking_feed.STATE, "not-" + prev, "x"),
    )
    assert moved is None and week_points(world.worker_a1) is None and lb.state(ranking_feed.STATE) == prev


def test_without_a_position_the_feed_settles_by_a_rebuild(world, bags, fed):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    scan_one(world, bags, 0)
    lb.backend().delete(lb.state_guard(ranking_feed.STATE, "", "")[0])
    assert "rebuilt" in ranking_feed.feed()
    assert week_points(world.worker_a1) == 1
    assert ranking_feed.feed()["collections"] == 0


def test_concurrent_scans_of_one_workers_bags_stop_at_the_daily_cap(world, bags):
    points.points_rule_create(actor=world.district_staff, category="", points=2, daily_cap=5, valid_from=timezone.now() - timedelta(days=1))
    for n in range(8):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
    scan_one(world, bags, 0, "cap-0")  # 2 of the 5
    barrier = threading.Barrier(7)
    results, errors = [], []

    def worker(n):
        from django.db import connection as conn

        try:
            barrier.wait(timeout=10)
            item = services.ScanIn(client_id=f"cap-{n}", code=bags.code(bags.batch_a1, n), point_id=bags.point_a.pk, category="kitchen")
            results.append(services.collection_record(actor=world.collector_a, item=item).points)
        except Exception as exc:  # noqa: BLE001 — surfaced by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [0, 0, 0, 0, 0, 1, 2]  # 2 + 2 + 1 = the cap of 5, then nothing
    assert balance_of(world.worker_a1.pk) == 5
    assert DailyPoints.objects.get(owner=world.worker_a1).points == 5
    assert daily_points_mismatches() == [] and ledger_mismatches() == []


def test_concurrent_batches_of_one_worker_stop_at_the_daily_cap(world, bags):
    points.points_rule_create(
        actor=world.district_staff, category="", points=3, daily_cap=10, valid_from=timezone.now() - timedelta(days=1)
    )
    for n in range(12):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
    barrier = threading.Barrier(3)
    errors = []

    def upload(k):
        from django.db import connection as conn

        try:
            items = [
                services.ScanIn(client_id=f"cb{k}-{n}", code=bags.code(bags.batch_a1, n), point_id=bags.point_a.pk, category="kitchen")
                for n in range(k * 4, k * 4 + 4)
            ]
            barrier.wait(timeout=10)
            services.collections_record_batch(actor=world.collector_a, items=items)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=upload, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Collection.objects.count() == 12
    assert balance_of(world.worker_a1.pk) == 10  # 3 + 3 + 3 + 1, whatever the interleaving
    assert daily_points_mismatches() == [] and ledger_mismatches() == []
