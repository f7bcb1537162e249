"""JSON API of 树榜样 · 抓创新 (/api/v1/honours/): honours and their live quota panel, nominations
and their transitions, the public notice's objections, training enrolment, check-in and the
certificate check, the craftsman showcase and need responses, competition rankings."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import StrictFloat, StrictInt, StrictStr

from core import scoping
from core.api import BoundedPagination, ErrorOut
from core.errors import Forbidden, Invalid, NotFound
from core.models import Member, Organisation
from modules.honours import rules, selectors, services, services_craft
from modules.honours.models import Appeal, Competition, Course, Entrant, Honour, Need, Objection, Session

router = Router(tags=["honours"])
W = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class HonourOut(Schema):
    id: int
    year: int
    name: str
    level: str
    kind: str
    places: int
    min_frontline_pct: int
    min_technical_pct: int
    max_manager_pct: int
    epidemic_reserved_pct: int
    excluded_rank: str
    opens_on: date
    closes_on: date


def _office(request) -> None:
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("没有权限执行此操作"))


@router.get("/honours", response={200: list[HonourOut], 401: ErrorOut, 403: ErrorOut}, summary="评优项目")
@paginate(BoundedPagination)
def honour_list(request):
    _office(request)
    return Honour.objects.all()


class PanelRowOut(Schema):
    label: str
    unit_id: int | None
    places: int
    used: int
    left: int
    frontline: int
    technical: int
    manager: int
    epidemic: int
    min_frontline: int
    min_technical: int
    max_manager: int
    min_epidemic: int
    pending: int
    warnings: list[str]


class PanelOut(Schema):
    units: list[PanelRowOut]
    district: PanelRowOut


def _row(r) -> dict:
    return {
        "label": r.label,
        "unit_id": r.unit_id,
        "places": r.lim.places,
        "used": r.mix.total,
        "left": r.left,
        "frontline": r.mix.frontline,
        "technical": r.mix.technical,
        "manager": r.mix.manager,
        "epidemic": r.mix.epidemic,
        "min_frontline": r.lim.min_frontline,
        "min_technical": r.lim.min_technical,
        "max_manager": r.lim.max_manager,
        "min_epidemic": r.lim.min_epidemic,
        "pending": r.pending,
        "warnings": r.warnings,
    }


@router.get(
    "/honours/{honour_id}/quota-panel", response={200: PanelOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, summary="名额与比例（实时）"
)
def quota_panel(request, honour_id: int):
    _office(request)
    honour = Honour.objects.filter(pk=honour_id).first()
    if honour is None:
        raise NotFound("not_found", _("找不到该评优项目"))
    panel = selectors.quota_panel(honour, request.user)
    return {"units": [_row(r) for r in panel["units"]], "district": _row(panel["district"])}


class NominationOut(Schema):
    id: int
    honour_id: int
    organisation_id: int
    organisation: str
    unit_id: int
    nominee_name: str
    job_title: str
    category: str
    official_rank: str
    epidemic_frontline: bool
    deeds: str
    consent_to_notice: bool
    state: str
    state_label: str
    invalid_reason: str
    submitted_at: datetime | None


def _out(n, state: str) -> dict:
    return {
        "id": n.pk,
        "honour_id": n.honour_id,
        "organisation_id": n.organisation_id,
        "organisation": n.organisation.name,
        "unit_id": n.unit_id,
        "nominee_name": n.nominee_name,
        "job_title": n.job_title,
        "category": n.category,
        "official_rank": n.official_rank,
        "epidemic_frontline": n.epidemic_frontline,
        "deeds": n.deeds,
        "consent_to_notice": n.consent_to_notice,
        "state": state,
        "state_label": selectors.state_label(state),
        "invalid_reason": n.invalid_reason,
        "submitted_at": n.submitted_at,
    }


class NominationFilter(Schema):
    honour_id: int | None = Field(None, ge=1, le=2**31)
    state: str = Field("", max_length=32)


@router.get("/nominations", response={200: list[NominationOut], 401: ErrorOut}, summary="推荐列表（按权限范围）")
@paginate(BoundedPagination)
def nomination_list(request, filters: Query[NominationFilter]):
    rows = selectors.with_state(selectors.nominations_visible_to(request.user)).select_related("organisation").order_by("-created_at")
    if filters.honour_id:
        rows = rows.filter(honour_id=filters.honour_id)
    if filters.state:
        rows = rows.filter(state=filters.state)
    return [_out(n, n.state) for n in rows]


def _visible(request, nomination_id: int):
    nomination = selectors.nomination_for(request.user, nomination_id)
    if nomination is None or not scoping.is_staff_member(request.user):
        raise NotFound("not_found", _("找不到该推荐，或不在您的权限范围内"))
    return nomination


@router.get("/nominations/{nomination_id}", response={200: NominationOut, 401: ErrorOut, 404: ErrorOut}, summary="推荐详情")
def nomination_detail(request, nomination_id: int):
    nomination = _visible(request, nomination_id)
    return _out(nomination, services.case_of(nomination).state)


class NominationIn(Schema):
    nominee_name: str | None = Field(None, max_length=80)
    job_title: str | None = Field(None, max_length=80)
    category: str | None = Field(None, max_length=10)
    official_rank: str | None = Field(None, max_length=10)
    epidemic_frontline: bool | None = None
    deeds: str | None = Field(None, max_length=4000)
    consent_to_notice: bool | None = None


class NominationCreateIn(NominationIn):
    honour_id: int = Field(ge=1, le=2**31)
    organisation_id: int = Field(ge=1, le=2**31)
    member_id: int | None = Field(None, ge=1, le=2**31)


def _data(payload) -> dict:
    data = payload.dict(exclude_unset=True, exclude={"honour_id", "organisation_id", "member_id"})
    return {k: v for k, v in data.items() if v is not None}


@router.post("/nominations", response={201: NominationOut, **W}, summary="新建推荐表（草稿）")
def nomination_create(request, payload: NominationCreateIn):
    honour = Honour.objects.filter(pk=payload.honour_id).first()
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if honour is None or organisation is None or not scoping.can_view_organisation(request.user, organisation):
        raise NotFound("not_found", _("找不到该评优项目或单位"))
    member = None
    if payload.member_id:
        member = Member.objects.filter(pk=payload.member_id, organisation__path__startswith=organisation.path).first()
        if member is None:
            raise NotFound("not_found", _("推荐单位没有该会员"))
    nomination = services.nomination_create(
        actor=request.user, honour=honour, organisation=organisation, data=_data(payload), member=member
    )
    return 201, _out(nomination, "draft")


@router.patch("/nominations/{nomination_id}", response={200: NominationOut, **W}, summary="修改推荐表（被推荐人会收到通知）")
def nomination_update(request, nomination_id: int, payload: NominationIn):
    nomination = services.nomination_update(actor=request.user, nomination=_visible(request, nomination_id), data=_data(payload))
    return _out(nomination, services.case_of(nomination).state)


class TransitionIn(Schema):
    name: str = Field(max_length=40)
    comment: str = Field("", max_length=2000)
    expected_state: str | None = Field(None, max_length=32)


@router.post(
    "/nominations/{nomination_id}/transitions", response={200: NominationOut, **W}, summary="办理推荐（推荐、评审、审定、公示、作废……）"
)
def nomination_transition(request, nomination_id: int, payload: TransitionIn):
    nomination = _visible(request, nomination_id)
    case = services.nomination_transition(
        actor=request.user, nomination=nomination, name=payload.name, comment=payload.comment, expected_state=payload.expected_state
    )
    nomination.refresh_from_db()
    return _out(nomination, case.state)


class ObjectionIn(Schema):
    text: str = Field(max_length=2000)


class ObjectionOut(Schema):
    id: int
    outcome: str


@router.post("/nominations/{nomination_id}/objections", response={201: ObjectionOut, **W}, summary="对公示人选提出异议（实名）")
def objection_lodge(request, nomination_id: int, payload: ObjectionIn):
    nomination = selectors.in_notice().filter(pk=nomination_id).first()
    if nomination is None:
        from core.errors import Conflict

        raise Conflict("honours_not_in_notice", _("只能对公示中的人选提出异议"))
    objection = services.objection_lodge(actor=request.user, nomination=nomination, text=payload.text)
    return 201, {"id": objection.pk, "outcome": objection.outcome}


class ObjectionRowOut(Schema):
    id: int
    nomination_id: int
    nominee_name: str
    honour: str
    text: str
    lodged_at: datetime
    outcome: str


def _objection_desk(request) -> None:
    if not rules.may_resolve_objection(request.user):
        raise Forbidden("honours_forbidden", _("只有区总工会可以处理公示异议"))


@router.get("/objections", response={200: list[ObjectionRowOut], 401: ErrorOut, 403: ErrorOut}, summary="待处理的公示异议（区总工会）")
@paginate(BoundedPagination)
def objection_list(request):
    _objection_desk(request)
    return [
        {
            "id": o.pk,
            "nomination_id": o.nomination_id,
            "nominee_name": o.nomination.nominee_name,
            "honour": o.nomination.honour.name,
            "text": o.text,
            "lodged_at": o.lodged_at,
            "outcome": o.outcome,
        }
        for o in selectors.open_objections()
    ]


class ObjectionDecisionIn(Schema):
    outcome: str = Field(max_length=10, description="upheld（异议成立，撤出公示）或 dismissed（异议不成立）")
    resolution: str = Field(max_length=2000, description="处理说明（告知异议人）")


class ObjectionDecisionOut(Schema):
    id: int
    outcome: str
    resolution: str
    nomination_id: int
    nomination_state: str


@router.post("/objections/{objection_id}/decision", response={200: ObjectionDecisionOut, **W}, summary="处理公示异议（成立则撤出公示）")
def objection_decide(request, objection_id: int, payload: ObjectionDecisionIn):
    _objection_desk(request)
    objection = Objection.objects.filter(pk=objection_id).first()
    if objection is None:
        raise NotFound("not_found", _("找不到该异议"))
    objection = services.objection_resolve(actor=request.user, objection=objection, outcome=payload.outcome, resolution=payload.resolution)
    return {
        "id": objection.pk,
        "outcome": objection.outcome,
        "resolution": objection.resolution,
        "nomination_id": objection.nomination_id,
        "nomination_state": services.case_of(objection.nomination).state,
    }


# --- training -----------------------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    place: str
    starts_on: date
    ends_on: date
    capacity: int
    confirmed: int
    waiting: int
    free: int


class CourseOut(Schema):
    id: int
    title: str
    description: str
    sessions: list[SessionOut]


@router.get("/courses", response={200: list[CourseOut], 401: ErrorOut}, summary="培训课程与线下班次（名额、候补）")
@paginate(BoundedPagination)
def course_list(request):
    out = []
    for course in Course.objects.prefetch_related("sessions").order_by("-created_at"):
        sessions = []
        for session in course.sessions.all():
            figures = selectors.session_figures(session)
            sessions.append(
                {
                    "id": session.pk,
                    "place": session.place,
                    "starts_on": session.starts_on,
                    "ends_on": session.ends_on,
                    "capacity": session.capacity,
                    "confirmed": figures["confirmed"],
                    "waiting": figures["waiting"],
                    "free": figures["free"],
                }
            )
        out.append({"id": course.pk, "title": course.title, "description": course.description, "sessions": sessions})
    return out


class PersonIn(Schema):
    name: str = Field(max_length=40)
    phone: str = Field(max_length=11)


class EnrolIn(Schema):
    people: list[PersonIn] = Field(min_length=1, max_length=10)


class EnrolmentOut(Schema):
    id: int
    session_id: int
    name: str
    status: str
    waiting_position: int | None
    token: str
    checked_in: bool


def _enrolment(e) -> dict:
    return {
        "id": e.pk,
        "session_id": e.session_id,
        "name": e.name,
        "status": e.status,
        "waiting_position": services.waiting_position(e),
        "token": e.token,
        "checked_in": e.checked_in_at is not None,
    }


@router.post(
    "/sessions/{session_id}/enrolments", response={201: list[EnrolmentOut], **W}, summary="现场班报名（一次可为多人报名；满额进入候补）"
)
def enrol(request, session_id: int, payload: EnrolIn):
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound("not_found", _("找不到该班次"))
    created = services.enrol(actor=request.user, session=session, people=[p.dict() for p in payload.people])
    return 201, [_enrolment(e) for e in created]


@router.get("/enrolments/mine", response={200: list[EnrolmentOut], 401: ErrorOut}, summary="我的报名（签到码、候补位次）")
@paginate(BoundedPagination)
def my_enrolments(request):
    return [_enrolment(e) for e in selectors.my_enrolments(request.user)]


@router.post(
    "/enrolments/{token}/decline",
    response={200: EnrolmentOut, 404: ErrorOut, 409: ErrorOut},
    auth=None,
    summary="放弃名额或退出候补（链接即凭证）",
)
def decline(request, token: str):
    return _enrolment(services.enrolment_decline(token=token[:64]))


class CheckInIn(Schema):
    code: str = Field(max_length=200)


@router.post("/sessions/{session_id}/checkins", response={200: EnrolmentOut, **W}, summary="扫码签到")
def check_in(request, session_id: int, payload: CheckInIn):
    session = Session.objects.select_related("course__organisation").filter(pk=session_id).first()
    if session is None or not (
        scoping.is_staff_member(request.user) and scoping.can_view_organisation(request.user, session.course.organisation)
    ):
        raise NotFound("not_found", _("找不到该班次"))
    return _enrolment(services.check_in(actor=request.user, session=session, code=payload.code))


class CertificateStatusOut(Schema):
    number: str
    course: str
    status: str
    issued_on: date
    expires_on: date | None


@router.get("/certificates/{token}", response={200: CertificateStatusOut, 404: ErrorOut}, auth=None, summary="证书查验（有效、过期或撤销）")
def certificate_status(request, token: str):
    certificate = selectors.certificate_by_token(token[:64])
    if certificate is None:
        raise NotFound("not_found", _("找不到该证书"))
    return {
        "number": certificate.number,
        "course": certificate.course.title,
        "status": certificate.status(),
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
    }


# --- craftsmen and competitions -----------------------------------------------------------------------


class WorkOut(Schema):
    id: int
    title: str
    description: str
    craftsman: str
    skill: str
    picture: str | None


@router.get("/craft/works", response={200: list[WorkOut], 422: ErrorOut}, auth=None, summary="工匠作品展示（姓名按本人同意显示）")
@paginate(BoundedPagination)
def works(request):
    return [
        {
            "id": w.pk,
            "title": w.title,
            "description": w.description,
            "craftsman": selectors.public_craftsman_name(w.craftsman),
            "skill": w.craftsman.skill,
            "picture": w.picture.url if w.picture else None,
        }
        for w in selectors.works_showcase()
    ]


class NeedResponseIn(Schema):
    message: str = Field(max_length=1000)


class NeedResponseOut(Schema):
    id: int
    need_id: int
    matched: bool


@router.post("/craft/needs/{need_id}/responses", response={201: NeedResponseOut, **W}, summary="工匠响应需求")
def need_respond(request, need_id: int, payload: NeedResponseIn):
    need = Need.objects.filter(pk=need_id).first()
    if need is None:
        raise NotFound("not_found", _("找不到该需求"))
    response = services_craft.need_respond(actor=request.user, need=need, message=payload.message)
    return 201, {"id": response.pk, "need_id": need.pk, "matched": False}


class RankOut(Schema):
    place: int | None
    name: str
    organisation: str
    total: str | None


@router.get("/competitions/{competition_id}/ranking", response={200: list[RankOut], 401: ErrorOut, 404: ErrorOut}, summary="竞赛排名")
def competition_ranking(request, competition_id: int):
    competition = Competition.objects.filter(pk=competition_id).first()
    if competition is None or not (scoping.is_district_staff(request.user) or competition.judges.filter(user=request.user).exists()):
        raise NotFound("not_found", _("找不到该竞赛"))
    return [
        {
            "place": e.place,
            "name": e.member.name,
            "organisation": e.organisation.name,
            "total": str(e.score) if e.score is not None else None,
        }
        for e in services_craft.ranking(competition)
    ]


class MyResultOut(Schema):
    entrant_id: int
    competition_id: int
    competition: str
    year: int
    place: int | None
    entrants: int
    total: str | None


@router.get("/competitions/mine", response={200: list[MyResultOut], 401: ErrorOut, 403: ErrorOut}, summary="我的竞赛成绩与名次")
def my_results(request):
    member = scoping.member_for(request.user)
    if member is None:
        raise Forbidden("honours_not_member", _("只有会员可以查看本人成绩"))
    return [
        {
            "entrant_id": e.pk,
            "competition_id": e.competition_id,
            "competition": e.competition.title,
            "year": e.competition.year,
            "place": e.place,
            "entrants": e.field_size,
            "total": str(e.score) if e.score is not None else None,
        }
        for e in services_craft.my_results(member)
    ]


class AppealIn(Schema):
    text: str = Field(max_length=2000)


class AppealOut(Schema):
    id: int
    entrant_id: int
    outcome: str
    resolution: str
    corrected_total: str | None = Field(None, description="申诉成立并更正成绩时：更正后的总分")
    previous_total: str | None = None
    previous_place: int | None = None
    new_place: int | None = Field(None, description="更正后重新排名的名次")


def _appeal_out(appeal) -> dict:
    return {
        "id": appeal.pk,
        "entrant_id": appeal.entrant_id,
        "outcome": appeal.outcome,
        "resolution": appeal.resolution,
        "corrected_total": None if appeal.corrected_total is None else str(appeal.corrected_total),
        "previous_total": None if appeal.previous_total is None else str(appeal.previous_total),
        "previous_place": appeal.previous_place,
        "new_place": appeal.new_place,
    }


@router.post("/entrants/{entrant_id}/appeals", response={201: AppealOut, **W}, summary="选手对本人成绩提出申诉")
def appeal_lodge(request, entrant_id: int, payload: AppealIn):
    member = scoping.member_for(request.user)
    entrant = Entrant.objects.filter(pk=entrant_id).first()
    if entrant is None or member is None or entrant.member_id != member.pk:
        raise NotFound("not_found", _("找不到该参赛记录"))
    return 201, _appeal_out(services_craft.appeal_lodge(actor=request.user, entrant=entrant, text=payload.text))


class AppealDecisionIn(Schema):
    outcome: str = Field(max_length=10, description="upheld（申诉成立）或 dismissed（申诉不成立）")
    resolution: str = Field(max_length=200, description="处理说明（告知选手）")
    # A string too, so "87.5" from a form-minded client is checked by the service, not refused as a type;
    # strict, so true is not read as 1 point.
    score: StrictInt | StrictFloat | StrictStr | None = Field(
        None, description="申诉成立时可更正该选手的总分（0–100，最多两位小数），竞赛随即重新排名"
    )


@router.post("/appeals/{appeal_id}/decision", response={200: AppealOut, **W}, summary="处理竞赛申诉（区总工会）")
def appeal_decide(request, appeal_id: int, payload: AppealDecisionIn):
    if not rules.may_resolve_appeal(request.user):
        raise Forbidden("honours_forbidden", _("只有区总工会可以处理申诉"))
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None:
        raise NotFound("not_found", _("找不到该申诉"))
    if payload.outcome not in (Appeal.Outcome.UPHELD, Appeal.Outcome.DISMISSED):
        raise Invalid("honours_outcome_invalid", _("请选择处理结果"), field="outcome")
    appeal = services_craft.appeal_resolve(
        actor=request.user,
        appeal=appeal,
        upheld=payload.outcome == Appeal.Outcome.UPHELD,
        resolution=payload.resolution,
        score=payload.score,
    )
    return _appeal_out(appeal)
