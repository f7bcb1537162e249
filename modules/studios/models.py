"""District worker innovation studios (区级职工创新工作室): calls, applications, expert assignments,
objections during the public notice. The application's state lives in its workflow case
(``engines.workflow``, process ``studios.application``); its scores in a rubric evaluation
(``engines.review``)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Field(models.TextChoices):
    TECHNOLOGY = "technology", _("技术攻关")
    PROCESS = "process", _("工艺改进")
    MANAGEMENT = "management", _("管理创新")
    SERVICE = "service", _("服务创新")
    DIGITAL = "digital", _("数字化与信息技术")
    OTHER = "other", _("其他")


class ResultKind(models.TextChoices):
    PATENT = "patent", _("专利")
    PROCESS = "process", _("工艺改进")
    AWARD = "award", _("获奖")
    BENEFIT = "benefit", _("经济效益")
    STANDARD = "standard", _("标准与成果")


class Call(models.Model):
    """A year's call for applications (申报通知): the window, eligibility, the rubric and the quota."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("通知标题"), max_length=120)
    description = models.TextField(_("申报说明"), blank=True, default="")
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    min_team_size = models.PositiveSmallIntegerField(_("团队最少人数"), default=5)
    # Achievements count only when they are this recent (e.g. the last three years).
    recent_years = models.PositiveSmallIntegerField(_("成果年限（年）"), default=3)
    quota = models.PositiveSmallIntegerField(_("命名名额"))
    experts_per_application = models.PositiveSmallIntegerField(_("每项评审专家数"), default=2)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    rubric = models.ForeignKey("review.Rubric", verbose_name=_("评审标准"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("申报通知")
        verbose_name_plural = _("申报通知")
        ordering = ["-year", "-opens_on"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Application(models.Model):
    """One studio applied for by a grassroots union (线上申报)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("申报单位"), on_delete=models.PROTECT, related_name="+")
    # Denormalised so a street's queue is one indexed filter.
    street = models.ForeignKey("core.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("工作室名称"), max_length=80)
    field = models.CharField(_("创新领域"), max_length=16, choices=Field.choices, default=Field.TECHNOLOGY)
    leader_name = models.CharField(_("领办人"), max_length=40, blank=True, default="")
    leader_title = models.CharField(_("领办人职务/职称"), max_length=80, blank=True, default="")
    leader_honours = models.TextField(_("领办人荣誉（劳动模范、工匠等）"), blank=True, default="")
    team = models.JSONField(_("团队成员"), default=list, blank=True)
    results = models.JSONField(_("创新成果"), default=list, blank=True)
    summary = models.TextField(_("工作室简介"), blank=True, default="")
    facilities = models.TextField(_("场地与经费"), blank=True, default="")
    consent_to_notice = models.BooleanField(_("同意公示工作室名称、单位及领办人姓名"), default=False)
    evaluation = models.OneToOneField("review.Evaluation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cases = GenericRelation("workflow.Case", related_query_name="studio_application")

    class Meta:
        verbose_name = _("工作室申报")
        verbose_name_plural = _("工作室申报")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["call", "organisation", "name"], name="studios_one_name_per_union_per_call")]
        indexes = [models.Index(fields=["call", "street"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("studios:application", args=[self.pk])


class ExpertAssignment(models.Model):
    """An expert asked by the district to score one application; they declare no conflict of
    interest before the application opens to them."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("无利益冲突声明时间"), null=True, blank=True)
    assigned_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("专家分配")
        verbose_name_plural = _("专家分配")
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="studios_one_assignment_per_expert")]
        indexes = [models.Index(fields=["expert", "-assigned_at"])]

    def __str__(self) -> str:
        return f"{self.application_id} ← {self.expert_id}"


class ConflictDeclaration(models.Model):
    """An expert's standing declaration: "I must not score this union" (employer, family, adviser)."""

    expert = models.ForeignKey("core.User", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("回避原因"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("回避声明")
        verbose_name_plural = _("回避声明")
        constraints = [models.UniqueConstraint(fields=["expert", "organisation"], name="studios_one_conflict_per_pair")]

    def __str__(self) -> str:
        return f"{self.expert_id} ≠ {self.organisation_id}"


class Objection(models.Model):
    """An objection lodged during the public notice (公示), and how the district resolved it."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField(_("异议内容"))
    lodged_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    lodged_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    resolution = models.TextField(_("处理说明"), blank=True, default="")
    resolved_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["lodged_at"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.get_outcome_display()}"


class Achievement(models.Model):
    """What a named studio achieved after naming (its page grows year by year)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="achievements")
    kind = models.CharField(_("类别"), max_length=16, choices=ResultKind.choices)
    title = models.CharField(_("成果"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年份"))
    added_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("工作室成果")
        verbose_name_plural = _("工作室成果")
        ordering = ["-year", "-added_at"]

    def __str__(self) -> str:
        return self.title


class Inspection(models.Model):
    """An on-site inspection (现场核查) during expert review. The inspector's marks on the call's
    rubric count as one more sheet of the application's evaluation, so what was seen on site
    feeds the score; the photos are the evidence, each carrying the time and place it was taken."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    findings = models.TextField(_("核查情况"), blank=True, default="")
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("现场核查")
        verbose_name_plural = _("现场核查")
        constraints = [models.UniqueConstraint(fields=["application", "inspector"], name="studios_one_inspection_per_inspector")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.inspector_id}"


class InspectionPhoto(models.Model):
    """Where and when a photo of an inspection was taken, read from the photo itself (EXIF)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField("core.Attachment", on_delete=models.CASCADE, related_name="+")
    taken_at = models.DateTimeField(_("拍摄时间"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("核查照片")
        verbose_name_plural = _("核查照片")
        ordering = ["taken_at"]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.taken_at:%Y-%m-%d %H:%M}"


class Subsidy(models.Model):
    """A named studio's subsidy (补助资金, 专款专用). The money itself lives in the ledger:
    the district's budget line → committed at grant → at the studio when paid → spent by the
    studio's recorded expenses → what is left returns to the budget at acceptance (验收)."""

    class State(models.TextChoices):
        GRANTED = "granted", _("已批准，待拨付")
        PAID = "paid", _("已拨付，使用中")
        ACCEPTED = "accepted", _("验收通过")
        FAILED = "failed", _("验收未通过")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="subsidy")
    amount = models.BigIntegerField(_("补助金额（分）"))
    purpose = models.TextField(_("资金用途"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.GRANTED)
    granted_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    payment_reference = models.CharField(_("拨付凭证号"), max_length=60, blank=True, default="")
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    paid_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    acceptance_note = models.TextField(_("验收意见"), blank=True, default="")
    returned = models.BigIntegerField(_("退回金额（分）"), default=0)

    class Meta:
        verbose_name = _("工作室补助")
        verbose_name_plural = _("工作室补助")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="studios_subsidy_positive")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.amount}"


class ExpenseCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("设备购置")
    RESEARCH = "research", _("技术攻关")
    TRAINING = "training", _("培训交流")
    TRANSFER = "transfer", _("成果转化与推广")
    PREMISES = "premises", _("场地建设")


class Expense(models.Model):
    """One use of a subsidy, recorded by the studio's union with its receipt (专款专用)."""

    subsidy = models.ForeignKey(Subsidy, on_delete=models.PROTECT, related_name="expenses")
    category = models.CharField(_("支出类别"), max_length=12, choices=ExpenseCategory.choices)
    amount = models.BigIntegerField(_("金额（分）"))
    spent_on = models.DateField(_("支出日期"))
    description = models.CharField(_("支出说明"), max_length=200)
    recorded_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("补助支出")
        verbose_name_plural = _("补助支出")
        ordering = ["spent_on", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="studios_expense_positive")]

    def __str__(self) -> str:
        return f"{self.subsidy_id}: {self.amount}"


class AnnualCheck(models.Model):
    """The yearly re-check (年度复核) of a named studio: its report for the year, the district's
    verdict, and — when it fails — the demotion (the naming is revoked through the workflow)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待复核")
        PASSED = "passed", _("复核合格")
        RECTIFY = "rectify", _("限期整改")
        DEMOTED = "demoted", _("复核不合格，撤销命名")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="annual_checks")
    year = models.PositiveSmallIntegerField(_("年度"))
    report = models.TextField(_("年度工作报告"))
    submitted_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("复核结论"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.TextField(_("复核意见"), blank=True, default="")
    decided_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("年度复核")
        verbose_name_plural = _("年度复核")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["application", "year"], name="studios_one_check_per_year")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.year} {self.outcome}"
