"""PostgreSQL ending a connection (a restart, a failover, ``pg_terminate_backend``) costs no request
and stops no worker (issue 29, findings 5 and 6).

Each test ends the real backend of a connection from another connection and waits until it is
gone, as a restart does to every connection at once; then the platform must carry on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from core.models import ApiToken
from core.tests import wsgi
from modules.bags import codes as bag_codes
from modules.bags import services as bags

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_broken_connection_left():
    """A test that fails leaves the test's connection ended: close it so the clean-up runs."""
    yield
    if connection.connection is not None and not connection.is_usable():
        connection.close()


def end_backend(pid: int) -> None:
    """``pg_terminate_backend`` from another connection, then wait until the backend has exited."""
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    try:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        for _attempt in range(200):
            if other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0] == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"backend {pid} still there")
    finally:
        other.close()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def field(world):
    staff = world.district_staff
    batch = bags.batch_create(actor=staff, organisation=world.org_a1, size=20, note="")
    point = bags.point_create(actor=staff, street=world.street_a, name="断线收集点", collectors=[world.collector_a])
    _token, raw = ApiToken.issue(user=world.collector_a, name="drop")
    return {"raw": raw, "point": point, "code": lambda i: bag_codes.encode(batch.first_bag_id + i)}


def scan(field, i: int) -> dict:
    return {"client_id": f"drop-{i}", "code": field["code"](i), "point_id": field["point"].pk, "category": "kitchen", "grade": "correct"}


# -- finding 6: the kept cursor of token requests -----------------------------------------------


def test_a_token_request_on_a_dropped_connection_is_answered(field):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {field['raw']}")
    assert client.get("/api/v1/core/me").status_code == 200  # the connection is made and kept
    end_backend(backend_pid())
    response = client.get("/api/v1/core/me")
    assert response.status_code == 200, response.content  # before: 503 service_unavailable


def test_a_batch_upload_on_a_dropped_connection_is_answered(field):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {field['raw']}")
    assert client.get("/api/v1/core/me").status_code == 200
    end_backend(backend_pid())
    body = json.dumps({"items": [scan(field, 1), scan(field, 2)]})
    response = client.post("/api/v1/bags/scans/batch", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2


def test_a_scan_at_the_door_on_a_dropped_connection_is_answered(field):
    assert wsgi.post("/api/v1/bags/scans", json.dumps(scan(field, 3)), token=field["raw"]).status_code == 201
    end_backend(backend_pid())
    response = wsgi.post("/api/v1/bags/scans", json.dumps(scan(field, 4)), token=field["raw"])
    assert response.status_code == 201, response.content
    assert response.answered_early  # by the hot path itself, on a new connection


# -- finding 5: the task worker -----------------------------------------------------------------


def test_the_task_worker_reconnects_after_its_backend_was_ended(tmp_path, settings):
    """The worker as production runs it (``manage.py run_worker``, the database task backend) in a
    process of its own against the test database; its backend is ended; a job enqueued afterwards
    is still done."""
    from core.tests.worker_probe import probe_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # enqueue as production does
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.tests.worker_settings",
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first = probe_task.enqueue(str(tmp_path / "first"))
        _wait_for(lambda: (tmp_path / "first").exists(), worker, log, "the first job")
        pids = _worker_backends()
        assert pids, "the worker holds no connection"
        for pid in pids:
            end_backend(pid)
        second = probe_task.enqueue(str(tmp_path / "second"))
        _wait_for(lambda: (tmp_path / "second").exists(), worker, log, "the job enqueued after the backend was ended")
        assert worker.poll() is None, _tail(log)
        assert first.id != second.id
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        log.close()


def _database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [row[0] for row in cursor.fetchall()]


def _wait_for(done, worker, log, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.returncode}) before {what}:\n{_tail(log)}")
        time.sleep(0.1)
    raise AssertionError(f"{what} was not done in {seconds} s:\n{_tail(log)}")


def _tail(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-3000:]
