"""关心关爱: micro-wishes (微心愿), union-subsidised microloans (创业小额贷款) and counselling (心理减压).

Wishes keep their state on the row (a claim is one conditional UPDATE, so two donors can never
hold one wish); a loan's state lives in its workflow case (``engines.workflow``, process
``care.loan``) and its interest subsidy in the money ledger (``engines.ledger``). Counselling data
is sensitive personal information (PIPL Art. 28–29): notes are read by their counsellor alone and
are erased after the period recorded in the impact assessment.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- 微心愿 micro-wishes ---------------------------------------------------------------------


class WishCampaign(models.Model):
    """A round of micro-wishes (e.g. 2026 年"微心愿"圆梦行动): the window, the value limit, the hotline."""

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("活动名称"), max_length=120)
    description = models.TextField(_("活动说明"), blank=True, default="")
    value_limit = models.PositiveIntegerField(_("单个心愿价值上限（分）"), default=50000)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    # Whom a wisher (or a union) calls when a donor goes silent.
    hotline_name = models.CharField(_("联系人"), max_length=40, blank=True, default="")
    hotline_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("微心愿活动")
        verbose_name_plural = _("微心愿活动")
        ordering = ["-year", "-opens_on"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class WishCategory(models.TextChoices):
    STUDY = "study", _("助学用品")
    CLOTHING = "clothing", _("衣物被褥")
    HEALTH = "health", _("健康体检")
    DAILY = "daily", _("生活用品")
    OTHER = "other", _("其他")


class Wish(models.Model):
    """A small wish of a worker in difficulty, posted by them or by their union on their behalf."""

    class Status(models.TextChoices):
        POSTED = "posted", _("待基层核实")
        VERIFIED = "verified", _("已核实待发布")
        PUBLISHED = "published", _("待认领")
        CLAIMED = "claimed", _("已认领")
        DELIVERED = "delivered", _("已送达待确认")
        FULFILLED = "fulfilled", _("已圆梦")
        REJECTED = "rejected", _("未通过核实")
        WITHDRAWN = "withdrawn", _("已撤回")

    campaign = models.ForeignKey(WishCampaign, on_delete=models.PROTECT, related_name="wishes")
    member = models.ForeignKey("core.Member", verbose_name=_("心愿人"), null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("core.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    posted_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    on_behalf = models.BooleanField(_("由工会代为填报"), default=False)
    # What is published: the first name and the story the wisher agreed to, nothing else.
    first_name = models.CharField(_("公开称呼"), max_length=12)
    story = models.TextField(_("公开的心愿故事"), max_length=600)
    item = models.CharField(_("心愿物品"), max_length=60)
    category = models.CharField(_("类别"), max_length=12, choices=WishCategory.choices, default=WishCategory.DAILY)
    value = models.PositiveIntegerField(_("价值（分）"))
    # Private: shown only to the donor of a confirmed claim (each look audited).
    contact_phone = models.CharField(_("联系电话"), max_length=11)
    address = models.CharField(_("收货地址"), max_length=120, blank=True, default="")
    consent_publish = models.BooleanField(_("同意公开称呼与心愿故事"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.POSTED, db_index=True)
    verified_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["campaign", "-status", "published_at", "id"], name="care_wish_open_list"),
        ]
        constraints = [models.CheckConstraint(condition=Q(value__gt=0), name="care_wish_value_positive")]

    def __str__(self) -> str:
        return f"{self.first_name}：{self.item}"


class WishClaim(models.Model):
    """A donor's hold on a wish. At most one live claim per wish (a partial UNIQUE index), and
    the wish row's status moves by a conditional UPDATE, so of two donors at once one wins."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("待捐赠人接受")
        PENDING = "pending", _("待工会确认")
        CONFIRMED = "confirmed", _("已确认，待送达")
        DELIVERED = "delivered", _("已送达")
        FULFILLED = "fulfilled", _("已圆梦")
        DECLINED = "declined", _("已婉拒")
        RELEASED = "released", _("已退回")

    LIVE = ("offered", "pending", "confirmed", "delivered")

    class DonorKind(models.TextChoices):
        ORGANISATION = "organisation", _("单位")
        STAFF = "staff", _("工会干部")
        PUBLIC = "public", _("爱心人士")

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="claims")
    donor = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    donor_kind = models.CharField(_("捐赠人类型"), max_length=12, choices=DonorKind.choices)
    donor_name = models.CharField(_("捐赠人/单位"), max_length=80)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, db_index=True)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The union was told the donor went silent (once).
    silence_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("心愿认领")
        verbose_name_plural = _("心愿认领")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["wish"],
                condition=Q(status__in=["offered", "pending", "confirmed", "delivered"]),
                name="care_one_live_claim_per_wish",
            )
        ]
        indexes = [models.Index(fields=["donor", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.wish_id} ← {self.donor_name}"


# --- 创业小额贷款 microloans ------------------------------------------------------------------


class LoanGroup(models.TextChoices):
    """Eligible groups, after 首都职工创业小额贷款."""

    YOUNG_ENTREPRENEUR = "young_entrepreneur", _("青年创业职工")
    MIGRANT = "migrant", _("农民工")
    DIFFICULT = "difficult", _("困难职工")
    UNEMPLOYED = "unemployed", _("失业再就业人员")
    VETERAN = "veteran", _("退役军人")
    GRADUATE = "graduate", _("高校毕业生")


class LoanApplication(models.Model):
    """A worker's application for a union-guaranteed business loan whose interest the union pays."""

    MAX_AMOUNT = 50_000_000  # 50 万元, in fen
    MAX_TERM_MONTHS = 48

    member = models.ForeignKey("core.Member", verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("core.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("申请人类别"), max_length=20, choices=LoanGroup.choices)
    business_name = models.CharField(_("创业项目/经营主体"), max_length=80)
    business_plan = models.TextField(_("项目简介与用途"), max_length=4000)
    amount = models.PositiveIntegerField(_("申请金额（分）"))
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    bank = models.CharField(_("合作银行"), max_length=60, blank=True, default="")
    # Maker–checker: the first reviewer (maker) and the approver (checker) are two different people.
    maker = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(null=True, blank=True)
    checker = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    # The partner bank's decision, as the bank sent it.
    bank_decision = models.CharField(_("银行审批结果"), max_length=10, blank=True, default="")
    bank_reference = models.CharField(_("银行合同编号"), max_length=60, blank=True, default="")
    approved_amount = models.PositiveIntegerField(_("放款金额（分）"), null=True, blank=True)
    annual_rate_bp = models.PositiveSmallIntegerField(_("年利率（基点）"), null=True, blank=True)
    disbursed_on = models.DateField(_("放款日期"), null=True, blank=True)
    bank_recorded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cases = GenericRelation("workflow.Case", related_query_name="care_loan")

    class Meta:
        verbose_name = _("创业贷款申请")
        verbose_name_plural = _("创业贷款申请")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, amount__lte=50_000_000), name="care_loan_amount_range"),
            models.CheckConstraint(condition=Q(term_months__gte=1, term_months__lte=48), name="care_loan_term_range"),
        ]

    def __str__(self) -> str:
        return self.business_name


class Repayment(models.Model):
    """One instalment of a loan's schedule; its interest is what the union subsidises."""

    class Status(models.TextChoices):
        DUE = "due", _("待还")
        PAID = "paid", _("已还")
        OVERDUE = "overdue", _("逾期")

    loan = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="repayments")
    seq = models.PositiveSmallIntegerField(_("期次"))
    due_on = models.DateField(_("应还日期"))
    principal = models.PositiveIntegerField(_("本金（分）"))
    interest = models.PositiveIntegerField(_("利息（分）"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DUE, db_index=True)
    paid_on = models.DateField(_("还款日期"), null=True, blank=True)
    subsidy_paid = models.PositiveIntegerField(_("已贴息（分）"), default=0)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("还款计划")
        verbose_name_plural = _("还款计划")
        ordering = ["loan", "seq"]
        constraints = [models.UniqueConstraint(fields=["loan", "seq"], name="care_one_instalment_per_seq")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.seq}"


# --- 心理减压 counselling ---------------------------------------------------------------------


class Counsellor(models.Model):
    """A counsellor the district works with (a user; sees their own bookings and notes only)."""

    user = models.OneToOneField("core.User", on_delete=models.CASCADE, related_name="care_counsellor")
    name = models.CharField(_("姓名"), max_length=40)
    qualification = models.CharField(_("资质"), max_length=120, blank=True, default="")
    online = models.BooleanField(_("可线上"), default=True)
    in_person = models.BooleanField(_("可面谈"), default=True)
    location = models.CharField(_("面谈地点"), max_length=120, blank=True, default="")
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("心理咨询师")
        verbose_name_plural = _("心理咨询师")

    def __str__(self) -> str:
        return self.name


class Availability(models.Model):
    """A weekly window the counsellor takes sessions in (sessions start on the hour)."""

    counsellor = models.ForeignKey(Counsellor, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("星期"))  # 0 = Monday
    start_hour = models.PositiveSmallIntegerField(_("开始（时）"))
    end_hour = models.PositiveSmallIntegerField(_("结束（时）"))

    class Meta:
        verbose_name = _("可预约时段")
        verbose_name_plural = _("可预约时段")
        ordering = ["counsellor", "weekday", "start_hour"]

    def __str__(self) -> str:
        return f"{self.counsellor_id} {self.weekday} {self.start_hour}-{self.end_hour}"


class ImpactAssessment(models.Model):
    """The recorded personal-information impact assessment for counselling (PIPL Art. 55–56 for the
    sensitive data of Art. 28–29); bookings open only while one is on record. Its retention period
    decides when a session's personal data is erased."""

    version = models.PositiveSmallIntegerField(_("版本"))
    purpose = models.TextField(_("处理目的与必要性"))
    risks = models.TextField(_("对个人权益的影响及风险"))
    measures = models.TextField(_("保护措施"))
    retention_days = models.PositiveIntegerField(_("保存期限（天）"), default=365)
    consent_text = models.TextField(_("单独同意告知书"))
    assessed_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("个人信息保护影响评估")
        verbose_name_plural = _("个人信息保护影响评估")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["version"], name="care_one_assessment_per_version")]

    def __str__(self) -> str:
        return f"v{self.version}"


