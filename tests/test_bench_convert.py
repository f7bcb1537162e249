"""The convert benchmark's own steps at a tiny size (bench/suites/convert.py): a scratch database
migrated to the layout before the partitioning and loaded by the data-set generator, then converted
by ``manage.py migrate`` as documented. The tables must come out partitioned, with every row kept
and claimed and the books still balanced. PostgreSQL only (partitions); the scratch database is
named after the test database's (``<name>_convert_test``) and dropped at the end."""

from __future__ import annotations

import dataclasses

import pytest
from django.conf import settings

from bench import env
from bench.scales import Scale
from bench.suites import convert

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def scratch(monkeypatch):
    # The bench's databases are named "<prefix>_<scale>": this one after the database of the run.
    monkeypatch.setenv("BENCH_DATABASE_PREFIX", settings.DATABASES["default"]["NAME"].removeprefix("test_"))
    scale = Scale("convert_test", organisations=12, members=400, bags=3_000, logged_in=40)
    yield scale
    convert.drop_database(scale.database)
    convert.drop_database(dataclasses.replace(scale, name="convert_template").database)


def test_the_plain_layout_loaded_then_converted_keeps_every_row(scratch):
    secret = env.new_secret_key()
    loaded = convert.load_plain(scratch, secret)
    assert "bags.0009_restore_foreign_keys" in loaded["targets"]
    assert "ledger.0006_account_holders_and_overdraft" in loaded["targets"]
    before = convert.table_facts(scratch)
    for table in convert.PARTITIONED:
        assert before[table]["kind"] == "r", table
        assert before[table]["claims"] is None, table  # no claim table yet
        assert before[table]["rows"] > 1_000, table
    assert before["ledger_mismatches"] == 0

    out = convert.convert(scratch, secret)

    after = convert.table_facts(scratch)
    for table in convert.PARTITIONED:
        assert after[table]["kind"] == "p", table
        assert after[table]["rows"] == before[table]["rows"], table
        assert 0 < after[table]["recent"] <= after[table]["claims"] <= before[table]["rows"], table  # the claim window's rows
        assert after[table]["unclaimed"] == 0, table
        assert after[table]["partitions"] >= 2, table  # the legacy partition and the months after it
        assert 0 <= out["swaps"][table]["lock_ms"] < 5_000, table
    assert after["ledger_mismatches"] == 0
    assert [s["migration"] for s in out["steps"]][:4] == [f"{a}.{n}" for a, n in convert.CONVERSION]
    backfill = {s["migration"]: s["statements"].get("claims_backfill", 0) for s in out["steps"]}
    assert backfill["bags.0010_claims"] > 0 and backfill["ledger.0007_claims"] > 0
    with env.connect(scratch, autocommit=True) as conn:
        legacy = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'bags_collection_legacy'::regclass AND inhparent = 'bags_collection'::regclass"
        ).fetchone()[0]
    assert legacy == 1
