"""A contest answer from the app (a device token) answered at the WSGI door (core/hot_path.py,
modules/learning/hot_path.py): every answer and refusal the same as the API gives through the
whole stack, and never an answer counted or credited twice. Requests go through the platform's
WSGI application as a server sends them (core/tests/wsgi.py)."""

from __future__ import annotations

import json
import threading
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ApiToken
from core.registry import registry
from core.tests import wsgi
from engines.ledger.models import Entry
from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.quiz.models import Answer
from modules.learning import services
from modules.learning.models import Attempt, Question

pytestmark = pytest.mark.django_db
PATH = "/api/v1/learning/attempts/{attempt_id}/answers"
COMPARED_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Vary",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cache-Control",
)


def test_the_hot_path_is_the_api_operation_s_own_address():
    assert reverse("api_v1:answer_submit", args=[7]) == PATH.format(attempt_id=7)
    assert registry.hot_paths[("POST", PATH)] == "modules.learning.hot_path.answer_submit"


def _token(user) -> str:
    return ApiToken.issue(user=user, name="学习App")[1]


def _body(qid, *, right=True, key="key-00001", **extra) -> str:
    correct = Question.objects.get(pk=qid).correct
    chosen = correct if right else [(correct[0] + 1) % len(Question.objects.get(pk=qid).options)]
    return json.dumps({"question_id": qid, "chosen": chosen, "client_key": key, **extra})


def _answers(world, learning, *, hot: bool, member, drawn: list[int]) -> tuple[list, list[bool]]:
    """One member's contest through the app, every kind of answer once: what came back (status,
    body, the headers that matter) and whether the door answered it."""
    attempt = services.contest_start(actor=member.user, contest=learning.contest)
    Attempt.objects.filter(pk=attempt.pk).update(question_ids=drawn)  # both runs answer the same questions
    url = PATH.format(attempt_id=attempt.pk)
    own, stranger, outsider = _token(member.user), _token(world.worker_b1.user), _token(world.collector_a)
    session = world.client_for(member).cookies["sessionid"].value
    not_drawn = Question.objects.exclude(pk__in=drawn).first().pk
    q0, q1, q2, q3 = drawn[:4]
    requests = [
        (own, _body(q0, key="key-00001")),  # right: points
        (own, _body(q0, key="key-00001")),  # a retry: replayed
        (own, _body(q0, key="key-00002")),  # the question again: 409
        (own, _body(q1, key="key-00001")),  # one key for another question: 409
        (own, _body(not_drawn, key="key-00003")),  # not drawn: 422
        (own, _body(q1, key="bad key")),  # a key the engine refuses: 422
        (own, _body(q1, key="key-00004", chosen=[9])),  # no such option: 422
        (stranger, _body(q1, key="key-00005")),  # another member's attempt: 404
        (outsider, _body(q1, key="key-00006")),  # not a member: 403
        (None, _body(q1, key="key-00007")),  # no token: 401
        ("uh_nobody", _body(q1, key="key-00008")),  # unknown token: 401
        (own, _body(q3, key="key-00009"), {"sessionid": session}),  # with a session's cookie: the long way
        (own, _body(q1, right=False, key="key-00010"), {"django_language": "en"}),  # wrong, in English
        (own, _body(q1, key="key-00011"), {"django_language": "en"}),  # answered already, in English
        (own, _body(q2, key="key-00012", chosen=[0, 1, 2, 3, 4, 5, 6])),  # a field the schema refuses: 422
        (own, "{not json"),
        (own, json.dumps([q2])),
        (own, _body(q2, key="key-00013")),
    ]
    answers, early = [], []
    with override_settings(HOT_PATHS=hot):
        for token, body, *cookies in requests:
            response = wsgi.post(url, body, token=token, cookies=cookies[0] if cookies else None)
            answers.append((response.status_code, response.json(), {h: response.header(h) for h in COMPARED_HEADERS}))
            early.append(response.answered_early)
    return answers, early


# Inside a test's transaction the answer is a savepoint of it; committed, it is the pipelined
# transaction of production (core.db.one_round_trip_transaction): every case is checked in both.
BOTH_TRANSACTIONS = pytest.mark.parametrize(
    "committed",
    [False, pytest.param(True, marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)])],
    ids=["savepoint", "committed"],
)


