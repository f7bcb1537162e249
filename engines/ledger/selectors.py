"""Reading the ledger: balances, history, and the invariant check."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from engines.ledger.models import Account, Entry


def balance_of(member_id: int, unit: str = Account.Unit.POINTS) -> int:
    return Account.objects.filter(member_id=member_id, unit=unit).values_list("balance", flat=True).first() or 0


def holder_balance(holder: str, unit: str = Account.Unit.FEN) -> int:
    return Account.objects.filter(holder=holder, unit=unit).values_list("balance", flat=True).first() or 0


def holder_balances(prefix: str, unit: str = Account.Unit.FEN) -> dict[str, int]:
    """Balances of every account whose holder key starts with ``prefix`` (e.g. all of one fund's)."""
    return dict(Account.objects.filter(holder__startswith=prefix, unit=unit).values_list("holder", "balance"))


def holder_entries(holder: str, unit: str = Account.Unit.FEN):
    return Entry.objects.filter(account__holder=holder, account__unit=unit).order_by("-created_at", "-id")


def entries_of(member_id: int, unit: str = Account.Unit.POINTS):
    return Entry.objects.filter(account__member_id=member_id, account__unit=unit).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Mismatch:
    account_id: int
    member_id: int | None
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


def unbalanced_transfers(batch_size: int = 5000) -> list[str]:
    """Keys of transfers whose two legs do not cancel out or lack a leg (there must be none).

    A transfer's legs carry ``key`` (the debit) and ``key:in`` (the credit); see ``transfer_post``.
    """
    credits = Entry.objects.filter(idempotency_key__endswith=":in", amount__gt=0).values_list("idempotency_key", "amount")
    broken = []
    pending: dict[str, int] = {}

    def check(batch: dict[str, int]) -> None:
        debits = dict(Entry.objects.filter(idempotency_key__in=list(batch)).values_list("idempotency_key", "amount"))
        broken.extend(key for key, amount in batch.items() if debits.get(key) != -amount)

    for credit_key, amount in credits.iterator(chunk_size=batch_size):
        pending[credit_key[: -len(":in")]] = amount
        if len(pending) >= batch_size:
            check(pending)
            pending = {}
    if pending:
        check(pending)
    return broken
