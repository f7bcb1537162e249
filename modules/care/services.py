"""Writing the care programme: wishes and their claims, loans (through ``engines.workflow`` and the
money ledger), counselling bookings, notes, the hotline log and stress-relief events.

Every function is keyword-only, atomic, checks its rule and writes the audit entry."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import Member
from core.notifications import notify
from core.privacy import log_personal_data_access
from engines.workflow import services as workflow
from modules.care import rules
from modules.care.models import (
    Availability,
    Booking,
    Counsellor,
    CrisisAlert,
    DonorConsent,
    Enrolment,
    HotlineCall,
    ImpactAssessment,
    LoanApplication,
    LoanGroup,
    ReliefEvent,
    Repayment,
    SessionNote,
    Wish,
    WishCampaign,
    WishCategory,
    WishClaim,
)
from modules.care.process import LOAN

TEXT_MAX = 4000


def _text(value, field: str, limit: int, *, required: bool = False, label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid("care_required", _("请填写%(label)s") % {"label": label or field}, field=field)
    if len(text) > limit:
        raise Invalid("care_too_long", _("%(label)s不能超过 %(n)s 字") % {"label": label or field, "n": limit}, field=field)
    return text


def _int(value, field: str, label: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid("care_number", _("%(label)s须为整数") % {"label": label}, field=field) from None
    if not low <= number <= high:
        raise Invalid(
            "care_out_of_range", _("%(label)s须在 %(low)s 到 %(high)s 之间") % {"label": label, "low": low, "high": high}, field=field
        )
    return number


def _phone(value, field: str = "contact_phone") -> str:
    from core.services import normalise_phone

    return normalise_phone(value, field=field)


# === 微心愿 micro-wishes ======================================================================


def campaign_create(
    *, actor, year: int, title: str, opens_on: date, closes_on: date, value_limit: int, hotline_name="", hotline_phone="", description=""
) -> WishCampaign:
    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以发起微心愿活动"))
    if closes_on < opens_on:
        raise Invalid("care_dates", _("截止日期不能早于开始日期"), field="closes_on")
    value_limit = _int(value_limit, "value_limit", _("价值上限（分）"), low=100, high=1_000_000)
    campaign = WishCampaign.objects.create(
        year=year,
        title=_text(title, "title", 120, required=True, label=_("活动名称")),
        description=_text(description, "description", TEXT_MAX),
        opens_on=opens_on,
        closes_on=closes_on,
        value_limit=value_limit,
        hotline_name=_text(hotline_name, "hotline_name", 40),
        hotline_phone=_text(hotline_phone, "hotline_phone", 20),
        created_by=actor,
    )
    audit(actor=actor, action="care.campaign_create", obj=campaign)
    return campaign


def wish_post(*, actor, campaign: WishCampaign, member: Member | None = None, data: dict) -> Wish:
    """A worker posts their own wish, or their union posts one on their behalf (``member``)."""
    own = scoping.member_for(actor)
    if member is None or (own is not None and member.pk == own.pk):
        if own is None:
            raise Forbidden("care_forbidden", _("请先以职工身份登录"))
        member, on_behalf = own, False
    else:
        if not scoping.can_manage_organisation(actor, member.organisation):
            raise NotFound("care_member_not_found", _("找不到该职工"))
        on_behalf = True
    if not campaign.is_open():
        raise Conflict("care_campaign_closed", _("该活动不在征集期内"))
    if member.status != Member.Status.ACTIVE:
        raise Invalid("care_member_inactive", _("该职工不在会员名册中"), field="member")
    value = _int(data.get("value"), "value", _("心愿价值（分）"), low=1, high=10**9)
    if value > campaign.value_limit:
        from core.numbers import yuan

        raise Invalid("care_wish_over_limit", _("心愿价值不能超过 %(limit)s") % {"limit": yuan(campaign.value_limit)}, field="value")
    category = data.get("category") or WishCategory.DAILY
    if category not in WishCategory.values:
        raise Invalid("care_category", _("请选择心愿类别"), field="category")
    if not data.get("consent_publish"):
        raise Invalid("care_consent_required", _("须经心愿人同意公开称呼与心愿故事"), field="consent_publish")
    wish = Wish.objects.create(
        campaign=campaign,
        member=member,
        organisation=member.organisation,
        street=member.organisation.street,
        posted_by=actor,
        on_behalf=on_behalf,
        first_name=_text(data.get("first_name"), "first_name", 12, required=True, label=_("公开称呼")),
        story=_text(data.get("story"), "story", 600, required=True, label=_("心愿故事")),
        item=_text(data.get("item"), "item", 60, required=True, label=_("心愿物品")),
        category=category,
        value=value,
        contact_phone=_phone(data.get("contact_phone") or member.phone or ""),
        address=_text(data.get("address"), "address", 120),
        consent_publish=True,
    )
    audit(actor=actor, action="care.wish_post", obj=wish, organisation=wish.organisation, changes={"on_behalf": on_behalf})
    return wish


def _lock_wish(wish: Wish) -> Wish:
    return Wish.objects.select_for_update().get(pk=wish.pk)


def _move(wish: Wish, expected: str, target: str, **fields) -> Wish:
    """One conditional UPDATE: the wish moves only from the state the actor's page showed."""
    done = Wish.objects.filter(pk=wish.pk, status=expected).update(status=target, updated_at=timezone.now(), **fields)
    if not done:
        current = Wish.objects.filter(pk=wish.pk).values_list("status", flat=True).first()
        label = Wish.Status(current).label if current else ""
        raise Conflict("care_wish_stale", _("该心愿已被处理，当前状态为“%(s)s”，请刷新后再试") % {"s": label})
    wish.refresh_from_db()
    return wish


