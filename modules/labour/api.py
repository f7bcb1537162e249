"""JSON API of labour relations (/api/v1/labour/): the desk's cases, a worker's own case status,
statistics, monitoring points, their reports and risk rules, collective contracts and training
meetings, and the handbook search. Every write goes through the same service as the page."""

from contextlib import contextmanager
from datetime import date, datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core import scoping
from core.api import BoundedPagination, ErrorOut
from core.errors import ApiError, Forbidden, Invalid, NotFound
from core.models import Organisation
from modules.labour import clocks, rules, search, selectors, services
from modules.labour.models import DeskRules, MonitoringPoint, RiskRule, TrainingMeeting

router = Router(tags=["labour"])
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ClockOut(Schema):
    label: str
    due: datetime
    days_left: int
    passed: bool
    note: str


class CaseOut(Schema):
    id: int
    number: str
    channel: str
    oral: bool
    dispute_type: str
    received_at: datetime
    state: str
    state_label: str
    employer_name: str
    workers_count: int
    amount_claimed_fen: int
    amount_agreed_fen: int | None
    mediator: str | None
    outcome: str
    clocks: list[ClockOut]


class CaseStatusOut(Schema):
    """What a worker sees of their own case: no notes, no contacts, no other party's details."""

    id: int
    number: str
    received_at: datetime
    state: str
    state_label: str
    clocks: list[ClockOut]


def _clocks(mediation):
    return [c.__dict__ for c in clocks.clocks_for(mediation, DeskRules.current())]


def _out(mediation, state: str) -> dict:
    return {
        "id": mediation.pk,
        "number": mediation.number,
        "channel": mediation.channel,
        "oral": mediation.oral,
        "dispute_type": mediation.dispute_type,
        "received_at": mediation.received_at,
        "state": state,
        "state_label": selectors.state_label(state),
        "employer_name": mediation.employer_name,
        "workers_count": mediation.workers_count,
        "amount_claimed_fen": mediation.amount_claimed_fen,
        "amount_agreed_fen": mediation.amount_agreed_fen,
        "mediator": mediation.mediator.name if mediation.mediator_id else None,
        "outcome": mediation.outcome,
        "clocks": _clocks(mediation),
    }


class CaseFilter(Schema):
    state: str = Field("", max_length=32)
    dispute_type: str = Field("", max_length=20)
    q: str = Field("", max_length=40)


@router.get("/cases", response={200: list[CaseOut], 401: ErrorOut, 403: ErrorOut}, summary="调解案件列表（调解员、区总工会）")
@paginate(BoundedPagination)
def case_list(request, filters: Query[CaseFilter]):
    if not rules.is_desk(request.user):
        raise Forbidden("labour_forbidden", _("只有调解员和区总工会工作人员可以查看调解案件"))
    rows = selectors.case_list(request.user, state=filters.state, dispute_type=filters.dispute_type, q=filters.q)
    return [_out(c, c.state) for c in rows]


def _visible(request, case_id: int):
    mediation = selectors.case_for(request.user, case_id)
    if mediation is None:
        raise NotFound("not_found", _("找不到该案件"))
    return mediation


@router.get("/cases/{case_id}", response={200: CaseOut, 401: ErrorOut, 404: ErrorOut}, summary="调解案件详情")
def case_detail(request, case_id: int):
    mediation = _visible(request, case_id)
    return _out(mediation, services.case_of(mediation).state)


class CaseIn(Schema):
    channel: str = Field("walk_in", max_length=12)
    oral: bool = False
    dispute_type: str = Field(max_length=20)
    application_text: str = Field(max_length=4000)
    worker_name: str = Field("", max_length=40)
    worker_phone: str = Field("", max_length=20)
    workers_count: int = Field(1, ge=1, le=100000)
    representatives: str = Field("", max_length=500)
    employer_name: str = Field(max_length=120)
    employer_contact: str = Field("", max_length=40)
    employer_phone: str = Field("", max_length=20)
    amount_claimed: str = Field("", max_length=20)
    dispute_arose_on: date | None = None


