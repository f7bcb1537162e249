"""How many SQL statements a contest costs, pinned: at district scale thousands of members answer
at once, so one answer must stay a handful of statements (it was 22 on the API and 26 on the page).

One answer, page or API: the session, the user, the member; the attempt locked with its campaign
and the question (one statement); the earlier answers that matter (one); the answer with the
attempt's counts (one on PostgreSQL; two elsewhere); the ledger's credit (one on PostgreSQL; the
account, balance update, balance read and entry elsewhere); the transaction's begin and end (a
savepoint in tests). 13 before the answer's statements were prepared, 8 now on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from core.tests.factories import MemberFactory, UserFactory
from engines.ledger.models import Entry
from modules.learning import services
from modules.learning.models import Attempt, Question

pytestmark = pytest.mark.django_db

# On PostgreSQL the answer's own statements are prepared and fewer (engines/quiz/services.py ``_sql``):
# the answer and the attempt's counts are one statement, the ledger's credit another.
ANSWER_STATEMENTS = 8 if connection.vendor == "postgresql" else 13
# The member's first credit ever also opens their points account (savepoint, insert, release; on
# PostgreSQL the one-statement credit finds no account and the ORM's credit follows).
FIRST_CREDIT_STATEMENTS = ANSWER_STATEMENTS + (7 if connection.vendor == "postgresql" else 3)


def _right(qid) -> dict:
    return {"question": qid, "choice": Question.objects.get(pk=qid).correct, "client_key": uuid.uuid4().hex}


def _api_body(qid) -> dict:
    return {"question_id": qid, "chosen": Question.objects.get(pk=qid).correct, "client_key": uuid.uuid4().hex}


def test_one_answer_on_the_page_and_on_the_api_takes_8_statements_on_postgresql(world, learning, django_assert_max_num_queries):
    client = world.client_for(world.worker_a1)
    pk = learning.contest.pk
    client.post(f"/learning/contests/{pk}/start/")
    attempt = Attempt.objects.get(member=world.worker_a1)
    first, second = (_right(q) for q in attempt.question_ids[:2])
    with django_assert_max_num_queries(FIRST_CREDIT_STATEMENTS):
        assert client.post(f"/learning/contests/{pk}/answer/", first).status_code == 302
    with django_assert_max_num_queries(ANSWER_STATEMENTS):
        assert client.post(f"/learning/contests/{pk}/answer/", second).status_code == 302
    url = f"/api/v1/learning/attempts/{attempt.pk}/answers"
    body = _api_body(attempt.question_ids[2])
    with django_assert_max_num_queries(ANSWER_STATEMENTS):
        answered = client.post(url, body, content_type="application/json")
    assert answered.status_code == 200 and answered.json()["answered"] == 3 and answered.json()["is_correct"]
    # A retry (the same client key) is no dearer than an answer, and changes nothing.
    with django_assert_max_num_queries(ANSWER_STATEMENTS):
        retry = client.post(url, body, content_type="application/json").json()
    assert retry["replayed"] and retry["answered"] == 3
    attempt.refresh_from_db()
    marks = sum(Question.objects.get(pk=q).marks for q in attempt.question_ids[:3])
    assert (attempt.answered, attempt.correct, attempt.score) == (3, 3, marks)
    assert Entry.objects.filter(reason=services.LEDGER_REASON).count() == 3
    assert client.get(f"/learning/contests/{pk}/take/").status_code == 200


def test_the_integrity_checks_survive_the_fewer_statements(world, learning):
    """Another member's attempt, a question not drawn, a second answer to a question and a late
    answer are refused or worth nothing exactly as before."""
    user = world.worker_a1.user
    attempt = services.contest_start(actor=user, contest=learning.contest)
    qid = attempt.question_ids[0]
    stranger = world.client_for(world.worker_a1_other)
    url = f"/api/v1/learning/attempts/{attempt.pk}/answers"
    assert stranger.post(url, _api_body(qid), content_type="application/json").status_code == 404
    assert stranger.post(f"/learning/contests/{learning.contest.pk}/answer/", _right(qid)).status_code == 404
    client = world.client_for(world.worker_a1)
    not_drawn = Question.objects.exclude(pk__in=attempt.question_ids).first()
    refused = client.post(url, _api_body(not_drawn.pk), content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "question_id"
    assert client.post(url, _api_body(qid), content_type="application/json").status_code == 200
    again = client.post(url, _api_body(qid), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    reused = client.post(url, {**_api_body(attempt.question_ids[1]), "client_key": "reused-key-1"}, content_type="application/json")
    assert reused.status_code == 200
    other_q = client.post(url, {**_api_body(attempt.question_ids[2]), "client_key": "reused-key-1"}, content_type="application/json")
    assert other_q.status_code == 409 and other_q.json()["code"] == "client_key_reused"
    late = attempt.deadline + (attempt.deadline - attempt.started_at)
    q3 = Question.objects.get(pk=attempt.question_ids[3])
    result = services.contest_answer(
        actor=user, attempt_id=attempt.pk, question_id=q3.pk, chosen=q3.correct, client_key=uuid.uuid4().hex, now=late
    )
    assert not result.answer.in_time and result.answer.points == 0 and not result.answer.credited


def _pages(client, pk) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, path in (("contest", f"/learning/contests/{pk}/"), ("take", f"/learning/contests/{pk}/take/"),
                       ("attempt", f"/api/v1/learning/contests/{pk}/attempt")):  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts[name] = len(ctx.captured_queries)
    return counts


def test_the_start_and_result_pages_do_not_grow_with_answers_or_candidates(world, learning, django_assert_max_num_queries):
    client = world.client_for(world.worker_a1)
    pk = learning.contest.pk
    with django_assert_max_num_queries(8):
        assert client.get(f"/learning/contests/{pk}/").status_code == 200
    with django_assert_max_num_queries(11):
        assert client.post(f"/learning/contests/{pk}/start/").status_code == 302
    attempt = Attempt.objects.get(member=world.worker_a1)
    client.post(f"/learning/contests/{pk}/answer/", _right(attempt.question_ids[0]))
    early = _pages(client, pk)
    for qid in attempt.question_ids[1:]:
        client.post(f"/learning/contests/{pk}/answer/", _right(qid))
    for n in range(5):  # other candidates of the district take part too
        member = MemberFactory(organisation=world.org_b1 if n % 2 else world.org_a1, user=UserFactory(username=f"cand_{n}"))
        other = services.contest_start(actor=member.user, contest=learning.contest)
        services.contest_answer(actor=member.user, attempt_id=other.pk, client_key=uuid.uuid4().hex, **{
            "question_id": other.question_ids[0], "chosen": Question.objects.get(pk=other.question_ids[0]).correct})  # fmt: skip
    finished = _pages(client, pk)
    assert "成绩合格" in client.get(f"/learning/contests/{pk}/take/").content.decode()
    # The result page reads no more than the question page did: no per-answer or per-candidate reads,
    # and the attempt's campaign (its pass mark) comes with the contest, not from a second query.
    assert finished["contest"] <= early["contest"] <= 8
    assert finished["take"] <= early["take"] <= 9
    assert finished["attempt"] <= early["attempt"] <= 8


@pytest.mark.parametrize(
    "committed",
    [False, pytest.param(True, marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)])],
    ids=["savepoint", "committed"],
)
def test_a_credit_taken_by_another_contest_at_the_same_moment_keeps_the_answer_uncredited(world, learning, monkeypatch, committed):
    """The answer insert has no savepoint of its own: when the once-a-day credit rule's unique
    index refuses it (another contest credited the same question between our read and our
    insert), the whole answer runs once more and is kept without points. Committed, the refusal
    comes as the pipelined transaction's Sync (core.db.one_round_trip_transaction), which rolled
    back the attempt's counts with it."""
    from engines.quiz import services as quiz
    from engines.quiz.models import Answer
    from modules.learning.tests.conftest import make_contest

    user = world.worker_a1.user
    attempt = services.contest_start(actor=user, contest=learning.contest)
    elsewhere = services.contest_start(actor=user, contest=make_contest(world.district_staff, learning.bank))
    q = Question.objects.get(pk=attempt.question_ids[0])
    Answer.objects.create(attempt=elsewhere, question=q, member=world.worker_a1, day=attempt.day, client_key="elsewhere-1",
                          chosen=q.correct, is_correct=True, credited=True, points=2)  # fmt: skip
    real, calls = quiz._facts, []

    def racing(*args):
        calls.append(1)
        found = real(*args)
        if len(calls) == 1:
            found.earlier = [a for a in found.earlier if a.client_key != "elsewhere-1"]
        return found

    monkeypatch.setattr(quiz, "_facts", racing)
    result = services.contest_answer(actor=user, attempt_id=attempt.pk, question_id=q.pk, chosen=q.correct, client_key=uuid.uuid4().hex)
    assert len(calls) == 2 and result.created and result.answer.is_correct
    assert (result.answer.credited, result.answer.points) == (False, 0)
    attempt.refresh_from_db()
    assert (attempt.answered, attempt.score, attempt.points) == (1, q.marks, 0)
    assert not Entry.objects.filter(source=f"learning.answer:{result.answer.pk}").exists()