def wish_verify(*, actor, wish: Wish, approve: bool = True, reason: str = "") -> Wish:
    """The grassroots union checks the wish is real and within the rules (基层核实)."""
    if not rules.may_manage_wish(actor, wish):
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    now = timezone.now()
    if approve:
        wish = _move(wish, Wish.Status.POSTED, Wish.Status.VERIFIED, verified_by=actor, verified_at=now)
        notify(recipients=_district_staff(), title=_("有新的微心愿待发布"), body=wish.item, url="/care/staff/wishes/?status=verified")
    else:
        reason = _text(reason, "reason", 200, required=True, label=_("未通过原因"))
        wish = _move(wish, Wish.Status.POSTED, Wish.Status.REJECTED, verified_by=actor, verified_at=now, reject_reason=reason)
    audit(actor=actor, action="care.wish_verify", obj=wish, organisation=wish.organisation, changes={"approve": approve})
    return wish


def wish_publish(*, actor, wish: Wish) -> Wish:
    """The district publishes a verified wish (identity hidden: first name and the agreed story)."""
    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以发布心愿"))
    wish = _move(wish, Wish.Status.VERIFIED, Wish.Status.PUBLISHED, published_at=timezone.now())
    audit(actor=actor, action="care.wish_publish", obj=wish, organisation=wish.organisation)
    return wish


def wish_withdraw(*, actor, wish: Wish) -> Wish:
    if not (rules.is_wisher(actor, wish) or rules.may_manage_wish(actor, wish)):
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    for state in (Wish.Status.POSTED, Wish.Status.VERIFIED, Wish.Status.PUBLISHED):
        if Wish.objects.filter(pk=wish.pk, status=state).update(status=Wish.Status.WITHDRAWN):
            wish.refresh_from_db()
            audit(actor=actor, action="care.wish_withdraw", obj=wish, organisation=wish.organisation)
            return wish
    raise Conflict("care_wish_taken", _("心愿已被认领，不能撤回；请先联系捐赠人"))


def _donor_kind(actor) -> tuple[str, str]:
    if scoping.is_staff_member(actor):
        roots = scoping.role_assignments(actor)
        if any(a.role == "grassroots_admin" for a in roots):
            org = next(a.organisation for a in roots if a.role == "grassroots_admin")
            return WishClaim.DonorKind.ORGANISATION, org.name
        return WishClaim.DonorKind.STAFF, actor.display_name or actor.username
    return WishClaim.DonorKind.PUBLIC, actor.display_name or _("爱心人士")


def wish_claim(*, actor, wish: Wish, donor_name: str = "", note: str = "") -> WishClaim:
    """A donor claims a published wish. The wish's row moves published → claimed by one
    conditional UPDATE (the winner's), and the partial UNIQUE index on live claims backs it:
    two donors at once, one claim.

    The claim, its audit record and the union admins' notifications are one transaction: all of
    them or none (a crash between them lost the audit of a stored claim), and one commit waiting
    for the disk instead of three (the claim, the audit and the notifications each committed on
    their own). The admins are read before it, so the wish's row is locked only for the writes."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden("care_login_required", _("请先登录"))
    if rules.is_wisher(actor, wish):
        raise Invalid("care_own_wish", _("不能认领自己的心愿"), field="wish")
    kind, default_name = _donor_kind(actor)
    name = _text(donor_name, "donor_name", 80) or default_name
    claim = WishClaim(
        wish=wish, donor=actor, donor_kind=kind, donor_name=name, status=WishClaim.Status.PENDING, note=_text(note, "note", 200)
    )
    admins = _union_admins(wish)
    with transaction.atomic():
        # a refused claim (the UPDATE found it taken, or the unique index refused the INSERT)
        # leaves this block by the Conflict, which rolls it back: nothing else was written
        try:
            taken = _take_and_claim(wish, claim)
        except IntegrityError:
            taken = False
        if not taken:
            raise Conflict("care_wish_already_claimed", _("这个心愿刚刚已被其他爱心人士认领，请选择其他心愿"))
        wish.status = Wish.Status.CLAIMED
        audit(actor=actor, action="care.wish_claim", obj=wish, organisation=wish.organisation, changes={"claim": claim.pk})
        notify(recipients=admins, title=_("您单位的微心愿已被认领，请确认"), body=f"{wish.item}（{name}）", url=f"/care/wishes/{wish.pk}/")
    return claim


def _take_and_claim(wish: Wish, claim: WishClaim) -> bool:
    """The wish moved published → claimed and ``claim`` stored, or neither (False: someone else's
    claim came first). Called inside ``wish_claim``'s transaction, which a refusal rolls back. The
    UPDATE's condition is checked again under the row's lock, so of two donors at once only the
    first goes on to insert; the partial UNIQUE index on live claims backs it."""
    taken = Wish.objects.filter(pk=wish.pk, status=Wish.Status.PUBLISHED).update(status=Wish.Status.CLAIMED, updated_at=timezone.now())
    if not taken:
        return False
    claim.save(force_insert=True)
    return True


def wish_offer(*, actor, wish: Wish, donor, donor_name: str = "") -> WishClaim:
    """The union matches a published wish to a donor it knows; the donor accepts or declines."""
    if not rules.may_manage_wish(actor, wish):
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    kind, default_name = _donor_kind(donor)
    try:
        with transaction.atomic():
            if not Wish.objects.filter(pk=wish.pk, status=Wish.Status.PUBLISHED).update(status=Wish.Status.CLAIMED):
                raise Conflict("care_wish_already_claimed", _("这个心愿已被认领"))
            claim = WishClaim.objects.create(
                wish=wish,
                donor=donor,
                donor_kind=kind,
                donor_name=_text(donor_name, "donor_name", 80) or default_name,
                status=WishClaim.Status.OFFERED,
            )
    except IntegrityError:
        raise Conflict("care_wish_already_claimed", _("这个心愿已被认领")) from None
    audit(actor=actor, action="care.wish_offer", obj=wish, organisation=wish.organisation, changes={"donor": donor.pk})
    notify(recipients=[donor], title=_("工会邀请您认领一个微心愿"), body=wish.item, url="/care/my/contributions/")
    return claim


def _claim_move(claim: WishClaim, expected: tuple, target: str, **fields) -> WishClaim:
    done = WishClaim.objects.filter(pk=claim.pk, status__in=expected).update(status=target, **fields)
    if not done:
        raise Conflict("care_claim_stale", _("该认领状态已变化，请刷新后再试"))
    claim.refresh_from_db()
    return claim


def _reopen(wish: Wish) -> None:
    Wish.objects.filter(pk=wish.pk, status=Wish.Status.CLAIMED).update(status=Wish.Status.PUBLISHED, updated_at=timezone.now())


def claim_confirm(*, actor, claim: WishClaim) -> WishClaim:
    """The wisher's union confirms a donor's claim: from now the donor may see the wisher's contact."""
    if not rules.may_manage_wish(actor, claim.wish):
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    with transaction.atomic():
        claim = _claim_move(claim, ("pending",), WishClaim.Status.CONFIRMED, confirmed_at=timezone.now(), confirmed_by=actor)
        audit(actor=actor, action="care.claim_confirm", obj=claim.wish, organisation=claim.wish.organisation, changes={"claim": claim.pk})
    notify(recipients=[claim.donor], title=_("您认领的微心愿已确认"), body=claim.wish.item, url="/care/my/contributions/")
    return claim


