"""The ledger never loses or invents a point: balances equal the sum of entries, never negative."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from engines.ledger.models import Account, Entry
from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.ledger.services import InsufficientBalance, entry_post


def test_credit_and_debit_move_the_balance_and_leave_entries(world):
    member = world.worker_a1
    entry_post(member_id=member.pk, amount=10, reason="test.credit", source="test:1")
    entry_post(member_id=member.pk, amount=-4, reason="test.debit", source="test:2")
    assert balance_of(member.pk) == 6
    assert list(Entry.objects.order_by("id").values_list("amount", "balance_after")) == [(10, 10), (-4, 6)]
    assert ledger_mismatches() == []


def test_a_debit_beyond_the_balance_is_refused_and_changes_nothing(world):
    member = world.worker_a1
    entry_post(member_id=member.pk, amount=5, reason="test.credit")
    with pytest.raises(InsufficientBalance) as error:
        entry_post(member_id=member.pk, amount=-6, reason="test.debit")
    assert error.value.code == "insufficient_points"
    assert balance_of(member.pk) == 5
    assert Entry.objects.count() == 1


def test_the_same_idempotency_key_posts_once(world):
    member = world.worker_a1
    first = entry_post(member_id=member.pk, amount=3, reason="test.credit", idempotency_key="k-1")
    again = entry_post(member_id=member.pk, amount=3, reason="test.credit", idempotency_key="k-1")
    assert first.created and not again.created
    assert again.entry.pk == first.entry.pk
    assert balance_of(member.pk) == 3


def test_ledger_check_command_finds_a_tampered_balance(world):
    member = world.worker_a1
    entry_post(member_id=member.pk, amount=7, reason="test.credit")
    call_command("ledger_check")
    Account.objects.filter(member=member).update(balance=8)
    with pytest.raises(Exception, match="账本校验失败"):
        call_command("ledger_check")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_debits_never_spend_the_same_points_twice(world):
    """Ten threads each try to spend 10 of 50 points at once: exactly five succeed."""
    member = world.worker_a1
    entry_post(member_id=member.pk, amount=50, reason="test.credit")
    barrier = threading.Barrier(10)
    results = []

    def spend(i):
        try:
            barrier.wait()
            entry_post(member_id=member.pk, amount=-10, reason="test.debit", idempotency_key=f"spend-{i}")
            results.append("ok")
        except InsufficientBalance:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 5 and results.count("refused") == 5
    assert balance_of(member.pk) == 0
    assert ledger_mismatches() == []
