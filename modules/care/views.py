"""Pages of the care programme: phone-first for workers and donors, desktop for staff.
Views parse, call a service or a selector, and render; an ``ApiError`` becomes a message."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import scoping
from core.attachments import attachments_of
from core.audit import audit
from core.errors import ApiError
from core.validators import year_filter
from engines.workflow import selectors as workflow_read
from modules.care import reports, rules, selectors, services
from modules.care.models import (
    Booking,
    Counsellor,
    CrisisAlert,
    HotlineCall,
    LoanApplication,
    LoanGroup,
    ReliefEvent,
    Repayment,
    Wish,
    WishCampaign,
    WishCategory,
    WishClaim,
)


def worker_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("core:worker_login"))
        member = scoping.member_for(request.user)
        if member is None:
            raise PermissionDenied
        request.member = member
        return view(request, *args, **kwargs)

    return wrapped


def office_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not scoping.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def district_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not scoping.is_district_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _try(request, action, ok_message: str = "") -> bool:
    try:
        action()
    except ApiError as error:
        messages.error(request, str(error.message))
        return False
    if ok_message:
        messages.success(request, ok_message)
    return True


def _date(raw: str | None):
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        return None


def _datetime(raw: str | None):
    try:
        value = dt.datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _yuan_to_fen(raw) -> int | None:
    try:
        return round(float(str(raw).strip()) * 100)
    except (TypeError, ValueError, OverflowError):
        return None


# === wishes: the public side ==================================================================


def wishes(request):
    """The shareable list of open wishes (no login): unclaimed first, highlighted."""
    campaign = WishCampaign.objects.order_by("-year", "-opens_on").first()
    rows = Paginator(selectors.open_wishes(campaign), 30).get_page(request.GET.get("page"))
    figures = None
    if campaign:
        # The public page's counters may lag a minute: a whole campaign's aggregate on every view
        # of a shared link would cost more than the page itself.
        from django.core.cache import cache

        key = f"care:figures:{campaign.pk}"
        figures = cache.get(key)
        if figures is None:
            figures = selectors.campaign_figures(campaign)
            cache.set(key, figures, 60)
    return render(
        request, "care/wishes.html", {"campaign": campaign, "page": rows, "figures": figures, "categories": dict(WishCategory.choices)}
    )


def wish_public(request, pk):
    wish = get_object_or_404(
        Wish, pk=pk, status__in=[Wish.Status.PUBLISHED, Wish.Status.CLAIMED, Wish.Status.DELIVERED, Wish.Status.FULFILLED]
    )
    return render(request, "care/wish_public.html", {"wish": wish, "campaign": wish.campaign})


@never_cache
def donor_login(request):
    """The public's phone login (爱心人士): any mainland phone gets a code (the same limits as the
    workers' login); the first verified login makes a minimal account — a phone, no member data."""
    from django.contrib.auth import login
    from django.utils.http import url_has_allowed_host_and_scheme

    from core.forms import PhoneForm
    from core.services import otp_request
    from modules.care.forms import DonorOtpForm

    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    phone_form = PhoneForm(request.POST or None)
    otp_form = DonorOtpForm(request.POST or None) if request.POST.get("code") is not None else None
    sent_to = None
    if request.method == "POST":
        try:
            if otp_form is not None and otp_form.is_valid():
                data = otp_form.cleaned_data
                user = services.donor_login_verify(phone=data["phone"], code=data["code"], consent=data["consent"])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url or "care:wishes")
            if otp_form is None and phone_form.is_valid():
                otp_request(phone=phone_form.cleaned_data["phone"], ip=request.META.get("REMOTE_ADDR"), public=True)
                sent_to = phone_form.cleaned_data["phone"]
                otp_form = DonorOtpForm(initial={"phone": sent_to})
                messages.success(request, _("验证码已发送，请查收短信"))
        except ApiError as error:
            form = otp_form if otp_form is not None else phone_form
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
            if otp_form is not None:
                sent_to = otp_form.data.get("phone")
    return render(request, "care/donor_login.html", {"phone_form": phone_form, "otp_form": otp_form, "sent_to": sent_to, "next": next_url})


