"""JSON API of questionnaires (/api/v1/surveys/): the open surveys and a form's definition for
a respondent, submitting an answer, and results and cross-tabs for the staff who run it."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from core import scoping
from core.api import ErrorOut
from core.errors import Forbidden, NotFound
from engines.survey import rules, selectors, services
from engines.survey.models import Survey

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: int
    owner: str
    title: str
    wave: int
    series: str
    anonymous: bool
    status: str
    opens_on: date | None
    closes_on: date | None
    organisation: str


class OpenSurveyOut(SurveyOut):
    answered: bool


class FormOut(SurveyOut):
    version: str
    questions: list[dict]
    choices: dict


class ResponseIn(Schema):
    answers: dict[str, str | list[str] | int | float | None] = Field(..., max_length=500)


class ResponseOut(Schema):
    ok: bool
    survey_id: int


class CrosstabQuery(Schema):
    row: str = Field("", max_length=64)
    col: str = Field("", max_length=64)


def _out(survey: Survey, **extra) -> dict:
    return {
        "id": survey.pk,
        "owner": survey.owner,
        "title": survey.title,
        "wave": survey.wave,
        "series": survey.series,
        "anonymous": survey.anonymous,
        "status": survey.status,
        "opens_on": survey.opens_on,
        "closes_on": survey.closes_on,
        "organisation": survey.organisation.name,
        **extra,
    }


def _survey(survey_id: int) -> Survey:
    survey = Survey.objects.select_related("organisation").filter(pk=survey_id).first()
    if survey is None:
        raise NotFound("not_found", _("找不到该问卷"))
    return survey


def _managed(request, survey_id: int) -> Survey:
    survey = _survey(survey_id)
    if not rules.may_manage(request.user, survey):
        raise NotFound("not_found", _("找不到该问卷，或不在您的权限范围内"))
    return survey


@router.get("/", response={200: list[SurveyOut], 401: ErrorOut, 403: ErrorOut}, summary="问卷列表（工作人员，按权限范围）")
def survey_list(request, owner: str = Query("", max_length=40)):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("仅工作人员可查看"))
    return [_out(s) for s in selectors.surveys_for_staff(request.user, owner=owner or None).defer("definition")[:200]]


@router.get("/open", response={200: list[OpenSurveyOut], 401: ErrorOut}, summary="我可以填写的问卷")
def survey_open(request):
    return [_out(row["survey"], answered=row["answered"]) for row in selectors.open_surveys_for(request.user)]


@router.get("/{survey_id}", response={200: FormOut, 401: ErrorOut, 404: ErrorOut}, summary="问卷题目定义")
def survey_form(request, survey_id: int):
    survey = _survey(survey_id)
    if not (rules.may_answer(request.user, survey) or rules.may_manage(request.user, survey)):
        raise NotFound("not_found", _("找不到该问卷"))
    return _out(survey, version=survey.version, questions=survey.questions, choices=survey.choices)


@router.post(
    "/{survey_id}/responses",
    response={201: ResponseOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="提交答卷（每人一份；错误时 errors 按题目给出原因）",
)
def response_create(request, survey_id: int, payload: ResponseIn):
    # Also answered at the WSGI door (hot_path.py), by the same service and the same answer.
    survey = services.response_submit_to(actor=request.user, survey_id=survey_id, answers=payload.answers)
    return 201, created(survey)


def created(survey: Survey) -> dict:
    return {"ok": True, "survey_id": survey.pk}


@router.get("/{survey_id}/results", response={200: dict, 401: ErrorOut, 404: ErrorOut}, summary="统计结果")
def survey_results(request, survey_id: int):
    return selectors.results(_managed(request, survey_id))


@router.get("/{survey_id}/crosstab", response={200: dict, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}, summary="交叉分析")
def survey_crosstab(request, survey_id: int, query: Query[CrosstabQuery]):
    return selectors.crosstab(_managed(request, survey_id), query.row, query.col)