def claim_accept(*, actor, claim: WishClaim) -> WishClaim:
    """The donor accepts a wish the union offered them (the offer is the union's confirmation)."""
    if not rules.is_claim_donor(actor, claim):
        raise NotFound("care_claim_not_found", _("找不到该认领"))
    claim = _claim_move(claim, ("offered",), WishClaim.Status.CONFIRMED, confirmed_at=timezone.now())
    audit(actor=actor, action="care.claim_accept", obj=claim.wish, organisation=claim.wish.organisation, changes={"claim": claim.pk})
    return claim


def claim_decline(*, actor, claim: WishClaim, reason: str = "") -> WishClaim:
    """The donor declines an offer, or the union declines a donor's claim: the wish is open again."""
    wish = claim.wish
    if rules.is_claim_donor(actor, claim):
        expected = ("offered",)
    elif rules.may_manage_wish(actor, wish):
        expected = ("pending",)
    else:
        raise NotFound("care_claim_not_found", _("找不到该认领"))
    with transaction.atomic():
        claim = _claim_move(claim, expected, WishClaim.Status.DECLINED, closed_at=timezone.now(), note=_text(reason, "reason", 200))
        _reopen(wish)
        audit(actor=actor, action="care.claim_decline", obj=wish, organisation=wish.organisation, changes={"claim": claim.pk})
    return claim


def claim_give_back(*, actor, claim: WishClaim, reason: str = "") -> WishClaim:
    """The donor cannot go on: the claim ends and the wish is published again (unclaimed)."""
    if not rules.is_claim_donor(actor, claim):
        raise NotFound("care_claim_not_found", _("找不到该认领"))
    with transaction.atomic():
        claim = _claim_move(
            claim, ("pending", "confirmed"), WishClaim.Status.RELEASED, closed_at=timezone.now(), note=_text(reason, "reason", 200)
        )
        _reopen(claim.wish)
        audit(actor=actor, action="care.claim_give_back", obj=claim.wish, organisation=claim.wish.organisation, changes={"claim": claim.pk})
    notify(recipients=_union_admins(claim.wish), title=_("捐赠人退回了一个微心愿，已重新发布"), body=claim.wish.item)
    return claim


def claim_deliver(*, actor, claim: WishClaim, upload) -> WishClaim:
    """The donor hands the wish over and uploads a photo or the receipt (core.images / core.attachments)."""
    from core.attachments import attachment_add
    from core.images import check_image

    if not rules.is_claim_donor(actor, claim):
        raise NotFound("care_claim_not_found", _("找不到该认领"))
    if claim.status != WishClaim.Status.CONFIRMED:
        raise Conflict("care_claim_not_confirmed", _("认领经工会确认后才能登记送达"))
    if upload is None:
        raise Invalid("care_photo_required", _("请上传送达照片或收据"), field="photo")
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".pdf"):
        check_image(upload, field="photo")
    with transaction.atomic():
        attachment_add(actor=actor, owner=claim, upload=upload, field="photo")
        claim = _claim_move(claim, ("confirmed",), WishClaim.Status.DELIVERED, delivered_at=timezone.now())
        Wish.objects.filter(pk=claim.wish_id, status=Wish.Status.CLAIMED).update(status=Wish.Status.DELIVERED)
        audit(actor=actor, action="care.claim_deliver", obj=claim.wish, organisation=claim.wish.organisation, changes={"claim": claim.pk})
    recipients = _union_admins(claim.wish)
    if claim.wish.member and claim.wish.member.user_id:
        recipients.append(claim.wish.member.user)
    notify(recipients=recipients, title=_("您的微心愿已送达，请确认"), body=claim.wish.item, url=f"/care/wishes/{claim.wish_id}/")
    return claim


