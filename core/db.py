"""Server-side prepared statements for the few hot statements (PostgreSQL only).

Django binds parameters client-side and never prepares: every query is parsed and planned
again. For the scan's one big statement planning costs about 1.5 ms of database CPU, five times
executing it, so the hot paths send their statements through ``prepared_cursor`` instead.

Django also opens psycopg connections with ``prepare_threshold=None``, which turns preparing
off entirely — even a statement executed with ``prepare=True`` is then planned every time.
``prepared_cursor`` sets a threshold that is never reached, so only the statements that ask
(``execute(…, prepare=True)``) are prepared; Django's own queries go through its client-side
cursors, which psycopg never prepares. A prepared statement lives as long as the connection
(``CONN_MAX_AGE`` keeps it for many requests), and its plan with it only because the connection
asks for generic plans (``PG_PLAN_CACHE_MODE`` in the settings): under PostgreSQL's default a
statement over a partitioned table was planned again on every execution.

psycopg also rewrites a statement's ``%(name)s`` placeholders into PostgreSQL's ``$n`` before
each execution and caches the rewrite only for texts up to 4,096 characters; the scan's
statement is longer, and the rewrite cost a tenth of a scan's Python time. ``Statement`` does
that rewrite once, at import, for a ``RawCursor`` (``prepared_cursor(raw=True)``), which sends
the text as it is.
"""

from __future__ import annotations

import re
import select
import time
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

# Executions before psycopg prepares a statement on its own: never, only when asked.
ONLY_WHEN_ASKED = 2**31 - 1


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


@dataclass(frozen=True)
class Statement:
    """A statement written with ``%(name)s`` placeholders, rewritten once into ``$n`` form for a
    raw cursor; ``args`` orders a call's parameters to match (a name used twice is one ``$n``)."""

    text: bytes
    names: tuple[str, ...]

    @classmethod
    def of(cls, sql: str) -> Statement:
        names: list[str] = []

        def number(match: re.Match) -> str:
            if match.group(1) is None:
                return "%"  # ``%%`` is a literal percent sign once nothing rewrites the text
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        return cls(_PLACEHOLDER.sub(number, sql).encode(), tuple(names))

    def args(self, params: dict) -> list:
        return [params[name] for name in self.names]


def int_array(values) -> str:
    """PostgreSQL's text form of a one-dimensional array of integers (None is NULL), for a
    parameter the statement casts (``%(ids)s::bigint[]``). psycopg adapts a list element by
    element in Python — a fifth of a 500-scan upload's Python time — this is one join."""
    return "{" + ",".join(["NULL" if v is None else str(v) for v in values]) + "}"


def text_array(values) -> str:
    """As ``int_array`` for strings (JSON texts too, for ``jsonb[]``), each quoted."""
    return "{" + ",".join(["NULL" if v is None else _quoted(v) for v in values]) + "}"


def iso_array(values) -> str:
    """As ``int_array`` for dates and aware datetimes: ISO 8601 (with the offset) needs no quotes."""
    return "{" + ",".join(["NULL" if v is None else v.isoformat() for v in values]) + "}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Logged:
    """Statements also logged where Django logs its own (DEBUG, the tests' query counting, the
    benchmark's profile) so the hot paths are not invisible there."""

    def execute(self, query, params=None, **kwargs):
        if not connection.queries_logged:
            return super().execute(query, params, **kwargs)
        started = time.monotonic()
        try:
            return super().execute(query, params, **kwargs)
        finally:
            text = query.decode() if isinstance(query, bytes) else str(query)
            connection.queries_log.append({"sql": text, "time": f"{time.monotonic() - started:.3f}"})


class _LoggedCursor(_Logged, psycopg.Cursor):
    pass


class _LoggedRawCursor(_Logged, psycopg.RawCursor):
    pass


def server_prepares() -> bool:
    """Whether statements may be prepared on the server: not behind a pooler in transaction mode
    that cannot carry them (``DATABASE_POOLING = "transaction"``, PgBouncer before 1.21 or without
    ``max_prepared_statements``) — a statement prepared on one server connection would be executed
    by name on another that never saw it. There the connection keeps psycopg's
    ``prepare_threshold = None``: ``execute(…, prepare=True)`` then sends an unnamed statement,
    parsed and planned each time, which any server connection can run."""
    return getattr(settings, "DATABASE_POOLING", "") != "transaction"


