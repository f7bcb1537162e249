"""``core.db.prepared_cursor`` keeps one cursor of each kind per connection (its adapter caches
saved a tenth of a single scan's Python): the same cursor serves statement after statement, a
failed statement leaves it usable, and a new connection gets a new one."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction

from core.db import Statement, prepared_cursor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _one(sql: str, **params):
    statement = Statement.of(sql)
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(statement.text, statement.args(params))
        return cursor, cursor.fetchone()


def test_the_same_cursor_serves_each_statement_with_its_own_results():
    first, row = _one("SELECT %(n)s::int + 1", n=1)
    second, again = _one("SELECT %(t)s::text, %(n)s::bigint", t="二", n=3)
    assert first is second
    assert (row, again) == ((2,), ("二", 3))
    with prepared_cursor() as plain:  # the %s kind is a cursor of its own
        assert plain is not first


def test_a_failed_statement_leaves_the_cursor_usable_and_comes_out_as_djangos_error():
    with pytest.raises(DataError), transaction.atomic():
        _one("SELECT 1 / %(zero)s::int", zero=0)
    _cursor, row = _one("SELECT %(n)s::int * 2", n=21)
    assert row == (42,)


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_gets_a_new_cursor():
    before, _row = _one("SELECT 1")
    connection.close()
    after, row = _one("SELECT 2")
    assert after is not before and row == (2,)
    assert before.closed or before.connection.closed


def test_prepared_statements_keep_one_generic_plan_over_partitioned_tables():
    """Left to ``auto``, PostgreSQL planned a prepared statement that reads a partitioned table
    again on every execution (the generic plan's estimate counts every month): two thirds of a
    scan. The connection asks for generic plans (settings ``PG_PLAN_CACHE_MODE``); the generic
    plan still prunes months at run time."""
    _cursor, (mode,) = _one("SELECT current_setting('plan_cache_mode')")
    assert mode == "force_generic_plan"
    with connection.cursor() as cursor:
        cursor.execute("PREPARE uh_month(timestamptz) AS SELECT count(*) FROM bags_collection WHERE collected_at = $1")
        try:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE uh_month(now())")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE uh_month")
    assert "Subplans Removed" in plan  # generic (a custom plan prunes before it is made), and pruned
