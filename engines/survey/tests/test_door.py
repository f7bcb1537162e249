"""A courier's answer answered at the WSGI door (core/hot_path.py, engines/survey/hot_path.py): the
same answers, statuses and headers as the API gives through the whole stack, in a few
statements, with every rule of an answer kept. Requests go through the platform's WSGI
application as a server sends them (core/tests/wsgi.py)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.models import ApiToken
from core.registry import registry
from core.tests import wsgi
from engines.survey import services
from engines.survey.models import Answer, Participation, Response, Survey

from .conftest import make_survey

URL = "/api/v1/surveys/{}/responses"
GOOD = {"works": "yes", "hours": 9, "needs": ["rest", "legal"], "note": "多建驿站"}
COMPARED_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "X-Content-Type-Options", "Cache-Control")


def test_the_door_is_registered_for_the_api_s_address():
    assert registry.hot_paths[("POST", "/api/v1/surveys/{survey_id}/responses")] == "engines.survey.hot_path.response_create"


def _token(user) -> str:
    return ApiToken.issue(user=user, name="手机")[1]


def _answers(world, book, *, hot: bool) -> tuple[list, list[bool]]:
    """Every kind of answer a phone can get, once, on surveys of its own (a run's surveys are new
    waves, so the same people can answer in both runs): (status, body, headers) each, and whether
    the door answered it."""
    anonymous = make_survey(world, book)
    identified = make_survey(world, book, anonymous=False)
    closed = make_survey(world, book, status=Survey.Status.CLOSED)
    street = make_survey(world, book, organisation=world.street_a)
    full = make_survey(world, book)
    services.quota_set(actor=world.district_staff, survey=full, question="works", value="yes", limit=1)
    services.response_submit(actor=world.worker_b1.user, survey=full, answers=GOOD)
    a1, b1, other = _token(world.worker_a1.user), _token(world.worker_b1.user), _token(world.worker_a1_other.user)
    revoked_row, revoked = ApiToken.issue(user=world.worker_a1.user, name="旧手机")
    ApiToken.objects.filter(pk=revoked_row.pk).update(revoked_at=revoked_row.created_at)
    requests = [
        (anonymous, a1, {"answers": GOOD}),  # 201
        (anonymous, a1, {"answers": {"works": "no"}}),  # a second answer: 409
        (anonymous, other, {"answers": {"works": "yes"}}),  # hours required: 422 with errors
        (anonymous, other, {"answers": {"works": "yes", "hours": 30, "needs": ["rest", "legal", "health"]}}),  # two errors
        (identified, a1, {"answers": GOOD}),  # 201, kept with its respondent
        (identified, a1, {"answers": GOOD}),  # 409
        (closed, a1, {"answers": GOOD}),  # 409 survey_closed
        (street, b1, {"answers": GOOD}),  # not a member of the street's tree: 404
        (street, a1, {"answers": GOOD}),  # a member: 201
        (full, other, {"answers": GOOD}),  # the quota is full: 409
        (None, a1, {"answers": GOOD}),  # no such survey: 404
        (anonymous, None, {"answers": GOOD}),  # no token: 401, the long way
        (anonymous, "uh_nobody", {"answers": GOOD}),  # unknown token: 401
        (anonymous, revoked, {"answers": GOOD}),  # revoked token: 401
        (anonymous, b1, {"answers": "all fine"}),  # the schema refuses it: 422, the long way
        (anonymous, b1, "{not json"),  # 400
        (anonymous, b1, {"answers": {"works": "no"}}, {"sessionid": "nosuchsession"}),  # a session cookie: the long way, 201
        (identified, other, {"answers": {"works": "yes"}}, {"django_language": "en"}),  # 422 in English
        (identified, other, {"answers": {"works": "no"}}, {"django_language": "en"}),  # 201 in English
    ]
    answers, early = [], []
    ids = {s.pk: name for name, s in (("anonymous", anonymous), ("identified", identified), ("street", street))}
    with override_settings(HOT_PATHS=hot):
        for survey, token, body, *cookies in requests:
            data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
            response = wsgi.post(URL.format(survey.pk if survey else 987654), data, token=token, cookies=cookies[0] if cookies else None)
            answer = response.json()
            if "survey_id" in answer:
                answer["survey_id"] = ids[answer["survey_id"]]
            answers.append((response.status_code, answer, {h: response.header(h) for h in COMPARED_HEADERS}))
            early.append(response.answered_early)
    return answers, early


def test_the_door_answers_every_case_as_the_api_does(world, book):
    hot, early = _answers(world, book, hot=True)
    assert [n for n, at_the_door in enumerate(early) if at_the_door] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 18]
    full, early_off = _answers(world, book, hot=False)
    assert not any(early_off)
    for n, (one, other) in enumerate(zip(hot, full, strict=True)):
        assert one == other, f"request {n}"
    statuses = [status for status, _body, _headers in hot]
    assert statuses == [201, 409, 422, 422, 201, 409, 409, 404, 201, 409, 404, 401, 401, 401, 422, 400, 201, 422, 201]
    codes = [body.get("code") for _status, body, _headers in hot]
    assert codes[1] == codes[5] == "survey_already_answered" and codes[6] == "survey_closed" and codes[9] == "survey_quota_full"
    assert hot[0][1] == {"ok": True, "survey_id": "anonymous"}
    assert hot[2][1]["errors"] == {"hours": "此题必答"} and hot[2][1]["field"] == "hours"
    assert set(hot[3][1]["errors"]) == {"hours", "needs"}
    assert hot[17][1]["errors"] == {"hours": "This question needs an answer"} and hot[17][2]["Content-Language"] == "en"
    assert hot[0][2]["Cache-Control"] and hot[0][2]["X-Frame-Options"]
    # every answer stored once per run, the anonymous ones without a person
    assert Response.objects.filter(respondent__isnull=False).count() == 4  # identified: a1 and other, in each run
    assert Participation.objects.filter(user=world.worker_a1.user).count() == 4  # anonymous and street, in each run


def _warm(survey, token: str, user) -> None:
    """A phone that has used its token this minute, and a process that has read the survey's questions."""
    wsgi.post(URL.format(survey.pk), json.dumps({"answers": GOOD}), token=token)
    Response.objects.filter(survey=survey).delete()
    Participation.objects.filter(survey=survey).delete()


