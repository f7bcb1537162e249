# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""The platform behind PgBouncer in transaction pooling mode (core/pgprocs.py starts it on a free
port in front of the test database): a real gunicorn with production settings and
``DATABASE_POOLING=transaction`` answers scans at the door (the prepared-statement path), their
replays and conflicts, an API read and the health check, from several threads at once, through
fewer server connections than clients. (Pages are not asked for: production settings serve
static files from a manifest that ``collectstatic`` writes, which the test run does not.)

Debian 12's PgBouncer (1.18) cannot carry named prepared statements across server connections
(``max_prepared_statements`` came with 1.21): the first test shows what goes wrong when a client
prepares anyway, and that the setting's choice — unnamed statements — does not."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from core.models import ApiToken
from core.pgprocs import PgBouncer, free_port
from modules.bags.tests.field_fixtures import bags, bind, scan  # noqa: F401

ROOT = Path(settings.BASE_DIR)
HTTPS = {"X-Forwarded-Proto": "https"}


def _bouncer(pool_size: int) -> PgBouncer:
    params = connection.settings_dict
    return PgBouncer(params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432), pool_size=pool_size)


def _client(bouncer: PgBouncer, **kwargs) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=bouncer.port, user=connection.settings_dict["USER"], dbname=connection.settings_dict["NAME"], **kwargs
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_transaction_pooling_breaks_named_prepared_statements_and_not_the_settings_choice():
    from core import db

    bouncer = _bouncer(pool_size=1)
    try:
        # Two clients share one server connection: both name their first prepared statement
        # "_pg3_0", and the second finds the first's there.
        first, second = _client(bouncer, autocommit=True), _client(bouncer, autocommit=True)
        try:
            first.execute("SELECT 1", prepare=True)
            with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
                second.execute("SELECT 2", prepare=True)
        finally:
            first.close()
            second.close()
        # As the platform connects behind such a pooler: prepare_threshold stays None, and a
        # statement that asks to be prepared is sent unnamed — any server connection runs it.
        with settings_pooling("transaction"):
            assert not db.server_prepares()
        clients = [_client(bouncer, autocommit=True, prepare_threshold=None) for _ in range(3)]
        try:
            for n in range(3):
                for client in clients:
                    assert client.execute("SELECT %s::int + 1", [n], prepare=True).fetchone() == (n + 1,)
        finally:
            for client in clients:
                client.close()
    finally:
        bouncer.stop()


class settings_pooling:
    def __init__(self, mode: str):
        self.mode = mode

    def __enter__(self):
        self.saved = getattr(settings, "DATABASE_POOLING", "")
        settings.DATABASE_POOLING = self.mode

    def __exit__(self, *exc):
        settings.DATABASE_POOLING = self.saved


class Gunicorn:
    """The platform under gunicorn (production settings) with its database behind ``bouncer``."""

    def __init__(self, bouncer: PgBouncer, tmp: Path, workers: int = 2):
        self.port = free_port()
        params = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": f"postgres://{params['USER']}@127.0.0.1:{bouncer.port}/{params['NAME']}",
            "DATABASE_POOLING": "transaction",
            "CONN_MAX_AGE": "600",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REDIS_PREFIX": f"pooler-test-{params['NAME']}",
            "UNIONHUB_VAR_DIR": str(tmp / "var"),
            "MEDIA_ROOT": str(tmp / "media"),
            "BAG_CODE_KEY": settings.BAG_CODE_KEY or settings.SECRET_KEY,
            "PYTHONPATH": str(ROOT),
            "UNIONHUB_DEMO": "1",
        }
        env.pop("SECURE_SSL_REDIRECT", None)
        self.log = tmp / f"gunicorn-{self.port}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
                + ["config.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )
        deadline = time.time() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                self.send("GET", "/healthz", b"", {})
                return
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise
                time.sleep(0.3)

    def send(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{self.port}", **HTTPS, **headers})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_platform_answers_through_pgbouncer_in_transaction_pooling(world, bags, tmp_path):
    token = ApiToken.issue(user=world.collector_a, name="手持机")[1]
    codes = [bags.code(bags.batch_a1, n) for n in range(24)]
    for code in codes:
        bind(world, world.worker_a1, code)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    bouncer = _bouncer(pool_size=2)
    server = None
    try:
        server = Gunicorn(bouncer, tmp_path)
        answers: dict[str, list[int]] = {}
        lock = threading.Lock()

        def scans(part: int) -> None:
            mine = []
            for n, code in enumerate(codes[part::4]):
                body = json.dumps(scan(f"pool-{part}-{n}", code, bags.point_a, weight_grams=500)).encode()
                mine.append(server.send("POST", "/api/v1/bags/scans", body, auth)[0])  # the door, prepared statement
                mine.append(server.send("POST", "/api/v1/bags/scans", body, auth)[0])  # its replay
                other = json.dumps(scan(f"pool-{part}-{n}", code, bags.point_a, category="other")).encode()
                mine.append(server.send("POST", "/api/v1/bags/scans", other, auth)[0])  # same id, other body
                mine.append(server.send("GET", "/api/v1/bags/my-points", b"", auth)[0])  # a read through the ORM
                mine.append(server.send("GET", "/healthz", b"", {})[0])
            with lock:
                answers[part] = mine

        threads = [threading.Thread(target=scans, args=(part,)) for part in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(answers) == [0, 1, 2, 3]
        for mine in answers.values():
            assert mine == [201, 200, 409, 200, 200] * 6, mine
        log = server.log.read_text(errors="replace")
        assert "prepared statement" not in log, log[-3000:]

        pools = [p for p in bouncer.show("POOLS") if p["database"] == connection.settings_dict["NAME"]]
        servers = [s for s in bouncer.show("SERVERS") if s["database"] == connection.settings_dict["NAME"]]
        clients = [c for c in bouncer.show("CLIENTS") if c["database"] == connection.settings_dict["NAME"]]
        stats = [s for s in bouncer.show("STATS") if s["database"] == connection.settings_dict["NAME"]]
        assert pools and pools[0]["pool_mode"] == "transaction"
        assert 1 <= len(servers) <= 2  # the pool's size, whatever the number of clients
        assert len(clients) >= 2  # each gunicorn worker keeps its client connection (CONN_MAX_AGE)
        assert stats[0]["total_xact_count"] >= 24 * 3
    finally:
        if server is not None:
            server.stop()
        bouncer.stop()

    from modules.bags.models import Collection

    assert Collection.objects.filter(client_id__startswith="pool-").count() == 24
