"""A named studio's subsidy (补助资金, 专款专用), accounted on the ledger engine in fen.

The money moves between four ledger accounts, so every yuan is traceable and the books balance:
the district's budget line for studio subsidies (an overdraft account: money from outside the
books) → the subsidy's *committed* account at grant → *at the studio* when finance pays it →
*spent* as the studio records each expense with its receipt. Acceptance (验收) closes the subsidy
and returns what was not spent to the budget line. Each step locks the subsidy's row, so an
expense and the acceptance cannot interleave, and each transfer carries an idempotency key.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid
from core.notifications import notify
from engines.ledger import selectors as ledger_read
from engines.ledger import services as ledger
from modules.studios import rules, selectors
from modules.studios.models import Application, Expense, ExpenseCategory, Subsidy
from modules.studios.services import _clean_text, case_of

BUDGET = "studios:subsidy:budget"
# The district's standard: 1万 to 10万 yuan a studio.
MIN_FEN = 10_000_00
MAX_FEN = 100_000_00

REASONS = {
    "studios_subsidy_grant": gettext_lazy("创新工作室补助：批准"),
    "studios_subsidy_pay": gettext_lazy("创新工作室补助：拨付"),
    "studios_subsidy_spend": gettext_lazy("创新工作室补助：支出"),
    "studios_subsidy_return": gettext_lazy("创新工作室补助：验收退回"),
}


def holder(subsidy: Subsidy, part: str) -> str:
    return f"studios:subsidy:{subsidy.pk}:{part}"


def _account(subsidy: Subsidy, part: str):
    return ledger.holder_account(holder(subsidy, part))


def _budget():
    return ledger.holder_account(BUDGET, overdraft=True)


def _locked(subsidy: Subsidy) -> Subsidy:
    return Subsidy.objects.select_for_update().get(pk=subsidy.pk)


def _district_only(actor, what: str) -> None:
    if not scoping.is_district_staff(actor):
        raise Forbidden("studios_forbidden", what)


def subsidy_grant(*, actor, application: Application, amount: int, purpose: str) -> Subsidy:
    """Grant a named studio its subsidy: the amount is committed on the ledger at once."""
    _district_only(actor, _("只有区总工会可以批准工作室补助"))
    if case_of(application).state != "named":
        raise Conflict("studios_not_named", _("只有已命名的工作室可以获得补助"))
    if not (MIN_FEN <= amount <= MAX_FEN):
        raise Invalid(
            "studios_subsidy_amount",
            _("补助金额应在 %(low)s 元到 %(high)s 元之间") % {"low": f"{MIN_FEN // 100:,}", "high": f"{MAX_FEN // 100:,}"},
            field="amount",
        )
    purpose = _clean_text(purpose, "purpose", 2000)
    if len(purpose) < 4:
        raise Invalid("studios_subsidy_purpose", _("请写明资金用途（专款专用）"), field="purpose")
    try:
        with transaction.atomic():
            subsidy = Subsidy.objects.create(application=application, amount=amount, purpose=purpose, granted_by=actor)
            ledger.transfer_post(
                from_account=_budget(),
                to_account=_account(subsidy, "committed"),
                amount=amount,
                reason="studios_subsidy_grant",
                source=f"studios.subsidy:{subsidy.pk}",
                idempotency_key=f"studios-subsidy-{subsidy.pk}-grant",
                actor=actor,
            )
    except IntegrityError:
        raise Conflict("studios_subsidy_exists", _("该工作室已有补助"), field="amount") from None
    audit(actor=actor, action="studios.subsidy_grant", obj=application, changes={"amount": amount})
    notify(
        recipients=selectors.applicant_admins(application),
        title=_("%(name)s 获批补助 %(yuan)s 元") % {"name": application.name, "yuan": f"{amount / 100:,.2f}"},
        url=f"/studios/applications/{application.pk}/",
    )
    return subsidy


def subsidy_pay(*, actor, subsidy: Subsidy, payment_reference: str, paid_on: date) -> Subsidy:
    """Finance pays the committed amount to the studio; recorded with its voucher number and date."""
    _district_only(actor, _("只有区总工会可以登记拨付"))
    reference = _clean_text(payment_reference, "payment_reference", 60)
    if not reference:
        raise Invalid("studios_payment_reference", _("请填写拨付凭证号"), field="payment_reference")
    if paid_on is None or paid_on > timezone.localdate():
        raise Invalid("studios_paid_on", _("拨付日期不能晚于今天"), field="paid_on")
    with transaction.atomic():
        subsidy = _locked(subsidy)
        if subsidy.state != Subsidy.State.GRANTED:
            raise Conflict("studios_subsidy_state", _("该补助已拨付"))
        ledger.transfer_post(
            from_account=_account(subsidy, "committed"),
            to_account=_account(subsidy, "at_studio"),
            amount=subsidy.amount,
            reason="studios_subsidy_pay",
            source=f"studios.subsidy:{subsidy.pk}",
            idempotency_key=f"studios-subsidy-{subsidy.pk}-pay",
            memo=reference,
            actor=actor,
        )
        subsidy.state, subsidy.payment_reference, subsidy.paid_on, subsidy.paid_by = Subsidy.State.PAID, reference, paid_on, actor
        subsidy.save(update_fields=["state", "payment_reference", "paid_on", "paid_by"])
    audit(actor=actor, action="studios.subsidy_pay", obj=subsidy.application, changes={"reference": reference})
    notify(recipients=selectors.applicant_admins(subsidy.application), title=_("工作室补助已拨付"), url=_url(subsidy))
    return subsidy


def expense_record(*, actor, subsidy: Subsidy, category: str, amount: int, spent_on: date, description: str) -> Expense:
    """The studio's union records one use of the money; it can never spend more than it was paid."""
    if not rules.is_applicant_admin(actor, subsidy.application):
        raise Forbidden("studios_forbidden", _("只能登记本单位工作室的补助支出"))
    if category not in ExpenseCategory.values:
        raise Invalid("studios_expense_category", _("请选择支出类别（专款专用）"), field="category")
    if amount is None or amount <= 0:
        raise Invalid("studios_expense_amount", _("支出金额必须大于 0"), field="amount")
    description = _clean_text(description, "description", 200)
    if len(description) < 2:
        raise Invalid("studios_expense_description", _("请写明支出内容"), field="description")
    with transaction.atomic():
        subsidy = _locked(subsidy)
        if subsidy.state != Subsidy.State.PAID:
            raise Conflict("studios_subsidy_state", _("补助拨付后、验收前才能登记支出"))
        if spent_on is None or spent_on > timezone.localdate() or spent_on < subsidy.paid_on:
            raise Invalid("studios_spent_on", _("支出日期应在拨付日期与今天之间"), field="spent_on")
        expense = Expense.objects.create(
            subsidy=subsidy, category=category, amount=amount, spent_on=spent_on, description=description, recorded_by=actor
        )
        try:
            ledger.transfer_post(
                from_account=_account(subsidy, "at_studio"),
                to_account=_account(subsidy, "spent"),
                amount=amount,
                reason="studios_subsidy_spend",
                source=f"studios.expense:{expense.pk}",
                idempotency_key=f"studios-expense-{expense.pk}",
                memo=description,
                actor=actor,
            )
        except ledger.InsufficientBalance as error:
            raise Conflict(
                "studios_subsidy_overspent",
                _("超出补助余额：尚余 %(left)s 元") % {"left": f"{error.extra['balance'] / 100:,.2f}"},
                field="amount",
            ) from None
    audit(actor=actor, action="studios.expense_record", obj=subsidy.application, changes={"amount": amount, "category": category})
    return expense


