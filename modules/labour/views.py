"""Pages of labour relations: the mediation desk (staff), a worker's own case and application
(phone), monitoring points, collective bargaining, legal events, the handbook and Q&A."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments, scoping
from core.errors import ApiError
from core.privacy import mask_name, mask_phone
from core.validators import year_filter
from engines.workflow import selectors as workflow_selectors
from modules.labour import clocks, documents, rules, search, selectors, services
from modules.labour.forms import (
    AgreementForm,
    ApplyForm,
    AssignForm,
    ConsultationForm,
    EventForm,
    ExtensionForm,
    IntakeForm,
    ReportForm,
    SessionForm,
)
from modules.labour.models import (
    Consultation,
    DeskRules,
    DisputeType,
    FollowUpTask,
    Law,
    LawArticle,
    LegalEvent,
    ModelUnit,
    MonitoringPoint,
    NegotiationRequest,
    Outcome,
    Question,
    TrainingMeeting,
)
from modules.labour.process import PROCESS

PAGE_SIZE = 30


def _desk_only(user) -> None:
    if not rules.is_desk(user):
        raise PermissionDenied


def _office_only(user) -> None:
    if not scoping.is_staff_member(user):
        raise PermissionDenied


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _year_param(request, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


def _desk_name(request) -> str:
    return _("区总工会劳动争议调解室（驻区劳动人事争议仲裁院）")


@login_required
def home(request):
    """The programme's desk: what each office role may open, with the figures that matter now."""
    if not (rules.is_desk(request.user) or scoping.is_staff_member(request.user)):
        raise PermissionDenied
    year = timezone.localdate().year
    context = {
        "is_desk": rules.is_desk(request.user),
        "is_district": scoping.is_district_staff(request.user),
        "may_stats": rules.may_view_stats(request.user),
        "year": year,
    }
    if context["is_desk"]:
        context["stats"] = selectors.case_statistics(year)
        context["due_soon"] = list(
            selectors.with_state(selectors.cases_visible_to(request.user))
            .filter(closed_at__isnull=True, cases__state__in=["received", "mediating", "agreed"])
            .order_by("received_at")[:10]
        )
        rules_row = DeskRules.current()
        for c in context["due_soon"]:
            c.clock = clocks.clocks_for(c, rules_row)
            c.state_label = selectors.state_label(c.state)
    context["open_tasks"] = selectors.tasks_visible_to(request.user).filter(status=FollowUpTask.Status.OPEN).count()
    return render(request, "labour/home.html", context)


# --- the mediation desk --------------------------------------------------------------------------


@login_required
def case_list(request):
    _desk_only(request.user)
    state = request.GET.get("state", "")
    state = state if state in {s.key for s in PROCESS.states} else ""
    dispute_type = request.GET.get("type", "")
    dispute_type = dispute_type if dispute_type in DisputeType.values else ""
    q = request.GET.get("q", "").strip()[:40]
    # The annual review links its figures here: cases received in a year, or closed in a year with an outcome.
    year = _year_param(request, "year")
    closed = _year_param(request, "closed")
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in Outcome.values and outcome else ""
    rows = selectors.case_list(request.user, state=state, dispute_type=dispute_type, q=q, year=year)
    if closed:
        rows = rows.filter(closed_at__year=closed)
    if outcome:
        rows = rows.filter(outcome=outcome)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page.object_list:
        c.state_label = selectors.state_label(c.state)
    query = "&".join(
        f"{k}={v}"
        for k, v in (("state", state), ("type", dispute_type), ("q", q), ("year", year), ("closed", closed), ("outcome", outcome))
        if v
    )
    return render(
        request,
        "labour/cases.html",
        {
            "page": page,
            "states": PROCESS.states,
            "types": DisputeType.choices,
            "state": state,
            "type": dispute_type,
            "q": q,
            "query": query,
            "year": year,
            "closed": closed,
            "outcome_label": dict(Outcome.choices).get(outcome, "") if outcome else "",
            "outcome": outcome,
        },
    )


@login_required
def cases_export(request):
    _desk_only(request.user)
    rows = selectors.case_list(request.user, year=_year(request))
    response = HttpResponse(documents.cases_xlsx(rows.select_related("mediator")), content_type=documents.XLSX)
    response["Content-Disposition"] = 'attachment; filename="mediation-cases.xlsx"'
    return response


