"""Writing the fund. Money moves only on ``engines.ledger`` (fen), in the same transaction as the
rows that say who and why; the ledger's conditional debit is what makes overspending impossible,
the partial unique index on beneficiaries what makes paying one person twice impossible.

Transitions go through ``engines.workflow``; the guards and effects named in ``process.py`` run
inside the transition's transaction."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core import beneficiaries as people
from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import Organisation, RoleAssignment
from core.numbers import yuan
from engines.ledger import selectors as ledger_read
from engines.ledger import services as ledger
from engines.workflow import services as workflow
from modules.fund import accounts, rules
from modules.fund.models import Application, Beneficiary, BudgetTransfer, Disbursement, Fund, Purpose, Refund
from modules.fund.process import KEY

Role = RoleAssignment.Role
UNIT = accounts.UNIT
MAX_FEN = 10**13  # 1,000 亿元: larger is a typing error, not a budget
BENEFICIARIES_MAX = 2000
EDITABLE_STATES = ("draft", "returned")
FOUR_EYES_MESSAGE = _lazy("审批与拨付须由两人分别办理：您批准了这笔申请，请由区总工会财务的另一位工作人员登记拨付")


# --- amounts ---------------------------------------------------------------------------------


def fen_from_yuan(value, field: str, *, allow_zero: bool = False) -> int:
    """A yuan amount as typed ("1,200.50", 800, "800元") → fen; more than two decimals is refused."""
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "").removesuffix("元").strip()
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise Invalid("fund_amount_invalid", _("金额格式不正确（单位：元，最多两位小数）"), field=field) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise Invalid("fund_amount_invalid", _("金额格式不正确（单位：元，最多两位小数）"), field=field)
    fen = int(amount * 100)
    if fen < 0 or (fen == 0 and not allow_zero) or fen > MAX_FEN:
        raise Invalid("fund_amount_invalid", _("金额须大于 0 且不超过 1000 亿元"), field=field)
    return fen


def _fen(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > MAX_FEN:
        raise Invalid("fund_amount_invalid", _("金额须大于 0 且不超过 1000 亿元"), field=field)
    return value


def _text(value, field: str, limit: int, *, required: str | None = None) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid("fund_too_long", _("内容不能超过 %(n)s 字") % {"n": limit}, field=field)
    if required and not text:
        raise Invalid("fund_required", required, field=field)
    return text


def _district_only(actor, message: str) -> None:
    if not scoping.is_district_staff(actor):
        raise Forbidden("fund_forbidden", message)


def _move(*, source: str, target: str, amount: int, reason: str, key: str, origin: str, actor, memo: str = "", overdraft=False):
    return ledger.transfer_post(
        from_account=ledger.holder_account(source, unit=UNIT, overdraft=overdraft),
        to_account=ledger.holder_account(target, unit=UNIT),
        amount=amount,
        reason=reason,
        source=origin,
        idempotency_key=key,
        memo=memo[:200],
        actor=actor,
    )


# --- funds and purposes ------------------------------------------------------------------------


@transaction.atomic
def fund_create(*, actor, name: str, year: int, total_budget: int, purposes: list[dict], warn_percent: int = 90, memo: str = "") -> Fund:
    """A fund whose budget arrives from its source account and is allocated to its purposes at once
    (what is not allocated stays in the fund's own budget account)."""
    _district_only(actor, _("只有区总工会可以设立专项基金"))
    name = _text(name, "name", 80, required=_("请填写基金名称"))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Invalid("fund_year_invalid", _("年度不正确"), field="year")
    total_budget = _fen(total_budget, "total_budget")
    if not 50 <= int(warn_percent) <= 100:
        raise Invalid("fund_warn_invalid", _("预警比例须在 50% 至 100% 之间"), field="warn_percent")
    if Fund.objects.filter(name=name, year=year).exists():
        raise Conflict("fund_duplicate", _("%(year)s 年已有同名基金") % {"year": year}, field="name")
    fund = Fund.objects.create(name=name, year=year, total_budget=total_budget, warn_percent=int(warn_percent), created_by=actor)
    _move(
        source=accounts.source(fund.pk),
        target=accounts.budget(fund.pk),
        amount=total_budget,
        reason="fund_budget",
        key=f"fund-budget-{fund.pk}",
        origin=f"fund.fund:{fund.pk}",
        actor=actor,
        memo=memo or _("预算拨入"),
        overdraft=True,
    )
    for order, spec in enumerate(purposes or []):
        purpose_add(
            actor=actor, fund=fund, name=spec.get("name"), limit=spec.get("limit"), allow_repeat=bool(spec.get("allow_repeat")), order=order
        )
    audit(actor=actor, action="fund.fund_create", obj=fund, changes={"total_budget": total_budget})
    return fund


@transaction.atomic
def purpose_add(*, actor, fund: Fund, name: str, limit: int, allow_repeat: bool = False, order: int | None = None) -> Purpose:
    """A purpose and its limit, taken from the fund's unallocated budget (never more than is left)."""
    _district_only(actor, _("只有区总工会可以设置资金用途"))
    if fund.status != Fund.Status.OPEN:
        raise Conflict("fund_closed", _("该基金已结转，不能再调整"))
    name = _text(name, "purposes", 40, required=_("请填写用途名称"))
    limit = _fen(limit, "purposes")
    try:
        with transaction.atomic():
            purpose = Purpose.objects.create(
                fund=fund,
                name=name,
                initial_limit=limit,
                allow_repeat=allow_repeat,
                order=order if order is not None else fund.purposes.count(),
            )
    except IntegrityError:
        raise Conflict("fund_purpose_duplicate", _("该基金已有用途“%(name)s”") % {"name": name}, field="purposes") from None
    try:
        _move(
            source=accounts.budget(fund.pk),
            target=accounts.purpose(fund.pk, purpose.pk),
            amount=limit,
            reason="fund_allocate",
            key=f"fund-allocate-{purpose.pk}",
            origin=f"fund.purpose:{purpose.pk}",
            actor=actor,
            memo=name,
        )
    except ledger.InsufficientBalance:
        left = ledger_read.holder_balance(accounts.budget(fund.pk), unit=UNIT)
        raise Conflict(
            "fund_over_total",
            _("各用途额度之和不能超过总预算：未分配预算仅剩 %(left)s 元，“%(name)s”需要 %(need)s 元")
            % {"left": yuan(left), "name": name, "need": yuan(limit)},
            field="purposes",
        ) from None
    audit(actor=actor, action="fund.purpose_add", obj=fund, changes={"purpose": name, "limit": limit})
    return purpose


# --- applications ------------------------------------------------------------------------------


def case_of(application: Application):
    return workflow.case_for(application, KEY)


def application_create(*, actor, fund: Fund, purpose: Purpose, organisation: Organisation, title: str, reason: str = "") -> Application:
    """A draft by a grassroots union's admin; beneficiaries and documents are added before submitting."""
    if not (scoping.has_role(actor, Role.GRASSROOTS_ADMIN) and scoping.can_manage_organisation(actor, organisation)):
        raise Forbidden("fund_forbidden", _("只能为本单位工会申请"))
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("fund_not_grassroots", _("申请单位须为基层工会"), field="organisation")
    if fund.status != Fund.Status.OPEN:
        raise Conflict("fund_closed", _("该基金已结转，不再受理申请"))
    if purpose.fund_id != fund.pk:
        raise Invalid("fund_purpose_invalid", _("请选择该基金的用途"), field="purpose")
    title = _text(title, "title", 120, required=_("请填写申请事由"))
    reason = _text(reason, "reason", 4000)
    with transaction.atomic():
        application = Application.objects.create(
            fund=fund, purpose=purpose, organisation=organisation, street=organisation.street, title=title, reason=reason, created_by=actor
        )
        workflow.case_start(process=KEY, subject=application, actor=actor)
        audit(actor=actor, action="fund.application_create", obj=application, organisation=organisation)
    return application


def _editable(actor, application: Application) -> Application:
    if not rules.is_applicant_admin(actor, application):
        raise Forbidden("fund_forbidden", _("只能修改本单位的申请"))
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if case_of(locked).state not in EDITABLE_STATES:
        raise Conflict("fund_not_editable", _("申请已提交，不能修改（退回修改后才可编辑）"))
    return locked


@transaction.atomic
def application_update(*, actor, application: Application, title=None, reason=None, purpose: Purpose | None = None) -> Application:
    locked = _editable(actor, application)
    if title is not None:
        locked.title = _text(title, "title", 120, required=_("请填写申请事由"))
    if reason is not None:
        locked.reason = _text(reason, "reason", 4000)
    if purpose is not None:
        if purpose.fund_id != locked.fund_id:
            raise Invalid("fund_purpose_invalid", _("请选择该基金的用途"), field="purpose")
        locked.purpose = purpose
        locked.beneficiaries.update(purpose=purpose)
    locked.save()
    audit(actor=actor, action="fund.application_update", obj=locked, organisation=locked.organisation)
    return locked


def clean_beneficiaries(rows: list[dict]) -> list[dict]:
    """Rows as typed (name, id_number, phone, category, amount in yuan) → clean rows in fen.
    Every bad row is reported with its number (the spreadsheet's row when it came from one)."""
    if not isinstance(rows, list) or not rows:
        raise Invalid("fund_beneficiaries_empty", _("请至少填写一名受益人"), field="beneficiaries")
    if len(rows) > BENEFICIARIES_MAX:
        raise Invalid("fund_beneficiaries_too_many", _("每份申请最多 %(n)s 名受益人") % {"n": BENEFICIARIES_MAX}, field="beneficiaries")
    clean, problems, seen = [], [], {}
    for index, row in enumerate(rows, start=1):
        line = row.get("row", index) if isinstance(row, dict) else index
        if not isinstance(row, dict):
            problems.append(_("第 %(n)s 行：格式不正确") % {"n": line})
            continue
        name = str(row.get("name") or "").strip()
        number = people.normalise_id(row.get("id_number"))
        phone = str(row.get("phone") or "").strip()
        issues = []
        if not name or len(name) > 40:
            issues.append(_("姓名未填写或过长"))
        if not people.is_valid_id(number):
            issues.append(_("身份证号不正确"))
        if phone and (not phone.isdigit() or len(phone) != 11):
            issues.append(_("手机号须为 11 位数字"))
        try:
            amount = fen_from_yuan(row.get("amount"), "amount")
        except Invalid as error:
            issues.append(str(error.message))
            amount = 0
        if number and number in seen:
            issues.append(_("与第 %(n)s 行是同一人") % {"n": seen[number]})
        if issues:
            problems.append(_("第 %(n)s 行：%(issues)s") % {"n": line, "issues": "；".join(issues)})
            continue
        seen[number] = line
        clean.append(
            {
                "name": name,
                "id_tail": number[-4:],
                "person_key": people.person_key(number),
                "phone": phone,
                "category": str(row.get("category") or "").strip()[:40],
                "amount": amount,
            }
        )
    if problems:
        raise Invalid(
            "fund_beneficiaries_invalid",
            _("受益人名单有 %(n)s 处错误：%(first)s") % {"n": len(problems), "first": "；".join(problems[:5])},
            field="beneficiaries",
            problems=problems,
        )
    return clean


@transaction.atomic
def beneficiaries_replace(*, actor, application: Application, rows: list[dict]) -> Application:
    """The whole list at once (a form or an xlsx import); the application's amount is their sum."""
    locked = _editable(actor, application)
    clean = clean_beneficiaries(rows)
    locked.beneficiaries.all().delete()
    Beneficiary.objects.bulk_create(Beneficiary(application=locked, purpose_id=locked.purpose_id, **row) for row in clean)
    locked.amount = sum(row["amount"] for row in clean)
    locked.beneficiary_count = len(clean)
    if locked.amount > MAX_FEN:
        raise Invalid("fund_amount_invalid", _("金额须大于 0 且不超过 1000 亿元"), field="beneficiaries")
    locked.save(update_fields=["amount", "beneficiary_count", "updated_at"])
    audit(actor=actor, action="fund.beneficiaries_replace", obj=locked, changes={"count": len(clean), "amount": locked.amount})
    return locked


XLSX_COLUMNS = {
    "姓名": "name",
    "身份证号": "id_number",
    "手机号": "phone",
    "人员类别": "category",
    "金额（元）": "amount",
    "金额": "amount",
}


def beneficiaries_from_xlsx(upload) -> list[dict]:
    """Rows of the beneficiaries template (姓名 | 身份证号 | 手机号 | 人员类别 | 金额（元）), header on row 1."""
    from openpyxl import load_workbook

    if upload is None:
        raise Invalid("fund_file_required", _("请选择 xlsx 文件"), field="file")
    if getattr(upload, "size", 0) > 5 * 1024 * 1024:
        raise Invalid("fund_file_too_large", _("文件不能超过 5MB"), field="file")
    try:
        workbook = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable upload is the same mistake for the user
        raise Invalid("fund_file_invalid", _("无法读取该文件，请使用 xlsx 模板"), field="file") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, ())]
    columns = {i: XLSX_COLUMNS[h] for i, h in enumerate(header) if h in XLSX_COLUMNS}
    if not {"name", "id_number", "amount"} <= set(columns.values()):
        raise Invalid("fund_file_columns", _("表头须包含：姓名、身份证号、金额（元）"), field="file")
    out = []
    for number, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        row = {"row": number}
        for i, key in columns.items():
            value = values[i] if i < len(values) else None
            row[key] = "" if value is None else (str(value) if not isinstance(value, float) else f"{value:.2f}")
        out.append(row)
        if len(out) > BENEFICIARIES_MAX:
            break
    return out


