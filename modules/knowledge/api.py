"""/api/v1/knowledge/: the guide (public), reasons, the daily quiz, contests and participation."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from core import scoping
from core.api import ErrorOut
from core.errors import Forbidden, NotFound
from modules.knowledge import selectors, services
from modules.knowledge.constants import Category
from modules.knowledge.models import Campaign, GuideItem

router = Router(tags=["knowledge"])


class GuideItemOut(Schema):
    id: int
    name: str
    aliases: list[str]
    category: str
    category_label: str
    tip: str
    matched: str | None = None


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=40, description="物品名称、别名、拼音或首字母")
    category: Category | None = None
    limit: int = Field(20, ge=1, le=50)


def _item(entry, matched=None) -> dict:
    return {
        "id": entry.id,
        "name": entry.name,
        "aliases": entry.aliases,
        "category": entry.category,
        "category_label": str(Category(entry.category).label),
        "tip": entry.tip,
        "matched": matched,
    }


@router.get("/guide/search", auth=None, response={200: list[GuideItemOut], 422: ErrorOut}, summary="分类指南搜索")
def guide_search(request, params: Query[SearchIn]):
    return [_item(h.entry, h.matched) for h in selectors.guide_search(params.q, category=params.category, limit=params.limit)]


@router.get("/guide/items/{item_id}", auth=None, response={200: GuideItemOut, 404: ErrorOut}, summary="指南条目")
def guide_item(request, item_id: int):
    item = get_object_or_404(GuideItem, pk=item_id, is_active=True)
    return {
        "id": item.pk,
        "name": item.name,
        "aliases": item.alias_list(),
        "category": item.category,
        "category_label": item.get_category_display(),
        "tip": item.tip,
    }


class CategoryOut(Schema):
    code: str
    label: str
    rule: str


class ReasonOut(Schema):
    code: str
    label: str
    explanation: str
    categories: list[CategoryOut]
    items: list[GuideItemOut]


@router.get("/reasons/{code}", auth=None, response={200: ReasonOut, 404: ErrorOut}, summary="不合格原因与对应指南")
def reason(request, code: str):
    detail = selectors.reason_detail(code)
    return {
        "code": detail["code"],
        "label": str(detail["label"]),
        "explanation": str(detail["explanation"]),
        "categories": [{"code": c["code"], "label": str(c["label"]), "rule": str(c["rule"])} for c in detail["categories"]],
        "items": [
            {
                "id": i.pk,
                "name": i.name,
                "aliases": i.alias_list(),
                "category": i.category,
                "category_label": i.get_category_display(),
                "tip": i.tip,
            }
            for i in detail["items"]
        ],
    }


class ResultOut(Schema):
    chosen: list[int]
    is_correct: bool
    in_time: bool
    points: int
    correct: list[int]
    explanation: str


class QuestionOut(Schema):
    id: int
    number: int
    kind: str
    text: str
    options: list[str]
    answered: bool
    result: ResultOut | None = None


class AttemptOut(Schema):
    id: int
    campaign_id: int
    day: str
    started_at: dt.datetime
    deadline: dt.datetime | None
    seconds_left: int | None
    open: bool
    answered: int
    correct: int
    points: int
    questions: list[QuestionOut]


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    questions_per_attempt: int
    points_per_correct: int
    time_limit_seconds: int | None


class DailyOut(Schema):
    campaign: CampaignOut | None
    attempt: AttemptOut | None


def _member(request):
    member = scoping.member_for(request.user)
    if member is None:
        raise Forbidden("not_a_member", _("只有在册会员可以参加答题"))
    return member


@router.get("/quiz/daily", response={200: DailyOut, 401: ErrorOut, 403: ErrorOut}, summary="今日答题（不含答案）")
def daily(request):
    member = _member(request)
    campaign = selectors.daily_campaign()
    attempt = selectors.attempt_of(member, campaign) if campaign else None
    return {"campaign": campaign, "attempt": selectors.attempt_dict(attempt) if attempt else None}


@router.post(
    "/quiz/daily/start", response={200: AttemptOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}, summary="开始今日答题"
)
def daily_start(request):
    member = _member(request)
    campaign = selectors.daily_campaign()
    if campaign is None:
        raise NotFound("no_daily_quiz", _("今天没有答题活动"))
    attempt = services.attempt_start(campaign=campaign, member=member, actor=request.user)
    return selectors.attempt_dict(attempt)


class AnswerIn(Schema):
    question_id: int
    chosen: list[int] = Field(..., min_length=1, max_length=6)
    client_key: str = Field(..., min_length=8, max_length=64, description="客户端生成的唯一编号；重试时沿用同一编号")


class AnswerOut(Schema):
    question_id: int
    replayed: bool
    result: ResultOut
    attempt_correct: int
    attempt_points: int


@router.post(
    "/attempts/{attempt_id}/answers",
    response={200: AnswerOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="提交答案（服务器判分）",
)
def answer(request, attempt_id: int, payload: AnswerIn):
    member = _member(request)
    result = services.answer_submit(
        attempt_id=attempt_id,
        member=member,
        question_id=payload.question_id,
        chosen=payload.chosen,
        client_key=payload.client_key,
        actor=request.user,
    )
    attempt = result.answer.attempt
    attempt.refresh_from_db(fields=["correct", "points"])
    return {
        "question_id": result.question.pk,
        "replayed": not result.created,
        "result": selectors.answer_dict(result.answer, correct=list(result.question.correct), explanation=result.question.explanation),
        "attempt_correct": attempt.correct,
        "attempt_points": attempt.points,
    }


class ContestsOut(Schema):
    running: list[CampaignOut]
    upcoming: list[CampaignOut]
    past: list[CampaignOut]


@router.get("/contests", auth=None, response=ContestsOut, summary="知识竞赛列表")
def contests(request):
    return selectors.contests_for_workers()


@router.post(
    "/contests/{campaign_id}/start",
    response={200: AttemptOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="开始竞赛（服务器计时）",
)
def contest_start(request, campaign_id: int):
    member = _member(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id, kind=Campaign.Kind.CONTEST, is_active=True)
    attempt = services.attempt_start(campaign=campaign, member=member, actor=request.user)
    return selectors.attempt_dict(attempt)


@router.get(
    "/contests/{campaign_id}/attempt", response={200: AttemptOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, summary="我的竞赛答题"
)
def contest_attempt(request, campaign_id: int):
    member = _member(request)
    campaign = get_object_or_404(Campaign, pk=campaign_id, kind=Campaign.Kind.CONTEST, is_active=True)
    attempt = selectors.attempt_of(member, campaign)
    if attempt is None:
        raise NotFound("attempt_not_found", _("尚未开始本竞赛"))
    return selectors.attempt_dict(attempt)


class RankRowOut(Schema):
    rank: int
    name: str
    correct: int
    elapsed_seconds: float
    is_me: bool


class RankingOut(Schema):
    total: int
    rows: list[RankRowOut]
    mine: RankRowOut | None


@router.get("/contests/{campaign_id}/ranking", auth=None, response={200: RankingOut, 404: ErrorOut}, summary="竞赛排名（姓名脱敏）")
def contest_ranking(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id, kind=Campaign.Kind.CONTEST, is_active=True)
    return selectors.contest_ranking(campaign, viewer_member=scoping.member_for(request.user))


class ParticipationRowOut(Schema):
    organisation_id: int
    organisation: str
    members: int
    participants: int
    share: float


class ParticipationOut(Schema):
    members: int
    participants: int
    share: float
    rows: list[ParticipationRowOut]


@router.get(
    "/campaigns/{campaign_id}/participation",
    response={200: ParticipationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="各工会参与率（按查看人范围）",
)
def participation(request, campaign_id: int, day: dt.date | None = None):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if campaign.kind == Campaign.Kind.DAILY and day is None:
        day = timezone.localdate()
    return selectors.campaign_participation(viewer=request.user, campaign=campaign, day=day)
