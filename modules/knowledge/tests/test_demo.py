import random

import pytest
from django.core.management import call_command

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from engines.ledger.models import Entry
from modules.knowledge.demo import seed_knowledge
from modules.knowledge.models import Article, Attempt, Campaign, GuideItem, Question

pytestmark = pytest.mark.django_db


def test_demo_seeder_builds_a_usable_programme():
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(1), progress=False)
    seed_tree(ctx)
    seed_knowledge(ctx)
    assert GuideItem.objects.count() >= 300 and Question.objects.count() >= 40 and Article.objects.count() >= 3
    assert Campaign.objects.filter(kind="daily").exists()
    contest = Campaign.objects.get(kind="contest")
    assert contest.is_running()
    assert Attempt.objects.filter(campaign=contest, answered__gt=0).count() > 5
    assert Entry.objects.filter(reason="knowledge.quiz").exists()
    call_command("ledger_check")
