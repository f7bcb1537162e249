"""sortstats reads the bag programme only through what the bag app declares (issue 19)."""

import re
from pathlib import Path

import modules.sortstats as package
from modules.bags import facts
from modules.sortstats import selectors

SOURCE = Path(package.__file__).parent


def _sources():
    return [p for p in SOURCE.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def test_no_bag_table_named_and_no_bag_models_imported():
    for path in _sources():
        text = path.read_text()
        tables = set(re.findall(r"\bbags_[a-z][a-z_]*\b", text)) - {"bags_issued", "bags_used", facts.SCAN_FACTS, facts.ISSUE_FACTS}
        assert not tables, f"{path} names bag tables {tables}: read them through modules.bags.facts"
        assert "modules.bags.models" not in text, f"{path} imports the bag models: use modules.bags.facts"


def test_the_declared_views_exist_and_answer(db):
    from django.db import connection

    with connection.cursor() as cursor:
        for view in (facts.SCAN_FACTS, facts.ISSUE_FACTS):
            cursor.execute(f"SELECT COUNT(*) FROM {view}")
            assert cursor.fetchone() == (0,)


def test_public_names_still_importable_from_selectors():
    for name in ("Filters", "parse_filters", "volume_summary", "heatmap", "anomalies", "jump_test", "CHARTS", "chart"):
        assert hasattr(selectors, name)
    assert len(selectors.CHARTS) == 16
