"""Writing to the ledger. Every change of points or money goes through ``entry_post``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from engines.ledger.models import Account, Entry


class InsufficientBalance(Conflict):
    def __init__(self, balance: int, needed: int):
        super().__init__(
            "insufficient_points",
            _("积分不足：当前 %(balance)s，需要 %(needed)s") % {"balance": balance, "needed": needed},
            balance=balance,
            needed=needed,
        )


@dataclass(frozen=True)
class Posted:
    entry: Entry
    created: bool  # False when the idempotency key had been posted before


def account_for(member_id: int, unit: str = Account.Unit.POINTS) -> Account:
    account, _created = Account.objects.get_or_create(member_id=member_id, unit=unit)
    return account


def entry_post(
    *,
    member_id: int,
    amount: int,
    reason: str,
    source: str = "",
    idempotency_key: str | None = None,
    memo: str = "",
    actor=None,
    unit: str = Account.Unit.POINTS,
) -> Posted:
    """Credit (amount > 0) or debit (amount < 0) a member's account, atomically.

    The balance moves by a conditional UPDATE (``balance + amount >= 0``), so two racing
    debits can never both spend the same points; an idempotency key already posted returns
    the first entry and changes nothing.
    """
    if amount == 0:
        raise ValueError("a ledger entry must move points")
    if idempotency_key:
        existing = Entry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return Posted(existing, False)
    account = account_for(member_id, unit)
    try:
        with transaction.atomic():
            return Posted(_apply(account, amount, reason, source, idempotency_key, memo, actor), True)
    except IntegrityError:
        if idempotency_key:
            existing = Entry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return Posted(existing, False)
        raise


def _apply(account: Account, amount: int, reason, source, idempotency_key, memo, actor) -> Entry:
    now = timezone.now()
    credit, debit = (amount, 0) if amount > 0 else (0, -amount)
    updated = Account.objects.filter(pk=account.pk, balance__gte=-amount if amount < 0 else 0).update(
        balance=F("balance") + amount,
        total_credited=F("total_credited") + credit,
        total_debited=F("total_debited") + debit,
        updated_at=now,
    )
    if not updated:
        current = Account.objects.values_list("balance", flat=True).get(pk=account.pk)
        raise InsufficientBalance(current, -amount)
    balance_after = Account.objects.values_list("balance", flat=True).get(pk=account.pk)
    return Entry.objects.create(
        account=account,
        amount=amount,
        balance_after=balance_after,
        reason=reason,
        source=source,
        idempotency_key=idempotency_key,
        memo=memo[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
