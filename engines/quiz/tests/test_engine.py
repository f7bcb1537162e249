"""The engine serves any programme: its own banks and campaigns, its own ledger reason."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.errors import ApiError
from engines.ledger.models import Entry
from engines.quiz import services as quiz
from engines.quiz.models import Campaign

pytestmark = pytest.mark.django_db

ITEMS = [
    {"key": "lab-1", "kind": "single", "text": "劳动合同应当采用？", "options": ["书面形式", "口头形式"], "correct": [0]},
    {"key": "lab-2", "kind": "true_false", "text": "试用期包含在劳动合同期限内。", "options": ["正确", "错误"], "correct": [0]},
]


@pytest.fixture
def contest(db):
    bank = quiz.bank_get_or_create(owner="learning", name="劳动法题库")
    quiz.questions_upsert(bank=bank, items=ITEMS)
    now = timezone.now()
    return Campaign.objects.create(
        owner="learning",
        name="劳动法竞赛",
        kind=Campaign.Kind.CONTEST,
        bank=bank,
        questions_per_attempt=2,
        points_per_correct=3,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        time_limit_seconds=600,
    )


def test_a_programme_declares_a_contest_and_its_credits_carry_its_reason(world, contest):
    attempt = quiz.attempt_start(campaign=contest, member=world.worker_a1)
    first = attempt.question_ids[0]
    right = list(contest.bank.questions.get(pk=first).correct)
    key = uuid.uuid4().hex
    result = quiz.answer_submit(
        owner="learning", ledger_reason="learning.contest", attempt_id=attempt.pk, member=world.worker_a1,
        question_id=first, chosen=right, client_key=key,
    )  # fmt: skip
    assert result.answer.credited and result.answer.points == 3
    entry = Entry.objects.get(source=f"learning.answer:{result.answer.pk}")
    assert (entry.reason, entry.amount) == ("learning.contest", 3)
    retry = quiz.answer_submit(
        owner="learning", ledger_reason="learning.contest", attempt_id=attempt.pk, member=world.worker_a1,
        question_id=first, chosen=right, client_key=key,
    )  # fmt: skip
    assert not retry.created and Entry.objects.filter(reason="learning.contest").count() == 1


def test_loading_the_same_items_twice_changes_nothing(contest):
    again = quiz.questions_upsert(bank=contest.bank, items=ITEMS)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_a_campaign_uses_only_its_programmes_banks(contest):
    from django.core.exceptions import ValidationError

    other = quiz.bank_get_or_create(owner="other", name="别的题库")
    borrowed = Campaign(owner="learning", name="借用", kind=Campaign.Kind.DAILY, bank=other)
    with pytest.raises(ValidationError) as caught:
        borrowed.full_clean()
    assert "bank" in caught.value.message_dict


def test_draw_rules_pick_by_topic_and_difficulty_and_the_score_counts_marks(world):
    bank = quiz.bank_get_or_create(owner="learning", name="分专题题库")
    items = [
        {"key": f"q{n}", "kind": "single", "text": f"题{n}", "options": ["甲", "乙"], "correct": [0],
         "topic": "劳动法" if n < 4 else "安全", "difficulty": 1 if n % 2 else 3, "marks": 1 if n % 2 else 5}
        for n in range(8)
    ]  # fmt: skip
    quiz.questions_upsert(bank=bank, items=items)
    now = timezone.now()
    campaign = Campaign.objects.create(
        owner="learning", name="分专题竞赛", kind=Campaign.Kind.CONTEST, bank=bank, points_per_correct=0,
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1), time_limit_seconds=600,
        draw_rules=[{"topic": "劳动法", "difficulty": 3, "count": 2}, {"topic": "安全", "difficulty": None, "count": 1}],
    )  # fmt: skip
    attempt = quiz.attempt_start(campaign=campaign, member=world.worker_a1)
    drawn = {q.pk: q for q in bank.questions.filter(pk__in=attempt.question_ids)}
    assert sum(1 for q in drawn.values() if q.topic == "劳动法" and q.difficulty == 3) == 2 and len(drawn) == 3
    assert attempt.max_score == sum(q.marks for q in drawn.values())
    for qid in attempt.question_ids:
        quiz.answer_submit(owner="learning", ledger_reason="learning.contest", attempt_id=attempt.pk, member=world.worker_a1,
                           question_id=qid, chosen=[0], client_key=uuid.uuid4().hex)  # fmt: skip
    attempt.refresh_from_db()
    assert attempt.score == attempt.max_score
    with pytest.raises(ApiError) as short:
        quiz.draw_rules_clean([{"topic": "安全", "difficulty": 3, "count": 3}], bank.questions.values_list("topic", "difficulty"))
    assert short.value.code == "bank_short"
