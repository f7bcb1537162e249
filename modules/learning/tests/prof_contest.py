"""Probe (not a test): CPU and round trips of a contest answer and the ranking page, in process,
through the platform's WSGI application, connections kept as in production (CONN_MAX_AGE=600,
health checks on), committed transactions (transaction=True). Run on PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/uh_learn9 REDIS_URL=redis://127.0.0.1:6379/6 \
      .venv/bin/python -m pytest -p no:randomly -q -s modules/learning/tests/prof_contest.py
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import tempfile
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

from core.hot_path import HotPathApplication
from core.models import ApiToken, Member
from core.tests.factories import MemberFactory, UserFactory
from modules.learning import services
from modules.learning.models import Question

N = int(os.environ.get("PROBE_MEMBERS", "60"))
PROFILE = os.environ.get("PROBE_PROFILE", "")


def _call(app, environ):
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = status

    body = app(environ, start_response)
    try:
        content = b"".join(body)
    finally:
        body.close()
    return int(started["status"].split()[0]), content


def _backend_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def _measure(label, app, environs):
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.close()
    # warm-up: the first request opens the connection
    status, content = _call(app, environs[0])
    assert status < 400, content[:300]
    pid = connection.connection.info.backend_pid
    trace = tempfile.NamedTemporaryFile(prefix="pgtrace", delete=False)
    connection.connection.pgconn.trace(trace.fileno())
    profiler = cProfile.Profile() if PROFILE == label else None
    cpu0, wall0, be0 = time.process_time(), time.perf_counter(), _backend_cpu(pid)
    if profiler:
        profiler.enable()
    statuses = {}
    for environ in environs[1:]:
        status, content = _call(app, environ)
        statuses[status] = statuses.get(status, 0) + 1
    if profiler:
        profiler.disable()
    cpu, wall, be = time.process_time() - cpu0, time.perf_counter() - wall0, _backend_cpu(pid) - be0
    assert connection.connection.info.backend_pid == pid, "the connection was not kept"
    connection.connection.pgconn.untrace()
    trace.close()
    messages: dict[str, int] = {}
    sides = []
    with open(trace.name) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > 3:
                sides.append(parts[1])
            if len(parts) > 3 and parts[1] == "F":
                messages[parts[3]] = messages.get(parts[3], 0) + 1
    if os.environ.get("PROBE_TRACE"):
        _gaps(trace.name)
    os.unlink(trace.name)
    n = len(environs) - 1
    # a round trip: the client's messages followed by the server's (a pipeline's Flush counts)
    trips = sum(1 for before, after in zip(sides, sides[1:], strict=False) if (before, after) == ("F", "B")) / n
    print(
        f"\n{label}: {n} requests {statuses}; python CPU {cpu / n * 1000:.2f} ms/req, backend CPU {be / n * 1000:.2f} ms/req, "
        f"wall {wall / n * 1000:.2f} ms/req, round trips {trips:.2f}/req, frontend messages/req "
        + ", ".join(f"{k}={v / n:.2f}" for k, v in sorted(messages.items()))
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("PROBE_SORT", "cumulative")).print_stats(45)
        print(out.getvalue())


def _gaps(path):
    """Mean time from each frontend message group to the backend's answer, by the first word."""
    import datetime as dt

    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > 3:
                rows.append((dt.datetime.fromisoformat(parts[0].strip()), parts[1], parts[3], parts[4:] if len(parts) > 4 else []))
    waits: dict[str, list] = {}
    sent = None
    for at, side, kind, rest in rows:
        if side == "F" and sent is None:
            sent = (at, kind + " " + (" ".join(rest)[:40]))
        elif side == "B" and kind in ("ReadyForQuery",) and sent:
            waits.setdefault(sent[1][:50], []).append((at - sent[0]).total_seconds() * 1000)
            sent = None
    for k, v in sorted(waits.items(), key=lambda kv: -sum(kv[1])):
        if len(v) > 5:
            print(f"  {len(v):5d} x {sum(v) / len(v):6.2f} ms  {k}")


