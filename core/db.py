"""Server-side prepared statements for the few hot statements (PostgreSQL only).

Django binds parameters client-side and never prepares: every query is parsed and planned
again. For the scan's one big statement planning costs about 1.5 ms of database CPU, five times
executing it, so the hot paths send their statements through ``prepared_cursor`` instead.

Django also opens psycopg connections with ``prepare_threshold=None``, which turns preparing
off entirely — even a statement executed with ``prepare=True`` is then planned every time.
``prepared_cursor`` sets a threshold that is never reached, so only the statements that ask
(``execute(…, prepare=True)``) are prepared; Django's own queries go through its client-side
cursors, which psycopg never prepares. A prepared statement lives as long as the connection
(``CONN_MAX_AGE`` keeps it for many requests).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import psycopg
from django.db import connection

# Executions before psycopg prepares a statement on its own: never, only when asked.
ONLY_WHEN_ASKED = 2**31 - 1


class _LoggedCursor(psycopg.Cursor):
    """psycopg's cursor, whose statements are also logged where Django logs its own (DEBUG, the
    tests' query counting, the benchmark's profile) so the hot paths are not invisible there."""

    def execute(self, query, params=None, **kwargs):
        if not connection.queries_logged:
            return super().execute(query, params, **kwargs)
        started = time.monotonic()
        try:
            return super().execute(query, params, **kwargs)
        finally:
            connection.queries_log.append({"sql": str(query), "time": f"{time.monotonic() - started:.3f}"})


@contextmanager
def prepared_cursor():
    """A psycopg cursor on Django's connection that binds server-side and may prepare.

    Driver errors come out as Django's (IntegrityError, OperationalError…), and a broken
    connection is flagged so that Django does not reuse it.
    """
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = ONLY_WHEN_ASKED
    with connection.wrap_database_errors, _LoggedCursor(raw) as cursor:
        yield cursor