def subsidy_accept(*, actor, subsidy: Subsidy, passed: bool, note: str) -> Subsidy:
    """验收: the district's verdict closes the subsidy; what the studio did not spend goes back."""
    _district_only(actor, _("只有区总工会可以验收"))
    note = _clean_text(note, "note", 2000)
    if len(note) < 4:
        raise Invalid("studios_acceptance_note", _("请填写验收意见"), field="note")
    with transaction.atomic():
        subsidy = _locked(subsidy)
        if subsidy.state != Subsidy.State.PAID:
            raise Conflict("studios_subsidy_state", _("只有已拨付、尚未验收的补助可以验收"))
        left = ledger_read.holder_balance(holder(subsidy, "at_studio"))
        if left:
            ledger.transfer_post(
                from_account=_account(subsidy, "at_studio"),
                to_account=_budget(),
                amount=left,
                reason="studios_subsidy_return",
                source=f"studios.subsidy:{subsidy.pk}",
                idempotency_key=f"studios-subsidy-{subsidy.pk}-return",
                memo=note[:200],
                actor=actor,
            )
        subsidy.state = Subsidy.State.ACCEPTED if passed else Subsidy.State.FAILED
        subsidy.accepted_by, subsidy.accepted_at, subsidy.acceptance_note, subsidy.returned = actor, timezone.now(), note, left
        subsidy.save(update_fields=["state", "accepted_by", "accepted_at", "acceptance_note", "returned"])
    audit(actor=actor, action="studios.subsidy_accept", obj=subsidy.application, changes={"passed": passed, "returned": left})
    notify(
        recipients=selectors.applicant_admins(subsidy.application),
        title=_("工作室补助验收结果：%(s)s") % {"s": subsidy.get_state_display()},
        url=_url(subsidy),
    )
    return subsidy


def _url(subsidy: Subsidy) -> str:
    return f"/studios/applications/{subsidy.application_id}/"
