"""The learning programme's world: the committed xlsx bank imported, a district-wide contest
running, judges, and helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from core.models import RoleAssignment, User
from core.tests.factories import UserFactory
from modules.learning import services
from modules.learning.models import Contest, QuestionBank

BANK = Path(__file__).resolve().parents[1] / "data" / "contest_bank.xlsx"


@dataclass
class LearningWorld:
    bank: QuestionBank
    contest: Contest
    judges: list[User]


def make_contest(actor, bank, *, organisation=None, draw_rules=None, points=2, pass_mark=6, minutes=15, **when) -> Contest:
    now = timezone.now()
    return services.contest_create(
        actor=actor,
        name="法律知识竞赛",
        topic="劳动法",
        bank=bank,
        starts_at=when.get("starts_at", now - dt.timedelta(hours=1)),
        ends_at=when.get("ends_at", now + dt.timedelta(days=1)),
        time_limit_seconds=minutes * 60,
        draw_rules=draw_rules or [{"topic": "劳动法", "difficulty": 1, "count": 2}, {"topic": "安全生产", "difficulty": None, "count": 3}],
        pass_mark=pass_mark,
        points_per_correct=points,
        organisation=organisation,
    )


@pytest.fixture
def learning(world) -> LearningWorld:
    services.bank_import_file(actor=world.district_staff, name="法律题库", filename=BANK.name, data=BANK.read_bytes())
    bank = QuestionBank.objects.get(name="法律题库")
    judges = []
    for n in range(3):
        judge = UserFactory(username=f"judge_{n}", display_name=f"评委{n}")
        RoleAssignment.objects.create(user=judge, role=RoleAssignment.Role.EXPERT, organisation=world.district)
        judges.append(judge)
    return LearningWorld(bank=bank, contest=make_contest(world.district_staff, bank), judges=judges)
