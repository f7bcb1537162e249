"""``core.db.int_array`` / ``text_array``: the text form of arrays the hot statements cast
(``$1::bigint[]``) must read back in PostgreSQL exactly as the Python values they came from,
whatever a client-chosen text holds (quotes, backslashes, commas, braces, NULL-looking words)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from core.db import Statement, int_array, iso_array, prepared_cursor, text_array

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

AWKWARD = ["plain", 'a"b', "back\\slash", "c,d", "{braces}", "NULL", "null", "", " spaced ", "中文，逗号", "'single'", "end\\"]


def _read_back(sql: str, **params):
    statement = Statement.of(sql)
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(statement.text, statement.args(params))
        return cursor.fetchone()


def test_integers_and_nulls_read_back():
    values = [1, None, -5, 2**62, 0]
    assert _read_back("SELECT %(v)s::bigint[]", v=int_array(values)) == (values,)
    assert _read_back("SELECT %(v)s::int[]", v=int_array([])) == ([],)


def test_awkward_texts_read_back_exactly():
    values = [*AWKWARD, None]
    assert _read_back("SELECT %(v)s::text[]", v=text_array(values)) == (values,)


def test_dates_times_and_json_read_back():
    beijing = timezone(timedelta(hours=8))
    times = [datetime(2026, 11, 25, 7, 0, 0, 123456, tzinfo=UTC), datetime(2026, 1, 1, 8, 30, tzinfo=beijing)]
    days = [date(2026, 11, 25), date(2024, 2, 29)]
    reasons = [json.dumps(["mixed_other", 'x"y']), json.dumps([])]
    got_times, got_days, got_json = _read_back(
        "SELECT %(t)s::timestamptz[], %(d)s::date[], %(j)s::jsonb[]", t=iso_array([*times, None]), d=iso_array(days), j=text_array(reasons)
    )
    assert got_times == [*times, None]
    assert got_days == days
    assert [json.loads(v) if isinstance(v, str) else v for v in got_json] == [["mixed_other", 'x"y'], []]
