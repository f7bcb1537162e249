"""Pages of the outdoor-worker services: the staff's service plan built on the courier survey,
and the couriers' phone entry (answer the survey, find a rest station)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from core import scoping
from core.validators import year_filter
from engines.survey import rules as survey_rules
from engines.survey import selectors as survey_selectors
from engines.survey import services as survey_services
from modules.care.outdoor import selectors


@login_required
def plan(request):
    """户外劳动者服务计划: the survey's figures, what the plan does about each, links onward."""
    if not scoping.is_staff_member(request.user):
        raise PermissionDenied
    # the annual review links its survey figure here: the wave answered in one year
    year = year_filter(request)
    survey = selectors.current_courier_survey(year)
    if survey is not None and not survey_rules.may_manage(request.user, survey):
        survey = None
    context = {"survey": survey, "year": year or ""}
    if survey is not None:
        context.update(selectors.service_plan(survey))
        waves = survey_selectors.waves(survey)
        context["waves"] = waves
        context["trend"] = survey_selectors.trend(survey, "rest_place") if len(waves) > 1 else None
    return render(request, "care/outdoor/plan.html", context)


@login_required
def courier(request):
    """The courier's phone page: the survey to answer (or thanks), and the nearest rest station."""
    # the annual review links its survey figure here: the wave answered in one year
    year = year_filter(request)
    survey = selectors.current_courier_survey(year)
    answered = False
    if survey is not None and survey.is_accepting() and survey_rules.may_answer(request.user, survey):
        answered = survey_services.already_answered(user=request.user, survey=survey)
        if not answered and request.GET.get("go"):
            return redirect("survey:answer", survey.pk)
    else:
        survey = None
    return render(request, "care/outdoor/courier.html", {"survey": survey, "answered": answered})