def donor_privacy(request):
    """The public donors' privacy notice: what is kept (the phone), why, how long, what stays
    hidden, and how to close the account. Linked from the donor login, which asks for consent."""
    from django.conf import settings

    return render(
        request,
        "care/donor_privacy.html",
        {"otp_days": settings.RETENTION_DAYS_OTP, "version": services.DONOR_NOTICE_VERSION},
    )


@login_required
def donor_close(request):
    """A public donor closes their account (members are sent to 我的数据 → 注销账号)."""
    from django.contrib.auth import logout

    if scoping.member_for(request.user) is not None:
        return redirect("core:close_account")
    if not services.is_public_donor(request.user):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("请勾选确认后再提交")
        else:
            try:
                services.donor_account_close(actor=request.user)
            except ApiError as failure:
                error = str(failure.message)
            else:
                logout(request)
                messages.success(request, _("您的账号已注销，手机号已删除。"))
                return redirect("care:wishes")
    live = WishClaim.objects.filter(donor=request.user, status__in=WishClaim.LIVE).count()
    return render(request, "care/donor_close.html", {"error": error, "live": live})


@require_POST
def wish_claim(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("care:wish_public", args=[pk]), reverse("care:donor_login"))
    wish = get_object_or_404(Wish, pk=pk, status__in=[Wish.Status.PUBLISHED, Wish.Status.CLAIMED])
    if _try(
        request,
        lambda: services.wish_claim(
            actor=request.user, wish=wish, donor_name=request.POST.get("donor_name", ""), note=request.POST.get("note", "")
        ),
        _("认领成功，请等待工会确认"),
    ):
        return redirect("care:contributions")
    return redirect("care:wish_public", pk=pk)


# === wishes: the wisher and their union ========================================================


@login_required
def wish_new(request):
    """A worker posts their own wish; a union admin posts one for a member of their union (?member=)."""
    campaign = WishCampaign.objects.filter(opens_on__lte=timezone.localdate(), closes_on__gte=timezone.localdate()).first()
    member = None
    if request.GET.get("member", "").isdigit() or request.POST.get("member", "").isdigit():
        member = scoping.members_visible_to(request.user).filter(pk=request.GET.get("member") or request.POST.get("member")).first()
        if member is None:
            raise Http404
    elif scoping.member_for(request.user) is None:
        raise PermissionDenied
    if campaign is None:
        messages.error(request, _("目前没有正在征集的微心愿活动"))
    if request.method == "POST" and campaign is not None:
        data = {k: request.POST.get(k, "") for k in ("first_name", "story", "item", "category", "contact_phone", "address")}
        data["value"] = _yuan_to_fen(request.POST.get("value_yuan"))
        data["consent_publish"] = request.POST.get("consent_publish") == "on"
        holder = {}

        def post():
            holder["wish"] = services.wish_post(actor=request.user, campaign=campaign, member=member, data=data)

        if _try(request, post, _("心愿已提交，等待基层工会核实")):
            return redirect("care:wish", pk=holder["wish"].pk)
    return render(
        request, "care/wish_form.html", {"campaign": campaign, "member": member, "categories": WishCategory.choices, "data": request.POST}
    )


def _wish_for(request, pk) -> Wish:
    wish = selectors.wishes_visible_to(request.user).filter(pk=pk).select_related("campaign", "organisation").first()
    if wish is None:
        raise Http404
    return wish


@login_required
def wish_detail(request, pk):
    wish = _wish_for(request, pk)
    claim = selectors.live_claim(wish) or wish.claims.filter(status="fulfilled").first()
    return render(
        request,
        "care/wish.html",
        {
            "wish": wish,
            "claim": claim,
            "can_manage": rules.may_manage_wish(request.user, wish),
            "is_district": scoping.is_district_staff(request.user),
            "is_wisher": rules.is_wisher(request.user, wish),
            "files": attachments_of(claim) if claim else [],
        },
    )