def _members(world, count, spread=False):
    out = []
    for _ in range(count):
        user = UserFactory()
        if spread:  # a union each: a ranking row each
            out.append(MemberFactory(user=user, status=Member.Status.ACTIVE))
        else:
            out.append(MemberFactory(organisation=world.worker_a1.organisation, user=user, status=Member.Status.ACTIVE))
    return out


def _answer_environs(learning, members, headers_for):
    correct = {q.pk: q.correct for q in Question.objects.filter(bank=learning.bank)}
    environs = []
    attempts = [(m, services.contest_start(actor=m.user, contest=learning.contest)) for m in members]
    for k in range(5):
        for member, attempt in attempts:
            qid = attempt.question_ids[k]
            body = json.dumps({"question_id": qid, "chosen": correct[qid], "client_key": f"probe-{attempt.pk}-{k}"})
            environs.append(
                RequestFactory()
                .post(f"/api/v1/learning/attempts/{attempt.pk}/answers", data=body, content_type="application/json", **headers_for(member))
                .environ
            )
    return environs


@pytest.mark.django_db(transaction=True)
def test_probe_app_answer(world, learning):
    app = HotPathApplication(WSGIHandler())
    members = _members(world, N)
    tokens = {m.pk: ApiToken.issue(user=m.user, name="probe")[1] for m in members}
    environs = _answer_environs(learning, members, lambda m: {"HTTP_AUTHORIZATION": f"Bearer {tokens[m.pk]}"})
    _measure("app", app, environs)


@pytest.mark.django_db(transaction=True)
def test_probe_session_answer(world, learning):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    app = HotPathApplication(WSGIHandler())
    members = _members(world, N)
    csrf = "b" * 32
    cookies = {}
    for m in members:
        s = SessionStore()
        s[SESSION_KEY] = str(m.user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = m.user.get_session_auth_hash()
        s.save()
        cookies[m.pk] = s.session_key
    environs = _answer_environs(
        learning,
        members,
        lambda m: {"HTTP_COOKIE": f"sessionid={cookies[m.pk]}; csrftoken={csrf}", "HTTP_X_CSRFTOKEN": csrf},
    )
    _measure("session", app, environs)


@pytest.mark.django_db(transaction=True)
def test_probe_ranking_page(world, learning):
    from django.urls import reverse

    app = HotPathApplication(WSGIHandler())
    members = _members(world, 100, spread=True)
    environs = _answer_environs(learning, members, lambda m: {})  # noqa: F841 (attempts started)
    url = reverse("learning:contest_ranking", args=[learning.contest.pk])
    environs = [RequestFactory().get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").environ for _ in range(201)]
    _measure("ranking", app, environs)


@pytest.mark.django_db(transaction=True)
def test_probe_ranking_tail(world, learning):
    """Where the ranking page's slowest requests come from: the cache's rebuild, or gc."""
    import gc

    from django.urls import reverse

    app = HotPathApplication(WSGIHandler())
    members = _members(world, N)
    _answer_environs(learning, members, lambda m: {})
    url = reverse("learning:contest_ranking", args=[learning.contest.pk])
    connection.settings_dict["CONN_MAX_AGE"] = 600
    events, at = [], {}

    def on_gc(phase, info):
        if phase == "start":
            at["t"] = time.perf_counter()
        elif info["generation"] == 2:
            events.append((time.perf_counter() - at["t"]) * 1000)

    gc.callbacks.append(on_gc)
    times = []
    seconds = float(os.environ.get("PROBE_SECONDS", "12"))
    end = time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            environ = RequestFactory().get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").environ
            t = time.perf_counter()
            status, _ = _call(app, environ)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        gc.callbacks.remove(on_gc)
    times_sorted = sorted(times)
    n = len(times)
    print(
        f"\nranking tail: {n} requests; p50 {times_sorted[n // 2]:.2f} p95 {times_sorted[int(n * 0.95)]:.2f} "
        f"p99 {times_sorted[int(n * 0.99)]:.2f} max {times_sorted[-1]:.2f} ms; first {times[0]:.1f} ms; "
        f"gen2 collections {len(events)}: {[round(e, 1) for e in events]}"
    )
    print("slowest (index, ms):", sorted(enumerate(times), key=lambda x: -x[1])[:12])
