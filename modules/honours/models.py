"""树榜样 · 抓创新: honour nominations with quotas, the craftsman alliance, training courses and
skills competitions.

A nomination's state lives in its workflow case (``engines.workflow``, process
``honours.nomination``); a competition entrant's marks in a rubric evaluation (``engines.review``).
Nothing here is ever deleted by a user: a nomination is invalidated (a terminal state with a
reason), an enrolment declined or cancelled, a certificate revoked."""

from __future__ import annotations

import secrets

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(18)


# --- nominations (评优推荐) --------------------------------------------------------------------


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("全国")
    BEIJING = "beijing", _("北京市")
    DISTRICT = "district", _("区级")


class PersonCategory(models.TextChoices):
    FRONTLINE = "frontline", _("一线职工")
    TECHNICAL = "technical", _("专业技术人员")
    MANAGER = "manager", _("企业负责人/管理人员")
    OTHER = "other", _("其他人员")


class OfficialRank(models.TextChoices):
    NONE = "none", _("无行政级别")
    SECTION = "section", _("科级及以下")
    DIVISION = "division", _("处级")
    BUREAU = "bureau", _("局级及以上")


RANK_ORDER = [OfficialRank.NONE, OfficialRank.SECTION, OfficialRank.DIVISION, OfficialRank.BUREAU]


class Honour(models.Model):
    """An honour of one year (e.g. 2026 北京市劳动模范) with its places and its composition rules,
    which differ per honour and per year."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("个人")
        COLLECTIVE = "collective", _("集体")

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("荣誉名称"), max_length=80)
    level = models.CharField(_("荣誉级别"), max_length=10, choices=HonourLevel.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    places = models.PositiveSmallIntegerField(_("推荐名额"))
    min_frontline_pct = models.PositiveSmallIntegerField(_("一线职工不低于（%）"), default=45)
    min_technical_pct = models.PositiveSmallIntegerField(_("专业技术人员不低于（%）"), default=25)
    max_manager_pct = models.PositiveSmallIntegerField(_("管理人员不高于（%）"), default=8)
    epidemic_reserved_pct = models.PositiveSmallIntegerField(_("抗疫一线预留（%）"), default=0)
    # Officials of this rank or above are not eligible (处级及以上领导干部不参评).
    excluded_rank = models.CharField(
        _("不参评的行政级别（含以上）"), max_length=10, choices=OfficialRank.choices, default=OfficialRank.DIVISION
    )
    opens_on = models.DateField(_("推荐开始"))
    closes_on = models.DateField(_("推荐截止"))
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        ordering = ["-year", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="honours_one_honour_name_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Quota(models.Model):
    """The places one street or industry union may recommend for an honour."""

    honour = models.ForeignKey(Honour, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey("core.Organisation", verbose_name=_("街道/行业工会"), on_delete=models.PROTECT, related_name="+")
    places = models.PositiveSmallIntegerField(_("名额"))

    class Meta:
        verbose_name = _("名额分配")
        verbose_name_plural = _("名额分配")
        constraints = [models.UniqueConstraint(fields=["honour", "unit"], name="honours_one_quota_per_unit")]

    def __str__(self) -> str:
        return f"{self.honour_id}/{self.unit_id}: {self.places}"


class Nomination(models.Model):
    """One person (or collective) put forward by a union: the form with deeds, the nominee's
    category for the quota ratios, and the unit (street/industry) whose places it uses."""

    honour = models.ForeignKey(Honour, on_delete=models.PROTECT, related_name="nominations")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("core.Organisation", verbose_name=_("街道/行业工会"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("core.Member", verbose_name=_("被推荐人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    nominee_name = models.CharField(_("被推荐人/集体名称"), max_length=80)
    job_title = models.CharField(_("职务/岗位"), max_length=80, blank=True, default="")
    category = models.CharField(_("人员类别"), max_length=10, choices=PersonCategory.choices, default=PersonCategory.FRONTLINE)
    official_rank = models.CharField(_("行政级别"), max_length=10, choices=OfficialRank.choices, default=OfficialRank.NONE)
    epidemic_frontline = models.BooleanField(_("抗疫一线人员"), default=False)
    deeds = models.TextField(_("主要事迹"), blank=True, default="")
    consent_to_notice = models.BooleanField(_("本人同意公示姓名、单位和事迹"), default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    invalid_reason = models.CharField(_("作废原因"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cases = GenericRelation("workflow.Case", related_query_name="honour_nomination")

    class Meta:
        verbose_name = _("评优推荐")
        verbose_name_plural = _("评优推荐")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["honour", "unit"])]

    def __str__(self) -> str:
        return self.nominee_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("honours:nomination", args=[self.pk])


class Objection(models.Model):
    """An objection lodged during the public notice (社会公示) and its resolution."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="objections")
    text = models.TextField(_("异议内容"))
    lodged_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
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
        return f"{self._meta.model_name} {self.pk}"


