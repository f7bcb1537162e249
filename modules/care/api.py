"""JSON API of the care programme (/api/v1/care/): the public list of open wishes, posting and
claiming wishes, a donor's contributions, loans and their transitions, counselling bookings and
the staff's counts."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core.api import BoundedPagination, ErrorOut
from core.errors import NotFound
from modules.care import rules, selectors, services
from modules.care.models import Counsellor, LoanApplication, Wish, WishCampaign, WishClaim

router = Router(tags=["care"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- wishes ----------------------------------------------------------------------------------


class PublicWishOut(Schema):
    id: int
    first_name: str
    story: str
    item: str
    category: str
    value: int
    status: str
    unclaimed: bool
    street: str | None


class WishFilter(Schema):
    campaign_id: int | None = Field(None, ge=1, le=2**31)


@router.get("/wishes/open", auth=None, response={200: list[PublicWishOut], 422: ErrorOut}, summary="公开的微心愿清单（未认领在前）")
@paginate(BoundedPagination)
def wishes_open(request, filters: Query[WishFilter]):
    campaign = WishCampaign.objects.filter(pk=filters.campaign_id).first() if filters.campaign_id else None
    return [
        {
            "id": w["pk"],
            "first_name": w["first_name"],
            "story": w["story"],
            "item": w["item"],
            "category": w["category"],
            "value": w["value"],
            "status": w["status"],
            "unclaimed": w["status"] == Wish.Status.PUBLISHED,
            "street": w["street__name"],
        }
        for w in selectors.open_wishes(campaign)
    ]


class WishIn(Schema):
    campaign_id: int = Field(ge=1, le=2**31)
    member_id: int | None = Field(None, ge=1, le=2**31)
    first_name: str = Field(max_length=12)
    story: str = Field(max_length=600)
    item: str = Field(max_length=60)
    category: str = Field("daily", max_length=12)
    value: int = Field(ge=1, le=10**9)
    contact_phone: str = Field("", max_length=20)
    address: str = Field("", max_length=120)
    consent_publish: bool = False


class WishOut(Schema):
    id: int
    first_name: str
    item: str
    value: int
    status: str


def _wish_out(wish: Wish) -> dict:
    return {"id": wish.pk, "first_name": wish.first_name, "item": wish.item, "value": wish.value, "status": wish.status}


@router.post("/wishes", response={201: WishOut, **ERRORS}, summary="提交微心愿（本人或工会代填）")
def wish_post(request, payload: WishIn):
    from core.models import Member

    campaign = WishCampaign.objects.filter(pk=payload.campaign_id).first()
    if campaign is None:
        raise NotFound("care_campaign_not_found", _("找不到该活动"))
    member = None
    if payload.member_id:
        member = Member.objects.filter(pk=payload.member_id).first()
        if member is None:
            raise NotFound("care_member_not_found", _("找不到该职工"))
    data = payload.dict(exclude={"campaign_id", "member_id"})
    return 201, _wish_out(services.wish_post(actor=request.user, campaign=campaign, member=member, data=data))


def _published(wish_id: int) -> Wish:
    wish = (
        Wish.objects.select_related("organisation")
        .filter(  # with its union: the claim's audit names it
            pk=wish_id, status__in=[Wish.Status.PUBLISHED, Wish.Status.CLAIMED, Wish.Status.DELIVERED, Wish.Status.FULFILLED]
        )
        .first()
    )
    if wish is None:
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    return wish


def _managed(request, wish_id: int) -> Wish:
    wish = selectors.wishes_visible_to(request.user).filter(pk=wish_id).first()
    if wish is None or not rules.may_view_wish(request.user, wish):
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    return wish


class ClaimIn(Schema):
    donor_name: str = Field("", max_length=80)
    note: str = Field("", max_length=200)


class ClaimOut(Schema):
    id: int
    wish_id: int
    item: str
    status: str
    donor_name: str


def _claim_out(claim: WishClaim) -> dict:
    return {"id": claim.pk, "wish_id": claim.wish_id, "item": claim.wish.item, "status": claim.status, "donor_name": claim.donor_name}


@router.post("/wishes/{wish_id}/claim", response={201: ClaimOut, **ERRORS}, summary="认领心愿（两人同时认领，只有一人成功）")
def wish_claim(request, wish_id: int, payload: ClaimIn):
    claim = services.wish_claim(actor=request.user, wish=_published(wish_id), donor_name=payload.donor_name, note=payload.note)
    return 201, _claim_out(claim)


class ActionIn(Schema):
    action: str = Field(max_length=20)
    reason: str = Field("", max_length=200)


@router.post("/wishes/{wish_id}/actions", response={200: WishOut, **ERRORS}, summary="核实、发布、确认认领、确认收到、撤回")
def wish_action(request, wish_id: int, payload: ActionIn):
    from core import scoping
    from core.errors import Invalid

    user = request.user
    if payload.action == "publish" and scoping.is_district_staff(user):
        wish = Wish.objects.filter(pk=wish_id).first()
        if wish is None:
            raise NotFound("care_wish_not_found", _("找不到该心愿"))
    else:
        wish = _managed(request, wish_id)
    if payload.action == "verify":
        wish = services.wish_verify(actor=user, wish=wish)
    elif payload.action == "reject":
        wish = services.wish_verify(actor=user, wish=wish, approve=False, reason=payload.reason)
    elif payload.action == "publish":
        wish = services.wish_publish(actor=user, wish=wish)
    elif payload.action in ("confirm_claim", "decline_claim"):
        claim = selectors.live_claim(wish)
        if claim is None:
            raise NotFound("care_claim_not_found", _("找不到该认领"))
        if payload.action == "confirm_claim":
            services.claim_confirm(actor=user, claim=claim)
        else:
            services.claim_decline(actor=user, claim=claim, reason=payload.reason)
        wish.refresh_from_db()
    elif payload.action == "received":
        wish = services.wish_confirm_received(actor=user, wish=wish)
    elif payload.action == "withdraw":
        wish = services.wish_withdraw(actor=user, wish=wish)
    else:
        raise Invalid("care_unknown_action", _("没有这个操作"), field="action")
    return _wish_out(wish)


@router.get("/contributions", response={200: list[ClaimOut], 401: ErrorOut}, summary="我的爱心认领")
@paginate(BoundedPagination)
def my_contributions(request):
    return [_claim_out(c) for c in selectors.my_claims(request.user)]


def _my_claim(request, claim_id: int) -> WishClaim:
    claim = WishClaim.objects.select_related("wish").filter(pk=claim_id, donor=request.user).first()
    if claim is None:
        raise NotFound("care_claim_not_found", _("找不到该认领"))
    return claim


@router.post("/contributions/{claim_id}/actions", response={200: ClaimOut, **ERRORS}, summary="接受、婉拒、退回认领")
def contribution_action(request, claim_id: int, payload: ActionIn):
    from core.errors import Invalid

    claim = _my_claim(request, claim_id)
    if payload.action == "accept":
        claim = services.claim_accept(actor=request.user, claim=claim)
    elif payload.action == "decline":
        claim = services.claim_decline(actor=request.user, claim=claim, reason=payload.reason)
    elif payload.action == "give_back":
        claim = services.claim_give_back(actor=request.user, claim=claim, reason=payload.reason)
    else:
        raise Invalid("care_unknown_action", _("没有这个操作"), field="action")
    return _claim_out(claim)


class ContactOut(Schema):
    first_name: str
    phone: str
    address: str
    union: str


@router.get(
    "/contributions/{claim_id}/contact",
    response={200: ContactOut, 401: ErrorOut, 404: ErrorOut},
    summary="心愿人联系方式（认领确认后，仅本捐赠人；留痕）",
)
def contribution_contact(request, claim_id: int):
    return services.wish_contact(viewer=request.user, claim=_my_claim(request, claim_id))


class FiguresOut(Schema):
    posted: int
    verified: int
    claimed: int
    fulfilled: int
    open: int
    value_posted: int
    value_fulfilled: int


@router.get(
    "/campaigns/{campaign_id}/figures", auth=None, response={200: FiguresOut, 404: ErrorOut}, summary="活动统计（征集、认领、圆梦、价值）"
)
def campaign_figures(request, campaign_id: int):
    campaign = WishCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("care_campaign_not_found", _("找不到该活动"))
    return selectors.campaign_figures(campaign).__dict__


# --- loans -----------------------------------------------------------------------------------


class LoanIn(Schema):
    group: str = Field(max_length=20)
    business_name: str = Field(max_length=80)
    business_plan: str = Field(max_length=4000)
    amount: int = Field(ge=1, le=10**10)
    term_months: int = Field(ge=1, le=1000)
    bank: str = Field("", max_length=60)


class LoanOut(Schema):
    id: int
    business_name: str
    group: str
    amount: int
    term_months: int
    state: str
    approved_amount: int | None


def _loan_out(loan: LoanApplication, state: str) -> dict:
    return {
        "id": loan.pk,
        "business_name": loan.business_name,
        "group": loan.group,
        "amount": loan.amount,
        "term_months": loan.term_months,
        "state": state,
        "approved_amount": loan.approved_amount,
    }


@router.get("/loans", response={200: list[LoanOut], 401: ErrorOut}, summary="贷款申请（本人的，或权限范围内的）")
@paginate(BoundedPagination)
def loan_list(request):
    loans = list(selectors.loans_visible_to(request.user).order_by("-created_at")[:1000])
    states = selectors.loan_states(loans)
    return [_loan_out(loan, states.get(loan.pk, "")) for loan in loans]


@router.post("/loans", response={201: LoanOut, **ERRORS}, summary="申请创业贷款（草稿）")
def loan_create(request, payload: LoanIn):
    loan = services.loan_create(actor=request.user, data=payload.dict())
    return 201, _loan_out(loan, "draft")


def _loan(request, loan_id: int) -> LoanApplication:
    loan = selectors.loans_visible_to(request.user).filter(pk=loan_id).first()
    if loan is None:
        raise NotFound("care_loan_not_found", _("找不到该申请"))
    return loan


@router.get("/loans/{loan_id}", response={200: LoanOut, 401: ErrorOut, 404: ErrorOut}, summary="贷款申请详情")
def loan_detail(request, loan_id: int):
    loan = _loan(request, loan_id)
    return _loan_out(loan, services.loan_case(loan).state)


class TransitionIn(Schema):
    name: str = Field(max_length=40)
    comment: str = Field("", max_length=2000)
    expected_state: str | None = Field(None, max_length=32)


@router.post("/loans/{loan_id}/transitions", response={200: LoanOut, **ERRORS}, summary="办理（提交、初审、复核——两人、退回、不予支持）")
def loan_transition(request, loan_id: int, payload: TransitionIn):
    loan = _loan(request, loan_id)
    case = services.loan_transition(
        actor=request.user, loan=loan, name=payload.name, comment=payload.comment, expected_state=payload.expected_state
    )
    loan.refresh_from_db()
    return _loan_out(loan, case.state)


class BankDecisionIn(Schema):
    approved: bool
    reference: str = Field("", max_length=60)
    amount: int | None = Field(None, ge=1, le=10**10)
    annual_rate_bp: int | None = Field(None, ge=1, le=10000)
    disbursed_on: date | None = None


@router.post("/loans/{loan_id}/bank-decision", response={200: LoanOut, **ERRORS}, summary="登记合作银行审批结果（生成还款计划）")
def loan_bank_decision(request, loan_id: int, payload: BankDecisionIn):
    loan = services.loan_bank_decision(actor=request.user, loan=_loan(request, loan_id), **payload.dict())
    return _loan_out(loan, services.loan_case(loan).state)


# --- counselling -----------------------------------------------------------------------------


class CounsellorOut(Schema):
    id: int
    name: str
    qualification: str
    online: bool
    in_person: bool


@router.get("/counsellors", response={200: list[CounsellorOut], 401: ErrorOut}, summary="心理咨询师")
def counsellor_list(request):
    return [
        {"id": c.pk, "name": c.name, "qualification": c.qualification, "online": c.online, "in_person": c.in_person}
        for c in Counsellor.objects.filter(active=True).order_by("name")
    ]


class BookingIn(Schema):
    counsellor_id: int = Field(ge=1, le=2**31)
    starts_at: datetime
    mode: str = Field(max_length=10)
    consent: bool = False
    intake: str = Field("", max_length=1000)
    repeat_weeks: int = Field(1, ge=1, le=12)


class BookingOut(Schema):
    id: int
    counsellor: str
    starts_at: datetime
    mode: str
    status: str


@router.post("/bookings", response={201: list[BookingOut], **ERRORS}, summary="预约心理咨询（须单独同意）")
def booking_create(request, payload: BookingIn):
    counsellor = Counsellor.objects.filter(pk=payload.counsellor_id, active=True).first()
    if counsellor is None:
        raise NotFound("care_counsellor_not_found", _("找不到该咨询师"))
    bookings = services.booking_create(
        actor=request.user,
        counsellor=counsellor,
        starts_at=payload.starts_at,
        mode=payload.mode,
        consent=payload.consent,
        intake=payload.intake,
        repeat_weeks=payload.repeat_weeks,
    )
    return 201, [
        {"id": b.pk, "counsellor": counsellor.name, "starts_at": b.starts_at, "mode": b.mode, "status": b.status} for b in bookings
    ]


class CountsOut(Schema):
    booked: int
    attended: int
    cancelled: int
    cancelled_by_member: int
    no_show: int
    online: int
    crisis: int
    hotline_calls: int
    hotline_referred: int


@router.get("/counselling/counts", response={200: CountsOut, 401: ErrorOut, 403: ErrorOut}, summary="心理咨询统计（仅计数）")
def counselling_counts(request):
    from core import scoping
    from core.errors import Forbidden

    if not scoping.is_district_staff(request.user):
        raise Forbidden("care_forbidden", _("只有区总工会可以查看统计"))
    return selectors.counselling_counts()
