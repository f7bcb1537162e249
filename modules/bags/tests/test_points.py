"""Points for sorted bags: rules per category, the default, the daily cap, nothing for a wrong sort."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.errors import Forbidden, Invalid
from core.models import AuditLog
from engines.ledger.selectors import balance_of, entries_of
from engines.ranking.periods import TZ
from modules.bags import points
from modules.bags.models import Grade, PointsRule
from modules.bags.tests.test_rankings_support import collect

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)


def earn(member, at=NOON, category="kitchen", grade=Grade.CORRECT):
    return points.points_for_collection(owner_id=member.pk if member else None, category=category, grade=grade, at=at)


def test_default_rule_gives_one_point_and_caps_the_day(world):
    assert not PointsRule.objects.exists()
    assert earn(world.worker_a1) == points.DEFAULT_POINTS == 1
    for i in range(20):
        collect(world.worker_a1, collector=world.collector_a, points=1, at=NOON + timedelta(minutes=i))
    assert earn(world.worker_a1) == 0
    # Another worker of the same union is not affected by their colleague's cap.
    assert earn(world.worker_a1_other) == 1


def test_wrong_sort_and_bags_without_owner_earn_nothing(world):
    assert earn(world.worker_a1, grade=Grade.WRONG) == 0
    assert earn(None) == 0


def test_category_rule_beats_catch_all_and_newest_wins(world):
    actor = world.district_staff
    points.points_rule_create(actor=actor, category="", points=2, daily_cap=50, valid_from=NOON - timedelta(days=3))
    points.points_rule_create(actor=actor, category="hazardous", points=5, daily_cap=50, valid_from=NOON - timedelta(days=2))
    newest = points.points_rule_create(actor=actor, category="hazardous", points=8, daily_cap=50, valid_from=NOON - timedelta(days=1))
    assert earn(world.worker_a1, category="kitchen") == 2
    assert earn(world.worker_a1, category="hazardous") == 8
    # A rule is not applied before it is valid.
    assert earn(world.worker_a1, category="hazardous", at=NOON - timedelta(days=2, hours=-1)) == 5
    points.points_rule_deactivate(actor=actor, rule_id=newest.pk)
    assert earn(world.worker_a1, category="hazardous") == 5
    assert AuditLog.objects.filter(action__startswith="bags.points_rule").count() == 4


def test_cap_cuts_the_last_bag_and_counts_the_beijing_day(world):
    points.points_rule_create(actor=world.district_staff, category="", points=3, daily_cap=10, valid_from=NOON - timedelta(days=5))
    for i in range(3):
        collect(world.worker_a1, collector=world.collector_a, points=3, at=NOON + timedelta(minutes=i))
    assert earn(world.worker_a1) == 1  # 9 of 10 used: only one point left
    # 23:30 the evening before (Beijing time) is another day.
    assert earn(world.worker_a1, at=datetime(2026, 11, 24, 0, 30, tzinfo=TZ) - timedelta(hours=1)) == 3
    assert earn(world.worker_a1, at=datetime(2026, 11, 25, 0, 0, tzinfo=TZ)) == 3


def test_only_district_staff_manage_rules_and_input_is_checked(world):
    with pytest.raises(Forbidden):
        points.points_rule_create(actor=world.street_a_staff, category="", points=1, daily_cap=5)
    with pytest.raises(Invalid) as err:
        points.points_rule_create(actor=world.district_staff, category="plastic", points=1, daily_cap=5)
    assert err.value.field == "category"
    with pytest.raises(Invalid) as err:
        points.points_rule_create(actor=world.district_staff, category="", points=1000, daily_cap=5)
    assert err.value.field == "points"


def test_points_go_to_the_ledger_once(world):
    c = collect(world.worker_a1, collector=world.collector_a, points=2)
    points.collection_points_post(collection=c, actor=world.collector_a)
    points.collection_points_post(collection=c, actor=world.collector_a)  # a retry
    assert balance_of(world.worker_a1.pk) == 2
    entry = entries_of(world.worker_a1.pk).get()
    assert entry.reason == points.LEDGER_REASON and entry.source == f"bags.collection:{c.pk}"
    wrong = collect(world.worker_a1, collector=world.collector_a, grade=Grade.WRONG)
    assert points.collection_points_post(collection=wrong) is None


def test_default_rules_seeded_only_once(world):
    assert len(points.default_rules_ensure()) == 1
    assert points.default_rules_ensure() == []
    assert earn(world.worker_a1) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bags_scanned_at_once_cannot_both_pass_the_daily_cap(world):
    """Two collectors scan two bags of one worker at the same moment, one point short of the cap."""
    import threading

    from django.db import connection, transaction

    points.points_rule_create(actor=world.district_staff, category="", points=1, daily_cap=2, valid_from=NOON - timedelta(days=1))
    collect(world.worker_a1, collector=world.collector_a, points=1, at=NOON, feed=False)
    barrier = threading.Barrier(2)
    awarded = []

    def scan(minute):
        try:
            with transaction.atomic():
                barrier.wait(timeout=5)
                earned = earn(world.worker_a1, at=NOON + timedelta(minutes=minute))
                collect(world.worker_a1, collector=world.collector_a, points=earned, at=NOON + timedelta(minutes=minute), feed=False)
                awarded.append(earned)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(m,)) for m in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(awarded) == [0, 1]
    assert points.points_today(world.worker_a1.pk, NOON) == 2
