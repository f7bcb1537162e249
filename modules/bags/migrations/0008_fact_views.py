"""The read-only views other programmes read instead of the bag tables (see ``modules/bags/facts.py``).

The same SQL runs on PostgreSQL and SQLite. A later migration that changes a column these views
use must drop and recreate them (PostgreSQL refuses to alter a column a view depends on).
"""

from django.db import migrations

SCAN_FACTS = """
CREATE VIEW bags_scan_facts AS
SELECT c.id, c.collected_at, c.organisation_id, c.street_id, c.point_id, p.street_id AS point_street_id,
       c.category, c.grade, c.reasons, c.weight_grams, c.owner_id, c.collector_id
FROM bags_collection c JOIN bags_collectionpoint p ON p.id = c.point_id
"""

ISSUE_FACTS = """
CREATE VIEW bags_issue_facts AS
SELECT b.organisation_id, b.created_at AS issued_at, b.created AS bags
FROM bags_bagbatch b WHERE b.status <> 'failed'
"""


class Migration(migrations.Migration):
    dependencies = [("bags", "0007_daily_points_owner_unchecked")]

    operations = [
        migrations.RunSQL(SCAN_FACTS, "DROP VIEW IF EXISTS bags_scan_facts"),
        migrations.RunSQL(ISSUE_FACTS, "DROP VIEW IF EXISTS bags_issue_facts"),
    ]