@login_required
@require_POST
def wish_action(request, pk):
    wish = _wish_for(request, pk)
    action, reason, user = request.POST.get("action"), request.POST.get("reason", ""), request.user
    claim = selectors.live_claim(wish)
    actions = {
        "verify": lambda: services.wish_verify(actor=user, wish=wish),
        "reject": lambda: services.wish_verify(actor=user, wish=wish, approve=False, reason=reason),
        "publish": lambda: services.wish_publish(actor=user, wish=wish),
        "received": lambda: services.wish_confirm_received(actor=user, wish=wish),
        "withdraw": lambda: services.wish_withdraw(actor=user, wish=wish),
        "confirm_claim": lambda: services.claim_confirm(actor=user, claim=claim),
        "decline_claim": lambda: services.claim_decline(actor=user, claim=claim, reason=reason),
    }
    if action not in actions or (action.endswith("_claim") and claim is None):
        messages.error(request, _("没有这个操作"))
    else:
        _try(request, actions[action], _("已办理"))
    return redirect("care:wish", pk=pk)


@worker_required
def my_wishes(request):
    rows = Wish.objects.filter(member=request.member).select_related("campaign").order_by("-created_at")
    return render(request, "care/my_wishes.html", {"wishes": rows})


# === donors: my contributions ===================================================================


@login_required
def contributions(request):
    return render(
        request,
        "care/contributions.html",
        {"claims": selectors.my_claims(request.user)[:200], "public_donor": services.is_public_donor(request.user)},
    )


def _my_claim(request, pk) -> WishClaim:
    return get_object_or_404(WishClaim.objects.select_related("wish", "wish__campaign"), pk=pk, donor=request.user)


@login_required
def contribution(request, pk):
    claim = _my_claim(request, pk)
    contact = None
    if claim.status in ("confirmed", "delivered") and request.GET.get("contact") == "1":
        contact = services.wish_contact(viewer=request.user, claim=claim)
    return render(
        request,
        "care/contribution.html",
        {"claim": claim, "contact": contact, "files": attachments_of(claim), "campaign": claim.wish.campaign},
    )


@login_required
@require_POST
def contribution_action(request, pk):
    claim = _my_claim(request, pk)
    action, reason, user = request.POST.get("action"), request.POST.get("reason", ""), request.user
    actions = {
        "accept": lambda: services.claim_accept(actor=user, claim=claim),
        "decline": lambda: services.claim_decline(actor=user, claim=claim, reason=reason),
        "give_back": lambda: services.claim_give_back(actor=user, claim=claim, reason=reason),
        "deliver": lambda: services.claim_deliver(actor=user, claim=claim, upload=request.FILES.get("photo")),
    }
    if action not in actions:
        messages.error(request, _("没有这个操作"))
    else:
        _try(request, actions[action], _("已办理"))
    return redirect("care:contribution", pk=pk)


# === staff ====================================================================================


@office_required
def staff_home(request):
    campaigns = [
        (c, selectors.campaign_figures(c.wishes.filter(scoping.organisation_scope_q(request.user, "organisation"))))
        for c in WishCampaign.objects.all()[:10]
    ]
    waiting = selectors.wishes_visible_to(request.user).filter(status__in=[Wish.Status.POSTED]).count()
    claims_waiting = WishClaim.objects.filter(
        scoping.organisation_scope_q(request.user, "wish__organisation"), status=WishClaim.Status.PENDING
    ).count()
    loans = selectors.loans_visible_to(request.user)
    return render(
        request,
        "care/staff_home.html",
        {
            "campaigns": campaigns,
            "waiting": waiting,
            "claims_waiting": claims_waiting,
            "loan_figures": selectors.loan_figures(loans),
            "is_district": scoping.is_district_staff(request.user),
        },
    )


