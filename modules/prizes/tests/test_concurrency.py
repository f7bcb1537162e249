"""Races with real concurrent transactions on PostgreSQL: no oversold stock, no overspent points,
no per-person limit broken, no double refund."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Member
from core.tests.concurrency import race
from engines.ledger.models import Entry
from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.ledger.services import entry_post
from modules.prizes.models import Prize, Redemption
from modules.prizes.services import redemption_cancel, redemption_create, redemption_expire

from .conftest import make_prize

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def assert_books_balance(*prizes: Prize) -> None:
    assert ledger_mismatches() == []
    for prize in prizes:
        prize.refresh_from_db()
        live = Redemption.objects.filter(prize=prize, status__in=Redemption.LIVE).count()
        assert prize.stock + live == prize.stock_listed


def test_two_hundred_workers_racing_for_the_last_ten_get_exactly_ten(world, shop):
    prize = make_prize(
        world.district_staff, world.district, [shop.office], name="保温杯", points_price=50, stock_listed=10, per_person_limit=1
    )
    members = Member.objects.bulk_create([Member(organisation=world.org_a1, name=f"职工{i}", phone=f"1360000{i:04d}") for i in range(200)])
    for member in members:
        entry_post(member_id=member.pk, amount=100, reason="test.grant")

    def job(member):
        def run():
            redemption_create(
                actor=None, member=member, prize_id=prize.pk, place_id=shop.office.pk, idempotency_key=f"race-{member.pk:08d}"
            )
            return "ok"

        return run

    results = race([job(m) for m in members], threads=20)
    assert len(results) == 200
    assert results.count("ok") == 10 and results.count("out_of_stock") == 190
    prize.refresh_from_db()
    assert prize.stock == 0
    winners = set(Redemption.objects.filter(prize=prize).values_list("member_id", flat=True))
    assert len(winners) == 10
    for member in members:
        assert balance_of(member.pk) == (50 if member.pk in winners else 100)
    assert Entry.objects.filter(reason="prizes.redeem").count() == 10
    assert_books_balance(prize)


def test_racing_redemptions_never_spend_points_the_worker_does_not_have(world, shop):
    worker = world.worker_b1  # 200 points from the shop fixture: two 100-point prizes at most
    first = make_prize(
        world.district_staff, world.district, [shop.station_b], name="体检套餐", points_price=100, stock_listed=50, per_person_limit=20
    )
    second = make_prize(
        world.district_staff, world.district, [shop.station_b], name="洗衣液", points_price=100, stock_listed=50, per_person_limit=20
    )

    def job(i):
        prize = first if i % 2 else second
        return lambda: (
            redemption_create(actor=None, member=worker, prize_id=prize.pk, place_id=shop.station_b.pk, idempotency_key=f"spend-{i:04d}")
            and "ok"
        )

    results = race([job(i) for i in range(12)], threads=12)
    assert results.count("ok") == 2 and results.count("insufficient_points") == 10
    assert balance_of(worker.pk) == 0
    assert_books_balance(first, second)


def test_the_per_person_limit_holds_under_a_race(world, shop):
    worker = world.worker_a1  # 200 points; the bag costs 20 and is limited to 2 a person

    def job(i):
        return lambda: (
            redemption_create(actor=None, member=worker, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key=f"limit-{i:04d}")
            and "ok"
        )

    results = race([job(i) for i in range(10)], threads=10)
    assert results.count("ok") == 2 and results.count("limit_reached") == 8
    assert balance_of(worker.pk) == 160
    assert_books_balance(shop.bag)


def test_the_same_key_sent_ten_times_at_once_redeems_once(world, shop):
    worker = world.worker_a1
    ids = []

    def job():
        ids.append(
            redemption_create(
                actor=None, member=worker, prize_id=shop.ticket.pk, place_id=shop.office.pk, idempotency_key="double-tap-01"
            ).redemption.pk
        )
        return "ok"

    results = race([job for _ in range(10)], threads=10)
    assert results.count("ok") == 10 and len(set(ids)) == 1
    assert Redemption.objects.count() == 1 and balance_of(worker.pk) == 80
    assert_books_balance(shop.ticket)


def test_expiry_and_cancel_racing_refund_exactly_once(world, shop):
    worker = world.worker_a1
    r = redemption_create(
        actor=None, member=worker, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key="refund-race-1"
    ).redemption
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    def expire():
        return "ok" if redemption_expire(redemption_id=r.pk) else "skipped"

    def cancel():
        redemption_cancel(actor=world.district_staff, redemption_id=r.pk, reason="并发取消")
        return "ok"

    results = race([expire, cancel] * 4, threads=8)
    assert results.count("ok") == 1
    assert balance_of(worker.pk) == 200
    assert Entry.objects.filter(source=r.source, amount__gt=0).count() == 1
    assert_books_balance(shop.bag)
