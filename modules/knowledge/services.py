"""Writes of the knowledge programme: loading the guide and the question bank, starting a quiz
attempt and answering a question (checked on the server, credited once through the ledger)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Invalid, NotFound
from core.models import Member
from engines.quiz import services as quiz
from modules.knowledge.constants import LEDGER_REASON, Category
from modules.knowledge.models import OWNER, Answer, Attempt, Campaign, GuideItem, Question, split_aliases
from modules.knowledge.pinyin import keys_pinyin

DATA_DIR = Path(__file__).resolve().parent / "data"
GUIDE_FILE = DATA_DIR / "guide.csv"
QUESTIONS_FILE = DATA_DIR / "questions.json"
STARTER_BANK = "北京市生活垃圾分类知识题库"


# ---------------------------------------------------------------- the guide


def guide_load(*, path: Path | str = GUIDE_FILE, actor=None) -> dict:
    """Load (or refresh) the guide from its CSV; items are matched by name, so running it twice changes nothing."""
    rows = _read_guide(Path(path))
    existing = {item.name: item for item in GuideItem.objects.all()}
    now = timezone.now()
    to_create, to_update = [], []
    for row in rows:
        aliases = "、".join(split_aliases(row["aliases"]))
        pinyin, initials = keys_pinyin([row["name"], *split_aliases(aliases)])
        item = existing.get(row["name"])
        if item is None:
            to_create.append(
                GuideItem(
                    name=row["name"],
                    aliases=aliases,
                    category=row["category"],
                    tip=row["tip"],
                    pinyin=pinyin,
                    initials=initials,
                    updated_at=now,
                )
            )
            continue
        new = {"aliases": aliases, "category": row["category"], "tip": row["tip"], "pinyin": pinyin, "initials": initials}
        if any(getattr(item, k) != v for k, v in new.items()):
            for key, value in new.items():
                setattr(item, key, value)
            item.updated_at = now
            to_update.append(item)
    with transaction.atomic():
        GuideItem.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            GuideItem.objects.bulk_update(to_update, ["aliases", "category", "tip", "pinyin", "initials", "updated_at"], batch_size=500)
        result = {"created": len(to_create), "updated": len(to_update), "unchanged": len(rows) - len(to_create) - len(to_update)}
        if to_create or to_update:
            audit(actor=actor, action="knowledge.guide_load", changes=result)
    return result


def _read_guide(path: Path) -> list[dict]:
    valid = set(Category.values)
    rows, seen = [], set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            name = (row.get("name") or "").strip()
            category = (row.get("category") or "").strip()
            tip = (row.get("tip") or "").strip()
            if not name or category not in valid or not tip:
                raise Invalid(
                    "guide_row_invalid", _("第 %(line)s 行无效：名称、类别、投放要点均须填写且类别有效") % {"line": line}, field="guide"
                )
            if name in seen:
                raise Invalid("guide_row_duplicate", _("第 %(line)s 行重复：%(name)s") % {"line": line, "name": name}, field="guide")
            seen.add(name)
            rows.append({"name": name[:40], "aliases": (row.get("aliases") or "").strip()[:200], "category": category, "tip": tip[:300]})
    return rows


# ---------------------------------------------------------------- quizzes (on engines/quiz)


def question_bank_load(*, path: Path | str = QUESTIONS_FILE, bank_name: str = STARTER_BANK, actor=None) -> dict:
    """Load the starter bank from JSON; questions are matched by their ``key`` (idempotent)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise Invalid("question_invalid", _("题库文件应是题目的列表"), field="questions")
    bank = quiz.bank_get_or_create(owner=OWNER, name=bank_name, description=_("依据《北京市生活垃圾管理条例》和北京市生活垃圾分类指引编写"))
    with transaction.atomic():
        result = quiz.questions_upsert(bank=bank, items=data)
        if result["created"] or result["updated"]:
            audit(actor=actor, action="knowledge.question_bank_load", obj=bank, changes=result)
    return result


attempt_day = quiz.attempt_day


def attempt_start(
    *, campaign: Campaign, member: Member, actor=None, now: dt.datetime | None = None, rng: random.Random | None = None
) -> Attempt:
    """Start (or resume) the member's attempt at one of this programme's campaigns (see the engine)."""
    if campaign.owner != OWNER:
        raise NotFound("campaign_not_found", _("找不到这个答题活动"), field="campaign")
    return _as(Attempt, quiz.attempt_start(campaign=campaign, member=member, now=now, rng=rng))


def answer_submit(
    *, attempt_id: int, member: Member, question_id, chosen, client_key: str, actor=None, now: dt.datetime | None = None
) -> quiz.AnswerResult:
    """Check one answer on the server and credit points once, as a knowledge-quiz credit (see the engine)."""
    result = quiz.answer_submit(
        owner=OWNER,
        ledger_reason=LEDGER_REASON,
        attempt_id=attempt_id,
        member=member,
        question_id=question_id,
        chosen=chosen,
        client_key=client_key,
        actor=actor,
        now=now,
    )
    return quiz.AnswerResult(_as(Answer, result.answer), _as(Question, result.question), result.created)


def _as(proxy, obj):
    """The engine answers with its own models; this programme's proxies share their table and
    fields, so the same row is handed on as the programme's type (``isinstance`` holds)."""
    obj.__class__ = proxy
    return obj
