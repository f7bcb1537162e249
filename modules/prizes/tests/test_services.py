"""The rules of a redemption's life, through the services: limits, validity, idempotency, expiry, cancel, pickup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import ApiError
from engines.ledger.models import Entry
from engines.ledger.selectors import balance_of, ledger_mismatches
from modules.prizes.models import Prize, Redemption
from modules.prizes.services import (
    normalise_code,
    prize_update,
    redemption_cancel,
    redemption_create,
    redemption_expire,
    redemption_hand_over,
    redemptions_expire_due,
)

pytestmark = pytest.mark.django_db
Status = Redemption.Status


def redeem(member, prize, place, key):
    return redemption_create(actor=member.user, member=member, prize_id=prize.pk, place_id=place.pk, idempotency_key=key)


def refuse(expected, func, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as error:
        func(*args, **kwargs)
    assert error.value.code == expected, (error.value.code, str(error.value.message))
    return error.value


def assert_stock_balances(prize: Prize) -> None:
    prize.refresh_from_db()
    live = Redemption.objects.filter(prize=prize, status__in=Redemption.LIVE).count()
    assert prize.stock + live == prize.stock_listed


def test_the_per_person_limit_counts_live_redemptions_only(world, shop):
    w = world.worker_a1
    redeem(w, shop.bag, shop.office, "limit-0001")
    second = redeem(w, shop.bag, shop.station, "limit-0002").redemption
    error = refuse("limit_reached", redeem, w, shop.bag, shop.office, "limit-0003")
    assert error.field == "prize_id" and "每人限兑 2 件" in str(error.message)
    redemption_cancel(actor=world.district_staff, redemption_id=second.pk, reason="职工申请改兑")
    redeem(w, shop.bag, shop.office, "limit-0004")  # a cancelled one no longer counts
    assert balance_of(w.pk) == 200 - 20 * 2
    assert_stock_balances(shop.bag)


def test_a_prize_is_redeemable_only_within_its_validity_period(world, shop):
    today = timezone.localdate()
    Prize.objects.filter(pk=shop.bag.pk).update(valid_from=today + timedelta(days=3), valid_until=today + timedelta(days=9))
    error = refuse("prize_not_available", redeem, world.worker_a1, shop.bag, shop.office, "valid-0001")
    assert "开始兑换" in str(error.message) and error.status == 409
    Prize.objects.filter(pk=shop.bag.pk).update(valid_from=today - timedelta(days=9), valid_until=today - timedelta(days=1))
    refuse("prize_not_available", redeem, world.worker_a1, shop.bag, shop.office, "valid-0002")
    Prize.objects.filter(pk=shop.bag.pk).update(valid_until=today, is_active=False)
    refuse("prize_not_available", redeem, world.worker_a1, shop.bag, shop.office, "valid-0003")
    assert balance_of(world.worker_a1.pk) == 200 and Redemption.objects.count() == 0


def test_insufficient_points_refuses_with_field_and_reason_and_keeps_the_stock(world, shop):
    from engines.ledger.services import entry_post

    entry_post(member_id=world.worker_a1.pk, amount=-100, reason="test.spend")
    error = refuse("insufficient_points", redeem, world.worker_a1, shop.ticket, shop.office, "poor-0001")
    assert error.field == "prize_id" and error.status == 409 and "当前 100，需要 120" in str(error.message)
    shop.ticket.refresh_from_db()
    assert shop.ticket.stock == 3 and Redemption.objects.count() == 0


def test_the_last_piece_goes_once_then_out_of_stock(world, shop):
    Prize.objects.filter(pk=shop.ticket.pk).update(stock=1, stock_listed=1)
    redeem(world.worker_a1, shop.ticket, shop.office, "last-0001")
    refuse("out_of_stock", redeem, world.worker_a1_other, shop.ticket, shop.office, "last-0002")
    assert balance_of(world.worker_a1_other.pk) == 200


def test_a_place_the_prize_is_not_offered_at_is_a_field_error(world, shop):
    error = refuse("place_not_offered", redeem, world.worker_a1, shop.own, shop.station, "place-0001")
    assert error.field == "place_id"


def test_the_same_key_returns_the_first_redemption_and_another_prize_conflicts(world, shop):
    first = redeem(world.worker_a1, shop.bag, shop.office, "same-key-01")
    again = redeem(world.worker_a1, shop.bag, shop.office, "same-key-01")
    assert first.created and not again.created and again.redemption.pk == first.redemption.pk
    error = refuse("idempotency_conflict", redeem, world.worker_a1, shop.ticket, shop.office, "same-key-01")
    assert error.status == 409
    refuse("idempotency_conflict", redeem, world.worker_a1, shop.bag, shop.station, "same-key-01")
    # Keys are per member: another worker's identical key is their own redemption.
    assert redeem(world.worker_a1_other, shop.bag, shop.office, "same-key-01").created
    refuse("invalid_idempotency_key", redeem, world.worker_a1, shop.bag, shop.office, "short")
    assert balance_of(world.worker_a1.pk) == 180


def test_an_unclaimed_redemption_expires_and_is_refunded_once(world, shop):
    r = redeem(world.worker_a1, shop.bag, shop.office, "expire-0001").redemption
    assert redemptions_expire_due() == 0  # not yet due
    assert not redemption_expire(redemption_id=r.pk)
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert redemptions_expire_due() == 1
    assert redemptions_expire_due() == 0  # run twice: refunded once
    call_command("prizes_expire")
    assert not redemption_expire(redemption_id=r.pk)
    r.refresh_from_db()
    assert r.status == Status.EXPIRED and r.closed_at is not None
    assert balance_of(world.worker_a1.pk) == 200
    assert list(Entry.objects.filter(source=r.source).order_by("id").values_list("reason", "amount")) == [
        ("prizes.redeem", -20),
        ("prizes.refund_expired", 20),
    ]
    assert_stock_balances(shop.bag)
    assert ledger_mismatches() == []
    error = refuse("redemption_expired", redemption_hand_over, actor=world.admin_a1, place_id=shop.office.pk, code=r.code)
    assert error.field == "code"


def test_an_overdue_code_is_refused_at_the_desk_even_before_the_job_runs(world, shop):
    r = redeem(world.worker_a1, shop.bag, shop.office, "overdue-001").redemption
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refuse("redemption_expired", redemption_hand_over, actor=world.admin_a1, place_id=shop.office.pk, code=r.code)


def test_staff_cancel_with_a_reason_refunds_once(world, shop):
    r = redeem(world.worker_a1, shop.ticket, shop.office, "cancel-0001").redemption
    error = refuse("reason_required", redemption_cancel, actor=world.district_staff, redemption_id=r.pk, reason=" ")
    assert error.field == "reason"
    redemption_cancel(actor=world.district_staff, redemption_id=r.pk, reason="奖品供应商缺货")
    refuse("not_pending", redemption_cancel, actor=world.district_staff, redemption_id=r.pk, reason="再取消一次")
    assert not redemption_expire(redemption_id=r.pk)
    r.refresh_from_db()
    assert r.status == Status.CANCELLED and r.cancelled_by == world.district_staff and r.cancel_reason == "奖品供应商缺货"
    assert balance_of(world.worker_a1.pk) == 200
    assert Entry.objects.filter(source=r.source, reason="prizes.refund_cancelled").count() == 1
    refuse("redemption_cancelled", redemption_hand_over, actor=world.admin_a1, place_id=shop.office.pk, code=r.code)
    assert_stock_balances(shop.ticket)


def test_only_staff_managing_the_prize_may_cancel(world, shop):
    r = redeem(world.worker_a1, shop.bag, shop.office, "cancel-0002").redemption
    for outsider in (world.admin_a1, world.street_b_staff, world.collector_a, world.worker_a1.user):
        refuse("forbidden", redemption_cancel, actor=outsider, redemption_id=r.pk, reason="不该成功")
    own = redeem(world.worker_a1, shop.own, shop.office, "cancel-0003").redemption
    redemption_cancel(actor=world.admin_a1, redemption_id=own.pk, reason="本单位活动调整")  # their own union's prize
    assert balance_of(world.worker_a1.pk) == 180


def test_a_handed_over_code_cannot_be_cancelled_expired_or_handed_again(world, shop):
    r = redeem(world.worker_a1, shop.bag, shop.station, "hand-0001").redemption
    done = redemption_hand_over(actor=world.collector_a, place_id=shop.station.pk, code=f" {r.display_code.lower()} ")
    assert done.status == Status.HANDED_OVER
    error = refuse("already_handed_over", redemption_hand_over, actor=world.collector_a, place_id=shop.station.pk, code=r.code)
    assert "不能重复领取" in str(error.message)
    refuse("not_pending", redemption_cancel, actor=world.district_staff, redemption_id=r.pk, reason="已领取")
    Redemption.objects.filter(pk=r.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert redemptions_expire_due() == 0
    assert balance_of(world.worker_a1.pk) == 180


def test_the_pickup_desk_refuses_the_wrong_place_strangers_and_bad_codes(world, shop):
    r = redeem(world.worker_a1, shop.bag, shop.office, "desk-0001").redemption
    error = refuse("wrong_place", redemption_hand_over, actor=world.collector_a, place_id=shop.station.pk, code=r.code)
    assert "某科技公司工会办公室" in str(error.message)
    refuse("not_an_operator", redemption_hand_over, actor=world.collector_b, place_id=shop.office.pk, code=r.code)
    refuse("not_an_operator", redemption_hand_over, actor=world.worker_a1.user, place_id=shop.office.pk, code=r.code)
    refuse("not_an_operator", redemption_hand_over, actor=world.street_b_staff, place_id=shop.office.pk, code=r.code)
    refuse("place_required", redemption_hand_over, actor=world.admin_a1, place_id="x", code=r.code)
    refuse("invalid_code", redemption_hand_over, actor=world.admin_a1, place_id=shop.office.pk, code="12")
    refuse("code_not_found", redemption_hand_over, actor=world.admin_a1, place_id=shop.office.pk, code="ZZZZ-ZZZZ")
    # Staff who manage the place may hand over there too (a street union's staff at its office).
    assert redemption_hand_over(actor=world.street_a_staff, place_id=shop.office.pk, code=r.code).status == Status.HANDED_OVER


def test_codes_are_normalised_from_what_scanners_and_people_type():
    assert normalise_code("k7qh-3m9t\r\n") == "K7QH3M9T"
    assert normalise_code(" K7QH 3M9T ") == "K7QH3M9T"
    for bad in ("", "K7QH3M9", "K7QH3M9T9", "O0I1L000", None):
        with pytest.raises(ApiError):
            normalise_code(bad)


def test_restocking_moves_the_shelf_and_never_below_what_was_redeemed(world, shop):
    redeem(world.worker_a1, shop.ticket, shop.office, "stock-0001")
    prize_update(actor=world.district_staff, prize=shop.ticket, stock_listed=10)
    assert (shop.ticket.stock, shop.ticket.stock_listed) == (9, 10)
    error = refuse("stock_below_redeemed", prize_update, actor=world.district_staff, prize=shop.ticket, stock_listed=0)
    assert error.field == "stock_listed"
    prize_update(actor=world.district_staff, prize=shop.ticket, stock_listed=1)
    assert (shop.ticket.stock, shop.ticket.stock_listed) == (0, 1)
    assert_stock_balances(shop.ticket)
    refuse("forbidden", prize_update, actor=world.admin_a1, prize=shop.ticket, stock_listed=5)