class PastHonour(models.Model):
    """An honour a person received before the platform (or from elsewhere), for their history."""

    member = models.ForeignKey("core.Member", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("荣誉名称"), max_length=80)
    level = models.CharField(_("荣誉级别"), max_length=10, choices=HonourLevel.choices)
    recorded_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.name


# --- craftsman alliance (工匠联盟) --------------------------------------------------------------


class Craftsman(models.Model):
    member = models.OneToOneField("core.Member", on_delete=models.PROTECT, related_name="craftsman")
    skill = models.CharField(_("技艺/工种"), max_length=60)
    level = models.CharField(_("技能等级"), max_length=40, blank=True, default="")
    honours = models.CharField(_("所获荣誉"), max_length=200, blank=True, default="")
    bio = models.TextField(_("个人简介"), blank=True, default="")
    public_name_consent = models.BooleanField(_("同意在工匠联盟展示姓名"), default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("工匠")
        verbose_name_plural = _("工匠")
        ordering = ["-joined_at"]

    def __str__(self) -> str:
        return self.skill


class Work(models.Model):
    craftsman = models.ForeignKey(Craftsman, on_delete=models.PROTECT, related_name="works")
    title = models.CharField(_("作品名称"), max_length=80)
    description = models.TextField(_("作品介绍"), blank=True, default="")
    picture = models.ImageField(_("作品图片"), upload_to="honours/works/%Y/%m/", blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("作品")
        verbose_name_plural = _("作品")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title


class ExchangePost(models.Model):
    craftsman = models.ForeignKey(Craftsman, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("内容"))
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-posted_at"]

    def __str__(self) -> str:
        return self.title


class Certification(models.Model):
    """A craftsman's application for a skill certification and its result."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待评定")
        PASSED = "passed", _("通过")
        FAILED = "failed", _("未通过")

    craftsman = models.ForeignKey(Craftsman, on_delete=models.PROTECT, related_name="certifications")
    skill = models.CharField(_("认定技艺"), max_length=60)
    level = models.CharField(_("申请等级"), max_length=40)
    statement = models.TextField(_("申请说明"), blank=True, default="")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    result_note = models.CharField(_("评定意见"), max_length=200, blank=True, default="")
    decided_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-applied_at"]

    def __str__(self) -> str:
        return self.skill


class Need(models.Model):
    """An organisation's need (修复、培训、产品定制) that craftsmen answer."""

    class Kind(models.TextChoices):
        RESTORATION = "restoration", _("修复维修")
        TRAINING = "training", _("技能培训")
        PRODUCT = "product", _("产品定制")
        OTHER = "other", _("其他")

    organisation = models.ForeignKey("core.Organisation", verbose_name=_("需求单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("需求类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("需求"), max_length=80)
    description = models.TextField(_("需求说明"), blank=True, default="")
    posted_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    posted_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-posted_at"]

    def __str__(self) -> str:
        return self.title


class NeedResponse(models.Model):
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="responses")
    craftsman = models.ForeignKey(Craftsman, on_delete=models.PROTECT, related_name="responses")
    message = models.TextField(_("响应说明"))
    responded_at = models.DateTimeField(default=timezone.now)
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["responded_at"]
        constraints = [models.UniqueConstraint(fields=["need", "craftsman"], name="honours_one_response_per_craftsman")]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


# --- training (培训) ------------------------------------------------------------------------------


class Course(models.Model):
    title = models.CharField(_("课程名称"), max_length=80)
    description = models.TextField(_("课程介绍"), blank=True, default="")
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+")
    certificate_months = models.PositiveSmallIntegerField(_("证书有效期（月，0 为长期）"), default=36)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """An on-site session (线下班): place, dates and the places available."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    place = models.CharField(_("地点"), max_length=120)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    capacity = models.PositiveSmallIntegerField(_("名额"))

    class Meta:
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"{self.course} · {self.place}"


class Enrolment(models.Model):
    """One person's place on a session, or their turn on its waiting list. One booking (``entry``)
    may carry several people; each has their own place, QR and decline link."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已录取")
        WAITING = "waiting", _("候补")
        DECLINED = "declined", _("已放弃")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrolments")
    entry = models.CharField(max_length=32, db_index=True)
    booked_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey("core.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("手机号"), max_length=11, blank=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    enrolled_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "status", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "phone"],
                condition=~models.Q(phone="") & ~models.Q(status="declined"),
                name="honours_one_live_place_per_phone",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Lesson(models.Model):
    """An online lesson, live or recorded; enrolment and viewing are counted."""

    class Kind(models.TextChoices):
        LIVE = "live", _("直播")
        RECORDED = "recorded", _("录播")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="lessons")
    title = models.CharField(_("课时"), max_length=80)
    kind = models.CharField(_("形式"), max_length=10, choices=Kind.choices, default=Kind.RECORDED)
    video_url = models.URLField(_("视频地址"), blank=True, default="")
    starts_at = models.DateTimeField(_("直播时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class OnlineEnrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="online_enrolments")
    member = models.ForeignKey("core.Member", on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "member"], name="honours_one_online_enrolment")]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class LessonView(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="views")
    member = models.ForeignKey("core.Member", on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lesson", "member"], name="honours_one_view_row")]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Certificate(models.Model):
    """A training certificate: printed as a PDF whose QR leads to a page saying whether it is valid."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    enrolment = models.OneToOneField(Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="certificate")
    member = models.ForeignKey("core.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(_("持证人"), max_length=40)
    number = models.CharField(_("证书编号"), max_length=32, unique=True)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True, default="")
    issued_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number

    def status(self, today=None) -> str:
        today = today or timezone.localdate()
        if self.revoked_at:
            return "revoked"
        if self.expires_on and self.expires_on < today:
            return "expired"
        return "valid"


# --- skills competitions (岗位练兵 · 技能比武) ------------------------------------------------------


class Competition(models.Model):
    title = models.CharField(_("竞赛名称"), max_length=80)
    year = models.PositiveSmallIntegerField(_("年度"))
    theory_weight = models.PositiveSmallIntegerField(_("理论成绩权重（%）"), default=30)
    # The rules of many contests cap theory at 30 % (实操为主).
    theory_cap = models.PositiveSmallIntegerField(_("理论权重上限（%）"), null=True, blank=True, default=30)
    rubric = models.ForeignKey("review.Rubric", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-created_at"]

    def __str__(self) -> str:
        return self.title


class Entrant(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="entrants")
    member = models.ForeignKey("core.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    evaluation = models.OneToOneField("review.Evaluation", on_delete=models.PROTECT, related_name="+")
    # Set only by an upheld appeal: the judges' sheets stay as they were scored (never edited), the
    # ranking counts this total instead; the appeal that set it says what it was and why.
    corrected_total = models.DecimalField(_("申诉更正后总分"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["competition", "member"], name="honours_one_entry_per_competition")]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"

    @property
    def score(self):
        """The total the ranking counts: the appeal's correction if any, else the judges' total."""
        return self.corrected_total if self.corrected_total is not None else self.evaluation.total


class Judge(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.PROTECT, related_name="judges")
    user = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["competition", "user"], name="honours_one_judge_row")]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Recusal(models.Model):
    judge = models.ForeignKey(Judge, on_delete=models.PROTECT, related_name="recusals")
    entrant = models.ForeignKey(Entrant, on_delete=models.PROTECT, related_name="recusals")
    reason = models.CharField(_("回避原因"), max_length=120)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["judge", "entrant"], name="honours_one_recusal")]

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"


class Appeal(models.Model):
    class Outcome(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("申诉成立")
        DISMISSED = "dismissed", _("申诉不成立")

    entrant = models.ForeignKey(Entrant, on_delete=models.PROTECT, related_name="appeals")
    text = models.TextField(_("申诉内容"))
    lodged_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    resolution = models.CharField(_("处理说明"), max_length=200, blank=True, default="")
    resolved_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # An upheld appeal that corrects the score records the change: the total and place before and
    # after, so the entrant (and anyone auditing) reads what moved without replaying the ranking.
    corrected_total = models.DecimalField(_("更正后总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    previous_total = models.DecimalField(_("更正前总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    previous_place = models.PositiveIntegerField(_("更正前名次"), null=True, blank=True)
    new_place = models.PositiveIntegerField(_("更正后名次"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.model_name} {self.pk}"
