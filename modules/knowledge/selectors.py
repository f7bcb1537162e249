"""Reads of the knowledge programme. Anything scoped takes the viewer and goes through core.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.errors import Forbidden, NotFound
from core.models import Member, Organisation
from core.privacy import public_name
from modules.knowledge.constants import CATEGORY_RULES, Category, WrongSortReason
from modules.knowledge.models import Answer, Article, Attempt, Campaign, GuideItem, Question
from modules.knowledge.reasons import REASONS
from modules.knowledge.search import Hit, guide_index

# ---------------------------------------------------------------- the guide


def guide_search(query: str, *, category: str | None = None, limit: int = 20) -> list[Hit]:
    if category and category not in Category.values:
        category = None
    return guide_index().search(query or "", category=category, limit=max(1, min(limit, 50)))


def guide_by_category(per_category: int = 12) -> list[dict]:
    """The start page of the guide: each category, its rule, its count and a few common items."""
    index = guide_index()
    groups = []
    for value, label in Category.choices:
        entries = [e for e in index.entries if e.category == value]
        groups.append(
            {"code": value, "label": label, "rule": CATEGORY_RULES[value], "count": len(entries), "items": entries[:per_category]}
        )
    return groups


def reason_detail(code: str) -> dict:
    """A wrong-sort reason explained, with its guide entries (in the order the mapping lists them)."""
    if code not in WrongSortReason.values:
        raise NotFound("reason_not_found", _("没有这个不合格原因"), field="code")
    spec = REASONS[code]
    items = {i.name: i for i in GuideItem.objects.filter(name__in=spec["items"], is_active=True)}
    return {
        "code": code,
        "label": WrongSortReason(code).label,
        "explanation": spec["explanation"],
        "categories": [{"code": c, "label": Category(c).label, "rule": CATEGORY_RULES[c]} for c in spec["categories"]],
        "items": [items[name] for name in spec["items"] if name in items],
    }


def articles_published():
    return Article.objects.filter(is_published=True).only(
        "id", "title", "summary", "image", "image_alt", "category", "pinned", "created_at"
    )


# ---------------------------------------------------------------- quizzes


def daily_campaign(now: dt.datetime | None = None) -> Campaign | None:
    now = now or timezone.now()
    return (
        Campaign.objects.filter(kind=Campaign.Kind.DAILY, is_active=True, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-starts_at")
        .first()
    )


def contests_for_workers(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    qs = Campaign.objects.filter(kind=Campaign.Kind.CONTEST, is_active=True)
    return {
        "running": list(qs.filter(starts_at__lte=now, ends_at__gt=now).order_by("ends_at")),
        "upcoming": list(qs.filter(starts_at__gt=now).order_by("starts_at")[:10]),
        "past": list(qs.filter(ends_at__lte=now).order_by("-ends_at")[:10]),
    }


def attempt_of(member: Member | None, campaign: Campaign, now: dt.datetime | None = None) -> Attempt | None:
    if member is None:
        return None
    from modules.knowledge.services import attempt_day

    return Attempt.objects.filter(campaign=campaign, member=member, day=attempt_day(campaign, now or timezone.now())).first()


@dataclass
class QuestionView:
    """A question as the page shows it: the correct answer only once it has been answered."""

    id: int
    kind: str
    kind_label: str
    text: str
    options: list[str]
    number: int
    answer: Answer | None = None
    correct: list[int] | None = None
    explanation: str = ""

    def as_dict(self) -> dict:
        out = {
            "id": self.id,
            "number": self.number,
            "kind": self.kind,
            "text": self.text,
            "options": self.options,
            "answered": self.answer is not None,
        }
        if self.answer is not None:
            out["result"] = answer_dict(self.answer, correct=self.correct or [], explanation=self.explanation)
        return out


def answer_dict(answer: Answer, *, correct: list[int], explanation: str) -> dict:
    return {
        "chosen": answer.chosen,
        "is_correct": answer.is_correct,
        "in_time": answer.in_time,
        "points": answer.points,
        "correct": correct,
        "explanation": explanation,
    }


def attempt_questions(attempt: Attempt) -> list[QuestionView]:
    """The attempt's questions in drawn order (two queries)."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    answers = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    views = []
    for number, qid in enumerate(attempt.question_ids, start=1):
        q = questions.get(qid)
        if q is None:
            continue
        answer = answers.get(qid)
        views.append(
            QuestionView(
                id=q.pk,
                kind=q.kind,
                kind_label=q.get_kind_display(),
                text=q.text,
                options=list(q.options),
                number=number,
                answer=answer,
                correct=list(q.correct) if answer else None,
                explanation=q.explanation if answer else "",
            )
        )
    return views