def _statements(queries) -> list[str]:
    """The statements sent, without the test transaction's savepoints (a server has none)."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.postgres
def test_an_anonymous_answer_is_three_statements_token_included(world, book):
    survey = make_survey(world, book)
    token = _token(world.worker_a1.user)
    _warm(survey, token, world.worker_a1.user)
    with CaptureQueriesContext(connection) as queries:
        response = wsgi.post(URL.format(survey.pk), json.dumps({"answers": GOOD}), token=token)
    assert (response.status_code, response.answered_early) == (201, True)
    sent = _statements(queries)
    # the token with the survey and its union, the participation (a transaction of its own), the answer with its rows
    assert len(sent) == 3, sent
    assert "core_apitoken" in sent[0] and "survey_survey" in sent[0] and "survey_participation" in sent[1]
    assert "survey_response" in sent[2] and "survey_answer" in sent[2]
    stored = Response.objects.get(survey=survey)
    assert (stored.respondent_id, stored.organisation_id, stored.submitted_at) == (None, None, None)
    assert stored.data == {"works": "yes", "hours": "9", "needs": "rest legal", "note": "多建驿站"}
    assert sorted(Answer.objects.filter(response=stored).values_list("question", "value")) == [
        ("hours", "9"),
        ("needs", ""),
        ("needs", "legal"),
        ("needs", "rest"),
        ("note", ""),
        ("works", "yes"),
    ]


@pytest.mark.postgres
def test_an_identified_answer_is_two_statements_and_keeps_its_member_s_union(world, book):
    survey = make_survey(world, book, anonymous=False)
    token = _token(world.worker_a1.user)
    _warm(survey, token, world.worker_a1.user)
    with CaptureQueriesContext(connection) as queries:
        response = wsgi.post(URL.format(survey.pk), json.dumps({"answers": GOOD}), token=token)
    assert (response.status_code, response.answered_early) == (201, True)
    sent = _statements(queries)
    # the token with the survey and the member's union, the answer with its rows
    assert len(sent) == 2, "\n".join(q[:120] for q in sent)
    assert "core_apitoken" in sent[0] and "core_member" in sent[0] and "survey_response" in sent[1]
    stored = Response.objects.get(survey=survey)
    assert stored.respondent_id == world.worker_a1.user.pk and stored.organisation_id == world.worker_a1.organisation_id
    assert stored.submitted_at is not None


def test_an_identified_answer_keeps_the_union_of_its_member_or_none(world, book):
    """The union the answer keeps is the member record's, read with the token at the door (or by
    the service): none for a person without one, and never the union of an anonymous answer."""
    from core.models import User

    identified = make_survey(world, book, anonymous=False)
    anonymous = make_survey(world, book)
    nobody = User.objects.create(username="no-member", phone="13612345678")
    for user in (world.worker_a1.user, world.worker_b1.user, nobody):
        for survey in (identified, anonymous):
            response = wsgi.post(URL.format(survey.pk), json.dumps({"answers": GOOD}), token=_token(user))
            assert (response.status_code, response.answered_early) == (201, True)
    kept = dict(Response.objects.filter(survey=identified).values_list("respondent_id", "organisation_id"))
    assert kept == {
        world.worker_a1.user.pk: world.worker_a1.organisation_id,
        world.worker_b1.user.pk: world.worker_b1.organisation_id,
        nobody.pk: None,
    }
    assert list(Response.objects.filter(survey=anonymous).values_list("respondent_id", "organisation_id").distinct()) == [(None, None)]


@pytest.mark.postgres
def test_a_refused_answer_leaves_no_participation_behind(world, book):
    survey = make_survey(world, book)
    services.quota_set(actor=world.district_staff, survey=survey, limit=1)
    services.response_submit(actor=world.worker_b1.user, survey=survey, answers=GOOD)
    response = wsgi.post(URL.format(survey.pk), json.dumps({"answers": GOOD}), token=_token(world.worker_a1.user))
    assert (response.status_code, response.json()["code"], response.answered_early) == (409, "survey_quota_full", True)
    assert not Participation.objects.filter(survey=survey, user=world.worker_a1.user).exists()  # may answer once there is room