@district_required
def campaign_new(request):
    if request.method == "POST":
        p = request.POST
        holder = {}

        def create():
            opens, closes = _date(p.get("opens_on")), _date(p.get("closes_on"))
            if opens is None or closes is None:
                from core.errors import Invalid

                raise Invalid("care_dates", _("请填写开始和截止日期"), field="opens_on")
            holder["c"] = services.campaign_create(
                actor=request.user,
                year=opens.year,
                title=p.get("title", ""),
                opens_on=opens,
                closes_on=closes,
                value_limit=_yuan_to_fen(p.get("value_limit_yuan")),
                hotline_name=p.get("hotline_name", ""),
                hotline_phone=p.get("hotline_phone", ""),
                description=p.get("description", ""),
            )

        if _try(request, create, _("活动已发布")):
            return redirect("care:staff_home")
    return render(request, "care/campaign_form.html", {"data": request.POST})


@office_required
def staff_wishes(request):
    status = request.GET.get("status", "")
    rows = selectors.wishes_visible_to(request.user).select_related("organisation", "campaign").order_by("-created_at")
    if status in Wish.Status.values:
        rows = rows.filter(status=status)
    # the annual review links its wish figures here, to one campaign year
    year = year_filter(request)
    if year:
        rows = rows.filter(campaign__year=year)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "care/staff_wishes.html", {"page": page, "status": status, "statuses": Wish.Status.choices, "year": year or ""})


