"""Pages of the innovation-studio programme: the staff's desk (apply, pre-review, decide), the
expert's inbox and scoring sheet, and the public notice with objections."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments, scoping
from core.audit import audit
from core.errors import ApiError
from core.models import User
from core.validators import year_filter
from engines.review import selectors as review_selectors
from engines.workflow import selectors as workflow_selectors
from modules.studios import reports, rules, selectors, services
from modules.studios.forms import ApplicationForm, CallForm, ObjectionForm
from modules.studios.models import Application, Call, ExpertAssignment, Objection

PAGE_SIZE = 30
RANKING_PAGE_SIZE = 50


def _act_then_back(request, action, done: str, application_pk: int):
    """A button's POST: do it, say so (or say why not) and go back to the application's page."""
    try:
        action()
        messages.success(request, done)
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("studios:application", application_pk)


def _staff_only(user) -> None:
    if not scoping.is_staff_member(user):
        raise PermissionDenied


@login_required
def home(request):
    """One desk for every office role: what waits for me, my union's applications, the calls."""
    _staff_only(request.user)
    visible = selectors.with_state(selectors.applications_visible_to(request.user)).select_related("organisation", "call")
    state = request.GET.get("state", "")
    if state and state in {s.key for s in selectors.PROCESS.states}:
        visible = visible.filter(cases__state=state)
    else:
        state = ""
    # the annual review links the studios' figures here: the applications to one year's call
    year = year_filter(request)
    if year:
        visible = visible.filter(call__year=year)
    waiting = []
    if scoping.has_role(request.user, rules.Role.STREET_STAFF):
        waiting = list(
            selectors.with_state(selectors.applications_visible_to(request.user))
            .filter(cases__state="submitted")
            .select_related("organisation")[:50]
        )
    page = Paginator(visible.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.state_label = selectors.state_label(application.state)
    calls = Call.objects.all()[:10]
    my_unions = []
    if scoping.has_role(request.user, rules.Role.GRASSROOTS_ADMIN):
        my_unions = [a.organisation for a in scoping.role_assignments(request.user) if a.role == rules.Role.GRASSROOTS_ADMIN]
    return render(
        request,
        "studios/home.html",
        {
            "page": page,
            "waiting": waiting,
            "calls": calls,
            "open_calls": [c for c in calls if c.is_open()],
            "my_unions": my_unions,
            "is_district": scoping.is_district_staff(request.user),
            "states": selectors.PROCESS.states,
            "state": state,
            "year": year or "",
            "query": urlencode({k: v for k, v in (("state", state), ("year", year)) if v}),
        },
    )


@login_required
def call_new(request):
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(actor=request.user, rubric=services.standard_rubric(actor=request.user), **form.cleaned_data)
            messages.success(request, _("申报通知已发布"))
            return redirect("studios:call", call.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "studios/call_form.html", {"form": form})


@login_required
def call_detail(request, pk):
    """The district's ranking of a call for the deciding meeting, with the quota line."""
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied
    call = get_object_or_404(Call.objects.select_related("rubric"), pk=pk)
    page = Paginator(selectors.ranked_applications(call), RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.ranking(call, offset=page.start_index() - 1 if page.paginator.count else 0, limit=RANKING_PAGE_SIZE)
    for row in rows:
        row.state_label = selectors.state_label(row.state)
    return render(request, "studios/call.html", {"call": call, "page": page, "rows": rows, "used": selectors.quota_used(call)})


@login_required
def call_export(request, pk, fmt):
    """The ranking as a workbook, or the deciding meeting's summary pack as a PDF."""
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied
    call = get_object_or_404(Call, pk=pk)
    if fmt == "xlsx":
        response = HttpResponse(reports.ranking_xlsx(call), content_type=reports.XLSX)
        name = f"studios-ranking-{call.year}.xlsx"
    elif fmt == "pdf":
        response = HttpResponse(reports.meeting_pack_pdf(call, settings.UNIONHUB_DISTRICT_NAME), content_type="application/pdf")
        name = f"studios-meeting-{call.year}.pdf"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    audit(actor=request.user, action=f"studios.call_export_{fmt}", obj=call)
    return response


@login_required
def application_new(request):
    call = (
        get_object_or_404(Call, pk=request.GET.get("call") or request.POST.get("call") or 0)
        if (request.GET.get("call") or request.POST.get("call") or "").isdigit()
        else None
    )
    if call is None:
        raise Http404
    unions = [a.organisation for a in scoping.role_assignments(request.user) if a.role == rules.Role.GRASSROOTS_ADMIN]
    if not unions:
        raise PermissionDenied
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        union = next((u for u in unions if str(u.pk) == request.POST.get("organisation")), unions[0])
        data = {k: v for k, v in form.cleaned_data.items() if k != "updated_at"}
        try:
            application = services.application_create(actor=request.user, call=call, organisation=union, data=data)
            messages.success(request, _("草稿已保存。检查无误后请提交申报。"))
            return redirect("studios:application", application.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "studios/application_form.html", {"form": form, "call": call, "unions": unions})


def _application_or_404(user, pk) -> Application:
    application = selectors.application_for(user, pk)
    if application is None:
        raise Http404
    return application


@login_required
def application_detail(request, pk):
    application = _application_or_404(request.user, pk)
    case = services.case_of(application)
    is_district = scoping.is_district_staff(request.user)
    context = {
        "application": application,
        "case": case,
        "state_label": selectors.state_label(case.state),
        "timeline": workflow_selectors.timeline(case),
        "deadline": workflow_selectors.open_deadline(case),
        "transitions": workflow_selectors.available_transitions(case, request.user),
        "is_district": is_district,
        "can_edit": case.state in ("draft", "returned") and rules.is_applicant_admin(request.user, case),
        "problems": services.submission_problems(application) if case.state in ("draft", "returned") else [],
        "objections": application.objections.select_related("lodged_by") if is_district else [],
        "achievements": application.achievements.all(),
        "result_labels": dict(services.ResultKind.choices),
        "attachments": attachments.attachments_of(application),
        "can_attach": rules.may_change_attachments(request.user, application),
    }
    if is_district:
        context["assignments"] = application.assignments.select_related("expert")
        context["experts"] = User.objects.filter(roles__role=rules.Role.EXPERT).distinct().order_by("display_name")
        if application.evaluation_id:
            context["item_results"] = review_selectors.item_results(application.evaluation)
    from modules.studios.views_after import after_review_context

    context.update(after_review_context(request.user, application, case.state))
    return render(request, "studios/application.html", context)


@login_required
def application_edit(request, pk):
    application = _application_or_404(request.user, pk)
    if not rules.is_applicant_admin(request.user, application):
        raise PermissionDenied
    form = ApplicationForm(request.POST or None, initial=ApplicationForm.initial_for(application))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "updated_at"}
        try:
            expected = datetime.fromisoformat(form.cleaned_data["updated_at"]) if form.cleaned_data["updated_at"] else None
            services.application_update(actor=request.user, application=application, data=data, expected_updated_at=expected)
            messages.success(request, _("已保存"))
            return redirect("studios:application", application.pk)
        except ValueError:
            form.add_error(None, _("表单已过期，请刷新后再编辑"))
        except ApiError as error:
            form.apply_error(error)
    return render(request, "studios/application_form.html", {"form": form, "call": application.call, "application": application})


@login_required
@require_POST
def application_transition(request, pk):
    application = _application_or_404(request.user, pk)
    name = request.POST.get("transition", "")
    return _act_then_back(
        request,
        lambda: services.application_transition(
            actor=request.user,
            application=application,
            name=name,
            comment=request.POST.get("comment", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("已办理"),
        application.pk,
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    application = _application_or_404(request.user, pk)
    return _act_then_back(
        request,
        lambda: attachments.attachment_add(actor=request.user, owner=application, upload=request.FILES.get("file")),
        _("附件已上传"),
        application.pk,
    )


@login_required
@require_POST
def expert_assign(request, pk):
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied
    application = _application_or_404(request.user, pk)
    expert = User.objects.filter(pk=request.POST.get("expert") if (request.POST.get("expert") or "").isdigit() else 0).first()
    if expert is None:
        messages.error(request, _("请选择评审专家"))
        return redirect("studios:application", application.pk)
    return _act_then_back(
        request,
        lambda: services.expert_assign(actor=request.user, application=application, expert=expert),
        _("已分配评审专家"),
        application.pk,
    )


@login_required
@require_POST
def objection_resolve(request, pk):
    objection = get_object_or_404(Objection, pk=pk)
    return _act_then_back(
        request,
        lambda: services.objection_resolve(
            actor=request.user, objection=objection, outcome=request.POST.get("outcome", ""), resolution=request.POST.get("resolution", "")
        ),
        _("异议已处理"),
        objection.application_id,
    )


@login_required
def expert_inbox(request):
    if not rules.is_expert(request.user):
        raise PermissionDenied
    page = Paginator(selectors.expert_inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "studios/expert_inbox.html", {"assignments": page.object_list, "page": page})


@login_required
def expert_review(request, pk):
    """An assigned expert: declare no conflict first, then score on the rubric (a running total shows
    while scoring; the other experts' average appears only once one's own sheet is in)."""
    assignment = get_object_or_404(
        ExpertAssignment.objects.select_related("application__call__rubric", "application__organisation"), pk=pk, expert=request.user
    )
    application = assignment.application
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "declare":
                services.assignment_declare_no_conflict(actor=request.user, assignment=assignment)
            elif request.POST.get("action") == "conflict":
                services.conflict_declare(actor=request.user, organisation=application.organisation, reason=request.POST.get("reason", ""))
                messages.success(request, _("已声明回避，该评审任务已退回区总工会"))
                return redirect("studios:expert_inbox")
            else:
                scores = {key[6:]: value for key, value in request.POST.items() if key.startswith("score_")}
                services.scores_submit(actor=request.user, application=application, scores=scores, comment=request.POST.get("comment", ""))
                messages.success(request, _("评分已提交"))
            return redirect("studios:expert_review", assignment.pk)
        except ApiError as problem:
            error = str(problem.message)
    items = list(application.call.rubric.items.all())
    own = {}
    if application.evaluation_id:
        from engines.review.models import Score

        own = {
            s.item.code: s.value
            for s in Score.objects.filter(sheet__evaluation_id=application.evaluation_id, sheet__scorer=request.user).select_related("item")
        }
    for item in items:
        item.own = own.get(item.code, "")
    show_others = selectors.other_experts_visible(request.user, application)
    return render(
        request,
        "studios/expert_review.html",
        {
            "attachments": attachments.attachments_of(application) if assignment.declared_at else [],
            "assignment": assignment,
            "application": application,
            "items": items,
            "error": error,
            "others": application.evaluation if show_others else None,
            "result_labels": dict(services.ResultKind.choices),
        },
    )


def notice(request):
    """The public notice (公示): studios proposed for naming, and objections from logged-in people."""
    applications = list(selectors.public_notice())
    form = ObjectionForm()
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        form = ObjectionForm(request.POST)
        target = next((a for a in applications if str(a.pk) == request.POST.get("application")), None)
        if target is None:
            form.add_error(None, _("该工作室不在公示中"))
        elif form.is_valid():
            try:
                services.objection_lodge(actor=request.user, application=target, text=form.cleaned_data["text"])
                messages.success(request, _("异议已提交，区总工会将核实处理"))
                return redirect("studios:notice")
            except ApiError as error:
                form.add_error("text", str(error.message))
    for application in applications:
        deadline = workflow_selectors.open_deadline(services.case_of(application))
        application.notice_ends = deadline.due_at if deadline else None
    return render(request, "studios/notice.html", {"applications": applications, "form": form, "named": selectors.named_studios()[:100]})


@login_required
@require_POST
def achievement_add(request, pk):
    application = _application_or_404(request.user, pk)
    year = int(request.POST["year"]) if (request.POST.get("year") or "").isdigit() else 0
    return _act_then_back(
        request,
        lambda: services.achievement_add(
            actor=request.user, application=application, kind=request.POST.get("kind", ""), title=request.POST.get("title", ""), year=year
        ),
        _("成果已登记"),
        application.pk,
    )
