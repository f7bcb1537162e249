"""The ledger's write as SQL, for a caller that records its own rows and their credit in one statement.

``entry_post`` (``services.py``) is the ledger's write for Python callers. A hot path that writes
its own row and the credit it earns in one SQL statement (one round trip, no transaction of its
own) composes ``credit_ctes`` into that statement instead of writing ``ledger_account`` /
``ledger_entry`` itself, so the books are kept by this module either way: the account is created
or moved by an upsert, the entry carries the balance after it, and both happen in the same
statement — the invariant ``balance == sum of the account's entries`` (``manage.py ledger_check``)
holds as with ``entry_post``.

The engine knows nothing of its callers: the rows to credit, the reason and the keys are theirs.
"""

from __future__ import annotations

from engines.ledger.models import Account


def credit_ctes(
    *, rows: str, reason: str, actor: str, now: str, unit: str = Account.Unit.POINTS, memo: str = "''"
) -> list[tuple[str, str]]:
    """Three CTEs, ``acc``, ``accs`` and ``ent``, crediting each row of ``rows`` to its member's account.

    ``rows`` is a SELECT (over the caller's own CTEs) giving ``member_id``, ``amount`` and ``key``
    (the entry's source and idempotency key); rows with ``amount <= 0`` are skipped. ``reason``,
    ``actor``, ``now`` and ``memo`` (the entry's memo, at most 200 characters; blank unless
    given) are SQL expressions (usually placeholders). A member may appear at most
    once in ``rows``: an upsert cannot move one account twice in a statement, and the entry's
    ``balance_after`` is the balance the upsert returns. Accounts are locked in member order, so
    two such statements cannot deadlock on them.

    Each entry finds its account by position in arrays of the upsert's rows (``accs``, a search
    in C), not by a join: PostgreSQL estimates one row for a data-modifying CTE, so a join with
    ``acc`` was a nested loop — 500 × 500 rows for a batch upload, a fifth of its statement. The
    arrays are read by uncorrelated scalar subqueries, computed once (a CTE joined once would be
    inlined and aggregated again for every row).
    """
    if unit not in Account.Unit.values:
        raise ValueError(f"unknown ledger unit {unit!r}")
    account = f"""
  INSERT INTO ledger_account (member_id, unit, balance, total_credited, total_debited, updated_at)
  SELECT c.member_id, '{unit}', c.amount, c.amount, 0, {now} FROM ({rows}) AS c WHERE c.amount > 0 ORDER BY c.member_id
  ON CONFLICT (member_id, unit) DO UPDATE SET balance = ledger_account.balance + EXCLUDED.balance,
    total_credited = ledger_account.total_credited + EXCLUDED.total_credited, updated_at = EXCLUDED.updated_at
  RETURNING id, member_id, balance"""
    accounts = "SELECT array_agg(member_id) AS members, array_agg(id) AS ids, array_agg(balance) AS balances FROM acc"
    entry = f"""
  INSERT INTO ledger_entry (account_id, amount, balance_after, reason, source, idempotency_key, memo, actor_id, created_at)
  SELECT (SELECT ids FROM accs)[p.at], c.amount, (SELECT balances FROM accs)[p.at], {reason}, c.key, c.key, {memo}, {actor}, {now}
  FROM ({rows}) AS c CROSS JOIN LATERAL (SELECT array_position((SELECT members FROM accs), c.member_id) AS at) AS p
  WHERE p.at IS NOT NULL
  RETURNING id"""
    return [("acc", account), ("accs", accounts), ("ent", entry)]