@BOTH_TRANSACTIONS
def test_the_door_answers_every_case_as_the_api_does(world, learning, committed):
    drawn = services.contest_start(actor=world.worker_a1_other.user, contest=learning.contest).question_ids
    Attempt.objects.filter(member=world.worker_a1_other).delete()
    hot, early = _answers(world, learning, hot=True, member=world.worker_a1, drawn=drawn)
    if connection.vendor == "postgresql":  # elsewhere every request goes the long way
        assert [n for n, was in enumerate(early) if was] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 17]
    else:
        assert not any(early)
    full, early = _answers(world, learning, hot=False, member=world.worker_a1_other, drawn=drawn)
    assert not any(early)
    for n, (one, other) in enumerate(zip(hot, full, strict=True)):
        assert one == other, f"request {n}"
    statuses = [status for status, _body, _headers in hot]
    assert statuses == [200, 200, 409, 409, 422, 422, 422, 404, 403, 401, 401, 200, 200, 409, 422, 400, 422, 200]
    first, replay = hot[0][1], hot[1][1]
    assert first["is_correct"] and not first["replayed"] and first["answered"] == 1 and first["points"] == 2
    assert replay == {**first, "replayed": True}
    assert [hot[n][1]["code"] for n in (2, 3, 4, 7, 8)] == [
        "already_answered", "client_key_reused", "invalid_question", "attempt_not_found", "not_a_member"
    ]  # fmt: skip
    assert not hot[12][1]["is_correct"] and hot[12][2]["Content-Language"] == "en"
    assert "already" in hot[13][1]["message"] and hot[13][2]["Content-Language"] == "en"
    assert hot[11][1]["answered"] == 2 and hot[17][1]["answered"] == 4
    for member in (world.worker_a1, world.worker_a1_other):
        attempt = Attempt.objects.get(member=member)
        assert (attempt.answered, attempt.correct) == (4, 3)
        assert balance_of(member.pk) == 6  # three right answers, each credited once
    assert Entry.objects.filter(reason=services.LEDGER_REASON).count() == 6
    assert ledger_mismatches() == []


