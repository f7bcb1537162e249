"""The prize shop's API (/api/v1/prizes/): the worker's shop, the pickup desk, staff cancel and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from core import scoping
from core.errors import Forbidden, Invalid
from core.privacy import mask_name
from engines.ledger.selectors import balance_of
from modules.prizes import selectors, services
from modules.prizes.models import Redemption

router = Router(tags=["prizes"])

# Ids are bounded so a giant number is a 422, never a database overflow.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Pagination(LimitOffsetPagination):
    """limit ≤ 100 and a bounded offset: a giant number is a 422, never an overflow in the database."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=100)
        offset: int = Field(0, ge=0, le=10**9)


def _member(request):
    member = scoping.member_for(request.user)
    if member is None:
        raise Forbidden("not_a_member", _("只有会员可以使用积分兑换"))
    return member


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    opening_note: str


class PrizeOut(Schema):
    id: int
    name: str
    description: str
    points_price: int
    stock: int
    per_person_limit: int
    valid_from: date
    valid_until: date
    pickup_days: int
    organisation: str = Field(alias="organisation.name")
    image_url: str | None = None

    @staticmethod
    def resolve_image_url(obj) -> str | None:
        return obj.image.url if obj.image else None


class PrizeDetailOut(PrizeOut):
    places: list[PlaceOut]
    balance: int
    redeemed_by_me: int


class RedemptionOut(Schema):
    id: int
    prize_id: int
    prize_name: str = Field(alias="prize.name")
    place_id: int
    place_name: str = Field(alias="place.name")
    points: int
    status: str
    status_label: str
    code: str = Field(alias="display_code")
    qr_url: str | None = None
    created_at: datetime
    expires_at: datetime
    handed_over_at: datetime | None
    closed_at: datetime | None
    cancel_reason: str

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class MyRedemptionOut(RedemptionOut):
    @staticmethod
    def resolve_qr_url(obj) -> str:
        from django.urls import reverse

        return reverse("prizes:my_qr", args=[obj.pk])


class HandedOverOut(Schema):
    id: int
    prize_name: str = Field(alias="prize.name")
    member_name: str
    status: str
    handed_over_at: datetime

    @staticmethod
    def resolve_member_name(obj) -> str:
        return mask_name(obj.member.name)


class RedeemIn(Schema):
    place_id: Id


class PickupIn(Schema):
    place_id: Id
    code: str = Field(max_length=64)


class CancelIn(Schema):
    reason: str = Field(max_length=200)


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/", response=list[PrizeOut], summary="可兑换的奖品")
@paginate(Pagination)
def list_prizes(request):
    return selectors.prizes_for_member(_member(request))


@router.get("/{int:prize_id}", response={200: PrizeDetailOut, **ERRORS}, summary="奖品详情")
def get_prize(request, prize_id: Id):
    member = _member(request)
    prize = selectors.prize_for_member(member, prize_id)
    if prize is None:
        return 404, {"code": "prize_not_found", "message": _("找不到该奖品"), "field": "prize_id"}
    prize.balance = balance_of(member.pk)
    prize.redeemed_by_me = selectors.live_count(member, prize)
    return 200, prize


@router.post(
    "/{int:prize_id}/redeem", response={200: MyRedemptionOut, 201: MyRedemptionOut, **ERRORS}, summary="兑换（需 Idempotency-Key 请求头）"
)
def redeem(request, prize_id: Id, payload: RedeemIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Redeem a prize. The client makes an ``Idempotency-Key`` per attempt and reuses it on retries:
    the same key answers the first redemption (200); with another prize or place, 409 ``idempotency_conflict``."""
    if not idempotency_key:
        raise Invalid("idempotency_key_required", _("请求头缺少 Idempotency-Key"), field="idempotency_key")
    result = services.redemption_create(
        actor=request.user, member=_member(request), prize_id=prize_id, place_id=payload.place_id, idempotency_key=idempotency_key
    )
    return (201 if result.created else 200), result.redemption


@router.get("/redemptions/mine", response=list[MyRedemptionOut], summary="我的兑换")
@paginate(Pagination)
def my_redemptions(request, status: str | None = None):
    queryset = selectors.redemptions_of_member(_member(request))
    if status:
        if status not in Redemption.Status.values:
            raise Invalid("invalid_status", _("状态无效"), field="status")
        queryset = queryset.filter(status=status)
    return queryset


@router.get("/redemptions/mine/{int:redemption_id}", response={200: MyRedemptionOut, **ERRORS}, summary="我的兑换详情")
def my_redemption(request, redemption_id: Id):
    return get_object_or_404(selectors.redemptions_of_member(_member(request)), pk=redemption_id)


@router.get("/pickup/places", response=list[PlaceOut], summary="我可核销的取货点")
def pickup_places(request):
    return list(selectors.places_for_pickup(request.user))


@router.post("/pickup", response={200: HandedOverOut, **ERRORS}, summary="核销取货码（取货点核销员）")
def pickup(request, payload: PickupIn):
    return services.redemption_hand_over(actor=request.user, place_id=payload.place_id, code=payload.code)


@router.post("/redemptions/{int:redemption_id}/cancel", response={200: RedemptionOut, **ERRORS}, summary="取消兑换并退还积分（工作人员）")
def cancel(request, redemption_id: Id, payload: CancelIn):
    if not request.user.has_perm("prizes.manage"):
        raise Forbidden("forbidden", _("没有权限取消兑换"))
    # Out of scope answers 404, like a redemption that does not exist.
    get_object_or_404(selectors.redemptions_visible_to(request.user), pk=redemption_id)
    return services.redemption_cancel(actor=request.user, redemption_id=redemption_id, reason=payload.reason)


class TallyOut(Schema):
    total: int
    pending: int
    handed_over: int
    expired: int
    cancelled: int
    points: int


class PrizeRowOut(TallyOut):
    prize_id: int
    name: str = Field(alias="prize__name")


class PlaceRowOut(TallyOut):
    place_id: int
    name: str = Field(alias="place__name")


class OrganisationRowOut(TallyOut):
    organisation_id: int
    name: str = Field(alias="organisation__name")


class AlertOut(Schema):
    id: int
    name: str
    stock: int
    stock_alert_threshold: int


class ReportOut(Schema):
    totals: TallyOut
    by_prize: list[PrizeRowOut]
    by_place: list[PlaceRowOut]
    by_organisation: list[OrganisationRowOut]
    stock_alerts: list[AlertOut]


@router.get("/reports", response={200: ReportOut, **ERRORS}, summary="兑换报表（按权限范围）")
def reports(request, start: date | None = None, end: date | None = None, organisations_limit: int = 200):
    if not request.user.has_perm("prizes.view_reports"):
        raise Forbidden("forbidden", _("没有权限查看报表"))
    if start and end and end < start:
        raise Invalid("invalid_period", _("结束日期不能早于开始日期"), field="end")
    if not 1 <= organisations_limit <= 2000:
        raise Invalid("invalid_limit", _("organisations_limit 应在 1 到 2000 之间"), field="organisations_limit")
    period = selectors.Period(start, end)
    return 200, {
        "totals": selectors.report_totals(request.user, period),
        "by_prize": selectors.report_by_prize(request.user, period),
        "by_place": selectors.report_by_place(request.user, period),
        "by_organisation": list(selectors.report_by_organisation(request.user, period)[:organisations_limit]),
        "stock_alerts": list(selectors.stock_alerts(request.user)[:200]),
    }
