"""``ledger_entry`` becomes a monthly range-partitioned table on PostgreSQL (issue 27); SQLite
keeps the plain table. The model does not change: Django still treats ``id`` as the primary key (in
SQL it is (id, created_at)) and ``idempotency_key`` as unique — the claim table (0007) keeps it
unique; the table itself has a plain index on it. A database with entries is converted by
attaching the old table as the ``ledger_entry_legacy`` partition (``core.partitions.convert``).
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.alias != "default":
        return
    from core import partitions
    from engines.ledger.partitioning import ENTRIES

    partitions.drop_like_index(ENTRIES)
    # No second backfill: 0010/0007 installed the claim triggers first (CREATE TRIGGER waits for
    # every transaction that was inserting), then claimed the rows already there, so every row
    # since is claimed by its own insert. Re-reading every row here was a third of this step.
    partitions.convert(ENTRIES)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.alias != "default":
        return
    from core import partitions
    from engines.ledger.partitioning import ENTRIES

    partitions.unconvert(ENTRIES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ledger", "0007_claims")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
