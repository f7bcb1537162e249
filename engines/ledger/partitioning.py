"""The ledger's entries on monthly partitions (PostgreSQL; ``core.partitions``), their idempotency
keys kept unique across months by ``ledger_entry_claim`` (``models.EntryClaim``): a second entry
with a key already posted fails on the claim's primary key as it did on the unique index, whatever
month it would fall in. The ledger is the record of points and money: its months are never
dropped (no retention setting); see docs/scaling.md.
"""

from core.partitions import Claim, Partitioned

ENTRIES = Partitioned(
    "ledger_entry",
    "created_at",
    retention_setting=None,
    unique=(("ledger_entry_idempotency_key_key", "idempotency_key"),),
    claim=Claim("ledger_entry_claim", ("idempotency_key", "created_at"), "created_at"),
)
