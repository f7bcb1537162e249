"""劳动关系: the union's mediation desk at the arbitration court, monitoring points in enterprises,
collective bargaining and its quality evaluation, model units, legal education and the handbook.

A mediation case's state lives in its workflow case (``engines.workflow``, process
``labour.mediation``); a bargaining evaluation's scores in a rubric evaluation (``engines.review``).
Money is in integer fen.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeskRules(models.Model):
    """The district's configurable time limits (local rules differ); one row, ``DeskRules.current()``."""

    mediation_days = models.PositiveSmallIntegerField(_("调解期限（日，自收到申请之日起）"), default=15)
    acceptance_working_days = models.PositiveSmallIntegerField(_("受理期限（工作日）"), default=3)
    extension_days = models.PositiveSmallIntegerField(_("双方同意可延长（日）"), default=15)
    arbitration_limit_days = models.PositiveSmallIntegerField(_("仲裁时效（日）"), default=365)
    remind_days_before = models.PositiveSmallIntegerField(_("提前提醒（日）"), default=3)
    report_due_day = models.PositiveSmallIntegerField(_("月报截止日（次月几日）"), default=10)
    bargaining_answer_days = models.PositiveSmallIntegerField(_("协商要约书面答复期限（日）"), default=20)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("劳动关系时限设置")
        verbose_name_plural = _("劳动关系时限设置")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    @classmethod
    def current(cls) -> DeskRules:
        return cls.objects.order_by("pk").first() or cls.objects.create()


class Mediator(models.Model):
    """A mediator of the desk (工会调解员); only mediators and district staff see case details."""

    user = models.OneToOneField("core.User", on_delete=models.PROTECT, related_name="labour_mediator")
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=60, blank=True, default="")
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DisputeType(models.TextChoices):
    WAGES = "wages", _("拖欠工资")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    DISMISSAL = "dismissal", _("解除劳动合同")
    OVERTIME = "overtime", _("加班费")
    INJURY = "injury", _("工伤待遇")
    CONTRACT = "contract", _("劳动合同订立与履行")
    COMPENSATION = "compensation", _("经济补偿")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("来访（调解咨询台）")
    COURT = "court", _("仲裁院委托/引导")
    ONLINE = "online", _("职工网上申请")


class Outcome(models.TextChoices):
    NONE = "", _("未结")
    SUCCESS = "success", _("调解成功")
    FAILED = "failed", _("调解不成，引导仲裁")
    WITHDRAWN = "withdrawn", _("撤回")
    REJECTED = "rejected", _("不予受理")


