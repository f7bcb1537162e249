"""The audit log and the personal-data access log become monthly range-partitioned tables on
PostgreSQL (issue 27); SQLite keeps plain tables. The models do not change: Django still treats
``id`` as the primary key (in SQL it is (id, at)). See core/partitions.py and docs/scaling.md.

Not atomic: on a database with rows the conversion builds an index CONCURRENTLY and validates a
CHECK while writers go on, then swaps the tables in one short transaction (``partitions.convert``).
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.alias != "default":
        return
    from core import partitions

    for spec in partitions.LOGS:
        partitions.convert(spec)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or schema_editor.connection.alias != "default":
        return
    from core import partitions

    for spec in partitions.LOGS:
        partitions.unconvert(spec)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0007_wechat_binding"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
