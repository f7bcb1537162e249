"""Rankings API (/api/v1/rankings/): the public boards, and the signed-in worker's own places."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from core.api import ErrorOut
from core.errors import Forbidden, Invalid
from core.models import Member
from core.scoping import member_for
from engines.ranking import periods as P
from modules.bags import rankings as R
from modules.bags import selectors_worker as S

router = Router(tags=["rankings"])

Period = Literal["week", "month", "year", "all"]


class BoardRowOut(Schema):
    rank: int
    name: str
    score: float
    detail: str
    is_me: bool


class BoardOut(Schema):
    period: str
    period_key: str
    metric: str
    scope: str
    page: int
    pages: int
    total: int
    ready: bool
    rows: list[BoardRowOut]


class WorkerQuery(Schema):
    period: Period = "month"
    metric: Literal["points", "correct"] = "points"
    scope: str = "d"
    page: int = Field(1, ge=1, le=100_000)  # a giant page is a 422, not an overflow


class OrgQuery(Schema):
    period: Period = "month"
    metric: Literal["bags", "per_member"] = "per_member"
    scope: str = "d"
    page: int = Field(1, ge=1, le=100_000)  # a giant page is a 422, not an overflow


class StreetQuery(Schema):
    period: Period = "month"
    metric: Literal["bags", "per_member"] = "bags"
    page: int = Field(1, ge=1, le=100_000)  # a giant page is a 422, not an overflow


def _scope(raw: str, allow_org: bool) -> str:
    if raw == R.DISTRICT:
        return raw
    kinds = ("s", "o") if allow_org else ("s",)
    if raw[:1] in kinds and raw[1:].isdigit():
        return raw
    raise Invalid("invalid_scope", _("范围应为 d（全区）、s<街道编号>") + ("" if not allow_org else _("或 o<工会编号>")), field="scope")


def _out(board: S.BoardPage, *, period: str, metric: str, scope: str) -> dict:
    return {
        "period": period,
        "period_key": P.span(period).key,
        "metric": metric,
        "scope": scope,
        "page": board.page,
        "pages": board.pages,
        "total": board.total,
        "ready": board.ready,
        "rows": [{"rank": r.rank, "name": r.name, "score": r.score, "detail": r.detail, "is_me": r.is_me} for r in board.rows],
    }


def _viewer(request) -> Member | None:
    user = getattr(request, "user", None)
    return member_for(user) if user is not None and user.is_authenticated else None


@router.get("/workers", response={200: BoardOut, 422: ErrorOut}, auth=None, summary="最美职工榜（姓名按本人同意打码显示）")
def workers(request, q: Query[WorkerQuery]):
    scope = _scope(q.scope, allow_org=True)
    board = S.worker_board(metric=q.metric, period=q.period, scope=scope, page=q.page, viewer_member=_viewer(request))
    return _out(board, period=q.period, metric=q.metric, scope=scope)


@router.get("/organisations", response={200: BoardOut, 422: ErrorOut}, auth=None, summary="工会排行（使用智慧袋数 / 人均）")
def organisations(request, q: Query[OrgQuery]):
    scope = _scope(q.scope, allow_org=False)
    viewer = _viewer(request)
    board = S.organisation_board(
        metric=q.metric, period=q.period, scope=scope, page=q.page, highlight_org_id=viewer.organisation_id if viewer else None
    )
    return _out(board, period=q.period, metric=q.metric, scope=scope)


@router.get("/streets", response={200: BoardOut, 422: ErrorOut}, auth=None, summary="街道排行")
def streets(request, q: Query[StreetQuery]):
    board = S.street_board(metric=q.metric, period=q.period, page=q.page)
    return _out(board, period=q.period, metric=q.metric, scope=R.DISTRICT)


class RankPlaceOut(Schema):
    rank: int | None
    total: int
    score: float | None


class RankingMeOut(Schema):
    member_id: int
    balance: int
    week_bags: int
    month_bags: int
    total_bags: int
    correct_bags: int
    accuracy: int | None
    district_all: RankPlaceOut
    district_month: RankPlaceOut
    organisation_all: RankPlaceOut
    organisation_month: RankPlaceOut
    union_bags_month: RankPlaceOut
    union_per_member_month: RankPlaceOut
    ranking_consent: bool


@router.get("/me", response={200: RankingMeOut, 401: ErrorOut, 403: ErrorOut}, summary="我的积分与排名")
def me(request):
    member = _viewer(request)
    if member is None:
        raise Forbidden("not_a_member", _("只有会员可以查看自己的积分与排名"))
    member = Member.objects.select_related("organisation").get(pk=member.pk)
    o = S.worker_overview(member)

    def place(p):
        return {"rank": p.rank, "total": p.total, "score": p.score}

    return {
        "member_id": member.pk,
        "balance": o.balance,
        "week_bags": o.week_bags,
        "month_bags": o.month_bags,
        "total_bags": o.total_bags,
        "correct_bags": o.correct_bags,
        "accuracy": o.accuracy,
        "district_all": place(o.district_all),
        "district_month": place(o.district_month),
        "organisation_all": place(o.org_all),
        "organisation_month": place(o.org_month),
        "union_bags_month": place(o.union_bags_month),
        "union_per_member_month": place(o.union_per_member_month),
        "ranking_consent": member.ranking_consent,
    }