@login_required
def case_new(request):
    """Intake at the desk: a walk-in (an oral application is written down here and then), a referral."""
    _desk_only(request.user)
    form = IntakeForm(request.POST or None, initial={"channel": "walk_in", "oral": True})
    if request.method == "POST" and form.is_valid():
        try:
            mediation = services.case_create(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("已登记，案号 %(n)s") % {"n": mediation.number})
            return redirect("labour:case", mediation.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "labour/case_form.html", {"form": form})


@login_required
def case_detail(request, pk):
    mediation = selectors.case_for(request.user, pk)
    if mediation is None:
        raise Http404
    case = services.case_of(mediation)
    rules_row = DeskRules.current()
    editable = case.state in ("mediating", "agreed")
    return render(
        request,
        "labour/case.html",
        {
            "c": mediation,
            "case": case,
            "state_label": selectors.state_label(case.state),
            "clocks": clocks.clocks_for(mediation, rules_row),
            "timeline": selectors.full_timeline(mediation),
            "actions": workflow_selectors.available_transitions(case, request.user),
            "deadline": workflow_selectors.open_deadline(case),
            "worker_phone": mask_phone(mediation.worker_phone),
            "employer_phone": mask_phone(mediation.employer_phone),
            "session_form": SessionForm(initial={"held_at": timezone.localtime().replace(second=0, microsecond=0)}) if editable else None,
            "agreement_form": AgreementForm(
                initial={
                    "amount_agreed": (mediation.amount_agreed_fen or 0) / 100 if mediation.amount_agreed_fen is not None else "",
                    "text": mediation.agreement_text,
                    "performance_due_on": mediation.performance_due_on,
                }
            )
            if editable
            else None,
            "assign_form": AssignForm(initial={"mediator": mediation.mediator_id, "panel": list(mediation.panel.all())})
            if case.state in ("received", "mediating", "agreed")
            else None,
            "signers": [
                ("worker", _("职工方"), mediation.signed_worker_at),
                ("employer", _("用人单位"), mediation.signed_employer_at),
                ("mediator", _("调解员"), mediation.signed_mediator_at),
            ],
            "panel": list(mediation.panel.all()),
            "extension_form": ExtensionForm()
            if case.state in ("received", "mediating", "agreed") and rules.may_extend(request.user, mediation)
            else None,
            "extension_room": max(0, rules_row.extension_days - mediation.extended_days),
            "extension_max": rules_row.extension_days,
        },
    )


def _act_then_back(request, action, done: str, pk: int):
    try:
        action()
        messages.success(request, done)
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("labour:case", pk)


def _case_or_404(request, pk):
    mediation = selectors.case_for(request.user, pk)
    if mediation is None:
        raise Http404
    return mediation


@login_required
@require_POST
def case_transition(request, pk):
    mediation = _case_or_404(request, pk)
    return _act_then_back(
        request,
        lambda: services.case_transition(
            actor=request.user,
            mediation=mediation,
            name=request.POST.get("transition", ""),
            comment=request.POST.get("comment", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("已办理"),
        pk,
    )


@login_required
@require_POST
def case_assign(request, pk):
    mediation = _case_or_404(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择调解员"))
        return redirect("labour:case", pk)
    return _act_then_back(
        request,
        lambda: services.mediator_assign(
            actor=request.user,
            mediation=mediation,
            mediator=form.cleaned_data["mediator"],
            panel=form.cleaned_data["panel"],
            note=form.cleaned_data["note"],
        ),
        _("已指定调解员"),
        pk,
    )


@login_required
@require_POST
def session_add(request, pk):
    mediation = _case_or_404(request, pk)
    form = SessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items() if f in form.fields))
        return redirect("labour:case", pk)
    return _act_then_back(
        request, lambda: services.session_add(actor=request.user, mediation=mediation, **form.cleaned_data), _("已记录调解会"), pk
    )


@login_required
@require_POST
def case_extend(request, pk):
    """The parties agreed to extend the mediation period: record it, move the clock and its reminders."""
    mediation = _case_or_404(request, pk)
    if not rules.may_extend(request.user, mediation):
        raise PermissionDenied
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items() if f in form.fields))
        return redirect("labour:case", pk)
    return _act_then_back(
        request,
        lambda: services.extension_add(actor=request.user, mediation=mediation, **form.cleaned_data),
        _("已延长调解期限"),
        pk,
    )


