"""Client ids claimed in ``bags_collection_claim`` (issue 27): an unpartitioned table keyed by the
client id, written by triggers on ``bags_collection`` in the same statement as each collection (both
backends), so the id stays unique once the collections are partitioned by month (0011). The claims
of the collections already there are backfilled after the triggers are in place, in chunks (writers
go on meanwhile; until 0011 the old unique constraints still stand too). See core/partitions.py.
"""

from django.db import migrations, models


def forward(apps, schema_editor):
    if schema_editor.connection.alias != "default":
        return
    from core import partitions
    from modules.bags.partitioning import COLLECTIONS

    partitions.claims_start(COLLECTIONS)


def backward(apps, schema_editor):
    if schema_editor.connection.alias != "default":
        return
    from core import partitions
    from modules.bags.partitioning import COLLECTIONS

    partitions.drop_claims(COLLECTIONS)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("bags", "0009_restore_foreign_keys"),
        ("core", "0008_partition_logs"),
    ]

    operations = [
        migrations.CreateModel(
            name="CollectionClaim",
            fields=[
                ("client_id", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("bag_id", models.BigIntegerField(unique=True)),
                ("collected_at", models.DateTimeField(db_index=True)),
            ],
            options={
                "verbose_name": "回收记录占用",
                "verbose_name_plural": "回收记录占用",
                "db_table": "bags_collection_claim",
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