def attempt_dict(attempt: Attempt, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    remaining = None
    if attempt.deadline is not None:
        remaining = max(0, int((attempt.deadline - now).total_seconds()))
    return {
        "id": attempt.pk,
        "campaign_id": attempt.campaign_id,
        "day": attempt.day.isoformat(),
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "seconds_left": remaining,
        "open": attempt.is_open(now),
        "answered": attempt.answered,
        "correct": attempt.correct,
        "points": attempt.points,
        "questions": [v.as_dict() for v in attempt_questions(attempt)],
    }


@dataclass
class RankRow:
    rank: int
    name: str
    correct: int
    elapsed_seconds: float
    is_me: bool = False


def contest_ranking(campaign: Campaign, *, viewer_member: Member | None = None, limit: int = 50) -> dict:
    """Top ``limit`` of a contest (masked, consent-aware names) and the viewer's own place."""
    attempts = (
        Attempt.objects.filter(campaign=campaign, answered__gt=0)
        .select_related("member")
        .only("id", "correct", "elapsed_ms", "member__id", "member__name", "member__ranking_consent")
        .order_by("-correct", "elapsed_ms", "id")[:limit]
    )
    rows = [
        RankRow(
            rank=i,
            name=public_name(a.member),
            correct=a.correct,
            elapsed_seconds=round(a.elapsed_ms / 1000, 1),
            is_me=bool(viewer_member and a.member_id == viewer_member.pk),
        )
        for i, a in enumerate(attempts, start=1)
    ]
    mine = None
    if viewer_member is not None:
        own = Attempt.objects.filter(campaign=campaign, member=viewer_member, answered__gt=0).first()
        if own is not None:
            ahead = (
                Attempt.objects.filter(campaign=campaign, answered__gt=0)
                .filter(
                    Q(correct__gt=own.correct)
                    | Q(correct=own.correct, elapsed_ms__lt=own.elapsed_ms)
                    | Q(correct=own.correct, elapsed_ms=own.elapsed_ms, id__lt=own.id)
                )
                .count()
            )
            mine = RankRow(
                rank=ahead + 1,
                name=public_name(viewer_member),
                correct=own.correct,
                elapsed_seconds=round(own.elapsed_ms / 1000, 1),
                is_me=True,
            )
    total = Attempt.objects.filter(campaign=campaign, answered__gt=0).count()
    return {"rows": rows, "mine": mine, "total": total}


def _require_results(viewer) -> None:
    if not viewer.has_perm("knowledge.view_results"):
        raise Forbidden("forbidden", _("没有权限查看答题统计"))


def campaign_participation(*, viewer, campaign: Campaign, day: dt.date | None = None) -> dict:
    """Per union in the viewer's scope: members on the roll, members who took part, and the share.

    Two grouped queries (members, participants) whatever the number of unions.
    """
    _require_results(viewer)
    members = dict(
        Member.objects.filter(scoping.organisation_scope_q(viewer, "organisation"), status=Member.Status.ACTIVE)
        .values_list("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    attempts = Attempt.objects.filter(scoping.organisation_scope_q(viewer, "organisation"), campaign=campaign)
    if day is not None:
        attempts = attempts.filter(day=day)
    taken = dict(attempts.values_list("organisation_id").annotate(n=Count("member_id", distinct=True)).values_list("organisation_id", "n"))
    org_ids = set(members) | set(taken)
    names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("id", "name"))
    rows = []
    for org_id in org_ids:
        m, p = members.get(org_id, 0), taken.get(org_id, 0)
        rows.append(
            {"organisation_id": org_id, "organisation": names.get(org_id, ""), "members": m, "participants": p, "share": _share(p, m)}
        )
    rows.sort(key=lambda r: (-r["share"], -r["participants"], r["organisation"]))
    total_members, total_participants = sum(members.values()), sum(taken.values())
    return {"rows": rows, "members": total_members, "participants": total_participants, "share": _share(total_participants, total_members)}


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def campaigns_for_staff(viewer):
    _require_results(viewer)
    return Campaign.objects.select_related("bank").order_by("-starts_at")


def today_participation(viewer) -> dict:
    """Members in the viewer's scope who answered a daily quiz today."""
    today = timezone.localdate()
    members = Member.objects.filter(scoping.organisation_scope_q(viewer, "organisation"), status=Member.Status.ACTIVE).count()
    participants = (
        Attempt.objects.filter(
            scoping.organisation_scope_q(viewer, "organisation"), day=today, campaign__kind=Campaign.Kind.DAILY, answered__gt=0
        )
        .values("member_id")
        .distinct()
        .count()
    )
    return {"members": members, "participants": participants, "share": _share(participants, members)}


def dashboard_card(request):
    """Staff dashboard: today's daily-quiz participation in the viewer's scope."""
    if not request.user.has_perm("knowledge.view_results"):
        return None
    # Counting a district's roster on every dashboard view is wasteful; a minute's lag is fine.
    cache_key = f"knowledge:today:{request.user.pk}:{timezone.localdate().isoformat()}"
    figures = cache.get(cache_key)
    if figures is None:
        figures = today_participation(request.user)
        cache.set(cache_key, figures, 60)
    return {
        "title": _("今日答题参与"),
        "value": _("%(n)s 人") % {"n": figures["participants"]},
        "hint": _("占会员 %(share)s%%") % {"share": figures["share"]},
        "url": reverse("knowledge:staff_home"),
    }