def wish_confirm_received(*, actor, wish: Wish) -> Wish:
    """The wisher (or their union for them) confirms the wish came true."""
    if not (rules.is_wisher(actor, wish) or rules.may_manage_wish(actor, wish)):
        raise NotFound("care_wish_not_found", _("找不到该心愿"))
    now = timezone.now()
    with transaction.atomic():
        wish = _move(wish, Wish.Status.DELIVERED, Wish.Status.FULFILLED, fulfilled_at=now)
        claim = WishClaim.objects.get(wish=wish, status=WishClaim.Status.DELIVERED)
        _claim_move(claim, ("delivered",), WishClaim.Status.FULFILLED, closed_at=now)
        audit(actor=actor, action="care.wish_fulfilled", obj=wish, organisation=wish.organisation)
    notify(recipients=[claim.donor], title=_("心愿人已确认收到，感谢您的爱心"), body=wish.item, url="/care/my/contributions/")
    return wish


def wish_contact(*, viewer, claim: WishClaim) -> dict:
    """The wisher's contact, for the donor of a confirmed claim only; every look is recorded."""
    if not rules.is_claim_donor(viewer, claim) or claim.status not in ("confirmed", "delivered"):
        raise NotFound("care_claim_not_found", _("找不到该认领"))
    wish = claim.wish
    if wish.member is not None:
        log_personal_data_access(viewer=viewer, member=wish.member, field="wish_contact", context=f"care.wish:{wish.pk}")
    audit(actor=viewer, action="care.wish_contact_view", obj=wish, organisation=wish.organisation)
    return {"first_name": wish.first_name, "phone": wish.contact_phone, "address": wish.address, "union": wish.organisation.name}


def claims_silent_report(now: datetime | None = None, days: int = 14) -> str:
    """Periodic: a confirmed claim with no delivery after ``days`` → the union is told to call the donor."""
    now = now or timezone.now()
    stale = WishClaim.objects.filter(
        status=WishClaim.Status.CONFIRMED, confirmed_at__lt=now - timedelta(days=days), silence_reported_at__isnull=True
    ).select_related("wish", "wish__organisation")
    count = 0
    for claim in stale:
        if WishClaim.objects.filter(pk=claim.pk, silence_reported_at__isnull=True).update(silence_reported_at=now):
            notify(
                recipients=_union_admins(claim.wish),
                title=_("微心愿认领已 %(d)s 天未送达，请联系捐赠人") % {"d": days},
                body=f"{claim.wish.item}（{claim.donor_name}）",
                url=f"/care/wishes/{claim.wish_id}/",
            )
            count += 1
    return f"{count} silent claims reported"


def _union_admins(wish: Wish) -> list:
    from core.models import RoleAssignment, User

    return list(
        User.objects.filter(
            roles__role=RoleAssignment.Role.GRASSROOTS_ADMIN, roles__organisation=wish.organisation_id, is_active=True
        ).distinct()
    )


def _district_staff() -> list:
    from core.models import RoleAssignment, User

    return list(User.objects.filter(roles__role=RoleAssignment.Role.DISTRICT_STAFF, is_active=True).distinct()[:20])


# === 创业小额贷款 microloans ==================================================================


def loan_case(loan: LoanApplication):
    return workflow.case_for(loan, LOAN)


def loan_create(*, actor, data: dict) -> LoanApplication:
    """A worker applies (a draft; documents are attached before submitting)."""
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("care_forbidden", _("请先以职工身份登录"))
    group = data.get("group")
    if group not in LoanGroup.values:
        raise Invalid("care_loan_group", _("请选择申请人类别（符合条件的群体）"), field="group")
    amount = _int(data.get("amount"), "amount", _("申请金额（分）"), low=100_000, high=LoanApplication.MAX_AMOUNT)
    term = _int(data.get("term_months"), "term_months", _("期限（月）"), low=1, high=LoanApplication.MAX_TERM_MONTHS)
    with transaction.atomic():
        loan = LoanApplication.objects.create(
            member=member,
            organisation=member.organisation,
            street=member.organisation.street,
            group=group,
            business_name=_text(data.get("business_name"), "business_name", 80, required=True, label=_("创业项目")),
            business_plan=_text(data.get("business_plan"), "business_plan", TEXT_MAX, required=True, label=_("项目简介")),
            amount=amount,
            term_months=term,
            bank=_text(data.get("bank"), "bank", 60),
            created_by=actor,
        )
        workflow.case_start(process=LOAN, subject=loan, actor=actor)
        audit(actor=actor, action="care.loan_create", obj=loan, organisation=loan.organisation)
    return loan


def loan_submission_problems(loan: LoanApplication) -> list[str]:
    from core.attachments import attachments_of

    problems = []
    if not attachments_of(loan).exists():
        problems.append(_("请上传营业执照、身份证明等申请材料"))
    return problems


def on_loan_reviewed(loan: LoanApplication, *, actor) -> None:
    LoanApplication.objects.filter(pk=loan.pk).update(maker=actor, made_at=timezone.now())
    loan.maker_id = actor.pk


def on_loan_approved(loan: LoanApplication, *, actor) -> None:
    # The engine already refused an approver who made the first review (rules.is_loan_checker);
    # this is the same rule where the row is written, so no path around it exists.
    if loan.maker_id == actor.pk:
        raise Forbidden("care_maker_checker", _("初审人与复核人须为两个不同的人"))
    LoanApplication.objects.filter(pk=loan.pk).update(checker=actor, checked_at=timezone.now())


def loan_transition(*, actor, loan: LoanApplication, name: str, comment: str = "", expected_state: str | None = None):
    if not rules.may_view_loan(actor, loan):
        raise NotFound("care_loan_not_found", _("找不到该申请"))
    if name == "approve" and loan.maker_id == actor.pk:
        raise Forbidden("care_maker_checker", _("初审人与复核人须为两个不同的人"))
    return workflow.transition_perform(case=loan_case(loan), name=name, actor=actor, comment=comment, expected_state=expected_state)


