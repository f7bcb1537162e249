"""Real concurrent transactions for the race tests (PostgreSQL): jobs run on threads, each thread
with its own database connection, all released by one barrier so their transactions overlap."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from core.errors import ApiError


def race(jobs: list[Callable], threads: int | None = None, outcome_of_error: Callable = lambda error: error.code) -> list:
    """Run ``jobs`` (callables) on ``threads`` threads (one per job by default) released together.

    Each job's outcome is what it returned, or ``outcome_of_error(error)`` for the ``ApiError``
    it raised; any other exception (a deadlock, a lost lock) is named in the outcome so that a
    test's assertion shows it. The outcomes come in the order the jobs finished."""
    threads = threads or len(jobs)
    chunks = [jobs[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads)
    results, lock = [], threading.Lock()

    def work(chunk):
        try:
            barrier.wait()
            for job in chunk:
                try:
                    outcome = job()
                except ApiError as error:
                    outcome = outcome_of_error(error)
                except Exception as error:  # noqa: BLE001 — reported, not swallowed: the test compares outcomes
                    outcome = f"{type(error).__name__}: {error}"
                with lock:
                    results.append(outcome)
        finally:
            connection.close()  # the thread's own connection, or the server runs out of them

    pool = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results