@office_required
def wishes_export(request):
    rows = selectors.wishes_visible_to(request.user).select_related("organisation", "campaign").order_by("campaign", "pk")
    response = HttpResponse(reports.wishes_xlsx(rows), content_type=reports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="care-wishes.xlsx"'
    audit(actor=request.user, action="care.wishes_export")
    return response


# === loans ====================================================================================


@login_required
def loans(request):
    rows = selectors.loans_visible_to(request.user).select_related("organisation").order_by("-created_at")
    # the annual review links its loan figures here: applications made in the year
    year = year_filter(request)
    if year:
        rows = rows.filter(created_at__year=year)
    rows = list(rows[:200])
    states = selectors.loan_states(rows)
    from modules.care.process import LOAN_PROCESS

    for loan in rows:
        loan.state_label = LOAN_PROCESS.state_label(states.get(loan.pk, ""))
    return render(
        request,
        "care/loans.html",
        {
            "loans": rows,
            "year": year or "",
            "is_worker": scoping.member_for(request.user) is not None,
            "is_staff": scoping.is_staff_member(request.user),
        },
    )


@worker_required
def loan_new(request):
    if request.method == "POST":
        p = request.POST
        data = {k: p.get(k, "") for k in ("group", "business_name", "business_plan", "term_months", "bank")}
        data["amount"] = _yuan_to_fen(p.get("amount_yuan"))
        holder = {}
        if _try(
            request, lambda: holder.update(loan=services.loan_create(actor=request.user, data=data)), _("申请已保存，请上传材料后提交")
        ):
            return redirect("care:loan", pk=holder["loan"].pk)
    return render(request, "care/loan_form.html", {"groups": LoanGroup.choices, "data": request.POST})


def _loan_for(request, pk) -> LoanApplication:
    loan = selectors.loans_visible_to(request.user).filter(pk=pk).select_related("member", "organisation").first()
    if loan is None:
        raise Http404
    return loan


@login_required
def loan_detail(request, pk):
    loan = _loan_for(request, pk)
    case = services.loan_case(loan)
    return render(
        request,
        "care/loan.html",
        {
            "loan": loan,
            "case": case,
            "state_label": workflow_read.state_label(case),
            "timeline": workflow_read.timeline(case),
            "transitions": workflow_read.available_transitions(case, request.user),
            "attachments": attachments_of(loan),
            "can_attach": rules.may_change_loan_files(request.user, loan),
            "repayments": loan.repayments.all(),
            "is_district": scoping.is_district_staff(request.user),
            "problems": services.loan_submission_problems(loan) if case.state in ("draft", "returned") else [],
        },
    )


@login_required
@require_POST
def loan_transition(request, pk):
    loan = _loan_for(request, pk)
    _try(
        request,
        lambda: services.loan_transition(
            actor=request.user,
            loan=loan,
            name=request.POST.get("transition", ""),
            comment=request.POST.get("comment", ""),
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("已办理"),
    )
    return redirect("care:loan", pk=pk)


@login_required
@require_POST
def loan_upload(request, pk):
    from core.attachments import attachment_add

    loan = _loan_for(request, pk)
    _try(request, lambda: attachment_add(actor=request.user, owner=loan, upload=request.FILES.get("file")), _("材料已上传"))
    return redirect("care:loan", pk=pk)


@district_required
@require_POST
def loan_bank(request, pk):
    loan = _loan_for(request, pk)
    p = request.POST
    rate = p.get("annual_rate_percent", "")
    try:
        rate_bp = round(float(rate) * 100) if rate else None
    except (ValueError, OverflowError):
        rate_bp = None
    _try(
        request,
        lambda: services.loan_bank_decision(
            actor=request.user,
            loan=loan,
            approved=p.get("approved") == "yes",
            reference=p.get("reference", ""),
            amount=_yuan_to_fen(p.get("amount_yuan")),
            annual_rate_bp=rate_bp,
            disbursed_on=_date(p.get("disbursed_on")),
        ),
        _("银行审批结果已登记"),
    )
    return redirect("care:loan", pk=pk)


@district_required
@require_POST
def repayment_pay(request, pk):
    repayment = get_object_or_404(Repayment.objects.select_related("loan"), pk=pk)
    paid_on = _date(request.POST.get("paid_on")) or timezone.localdate()
    _try(request, lambda: services.repayment_record(actor=request.user, repayment=repayment, paid_on=paid_on), _("已登记还款，贴息已入账"))
    return redirect("care:loan", pk=repayment.loan_id)


@office_required
def loans_export(request):
    rows = selectors.loans_visible_to(request.user).select_related("organisation", "member").order_by("pk")
    response = HttpResponse(reports.loans_xlsx(rows), content_type=reports.XLSX)
    response["Content-Disposition"] = 'attachment; filename="care-loans.xlsx"'
    audit(actor=request.user, action="care.loans_export")
    return response


# === counselling ==============================================================================


@worker_required
def counselling(request):
    assessment = services.current_assessment()
    if request.method == "POST":
        counsellor = (
            Counsellor.objects.filter(pk=request.POST.get("counsellor") or 0, active=True).first()
            if (request.POST.get("counsellor") or "").isdigit()
            else None
        )
        starts_at = _datetime(request.POST.get("starts_at"))

        def book():
            from core.errors import Invalid

            if counsellor is None:
                raise Invalid("care_counsellor", _("请选择咨询师"), field="counsellor")
            if starts_at is None:
                raise Invalid("care_starts_at", _("请选择预约时间"), field="starts_at")
            services.booking_create(
                actor=request.user,
                counsellor=counsellor,
                starts_at=starts_at,
                mode=request.POST.get("mode", ""),
                consent=request.POST.get("consent") == "on",
                intake=request.POST.get("intake", ""),
                repeat_weeks=request.POST.get("repeat_weeks") or 1,
            )

        if _try(request, book, _("预约成功")):
            return redirect("care:counselling")
    return render(
        request,
        "care/counselling.html",
        {
            "assessment": assessment,
            "counsellors": Counsellor.objects.filter(active=True).prefetch_related("availability"),
            "bookings": Booking.objects.filter(member=request.member).select_related("counsellor").order_by("-starts_at")[:50],
            "events": ReliefEvent.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at")[:20],
            "enrolled": set(ReliefEvent.objects.filter(enrolments__member=request.member).values_list("pk", flat=True)),
            "modes": Booking.Mode.choices,
        },
    )


@worker_required
@require_POST
def booking_cancel(request, pk):
    booking = get_object_or_404(Booking, pk=pk, member=request.member)
    _try(request, lambda: services.booking_cancel(actor=request.user, booking=booking), _("预约已取消"))
    return redirect("care:counselling")


@worker_required
@require_POST
def event_enrol(request, pk):
    event = get_object_or_404(ReliefEvent, pk=pk)
    _try(request, lambda: services.event_enrol(actor=request.user, event=event), _("报名成功"))
    return redirect("care:counselling")


def counsellor_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        request.counsellor = rules.counsellor_of(request.user)
        if request.counsellor is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@counsellor_required
def counsellor_home(request):
    """The counsellor's phone page: what is coming first (soonest on top), then the recent past."""
    rows = selectors.counsellor_bookings(request.user).filter(erased_at__isnull=True)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = rows.filter(status=Booking.Status.BOOKED, starts_at__gte=today)
    earlier = rows.exclude(pk__in=upcoming.values("pk")).order_by("-starts_at")
    sections = [
        {"title": _("待进行"), "rows": list(upcoming[:100])},
        {"title": _("以往预约"), "rows": list(earlier[:100])},
    ]
    return render(request, "care/counsellor_home.html", {"sections": sections})


@counsellor_required
def booking_note(request, pk):
    booking = get_object_or_404(Booking.objects.select_related("member"), pk=pk, counsellor=request.counsellor, erased_at__isnull=True)
    if request.method == "POST":
        action = request.POST.get("action", "note")
        user = request.user
        actions = {
            "note": lambda: services.note_write(
                actor=user, booking=booking, notes=request.POST.get("notes", ""), referral=request.POST.get("referral", "")
            ),
            "attended": lambda: services.booking_close(actor=user, booking=booking, attended=True),
            "no_show": lambda: services.booking_close(actor=user, booking=booking, attended=False),
            "cancel": lambda: services.booking_cancel(actor=user, booking=booking),
            "crisis": lambda: services.crisis_raise(actor=user, booking=booking),
        }
        if action in actions:
            _try(request, actions[action], _("已保存"))
        return redirect("care:booking_note", pk=pk)
    note = getattr(booking, "note", None)
    return render(request, "care/booking_note.html", {"booking": booking, "note": note})


@district_required
def counselling_staff(request):
    """What staff see of counselling: counts, the hotline log, events, the impact assessment."""
    if request.method == "POST":
        p, user = request.POST, request.user
        form = p.get("form")
        if form == "hotline":
            _try(
                request,
                lambda: services.hotline_log(
                    actor=user,
                    minutes=p.get("minutes"),
                    topic=p.get("topic", ""),
                    referred=p.get("referred") == "on",
                    crisis=p.get("crisis") == "on",
                ),
                _("已登记"),
            )
        elif form == "event":
            _try(
                request,
                lambda: services.event_create(
                    actor=user,
                    title=p.get("title", ""),
                    starts_at=_datetime(p.get("starts_at")) or timezone.now(),
                    place=p.get("place", ""),
                    capacity=p.get("capacity"),
                    description=p.get("description", ""),
                ),
                _("活动已发布"),
            )
        elif form == "assessment":
            _try(
                request,
                lambda: services.assessment_record(
                    actor=user,
                    purpose=p.get("purpose", ""),
                    risks=p.get("risks", ""),
                    measures=p.get("measures", ""),
                    retention_days=p.get("retention_days"),
                    consent_text=p.get("consent_text", ""),
                ),
                _("影响评估已记录"),
            )
        return redirect("care:counselling_staff")
    # the annual review links its counselling figures here: the hotline log and events of one year
    year = year_filter(request)
    calls, events = HotlineCall.objects.all(), ReliefEvent.objects.order_by("-starts_at")
    if year:
        calls, events = calls.filter(at__year=year), events.filter(starts_at__year=year)
    return render(
        request,
        "care/counselling_staff.html",
        {
            "counts": selectors.counselling_counts(),
            "year": year or "",
            "calls": calls[:30],
            "topics": HotlineCall.Topic.choices,
            "events": events[:20],
            "assessment": services.current_assessment(),
            "alerts": CrisisAlert.objects.filter(handled_at__isnull=True).select_related("raised_by")[:20],
        },
    )


@district_required
def crisis(request, pk):
    alert = get_object_or_404(CrisisAlert.objects.select_related("raised_by", "booking"), pk=pk)
    if request.method == "POST":
        _try(request, lambda: services.crisis_handle(actor=request.user, alert=alert), _("已标记为处理"))
        return redirect("care:counselling_staff")
    contact = services.crisis_contact(viewer=request.user, alert=alert) if request.GET.get("contact") == "1" else None
    return render(request, "care/crisis.html", {"alert": alert, "contact": contact})