def _add_months(day: date, months: int) -> date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def repayment_schedule(amount: int, term_months: int, annual_rate_bp: int, start: date) -> list[dict]:
    """Equal principal each month (the last takes the remainder); interest on the balance owed,
    rounded half up to the fen. Integers throughout."""
    base = amount // term_months
    rows, owed = [], amount
    for seq in range(1, term_months + 1):
        principal = owed if seq == term_months else base
        interest = (owed * annual_rate_bp + 60_000) // 120_000  # owed × rate/10000 / 12, half up
        rows.append({"seq": seq, "due_on": _add_months(start, seq), "principal": principal, "interest": interest})
        owed -= principal
    return rows


def loan_bank_decision(
    *,
    actor,
    loan: LoanApplication,
    approved: bool,
    reference: str = "",
    amount: int | None = None,
    annual_rate_bp: int | None = None,
    disbursed_on=None,
) -> LoanApplication:
    """The partner bank's answer, recorded by the district; a loan made gets its repayment schedule."""
    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以登记银行审批结果"))
    with transaction.atomic():
        case = workflow.Case.objects.select_for_update().get(pk=loan_case(loan).pk)
        if case.state != "approved":
            raise Conflict("care_loan_not_approved", _("复核同意后才能登记银行审批结果"))
        reference = _text(reference, "reference", 60, required=approved, label=_("银行合同编号"))
        if approved:
            amount = _int(amount, "amount", _("放款金额（分）"), low=100_000, high=loan.amount)
            rate = _int(annual_rate_bp, "annual_rate_bp", _("年利率（基点）"), low=1, high=2000)
            if not isinstance(disbursed_on, date):
                raise Invalid("care_date", _("请填写放款日期"), field="disbursed_on")
            LoanApplication.objects.filter(pk=loan.pk).update(
                bank_decision="approved",
                bank_reference=reference,
                approved_amount=amount,
                annual_rate_bp=rate,
                disbursed_on=disbursed_on,
                bank_recorded_by=actor,
            )
            Repayment.objects.bulk_create(
                Repayment(loan=loan, **row) for row in repayment_schedule(amount, loan.term_months, rate, disbursed_on)
            )
            workflow.transition_perform(case=case, name="bank_approve", actor=None)
        else:
            LoanApplication.objects.filter(pk=loan.pk).update(bank_decision="declined", bank_reference=reference, bank_recorded_by=actor)
            workflow.transition_perform(case=case, name="bank_decline", actor=None)
        audit(actor=actor, action="care.loan_bank_decision", obj=loan, organisation=loan.organisation, changes={"approved": approved})
    loan.refresh_from_db()
    return loan


SUBSIDY_BUDGET = "care:loan_subsidy:budget"
SUBSIDY_POOL = "care:loan_subsidy:pool"
SUBSIDY_REASON = "care.loan_subsidy"
POOL_REASON = "care.loan_subsidy_budget"


def subsidy_pool_fund(*, actor, amount: int, key: str):
    """The union's budget for interest subsidies moves into the programme's pool."""
    from engines.ledger import services as ledger

    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以拨付贴息资金"))
    amount = _int(amount, "amount", _("拨付金额（分）"), low=1, high=10**11)
    budget = ledger.holder_account(SUBSIDY_BUDGET, unit="fen", overdraft=True)
    pool = ledger.holder_account(SUBSIDY_POOL, unit="fen")
    return ledger.transfer_post(
        from_account=budget,
        to_account=pool,
        amount=amount,
        reason=POOL_REASON,
        source="care.subsidy_pool",
        idempotency_key=f"care-pool-{key}",
        actor=actor,
    )


def repayment_record(*, actor, repayment: Repayment, paid_on: date) -> Repayment:
    """The borrower paid an instalment (as the bank reports it): the union pays its interest into
    the borrower's money account, from the subsidy pool, once (idempotent on the instalment)."""
    from engines.ledger import services as ledger

    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以登记还款"))
    loan = repayment.loan
    with transaction.atomic():
        locked = Repayment.objects.select_for_update().get(pk=repayment.pk)
        if locked.status == Repayment.Status.PAID:
            raise Conflict("care_repayment_paid", _("该期已登记还款"))
        Repayment.objects.filter(pk=locked.pk).update(status=Repayment.Status.PAID, paid_on=paid_on)
        if locked.interest:
            pool = ledger.holder_account(SUBSIDY_POOL, unit="fen")
            borrower = ledger.account_for(loan.member_id, unit="fen")
            ledger.transfer_post(
                from_account=pool,
                to_account=borrower,
                amount=locked.interest,
                reason=SUBSIDY_REASON,
                source=f"care.loan:{loan.pk}",
                idempotency_key=f"care-subsidy-{locked.pk}",
                memo=f"{loan.business_name} #{locked.seq}",
                actor=actor,
            )
            Repayment.objects.filter(pk=locked.pk).update(subsidy_paid=locked.interest)
        audit(actor=actor, action="care.repayment_record", obj=loan, organisation=loan.organisation, changes={"seq": locked.seq})
        if not Repayment.objects.filter(loan=loan).exclude(status=Repayment.Status.PAID).exists():
            workflow.transition_perform(case=loan_case(loan), name="settle", actor=None)
    repayment.refresh_from_db()
    return repayment


def repayments_overdue_alert(now: datetime | None = None) -> str:
    """Periodic: instalments past due and unpaid turn overdue; the borrower and the district are told once."""
    today = timezone.localdate(now or timezone.now())
    due = Repayment.objects.filter(
        status__in=[Repayment.Status.DUE, Repayment.Status.OVERDUE], due_on__lt=today, overdue_notified_at__isnull=True
    )
    count = 0
    for row in due.select_related("loan", "loan__member__user"):
        if Repayment.objects.filter(pk=row.pk, overdue_notified_at__isnull=True).update(
            status=Repayment.Status.OVERDUE, overdue_notified_at=timezone.now()
        ):
            recipients = _district_staff()
            if row.loan.member.user_id:
                recipients.append(row.loan.member.user)
            notify(
                recipients=recipients,
                title=_("创业贷款第 %(n)s 期已逾期") % {"n": row.seq},
                body=f"{row.loan.business_name} {row.due_on:%Y-%m-%d}",
                url=f"/care/loans/{row.loan_id}/",
            )
            count += 1
    return f"{count} overdue instalments"