def application_transition(*, actor, application: Application, name: str, comment: str = "", expected_state: str | None = None):
    if name == "pay":
        raise Invalid("fund_pay_needs_reference", _("拨付须登记付款凭证号和日期"), field="transition")
    return workflow.transition_perform(case=case_of(application), name=name, actor=actor, comment=comment, expected_state=expected_state)


# --- guards and effects named in process.py ----------------------------------------------------


def submission_problems(application: Application) -> list[str]:
    from core.attachments import attachments_of

    problems = []
    if application.fund.status != Fund.Status.OPEN:
        problems.append(_("该基金已结转，不再受理申请"))
    if not application.beneficiary_count:
        problems.append(_("受益人名单未填写"))
    if not attachments_of(application).exists():
        problems.append(_("请上传证明材料"))
    return problems


def on_submitted(application: Application, *, actor) -> None:
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now())


def duplicate_claims(application: Application) -> list[Beneficiary]:
    """Beneficiaries of this application already holding an approved claim for the same purpose."""
    if application.purpose.allow_repeat:
        return []
    taken = Beneficiary.objects.filter(purpose_id=application.purpose_id, claimed=True, exclusive=True).exclude(application=application)
    return list(application.beneficiaries.filter(person_key__in=taken.values("person_key")))


def _duplicates_message(duplicates) -> str:
    from core.privacy import mask_name

    names = "、".join(f"{mask_name(b.name)}（{b.id_tail}）" for b in duplicates[:10])
    return _("以下人员已在该用途领取过，不能重复领取：%(names)s") % {"names": names}


