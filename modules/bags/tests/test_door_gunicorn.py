# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""The door (core/hot_path.py, modules/bags/hot_path.py) answers exactly as the full stack does,
on the wire: the platform under a real gunicorn, production settings, once with ``HOT_PATHS`` on
and once off, each on its own copy of one database (same rows, same sequences), is sent the same
requests of every kind; status line, every header but ``Date`` (names, values, order) and the body
must be the same bytes."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from core.models import ApiToken
from modules.bags import codes
from modules.bags.tests.field_fixtures import bags, bind, scan  # noqa: F401

ROOT = Path(settings.BASE_DIR)
URL = "/api/v1/bags/scans"
HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS proxy in front of production says


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin(dsn_params: dict) -> psycopg.Connection:
    params = {k: v for k, v in dsn_params.items() if k in ("host", "port", "user", "password") and v}
    return psycopg.connect(dbname="postgres", autocommit=True, **params)


class Server:
    """gunicorn serving config.wsgi on a free loopback port against ``database``."""

    def __init__(self, database: str, *, hot: bool, tmp: Path):
        self.port = _free_port()
        params = connection.settings_dict
        url = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{database}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": url,
            "HOT_PATHS": "true" if hot else "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONN_MAX_AGE": "600",
            "REDIS_PREFIX": f"door-test-{database}",  # the abuse budgets of the two servers apart
            "UNIONHUB_VAR_DIR": str(tmp / "var"),
            "MEDIA_ROOT": str(tmp / "media"),
            "LOG_LEVEL": "DEBUG" if hot else "WARNING",  # the door says what it answered
            "BAG_CODE_KEY": settings.BAG_CODE_KEY or settings.SECRET_KEY,  # the labels the test printed
            "PYTHONPATH": str(ROOT),
            # django-csp 4.0 writes the policy's directives in the order of a set: two processes of
            # the same stack differ there unless their string hashes agree.
            "PYTHONHASHSEED": "0",
            # Production refuses to start without a real SMS gateway (core/checks.py); this
            # server sends no codes, so the demo's console backend is allowed here.
            "UNIONHUB_DEMO": "1",
        }
        env.pop("SECURE_SSL_REDIRECT", None)  # production's own: plain HTTP is redirected
        self.log = tmp / f"gunicorn-{self.port}.log"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "config.wsgi:application"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )
        self._wait()

    def _wait(self) -> None:
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                self.send("GET", "/api/v1/openapi.json", b"", HTTPS)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-2000:]}")

    def send(self, method: str, path: str, body: bytes, headers: dict) -> tuple[str, list, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{self.port}", **headers})
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        headers = [(name, value) for name, value in response.getheaders() if name.lower() != "date"]
        # The port is the only thing the two servers are told differently (a redirect names it).
        port = str(self.port).encode()
        headers = [(n, _unrandom(n, v.replace(str(self.port), "PORT"))) for n, v in headers]
        return f"{response.status} {response.reason}", headers, content.replace(port, b"PORT")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _unrandom(name: str, value: str) -> str:
    """A cookie the stack sets (a fresh CSRF secret for a malformed one) is random and dated by the
    second: its name and attributes are compared, not its value and expiry."""
    if name.lower() != "set-cookie":
        return value
    value = re.sub(r"^([^=]+)=[^;]*", r"\1=<random>", value)
    return re.sub(r"expires=[^;]*", "expires=<date>", value)


@contextlib.contextmanager
def door_and_full_stack(tmp: Path):
    """Two gunicorns, ``HOT_PATHS`` on and off, each on its own copy of the test database as it is
    now (same rows, same sequences): yields (door, full); stops them and drops the copies after."""
    test_db = connection.settings_dict["NAME"]
    copies = {hot: f"{test_db}_door_{'on' if hot else 'off'}" for hot in (True, False)}
    params = connection.get_connection_params()
    connections.close_all()  # a database is copied only while nobody is connected to it
    servers = []
    with _admin(params) as admin:
        try:
            for copy in copies.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{test_db}"')
            servers = [Server(copies[hot], hot=hot, tmp=tmp) for hot in (True, False)]
            yield tuple(servers)
        finally:
            for server in servers:
                server.stop()
            for copy in copies.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def compare(door: Server, full: Server, requests) -> dict[str, int]:
    """Sends each request to both servers; their answers must be the same bytes. Returns the statuses."""
    statuses = {}
    for name, method, path, body, headers in requests:
        at_the_door, long_way = door.send(method, path, body, headers), full.send(method, path, body, headers)
        assert at_the_door == long_way, f"{name}:\n door: {at_the_door}\n full: {long_way}"
        statuses[name] = int(at_the_door[0].split()[0])
    return statuses


def _requests(world, bags) -> list[tuple[str, str, str, bytes, dict]]:
    """(name, method, path, body, headers): every kind of request the handheld's door can meet."""
    collector = ApiToken.issue(user=world.collector_a, name="手持机")[1]
    worker = ApiToken.issue(user=world.worker_a1.user, name="手持机")[1]
    revoked_row, revoked = ApiToken.issue(user=world.collector_a, name="旧手持机")
    revoked_row.revoked_at = revoked_row.created_at
    revoked_row.save()
    code = [bags.code(bags.batch_a1, n) for n in range(9)]
    for n in (0, 1, 2, 5, 6, 8):
        bind(world, world.worker_a1, code[n])
    mistyped = code[2][:-1] + ("A" if code[2][-1] != "A" else "B")

    def post(name, body, token=collector, **headers):
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        return (name, "POST", URL, data, {"Content-Type": "application/json", **HTTPS, **auth, **headers})

    kinds = [
        post("valid scan", scan("c-1", code[0], bags.point_a, weight_grams=800)),
        post("replay", scan("c-1", code[0], bags.point_a, weight_grams=800)),
        post("same client id, other body", scan("c-1", code[0], bags.point_a, category="other")),
        post("the bag again", scan("c-2", code[0], bags.point_a)),
        post("an unbound bag", scan("c-3", code[3], bags.point_a)),
        post("wrong sort", scan("c-4", code[1], bags.point_a, grade="wrong", reasons=["mixed_other"])),
        post("not this collector's point", scan("c-5", code[2], bags.point_b)),
        post("no such point", scan("c-6", code[2], bags.point_a) | {"point_id": 987654}),
        post("forged: well signed, never issued", scan("c-7", codes.encode(10**9), bags.point_a)),
        post("mistyped code", scan("c-8", mistyped, bags.point_a)),
        post("a field to refuse", scan("c-9", code[2], bags.point_a, weight_grams="heavy")),
        post("bad JSON", "{not json"),
        post("not a collector", scan("c-10", code[2], bags.point_a), token=worker),
        post("wrong token", scan("c-11", code[2], bags.point_a), token="uh_nobody"),
        post("revoked token", scan("c-12", code[2], bags.point_a), token=revoked),
        post("no token", scan("c-13", code[2], bags.point_a), token=None),
        post("bad Host", scan("c-14", code[2], bags.point_a), Host="evil.example"),
        post("plain HTTP (redirected to HTTPS)", scan("c-15", code[2], bags.point_a), **{"X-Forwarded-Proto": "http"}),
        # declared bigger than DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses it on the declared length,
        # before reading: sending the 10 MB would only race the server's close)
        post("oversize body", scan("c-25", code[7], bags.point_a), **{"Content-Length": str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}),
        post("NUL in the body", scan("c-16", code[2], bags.point_a, category="kitchen\u0000")),
        post("not JSON content", scan("c-17", code[2], bags.point_a), **{"Content-Type": "text/plain"}),
        post("a session cookie", scan("c-18", code[2], bags.point_a), Cookie="sessionid=nosuchsession"),
        post("a CSRF cookie", scan("c-19", code[5], bags.point_a), Cookie="csrftoken=short"),
        post("English chosen", scan("c-20", code[8], bags.point_a), Cookie="django_language=en"),
        post(
            "valid scan, Accept and User-Agent", scan("c-21", code[6], bags.point_a), Accept="application/json", **{"User-Agent": "PDA/1.0"}
        ),
        ("wrong method", "GET", URL, b"", {**HTTPS, "Authorization": f"Bearer {collector}"}),
        (
            "wrong method PUT",
            "PUT",
            URL,
            json.dumps(scan("c-22", code[7], bags.point_a)).encode(),
            {**HTTPS, "Content-Type": "application/json"},
        ),
        (
            "trailing slash",
            "POST",
            URL + "/",
            json.dumps(scan("c-23", code[7], bags.point_a)).encode(),
            {**HTTPS, "Content-Type": "application/json", "Authorization": f"Bearer {collector}"},
        ),
    ]
    # The abuse budget: bad codes until it is spent, then one more (429), then a good one still passes.
    kinds += [post(f"bad code {n}", scan(f"b-{n}", code[4][:-1] + ("A" if code[4][-1] != "A" else "B"), bags.point_a)) for n in range(21)]
    kinds.append(post("a good code past the budget", scan("c-24", code[7], bags.point_a)))
    return kinds


EXPECTED = {
    "valid scan": 201,
    "replay": 200,
    "same client id, other body": 409,
    "forged: well signed, never issued": 404,
    "mistyped code": 422,
    "bad JSON": 400,
    "wrong token": 401,
    "revoked token": 401,
    "bad Host": 400,
    "plain HTTP (redirected to HTTPS)": 301,
    "oversize body": 413,  # the API says "too large" (core/middleware_api.py)
    "NUL in the body": 400,
    "English chosen": 201,
    "wrong method": 405,
    "bad code 19": 429,  # with the mistyped one before, the 21st bad code of the budget of 20
    "a good code past the budget": 201,
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_door_answers_every_request_byte_for_byte_as_the_full_stack(world, bags, tmp_path):
    requests = _requests(world, bags)
    with door_and_full_stack(tmp_path) as (door, full):
        statuses = compare(door, full, requests)
        answers = {name: full.send(method, path, body, headers) for name, method, path, body, headers in requests[:1]}
        door_log = door.log.read_text(errors="replace")
    # The door did answer (else this compared the long way with itself): the scans it can answer.
    assert door_log.count("answered at the door") == 13, door_log[-3000:]
    # What was compared is what it should be (a door and a stack broken alike would agree too).
    assert {name: statuses[name] for name in EXPECTED} == EXPECTED
    status, headers, content = answers["valid scan"]
    assert status == "200 OK" and json.loads(content)["replayed"] is True  # the third time: a replay
    names = [name for name, _value in headers]
    for expected in (
        "Content-Type",
        "Content-Length",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Strict-Transport-Security",
        "Content-Language",
        "Vary",
    ):
        assert expected in names, expected


def _survey_requests(world) -> list[tuple[str, str, str, bytes, dict]]:
    """Every kind of answer a courier's phone can send (engines/survey/hot_path.py)."""
    from engines.survey.models import Survey
    from engines.survey.testing import workbook
    from engines.survey.tests.conftest import CHOICES, SURVEY, make_survey

    book = workbook(SURVEY, CHOICES, {"form_title": "测试问卷", "form_id": "t1", "version": "v1"})
    anonymous, closed = make_survey(world, book), make_survey(world, book, status=Survey.Status.CLOSED)
    street = make_survey(world, book, organisation=world.street_a)
    a1, b1 = (ApiToken.issue(user=member.user, name="手机")[1] for member in (world.worker_a1, world.worker_b1))
    good = {"answers": {"works": "yes", "hours": 9, "needs": ["rest"]}}

    def post(name, survey, body, token=a1, **headers):
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        return (
            name,
            "POST",
            f"/api/v1/surveys/{survey.pk}/responses",
            data,
            {"Content-Type": "application/json", **HTTPS, **auth, **headers},
        )

    return [
        post("an answer", anonymous, good),
        post("a second answer", anonymous, good),
        post("an invalid answer", anonymous, {"answers": {"works": "yes"}}, token=b1),
        post("invalid, English chosen", anonymous, {"answers": {"works": "yes"}}, token=b1, Cookie="django_language=en"),
        post("a closed survey", closed, good),
        post("out of scope", street, good, token=b1),
        post("no token", anonymous, good, token=None),
        post("unknown token", anonymous, good, token="uh_nobody"),
        post("a field to refuse", anonymous, {"answers": "fine"}, token=b1),
        post("bad JSON", anonymous, "{not json", token=b1),
        post("a session cookie", anonymous, good, token=b1, Cookie="sessionid=nosuchsession"),
        post("bad Host", anonymous, good, token=b1, Host="evil.example"),
        post("an answer, English chosen", street, good, Cookie="django_language=en"),
    ]


SURVEY_EXPECTED = {
    "an answer": 201,
    "a second answer": 409,
    "an invalid answer": 422,
    "invalid, English chosen": 422,
    "a closed survey": 409,
    "out of scope": 404,
    "no token": 401,
    "unknown token": 401,
    "a field to refuse": 422,
    "bad JSON": 400,
    "a session cookie": 201,
    "bad Host": 400,
    "an answer, English chosen": 201,
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_door_answers_a_courier_s_survey_answer_byte_for_byte_as_the_full_stack(world, tmp_path):
    requests = _survey_requests(world)
    with door_and_full_stack(tmp_path) as (door, full):
        statuses = compare(door, full, requests)
        door_log = door.log.read_text(errors="replace")
    # answered at the door: the two answers, the refusals the service words, the session-less English ones
    assert door_log.count("answered at the door") == 7, door_log[-3000:]
    assert statuses == SURVEY_EXPECTED
