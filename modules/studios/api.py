"""JSON API of the innovation studios (/api/v1/studios/): applications for their union's admin,
the street's and district's lists, transitions, and the expert's scoring."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core import scoping
from core.api import BoundedPagination, ErrorOut
from core.errors import Forbidden, Invalid, NotFound
from core.models import Organisation, User
from modules.studios import rules, selectors, services, services_annual, services_subsidy
from modules.studios.models import AnnualCheck, Application, Call, ExpertAssignment, Subsidy

router = Router(tags=["studios"])


class TeamMemberIn(Schema):
    name: str = Field(max_length=40)
    role: str = Field("", max_length=40)


class StudioResultIn(Schema):
    kind: str = Field(max_length=16)
    title: str = Field(max_length=120)
    year: int = Field(ge=1949, le=2100)


class ApplicationIn(Schema):
    name: str | None = Field(None, max_length=80)
    field: str | None = Field(None, max_length=16)
    leader_name: str | None = Field(None, max_length=40)
    leader_title: str | None = Field(None, max_length=80)
    leader_honours: str | None = Field(None, max_length=4000)
    team: list[TeamMemberIn] | None = Field(None, max_length=60)
    results: list[StudioResultIn] | None = Field(None, max_length=60)
    summary: str | None = Field(None, max_length=4000)
    facilities: str | None = Field(None, max_length=4000)
    consent_to_notice: bool | None = None


class ApplicationCreateIn(ApplicationIn):
    call_id: int
    organisation_id: int
    name: str = Field(max_length=80)


class ApplicationOut(Schema):
    id: int
    call_id: int
    organisation_id: int
    organisation: str
    name: str
    field: str
    leader_name: str
    leader_title: str
    team_size: int
    results: list[dict]
    state: str
    state_label: str
    total: str | None
    submitted_at: datetime | None


def _out(application: Application, state: str) -> dict:
    return {
        "id": application.pk,
        "call_id": application.call_id,
        "organisation_id": application.organisation_id,
        "organisation": application.organisation.name,
        "name": application.name,
        "field": application.field,
        "leader_name": application.leader_name,
        "leader_title": application.leader_title,
        "team_size": len(application.team),
        "results": application.results,
        "state": state,
        "state_label": selectors.state_label(state),
        "total": str(application.evaluation.total) if application.evaluation_id and application.evaluation.total is not None else None,
        "submitted_at": application.submitted_at,
    }


def _visible(request, application_id: int) -> Application:
    application = selectors.application_for(request.user, application_id)
    if application is None:
        raise NotFound("not_found", _("找不到该申报，或不在您的权限范围内"))
    return application


def _data(payload: ApplicationIn) -> dict:
    data = payload.dict(exclude_unset=True, exclude={"call_id", "organisation_id"})
    return {k: v for k, v in data.items() if v is not None}


class StudioListFilter(Schema):
    state: str = Field("", max_length=32)
    call_id: int | None = Field(None, ge=1, le=2**31)


@router.get("/applications", response={200: list[ApplicationOut], 401: ErrorOut}, summary="申报列表（按权限范围）")
@paginate(BoundedPagination)
def application_list(request, filters: Query[StudioListFilter]):
    rows = (
        selectors.with_state(selectors.applications_visible_to(request.user))
        .select_related("organisation", "evaluation")
        .order_by("-created_at")
    )
    if filters.state:
        rows = rows.filter(cases__state=filters.state)
    if filters.call_id:
        rows = rows.filter(call_id=filters.call_id)
    return [_out(a, a.state) for a in rows]


@router.get("/applications/{application_id}", response={200: ApplicationOut, 401: ErrorOut, 404: ErrorOut}, summary="申报详情")
def application_detail(request, application_id: int):
    application = _visible(request, application_id)
    return _out(application, services.case_of(application).state)


@router.post(
    "/applications",
    response={201: ApplicationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="新建申报草稿（基层工会）",
)
def application_create(request, payload: ApplicationCreateIn):
    call = Call.objects.filter(pk=payload.call_id).first()
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if call is None or organisation is None or not scoping.can_view_organisation(request.user, organisation):
        raise NotFound("not_found", _("找不到该申报通知或单位"))
    application = services.application_create(actor=request.user, call=call, organisation=organisation, data=_data(payload))
    return 201, _out(application, "draft")


@router.patch(
    "/applications/{application_id}",
    response={200: ApplicationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="修改草稿或退回的申报",
)
def application_update(request, application_id: int, payload: ApplicationIn):
    application = services.application_update(actor=request.user, application=_visible(request, application_id), data=_data(payload))
    return _out(application, services.case_of(application).state)


class StudioTransitionIn(Schema):
    name: str = Field(max_length=40)
    comment: str = Field("", max_length=2000)
    expected_state: str | None = Field(None, max_length=32)


@router.post(
    "/applications/{application_id}/transitions",
    response={200: ApplicationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="办理申报（提交、初审、审定、公示、命名……）",
)
def application_transition(request, application_id: int, payload: StudioTransitionIn):
    application = _visible(request, application_id)
    case = services.application_transition(
        actor=request.user, application=application, name=payload.name, comment=payload.comment, expected_state=payload.expected_state
    )
    application.refresh_from_db()
    return _out(application, case.state)


class StudioAssignmentOut(Schema):
    id: int
    application_id: int
    application: str
    declared: bool
    scored: bool
    in_review: bool

    @staticmethod
    def resolve_application(obj):
        return obj.application.name

    @staticmethod
    def resolve_declared(obj):
        return obj.declared_at is not None

    @staticmethod
    def resolve_in_review(obj):
        return obj.state == "expert_review"


@router.get("/expert/assignments", response={200: list[StudioAssignmentOut], 401: ErrorOut, 403: ErrorOut}, summary="我的评审任务（专家）")
@paginate(BoundedPagination)
def expert_assignments(request):
    if not rules.is_expert(request.user):
        raise Forbidden("forbidden", _("没有权限执行此操作"))
    return selectors.expert_inbox(request.user)


class StudioScoresIn(Schema):
    scores: dict[str, float]
    comment: str = Field("", max_length=2000)


@router.post(
    "/expert/assignments/{assignment_id}/scores",
    response={200: StudioAssignmentOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="提交评分（专家，须先声明无利益冲突）",
)
def expert_scores(request, assignment_id: int, payload: StudioScoresIn):
    assignment = ExpertAssignment.objects.select_related("application").filter(pk=assignment_id, expert=request.user).first()
    if assignment is None:
        raise NotFound("not_found", _("找不到该评审任务"))
    services.scores_submit(
        actor=request.user,
        application=assignment.application,
        scores={k: str(v) for k, v in payload.scores.items()},
        comment=payload.comment,
    )
    return {
        "id": assignment.pk,
        "application_id": assignment.application_id,
        "application": assignment.application.name,
        "declared": True,
        "scored": True,
        "in_review": True,
    }


# --- calls and expert assignment (district) ---------------------------------------------------


class CallOut(Schema):
    id: int
    year: int
    title: str
    opens_on: date
    closes_on: date
    quota: int
    min_team_size: int
    experts_per_application: int
    notice_days: int
    quota_used: int

    @staticmethod
    def resolve_quota_used(obj):
        return selectors.quota_used(obj)


class CallIn(Schema):
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=2, max_length=120)
    description: str = Field("", max_length=4000)
    opens_on: date
    closes_on: date
    quota: int = Field(ge=1, le=1000)
    min_team_size: int = Field(5, ge=1, le=200)
    experts_per_application: int = Field(2, ge=1, le=20)
    notice_days: int = Field(7, ge=1, le=60)


@router.get("/calls", response={200: list[CallOut], 401: ErrorOut, 403: ErrorOut}, summary="申报通知列表（工作人员）")
@paginate(BoundedPagination)
def call_list(request):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("没有权限执行此操作"))
    return Call.objects.order_by("-year", "-opens_on")


@router.post(
    "/calls", response={201: CallOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}, summary="发布申报通知（区总工会，采用区级评定标准）"
)
def call_create(request, payload: CallIn):
    if not scoping.is_district_staff(request.user):
        raise Forbidden("studios_forbidden", _("只有区总工会可以发布申报通知"))
    call = services.call_create(actor=request.user, rubric=services.standard_rubric(actor=request.user), **payload.dict())
    return 201, call


class ExpertAssignIn(Schema):
    expert_id: int = Field(ge=1, le=2**31)


class ExpertAssignmentOut(Schema):
    id: int
    application_id: int
    expert_id: int
    declared: bool

    @staticmethod
    def resolve_declared(obj):
        return obj.declared_at is not None


@router.post(
    "/applications/{application_id}/experts",
    response={201: ExpertAssignmentOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="分配评审专家（区总工会；利益冲突在分配前检查）",
)
def expert_assign(request, application_id: int, payload: ExpertAssignIn):
    if not scoping.is_district_staff(request.user):
        raise Forbidden("studios_forbidden", _("只有区总工会可以分配评审专家"))
    application = _visible(request, application_id)
    expert = User.objects.filter(pk=payload.expert_id).first()
    if expert is None:
        raise Invalid("studios_not_expert", _("该用户不是评审专家"), field="expert_id")
    return 201, services.expert_assign(actor=request.user, application=application, expert=expert)


class ConflictIn(Schema):
    organisation_id: int = Field(ge=1, le=2**31)
    reason: str = Field(max_length=120)


@router.post(
    "/expert/conflicts",
    response={201: dict, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="声明回避（专家：与某单位存在利益关系）",
)
def conflict_declare(request, payload: ConflictIn):
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise NotFound("not_found", _("找不到该单位"))
    declaration = services.conflict_declare(actor=request.user, organisation=organisation, reason=payload.reason)
    return 201, {"organisation_id": declaration.organisation_id, "reason": declaration.reason}


@router.post(
    "/expert/assignments/{assignment_id}/declaration",
    response={200: ExpertAssignmentOut, 401: ErrorOut, 404: ErrorOut},
    summary="声明与申报单位无利益冲突（专家，评分前）",
)
def assignment_declare(request, assignment_id: int):
    assignment = ExpertAssignment.objects.filter(pk=assignment_id, expert=request.user).first()
    if assignment is None:
        raise NotFound("not_found", _("找不到该评审任务"))
    return services.assignment_declare_no_conflict(actor=request.user, assignment=assignment)


# --- after naming: the subsidy and the yearly re-check --------------------------------------


class SubsidyOut(Schema):
    id: int
    application_id: int
    amount: int = Field(description="分")
    purpose: str
    state: str
    payment_reference: str
    paid_on: date | None
    committed: int
    at_studio: int
    spent: int
    returned: int


def _subsidy_out(subsidy: Subsidy) -> dict:
    books = selectors.subsidy_books(subsidy)
    return {
        "id": subsidy.pk,
        "application_id": subsidy.application_id,
        "amount": subsidy.amount,
        "purpose": subsidy.purpose,
        "state": subsidy.state,
        "payment_reference": subsidy.payment_reference,
        "paid_on": subsidy.paid_on,
        **books,
    }


def _subsidy(request, subsidy_id: int) -> Subsidy:
    subsidy = Subsidy.objects.select_related("application").filter(pk=subsidy_id).first()
    if subsidy is None or not rules.may_view_subsidy(request.user, subsidy):
        raise NotFound("not_found", _("找不到该补助"))
    return subsidy


class SubsidyGrantIn(Schema):
    amount: int = Field(ge=1, le=10**12, description="分")
    purpose: str = Field(max_length=2000)


@router.post(
    "/applications/{application_id}/subsidy",
    response={201: SubsidyOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="批准工作室补助（区总工会；资金在账本中预留）",
)
def subsidy_grant(request, application_id: int, payload: SubsidyGrantIn):
    application = _visible(request, application_id)
    subsidy = services_subsidy.subsidy_grant(actor=request.user, application=application, amount=payload.amount, purpose=payload.purpose)
    return 201, _subsidy_out(subsidy)


@router.get("/subsidies/{subsidy_id}", response={200: SubsidyOut, 401: ErrorOut, 404: ErrorOut}, summary="补助及资金去向")
def subsidy_detail(request, subsidy_id: int):
    return _subsidy_out(_subsidy(request, subsidy_id))


class SubsidyPayIn(Schema):
    payment_reference: str = Field(max_length=60)
    paid_on: date


@router.post(
    "/subsidies/{subsidy_id}/payment",
    response={200: SubsidyOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="登记拨付（区总工会）",
)
def subsidy_pay(request, subsidy_id: int, payload: SubsidyPayIn):
    subsidy = services_subsidy.subsidy_pay(
        actor=request.user, subsidy=_subsidy(request, subsidy_id), payment_reference=payload.payment_reference, paid_on=payload.paid_on
    )
    return _subsidy_out(subsidy)


class ExpenseIn(Schema):
    category: str = Field(max_length=12)
    amount: int = Field(ge=1, le=10**12, description="分")
    spent_on: date
    description: str = Field(max_length=200)


@router.post(
    "/subsidies/{subsidy_id}/expenses",
    response={201: SubsidyOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="登记补助支出（工作室所在基层工会；专款专用）",
)
def expense_record(request, subsidy_id: int, payload: ExpenseIn):
    subsidy = _subsidy(request, subsidy_id)
    services_subsidy.expense_record(actor=request.user, subsidy=subsidy, **payload.dict())
    subsidy.refresh_from_db()
    return 201, _subsidy_out(subsidy)


class AcceptanceIn(Schema):
    passed: bool
    note: str = Field(max_length=2000)


@router.post(
    "/subsidies/{subsidy_id}/acceptance",
    response={200: SubsidyOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="验收（区总工会；结余退回补助预算）",
)
def subsidy_accept(request, subsidy_id: int, payload: AcceptanceIn):
    subsidy = services_subsidy.subsidy_accept(
        actor=request.user, subsidy=_subsidy(request, subsidy_id), passed=payload.passed, note=payload.note
    )
    return _subsidy_out(subsidy)


class AnnualReportIn(Schema):
    year: int = Field(ge=2000, le=2100)
    report: str = Field(max_length=8000)


class AnnualCheckOut(Schema):
    id: int
    application_id: int
    year: int
    outcome: str
    note: str


@router.post(
    "/applications/{application_id}/annual-reports",
    response={201: AnnualCheckOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="提交年度报告（已命名工作室所在基层工会）",
)
def annual_report_submit(request, application_id: int, payload: AnnualReportIn):
    application = _visible(request, application_id)
    return 201, services_annual.annual_report_submit(actor=request.user, application=application, year=payload.year, report=payload.report)


class AnnualDecisionIn(Schema):
    outcome: str = Field(max_length=10)
    note: str = Field(max_length=2000)


@router.post(
    "/annual-checks/{check_id}/decision",
    response={200: AnnualCheckOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="年度复核结论（区总工会；不合格即撤销命名）",
)
def annual_check_decide(request, check_id: int, payload: AnnualDecisionIn):
    check = AnnualCheck.objects.select_related("application").filter(pk=check_id).first()
    if check is None or selectors.application_for(request.user, check.application_id) is None:
        raise NotFound("not_found", _("找不到该年度复核"))
    return services_annual.annual_check_decide(actor=request.user, check=check, outcome=payload.outcome, note=payload.note)
