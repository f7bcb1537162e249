"""The scans' table on monthly partitions (PostgreSQL; ``core.partitions``), its client ids kept
unique across months by ``bags_collection_claim`` (``models.CollectionClaim``).

The claim holds the client id (its primary key: a retried upload, or a concurrent one with the same
id, fails on it as on the unique index it replaces — the scan's conflict handling is unchanged) and
the bag (unique: a second guard of "a bag is collected once", beside the bag row updated under its
lock). Old collection months are never dropped: each is the evidence of a ledger credit
("bags.collection:<id>") and of the statistics; see docs/scaling.md.
"""

from core.partitions import Claim, Partitioned

COLLECTIONS = Partitioned(
    "bags_collection",
    "collected_at",
    retention_setting=None,
    unique=(("bags_collection_client_id_key", "client_id"), ("bags_collection_bag_id_key", "bag_id")),
    claim=Claim("bags_collection_claim", ("client_id", "bag_id", "collected_at"), "collected_at"),
)