def approval_problems(application: Application) -> list[str]:
    """What the district is told before approving (a read; the effect re-checks under locks)."""
    problems = []
    if application.fund.status != Fund.Status.OPEN:
        problems.append(_("该基金已结转，不能再批准"))
    if application.amount <= 0:
        problems.append(_("申请金额为 0"))
    left = ledger_read.holder_balance(accounts.purpose(application.fund_id, application.purpose_id), unit=UNIT)
    if application.amount > left:
        problems.append(
            _("“%(purpose)s”剩余额度不足：剩余 %(left)s 元，本申请 %(need)s 元")
            % {"purpose": application.purpose.name, "left": yuan(left), "need": yuan(application.amount)}
        )
    duplicates = duplicate_claims(application)
    if duplicates:
        problems.append(_duplicates_message(duplicates))
    return problems


def on_approved(application: Application, *, actor) -> None:
    """Claim the beneficiaries (the partial unique index refuses a second claim of one person for
    one purpose, even from a concurrent approval), then reserve the money: the ledger debits the
    purpose only while it stays ≥ 0, so concurrent approvals can never overspend it."""
    exclusive = not application.purpose.allow_repeat
    try:
        with transaction.atomic():
            application.beneficiaries.update(claimed=True, exclusive=exclusive)
    except IntegrityError:
        raise Conflict("fund_duplicate_beneficiary", _duplicates_message(duplicate_claims(application))) from None
    try:
        _move(
            source=accounts.purpose(application.fund_id, application.purpose_id),
            target=accounts.commit(application.fund_id, application.pk),
            amount=application.amount,
            reason="fund_commit",
            key=f"fund-commit-{application.pk}",
            origin=f"fund.application:{application.pk}",
            actor=actor,
            memo=application.title,
        )
    except ledger.InsufficientBalance:
        left = ledger_read.holder_balance(accounts.purpose(application.fund_id, application.purpose_id), unit=UNIT)
        raise Conflict(
            "fund_purpose_exhausted",
            _("“%(purpose)s”剩余额度不足：剩余 %(left)s 元，本申请 %(need)s 元，未予批准")
            % {"purpose": application.purpose.name, "left": yuan(left), "need": yuan(application.amount)},
        ) from None
    Application.objects.filter(pk=application.pk).update(committed=application.amount, approved_at=timezone.now())
    _warn_if_near_limit(application)