@contextmanager
def prepared_cursor(*, raw: bool = False):
    """A psycopg cursor on Django's connection that binds server-side and may prepare; with
    ``raw`` it takes a ``Statement``'s text and a list of arguments.

    Driver errors come out as Django's (IntegrityError, OperationalError…), and a broken
    connection is flagged so that Django does not reuse it.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: every ``connection.…`` looks the alias up again
    _close_if_dropped(db)
    db.ensure_connection()
    conn = db.connection
    if conn.prepare_threshold is None and server_prepares():
        conn.prepare_threshold = ONLY_WHEN_ASKED
    with db.wrap_database_errors:
        yield _kept_cursor(conn, _LoggedRawCursor if raw else _LoggedCursor)


@contextmanager
def one_round_trip_transaction():
    """One transaction for a hot path whose statements all go through ``prepared_cursor`` (and
    only those: nothing else may run inside it), sent in psycopg's pipeline mode on PostgreSQL.

    Outside an explicit transaction, PostgreSQL runs the extended-protocol statements sent before
    a Sync as one implicit transaction, committed by the Sync (rolled back if one failed). So no
    BEGIN and no COMMIT: reading a statement's rows sends a Flush (the round trip the read needs),
    statements whose rows are not read yet ride along, and leaving the block sends the Sync that
    commits them all. A read-then-write transaction is two round trips where ``atomic`` makes
    four (BEGIN, read, write, COMMIT), and the health check's ``SELECT 1`` is not sent either:
    the kept connection is checked as ``prepared_cursor`` checks it.

    What a statement inside wrote is read only after the block, when it is committed (its rows
    wait on the cursor). A failure of a statement whose rows were not read yet is raised as the
    block ends, as Django's error, with everything rolled back. Rows locked by a read (``FOR
    UPDATE``) stay locked until the Sync, as in any transaction.

    Inside an atomic block (a caller's, a test's) or on another database: ``transaction.atomic``.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or db.in_atomic_block or not db.get_autocommit():
        with transaction.atomic():
            yield
        return
    with prepared_cursor(raw=True), db.connection.pipeline():  # the connection checked before the pipeline
        yield


def _close_if_dropped(db) -> None:
    """Close a kept connection that the server has dropped, so that ``ensure_connection`` opens a
    new one, as Django's ``CONN_HEALTH_CHECKS`` does before its own cursors (never for this one:
    after a PostgreSQL restart each web worker's first token request answered 503).

    Between transactions an idle connection has nothing to read; a server that ends it (a
    restart, ``pg_terminate_backend``, an idle timeout) first sends its FATAL notice, so a socket
    with something to read is checked with Django's own ``is_usable`` — one system call per use
    otherwise, where a ``SELECT 1`` would cost a round trip on every scan. Inside a transaction
    nothing is done: its work is lost with the connection anyway, and the error says so.
    """
    conn = db.connection
    if conn is None or db.in_atomic_block or conn.pgconn.pipeline_status:
        return  # inside a transaction (an explicit one, or a pipeline's implicit one)
    if conn.closed or conn.broken or _has_something_to_read(conn):
        if not db.is_usable():
            db.close()


def _has_something_to_read(conn: psycopg.Connection) -> bool:
    try:
        readable, _writable, _failed = select.select([conn.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):  # no socket any more
        return True
    return bool(readable)


def _kept_cursor(conn: psycopg.Connection, kind: type) -> psycopg.Cursor:
    """The connection's cursor of this kind, made on first use and kept as long as the connection.

    A cursor caches how to send each Python type and read each column type; a new cursor per
    statement looked all of them up again. Each execution starts afresh, and Django's connections
    belong to one thread each, so the cursor is never shared.
    """
    kept = conn.__dict__.setdefault("_unionhub_cursors", {})
    cursor = kept.get(kind)
    if cursor is None or cursor.closed:
        cursor = kept[kind] = kind(conn)
    return cursor
