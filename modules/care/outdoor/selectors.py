"""The outdoor-worker service plan read from the courier survey's results."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from engines.survey import selectors as survey_selectors
from engines.survey.models import Response, Survey
from modules.care.outdoor.workbook import SERIES

OWNER = "care.outdoor"


def courier_surveys():
    return Survey.objects.filter(owner=OWNER, series=SERIES).select_related("organisation").order_by("-wave")


def current_courier_survey(year: int | None = None) -> Survey | None:
    """The newest wave that has been published (open or finished); with ``year``, the newest that
    received answers in that year (the annual review's figure lands on it)."""
    waves = courier_surveys().exclude(status=Survey.Status.DRAFT)
    if year:
        waves = waves.filter(pk__in=Response.objects.filter(submitted_on__year=year).values("survey_id"))
    return waves.first()


def _share_where(survey: Survey, question: str, test) -> tuple[float, int]:
    """(share %, count) of numeric answers to ``question`` for which ``test(value)`` holds."""
    from engines.survey.models import Answer

    rows = Answer.objects.filter(survey=survey, question=question).values_list("value").annotate(n=Count("id")).order_by()
    total = sum(n for _v, n in rows)
    hit = sum(n for v, n in rows if test(float(v)))
    return (round(100.0 * hit / total, 1) if total else 0.0), hit


def service_plan(survey: Survey) -> dict:
    """The figures the plan is built on, each with the survey question it comes from."""
    result = survey_selectors.results(survey)
    q = lambda name: survey_selectors.question_result(result, name) or {}  # noqa: E731
    share = lambda name, *values: survey_selectors.share_of(result, name, values)  # noqa: E731
    long_hours, long_hours_n = _share_where(survey, "hours", lambda v: v > 10)
    figures = [
        {"key": "responses", "label": _("有效答卷"), "value": result["total"], "unit": _("份"), "question": ""},
        {"key": "hours", "label": _("平均每天工作"), "value": q("hours").get("mean"), "unit": _("小时"), "question": "hours"},
        {"key": "long_hours", "label": _("每天工作超过 10 小时"), "value": long_hours, "unit": "%", "question": "hours"},
        {"key": "income", "label": _("月收入中位数"), "value": q("income").get("median"), "unit": _("元"), "question": "income"},
        {"key": "no_contract", "label": _("未签劳动合同"), "value": share("contract", "no", "unsure"), "unit": "%", "question": "contract"},
        {
            "key": "no_injury",
            "label": _("没有工伤保险"),
            "value": round(100 - share("insurance", "injury"), 1) if q("insurance").get("answered") else 0.0,
            "unit": "%",
            "question": "insurance",
        },
        {
            "key": "outdoor_rest",
            "label": _("在路边或车上休息"),
            "value": share("rest_place", "street", "vehicle"),
            "unit": "%",
            "question": "rest_place",
        },
        {
            "key": "station_unknown",
            "label": _("不知道附近的暖心驿站"),
            "value": share("station_known", "no"),
            "unit": "%",
            "question": "station_known",
        },
    ]
    needs = sorted(q("needs").get("rows", []), key=lambda r: -r["count"])[:3]
    return {
        "survey": survey,
        "result": result,
        "figures": {f["key"]: f for f in figures},
        "figure_list": figures,
        "needs": needs,
        "long_hours_n": long_hours_n,
    }


def review_section(year: int, viewer):
    """The annual review's part: courier-survey answers received in the year, per wave."""
    rows = (
        Response.objects.filter(survey__owner=OWNER, submitted_on__year=year)
        .values("survey__title", "survey__wave")
        .annotate(n=Count("pk"))
        .order_by("survey__wave")
    )
    rows = list(rows)
    if not rows:
        return {"title": _("户外劳动者服务"), "items": [], "empty": _("本年度没有快递小哥问卷答卷")}
    items = [(_("快递小哥问卷答卷"), sum(r["n"] for r in rows), _("份"))]
    items += [(_("其中 %(t)s 第 %(w)s 轮") % {"t": r["survey__title"], "w": r["survey__wave"]}, r["n"], _("份")) for r in rows]
    return {"title": _("户外劳动者服务"), "items": items}


def answers_by_year(year: int) -> int:
    return Response.objects.filter(survey__owner=OWNER).annotate(y=ExtractYear("submitted_on")).filter(y=year).count()
