"""Writing to the ledger. Every change goes through ``entry_post`` (a member's points or money
from outside the books) or ``transfer_post`` (money moving between two accounts)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import Statement, prepared_cursor
from core.errors import Conflict
from core.numbers import yuan
from engines.ledger.models import Account, Entry


class InsufficientBalance(Conflict):
    def __init__(self, balance: int, needed: int, unit: str = Account.Unit.POINTS):
        if unit == Account.Unit.FEN:
            code = "insufficient_balance"
            message = _("余额不足：当前 %(balance)s 元，需要 %(needed)s 元") % {"balance": yuan(balance), "needed": yuan(needed)}
        else:
            code = "insufficient_points"
            message = _("积分不足：当前 %(balance)s，需要 %(needed)s") % {"balance": balance, "needed": needed}
        super().__init__(code, message, balance=balance, needed=needed)


@dataclass(frozen=True)
class Posted:
    entry: Entry
    created: bool  # False when the idempotency key had been posted before


@dataclass(frozen=True)
class Transfer:
    debit: Entry  # the leg taken from ``from_account`` (negative amount)
    credit: Entry  # the leg given to ``to_account``
    created: bool  # False when the idempotency key had been posted before


def account_for(member_id: int, unit: str = Account.Unit.POINTS) -> Account:
    account, _created = Account.objects.get_or_create(member_id=member_id, unit=unit)
    return account


def holder_account(holder: str, unit: str = Account.Unit.FEN, *, overdraft: bool = False) -> Account:
    """The account ``holder`` (a key its programme chooses, e.g. ``"fund:12:purpose:3"``) has in ``unit``.

    Whether it may go negative is fixed when it is opened: asking for the same holder with the other
    answer is a programming error, not something to change quietly.
    """
    if not holder:
        raise ValueError("a holder account needs a holder key")
    account, _created = Account.objects.get_or_create(holder=holder, unit=unit, defaults={"overdraft": overdraft})
    if account.overdraft != overdraft:
        raise ValueError(f"ledger account {holder!r} was opened with overdraft={account.overdraft}")
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
    key_is_new: bool = False,
) -> Posted:
    """Credit (amount > 0) or debit (amount < 0) a member's account, atomically.

    The balance moves by a conditional UPDATE (``balance + amount >= 0``), so two racing
    debits can never both spend the same points; an idempotency key already posted returns
    the first entry and changes nothing.

    ``key_is_new``: the caller built the key from a row it has just inserted in its own open
    transaction (a quiz answer's id), so nobody can have posted it: no look-up, and no savepoint
    of our own (any error rolls the caller's transaction back whole). The key stays unique in
    the table all the same.
    """
    if amount == 0:
        raise ValueError("a ledger entry must move points")
    if key_is_new:
        if not transaction.get_connection().in_atomic_block:
            raise ValueError("key_is_new is only for a caller inside its own transaction")
        entry = _apply_to_member(member_id, unit, amount, reason, source, idempotency_key, memo, actor)
        if entry is None:  # no account yet (opened here), or not enough on it (refused as always)
            entry = _apply(account_for(member_id, unit), amount, reason, source, idempotency_key, memo, actor)
        return Posted(entry, True)
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


def transfer_post(
    *,
    from_account: Account,
    to_account: Account,
    amount: int,
    reason: str,
    source: str = "",
    idempotency_key: str | None = None,
    memo: str = "",
    actor=None,
) -> Transfer:
    """Move ``amount`` (> 0) from one account to another of the same unit, in one transaction.

    The debit is a conditional UPDATE like ``entry_post``'s, so concurrent transfers out of one
    account can never take it below zero (unless it was opened with ``overdraft``); the loser gets
    ``InsufficientBalance``. The two legs share a key: the debit carries ``idempotency_key`` and the
    credit the same key with ``:in``, so a retried transfer finds the first one and moves nothing.
    Accounts are moved in id order, so two transfers in opposite directions cannot deadlock.
    """
    if amount <= 0:
        raise ValueError("a transfer moves a positive amount")
    if from_account.pk == to_account.pk:
        raise ValueError("a transfer needs two different accounts")
    if from_account.unit != to_account.unit:
        raise ValueError("a transfer cannot change the unit")
    key = idempotency_key or f"transfer:{uuid.uuid4().hex}"
    if len(key) > 117:
        raise ValueError("a transfer's idempotency key is at most 117 characters")
    existing = _transfer_posted(key)
    if existing is not None:
        return existing
    legs = [(from_account, -amount, key), (to_account, amount, f"{key}:in")]
    try:
        with transaction.atomic():
            entries = {
                account.pk: _apply(account, leg_amount, reason, source, leg_key, memo, actor)
                for account, leg_amount, leg_key in sorted(legs, key=lambda leg: leg[0].pk)
            }
    except IntegrityError:
        existing = _transfer_posted(key)
        if existing is not None:
            return existing
        raise
    return Transfer(entries[from_account.pk], entries[to_account.pk], True)


def _transfer_posted(key: str) -> Transfer | None:
    legs = {e.idempotency_key: e for e in Entry.objects.filter(idempotency_key__in=[key, f"{key}:in"])}
    if key in legs and f"{key}:in" in legs:
        return Transfer(legs[key], legs[f"{key}:in"], False)
    return None


def _apply_to_member(member_id: int, unit: str, amount: int, reason, source, idempotency_key, memo, actor) -> Entry | None:
    """On PostgreSQL, ``_apply`` to the member's account in one prepared statement (a quiz answer's
    credit: the account's read, the balance's move and read and the entry were four ORM
    statements, each compiled afresh); None when it moved nothing — no account yet, or a debit
    it cannot cover — for ``_apply`` to answer as it always does."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    memo = memo[:200]
    statement = _member_entry_statement()
    params = {"amount": amount, "credit": max(amount, 0), "debit": max(-amount, 0), "now": now, "member": member_id, "unit": unit,
              "reason": reason, "source": source, "key": idempotency_key, "memo": memo, "actor": actor_id}  # fmt: skip
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(statement.text, statement.args(params), prepare=True)
        row = cursor.fetchone()
    if row is None:
        return None
    entry_id, account_id, balance_after = row
    entry = Entry(
        pk=entry_id, account_id=account_id, amount=amount, balance_after=balance_after, reason=reason, source=source,
        idempotency_key=idempotency_key, memo=memo, actor_id=actor_id, created_at=now,
    )  # fmt: skip
    entry._state.adding, entry._state.db = False, DEFAULT_DB_ALIAS
    return entry


@functools.cache
def _member_entry_statement():
    """``_apply``'s conditional move and its entry, for a member's account, as one statement."""
    account, entry = Account._meta.db_table, Entry._meta.db_table
    return Statement.of(
        f"WITH moved AS (UPDATE {account} SET balance = balance + %(amount)s::bigint, "
        "total_credited = total_credited + %(credit)s::bigint, total_debited = total_debited + %(debit)s::bigint, "
        "updated_at = %(now)s::timestamptz "
        "WHERE member_id = %(member)s::bigint AND unit = %(unit)s::varchar "
        "AND (%(amount)s::bigint > 0 OR overdraft OR balance >= -%(amount)s::bigint) RETURNING id, balance) "
        f"INSERT INTO {entry} (account_id, amount, balance_after, reason, source, idempotency_key, memo, actor_id, created_at) "
        "SELECT id, %(amount)s::bigint, balance, %(reason)s::varchar, %(source)s::varchar, %(key)s::varchar, "
        "%(memo)s::varchar, %(actor)s::bigint, %(now)s::timestamptz FROM moved RETURNING id, account_id, balance_after"
    )


def _apply(account: Account, amount: int, reason, source, idempotency_key, memo, actor) -> Entry:
    now = timezone.now()
    credit, debit = (amount, 0) if amount > 0 else (0, -amount)
    moving = Account.objects.filter(pk=account.pk)
    if amount < 0 and not account.overdraft:
        moving = moving.filter(balance__gte=-amount)
    updated = moving.update(
        balance=F("balance") + amount,
        total_credited=F("total_credited") + credit,
        total_debited=F("total_debited") + debit,
        updated_at=now,
    )
    if not updated:
        current = Account.objects.values_list("balance", flat=True).get(pk=account.pk)
        raise InsufficientBalance(current, -amount, account.unit)
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
