"""The periodic jobs' runner: each job on its own thread and its own schedule.

A job (``registry.add_periodic_job``) runs every ``every_seconds`` (from the start of its last run)
on a thread of its own, so a slow one (a month's rollup) never delays another (the 5-second
ranking feed), and a job never overlaps itself. Each thread keeps its own database connection,
closed when it stops. A failing job is logged and runs again at its next turn.

The clock is injected so tests can drive the schedule without waiting for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection

log = logging.getLogger("unionhub.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    func: Callable[[], object]


class Scheduler:
    def __init__(self, jobs: list[Job], *, clock: Callable[[], float] = time.monotonic, poll_seconds: float = 1.0):
        self.jobs = jobs
        self.clock = clock
        # The longest a thread sleeps before it looks at the clock again (and at the stop flag).
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), name=f"job:{job.name}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every thread to stop and wait a while for the running jobs to finish."""
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def run_once(self) -> None:
        """Every job once, one after another (``manage.py scheduler --once``)."""
        for job in self.jobs:
            run_job(job)

    def _loop(self, job: Job) -> None:
        try:
            next_run = self.clock()
            while not self.stopping.is_set():
                now = self.clock()
                if now >= next_run:
                    run_job(job)
                    # Counted from the start, so the 5-second feed keeps its beat; a job that
                    # overruns its period runs again at once, never twice at the same time.
                    next_run = now + job.every_seconds
                else:
                    self.stopping.wait(min(self.poll_seconds, next_run - now))
        finally:
            connection.close()  # this thread's own connection


def run_job(job: Job) -> None:
    close_old_connections()
    started = time.monotonic()
    try:
        result = job.func()
    except Exception:  # one failing job must not stop it or the others
        log.exception("job %s failed", job.name, extra={"job": job.name})
    else:
        seconds = round(time.monotonic() - started, 3)
        log.info("job %s done in %s s: %s", job.name, seconds, result, extra={"job": job.name, "result": result, "seconds": seconds})
    finally:
        close_old_connections()
