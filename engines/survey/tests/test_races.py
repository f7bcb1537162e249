"""Races with real concurrent transactions on PostgreSQL: one answer per person (identified and
anonymous) and quotas hold when the same phone submits twice at once or many people at once."""

from __future__ import annotations

import pytest

from core.errors import Conflict
from core.models import Member
from core.tests.concurrency import race
from core.tests.factories import UserFactory
from engines.survey import services
from engines.survey.models import Answer, Participation, Quota, Response

from .conftest import make_survey

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ANSWER = {"works": "yes", "hours": "9", "needs": ["rest"]}


def submit(user, survey, answers=ANSWER):
    def run():
        services.response_submit(actor=user, survey=survey, answers=answers)
        return "ok"

    return run


@pytest.mark.parametrize("anonymous", [False, True])
def test_the_same_person_submitting_eight_times_at_once_is_stored_once(world, book, anonymous):
    survey = make_survey(world, book, anonymous=anonymous)
    user = world.worker_a1.user
    results = race([submit(user, survey) for _ in range(8)], threads=8)
    assert results.count("ok") == 1 and results.count("survey_already_answered") == 7
    assert Response.objects.filter(survey=survey).count() == 1
    assert Answer.objects.filter(survey=survey, question="works").count() == 1
    if anonymous:
        assert Participation.objects.filter(survey=survey, user=user).count() == 1
        assert Response.objects.get(survey=survey).respondent_id is None


def test_a_quota_of_ten_takes_exactly_ten_of_forty_people_at_once(world, book):
    survey = make_survey(world, book, anonymous=True)
    services.quota_set(actor=world.district_staff, survey=survey, question="works", value="yes", limit=10)
    users = []
    for i in range(40):
        user = UserFactory(username=f"race{i}", phone=f"1370000{i:04d}")
        Member.objects.create(organisation=world.org_a1, name=f"职工{i}", phone=user.phone, user=user)
        users.append(user)
    results = race([submit(u, survey) for u in users], threads=20)
    assert results.count("ok") == 10 and results.count("survey_quota_full") == 30
    assert Response.objects.filter(survey=survey).count() == 10
    assert Quota.objects.get(survey=survey).filled == 10
    # those turned away were not marked as having taken part
    assert Participation.objects.filter(survey=survey).count() == 10


def test_an_anonymous_claim_and_its_answer_are_two_transactions_and_only_the_claim_s_commit_is_unwaited(world, book):
    """Out of any transaction (as a server runs it): the claim and the answer are written by two
    transactions (their rows' xmin differ: no row holds both); the claim's
    commit did not wait for the disk, but the connection's setting is left as it was, so the
    answer's commit (and everything after) waits as usual."""
    from django.db import connection

    survey = make_survey(world, book, anonymous=True)
    user = world.worker_a1.user
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        before = cursor.fetchone()[0]
    services.response_submit(actor=user, survey=survey, answers=ANSWER)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == before
        cursor.execute("SELECT xmin::text FROM survey_participation WHERE survey_id = %s AND user_id = %s", [survey.pk, user.pk])
        claimed_in = cursor.fetchone()[0]
        cursor.execute("SELECT xmin::text, respondent_id FROM survey_response WHERE survey_id = %s", [survey.pk])
        answered_in, respondent = cursor.fetchone()
    assert claimed_in != answered_in and respondent is None
    # a second answer is refused by the claim, which is there for everyone to see
    with pytest.raises(Conflict):
        services.response_submit(actor=user, survey=survey, answers=ANSWER)
