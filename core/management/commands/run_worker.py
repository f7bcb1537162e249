"""The task worker: django-tasks-db's ``db_worker`` that survives its database connection dropping.

``db_worker`` re-raises any ``OperationalError`` but a locked SQLite file, so PostgreSQL ending its
connection (a restart, a failover, ``pg_terminate_backend``) ended the process and every job
waited until someone started it again (issue 29, finding 5). Here django-tasks-db's own
``Worker`` runs the loop; when the database goes away the broken connection is closed and the loop
starts again after a pause that doubles up to half a minute while the database stays away.
Arguments are ``db_worker``'s.
"""

from __future__ import annotations

import logging
import os
import time

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

log = logging.getLogger("unionhub.worker")

FIRST_PAUSE = 0.5  # seconds before the first reconnection
LONGEST_PAUSE = 30.0


class ReconnectingWorker(db_worker.Worker):
    def run(self) -> None:
        pause = FIRST_PAUSE
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks reached, or asked to stop
            except (OperationalError, InterfaceError) as error:
                if not self.running:
                    return
                if time.monotonic() - started > LONGEST_PAUSE:
                    pause = FIRST_PAUSE  # it had been running well: a new outage
                log.warning("database connection lost (%s); reconnecting in %.1f s", str(error).strip(), pause)
                _close_connections()
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
                self.startup_delay = False  # the thundering-herd delay is for the first start only


def _close_connections() -> None:
    """Drop the broken connections: the next query opens new ones."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            pass  # closing a connection the server has already ended may complain; it is gone


class Command(db_worker.Command):
    help = "任务进程：运行后台任务（导入、标签 PDF、报表、导出）；数据库断线或重启后自动重连。"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        excluded = exclude_queues.split(",") if exclude_queues else []
        queue_names = queue_name.split(",")
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ReconnectingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child the reloader starts
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
