"""The fund's ledger accounts (holder keys) — one place, so every read and write names them alike.

fund:<F>:source            overdraft: where the budget came from (a grant, the union's budget)
fund:<F>:budget            the fund's budget not allocated to a purpose
fund:<F>:purpose:<P>       what a purpose may still approve (its remaining budget)
fund:<F>:app:<A>:commit    an approved application's reserved money, until it is paid
fund:<F>:app:<A>:paid      what was paid for an application (less returns)
"""

from __future__ import annotations

UNIT = "fen"


def source(fund_id: int) -> str:
    return f"fund:{fund_id}:source"


def budget(fund_id: int) -> str:
    return f"fund:{fund_id}:budget"


def purpose(fund_id: int, purpose_id: int) -> str:
    return f"fund:{fund_id}:purpose:{purpose_id}"


def commit(fund_id: int, application_id: int) -> str:
    return f"fund:{fund_id}:app:{application_id}:commit"


def paid(fund_id: int, application_id: int) -> str:
    return f"fund:{fund_id}:app:{application_id}:paid"


def prefix(fund_id: int) -> str:
    return f"fund:{fund_id}:"


REASONS = {
    "fund_budget": "专项基金预算拨入",
    "fund_allocate": "专项基金额度分配",
    "fund_commit": "专项基金批准预留",
    "fund_release": "专项基金预留释放",
    "fund_pay": "专项基金拨付",
    "fund_return": "专项基金退回",
    "fund_transfer": "专项基金额度调剂",
    "fund_carry": "专项基金年度结转",
}
