"""JSON API of the special fund (/api/v1/fund/): funds with their balances and reports for the
district, applications for unions (draft, beneficiaries, submit), the street's and district's
transitions, finance's payment and returns, and receipt confirmation. Amounts are in fen."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core import scoping
from core.api import BoundedPagination, ErrorOut
from core.errors import Forbidden, NotFound
from core.models import Organisation
from modules.fund import selectors, services
from modules.fund.models import Beneficiary, Fund, Purpose

router = Router(tags=["fund"])
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _district(request) -> None:
    if not scoping.is_district_staff(request.user):
        raise Forbidden("forbidden", _("没有权限执行此操作"))


def _fund(request, fund_id: int) -> Fund:
    _district(request)
    fund = Fund.objects.filter(pk=fund_id).first()
    if fund is None:
        raise NotFound("not_found", _("找不到该基金"))
    return fund


class PurposeOut(Schema):
    id: int
    name: str
    allow_repeat: bool
    allocated: int
    committed: int
    paid: int
    remaining: int
    used_percent: int
    warn: bool


class FundOut(Schema):
    id: int
    name: str
    year: int
    status: str
    total: int
    committed: int
    paid: int
    remaining: int
    unallocated: int
    warn: bool
    purposes: list[PurposeOut]


def _fund_out(fund: Fund) -> dict:
    s = selectors.fund_status(fund)
    return {
        "id": fund.pk,
        "name": fund.name,
        "year": fund.year,
        "status": fund.status,
        "total": s.total,
        "committed": s.committed,
        "paid": s.paid,
        "remaining": s.remaining,
        "unallocated": s.unallocated,
        "warn": s.warn,
        "purposes": [
            {
                "id": p.purpose.pk,
                "name": p.purpose.name,
                "allow_repeat": p.purpose.allow_repeat,
                "allocated": p.allocated,
                "committed": p.committed,
                "paid": p.paid,
                "remaining": p.remaining,
                "used_percent": p.used_percent,
                "warn": p.warn,
            }
            for p in s.purposes
        ],
    }


@router.get("/funds", response={200: list[FundOut], 401: ErrorOut, 403: ErrorOut}, summary="专项基金及结余（区总工会）")
def fund_list(request):
    _district(request)
    return [_fund_out(f) for f in Fund.objects.all()[:50]]


@router.get(
    "/funds/{fund_id}",
    response={200: FundOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="基金详情：各用途额度、预留、拨付、结余",
)
def fund_detail(request, fund_id: int):
    return _fund_out(_fund(request, fund_id))


class StreetRow(Schema):
    street: str
    applications: int
    amount: int


class MonthRow(Schema):
    month: date | None
    applications: int
    paid: int
    returned: int


class FundReportOut(Schema):
    fund: FundOut
    applications: int
    beneficiaries: int
    by_street: list[StreetRow]
    by_month: list[MonthRow]
    top_unions: list[dict]
    top_people: list[dict]


@router.get("/funds/{fund_id}/report", response={200: FundReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, summary="统计报表")
def fund_report(request, fund_id: int):
    fund = _fund(request, fund_id)
    r = selectors.report(fund, request.user)
    return {
        "fund": _fund_out(fund),
        "applications": r.applications,
        "beneficiaries": r.beneficiaries,
        "by_street": r.by_street,
        "by_month": [{**m, "month": m["month"].date() if isinstance(m["month"], datetime) else m["month"]} for m in r.by_month],
        "top_unions": r.top_unions,
        "top_people": r.top_people,
    }


class FundApplicationOut(Schema):
    id: int
    fund_id: int
    purpose_id: int
    purpose: str
    organisation_id: int
    organisation: str
    title: str
    amount: int
    beneficiary_count: int
    committed: int
    state: str
    state_label: str
    reference: str | None
    paid_on: date | None


def _out(application, state: str) -> dict:
    d = getattr(application, "disbursement", None) if state in ("paid", "completed") else None
    return {
        "id": application.pk,
        "fund_id": application.fund_id,
        "purpose_id": application.purpose_id,
        "purpose": application.purpose.name,
        "organisation_id": application.organisation_id,
        "organisation": application.organisation.name,
        "title": application.title,
        "amount": application.amount,
        "beneficiary_count": application.beneficiary_count,
        "committed": application.committed,
        "state": state,
        "state_label": selectors.state_label(state),
        "reference": d.reference if d else None,
        "paid_on": d.paid_on if d else None,
    }


def _visible(request, application_id: int):
    application = selectors.application_for(request.user, application_id)
    if application is None:
        raise NotFound("not_found", _("找不到该申请，或不在您的权限范围内"))
    return application


class FundListFilter(Schema):
    state: str = Field("", max_length=32)
    fund_id: int | None = Field(None, ge=1, le=2**31)


@router.get("/applications", response={200: list[FundApplicationOut], 401: ErrorOut}, summary="申请列表（按权限范围）")
@paginate(BoundedPagination)
def application_list(request, filters: Query[FundListFilter]):
    rows = (
        selectors.with_state(selectors.applications_visible_to(request.user))
        .select_related("organisation", "purpose")
        .order_by("-created_at")
    )
    if filters.state:
        rows = rows.filter(cases__state=filters.state)
    if filters.fund_id:
        rows = rows.filter(fund_id=filters.fund_id)
    return [_out(a, a.state) for a in rows]


@router.get("/applications/{application_id}", response={200: FundApplicationOut, 401: ErrorOut, 404: ErrorOut}, summary="申请详情")
def application_detail(request, application_id: int):
    application = _visible(request, application_id)
    return _out(application, services.case_of(application).state)


class PhoneNameMismatchOut(Schema):
    beneficiary_id: int
    name: str
    id_tail: str
    phone: str
    roster_name_masked: str  # the roster's name for the row's phone, masked; district staff only ("" otherwise)


@router.get(
    "/applications/{application_id}/mismatches",
    response={200: list[PhoneNameMismatchOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="手机号与姓名不符的行（本人在“我的补助”中看不到，由工作人员核对）",
)
def application_mismatches(request, application_id: int):
    application = _visible(request, application_id)
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("只有工会工作人员可以查看"))
    is_district = scoping.is_district_staff(request.user)
    return [
        {
            "beneficiary_id": m.row.pk,
            "name": m.row.name,
            "id_tail": m.row.id_tail or "",
            "phone": m.row.phone,
            "roster_name_masked": m.roster_name_masked if is_district else "",
        }
        for m in selectors.phone_name_mismatches(application)
    ]


class FundApplicationCreateIn(Schema):
    purpose_id: int = Field(ge=1, le=2**31)
    organisation_id: int = Field(ge=1, le=2**31)
    title: str = Field(max_length=120)
    reason: str = Field("", max_length=4000)


@router.post("/applications", response={201: FundApplicationOut, **WRITE}, summary="新建申请草稿（基层工会）")
def application_create(request, payload: FundApplicationCreateIn):
    purpose = Purpose.objects.select_related("fund").filter(pk=payload.purpose_id).first()
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if purpose is None or organisation is None or not scoping.can_view_organisation(request.user, organisation):
        raise NotFound("not_found", _("找不到该用途或单位"))
    application = services.application_create(
        actor=request.user, fund=purpose.fund, purpose=purpose, organisation=organisation, title=payload.title, reason=payload.reason
    )
    return 201, _out(application, "draft")


class BeneficiaryIn(Schema):
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=20)
    amount: str = Field(max_length=20, description="金额（元），最多两位小数")
    category: str = Field("", max_length=40)
    phone: str = Field("", max_length=20)


class BeneficiariesIn(Schema):
    beneficiaries: list[BeneficiaryIn] = Field(max_length=services.BENEFICIARIES_MAX)


@router.put(
    "/applications/{application_id}/beneficiaries", response={200: FundApplicationOut, **WRITE}, summary="提交受益人名单（整份替换）"
)
def beneficiaries_put(request, application_id: int, payload: BeneficiariesIn):
    application = services.beneficiaries_replace(
        actor=request.user, application=_visible(request, application_id), rows=[b.dict() for b in payload.beneficiaries]
    )
    return _out(application, services.case_of(application).state)


class TransitionIn(Schema):
    name: str = Field(max_length=40)
    comment: str = Field("", max_length=2000)
    expected_state: str | None = Field(None, max_length=32)


@router.post(
    "/applications/{application_id}/transitions",
    response={200: FundApplicationOut, **WRITE},
    summary="办理申请（提交、审核、审批、撤销、办结）",
)
def application_transition(request, application_id: int, payload: TransitionIn):
    application = _visible(request, application_id)
    case = services.application_transition(
        actor=request.user, application=application, name=payload.name, comment=payload.comment, expected_state=payload.expected_state
    )
    application.refresh_from_db()
    return _out(application, case.state)


class PaymentIn(Schema):
    reference: str = Field(max_length=60)
    paid_on: date


@router.post("/applications/{application_id}/payment", response={200: FundApplicationOut, **WRITE}, summary="登记拨付（财务）")
def application_pay(request, application_id: int, payload: PaymentIn):
    application = _visible(request, application_id)
    services.disbursement_record(
        actor=request.user, application=application, reference=payload.reference, paid_on=payload.paid_on, expected_state="approved"
    )
    application = _visible(request, application_id)
    return _out(application, services.case_of(application).state)


class RefundIn(Schema):
    amount: int = Field(ge=1, le=services.MAX_FEN, description="分")
    reason: str = Field(max_length=200)
    returned_on: date
    beneficiary_id: int | None = Field(None, ge=1, le=2**31)


@router.post("/applications/{application_id}/returns", response={200: FundApplicationOut, **WRITE}, summary="登记退回（财务）")
def application_refund(request, application_id: int, payload: RefundIn):
    application = _visible(request, application_id)
    person = None
    if payload.beneficiary_id:
        person = Beneficiary.objects.filter(pk=payload.beneficiary_id, application=application).first()
        if person is None:
            raise NotFound("not_found", _("该受益人不在本申请中"))
    services.refund_record(
        actor=request.user,
        application=application,
        amount=payload.amount,
        reason=payload.reason,
        returned_on=payload.returned_on,
        beneficiary=person,
    )
    return _out(application, services.case_of(application).state)


class ReceiptsIn(Schema):
    beneficiary_ids: list[int] = Field(max_length=services.BENEFICIARIES_MAX)
    note: str = Field("", max_length=120)


class ReceiptsOut(Schema):
    confirmed: int


@router.post("/applications/{application_id}/receipts", response={200: ReceiptsOut, **WRITE}, summary="确认受益人已领取")
def application_receipts(request, application_id: int, payload: ReceiptsIn):
    application = _visible(request, application_id)
    return {
        "confirmed": services.receipts_confirm(
            actor=request.user, application=application, beneficiary_ids=payload.beneficiary_ids, note=payload.note
        )
    }


# --- the beneficiary's own payments --------------------------------------------------------------


class MyBenefitOut(Schema):
    id: int
    fund: str
    year: int
    purpose: str
    organisation: str
    name_masked: str
    id_tail_masked: str
    amount: int
    returned: int
    paid_on: date | None
    received_at: datetime | None
    status: str = Field(description="approved | paid | received | returned")
    status_label: str
    can_confirm: bool


@router.get("/me/benefits", response={200: list[MyBenefitOut], 401: ErrorOut}, summary="我的补助（本人登录手机号与会员姓名均相符的行）")
def my_benefits(request):
    return [vars(b) for b in selectors.my_benefits(request.user)]


@router.post("/me/benefits/{benefit_id}/receipt", response={200: MyBenefitOut, **WRITE}, summary="本人确认收到补助（可重复提交）")
def my_benefit_receipt(request, benefit_id: int):
    row = services.receipt_self_confirm(actor=request.user, beneficiary_id=benefit_id)
    return vars(selectors.my_benefit(request.user, row.pk))
