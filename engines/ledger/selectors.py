"""Reading the ledger: balances, history, and the invariant check."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from engines.ledger.models import Account, Entry


def balance_of(member_id: int, unit: str = Account.Unit.POINTS) -> int:
    return Account.objects.filter(member_id=member_id, unit=unit).values_list("balance", flat=True).first() or 0


def entries_of(member_id: int, unit: str = Account.Unit.POINTS):
    return Entry.objects.filter(account__member_id=member_id, account__unit=unit).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    member_id: int
    balance: int
    entries_sum: int


def ledger_mismatches(batch_size: int = 5000) -> list[Mismatch]:
    """Accounts whose balance differs from the sum of their entries (there must be none)."""
    sums = dict(Entry.objects.values("account_id").annotate(total=Sum("amount")).values_list("account_id", "total"))
    mismatches = []
    for account in Account.objects.only("id", "member_id", "balance").iterator(chunk_size=batch_size):
        total = sums.get(account.id, 0) or 0
        if total != account.balance:
            mismatches.append(Mismatch(account.id, account.member_id, account.balance, total))
    return mismatches