# === 心理减压 counselling =====================================================================


def counsellor_create(*, actor, user, name: str, qualification="", online=True, in_person=True, location="") -> Counsellor:
    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以登记心理咨询师"))
    counsellor = Counsellor.objects.create(
        user=user,
        name=_text(name, "name", 40, required=True, label=_("姓名")),
        qualification=qualification,
        online=online,
        in_person=in_person,
        location=location,
    )
    audit(actor=actor, action="care.counsellor_create", obj=counsellor)
    return counsellor


def availability_set(*, actor, counsellor: Counsellor, windows: list[tuple[int, int, int]]) -> None:
    """The counsellor's weekly windows (weekday 0–6, start hour, end hour), replacing the old ones."""
    if not (scoping.is_district_staff(actor) or rules.counsellor_of(actor) == counsellor):
        raise Forbidden("care_forbidden", _("没有权限设置该咨询师的时段"))
    rows = []
    for weekday, start, end in windows:
        if not (0 <= weekday <= 6 and 0 <= start < end <= 24):
            raise Invalid("care_availability", _("时段不正确：星期 0–6，开始早于结束"), field="availability")
        rows.append(Availability(counsellor=counsellor, weekday=weekday, start_hour=start, end_hour=end))
    with transaction.atomic():
        counsellor.availability.all().delete()
        Availability.objects.bulk_create(rows)
        audit(actor=actor, action="care.availability_set", obj=counsellor)


def assessment_record(*, actor, purpose: str, risks: str, measures: str, retention_days: int, consent_text: str) -> ImpactAssessment:
    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以记录影响评估"))
    latest = ImpactAssessment.objects.order_by("-version").first()
    assessment = ImpactAssessment.objects.create(
        version=(latest.version + 1) if latest else 1,
        purpose=_text(purpose, "purpose", TEXT_MAX, required=True, label=_("处理目的")),
        risks=_text(risks, "risks", TEXT_MAX, required=True, label=_("风险")),
        measures=_text(measures, "measures", TEXT_MAX, required=True, label=_("保护措施")),
        retention_days=_int(retention_days, "retention_days", _("保存期限（天）"), low=1, high=3650),
        consent_text=_text(consent_text, "consent_text", TEXT_MAX, required=True, label=_("单独同意告知书")),
        assessed_by=actor,
    )
    audit(actor=actor, action="care.assessment_record", obj=assessment)
    return assessment


def current_assessment() -> ImpactAssessment | None:
    return ImpactAssessment.objects.order_by("-version").first()


def is_available(counsellor: Counsellor, starts_at: datetime) -> bool:
    local = timezone.localtime(starts_at)
    if local.minute or local.second:
        return False
    return counsellor.availability.filter(weekday=local.weekday(), start_hour__lte=local.hour, end_hour__gt=local.hour).exists()


def booking_create(
    *, actor, counsellor: Counsellor, starts_at: datetime, mode: str, consent: bool, intake: str = "", repeat_weeks: int = 1
) -> list[Booking]:
    """A worker books a session (or a weekly series). Counselling data is sensitive personal
    information: without the separate consent nothing is stored."""
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("care_forbidden", _("请先以职工身份登录"))
    if not consent:
        raise Invalid("care_consent_required", _("预约心理咨询须单独同意处理敏感个人信息"), field="consent")
    assessment = current_assessment()
    if assessment is None:
        raise Conflict("care_no_assessment", _("心理咨询预约尚未开放（未完成个人信息保护影响评估）"))
    if not counsellor.active:
        raise NotFound("care_counsellor_not_found", _("找不到该咨询师"))
    if (
        mode not in Booking.Mode.values
        or (mode == "online" and not counsellor.online)
        or (mode == "in_person" and not counsellor.in_person)
    ):
        raise Invalid("care_mode", _("该咨询师不提供这种咨询方式"), field="mode")
    repeat_weeks = _int(repeat_weeks, "repeat_weeks", _("连续预约周数"), low=1, high=12)
    intake = _text(intake, "intake", 1000)
    now = timezone.now()
    if starts_at <= now:
        raise Invalid("care_past", _("请选择将来的时间"), field="starts_at")
    series = secrets.token_hex(8) if repeat_weeks > 1 else ""
    bookings = []
    try:
        with transaction.atomic():
            for week in range(repeat_weeks):
                at = starts_at + timedelta(weeks=week)
                if not is_available(counsellor, at):
                    raise Invalid(
                        "care_unavailable",
                        _("%(t)s 不在咨询师的可预约时段内") % {"t": timezone.localtime(at).strftime("%m-%d %H:%M")},
                        field="starts_at",
                    )
                booking = Booking.objects.create(
                    member=member,
                    organisation=member.organisation,
                    counsellor=counsellor,
                    starts_at=at,
                    mode=mode,
                    series=series,
                    consent_at=now,
                    assessment=assessment,
                    erase_after=at + timedelta(days=assessment.retention_days),
                )
                SessionNote.objects.create(booking=booking, intake=intake if week == 0 else "")
                bookings.append(booking)
    except IntegrityError:
        raise Conflict("care_slot_taken", _("该时段已被预约，请选择其他时间")) from None
    audit(actor=actor, action="care.booking_create", obj=bookings[0], changes={"sessions": len(bookings)})
    notify(
        recipients=[counsellor.user],
        title=_("新的咨询预约"),
        body=timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M"),
        url="/care/counsellor/",
    )
    return bookings


