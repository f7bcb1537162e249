"""The quizzes moved from the knowledge programme into the engine: a database with answers on the
old schema migrates with every row, id and ledger source kept (and back again)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("knowledge", "0001_initial"), ("quiz", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("knowledge", "quiz")]


def _everything():
    # Going back to quiz 0001 also unapplies the apps built on later quiz migrations (learning):
    # the test must leave every app migrated, or later tests find tables missing.
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_old_quiz_rows_move_into_the_engine_with_their_ids(world):
    member = world.worker_a1
    old = _migrate(BEFORE)
    Bank, Question, Campaign = (old.get_model("knowledge", n) for n in ("QuestionBank", "Question", "Campaign"))
    Attempt, Answer = old.get_model("knowledge", "Attempt"), old.get_model("knowledge", "Answer")
    now = timezone.now()
    bank = Bank.objects.create(id=7, name="旧题库")
    question = Question.objects.create(id=41, bank=bank, key="old-1", kind="single", text="电池？", options=["a", "b"], correct=[1])
    campaign = Campaign.objects.create(id=3, name="每日答题", kind="daily", bank=bank, starts_at=now - dt.timedelta(days=1))
    attempt = Attempt.objects.create(
        id=11, campaign=campaign, member_id=member.pk, organisation_id=member.organisation_id, day=now.date(), question_ids=[41]
    )
    Answer.objects.create(
        id=99, attempt=attempt, question=question, member_id=member.pk, day=now.date(), client_key="k" * 10, chosen=[1], credited=True
    )
    try:
        new = _migrate(_latest())
        moved = new.get_model("quiz", "Answer").objects.get(pk=99)
        assert (moved.attempt_id, moved.question_id, moved.credited) == (11, 41, True)
        assert new.get_model("quiz", "QuestionBank").objects.get(pk=7).owner == "knowledge"
        assert new.get_model("quiz", "Campaign").objects.get(pk=3).owner == "knowledge"
        # The sequences moved past the copied ids: a new bank gets a fresh id.
        assert new.get_model("quiz", "QuestionBank").objects.create(owner="knowledge", name="新题库").pk > 7
        back = _migrate(BEFORE)
        assert back.get_model("knowledge", "Answer").objects.get(pk=99).attempt_id == 11
        assert back.get_model("knowledge", "QuestionBank").objects.count() == 2
        assert not back.get_model("quiz", "QuestionBank").objects.exists()
    finally:
        _migrate(_everything())
    from modules.knowledge.models import Answer as KnowledgeAnswer

    assert KnowledgeAnswer.objects.get(pk=99).question.text == "电池？"
