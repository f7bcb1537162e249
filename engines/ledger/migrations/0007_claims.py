"""Idempotency keys claimed in ``ledger_entry_claim`` (issue 27): an unpartitioned table keyed by
the key, written by triggers on ``ledger_entry`` in the same statement as each entry (both
backends), so the key stays unique once the entries are partitioned by month (0008). The claims of
the entries already there are backfilled after the triggers are in place, in chunks. See
core/partitions.py.
"""

from django.db import migrations, models


def forward(apps, schema_editor):
    if schema_editor.connection.alias != "default":
        return
    from core import partitions
    from engines.ledger.partitioning import ENTRIES

    partitions.claims_start(ENTRIES)


def backward(apps, schema_editor):
    if schema_editor.connection.alias != "default":
        return
    from core import partitions
    from engines.ledger.partitioning import ENTRIES

    partitions.drop_claims(ENTRIES)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("ledger", "0006_account_holders_and_overdraft"),
        ("core", "0008_partition_logs"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryClaim",
            fields=[
                ("idempotency_key", models.CharField(max_length=120, primary_key=True, serialize=False)),
                ("created_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "verbose_name": "账本记录占用",
                "verbose_name_plural": "账本记录占用",
                "db_table": "ledger_entry_claim",
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