class Booking(models.Model):
    class Mode(models.TextChoices):
        ONLINE = "online", _("线上")
        IN_PERSON = "in_person", _("面谈")

    class Status(models.TextChoices):
        BOOKED = "booked", _("已预约")
        ATTENDED = "attended", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        NO_SHOW = "no_show", _("未到")

    # Null once erased: the counts survive, the person does not.
    member = models.ForeignKey("core.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("core.Organisation", null=True, on_delete=models.SET_NULL, related_name="+")
    counsellor = models.ForeignKey(Counsellor, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField(_("开始时间"))
    minutes = models.PositiveSmallIntegerField(default=50)
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.BOOKED, db_index=True)
    series = models.CharField(max_length=32, blank=True, default="", db_index=True)
    # The separate consent to process sensitive personal information (PIPL Art. 29).
    consent_at = models.DateTimeField()
    assessment = models.ForeignKey(ImpactAssessment, on_delete=models.PROTECT, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_member = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    erase_after = models.DateTimeField(db_index=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    crisis = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("咨询预约")
        verbose_name_plural = _("咨询预约")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["counsellor", "starts_at"], condition=Q(status="booked"), name="care_one_booking_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.counsellor_id} @ {self.starts_at:%Y-%m-%d %H:%M}"


class SessionNote(models.Model):
    """The intake note and the counsellor's notes of one booking: read by that counsellor alone."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="note")
    intake = models.TextField(_("预约时的困扰简述"), blank=True, default="")
    notes = models.TextField(_("咨询记录"), blank=True, default="")
    # Counsellors refer rather than diagnose (精神卫生法 第二十三条).
    referral = models.CharField(_("转介建议"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("咨询记录")
        verbose_name_plural = _("咨询记录")

    def __str__(self) -> str:
        return f"note {self.booking_id}"


class CrisisAlert(models.Model):
    """A counsellor's crisis flag: the district's crisis contacts learn who to reach, nothing more."""

    booking = models.ForeignKey(Booking, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_by = models.ForeignKey(Counsellor, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("危机预警")
        verbose_name_plural = _("危机预警")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"crisis {self.pk}"


class HotlineCall(models.Model):
    """One call to the stress-relief hotline: no caller identity is kept."""

    class Topic(models.TextChoices):
        WORK = "work", _("工作压力")
        FAMILY = "family", _("家庭关系")
        EMOTION = "emotion", _("情绪困扰")
        RIGHTS = "rights", _("劳动权益")
        OTHER = "other", _("其他")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    taken_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    minutes = models.PositiveSmallIntegerField(_("通话时长（分钟）"))
    topic = models.CharField(_("主题"), max_length=8, choices=Topic.choices)
    referred = models.BooleanField(_("已转介"), default=False)
    crisis = models.BooleanField(_("危机情况"), default=False)

    class Meta:
        verbose_name = _("热线记录")
        verbose_name_plural = _("热线记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.topic}"


class ReliefEvent(models.Model):
    """A stress-relief event (减压沙龙, 团体辅导) workers enrol in."""

    title = models.CharField(_("活动名称"), max_length=80)
    description = models.TextField(_("活动介绍"), blank=True, default="")
    starts_at = models.DateTimeField(_("开始时间"))
    place = models.CharField(_("地点"), max_length=120)
    capacity = models.PositiveIntegerField(_("名额"))
    enrolled = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("减压活动")
        verbose_name_plural = _("减压活动")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(enrolled__lte=models.F("capacity")), name="care_event_within_capacity")]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    event = models.ForeignKey(ReliefEvent, on_delete=models.CASCADE, related_name="enrolments")
    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [models.UniqueConstraint(fields=["event", "member"], name="care_one_enrolment_per_member")]

    def __str__(self) -> str:
        return f"{self.event_id} ← {self.member_id}"


class DonorConsent(models.Model):
    """A donor's agreement to the public donors' privacy notice, given on their first login at
    the donor page (PIPL Art. 14: informed consent, recorded with its time and the notice's version)."""

    user = models.OneToOneField("core.User", on_delete=models.CASCADE, related_name="care_donor_consent")
    notice_version = models.CharField(max_length=16)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("爱心人士隐私同意")
        verbose_name_plural = _("爱心人士隐私同意")

    def __str__(self) -> str:
        return f"{self.user_id} {self.notice_version} {self.at:%Y-%m-%d %H:%M}"
