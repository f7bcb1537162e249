# Every credit and debit rewrites its account's row (balance, totals, updated_at), none of them
# indexed: with room left on the page the new version is heap-only (HOT) and no index changes.

from django.db import migrations


def _fillfactor(percent):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":  # SQLite has no fillfactor
            schema_editor.execute(f"ALTER TABLE ledger_account SET (fillfactor = {percent})")

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0002_lean_indexes"),
    ]

    operations = [
        migrations.RunPython(_fillfactor(80), _fillfactor(100)),
    ]