def _warn_if_near_limit(application: Application) -> None:
    from core.notifications import notify
    from modules.fund import selectors

    status = selectors.purpose_status(application.purpose)
    if status.warn:
        notify(
            recipients=selectors.district_staff(application),
            title=_("专项基金预警：“%(purpose)s”已使用 %(pct)s%%") % {"purpose": application.purpose.name, "pct": status.used_percent},
            body=_("剩余 %(left)s 元") % {"left": yuan(status.remaining)},
            subject=application,
        )


def on_cancelled(application: Application, *, actor) -> None:
    """The reserved money goes back to the purpose; the beneficiaries' claims are released."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.committed:
        _move(
            source=accounts.commit(locked.fund_id, locked.pk),
            target=accounts.purpose(locked.fund_id, locked.purpose_id),
            amount=locked.committed,
            reason="fund_release",
            key=f"fund-release-{locked.pk}",
            origin=f"fund.application:{locked.pk}",
            actor=actor,
            memo=locked.title,
        )
    locked.beneficiaries.update(claimed=False)


def completion_problems(application: Application) -> list[str]:
    from django.db.models import F

    waiting = application.beneficiaries.filter(received_at__isnull=True, returned__lt=F("amount")).count()
    return [_("还有 %(n)s 人未确认领取") % {"n": waiting}] if waiting else []


# --- payment, receipts, returns ------------------------------------------------------------------


@transaction.atomic
def disbursement_record(
    *, actor, application: Application, reference: str, paid_on: date, expected_state: str | None = None
) -> Disbursement:
    """The finance office pays an approved application: its commitment becomes a payment."""
    _district_only(actor, _("只有区总工会财务可以登记拨付"))
    if rules.approver_id(application) == actor.pk:
        raise Forbidden("fund_four_eyes", str(FOUR_EYES_MESSAGE))
    reference = _text(reference, "reference", 60, required=_("请填写付款凭证号"))
    if not isinstance(paid_on, date):
        raise Invalid("fund_date_invalid", _("请填写付款日期"), field="paid_on")
    if paid_on > timezone.localdate():
        raise Invalid("fund_date_future", _("付款日期不能晚于今天"), field="paid_on")
    workflow.transition_perform(case=case_of(application), name="pay", actor=actor, expected_state=expected_state)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.approved_at and paid_on < timezone.localdate(locked.approved_at):
        raise Invalid("fund_date_before_approval", _("付款日期不能早于批准日期"), field="paid_on")
    try:
        with transaction.atomic():
            disbursement = Disbursement.objects.create(
                application=locked,
                fund_id=locked.fund_id,
                purpose_id=locked.purpose_id,
                organisation_id=locked.organisation_id,
                street_id=locked.street_id,
                amount=locked.committed,
                reference=reference,
                paid_on=paid_on,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict("fund_reference_taken", _("付款凭证号 %(ref)s 已登记过") % {"ref": reference}, field="reference") from None
    _move(
        source=accounts.commit(locked.fund_id, locked.pk),
        target=accounts.paid(locked.fund_id, locked.pk),
        amount=locked.committed,
        reason="fund_pay",
        key=f"fund-pay-{locked.pk}",
        origin=f"fund.application:{locked.pk}",
        actor=actor,
        memo=reference,
    )
    locked.beneficiaries.update(paid=True)
    audit(actor=actor, action="fund.disbursement_record", obj=locked, changes={"amount": locked.committed, "reference": reference})
    return disbursement


@transaction.atomic
def receipts_confirm(*, actor, application: Application, beneficiary_ids: list[int], note: str = "") -> int:
    """The union confirms who received their money (signed lists kept as attachments)."""
    if not rules.is_applicant_or_district(actor, application):
        raise Forbidden("fund_forbidden", _("只能确认本单位申请的领取情况"))
    if case_of(application).state != "paid":
        raise Conflict("fund_not_paid", _("资金拨付后才能确认领取"))
    note = _text(note, "note", 120)
    ids = [int(i) for i in beneficiary_ids if str(i).isdigit()]
    if not ids:
        raise Invalid("fund_receipts_empty", _("请选择已领取的受益人"), field="beneficiaries")
    confirmed = application.beneficiaries.filter(pk__in=ids, received_at__isnull=True).update(received_at=timezone.now(), receipt_note=note)
    audit(actor=actor, action="fund.receipts_confirm", obj=application, changes={"count": confirmed})
    return confirmed


@transaction.atomic
def receipt_self_confirm(*, actor, beneficiary_id: int) -> Beneficiary:
    """The person paid confirms on their phone that the money arrived. Only a row whose phone is
    their verified login phone (anyone else's is "not found"); a second confirmation changes
    nothing and answers the same (idempotent)."""
    from modules.fund import selectors

    row = (
        selectors.my_benefits_q(actor)
        .select_for_update(of=("self",))
        .select_related("application")
        .filter(pk=beneficiary_id if isinstance(beneficiary_id, int) else 0)
        .first()
    )
    if row is None:
        raise NotFound("fund_benefit_not_found", _("找不到这笔补助"))
    if row.received_at:
        return row
    state = case_of(row.application).state
    if state not in ("paid", "completed"):
        raise Conflict("fund_not_paid", _("这笔补助还未拨付，拨付后才能确认收到"))
    if row.returned >= row.amount:
        raise Conflict("fund_benefit_returned", _("这笔补助已退回，无需确认"))
    row.received_at = timezone.now()
    row.receipt_note = _("本人在手机上确认收到")
    row.save(update_fields=["received_at", "receipt_note"])
    audit(actor=actor, action="fund.receipt_self_confirm", obj=row.application, changes={"beneficiary": row.pk})
    return row


@transaction.atomic
def refund_record(
    *, actor, application: Application, amount: int, reason: str, returned_on: date, beneficiary: Beneficiary | None = None
) -> Refund:
    """Unspent money comes back: paid → the purpose, where it may be approved again. A person's
    returned money releases their claim (they did not receive it)."""
    _district_only(actor, _("只有区总工会财务可以登记退回"))
    amount = _fen(amount, "amount")
    reason = _text(reason, "reason", 200, required=_("请填写退回原因"))
    if not isinstance(returned_on, date) or returned_on > timezone.localdate():
        raise Invalid("fund_date_invalid", _("退回日期不正确（不能晚于今天）"), field="returned_on")
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if case_of(locked).state not in ("paid", "completed"):
        raise Conflict("fund_not_paid", _("只有已拨付的申请可以登记退回"))
    if beneficiary is not None:
        person = Beneficiary.objects.select_for_update().filter(pk=beneficiary.pk, application=locked).first()
        if person is None:
            raise Invalid("fund_beneficiary_invalid", _("该受益人不在本申请中"), field="beneficiary")
        if amount > person.amount - person.returned:
            raise Invalid(
                "fund_refund_too_much",
                _("退回金额不能超过该受益人未退回的 %(left)s 元") % {"left": yuan(person.amount - person.returned)},
                field="amount",
            )
        person.returned += amount
        person.claimed = person.claimed and person.returned < person.amount
        person.save(update_fields=["returned", "claimed"])
    refund = Refund.objects.create(
        application=locked,
        fund_id=locked.fund_id,
        purpose_id=locked.purpose_id,
        beneficiary=beneficiary,
        amount=amount,
        reason=reason,
        returned_on=returned_on,
        recorded_by=actor,
    )
    try:
        _move(
            source=accounts.paid(locked.fund_id, locked.pk),
            target=accounts.purpose(locked.fund_id, locked.purpose_id),
            amount=amount,
            reason="fund_return",
            key=f"fund-return-{refund.pk}",
            origin=f"fund.application:{locked.pk}",
            actor=actor,
            memo=reason,
        )
    except ledger.InsufficientBalance:
        paid = ledger_read.holder_balance(accounts.paid(locked.fund_id, locked.pk), unit=UNIT)
        raise Invalid(
            "fund_refund_too_much", _("退回金额不能超过已拨付未退回的 %(left)s 元") % {"left": yuan(paid)}, field="amount"
        ) from None
    audit(actor=actor, action="fund.refund_record", obj=locked, changes={"amount": amount})
    return refund


# --- budget transfers and carry-forward ---------------------------------------------------------


@transaction.atomic
def transfer_request(*, actor, fund: Fund, from_purpose: Purpose, to_purpose: Purpose, amount: int, reason: str) -> BudgetTransfer:
    _district_only(actor, _("只有区总工会可以申请额度调剂"))
    if fund.status != Fund.Status.OPEN:
        raise Conflict("fund_closed", _("该基金已结转，不能再调整"))
    if from_purpose.fund_id != fund.pk or to_purpose.fund_id != fund.pk:
        raise Invalid("fund_purpose_invalid", _("请选择该基金的用途"), field="to_purpose")
    if from_purpose.pk == to_purpose.pk:
        raise Invalid("fund_transfer_same", _("调出和调入用途不能相同"), field="to_purpose")
    amount = _fen(amount, "amount")
    reason = _text(reason, "reason", 200, required=_("请填写调剂原因"))
    transfer = BudgetTransfer.objects.create(
        fund=fund, from_purpose=from_purpose, to_purpose=to_purpose, amount=amount, reason=reason, requested_by=actor
    )
    audit(actor=actor, action="fund.transfer_request", obj=fund, changes={"amount": amount})
    return transfer


@transaction.atomic
def transfer_decide(*, actor, transfer: BudgetTransfer, approve: bool) -> BudgetTransfer:
    """Approved by another district officer than the one who asked; the money moves only if the
    purpose it leaves still has it (the ledger's conditional debit)."""
    _district_only(actor, _("只有区总工会可以审批额度调剂"))
    if transfer.requested_by_id == actor.pk:
        raise Forbidden("fund_four_eyes", _("额度调剂须由申请人以外的区总工会工作人员审批"))
    claimed = BudgetTransfer.objects.filter(pk=transfer.pk, status=BudgetTransfer.Status.PENDING).update(
        status=BudgetTransfer.Status.APPROVED if approve else BudgetTransfer.Status.REJECTED, decided_by=actor, decided_at=timezone.now()
    )
    if not claimed:
        raise Conflict("fund_transfer_decided", _("该调剂已审批"))
    if approve:
        if transfer.fund.status != Fund.Status.OPEN:
            raise Conflict("fund_closed", _("该基金已结转，不能再调整"))
        try:
            _move(
                source=accounts.purpose(transfer.fund_id, transfer.from_purpose_id),
                target=accounts.purpose(transfer.fund_id, transfer.to_purpose_id),
                amount=transfer.amount,
                reason="fund_transfer",
                key=f"fund-transfer-{transfer.pk}",
                origin=f"fund.transfer:{transfer.pk}",
                actor=actor,
                memo=transfer.reason,
            )
        except ledger.InsufficientBalance:
            left = ledger_read.holder_balance(accounts.purpose(transfer.fund_id, transfer.from_purpose_id), unit=UNIT)
            raise Conflict(
                "fund_purpose_exhausted",
                _("“%(purpose)s”剩余额度仅 %(left)s 元，不足调出 %(need)s 元")
                % {"purpose": transfer.from_purpose.name, "left": yuan(left), "need": yuan(transfer.amount)},
            ) from None
    audit(actor=actor, action="fund.transfer_decide", obj=transfer.fund, changes={"transfer": transfer.pk, "approve": approve})
    transfer.refresh_from_db()
    return transfer


@transaction.atomic
def fund_carry_forward(*, actor, fund: Fund) -> Fund:
    """Year end: what is left (each purpose's remaining and the unallocated budget) moves to next
    year's fund with the same purposes; commitments stay and are paid from this year's fund."""
    _district_only(actor, _("只有区总工会可以办理年度结转"))
    locked = Fund.objects.select_for_update().get(pk=fund.pk)
    if locked.status != Fund.Status.OPEN:
        raise Conflict("fund_closed", _("该基金已结转"))
    if Fund.objects.filter(name=locked.name, year=locked.year + 1).exists():
        raise Conflict("fund_duplicate", _("%(year)s 年已有同名基金") % {"year": locked.year + 1})
    balances = {p.pk: ledger_read.holder_balance(accounts.purpose(locked.pk, p.pk), unit=UNIT) for p in locked.purposes.all()}
    unallocated = ledger_read.holder_balance(accounts.budget(locked.pk), unit=UNIT)
    successor = Fund.objects.create(
        name=locked.name,
        year=locked.year + 1,
        total_budget=sum(balances.values()) + unallocated,
        warn_percent=locked.warn_percent,
        carried_from=locked,
        created_by=actor,
    )
    if unallocated:
        _move(
            source=accounts.budget(locked.pk),
            target=accounts.budget(successor.pk),
            amount=unallocated,
            reason="fund_carry",
            key=f"fund-carry-budget-{locked.pk}",
            origin=f"fund.fund:{locked.pk}",
            actor=actor,
        )
    for purpose in locked.purposes.all():
        left = balances[purpose.pk]
        new = Purpose.objects.create(
            fund=successor, name=purpose.name, initial_limit=left, allow_repeat=purpose.allow_repeat, order=purpose.order
        )
        if left:
            _move(
                source=accounts.purpose(locked.pk, purpose.pk),
                target=accounts.purpose(successor.pk, new.pk),
                amount=left,
                reason="fund_carry",
                key=f"fund-carry-{purpose.pk}",
                origin=f"fund.purpose:{purpose.pk}",
                actor=actor,
                memo=purpose.name,
            )
    locked.status = Fund.Status.CLOSED
    locked.save(update_fields=["status"])
    audit(actor=actor, action="fund.carry_forward", obj=locked, changes={"to": successor.pk, "amount": successor.total_budget})
    return successor
