"""Pages after the expert stage: on-site inspections (the inspector's phone page), the subsidy's
grant, payment, expenses and acceptance, and the yearly re-check — each a POST that does one
thing and goes back to the application's page (or the inspection's) with what happened."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments, scoping
from core.errors import ApiError
from core.models import User
from modules.studios import rules, selectors, services_annual, services_inspection, services_subsidy
from modules.studios.models import AnnualCheck, Inspection, Subsidy
from modules.studios.views import _act_then_back, _application_or_404


def _yuan_to_fen(raw: str) -> int | None:
    """'12,345.6' → 1234560; None when it is not an amount of money."""
    from decimal import Decimal, InvalidOperation

    text = (raw or "").replace(",", "").replace("，", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or abs(value) > Decimal("1e12"):
        return None
    return int(value * 100)


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _digits(raw) -> int:
    return int(raw) if (raw or "").isdigit() and len(raw) < 10 else 0


# --- inspections ---------------------------------------------------------------------------


@login_required
@require_POST
def inspection_assign(request, pk):
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied
    application = _application_or_404(request.user, pk)
    inspector = User.objects.filter(pk=_digits(request.POST.get("inspector"))).first()
    if inspector is None:
        messages.error(request, _("请选择核查人"))
        return redirect("studios:application", application.pk)
    return _act_then_back(
        request,
        lambda: services_inspection.inspection_assign(actor=request.user, application=application, inspector=inspector),
        _("已安排现场核查"),
        application.pk,
    )


@login_required
def inspection_list(request):
    """The inspector's own tasks (open first)."""
    tasks = (
        Inspection.objects.filter(inspector=request.user)
        .select_related("application__organisation")
        .order_by("completed_at", "-assigned_at")[:200]
    )
    return render(request, "studios/inspection_list.html", {"tasks": tasks})


@login_required
def inspection_detail(request, pk):
    inspection = get_object_or_404(Inspection.objects.select_related("application__call__rubric", "application__organisation"), pk=pk)
    if not rules.may_view_inspection(request.user, inspection):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "photo":
                services_inspection.inspection_photo_add(actor=request.user, inspection=inspection, upload=request.FILES.get("file"))
                messages.success(request, _("照片已上传"))
            else:
                scores = {key[6:]: value for key, value in request.POST.items() if key.startswith("score_")}
                services_inspection.inspection_complete(
                    actor=request.user, inspection=inspection, scores=scores, findings=request.POST.get("findings", "")
                )
                messages.success(request, _("核查已完成，评分已计入评审"))
            return redirect("studios:inspection", inspection.pk)
        except ApiError as problem:
            error = str(problem.message)
    return render(
        request,
        "studios/inspection.html",
        {
            "inspection": inspection,
            "application": inspection.application,
            "photos": inspection.photos.select_related("attachment"),
            "items": list(inspection.application.call.rubric.items.all()),
            "is_inspector": inspection.inspector_id == request.user.pk,
            "error": error,
            "findings": request.POST.get("findings", "") if request.method == "POST" else inspection.findings,
        },
    )


# --- the subsidy ---------------------------------------------------------------------------


def _subsidy_or_404(user, pk) -> Subsidy:
    subsidy = Subsidy.objects.select_related("application").filter(pk=pk).first()
    if subsidy is None or not rules.may_view_subsidy(user, subsidy):
        raise Http404
    return subsidy


@login_required
@require_POST
def subsidy_grant(request, pk):
    application = _application_or_404(request.user, pk)
    amount = _yuan_to_fen(request.POST.get("amount_yuan", ""))
    if amount is None:
        messages.error(request, _("补助金额请填写数字（元，最多两位小数）"))
        return redirect("studios:application", application.pk)
    return _act_then_back(
        request,
        lambda: services_subsidy.subsidy_grant(
            actor=request.user, application=application, amount=amount, purpose=request.POST.get("purpose", "")
        ),
        _("补助已批准，资金已在账本中预留"),
        application.pk,
    )


