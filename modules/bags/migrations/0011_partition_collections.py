"""``bags_collection`` becomes a monthly range-partitioned table on PostgreSQL (issue 27); SQLite
keeps the plain table. The model does not change: Django still treats ``id`` as the primary key (in
SQL it is (id, collected_at)), and ``client_id`` / ``bag`` are still declared unique — the claim
table (0010) keeps them unique; the table itself has plain indexes on them. A database with
collections is converted by attaching the old table as the ``bags_collection_legacy`` partition
(``core.partitions.convert``: indexes built CONCURRENTLY, a CHECK validated while writers go on,
then one short swap). The view ``bags_scan_facts`` is made again over the new table.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.alias != "default":
        return
    from core import partitions
    from modules.bags.partitioning import COLLECTIONS

    partitions.drop_like_index(COLLECTIONS)
    # No second backfill: 0010/0007 installed the claim triggers first (CREATE TRIGGER waits for
    # every transaction that was inserting), then claimed the rows already there, so every row
    # since is claimed by its own insert. Re-reading every row here was a third of this step.
    partitions.convert(COLLECTIONS)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.alias != "default":
        return
    from core import partitions
    from modules.bags.partitioning import COLLECTIONS

    partitions.unconvert(COLLECTIONS)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("bags", "0010_claims")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
