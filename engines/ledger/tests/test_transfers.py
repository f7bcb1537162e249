"""Money held by funds and programmes moves only by transfers that balance, and never overspends."""

import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from engines.ledger.models import Account, Entry
from engines.ledger.selectors import (
    balance_of,
    holder_balance,
    holder_balances,
    holder_entries,
    ledger_mismatches,
    unbalanced_transfers,
)
from engines.ledger.services import InsufficientBalance, account_for, holder_account, transfer_post

FEN = Account.Unit.FEN


def _funded(amount=100_000):
    source = holder_account("t:fund:source", overdraft=True)
    pool = holder_account("t:fund:pool")
    transfer_post(from_account=source, to_account=pool, amount=amount, reason="t.budget", idempotency_key="t-budget")
    return source, pool


@pytest.mark.django_db
def test_a_transfer_moves_money_from_one_account_to_another_in_two_legs():
    source, pool = _funded(100_000)
    assert holder_balance("t:fund:source") == -100_000  # the money that came from outside
    assert holder_balance("t:fund:pool") == 100_000
    legs = list(Entry.objects.order_by("idempotency_key").values_list("idempotency_key", "amount", "balance_after"))
    assert legs == [("t-budget", -100_000, -100_000), ("t-budget:in", 100_000, 100_000)]
    assert ledger_mismatches() == [] and unbalanced_transfers() == []
    assert holder_balances("t:fund:") == {"t:fund:source": -100_000, "t:fund:pool": 100_000}
    assert [e.amount for e in holder_entries("t:fund:pool")] == [100_000]


@pytest.mark.django_db
def test_a_transfer_beyond_the_balance_is_refused_in_yuan_and_moves_nothing():
    _source, pool = _funded(500)
    grant = holder_account("t:fund:application:1")
    with pytest.raises(InsufficientBalance) as error:
        transfer_post(from_account=pool, to_account=grant, amount=501, reason="t.commit")
    assert error.value.code == "insufficient_balance"
    assert "5.00" in str(error.value.message) and "5.01" in str(error.value.message)
    assert holder_balance("t:fund:pool") == 500 and holder_balance("t:fund:application:1") == 0
    assert Entry.objects.count() == 2


@pytest.mark.django_db
def test_the_same_key_transfers_once():
    _source, pool = _funded(1_000)
    grant = holder_account("t:fund:application:2")
    first = transfer_post(from_account=pool, to_account=grant, amount=300, reason="t.commit", idempotency_key="commit-2")
    again = transfer_post(from_account=pool, to_account=grant, amount=300, reason="t.commit", idempotency_key="commit-2")
    assert first.created and not again.created
    assert (again.debit.pk, again.credit.pk) == (first.debit.pk, first.credit.pk)
    assert holder_balance("t:fund:pool") == 700


@pytest.mark.django_db
def test_money_reaches_a_member_account_and_counts_in_their_balance(world):
    _source, pool = _funded(10_000)
    member = account_for(world.worker_a1.pk, FEN)
    transfer_post(from_account=pool, to_account=member, amount=2_500, reason="t.subsidy")
    assert balance_of(world.worker_a1.pk, FEN) == 2_500
    assert balance_of(world.worker_a1.pk) == 0  # points are another account


@pytest.mark.django_db
def test_a_transfer_inside_a_failed_transaction_leaves_no_trace():
    _source, pool = _funded(1_000)
    grant = holder_account("t:fund:application:3")
    with pytest.raises(RuntimeError), transaction.atomic():
        transfer_post(from_account=pool, to_account=grant, amount=400, reason="t.commit")
        raise RuntimeError("the caller's own step failed")
    assert holder_balance("t:fund:pool") == 1_000 and holder_balance("t:fund:application:3") == 0


@pytest.mark.django_db
def test_the_database_refuses_what_the_service_would_never_do(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(holder="t:x", member=world.worker_a1, unit=FEN)  # two owners
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(unit=FEN)  # no owner
    pool = holder_account("t:never-negative")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=pool.pk).update(balance=-1)


@pytest.mark.django_db
def test_wrong_calls_are_programming_errors():
    source, pool = _funded(100)
    points = holder_account("t:points", unit=Account.Unit.POINTS)
    for kwargs in (
        {"from_account": pool, "to_account": pool, "amount": 1},
        {"from_account": pool, "to_account": points, "amount": 1},
        {"from_account": source, "to_account": pool, "amount": 0},
    ):
        with pytest.raises(ValueError):
            transfer_post(reason="t.x", **kwargs)
    with pytest.raises(ValueError):
        holder_account("t:fund:pool", overdraft=True)  # opened without overdraft


@pytest.mark.django_db
def test_ledger_check_finds_a_transfer_leg_that_was_tampered_with():
    _funded(1_000)
    call_command("ledger_check")
    Entry.objects.filter(idempotency_key="t-budget:in").update(amount=999)
    assert unbalanced_transfers() == ["t-budget"]
    with pytest.raises(Exception, match="账本校验失败"):
        call_command("ledger_check")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_transfers_never_overspend_a_pool_and_opposite_transfers_do_not_deadlock():
    """Twenty threads each take 100 from a pool of 1,000 while others move money back and forth."""
    _source, pool = _funded(1_000)
    other = holder_account("t:fund:other")
    transfer_post(from_account=pool, to_account=other, amount=1, reason="t.seed", idempotency_key="seed")
    transfer_post(from_account=other, to_account=pool, amount=1, reason="t.seed", idempotency_key="seed-back")
    barrier = threading.Barrier(24)
    results = []

    def take(i):
        try:
            barrier.wait()
            grant = holder_account(f"t:fund:application:{i}")
            transfer_post(from_account=pool, to_account=grant, amount=100, reason="t.commit", idempotency_key=f"c-{i}")
            results.append("ok")
        except InsufficientBalance:
            results.append("refused")
        finally:
            connection.close()

    def shuffle(i):
        try:
            barrier.wait()
            a, b = (pool, other) if i % 2 else (other, pool)
            try:
                transfer_post(from_account=a, to_account=b, amount=1, reason="t.shuffle")
            except InsufficientBalance:
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(20)]
    threads += [threading.Thread(target=shuffle, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") + results.count("refused") == 20
    granted = sum(holder_balance(f"t:fund:application:{i}") for i in range(20))
    assert granted == 100 * results.count("ok")
    assert holder_balance("t:fund:pool") + holder_balance("t:fund:other") + granted == 1_000
    assert holder_balance("t:fund:pool") >= 0 and holder_balance("t:fund:other") >= 0
    assert ledger_mismatches() == [] and unbalanced_transfers() == []


@pytest.mark.django_db
def test_money_paid_to_a_member_is_in_their_own_data_export_in_yuan(world):
    from engines.ledger.privacy import money_section

    _source, pool = _funded(10_000)
    transfer_post(from_account=pool, to_account=account_for(world.worker_a1.pk, FEN), amount=2_550, reason="t.subsidy")
    title, rows = money_section(world.worker_a1)
    assert title == "资金明细" and [row["金额（元）"] for row in rows] == ["25.50"]
    assert money_section(world.worker_b1)[1] == []
