import datetime as dt

import pytest
from django.utils import timezone

from modules.knowledge.models import Campaign, Question, QuestionBank
from modules.knowledge.services import STARTER_BANK, guide_load, question_bank_load


@pytest.fixture
def guide(db):
    return guide_load()


@pytest.fixture
def bank(db) -> QuestionBank:
    question_bank_load()
    return QuestionBank.objects.get(name=STARTER_BANK)


@pytest.fixture
def daily(bank) -> Campaign:
    return Campaign.objects.create(
        name="每日答题",
        kind=Campaign.Kind.DAILY,
        bank=bank,
        questions_per_attempt=5,
        points_per_correct=2,
        starts_at=timezone.now() - dt.timedelta(days=3),
    )


@pytest.fixture
def contest(bank) -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(
        name="知识竞赛",
        kind=Campaign.Kind.CONTEST,
        bank=bank,
        questions_per_attempt=5,
        points_per_correct=5,
        # Started today (a contest's attempts are dated by its start): an hour ago, or at midnight
        # when the test runs in the first hour of the day.
        starts_at=max(now - dt.timedelta(hours=1), timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)),
        ends_at=now + dt.timedelta(hours=2),
        time_limit_seconds=120,
    )


def right_answer(question_id: int) -> list[int]:
    return list(Question.objects.get(pk=question_id).correct)


def wrong_answer(question_id: int) -> list[int]:
    q = Question.objects.get(pk=question_id)
    return [next(i for i in range(len(q.options)) if i not in q.correct)]