@login_required
@require_POST
def agreement_edit(request, pk):
    mediation = _case_or_404(request, pk)
    form = AgreementForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items() if f in form.fields))
        return redirect("labour:case", pk)
    return _act_then_back(
        request,
        lambda: services.agreement_set(
            actor=request.user,
            mediation=mediation,
            amount_agreed=form.cleaned_data["amount_agreed"],
            text=form.cleaned_data["text"],
            performance_due_on=form.cleaned_data["performance_due_on"],
        ),
        _("已保存协议内容"),
        pk,
    )


@login_required
@require_POST
def case_sign(request, pk):
    mediation = _case_or_404(request, pk)
    return _act_then_back(
        request,
        lambda: services.signature_record(actor=request.user, mediation=mediation, party=request.POST.get("party", "")),
        _("已登记签字"),
        pk,
    )


@login_required
@require_POST
def case_contacts(request, pk):
    """The parties' contacts in full, for the desk, written to the audit log."""
    mediation = _case_or_404(request, pk)
    contacts = services.contacts_reveal(actor=request.user, mediation=mediation)
    return render(request, "labour/_contacts.html", {"contacts": contacts, "c": mediation})


@login_required
def agreement_pdf(request, pk):
    mediation = _case_or_404(request, pk)
    response = HttpResponse(documents.agreement_pdf(mediation, _desk_name(request)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{mediation.pk}.pdf"'
    return response


@login_required
def agreement_docx(request, pk):
    mediation = _case_or_404(request, pk)
    response = HttpResponse(documents.agreement_docx(mediation, _desk_name(request)), content_type=documents.DOCX)
    response["Content-Disposition"] = f'attachment; filename="agreement-{mediation.pk}.docx"'
    return response


@login_required
def consultations(request):
    _desk_only(request.user)
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_log(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已登记咨询"))
            return redirect("labour:consultations")
        except ApiError as error:
            form.apply_error(error)
    rows = Consultation.objects.select_related("mediator")
    # the annual review links its consultations figure here: one year's consultations
    year = year_filter(request)
    if year:
        rows = rows.filter(at__year=year)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "labour/consultations.html", {"form": form, "page": page, "year": year or ""})


@login_required
def stats(request):
    """The desk's statistics for the district; street staff's for their own streets (no mediators' table)."""
    if not rules.may_view_stats(request.user):
        raise PermissionDenied
    year = _year(request)
    figures = selectors.case_statistics(year, request.user)
    streets = []
    if not figures["whole_district"]:
        streets = [r.organisation.name for r in request.user.roles.filter(role=scoping.Role.STREET_STAFF).select_related("organisation")]
    return render(
        request,
        "labour/stats.html",
        {
            "s": figures,
            "year": year,
            "streets": streets,
            "consultations": selectors.consultation_count(year, request.user),
            "charts": _stats_charts(figures),
        },
    )


def _stats_charts(figures: dict) -> dict:
    """The numbers the page's charts draw (static/labour/stats.js reads them; the tables below say the same)."""
    return {
        "by_type": {"labels": [str(r["label"]) for r in figures["by_type"]], "values": [r["n"] for r in figures["by_type"]]},
        "by_outcome": {
            "labels": [str(r["label"]) for r in figures["by_outcome"]],
            "values": [r["n"] for r in figures["by_outcome"]],
        },
        "by_month": {
            "labels": [_("%(m)s月") % {"m": r["month"]} for r in figures["by_month"]],
            "series": [
                {"name": str(_("受理")), "values": [r["received"] for r in figures["by_month"]]},
                {"name": str(_("结案")), "values": [r["closed"] for r in figures["by_month"]]},
                {"name": str(_("调解成功")), "values": [r["success"] for r in figures["by_month"]]},
            ],
        },
        "empty": str(_("本年度没有数据")),
    }


@login_required
def desk_rules(request):
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied
    current = DeskRules.current()
    fields = [f for f in DeskRules._meta.fields if f.name not in ("id", "updated_at")]
    if request.method == "POST":
        try:
            services.rules_update(actor=request.user, values={f.name: request.POST.get(f.name) for f in fields if f.name in request.POST})
            messages.success(request, _("时限设置已保存"))
            return redirect("labour:rules")
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(request, "labour/rules.html", {"fields": [(f.name, f.verbose_name, getattr(current, f.name)) for f in fields]})


# --- the worker's own case ---------------------------------------------------------------------


@login_required
def my_cases(request):
    """A worker's own applications: status and the clocks, nothing of the desk's notes."""
    rows = list(selectors.with_state(selectors.cases_visible_to(request.user).filter(worker_user=request.user)).order_by("-received_at"))
    rules_row = DeskRules.current()
    for c in rows:
        c.state_label = selectors.state_label(c.state)
        c.clock = clocks.clocks_for(c, rules_row)
    return render(request, "labour/my_cases.html", {"rows": rows})


@login_required
def apply(request):
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = scoping.member_for(request.user)
        data = dict(form.cleaned_data)
        data["worker_name"] = member.name if member else (request.user.display_name or request.user.username)
        data["worker_phone"] = (member.phone if member else request.user.phone) or ""
        data["organisation"] = member.organisation if member else None
        try:
            services.case_create(actor=request.user, worker_user=request.user, data=data)
            messages.success(request, _("申请已提交，调解员会尽快与您联系"))
            return redirect("labour:my_cases")
        except ApiError as error:
            form.apply_error(error)
    return render(request, "labour/apply.html", {"form": form})


# --- monitoring points --------------------------------------------------------------------------


def _month(request) -> date:
    raw = request.GET.get("month", "")
    try:
        year, month = (int(x) for x in raw.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        today = timezone.localdate()
        return services.month_start(services.month_start(today) - timezone.timedelta(days=1))


@login_required
def monitoring(request):
    _office_only(request.user)
    period = _month(request)
    by = "industry" if request.GET.get("by") == "industry" else "street"
    return render(
        request,
        "labour/monitoring.html",
        {
            "rates": selectors.monitoring_rates(request.user, period),
            "trend": selectors.risk_trend(request.user, by=by),
            "by": by,
            "points": selectors.points_visible_to(request.user)[:200],
            "tasks": selectors.tasks_visible_to(request.user).filter(status=FollowUpTask.Status.OPEN)[:50],
            "warnings": selectors.reports_visible_to(request.user).exclude(risk="green").select_related("point__organisation")[:30],
            "may_designate": rules.may_designate_point(request.user),
            "may_edit_rules": rules.may_edit_risk_rules(request.user),
        },
    )


@login_required
def points(request):
    """Street and district staff designate enterprises of their tree as monitoring points, and stop
    or resume a point's reporting."""
    from modules.labour.forms import PointForm

    if not rules.may_designate_point(request.user):
        raise PermissionDenied
    taken = MonitoringPoint.objects.values("organisation_id")
    unions = scoping.organisations_visible_to(request.user).filter(level="grassroots").exclude(pk__in=taken).order_by("name")
    action = request.POST.get("action", "designate")
    form = PointForm(request.POST if request.method == "POST" and action == "designate" else None, unions=unions)
    if request.method == "POST":
        try:
            if action == "designate" and form.is_valid():
                point = services.point_designate(actor=request.user, **form.cleaned_data)
                messages.success(request, _("已设立监测点：%(org)s") % {"org": point.organisation.name})
                return redirect("labour:points")
            if action in ("stop", "resume"):
                point = selectors.points_visible_to(request.user).filter(pk=request.POST.get("point_id") or 0).first()
                if point is None:
                    raise Http404
                services.point_set_active(actor=request.user, point=point, active=action == "resume", reason=request.POST.get("reason", ""))
                messages.success(request, _("监测点已停用") if action == "stop" else _("监测点已恢复"))
                return redirect("labour:points")
        except ApiError as error:
            if action == "designate":
                form.apply_error(error)
            else:
                messages.error(request, str(error.message))
    return render(
        request,
        "labour/points.html",
        {"form": form, "points": selectors.points_visible_to(request.user).order_by("-is_active", "organisation__name")[:500]},
    )


@login_required
def risk_rules(request):
    """The district edits the rules that rate a monthly report green, yellow or red."""
    from modules.labour.forms import RiskRuleForm
    from modules.labour.models import RiskRule

    if not rules.may_edit_risk_rules(request.user):
        raise PermissionDenied
    editing = None
    if request.method == "POST" and request.POST.get("rule_id"):
        editing = get_object_or_404(RiskRule, pk=request.POST.get("rule_id"))
    form = RiskRuleForm(request.POST if request.method == "POST" and editing is None else None)
    if request.method == "POST":
        if editing is None and form.is_valid():
            data = form.cleaned_data
        elif editing is not None:
            data = {k: request.POST.get(k, "") for k in ("label", "indicator", "threshold", "level", "expected_threshold")}
            data["opens_case"] = request.POST.get("opens_case") == "on"
            data["is_active"] = request.POST.get("is_active") == "on"
        else:
            data = None
        if data is not None:
            try:
                rule = services.risk_rule_save(actor=request.user, data=data, rule=editing)
                messages.success(request, _("预警规则已保存：%(r)s") % {"r": rule.label})
                return redirect("labour:risk_rules")
            except ApiError as error:
                if editing is None:
                    form.apply_error(error)
                else:
                    messages.error(request, str(error.message))
    rule_rows = selectors.risk_rules()
    return render(
        request,
        "labour/risk_rules.html",
        {
            "rules": rule_rows,
            "form": form,
            "indicators": list(services.INDICATOR_LABELS.items()),
            "levels": [("yellow", _("黄色（关注）")), ("red", _("红色（预警）"))],
        },
    )


@login_required
def point_detail(request, pk):
    point = get_object_or_404(MonitoringPoint.objects.select_related("organisation", "street"), pk=pk)
    if not rules.may_report_for(request.user, point):
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            report = services.report_submit(actor=request.user, point=point, period=data.pop("period"), data=data)
            messages.success(request, _("月报已报送，风险等级：%(r)s") % {"r": report.get_risk_display()})
            return redirect("labour:point", point.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "labour/point.html", {"point": point, "reports": point.reports.all()[:24], "form": form})


@login_required
def task_detail(request, pk):
    task = get_object_or_404(FollowUpTask.objects.select_related("report__point__organisation", "street"), pk=pk)
    if not rules.may_handle_task(request.user, task):
        raise Http404
    if request.method == "POST":
        try:
            services.task_complete(actor=request.user, task=task, result=request.POST.get("result", ""))
            messages.success(request, _("已登记处置情况"))
            return redirect("labour:task", task.pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(request, "labour/task.html", {"task": task, "cases": task.report.cases.all()})


# --- collective bargaining ----------------------------------------------------------------------


@login_required
def bargaining(request):
    """Contracts and their evaluations, requests to negotiate with their 20-day answers, training
    meetings and model units; office staff register contracts and requests of unions in their tree."""
    from modules.labour.forms import ContractForm, RequestForm

    _office_only(request.user)
    unions = scoping.organisations_visible_to(request.user).filter(level="grassroots").order_by("name")
    action = request.POST.get("action", "")
    contract_form = ContractForm(request.POST if action == "contract" else None, unions=unions, prefix="c")
    request_form = RequestForm(request.POST if action == "request" else None, unions=unions, prefix="r")
    try:
        if action == "contract" and contract_form.is_valid():
            data = dict(contract_form.cleaned_data)
            services.contract_register(actor=request.user, organisation=data.pop("union"), data=data)
            messages.success(request, _("集体合同已登记"))
            return redirect("labour:bargaining")
        if action == "request" and request_form.is_valid():
            data = request_form.cleaned_data
            services.request_register(
                actor=request.user,
                organisation=data["union"],
                from_side=data["from_side"],
                subject=data["subject"],
                received_on=data["received_on"],
            )
            messages.success(request, _("要约已登记，答复期限已计算"))
            return redirect("labour:bargaining")
        if action == "answer":
            item = NegotiationRequest.objects.select_related("organisation").filter(pk=request.POST.get("request_id") or 0).first()
            if item is None or not rules.may_view_org(request.user, item.organisation):
                raise Http404
            services.request_answer(
                actor=request.user, request=item, answer=request.POST.get("answer", ""), answered_on=timezone.localdate()
            )
            messages.success(request, _("已登记书面答复"))
            return redirect("labour:bargaining")
    except ApiError as error:
        if action == "contract":
            contract_form.apply_error(error)
        elif action == "request":
            request_form.apply_error(error)
        else:
            messages.error(request, str(error.message))
    scope = scoping.organisation_scope_q(request.user, "organisation") if not scoping.is_district_staff(request.user) else None
    contracts = selectors.contracts_visible_to(request.user).prefetch_related("evaluations__evaluation")
    requests_ = NegotiationRequest.objects.select_related("organisation")
    if scope is not None:
        requests_ = requests_.filter(scope)
    today = timezone.localdate()
    # the annual review links its contracts and model-unit figures here: one year's
    units = ModelUnit.objects.filter(selected=True).select_related("organisation").order_by("-year", "-score")
    year = year_filter(request)
    if year:
        contracts, units = contracts.filter(signed_on__year=year), units.filter(year=year)
    return render(
        request,
        "labour/bargaining.html",
        {
            "year": year or "",
            "contracts": contracts[:100],
            "requests": requests_[:50],
            "today": today,
            "meetings": TrainingMeeting.objects.prefetch_related("attendance")[:20],
            "units": units[:50],
            "contract_form": contract_form,
            "request_form": request_form,
            "may_manage_units": rules.may_manage_model_units(request.user),
        },
    )


@login_required
def trainings(request):
    """Collective-bargaining training meetings of the district, by batch, with the attendance rate."""
    from modules.labour.forms import TrainingForm

    if not rules.may_manage_trainings(request.user):
        raise PermissionDenied
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.training_record(actor=request.user, **form.cleaned_data)
            messages.success(request, _("培训会已登记，请登记各单位出勤"))
            return redirect("labour:training", meeting.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "labour/trainings.html", {"form": form, "meetings": selectors.trainings()})


@login_required
def training_detail(request, pk):
    from modules.labour.forms import AttendanceForm

    if not rules.may_manage_trainings(request.user):
        raise Http404
    meeting = get_object_or_404(TrainingMeeting, pk=pk)
    unions = scoping.organisations_visible_to(request.user).filter(level="grassroots").order_by("name")
    form = AttendanceForm(request.POST or None, unions=unions)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_attendance_set(actor=request.user, meeting=meeting, **form.cleaned_data)
            messages.success(request, _("出勤已登记"))
            return redirect("labour:training", meeting.pk)
        except ApiError as error:
            form.apply_error(error)
    attendance = selectors.training_attendance(meeting)
    return render(
        request,
        "labour/training.html",
        {
            "meeting": meeting,
            "attendance": attendance["rows"],
            "people": attendance["people"],
            "rate": attendance["rate"],
            "form": form,
            "held": meeting.held_on <= timezone.localdate(),
        },
    )


@login_required
def contract_detail(request, pk):
    contract = selectors.contract_for(request.user, pk)
    if contract is None:
        raise Http404
    rubric = services.bargaining_rubric(actor=request.user)
    if request.method == "POST":
        try:
            year = request.POST.get("year") or timezone.localdate().year
            services.contract_evaluate(
                actor=request.user,
                contract=contract,
                year=year,
                scores={i.code: request.POST.get(f"score_{i.code}", "") for i in rubric.items.all()},
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("评估已保存"))
            return redirect("labour:contract", contract.pk)
        except (ApiError, ValueError) as error:
            messages.error(request, str(getattr(error, "message", _("年度须为数字"))))
    return render(
        request,
        "labour/contract.html",
        {
            "contract": contract,
            "items": rubric.items.all(),
            "evaluations": contract.evaluations.select_related("evaluation"),
            "year": timezone.localdate().year,
        },
    )


# --- model units -------------------------------------------------------------------------------


def _units_for_selection(user):
    return scoping.organisations_visible_to(user).filter(level="grassroots").order_by("name")


@login_required
def model_units(request):
    """The district selects the year's “企业关爱职工·职工热爱企业” model units (best bargaining
    evaluations offered first) and revokes a title with its reason."""
    from modules.labour.forms import ModelUnitForm

    if not rules.may_manage_model_units(request.user):
        raise PermissionDenied
    year = _year(request)
    form = ModelUnitForm(request.POST or None, unions=_units_for_selection(request.user), initial={"year": year})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.model_unit_select(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已选树 %(org)s 为 %(y)s 年度示范单位") % {"org": unit.organisation.name, "y": unit.year})
            return redirect(f"{request.path}?year={unit.year}")
        except ApiError as error:
            form.apply_error(error)
    return render(
        request,
        "labour/model_units.html",
        {
            "year": year,
            "units": selectors.model_units_of_year(year),
            "candidates": selectors.model_unit_candidates(year),
            "form": form,
        },
    )


@login_required
@require_POST
def model_unit_revoke(request, pk):
    if not rules.may_manage_model_units(request.user):
        raise Http404
    unit = get_object_or_404(ModelUnit.objects.select_related("organisation"), pk=pk)
    try:
        services.model_unit_revoke(actor=request.user, unit=unit, reason=request.POST.get("reason", ""))
        messages.success(request, _("已撤销 %(org)s 的示范单位称号") % {"org": unit.organisation.name})
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect(f"{reverse('labour:model_units')}?year={unit.year}")


def model_units_public(request):
    """The public roll of model units, by year (revoked titles are not shown)."""
    raw = request.GET.get("year", "")
    year = _year(request) if raw else None
    years = list(ModelUnit.objects.filter(selected=True).values_list("year", flat=True).distinct().order_by("-year"))
    return render(
        request, "labour/model_units_public.html", {"units": selectors.model_units_public(year)[:200], "year": year, "years": years}
    )


# --- legal education ---------------------------------------------------------------------------


def events(request):
    year = _year(request)
    rows = LegalEvent.objects.filter(held_on__year=year)
    return render(
        request,
        "labour/events.html",
        {"rows": rows, "year": year, "can_add": scoping.is_staff_member(request.user) if request.user.is_authenticated else False},
    )


@login_required
def event_new(request):
    _office_only(request.user)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("活动已登记，可上传照片"))
            return redirect("labour:event", event.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "labour/event_form.html", {"form": form})


def event_detail(request, pk):
    event = get_object_or_404(LegalEvent, pk=pk)
    may_change = request.user.is_authenticated and rules.may_change_event(request.user, event)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        upload = request.FILES.get("photo")
        try:
            if upload is None:
                raise ApiError("labour_photo_missing", _("请选择照片"), status=422, field="photo")
            attachments.attachment_add(actor=request.user, owner=event, upload=upload, field="photo")
            messages.success(request, _("照片已上传"))
        except ApiError as error:
            messages.error(request, str(error.message))
        return redirect("labour:event", event.pk)
    return render(request, "labour/event.html", {"event": event, "photos": attachments.attachments_of(event), "may_change": may_change})


def handbook(request):
    q = request.GET.get("q", "").strip()[: search.MAX_QUERY]
    results, query = search.search(q) if q else ([], None)
    laws = Law.objects.all()
    return render(
        request,
        "labour/handbook.html",
        {
            "q": q,
            "results": results,
            "terms": search.highlight_terms(query) if query else [],
            "laws": laws,
            "examples": ["加班费", "经济补偿", "试用期", "调解协议", "集体合同"],
        },
    )


def article_detail(request, pk):
    article = get_object_or_404(LawArticle.objects.select_related("law"), pk=pk)
    siblings = LawArticle.objects.filter(law=article.law, number__in=[article.number - 1, article.number + 1]).order_by("number")
    return render(request, "labour/article.html", {"a": article, "siblings": siblings})


def law_detail(request, pk):
    law = get_object_or_404(Law, pk=pk)
    return render(request, "labour/law.html", {"law": law, "articles": law.articles.all()})


def handbook_pdf(request):
    response = HttpResponse(documents.handbook_pdf(Law.objects.prefetch_related("articles")), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="labour-handbook.pdf"'
    return response


def qa(request):
    form_error = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/phone/?next={request.path}")
        try:
            services.question_ask(actor=request.user, question=request.POST.get("question", ""))
            messages.success(request, _("问题已提交，解答后会通知您"))
            return redirect("labour:qa")
        except ApiError as error:
            form_error = str(error.message)
    answered = Question.objects.filter(public=True).exclude(answer="").select_related("asked_by")[:50]
    for item in answered:
        item.asker = mask_name(item.asked_by.display_name if item.asked_by else "")
    pending = (
        Question.objects.filter(answer="").order_by("created_at")[:50]
        if request.user.is_authenticated and rules.is_desk(request.user)
        else []
    )
    mine = Question.objects.filter(asked_by=request.user)[:20] if request.user.is_authenticated else []
    return render(request, "labour/qa.html", {"answered": answered, "pending": pending, "mine": mine, "form_error": form_error})


@login_required
@require_POST
def qa_answer(request, pk):
    question = get_object_or_404(Question, pk=pk)
    if not rules.is_desk(request.user):
        raise Http404
    try:
        services.question_answer(
            actor=request.user, question=question, answer=request.POST.get("answer", ""), public=request.POST.get("public") == "on"
        )
        messages.success(request, _("已解答"))
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("labour:qa")