def booking_cancel(*, actor, booking: Booking) -> Booking:
    member = scoping.member_for(actor)
    by_member = member is not None and booking.member_id == member.pk
    if not (by_member or rules.is_booking_counsellor(actor, booking)):
        raise NotFound("care_booking_not_found", _("找不到该预约"))
    if not Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
        status=Booking.Status.CANCELLED, cancelled_at=timezone.now(), cancelled_by_member=by_member
    ):
        raise Conflict("care_booking_stale", _("该预约已取消或已结束"))
    booking.refresh_from_db()
    audit(actor=actor, action="care.booking_cancel", obj=booking)
    other = booking.counsellor.user if by_member else (booking.member.user if booking.member and booking.member.user_id else None)
    if other:
        notify(recipients=[other], title=_("咨询预约已取消"), body=timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"))
    return booking


def booking_close(*, actor, booking: Booking, attended: bool) -> Booking:
    if not rules.is_booking_counsellor(actor, booking):
        raise NotFound("care_booking_not_found", _("找不到该预约"))
    target = Booking.Status.ATTENDED if attended else Booking.Status.NO_SHOW
    if not Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(status=target):
        raise Conflict("care_booking_stale", _("该预约已取消或已结束"))
    booking.refresh_from_db()
    audit(actor=actor, action="care.booking_close", obj=booking, changes={"status": target})
    return booking


def note_write(*, actor, booking: Booking, notes: str, referral: str = "") -> SessionNote:
    """The counsellor's own notes. Counsellors refer (转介) rather than diagnose."""
    if not rules.is_booking_counsellor(actor, booking):
        raise NotFound("care_booking_not_found", _("找不到该预约"))
    if booking.erased_at:
        raise Conflict("care_booking_erased", _("该预约的记录已按期删除"))
    note, _created = SessionNote.objects.get_or_create(booking=booking)
    note.notes = _text(notes, "notes", TEXT_MAX)
    note.referral = _text(referral, "referral", 200)
    note.save()
    audit(actor=actor, action="care.note_write", obj=booking)  # no content in the audit log
    return note


def crisis_raise(*, actor, booking: Booking) -> CrisisAlert:
    """A crisis flag: the district's staff are told whom to reach (the worker's name and phone,
    the counsellor) and nothing of the notes; each look at the phone is recorded."""
    counsellor = rules.counsellor_of(actor)
    if counsellor is None or booking.counsellor_id != counsellor.pk:
        raise NotFound("care_booking_not_found", _("找不到该预约"))
    with transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(crisis=True)
        alert = CrisisAlert.objects.create(booking=booking, raised_by=counsellor)
        audit(actor=actor, action="care.crisis_raise", obj=booking)
    notify(
        recipients=_district_staff(),
        title=_("心理危机预警：请立即跟进"),
        body=_("咨询师 %(c)s 请求危机干预支持") % {"c": counsellor.name},
        url=f"/care/staff/crisis/{alert.pk}/",
    )
    return alert


def crisis_contact(*, viewer, alert: CrisisAlert) -> dict:
    """What the crisis contact needs to act, and no more: whom to call. Recorded as a look."""
    if not scoping.is_district_staff(viewer):
        raise NotFound("care_crisis_not_found", _("找不到该预警"))
    booking = alert.booking
    member = booking.member if booking else None
    if member is not None:
        log_personal_data_access(viewer=viewer, member=member, field="crisis_contact", context=f"care.crisis:{alert.pk}")
    audit(actor=viewer, action="care.crisis_contact_view", obj=alert)
    return {"name": member.name if member else "", "phone": member.phone if member else "", "counsellor": alert.raised_by.name}


def crisis_handle(*, actor, alert: CrisisAlert) -> CrisisAlert:
    if not scoping.is_district_staff(actor):
        raise NotFound("care_crisis_not_found", _("找不到该预警"))
    if not CrisisAlert.objects.filter(pk=alert.pk, handled_at__isnull=True).update(handled_by=actor, handled_at=timezone.now()):
        raise Conflict("care_crisis_handled", _("该预警已由他人处理"))
    alert.refresh_from_db()
    audit(actor=actor, action="care.crisis_handle", obj=alert)
    return alert


def bookings_remind(now: datetime | None = None) -> str:
    """Periodic: a reminder a day ahead, to the worker and the counsellor, once."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=Booking.Status.BOOKED, reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=now + timedelta(hours=24)
    )
    count = 0
    for booking in due.select_related("member__user", "counsellor__user"):
        if Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
            when = timezone.localtime(booking.starts_at).strftime("%m-%d %H:%M")
            recipients = [booking.counsellor.user]
            if booking.member and booking.member.user_id:
                recipients.append(booking.member.user)
            notify(recipients=recipients, title=_("咨询提醒：%(t)s") % {"t": when}, body=booking.get_mode_display())
            count += 1
    return f"{count} reminders"


def counselling_erase(now: datetime | None = None) -> str:
    """Periodic: past the retention period of its impact assessment a booking loses its notes and
    its person; the row stays (status, date, counsellor) so the counts still add up."""
    now = now or timezone.now()
    due = Booking.objects.filter(erase_after__lte=now, erased_at__isnull=True)
    ids = list(due.values_list("pk", flat=True)[:5000])
    with transaction.atomic():
        SessionNote.objects.filter(booking_id__in=ids).delete()
        CrisisAlert.objects.filter(booking_id__in=ids).update(booking=None)
        Booking.objects.filter(pk__in=ids).update(member=None, organisation=None, erased_at=now)
    return f"{len(ids)} bookings erased"


def hotline_log(
    *, actor, minutes: int, topic: str, referred: bool = False, crisis: bool = False, at: datetime | None = None
) -> HotlineCall:
    if not (scoping.is_district_staff(actor) or rules.counsellor_of(actor)):
        raise Forbidden("care_forbidden", _("只有热线接线员可以登记"))
    if topic not in HotlineCall.Topic.values:
        raise Invalid("care_topic", _("请选择来电主题"), field="topic")
    call = HotlineCall.objects.create(
        taken_by=actor,
        minutes=_int(minutes, "minutes", _("通话时长（分钟）"), low=1, high=600),
        topic=topic,
        referred=referred,
        crisis=crisis,
        at=at or timezone.now(),
    )
    audit(actor=actor, action="care.hotline_log", obj=call)
    return call


def event_create(*, actor, title: str, starts_at: datetime, place: str, capacity: int, description: str = "") -> ReliefEvent:
    if not scoping.is_district_staff(actor):
        raise Forbidden("care_forbidden", _("只有区总工会可以发布活动"))
    event = ReliefEvent.objects.create(
        title=_text(title, "title", 80, required=True, label=_("活动名称")),
        starts_at=starts_at,
        place=_text(place, "place", 120, required=True, label=_("地点")),
        capacity=_int(capacity, "capacity", _("名额"), low=1, high=10_000),
        description=_text(description, "description", TEXT_MAX),
        created_by=actor,
    )
    audit(actor=actor, action="care.event_create", obj=event)
    return event


def event_enrol(*, actor, event: ReliefEvent) -> Enrolment:
    """One seat, taken by a conditional UPDATE on the event's count: never over capacity."""
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("care_forbidden", _("请先以职工身份登录"))
    if event.starts_at <= timezone.now():
        raise Conflict("care_event_started", _("活动已开始，不能报名"))
    try:
        with transaction.atomic():
            if not ReliefEvent.objects.filter(pk=event.pk, enrolled__lt=F("capacity")).update(enrolled=F("enrolled") + 1):
                raise Conflict("care_event_full", _("名额已满"))
            enrolment = Enrolment.objects.create(event=event, member=member)
    except IntegrityError:
        raise Conflict("care_already_enrolled", _("您已报名该活动")) from None
    audit(actor=actor, action="care.event_enrol", obj=event)
    return enrolment


# --- public donors: the privacy notice's consent and closing the account ---------------------

# The version of the donors' privacy notice (templates/care/donor_privacy.html); a consent records
# which one the donor agreed to. Change it when the notice changes materially.
DONOR_NOTICE_VERSION = "2026-12"


class _ConsentMissing(Exception):
    """Rolls back a correct code's use when the first login lacks the consent (the code stays valid)."""


def donor_login_verify(*, phone: str, code: str, consent: bool):
    """The donor page's code check: the first login there needs the ticked consent to the privacy
    notice, stored with its time. The consent is asked only after the code proves the phone, so
    the answer tells a stranger nothing about whether a number has an account; without it the
    code's use and any new account are rolled back (the donor ticks the box and sends the same
    code again), while a wrong code's attempt stays counted (it is not rolled back with them)."""
    from core.errors import ApiError
    from core.services import otp_verify

    failure = None
    try:
        with transaction.atomic():
            try:
                user = otp_verify(phone=phone, code=code, public=True)
            except ApiError as error:
                failure = error  # leave the block normally: the attempt counter is committed
            else:
                if not DonorConsent.objects.filter(user=user).exists():
                    if not consent:
                        raise _ConsentMissing
                    DonorConsent.objects.create(user=user, notice_version=DONOR_NOTICE_VERSION)
                    audit(actor=user, action="care.donor_consent", obj=user, changes={"notice": DONOR_NOTICE_VERSION})
    except _ConsentMissing:
        raise Invalid("care_donor_consent_required", _("首次登录请先阅读并勾选同意《爱心人士隐私说明》"), field="consent") from None
    if failure is not None:
        raise failure
    return user


def is_public_donor(user) -> bool:
    """An account made by the donor login: no member, no role, not staff (those close elsewhere)."""
    return (
        getattr(user, "is_authenticated", False)
        and not user.is_staff
        and not user.is_superuser
        and scoping.member_for(user) is None
        and not user.roles.exists()
    )


def donor_account_close(*, actor) -> None:
    """A public donor closes their account: the phone (the only personal datum) is erased, the
    login disabled, their one-time codes deleted and their claims kept for the campaign's figures
    under "已注销爱心人士" without the note they wrote. A claim still in progress must be finished
    or given back first: a wisher is waiting for it. Members close their account at 我的数据."""
    from core.models import AuditLog, PhoneOTP, User

    if not is_public_donor(actor):
        raise Forbidden("care_not_public_donor", _("只有爱心人士账号可以在这里注销；职工会员请在“我的数据”中注销账号"))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if WishClaim.objects.filter(donor=user, status__in=WishClaim.LIVE).exists():
            raise Conflict("care_donor_live_claims", _("您还有进行中的认领，请先完成或退回后再注销账号"))
        gone = _("已注销爱心人士")
        WishClaim.objects.filter(donor=user, donor_kind=WishClaim.DonorKind.PUBLIC).update(donor_name=gone, note="")
        if user.phone:
            PhoneOTP.objects.filter(phone=user.phone).delete()
        AuditLog.objects.filter(object_type="core.user", object_id=str(user.pk)).update(object_repr=f"{gone}#{user.pk}")
        user.wechat_bindings.all().delete()
        user.phone = None
        user.display_name = ""
        user.username = f"closed-{user.pk}"
        user.is_active = False
        user.set_unusable_password()
        user.save()
        audit(actor=user, action="care.donor_account_close", obj=user, changes={})
