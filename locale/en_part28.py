"""English for the part28 branch (source language: zh-hans): the claim tables that keep the scans'
client ids and the ledger's idempotency keys unique once their tables are partitioned by month."""

EN = {
    # modules/bags/models.py: CollectionClaim
    "回收记录占用": "Collection claim",
    # engines/ledger/models.py: EntryClaim
    "账本记录占用": "Ledger entry claim",
}
