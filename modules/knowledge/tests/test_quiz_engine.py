"""Knowledge's quizzes run on engines/quiz and see only knowledge's rows."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from core.errors import NotFound
from engines.ledger.models import Entry
from engines.quiz import services as quiz
from engines.quiz.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest(db):
    bank = quiz.bank_get_or_create(owner="learning", name="劳动法题库")
    quiz.questions_upsert(
        bank=bank,
        items=[{"key": "lab-1", "kind": "single", "text": "劳动合同应当采用？", "options": ["书面形式", "口头形式"], "correct": [0]}],
    )
    now = timezone.now()
    return Campaign.objects.create(
        owner="learning", name="劳动法竞赛", kind=Campaign.Kind.CONTEST, bank=bank,
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1),
    )  # fmt: skip


def test_another_programme_cannot_answer_or_list_these_attempts(world, contest):
    from modules.knowledge.models import Campaign as KnowledgeCampaign
    from modules.knowledge.services import answer_submit

    attempt = quiz.attempt_start(campaign=contest, member=world.worker_a1)
    with pytest.raises(NotFound):
        answer_submit(
            attempt_id=attempt.pk, member=world.worker_a1, question_id=attempt.question_ids[0], chosen=[0], client_key=uuid.uuid4().hex
        )
    assert not KnowledgeCampaign.objects.filter(pk=contest.pk).exists()
    assert not Entry.objects.exists()