@pytest.mark.postgres
def test_an_answer_at_the_door_is_a_handful_of_statements_token_included(world, learning):
    attempt = services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    url, raw = PATH.format(attempt_id=attempt.pk), _token(world.worker_a1.user)
    first = wsgi.post(url, _body(attempt.question_ids[0], key=uuid.uuid4().hex), token=raw)  # opens the points account
    assert first.status_code == 200 and first.answered_early
    body = _body(attempt.question_ids[1], key=uuid.uuid4().hex)
    with CaptureQueriesContext(connection) as queries:
        second = wsgi.post(url, body, token=raw)
    assert second.status_code == 200 and second.answered_early and second.json()["answered"] == 2
    # the token, its member, the locked attempt and the earlier answers in one statement; the
    # answer with the attempt's counts and the credit in another; and the transaction's ends (a
    # savepoint and its release in tests)
    assert len(queries) == 4, [q["sql"][:60] for q in queries]
    assert "core_apitoken" in queries[1]["sql"] and "FOR UPDATE" in queries[1]["sql"]
    assert "quiz_attempt" in queries[2]["sql"] and "ledger_entry" in queries[2]["sql"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_committed_answer_at_the_door_is_two_round_trips(world, learning):
    """Outside a test's transaction: the facts read with a Flush, the record sent with the Sync
    that commits it — no BEGIN, no COMMIT, no health check (core.db.one_round_trip_transaction)."""
    from core.tests.pgtrace import traced

    attempt = services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    url, raw = PATH.format(attempt_id=attempt.pk), _token(world.worker_a1.user)
    first = wsgi.post(url, _body(attempt.question_ids[0], key=uuid.uuid4().hex), token=raw)  # opens the points account
    assert first.status_code == 200 and first.answered_early
    body, answers = _body(attempt.question_ids[1], key=uuid.uuid4().hex), []
    trace = traced(lambda: answers.append(wsgi.post(url, body, token=raw)))
    assert answers[0].status_code == 200 and answers[0].answered_early and answers[0].json()["answered"] == 2
    assert trace.count("Query") == 0 and trace.count("Sync") == 1
    assert trace.round_trips == 2
    attempt.refresh_from_db()
    assert attempt.answered == 2 and balance_of(world.worker_a1.pk) == 4
    assert ledger_mismatches() == []
    # The answer's id is read once the transaction is over: the engine's result carries the row's.
    third = attempt.question_ids[2]
    result = services.contest_answer(
        actor=world.worker_a1.user, attempt_id=attempt.pk, question_id=third, chosen=Question.objects.get(pk=third).correct,
        client_key=uuid.uuid4().hex,
    )  # fmt: skip
    stored = Answer.objects.get(attempt=attempt, question_id=third)
    assert result.created and result.answer.pk == stored.pk and not result.answer._state.adding
    assert Entry.objects.filter(source=f"learning.answer:{stored.pk}", amount=2).exists()


@pytest.mark.postgres
def test_a_fault_inside_the_door_is_answered_the_long_way_once(world, learning, monkeypatch):
    from modules.learning import hot_path

    attempt = services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    url, raw = PATH.format(attempt_id=attempt.pk), _token(world.worker_a1.user)

    def breaks(**kwargs):
        raise RuntimeError("a fault inside the hot path")

    monkeypatch.setattr(hot_path, "services", SimpleNamespace(contest_answer=breaks))  # the door's only
    answer = wsgi.post(url, _body(attempt.question_ids[0], key=uuid.uuid4().hex), token=raw)
    assert (answer.status_code, answer.answered_early) == (200, False)  # the API answered, once
    assert Attempt.objects.get(pk=attempt.pk).answered == 1 and balance_of(world.worker_a1.pk) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_answer_sent_at_once_from_many_phones_counts_once(world, learning):
    attempt = services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    url, raw = PATH.format(attempt_id=attempt.pk), _token(world.worker_a1.user)
    qid = attempt.question_ids[0]
    answers, errors = [], []
    barrier = threading.Barrier(6)

    def phone(n):
        from django.db import connection as conn

        try:
            body = _body(qid, key="race-key-1" if n % 2 else f"race-key-{n}x")
            barrier.wait()
            response = wsgi.post(url, body, token=raw, keep_connection=False)
            answers.append((response.status_code, response.json().get("code"), response.json().get("replayed")))
        except Exception as exc:  # noqa: BLE001 — surfaced by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    created = [a for a in answers if a[0] == 200 and a[2] is False]
    assert len(created) == 1
    assert all(a[0] == 200 or (a[0], a[1]) == (409, "already_answered") for a in answers)
    attempt.refresh_from_db()
    assert attempt.answered == 1 and balance_of(world.worker_a1.pk) == 2
    assert ledger_mismatches() == []


@pytest.mark.postgres
def test_a_token_s_use_is_marked_in_the_answer_s_own_statement(world, learning):
    """``ApiToken.mark_used``'s rule (at most once a minute), written by the answer's statement:
    no UPDATE and no commit of its own after the answer."""
    import datetime as dt

    from django.utils import timezone

    attempt = services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    url = PATH.format(attempt_id=attempt.pk)
    token, raw = ApiToken.issue(user=world.worker_a1.user, name="学习App")
    assert token.last_used_at is None
    wsgi.post(url, _body(attempt.question_ids[0], key=uuid.uuid4().hex), token=raw)  # opens the points account
    token.refresh_from_db()
    assert token.last_used_at is not None  # a first use: marked
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    key = uuid.uuid4().hex
    body = _body(attempt.question_ids[1], key=key)
    with CaptureQueriesContext(connection) as queries:
        answer = wsgi.post(url, body, token=raw)
    assert answer.status_code == 200 and answer.answered_early
    assert len(queries) == 4, [q["sql"][:60] for q in queries]  # the savepoint, facts, record, release
    assert "core_apitoken" in queries[2]["sql"] and "quiz_answer" in queries[2]["sql"]
    token.refresh_from_db()
    marked = token.last_used_at
    assert marked > long_ago
    # Within the minute: the answer writes nothing to the token.
    wsgi.post(url, _body(attempt.question_ids[2], key=uuid.uuid4().hex), token=raw)
    token.refresh_from_db()
    assert token.last_used_at == marked
    # A replay writes no answer: a use to mark is marked on its own.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    replay = wsgi.post(url, _body(attempt.question_ids[1], key=key), token=raw)
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    token.refresh_from_db()
    assert token.last_used_at > long_ago
    assert Attempt.objects.get(pk=attempt.pk).answered == 3 and balance_of(world.worker_a1.pk) == 6
    assert ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_answer_at_the_door_sends_no_health_check_and_survives_a_dropped_connection(world, learning, monkeypatch):
    """Django's ``CONN_HEALTH_CHECKS`` would send a ``SELECT 1`` as the answer's transaction
    begins; the answer checks its kept connection as ``core.db.prepared_cursor`` does instead (a
    system call). A connection PostgreSQL ended (a restart) is still found and replaced: the
    answer is answered at the door, on a new connection, and counted once."""
    from tests.trust.test_connection_drop import backend_pid, end_backend

    attempt = services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    url, raw = PATH.format(attempt_id=attempt.pk), _token(world.worker_a1.user)
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    bodies = [_body(qid, key=uuid.uuid4().hex) for qid in attempt.question_ids[:3]]
    first = wsgi.post(url, bodies[0], token=raw)
    assert first.status_code == 200 and first.answered_early
    checks = []
    from django.db import connections

    db = connections["default"]
    usable = type(db).is_usable
    monkeypatch.setattr(type(db), "is_usable", lambda self: checks.append(1) or usable(self))

    db.health_check_done = False  # as Django leaves it at the start of a request
    second = wsgi.post(url, bodies[1], token=raw)
    assert second.status_code == 200 and second.answered_early and second.json()["answered"] == 2
    assert checks == []  # no SELECT 1

    end_backend(backend_pid())
    db.health_check_done = False
    third = wsgi.post(url, bodies[2], token=raw)
    assert third.status_code == 200, third.content
    assert third.answered_early and third.json()["answered"] == 3  # at the door, on a new connection
    attempt.refresh_from_db()
    assert attempt.answered == 3 and balance_of(world.worker_a1.pk) == 6
    assert ledger_mismatches() == []
