"""Pages of the special fund: the union's application (beneficiaries, documents, receipts), the
street's review, the district's approval with the budget outlook, finance's payment and returns,
the fund's budget, transfers, carry-forward, reports, the traceability page and exports."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments, beneficiaries, jobs, scoping
from core.audit import audit
from core.errors import ApiError, Invalid
from core.validators import year_filter
from engines.workflow import selectors as workflow_selectors
from modules.fund import reports, rules, selectors, services
from modules.fund.models import Application, Beneficiary, BudgetTransfer, Fund, Purpose

PAGE_SIZE = 30


def _staff_only(user) -> None:
    if not scoping.is_staff_member(user):
        raise PermissionDenied


def _district_only(user) -> None:
    if not scoping.is_district_staff(user):
        raise PermissionDenied


def _back(request, action, done: str, to: str, pk: int):
    try:
        action()
        messages.success(request, done)
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect(to, pk)


def _date(raw, field: str) -> date:
    try:
        return date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise Invalid("fund_date_invalid", _("日期格式不正确（例如 2026-03-15）"), field=field) from None


def _my_unions(user):
    return [a.organisation for a in scoping.role_assignments(user) if a.role == rules.Role.GRASSROOTS_ADMIN]


@login_required
def home(request):
    _staff_only(request.user)
    visible = selectors.with_state(selectors.applications_visible_to(request.user)).select_related("organisation", "purpose", "fund")
    state = request.GET.get("state", "")
    if state and state in {s.key for s in selectors.PROCESS.states}:
        visible = visible.filter(cases__state=state)
    else:
        state = ""
    # the annual review links the fund's figures here: the applications paid in one year
    year = year_filter(request)
    if year:
        visible = visible.filter(disbursement__paid_on__year=year)
    waiting_state = (
        "reviewed"
        if scoping.is_district_staff(request.user)
        else "submitted"
        if scoping.has_role(request.user, rules.Role.STREET_STAFF)
        else None
    )
    waiting = []
    if waiting_state:
        waiting = list(
            selectors.with_state(selectors.applications_visible_to(request.user))
            .filter(cases__state=waiting_state)
            .select_related("organisation", "purpose")[:50]
        )
    page = Paginator(visible.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.state_label = selectors.state_label(application.state)
    is_district = scoping.is_district_staff(request.user)
    funds = list(Fund.objects.all()[:10])
    statuses = [selectors.fund_status(f) for f in funds] if is_district else []
    return render(
        request,
        "fund/home.html",
        {
            "page": page,
            "waiting": waiting,
            "statuses": statuses,
            "open_funds": [f for f in funds if f.status == Fund.Status.OPEN],
            "my_unions": _my_unions(request.user),
            "is_district": is_district,
            "states": selectors.PROCESS.states,
            "state": state,
            "year": year or "",
            "query": urlencode({k: v for k, v in (("state", state), ("year", year)) if v}),
        },
    )


def _purposes_from_text(text: str) -> list[dict]:
    purposes = []
    for number, line in enumerate(str(text or "").splitlines(), start=1):
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if not parts or not parts[0]:
            continue
        if len(parts) < 2:
            raise Invalid("fund_purposes_invalid", _("用途第 %(n)s 行须为“名称,额度（元）”") % {"n": number}, field="purposes")
        purposes.append(
            {
                "name": parts[0],
                "limit": services.fen_from_yuan(parts[1], "purposes"),
                "allow_repeat": len(parts) > 2 and parts[2] in ("可重复", "是", "1"),
            }
        )
    return purposes


@login_required
def fund_new(request):
    _district_only(request.user)
    error = None
    if request.method == "POST":
        try:
            year = request.POST.get("year", "")
            fund = services.fund_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                year=int(year) if year.isdigit() else 0,
                total_budget=services.fen_from_yuan(request.POST.get("total_budget"), "total_budget"),
                warn_percent=int(request.POST["warn_percent"]) if request.POST.get("warn_percent", "").isdigit() else 90,
                purposes=_purposes_from_text(request.POST.get("purposes", "")),
            )
            messages.success(request, _("专项基金已设立，预算已拨入"))
            return redirect("fund:fund", fund.pk)
        except ApiError as problem:
            error = problem
    return render(request, "fund/fund_form.html", {"error": error, "data": request.POST, "year": timezone.localdate().year})


def _fund(request, pk) -> Fund:
    _district_only(request.user)
    return get_object_or_404(Fund, pk=pk)


@login_required
def fund_detail(request, pk):
    fund = _fund(request, pk)
    return render(
        request,
        "fund/fund.html",
        {
            "fund": fund,
            "status": selectors.fund_status(fund),
            "transfers": fund.transfers.select_related("from_purpose", "to_purpose", "requested_by", "decided_by")[:50],
            "purposes": list(fund.purposes.all()),
            "check": selectors.ledger_check(fund) if request.GET.get("check") else None,
            "successor": fund.carried_to.first(),
        },
    )


@login_required
def report(request, pk):
    fund = _fund(request, pk)
    return render(request, "fund/report.html", {"fund": fund, "report": selectors.report(fund, request.user)})


@login_required
def trace(request, pk):
    fund = _fund(request, pk)
    purposes = list(fund.purposes.all())
    chosen = next((p for p in purposes if str(p.pk) == request.GET.get("purpose")), purposes[0] if purposes else None)
    page_number = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    page_number = max(1, min(page_number, 10_000))
    data = selectors.trace(fund, chosen, offset=(page_number - 1) * 50, limit=51)
    more = len(data["applications"]) > 50
    return render(
        request,
        "fund/trace.html",
        {
            "fund": fund,
            "status": selectors.fund_status(fund),
            "purposes": purposes,
            "chosen": chosen,
            "rows": data["applications"][:50],
            "entries": data["budget_entries"],
            "page_number": page_number,
            "more": more,
        },
    )


@login_required
@require_POST
def export(request, pk, fmt):
    fund = _fund(request, pk)
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    title = (
        _("%(year)s年%(name)s 财务报表") % {"year": fund.year, "name": fund.name}
        if fmt == "xlsx"
        else _("%(year)s年%(name)s 资金使用情况报表（PDF）") % {"year": fund.year, "name": fund.name}
    )
    job = jobs.job_start(owner=request.user, kind="fund_export", title=title, params={"fund": fund.pk, "fmt": fmt})
    audit(actor=request.user, action=f"fund.export_{fmt}", obj=fund)
    return redirect("core:job_detail", job.pk)


def _purpose_of(fund: Fund, raw) -> Purpose:
    purpose = fund.purposes.filter(pk=raw if str(raw or "").isdigit() else 0).first()
    if purpose is None:
        raise Invalid("fund_purpose_invalid", _("请选择该基金的用途"), field="purpose")
    return purpose


@login_required
@require_POST
def transfer_request(request, pk):
    fund = _fund(request, pk)

    def act():
        services.transfer_request(
            actor=request.user,
            fund=fund,
            from_purpose=_purpose_of(fund, request.POST.get("from_purpose")),
            to_purpose=_purpose_of(fund, request.POST.get("to_purpose")),
            amount=services.fen_from_yuan(request.POST.get("amount"), "amount"),
            reason=request.POST.get("reason", ""),
        )

    return _back(request, act, _("调剂申请已提交，待另一位工作人员审批"), "fund:fund", fund.pk)


@login_required
@require_POST
def transfer_decide(request, pk):
    _district_only(request.user)
    transfer = get_object_or_404(BudgetTransfer, pk=pk)
    approve = request.POST.get("decision") == "approve"
    return _back(
        request,
        lambda: services.transfer_decide(actor=request.user, transfer=transfer, approve=approve),
        _("调剂已批准，额度已调整") if approve else _("调剂未批准"),
        "fund:fund",
        transfer.fund_id,
    )


@login_required
@require_POST
def carry_forward(request, pk):
    fund = _fund(request, pk)
    try:
        successor = services.fund_carry_forward(actor=request.user, fund=fund)
        messages.success(request, _("已结转到 %(year)s 年") % {"year": successor.year})
        return redirect("fund:fund", successor.pk)
    except ApiError as error:
        messages.error(request, str(error.message))
        return redirect("fund:fund", fund.pk)


@login_required
def person(request):
    """One person across programmes (district only; every lookup is audited)."""
    _district_only(request.user)
    number = beneficiaries.normalise_id(request.GET.get("id_number", ""))
    found, error = None, None
    if number:
        if not beneficiaries.is_valid_id(number):
            error = _("身份证号不正确")
        else:
            found = beneficiaries.history([beneficiaries.person_key(number)])
            audit(actor=request.user, action="fund.person_lookup", changes={"id_tail": number[-4:]})
    return render(request, "fund/person.html", {"found": found, "error": error, "tail": number[-4:] if number else ""})


# --- applications ------------------------------------------------------------------------------


@login_required
def application_new(request):
    unions = _my_unions(request.user)
    if not unions:
        raise PermissionDenied
    funds = list(Fund.objects.filter(status=Fund.Status.OPEN).prefetch_related("purposes"))
    error = None
    if request.method == "POST":
        union = next((u for u in unions if str(u.pk) == request.POST.get("organisation")), unions[0])
        purpose = (
            Purpose.objects.select_related("fund")
            .filter(pk=request.POST.get("purpose") if request.POST.get("purpose", "").isdigit() else 0)
            .first()
        )
        try:
            if purpose is None:
                raise Invalid("fund_purpose_invalid", _("请选择用途"), field="purpose")
            application = services.application_create(
                actor=request.user,
                fund=purpose.fund,
                purpose=purpose,
                organisation=union,
                title=request.POST.get("title", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("草稿已保存。请填写受益人名单并上传证明材料后提交。"))
            return redirect("fund:application", application.pk)
        except ApiError as problem:
            error = problem
    return render(request, "fund/application_form.html", {"funds": funds, "unions": unions, "error": error, "data": request.POST})


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
    transitions = [t for t in workflow_selectors.available_transitions(case, request.user) if t.name != "pay"]
    people = list(application.beneficiaries.all())
    keys = [b.person_key for b in people]
    elsewhere = {}
    if (
        case.state in ("submitted", "reviewed")
        and keys
        and scoping.is_staff_member(request.user)
        and not rules.is_applicant_admin(request.user, application)
    ):
        for benefit in beneficiaries.history(keys):
            if benefit.url != application.get_absolute_url():
                elsewhere.setdefault(benefit.person_key, []).append(benefit)
    for b in people:
        b.elsewhere = elsewhere.get(b.person_key, [])
    context = {
        "application": application,
        "case": case,
        "state_label": selectors.state_label(case.state),
        "timeline": workflow_selectors.timeline(case),
        "deadline": workflow_selectors.open_deadline(case),
        "transitions": transitions,
        "is_district": is_district,
        "can_edit": case.state in services.EDITABLE_STATES and rules.is_applicant_admin(request.user, case),
        "problems": services.submission_problems(application) if case.state in services.EDITABLE_STATES else [],
        "people": people,
        "attachments": attachments.attachments_of(application),
        "can_attach": rules.may_change_attachments(request.user, application),
        "outlook": selectors.approval_outlook(application) if is_district and case.state == "reviewed" else None,
        "duplicates": services.duplicate_claims(application) if case.state == "reviewed" else [],
        # Rows a worker will not see on 我的补助 (the roster gives their phone another name).
        "mismatches": selectors.phone_name_mismatches(application) if scoping.is_staff_member(request.user) else [],
        "disbursement": getattr(application, "disbursement", None) if case.state in ("paid", "completed") else None,
        "refunds": application.refunds.all(),
        "can_pay": is_district and case.state == "approved" and rules.is_payer(request.user, case),
        # Maker–checker: the officer who approved sees why the payment form is not theirs.
        "pay_by_other": is_district and case.state == "approved" and not rules.is_payer(request.user, case),
        "four_eyes": services.FOUR_EYES_MESSAGE,
        "can_refund": is_district and case.state in ("paid", "completed"),
        "can_confirm": case.state == "paid" and rules.is_applicant_or_district(request.user, application),
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "fund/application.html", context)


@login_required
@require_POST
def application_edit(request, pk):
    application = _application_or_404(request.user, pk)
    return _back(
        request,
        lambda: services.application_update(
            actor=request.user, application=application, title=request.POST.get("title"), reason=request.POST.get("reason")
        ),
        _("已保存"),
        "fund:application",
        application.pk,
    )


def _rows_from_text(text: str) -> list[dict]:
    rows = []
    for number, line in enumerate(str(text or "").splitlines(), start=1):
        parts = [p.strip() for p in line.replace("，", ",").replace("\t", ",").split(",")]
        if not any(parts):
            continue
        parts += [""] * (5 - len(parts))
        rows.append({"row": number, "name": parts[0], "id_number": parts[1], "amount": parts[2], "category": parts[3], "phone": parts[4]})
    return rows


@login_required
@require_POST
def beneficiaries_save(request, pk):
    application = _application_or_404(request.user, pk)
    upload = request.FILES.get("file")

    def action():
        rows = services.beneficiaries_from_xlsx(upload) if upload else _rows_from_text(request.POST.get("rows", ""))
        services.beneficiaries_replace(actor=request.user, application=application, rows=rows)

    try:
        action()
        messages.success(request, _("受益人名单已保存"))
    except ApiError as error:
        messages.error(request, str(error.message))
        for problem in (error.extra or {}).get("problems", [])[5:30]:
            messages.error(request, problem)
    return redirect("fund:application", application.pk)


@login_required
def beneficiaries_template(request):
    """The empty workbook unions fill in (through core.spreadsheets like every export)."""
    _staff_only(request.user)
    from core.spreadsheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("受益人名单")
    sheet.append(["姓名", "身份证号", "手机号", "人员类别", "金额（元）"])
    sheet.append(["张三", "110101199003071234", "13800000000", "社区防疫一线", 500])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=reports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="fund-beneficiaries-template.xlsx"'
    return response


@login_required
@require_POST
def application_transition(request, pk):
    application = _application_or_404(request.user, pk)
    return _back(
        request,
        lambda: services.application_transition(
            actor=request.user,
            application=application,
            name=request.POST.get("transition", ""),
            comment=request.POST.get("comment", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("已办理"),
        "fund:application",
        application.pk,
    )


@login_required
@require_POST
def pay(request, pk):
    application = _application_or_404(request.user, pk)
    return _back(
        request,
        lambda: services.disbursement_record(
            actor=request.user,
            application=application,
            reference=request.POST.get("reference", ""),
            paid_on=_date(request.POST.get("paid_on"), "paid_on"),
            expected_state="approved",
        ),
        _("拨付已登记"),
        "fund:application",
        application.pk,
    )


@login_required
@require_POST
def refund(request, pk):
    application = _application_or_404(request.user, pk)

    def act():
        raw = request.POST.get("beneficiary", "")
        person = Beneficiary.objects.filter(pk=raw, application=application).first() if raw.isdigit() else None
        services.refund_record(
            actor=request.user,
            application=application,
            amount=services.fen_from_yuan(request.POST.get("amount"), "amount"),
            reason=request.POST.get("reason", ""),
            returned_on=_date(request.POST.get("returned_on"), "returned_on"),
            beneficiary=person,
        )

    return _back(request, act, _("退回已登记，资金已回到该用途"), "fund:application", application.pk)


@login_required
@require_POST
def receipts(request, pk):
    application = _application_or_404(request.user, pk)
    return _back(
        request,
        lambda: services.receipts_confirm(
            actor=request.user,
            application=application,
            beneficiary_ids=request.POST.getlist("beneficiary"),
            note=request.POST.get("note", ""),
        ),
        _("已确认领取"),
        "fund:application",
        application.pk,
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    application = _application_or_404(request.user, pk)
    return _back(
        request,
        lambda: attachments.attachment_add(actor=request.user, owner=application, upload=request.FILES.get("file")),
        _("附件已上传"),
        "fund:application",
        application.pk,
    )


# --- the beneficiary's own phone page -------------------------------------------------------


@login_required
def mine(request):
    """我的补助: what the fund paid the person logged in (rows listing their verified phone)."""
    return render(
        request,
        "fund/mine.html",
        {"benefits": selectors.my_benefits(request.user), "has_phone": bool(getattr(request.user, "phone", None))},
    )


@login_required
@require_POST
def mine_receipt(request, pk):
    try:
        services.receipt_self_confirm(actor=request.user, beneficiary_id=pk)
        messages.success(request, _("已确认收到，谢谢！"))
    except ApiError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, str(error.message))
    return redirect("fund:mine")