@login_required
@require_POST
def subsidy_pay(request, pk):
    subsidy = _subsidy_or_404(request.user, pk)
    return _act_then_back(
        request,
        lambda: services_subsidy.subsidy_pay(
            actor=request.user,
            subsidy=subsidy,
            payment_reference=request.POST.get("payment_reference", ""),
            paid_on=_date(request.POST.get("paid_on")),
        ),
        _("已登记拨付"),
        subsidy.application_id,
    )


@login_required
@require_POST
def expense_record(request, pk):
    subsidy = _subsidy_or_404(request.user, pk)
    amount = _yuan_to_fen(request.POST.get("amount_yuan", ""))

    def record():
        services_subsidy.expense_record(
            actor=request.user,
            subsidy=subsidy,
            category=request.POST.get("category", ""),
            amount=amount,
            spent_on=_date(request.POST.get("spent_on")),
            description=request.POST.get("description", ""),
        )
        if request.FILES.get("file"):
            attachments.attachment_add(actor=request.user, owner=subsidy, upload=request.FILES["file"])

    return _act_then_back(request, record, _("支出已登记"), subsidy.application_id)


@login_required
@require_POST
def subsidy_accept(request, pk):
    subsidy = _subsidy_or_404(request.user, pk)
    verdict = request.POST.get("verdict")
    if verdict not in ("pass", "fail"):
        messages.error(request, _("请选择验收结论"))
        return redirect("studios:application", subsidy.application_id)
    return _act_then_back(
        request,
        lambda: services_subsidy.subsidy_accept(
            actor=request.user, subsidy=subsidy, passed=verdict == "pass", note=request.POST.get("note", "")
        ),
        _("验收结论已登记"),
        subsidy.application_id,
    )


# --- the yearly re-check -------------------------------------------------------------------


@login_required
@require_POST
def annual_report_submit(request, pk):
    application = _application_or_404(request.user, pk)
    return _act_then_back(
        request,
        lambda: services_annual.annual_report_submit(
            actor=request.user, application=application, year=_digits(request.POST.get("year")), report=request.POST.get("report", "")
        ),
        _("年度报告已提交"),
        application.pk,
    )


@login_required
@require_POST
def annual_check_decide(request, pk):
    check = AnnualCheck.objects.select_related("application").filter(pk=pk).first()
    if check is None or selectors.application_for(request.user, check.application_id) is None:
        raise Http404
    return _act_then_back(
        request,
        lambda: services_annual.annual_check_decide(
            actor=request.user, check=check, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", "")
        ),
        _("复核结论已登记"),
        check.application_id,
    )


def after_review_context(user, application, state: str) -> dict:
    """What the application's page shows of inspections, the subsidy and the re-checks."""
    from django.utils import timezone

    from modules.studios.models import ExpenseCategory

    is_district = scoping.is_district_staff(user)
    context = {
        "inspections": application.inspections.select_related("inspector").prefetch_related("photos") if is_district else [],
        "checks": application.annual_checks.all() if state in ("named", "revoked") else [],
        "expense_categories": ExpenseCategory.choices,
        "today": timezone.localdate(),
        "this_year": timezone.localdate().year,
        "is_applicant": rules.is_applicant_admin(user, application),
    }
    if is_district and state == "expert_review":
        context["inspectors"] = (
            User.objects.filter(roles__role__in=(rules.Role.EXPERT, rules.Role.DISTRICT_STAFF)).distinct().order_by("display_name")
        )
    subsidy = Subsidy.objects.filter(application=application).first()
    if subsidy is not None and rules.may_view_subsidy(user, subsidy):
        context.update(
            subsidy=subsidy,
            books=selectors.subsidy_books(subsidy),
            expenses=subsidy.expenses.all(),
            trail=selectors.subsidy_trail(subsidy),
            receipts=attachments.attachments_of(subsidy),
        )
    return context
