"""Pages of the questionnaire engine: the staff's list, import, results (charts, cross-tabs,
trends, quotas, export) and the phone form a worker answers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import scoping
from core.errors import ApiError
from engines.survey import answering, export, owners, rules, selectors, services
from engines.survey.models import Quota, Survey
from engines.survey.xlsform import MAX_BYTES, WorkbookInvalid


def _staff_only(user) -> None:
    if not scoping.is_staff_member(user):
        raise PermissionDenied


def _managed(request, pk: int) -> Survey:
    _staff_only(request.user)
    survey = get_object_or_404(Survey.objects.select_related("organisation"), pk=pk)
    if not rules.may_manage(request.user, survey):
        raise Http404
    return survey


class ImportForm(forms.Form):
    workbook = forms.FileField(label=gettext_lazy("XLSForm 工作簿（.xlsx）"))
    owner = forms.ChoiceField(label=gettext_lazy("所属项目"))
    organisation = forms.ModelChoiceField(queryset=None, label=gettext_lazy("发起工会"))
    series = forms.CharField(
        label=gettext_lazy("问卷系列"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("同一系列的多次调查按轮次比较；留空则用表单代码 form_id"),
    )
    anonymous = forms.BooleanField(label=gettext_lazy("匿名调查（不记录答卷人和时间）"), required=False, initial=True)
    opens_on = forms.DateField(label=gettext_lazy("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owners.choices()
        self.fields["organisation"].queryset = scoping.organisations_visible_to(user).exclude(
            level="grassroots"
        ) | scoping.organisations_visible_to(user).filter(pk__in=[a.organisation_id for a in scoping.role_assignments(user)])

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件过大：最大 %(n)s MB") % {"n": MAX_BYTES // 1024 // 1024})
        return upload


@login_required
def survey_list(request):
    _staff_only(request.user)
    surveys = selectors.surveys_for_staff(request.user, owner=request.GET.get("owner") or None).defer("definition")[:200]
    return render(request, "survey/list.html", {"surveys": surveys, "owners": dict(owners.choices())})


@login_required
def survey_import(request):
    _staff_only(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user, initial={"owner": request.GET.get("owner", "")})
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["workbook"]
        try:
            survey = services.survey_import(
                actor=request.user,
                owner=form.cleaned_data["owner"],
                organisation=form.cleaned_data["organisation"],
                data=upload.read(),
                filename=upload.name,
                series=form.cleaned_data["series"],
                anonymous=form.cleaned_data["anonymous"],
                opens_on=form.cleaned_data["opens_on"],
                closes_on=form.cleaned_data["closes_on"],
            )
        except WorkbookInvalid as error:
            problems = error.errors
        except ApiError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _("已导入问卷“%(t)s”（第 %(w)s 轮），共 %(n)s 题")
                % {"t": survey.title, "w": survey.wave, "n": len(selectors.answer_questions(survey))},
            )
            return redirect("survey:detail", survey.pk)
    return render(request, "survey/import.html", {"form": form, "problems": problems})


def _result_context(survey: Survey) -> dict:
    result = selectors.results(survey)
    charts = []
    for item in result["questions"]:
        if "rows" in item:
            charts.append(
                {
                    "id": item["name"],
                    "kind": "bar",
                    "labels": [r["label"] for r in item["rows"]],
                    "values": [r["count"] for r in item["rows"]],
                }
            )
        elif item.get("bins"):
            charts.append(
                {
                    "id": item["name"],
                    "kind": "column",
                    "labels": [b["label"] for b in item["bins"]],
                    "values": [b["count"] for b in item["bins"]],
                }
            )
    return {"result": result, "charts": charts}


@login_required
def survey_detail(request, pk: int):
    survey = _managed(request, pk)
    context = _result_context(survey)
    crossable = [q for q in selectors.answer_questions(survey) if q["type"] in selectors.CROSSABLE]
    waves = selectors.waves(survey)
    trend = None
    trend_q = request.GET.get("trend") or next((q["name"] for q in crossable), "")
    if len(waves) > 1:
        trend = selectors.trend(survey, trend_q)
    quotas = list(Quota.objects.filter(survey=survey))
    context.update(
        {
            "survey": survey,
            "crossable": crossable,
            "quota_cells": [
                (f"{q['name']}={o['name']}", f"{answering.localized(q, 'label')}：{answering.localized(o, 'label')}")
                for q in crossable
                if q["type"] == "select_one"
                for o in survey.choices.get(q["list"], [])
            ],
            "waves": waves,
            "trend": trend,
            "trend_q": trend_q,
            "quotas": quotas,
            "statuses": Survey.Status,
            "config": {"charts": context["charts"], "trend": trend},
        }
    )
    return render(request, "survey/detail.html", context)


@login_required
def survey_crosstab(request, pk: int):
    survey = _managed(request, pk)
    crossable = [q for q in selectors.answer_questions(survey) if q["type"] in selectors.CROSSABLE]
    row = request.GET.get("row") or (crossable[0]["name"] if crossable else "")
    col = request.GET.get("col") or (crossable[1]["name"] if len(crossable) > 1 else row)
    table, error = None, ""
    try:
        table = selectors.crosstab(survey, row, col)
    except ApiError as exc:
        error = str(exc.message)
    return render(
        request, "survey/crosstab.html", {"survey": survey, "crossable": crossable, "row": row, "col": col, "table": table, "error": error}
    )


@login_required
def survey_export(request, pk: int):
    survey = _managed(request, pk)
    response = HttpResponse(export.workbook_bytes(survey), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{survey.form_id}-wave{survey.wave}.xlsx"'
    return response


@login_required
@require_POST
def survey_status(request, pk: int):
    survey = _managed(request, pk)
    try:
        services.survey_set_status(actor=request.user, survey=survey, status=request.POST.get("status", ""))
        messages.success(request, _("问卷状态已更新"))
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("survey:detail", survey.pk)


@login_required
@require_POST
def survey_quota(request, pk: int):
    survey = _managed(request, pk)
    question, _sep, value = request.POST.get("cell", "").partition("=")
    try:
        limit = int(request.POST.get("limit", ""))
    except ValueError:
        messages.error(request, _("配额应为 1 到 10000000 之间的整数"))
        return redirect("survey:detail", survey.pk)
    try:
        services.quota_set(actor=request.user, survey=survey, question=question, value=value, limit=limit)
        messages.success(request, _("配额已保存"))
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("survey:detail", survey.pk)


# --- the worker's side (phone) -------------------------------------------------------------


@login_required
def my_surveys(request):
    return render(request, "survey/mine.html", {"rows": selectors.open_surveys_for(request.user)})


def form_items(survey: Survey, values: dict, checked: answering.Checked | None) -> list[dict]:
    """The questions as the form shows them: labels in the page's language, each one's value,
    error and whether it is asked now (the server's decision; the script only refines it)."""
    items = []
    shown = checked.shown if checked else answering.check(survey, values).shown
    for q in survey.questions:
        item = {
            "type": q["type"],
            "name": q["name"],
            "label": answering.localized(q, "label"),
            "hint": answering.localized(q, "hint"),
            "required": q.get("required", False),
            "shown": shown.get(q["name"], True),
            "error": (checked.errors.get(q["name"], "") if checked else ""),
        }
        value = answering.text_of(values.get(q["name"]))
        item["value"] = value
        if q["type"].startswith("select_"):
            picked = set(value.split())
            item["options"] = [
                {"name": o["name"], "label": answering.localized(o, "label"), "checked": o["name"] in picked}
                for o in survey.choices.get(q["list"], [])
            ]
        items.append(item)
    return items


def _posted_answers(request, survey: Survey) -> dict:
    out = {}
    for q in survey.questions:
        if q["type"] == "select_multiple":
            out[q["name"]] = request.POST.getlist(q["name"])[:100]
        elif q["type"] not in ("begin_group", "end_group", "note"):
            out[q["name"]] = request.POST.get(q["name"], "")[: answering.MAX_TEXT + 1]
    return out


@login_required
def answer(request, pk: int):
    survey = get_object_or_404(Survey.objects.select_related("organisation"), pk=pk)
    if not rules.may_answer(request.user, survey):
        raise Http404
    if not survey.is_accepting():
        return render(request, "survey/closed.html", {"survey": survey}, status=200)
    if services.already_answered(user=request.user, survey=survey):
        return render(request, "survey/thanks.html", {"survey": survey, "again": True})
    values, checked, top_error = {}, None, ""
    if request.method == "POST":
        values = _posted_answers(request, survey)
        newly = _newly_asked(survey, values, request.POST.get("_shown"))
        if newly:
            # Without the page's script, a question the answers have just made relevant was
            # never on the screen: show the form again with it rather than store the answer.
            top_error = _("根据您的回答，新增了 %(n)s 道题，请继续填写") % {"n": len(newly)}
            logic = {q["name"]: q["relevant"]["tree"] for q in survey.questions if q.get("relevant")}
            items = form_items(survey, values, None)
            return render(request, "survey/answer.html", {"survey": survey, "items": items, "top_error": top_error, "logic": logic})
        try:
            services.response_submit(actor=request.user, survey=survey, answers=values)
        except ApiError as error:
            if error.code == "survey_answer_invalid":
                checked = answering.check(survey, values)
            elif error.code == "survey_already_answered":
                return render(request, "survey/thanks.html", {"survey": survey, "again": True})
            top_error = str(error.message)
        else:
            return redirect("survey:thanks", survey.pk)
    logic = {q["name"]: q["relevant"]["tree"] for q in survey.questions if q.get("relevant")}
    return render(
        request,
        "survey/answer.html",
        {"survey": survey, "items": form_items(survey, values, checked), "top_error": top_error, "logic": logic},
        status=422 if checked else 200,
    )


def _newly_asked(survey: Survey, values: dict, shown_field: str | None) -> list[str]:
    """Questions asked given these answers that were not on the page the person filled in."""
    if shown_field is None:
        return []  # an API-like post without the form's list: nothing to compare
    shown_before = set(shown_field.split(",")[:1000])
    asked_now = answering.check(survey, values).shown
    return [
        q["name"]
        for q in survey.questions
        if q["type"] not in ("begin_group", "end_group", "note")
        and asked_now.get(q["name"])
        and q["name"] not in shown_before
        and not answering.text_of(values.get(q["name"]))
    ]


@login_required
def thanks(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    if not rules.may_answer(request.user, survey):
        raise Http404
    return render(request, "survey/thanks.html", {"survey": survey, "again": False})
