"""``core.db.one_round_trip_transaction``: a hot path's read-then-write transaction sent in
psycopg's pipeline mode — no BEGIN, no COMMIT, a Flush for the read and a Sync for the rest —
with everything a transaction promises: all or nothing, locks held to the end, the errors
Django's, the connection usable afterwards. Inside an atomic block it is that block's savepoint."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, connections, transaction

from core.db import Statement, one_round_trip_transaction, prepared_cursor
from core.tests.concurrency import race
from core.tests.pgtrace import traced

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TABLE = "uh_test_one_round_trip"


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id int PRIMARY KEY, n int NOT NULL)")
        cursor.execute(f"INSERT INTO {TABLE} VALUES (1, 0)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")


def _send(sql: str, **params):
    statement = Statement.of(sql)
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(statement.text, statement.args(params), prepare=True)
        return cursor


def _count(n: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n FROM {TABLE} WHERE id = %s", [n])
        row = cursor.fetchone()
    return row[0] if row else None


def _read_then_write():
    with one_round_trip_transaction():
        (n,) = _send(f"SELECT n FROM {TABLE} WHERE id = %(id)s::int FOR UPDATE", id=1).fetchone()
        written = _send(f"UPDATE {TABLE} SET n = %(n)s::int WHERE id = 1 RETURNING n", n=n + 1)
    return written.fetchone()[0]


def test_a_read_then_write_is_a_flush_and_a_sync_with_no_begin_or_commit(table):
    _read_then_write()  # prepares both statements on this connection
    trace = traced(_read_then_write)
    assert trace.count("Query") == 0  # no BEGIN, no COMMIT, no health check's SELECT 1
    assert trace.count("Sync") == 1 and trace.round_trips == 2
    assert _count(1) == 2


def test_what_it_wrote_is_committed_when_the_block_ends(table):
    assert _read_then_write() == 1
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # another session sees it: committed
            cursor.execute(f"SELECT n FROM {TABLE} WHERE id = 1")
            assert cursor.fetchone() == (1,)
    finally:
        other.close()


def test_a_failed_write_rolls_back_the_whole_block_as_djangos_error_and_the_connection_goes_on(table):
    with pytest.raises(IntegrityError), one_round_trip_transaction():
        _send(f"UPDATE {TABLE} SET n = 5 WHERE id = 1")
        _send(f"INSERT INTO {TABLE} VALUES (%(id)s::int, 0)", id=1)  # the primary key refuses it
    assert _count(1) == 0  # the first write was rolled back with it
    assert connection.connection.pgconn.pipeline_status == 0
    assert _read_then_write() == 1


def test_an_exception_in_python_ends_the_block_and_keeps_nothing_but_what_was_committed(table):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), one_round_trip_transaction():
        _send(f"SELECT n FROM {TABLE} WHERE id = 1 FOR UPDATE").fetchone()
        raise Refused  # a decision taken on the read: nothing written, the lock released
    assert _read_then_write() == 1


def test_the_read_s_lock_is_held_until_the_block_ends(table):
    """Read-then-write blocks on the same row at once, on four connections: each waits for the
    one before to reach its Sync, so no increment is lost."""
    outcomes = race([_read_then_write] * 100, threads=4)
    assert sorted(outcomes) == list(range(1, 101))
    assert _count(1) == 100


def test_inside_an_atomic_block_it_is_a_savepoint_of_that_block(table):
    with transaction.atomic():
        assert _read_then_write() == 1
        with pytest.raises(IntegrityError), one_round_trip_transaction():
            _send(f"UPDATE {TABLE} SET n = 7 WHERE id = 1")
            _send(f"INSERT INTO {TABLE} VALUES (1, 0)").fetchone()
        assert _count(1) == 1  # only the inner block was rolled back
        assert connection.in_atomic_block and connection.connection.pgconn.pipeline_status == 0
    assert _count(1) == 1


def test_a_connection_the_server_ended_is_replaced_before_the_block_starts(table):
    from tests.trust.test_connection_drop import backend_pid, end_backend

    assert _read_then_write() == 1
    before = backend_pid()
    end_backend(before)
    assert _read_then_write() == 2
    assert backend_pid() != before