class MediationCase(models.Model):
    number = models.CharField(_("案号"), max_length=24, unique=True)
    channel = models.CharField(_("来源"), max_length=12, choices=Channel.choices, default=Channel.WALK_IN)
    # 劳动争议调解仲裁法第十二条: an oral application is recorded on the spot by the desk.
    oral = models.BooleanField(_("口头申请（当场记录）"), default=False)
    application_text = models.TextField(_("申请事项与理由"))
    received_at = models.DateTimeField(_("收到申请时间"), default=timezone.now, db_index=True)
    dispute_arose_on = models.DateField(_("知道或应当知道权利被侵害之日"), null=True, blank=True)
    dispute_type = models.CharField(_("争议类型"), max_length=20, choices=DisputeType.choices, db_index=True)
    amount_claimed_fen = models.BigIntegerField(_("请求金额（分）"), default=0)
    amount_agreed_fen = models.BigIntegerField(_("协议金额（分）"), null=True, blank=True)
    workers_count = models.PositiveIntegerField(_("涉及职工人数"), default=1)
    representatives = models.TextField(_("职工代表（10人以上推举）"), blank=True, default="")
    worker_user = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="labour_cases", verbose_name=_("申请人账号")
    )
    worker_name = models.CharField(_("申请人（职工）"), max_length=40)
    worker_phone = models.CharField(_("申请人电话"), max_length=20, blank=True, default="")
    employer_name = models.CharField(_("被申请人（用人单位）"), max_length=120)
    employer_contact = models.CharField(_("单位联系人"), max_length=40, blank=True, default="")
    employer_phone = models.CharField(_("单位电话"), max_length=20, blank=True, default="")
    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("单位工会")
    )
    street = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    mediator = models.ForeignKey(Mediator, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("调解员"))
    panel = models.ManyToManyField(Mediator, blank=True, related_name="panel_cases", verbose_name=_("调解组成员"))
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, default="", blank=True, db_index=True)
    outcome_note = models.TextField(_("结果说明"), blank=True, default="")
    agreement_text = models.TextField(_("协议内容"), blank=True, default="")
    performance_due_on = models.DateField(_("履行期限"), null=True, blank=True)
    # 第十四条: the agreement takes effect once both parties and the mediator have signed.
    signed_worker_at = models.DateTimeField(null=True, blank=True)
    signed_employer_at = models.DateTimeField(null=True, blank=True)
    signed_mediator_at = models.DateTimeField(null=True, blank=True)
    performed_at = models.DateTimeField(_("履行完毕时间"), null=True, blank=True)
    # Days the parties agreed to extend the mediation period by (the sum of ``extensions``).
    extended_days = models.PositiveSmallIntegerField(_("已延长调解期限（日）"), default=0)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    source_report = models.ForeignKey("MonitoringReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cases = GenericRelation("workflow.Case", related_query_name="labour_mediation")

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "closed_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_worker_at and self.signed_employer_at and self.signed_mediator_at)


class Session(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    room = models.CharField(_("调解室"), max_length=40, default="调解室")
    attendees = models.CharField(_("参加人员"), max_length=300)
    notes = models.TextField(_("调解记录"), blank=True, default="")
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        ordering = ["held_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Extension(models.Model):
    """The parties agreed to extend the mediation period (local rules allow it, up to
    ``DeskRules.extension_days`` in all): by how many days, why and who agreed."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延长天数"))
    reason = models.TextField(_("延长理由"))
    agreed_by = models.CharField(_("同意延长的当事人"), max_length=200)
    due_before = models.DateTimeField(_("原调解期限"))
    due_after = models.DateTimeField(_("延长后调解期限"))
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("调解期限延长")
        verbose_name_plural = _("调解期限延长")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Handover(models.Model):
    """When a case changes mediator: who to whom and what the next one must know."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="handovers")
    from_mediator = models.ForeignKey(Mediator, null=True, on_delete=models.PROTECT, related_name="+")
    to_mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("交接说明"))
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("交接记录")
        verbose_name_plural = _("交接记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Consultation(models.Model):
    """A visit or call at the desk that asked for advice (logged apart from cases)."""

    at = models.DateTimeField(_("咨询时间"), default=timezone.now, db_index=True)
    topic = models.CharField(_("咨询类型"), max_length=20, choices=DisputeType.choices)
    question = models.TextField(_("咨询问题"))
    advice = models.TextField(_("解答与建议"), blank=True, default="")
    visitor = models.CharField(_("来访人（可匿名）"), max_length=40, blank=True, default="")
    mediator = models.ForeignKey(Mediator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey(MediationCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("咨询登记")
        verbose_name_plural = _("咨询登记")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


# --- monitoring points -------------------------------------------------------------------


class Risk(models.TextChoices):
    GREEN = "green", _("绿色（平稳）")
    YELLOW = "yellow", _("黄色（关注）")
    RED = "red", _("红色（预警）")


class MonitoringPoint(models.Model):
    organisation = models.OneToOneField("core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("监测企业"))
    street = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    industry = models.CharField(_("行业"), max_length=40, default="其他")
    designated_on = models.DateField(_("设立日期"), default=timezone.localdate)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("劳动关系监测点")
        verbose_name_plural = _("劳动关系监测点")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.organisation.name


class MonitoringReport(models.Model):
    point = models.ForeignKey(MonitoringPoint, on_delete=models.PROTECT, related_name="reports")
    period = models.DateField(_("月份"))  # the first day of the month reported
    headcount = models.PositiveIntegerField(_("月末职工人数"))
    headcount_change = models.IntegerField(_("较上月增减"), default=0)
    wage_arrears_fen = models.BigIntegerField(_("拖欠工资（分）"), default=0)
    wage_arrears_workers = models.PositiveIntegerField(_("被拖欠工资人数"), default=0)
    social_insurance_arrears_fen = models.BigIntegerField(_("欠缴社保（分）"), default=0)
    overtime_hours = models.DecimalField(_("人均月加班（小时）"), max_digits=5, decimal_places=1, default=0)
    disputes = models.PositiveIntegerField(_("本月劳动争议（件）"), default=0)
    layoffs_planned = models.PositiveIntegerField(_("拟裁员人数"), default=0)
    business_difficulty = models.PositiveSmallIntegerField(_("经营困难程度（0无 1轻 2中 3重）"), default=0)
    note = models.TextField(_("情况说明"), blank=True, default="")
    risk = models.CharField(_("风险等级"), max_length=8, choices=Risk.choices, default=Risk.GREEN, db_index=True)
    reasons = models.JSONField(_("预警原因"), default=list, blank=True)
    on_time = models.BooleanField(_("按时报送"), default=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("监测月报")
        verbose_name_plural = _("监测月报")
        ordering = ["-period", "pk"]
        constraints = [models.UniqueConstraint(fields=["point", "period"], name="labour_report_one_per_month")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class RiskRule(models.Model):
    """A rule turning a report's figure into a warning: ``indicator`` ``>=`` ``threshold`` → level."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    label = models.CharField(_("说明"), max_length=80)
    indicator = models.CharField(_("指标"), max_length=40)
    threshold = models.DecimalField(_("阈值"), max_digits=14, decimal_places=2)
    level = models.CharField(_("等级"), max_length=8, choices=Risk.choices)
    opens_case = models.BooleanField(_("自动开立调解案件"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class FollowUpTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待走访")
        DONE = "done", _("已处置")

    report = models.OneToOneField(MonitoringReport, on_delete=models.CASCADE, related_name="task")
    street = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("任务"), max_length=200)
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    result = models.TextField(_("处置情况"), blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("预警走访任务")
        verbose_name_plural = _("预警走访任务")
        ordering = ["status", "due_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class ReportChase(models.Model):
    """A late report chased once per point and month (the job never nags twice)."""

    point = models.ForeignKey(MonitoringPoint, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    chased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "period"], name="labour_chase_once")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


# --- collective bargaining ----------------------------------------------------------------


class CollectiveContract(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业集体合同")
        REGIONAL = "regional", _("区域性集体合同")
        INDUSTRY = "industry", _("行业性集体合同")
        WAGE = "wage", _("工资专项集体合同")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("签约工会"))
    street = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ENTERPRISE)
    title = models.CharField(_("合同名称"), max_length=120)
    signed_on = models.DateField(_("签订日期"))
    starts_on = models.DateField(_("生效日期"))
    ends_on = models.DateField(_("到期日期"))
    covered_workers = models.PositiveIntegerField(_("覆盖职工人数"))
    wage_clauses = models.TextField(_("工资条款"), blank=True, default="")
    wage_increase_permille = models.PositiveIntegerField(_("工资增幅（‰）"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("集体合同")
        verbose_name_plural = _("集体合同")
        ordering = ["-signed_on", "pk"]

    def __str__(self) -> str:
        return self.title


class BargainingEvaluation(models.Model):
    """The yearly quality evaluation of one contract, scored on the review engine's five dimensions."""

    contract = models.ForeignKey(CollectiveContract, on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("年度"))
    evaluation = models.OneToOneField("review.Evaluation", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "year"], name="labour_one_evaluation_a_year")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class NegotiationRequest(models.Model):
    """A written request to negotiate; the other side must answer in writing within 20 days (集体合同规定第三十二条)."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    from_side = models.CharField(_("提出方"), max_length=10, choices=[("union", _("工会/职工方")), ("employer", _("企业方"))])
    subject = models.CharField(_("协商事项"), max_length=200)
    received_on = models.DateField(_("收到要约日期"))
    answer_due_on = models.DateField(_("答复期限"))
    answered_on = models.DateField(_("书面答复日期"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True, default="")

    class Meta:
        verbose_name = _("协商要约")
        verbose_name_plural = _("协商要约")
        ordering = ["answered_on", "answer_due_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class TrainingMeeting(models.Model):
    title = models.CharField(_("培训会"), max_length=120)
    batch = models.PositiveSmallIntegerField(_("批次"), default=1)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True, default="")
    invited = models.PositiveIntegerField(_("应到人数"), default=0)

    class Meta:
        verbose_name = _("集体协商培训会")
        verbose_name_plural = _("集体协商培训会")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class TrainingAttendance(models.Model):
    meeting = models.ForeignKey(TrainingMeeting, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    attendees = models.PositiveIntegerField(_("参会人数"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "organisation"], name="labour_attendance_once")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class ModelUnit(models.Model):
    """A “企业关爱职工·职工热爱企业” model unit selected in a year, with its evaluation."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    citation = models.TextField(_("主要事迹"), blank=True, default="")
    score = models.DecimalField(_("评价得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    selected = models.BooleanField(_("已选树"), default=False)
    selected_at = models.DateTimeField(_("选树时间"), null=True, blank=True)
    selected_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A unit that no longer deserves the title (a serious dispute, arrears found) is revoked with a reason.
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤销理由"), blank=True, default="")
    revoked_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("企业关爱职工·职工热爱企业示范单位")
        verbose_name_plural = _("企业关爱职工·职工热爱企业示范单位")
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="labour_model_unit_once_a_year")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


# --- legal education ----------------------------------------------------------------------


class LegalEvent(models.Model):
    title = models.CharField(_("活动名称"), max_length=120)
    held_on = models.DateField(_("日期"), db_index=True)
    place = models.CharField(_("地点"), max_length=120)
    audience = models.CharField(_("对象"), max_length=120, blank=True, default="")
    attendance = models.PositiveIntegerField(_("参加人数"), default=0)
    summary = models.TextField(_("活动内容"), blank=True, default="")
    organiser = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("普法活动")
        verbose_name_plural = _("普法活动")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class Law(models.Model):
    class Kind(models.TextChoices):
        LAW = "law", _("法律")
        REGULATION = "regulation", _("行政法规")
        LOCAL = "local", _("地方性法规")
        POLICY = "policy", _("政策文件")

    title = models.CharField(_("名称"), max_length=120, unique=True)
    short = models.CharField(_("简称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.LAW)
    history = models.TextField(_("制定与修正"), blank=True, default="")
    source = models.CharField(_("文本来源"), max_length=200, blank=True, default="")
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("法律法规")
        verbose_name_plural = _("法律法规")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class LawArticle(models.Model):
    """One article. ``search_text`` holds its jieba tokens, space-separated with a space at both
    ends; on PostgreSQL a generated ``tsvector('simple')`` column over it has a GIN index
    (migration 0002), on SQLite the search matches whole tokens with LIKE."""

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="articles")
    number = models.PositiveSmallIntegerField(_("条号"))
    label = models.CharField(_("条"), max_length=16)
    chapter = models.CharField(_("章"), max_length=80, blank=True, default="")
    text = models.TextField(_("条文"))
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("法条")
        verbose_name_plural = _("法条")
        ordering = ["law__order", "law_id", "number"]
        constraints = [models.UniqueConstraint(fields=["law", "number"], name="labour_article_once")]

    def __str__(self) -> str:
        return f"{self.law.short}{self.label}"


class Question(models.Model):
    """A worker's legal question and the union's answer (public once answered, asker masked)."""

    asked_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    question = models.TextField(_("问题"))
    answer = models.TextField(_("解答"), blank=True, default="")
    answered_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    public = models.BooleanField(_("公开到问答"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("法律问答")
        verbose_name_plural = _("法律问答")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
