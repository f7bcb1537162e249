"""JSON API of the innovation studios (/api/v1/studios/): applications for their union's admin,
the street's and district's lists, transitions, and the expert's scoring."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from core import scoping
from core.api import BoundedPagination, ErrorOut
from core.errors import Forbidden, NotFound
from core.models import Organisation
from modules.studios import rules, selectors, services
from modules.studios.models import Application, Call, ExpertAssignment

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
