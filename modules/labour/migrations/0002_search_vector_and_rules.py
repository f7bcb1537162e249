"""PostgreSQL: a generated tsvector('simple') over the articles' jieba tokens, with a GIN index
(SQLite searches the same column with LIKE). All databases: the default risk rules."""

from django.db import migrations

FORWARD = """
ALTER TABLE labour_lawarticle
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX labour_lawarticle_search_gin ON labour_lawarticle USING GIN (search_vector);
"""
BACKWARD = """
DROP INDEX IF EXISTS labour_lawarticle_search_gin;
ALTER TABLE labour_lawarticle DROP COLUMN IF EXISTS search_vector;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


def default_rules(apps, schema_editor):
    from modules.labour.services import DEFAULT_RULES

    RiskRule = apps.get_model("labour", "RiskRule")
    for code, label, indicator, threshold, level, opens_case in DEFAULT_RULES:
        RiskRule.objects.get_or_create(
            code=code, defaults={"label": label, "indicator": indicator, "threshold": threshold, "level": level, "opens_case": opens_case}
        )


class Migration(migrations.Migration):
    dependencies = [("labour", "0001_initial")]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(default_rules, migrations.RunPython.noop),
    ]