@router.post(
    "/cases",
    response={201: CaseOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="登记调解申请（调解台登记，或职工本人网上申请）",
)
def case_create(request, payload: CaseIn):
    data = payload.dict()
    if rules.is_desk(request.user):
        mediation = services.case_create(actor=request.user, data=data)
    else:
        from core import scoping

        member = scoping.member_for(request.user)
        data["worker_name"] = member.name if member else (request.user.display_name or request.user.username)
        data["worker_phone"] = (member.phone if member else request.user.phone) or ""
        data["organisation"] = member.organisation if member else None
        mediation = services.case_create(actor=request.user, worker_user=request.user, data=data)
    return 201, _out(mediation, "received")


class TransitionIn(Schema):
    name: str = Field(max_length=40)
    comment: str = Field("", max_length=2000)
    expected_state: str | None = Field(None, max_length=32)


@router.post(
    "/cases/{case_id}/transitions",
    response={200: CaseOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="办理案件（受理、达成协议、签字生效、调解不成、撤回……）",
)
def case_transition(request, case_id: int, payload: TransitionIn):
    mediation = _visible(request, case_id)
    case = services.case_transition(
        actor=request.user, mediation=mediation, name=payload.name, comment=payload.comment, expected_state=payload.expected_state
    )
    mediation.refresh_from_db()
    return _out(mediation, case.state)


class ExtensionIn(Schema):
    # Read as text and checked by the service, so a bad number is told in Chinese with its field.
    days: int | str = Field(description="延长天数（合计不超过本区规定的上限）")
    reason: str = Field("", max_length=1000, description="延长理由")
    agreed_by: str = Field("", max_length=200, description="同意延长的当事人")


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    agreed_by: str
    due_before: datetime
    due_after: datetime
    extended_days: int
    case: CaseOut


@router.post(
    "/cases/{case_id}/extension",
    response={201: ExtensionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="延长调解期限（经双方同意；重算期限与提醒；调解员、区总工会）",
)
def case_extend(request, case_id: int, payload: ExtensionIn):
    mediation = _visible(request, case_id)
    extension = services.extension_add(
        actor=request.user, mediation=mediation, days=payload.days, reason=payload.reason, agreed_by=payload.agreed_by
    )
    mediation.refresh_from_db()
    return 201, {
        "id": extension.pk,
        "days": extension.days,
        "reason": extension.reason,
        "agreed_by": extension.agreed_by,
        "due_before": extension.due_before,
        "due_after": extension.due_after,
        "extended_days": mediation.extended_days,
        "case": _out(mediation, services.case_of(mediation).state),
    }


@router.get("/my/cases", response={200: list[CaseStatusOut], 401: ErrorOut}, summary="我的调解申请（状态与期限）")
def my_cases(request):
    rows = selectors.with_state(selectors.cases_visible_to(request.user).filter(worker_user=request.user)).order_by("-received_at")[:50]
    return [
        {
            "id": c.pk,
            "number": c.number,
            "received_at": c.received_at,
            "state": c.state,
            "state_label": selectors.state_label(c.state),
            "clocks": _clocks(c),
        }
        for c in rows
    ]


class YearIn(Schema):
    year: int = Field(2020, ge=2000, le=2100)


@router.get("/stats", response={200: dict, 401: ErrorOut, 403: ErrorOut}, summary="调解统计（按类型、结果、金额、时长、调解员）")
def stats(request, filters: Query[YearIn]):
    """The desk: the district's figures with the per-mediator table; street staff: their own streets' figures, without it."""
    if not rules.may_view_stats(request.user):
        raise Forbidden("labour_forbidden", _("只有调解员、区总工会和街道工会工作人员可以查看调解统计"))
    return selectors.case_statistics(filters.year, request.user)


class ArticleOut(Schema):
    id: int
    law: str
    label: str
    chapter: str
    text: str


class HandbookSearchIn(Schema):
    q: str = Field("", max_length=60)
    limit: int = Field(20, ge=1, le=50)


@router.get("/handbook/search", response={200: list[ArticleOut]}, auth=None, summary="法律手册全文检索")
def handbook_search(request, filters: Query[HandbookSearchIn]):
    rows, _query = search.search(filters.q, limit=filters.limit)
    return [{"id": a.pk, "law": a.law.title, "label": a.label, "chapter": a.chapter, "text": a.text} for a in rows]


class MonitoringPointOut(Schema):
    id: int
    organisation: str
    organisation_id: int
    street: str | None
    industry: str
    designated_on: date
    is_active: bool


def _point_out(point) -> dict:
    return {
        "id": point.pk,
        "organisation": point.organisation.name,
        "organisation_id": point.organisation_id,
        "street": point.street.name if point.street_id else None,
        "industry": point.industry,
        "designated_on": point.designated_on,
        "is_active": point.is_active,
    }


class MonitoringPointFilter(Schema):
    active: bool | None = Field(None, description="只列在用（true）或已停用（false）的监测点")


@router.get("/monitoring/points", response={200: list[MonitoringPointOut], 401: ErrorOut}, summary="监测点（按权限范围）")
@paginate(BoundedPagination)
def points(request, filters: Query[MonitoringPointFilter]):
    rows = selectors.points_visible_to(request.user)
    if filters.active is not None:
        rows = rows.filter(is_active=filters.active)
    return [_point_out(p) for p in rows.order_by("-is_active", "organisation__name", "pk")]


@contextmanager
def _fields_as(names: dict):
    """The services name a field as the page's form does (``organisation``); the API's body calls
    it ``organisation_id``: an error names the field the caller sent."""
    try:
        yield
    except ApiError as error:
        error.field = names.get(error.field, error.field)
        raise


def _union_in_scope(request, organisation_id: int, field: str = "organisation_id") -> Organisation:
    """A union of the caller's tree, or 422 on the field (one outside the tree is not told apart
    from one that does not exist)."""
    organisation = scoping.organisations_visible_to(request.user).filter(pk=organisation_id).first()
    if organisation is None:
        raise Invalid("labour_org_invalid", _("请选择您管辖范围内的单位"), field=field)
    return organisation


class MonitoringPointIn(Schema):
    organisation_id: int = Field(ge=1, le=2**31, description="设为监测点的企业（基层工会）")
    industry: str = Field("其他", max_length=40)


@router.post("/monitoring/points", response={201: MonitoringPointOut, **WRITE}, summary="设立监测点（街道在本街道、区总工会）")
def point_designate(request, payload: MonitoringPointIn):
    if not rules.may_designate_point(request.user):
        raise Forbidden("labour_forbidden", _("只有街道或区总工会可以设立监测点"))
    organisation = _union_in_scope(request, payload.organisation_id)
    with _fields_as({"organisation": "organisation_id"}):
        point = services.point_designate(actor=request.user, organisation=organisation, industry=payload.industry)
    return 201, _point_out(point)


def _point_visible(request, point_id: int) -> MonitoringPoint:
    point = selectors.points_visible_to(request.user).filter(pk=point_id).first()
    if point is None:
        raise NotFound("not_found", _("找不到该监测点"))
    return point


class MonitoringPointStopIn(Schema):
    reason: str = Field("", max_length=500, description="停用理由（必填，如企业迁出本区）")


@router.post("/monitoring/points/{point_id}/stop", response={200: MonitoringPointOut, **WRITE}, summary="停用监测点（须说明理由）")
def point_stop(request, point_id: int, payload: MonitoringPointStopIn):
    point = services.point_set_active(actor=request.user, point=_point_visible(request, point_id), active=False, reason=payload.reason)
    return _point_out(point)


@router.post("/monitoring/points/{point_id}/resume", response={200: MonitoringPointOut, **WRITE}, summary="恢复监测点的月报")
def point_resume(request, point_id: int):
    point = services.point_set_active(actor=request.user, point=_point_visible(request, point_id), active=True)
    return _point_out(point)


class LabourRiskRuleOut(Schema):
    id: int
    code: str
    label: str
    indicator: str
    indicator_label: str
    threshold: str
    level: str
    level_label: str
    opens_case: bool
    is_active: bool


def _rule_out(rule) -> dict:
    return {
        "id": rule.pk,
        "code": rule.code,
        "label": rule.label,
        "indicator": rule.indicator,
        "indicator_label": str(services.INDICATOR_LABELS.get(rule.indicator, rule.indicator)),
        "threshold": str(rule.threshold),
        "level": rule.level,
        "level_label": str(rule.get_level_display()),
        "opens_case": rule.opens_case,
        "is_active": rule.is_active,
    }


@router.get(
    "/monitoring/rules", response={200: list[LabourRiskRuleOut], 401: ErrorOut, 403: ErrorOut}, summary="预警规则（工会工作人员可查看）"
)
def risk_rules(request):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("labour_forbidden", _("只有工会工作人员可以查看预警规则"))
    return [_rule_out(r) for r in selectors.risk_rules()]


class LabourRiskRuleEditIn(Schema):
    label: str = Field(max_length=80)
    indicator: str = Field(max_length=40, description="指标：" + "、".join(sorted(services.INDICATORS)))
    # Read as text and checked by the service, so a bad number is told in Chinese with its field.
    threshold: str | int | float = Field(description="阈值（大于 0）")
    level: str = Field(max_length=8, description="yellow 或 red")
    opens_case: bool = False
    is_active: bool = True


class LabourRiskRuleIn(LabourRiskRuleEditIn):
    code: str = Field(max_length=40, description="代码：小写字母、数字、下划线、连字符")


class LabourRiskRuleUpdateIn(LabourRiskRuleEditIn):
    expected_threshold: str | None = Field(None, max_length=20, description="修改前看到的阈值（他人已改时答 409）")


def _require_rule_editor(request) -> None:
    if not rules.may_edit_risk_rules(request.user):
        raise Forbidden("labour_forbidden", _("只有区总工会可以修改预警规则"))


@router.post("/monitoring/rules", response={201: LabourRiskRuleOut, **WRITE}, summary="新增预警规则（区总工会）")
def risk_rule_create(request, payload: LabourRiskRuleIn):
    _require_rule_editor(request)
    return 201, _rule_out(services.risk_rule_save(actor=request.user, data=payload.dict()))


@router.put(
    "/monitoring/rules/{rule_id}", response={200: LabourRiskRuleOut, **WRITE}, summary="修改预警规则（区总工会；自下一份月报起适用）"
)
def risk_rule_update(request, rule_id: int, payload: LabourRiskRuleUpdateIn):
    _require_rule_editor(request)
    rule = RiskRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("not_found", _("找不到该预警规则"))
    return _rule_out(services.risk_rule_save(actor=request.user, data=payload.dict(), rule=rule))


class ReportIn(Schema):
    period: date
    headcount: int = Field(ge=0, le=10**6)
    headcount_change: int = Field(0, ge=-(10**6), le=10**6)
    wage_arrears: str = Field("", max_length=20)
    wage_arrears_workers: int = Field(0, ge=0, le=10**6)
    social_insurance_arrears: str = Field("", max_length=20)
    overtime_hours: float = Field(0, ge=0, le=200)
    disputes: int = Field(0, ge=0, le=10**4)
    layoffs_planned: int = Field(0, ge=0, le=10**6)
    business_difficulty: int = Field(0, ge=0, le=3)
    note: str = Field("", max_length=4000)


class MonitoringReportOut(Schema):
    id: int
    period: date
    risk: str
    reasons: list[dict]
    on_time: bool
    task_id: int | None
    case_ids: list[int]


@router.post(
    "/monitoring/points/{point_id}/reports",
    response={201: MonitoringReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="报送监测月报（返回风险等级与原因）",
)
def report_submit(request, point_id: int, payload: ReportIn):
    point = MonitoringPoint.objects.select_related("organisation").filter(pk=point_id).first()
    if point is None or not rules.may_report_for(request.user, point):
        raise NotFound("not_found", _("找不到该监测点"))
    data = payload.dict()
    period = data.pop("period")
    report = services.report_submit(actor=request.user, point=point, period=period, data=data)
    task = getattr(report, "task", None) if hasattr(report, "task") else None
    return 201, {
        "id": report.pk,
        "period": report.period,
        "risk": report.risk,
        "reasons": report.reasons,
        "on_time": report.on_time,
        "task_id": task.pk if task else None,
        "case_ids": list(report.cases.values_list("pk", flat=True)),
    }


class ModelUnitOut(Schema):
    id: int
    organisation: str
    year: int
    citation: str
    score: float | None


class ModelUnitFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/model-units", response={200: list[ModelUnitOut]}, auth=None, summary="“企业关爱职工·职工热爱企业”示范单位（公开名单）")
@paginate(BoundedPagination)
def model_units(request, filters: Query[ModelUnitFilter]):
    return [
        {"id": u.pk, "organisation": u.organisation.name, "year": u.year, "citation": u.citation, "score": u.score}
        for u in selectors.model_units_public(filters.year)
    ]


# --- collective bargaining ---------------------------------------------------------------------


class DimensionOut(Schema):
    code: str
    title: str
    max_score: float
    mean: float | None


class EvaluationOut(Schema):
    year: int
    total: float | None
    grade: str
    status: str
    scorer_count: int
    dimensions: list[DimensionOut]


class ContractOut(Schema):
    id: int
    organisation: str
    organisation_id: int
    kind: str
    kind_label: str
    title: str
    signed_on: date
    starts_on: date
    ends_on: date
    covered_workers: int
    wage_increase_permille: int
    evaluations: list[EvaluationOut]


class ContractDetailOut(ContractOut):
    wage_clauses: str


def _contract_out(contract, *, detail: bool = False) -> dict:
    out = {
        "id": contract.pk,
        "organisation": contract.organisation.name,
        "organisation_id": contract.organisation_id,
        "kind": contract.kind,
        "kind_label": str(contract.get_kind_display()),
        "title": contract.title,
        "signed_on": contract.signed_on,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "covered_workers": contract.covered_workers,
        "wage_increase_permille": contract.wage_increase_permille,
        "evaluations": selectors.contract_evaluations(contract),
    }
    if detail:
        out["wage_clauses"] = contract.wage_clauses
    return out


class ContractFilter(Schema):
    kind: str = Field("", max_length=12)
    q: str = Field("", max_length=40)


@router.get("/contracts", response={200: list[ContractOut], 401: ErrorOut}, summary="集体合同（按权限范围，含历年质量评估）")
@paginate(BoundedPagination)
def contracts(request, filters: Query[ContractFilter]):
    rows = selectors.contracts_visible_to(request.user)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.q:
        rows = rows.filter(Q(title__icontains=filters.q) | Q(organisation__name__icontains=filters.q))
    return [_contract_out(c) for c in rows.order_by("-signed_on", "pk")]


def _contract_visible(request, contract_id: int):
    contract = selectors.contract_for(request.user, contract_id)
    if contract is None:
        raise NotFound("not_found", _("找不到该集体合同"))
    return contract


@router.get("/contracts/{contract_id}", response={200: ContractDetailOut, 401: ErrorOut, 404: ErrorOut}, summary="集体合同详情")
def contract_detail(request, contract_id: int):
    return _contract_out(_contract_visible(request, contract_id), detail=True)


class ContractEvaluationIn(Schema):
    year: int | str = Field(description="评估年度")
    scores: dict[str, float | int | str] = Field(description="五个维度的得分：representatives, procedure, organisation, content, effect")
    comment: str = Field("", max_length=2000)


@router.post(
    "/contracts/{contract_id}/evaluations",
    response={201: EvaluationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="提交集体协商质量评估（五个维度，评分标准引擎；街道、区总工会）",
)
def contract_evaluate(request, contract_id: int, payload: ContractEvaluationIn):
    contract = _contract_visible(request, contract_id)
    row = services.contract_evaluate(
        actor=request.user, contract=contract, year=payload.year, scores=payload.scores, comment=payload.comment
    )
    return 201, next(e for e in selectors.contract_evaluations(contract) if e["year"] == row.year)


# --- collective-bargaining training meetings ---------------------------------------------------


class TrainingAttendanceOut(Schema):
    organisation_id: int
    organisation: str
    attendees: int


class LabourTrainingOut(Schema):
    id: int
    title: str
    batch: int
    held_on: date
    place: str
    invited: int
    units: int
    people: int


class LabourTrainingDetailOut(LabourTrainingOut):
    rate: float | None
    attendance: list[TrainingAttendanceOut]


def _training_out(meeting, units: int, people: int) -> dict:
    return {
        "id": meeting.pk,
        "title": meeting.title,
        "batch": meeting.batch,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "invited": meeting.invited,
        "units": units,
        "people": people,
    }


def _training_detail(meeting) -> dict:
    figures = selectors.training_attendance(meeting)
    out = _training_out(meeting, len(figures["rows"]), figures["people"])
    out["rate"] = figures["rate"]
    out["attendance"] = [
        {"organisation_id": a.organisation_id, "organisation": a.organisation.name, "attendees": a.attendees} for a in figures["rows"]
    ]
    return out


def _require_trainings(request) -> None:
    if not rules.may_manage_trainings(request.user):
        raise Forbidden("labour_forbidden", _("只有区总工会可以管理集体协商培训会"))


@router.get("/trainings", response={200: list[LabourTrainingOut], 401: ErrorOut, 403: ErrorOut}, summary="集体协商培训会（区总工会）")
@paginate(BoundedPagination)
def trainings(request):
    _require_trainings(request)
    return [_training_out(m, m.units, m.people or 0) for m in selectors.trainings(limit=1000)]


class LabourTrainingIn(Schema):
    title: str = Field(max_length=120)
    # Read as text where people type them, checked by the service (Chinese message, the field named).
    batch: int | str = Field(1, description="批次（1–50）")
    held_on: date | str = Field(description="日期（年-月-日）")
    place: str = Field("", max_length=120)
    invited: int | str = Field(0, description="应到人数")


@router.post("/trainings", response={201: LabourTrainingDetailOut, **WRITE}, summary="登记培训会（区总工会）")
def training_create(request, payload: LabourTrainingIn):
    _require_trainings(request)
    with _fields_as({"year": "held_on"}):  # a date years away is refused by its year
        meeting = services.training_record(actor=request.user, **payload.dict())
    return 201, _training_detail(meeting)


def _training(request, meeting_id: int):
    _require_trainings(request)
    meeting = TrainingMeeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound("not_found", _("找不到该培训会"))
    return meeting


@router.get(
    "/trainings/{meeting_id}", response={200: LabourTrainingDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, summary="培训会与出勤"
)
def training_detail(request, meeting_id: int):
    return _training_detail(_training(request, meeting_id))


class TrainingAttendanceIn(Schema):
    organisation_id: int = Field(ge=1, le=2**31, description="参会的基层工会")
    attendees: int | str = Field(description="参会人数（0：删除该单位的出勤）")


@router.post(
    "/trainings/{meeting_id}/attendance", response={200: LabourTrainingDetailOut, **WRITE}, summary="登记一个单位的出勤（培训会举行后）"
)
def training_attendance(request, meeting_id: int, payload: TrainingAttendanceIn):
    meeting = _training(request, meeting_id)
    organisation = _union_in_scope(request, payload.organisation_id)
    with _fields_as({"organisation": "organisation_id"}):
        services.training_attendance_set(actor=request.user, meeting=meeting, organisation=organisation, attendees=payload.attendees)
    return _training_detail(meeting)
