"""The special fund (抗疫专项基金): funds with a budget, purposes with limits, applications by
grassroots unions with their beneficiaries, disbursements, returns and budget transfers.

Every yuan lives on ``engines.ledger`` in fen (the holder keys are in ``accounts.py``): these
tables say *who* and *why*, the ledger says *how much* and refuses to overspend. An application's
state lives in its workflow case (process ``fund.application``)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Fund(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("使用中")
        CLOSED = "closed", _("已结转")

    name = models.CharField(_("基金名称"), max_length=80)
    year = models.PositiveSmallIntegerField(_("年度"))
    # The budget as it arrived (fen); what is left is the ledger's balance, never this field.
    total_budget = models.BigIntegerField(_("总预算（分）"))
    # Above this share of a limit spent (committed or paid) the district is warned before approving.
    warn_percent = models.PositiveSmallIntegerField(_("预警比例（%）"), default=90)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("专项基金")
        verbose_name_plural = _("专项基金")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="fund_one_name_per_year"),
            models.CheckConstraint(condition=Q(total_budget__gte=0), name="fund_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class Purpose(models.Model):
    """A use of the fund (慰问一线职工 …) with its limit: its own ledger account."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="purposes")
    name = models.CharField(_("用途"), max_length=40)
    # The limit as first allocated (fen); transfers between purposes move the ledger, recorded below.
    initial_limit = models.BigIntegerField(_("初始额度（分）"))
    # A person may receive more than once for this purpose (e.g. monthly subsidies).
    allow_repeat = models.BooleanField(_("允许同一人重复领取"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("资金用途")
        verbose_name_plural = _("资金用途")
        ordering = ["fund", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["fund", "name"], name="fund_purpose_unique_name")]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    """A grassroots union's request for money for one purpose, with its list of beneficiaries."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="applications")
    purpose = models.ForeignKey(Purpose, verbose_name=_("用途"), on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="+")
    # Denormalised so a street's queue and the report by street are one indexed filter.
    street = models.ForeignKey("core.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("申请事由"), max_length=120)
    reason = models.TextField(_("情况说明"), blank=True, default="")
    # The sum of the beneficiaries' amounts (fen), kept by the service that changes the list.
    amount = models.BigIntegerField(_("申请金额（分）"), default=0)
    beneficiary_count = models.PositiveIntegerField(default=0)
    # Reserved at the district's approval (fen); 0 before.
    committed = models.BigIntegerField(_("已批准金额（分）"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cases = GenericRelation("workflow.Case", related_query_name="fund_application")

    class Meta:
        verbose_name = _("资金申请")
        verbose_name_plural = _("资金申请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["fund", "street"]), models.Index(fields=["fund", "purpose"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0) & Q(committed__gte=0), name="fund_application_amounts")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("fund:application", args=[self.pk])


class Beneficiary(models.Model):
    """A person an application pays, identified across programmes by ``person_key`` (a keyed hash
    of the ID number; the number itself is not kept, only its last four characters)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="beneficiaries")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=40)
    id_tail = models.CharField(_("身份证号后四位"), max_length=4)
    person_key = models.CharField(max_length=64)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    category = models.CharField(_("人员类别"), max_length=40, blank=True, default="")
    amount = models.BigIntegerField(_("金额（分）"))
    # Set at approval, when the money is reserved for them; the constraint below then refuses a
    # second approved claim of the same person for the same purpose, whatever the race.
    claimed = models.BooleanField(default=False)
    exclusive = models.BooleanField(default=True)
    received_at = models.DateTimeField(_("确认领取时间"), null=True, blank=True)
    receipt_note = models.CharField(_("领取说明"), max_length=120, blank=True, default="")
    returned = models.BigIntegerField(_("退回金额（分）"), default=0)
    # Set when finance pays the application: the reports read paid beneficiaries without a join.
    paid = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("受益人")
        verbose_name_plural = _("受益人")
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "person_key"], name="fund_beneficiary_once_per_application"),
            models.UniqueConstraint(
                fields=["purpose", "person_key"],
                condition=Q(claimed=True, exclusive=True),
                name="fund_beneficiary_once_per_purpose",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_beneficiary_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["person_key"]),
            models.Index(fields=["purpose", "person_key"], condition=Q(paid=True), name="fund_beneficiary_paid"),
            # The person's own page (/fund/mine/) finds their rows by their verified login phone.
            models.Index(fields=["phone"], condition=~Q(phone=""), name="fund_beneficiary_phone"),
        ]

    def __str__(self) -> str:
        return self.name


class Disbursement(models.Model):
    """The finance office's payment of an approved application (commitment → paid)."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="disbursement")
    # Denormalised for the reports (by purpose, street, month) over a year of payments.
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("core.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("拨付金额（分）"))
    reference = models.CharField(_("付款凭证号"), max_length=60)
    paid_on = models.DateField(_("付款日期"))
    recorded_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("拨付记录")
        verbose_name_plural = _("拨付记录")
        ordering = ["-paid_on", "-pk"]
        indexes = [models.Index(fields=["fund", "paid_on"])]
        constraints = [
            models.UniqueConstraint(fields=["fund", "reference"], name="fund_disbursement_unique_reference"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_disbursement_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class Refund(models.Model):
    """Unspent money a union returns (paid → back to the purpose)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="refunds")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey(Beneficiary, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("退回金额（分）"))
    reason = models.CharField(_("退回原因"), max_length=200)
    returned_on = models.DateField(_("退回日期"))
    recorded_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("资金退回")
        verbose_name_plural = _("资金退回")
        ordering = ["-returned_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="fund_refund_positive")]

    def __str__(self) -> str:
        return f"{self.application_id} −{self.amount}"


class BudgetTransfer(models.Model):
    """Moving part of one purpose's limit to another: requested, then approved by someone else."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="transfers")
    from_purpose = models.ForeignKey(Purpose, verbose_name=_("调出用途"), on_delete=models.PROTECT, related_name="+")
    to_purpose = models.ForeignKey(Purpose, verbose_name=_("调入用途"), on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("金额（分）"))
    reason = models.CharField(_("调剂原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("额度调剂")
        verbose_name_plural = _("额度调剂")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_transfer_positive"),
            models.CheckConstraint(condition=~Q(from_purpose=models.F("to_purpose")), name="fund_transfer_two_purposes"),
        ]

    def __str__(self) -> str:
        return f"{self.from_purpose_id} → {self.to_purpose_id}: {self.amount}"
