"""强学习: knowledge contests (on ``engines/quiz``), essay calls (征文, judged on ``engines/review``),
the study library and study sessions (中心组学习) with attendance per organisation."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engines.quiz import models as quiz

OWNER = "learning"


# ---------------------------------------------------------------- contests, on engines/quiz
# Proxies of the engine's models: this programme's banks, campaigns and attempts only.


class QuestionBank(quiz.QuestionBank):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("竞赛题库")
        verbose_name_plural = _("竞赛题库")

    def save(self, *args, **kwargs):
        self.owner = OWNER
        super().save(*args, **kwargs)


class Question(quiz.Question):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("竞赛题目")
        verbose_name_plural = _("竞赛题目")


class Campaign(quiz.Campaign):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("知识竞赛活动")
        verbose_name_plural = _("知识竞赛活动")

    def save(self, *args, **kwargs):
        self.owner = OWNER
        super().save(*args, **kwargs)


class Attempt(quiz.Attempt):
    objects = quiz.OwnerManager(OWNER)

    class Meta:
        proxy = True
        verbose_name = _("竞赛答卷")
        verbose_name_plural = _("竞赛答卷")


class Contest(models.Model):
    """A knowledge contest on any topic: the quiz campaign plus who may take it.

    ``organisation`` empty means district-wide; otherwise only members of that union's subtree
    take part. Its team ranking groups attempts by the member's union.
    """

    campaign = models.OneToOneField(quiz.Campaign, on_delete=models.PROTECT, related_name="learning_contest")
    topic = models.CharField(_("主题"), max_length=60)
    description = models.TextField(_("竞赛说明"), blank=True, default="")
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("主办工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("知识竞赛")
        verbose_name_plural = _("知识竞赛")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.campaign.name

    @property
    def name(self) -> str:
        return self.campaign.name

    @property
    def is_district_wide(self) -> bool:
        return self.organisation_id is None


# ---------------------------------------------------------------- essay calls (征文)


class EssayCall(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("征集中")
        JUDGING = "judging", _("评审中")
        PUBLISHED = "published", _("已发布")

    title = models.CharField(_("征文标题"), max_length=120)
    description = models.TextField(_("征文说明"), blank=True, default="")
    # One topic a line; an entry names one of them.
    topics = models.JSONField(_("征文主题"), default=list)
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("主办工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opens_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"))
    rubric = models.ForeignKey("review.Rubric", verbose_name=_("评审标准"), on_delete=models.PROTECT, related_name="+")
    judges = models.ManyToManyField("core.User", verbose_name=_("评委"), blank=True, related_name="learning_judged_calls")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("征文活动")
        verbose_name_plural = _("征文活动")
        ordering = ["-deadline"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.deadline


class Award(models.TextChoices):
    NONE = "", _("未获奖")
    FIRST = "first", _("一等奖")
    SECOND = "second", _("二等奖")
    THIRD = "third", _("三等奖")
    MERIT = "merit", _("优秀奖")


class Essay(models.Model):
    """A member's entry. Judges see it by its ``code`` only: never the author nor the union."""

    call = models.ForeignKey(EssayCall, on_delete=models.CASCADE, related_name="essays")
    code = models.CharField(_("作品编号"), max_length=16)
    member = models.ForeignKey("core.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("主题"), max_length=60)
    title = models.CharField(_("题目"), max_length=120)
    # Sanitised HTML (nh3): paragraphs, emphasis, lists, quotes — nothing that runs.
    body = models.TextField(_("正文"))
    evaluation = models.OneToOneField("review.Evaluation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    award = models.CharField(_("奖项"), max_length=8, choices=Award.choices, blank=True, default="")
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("征文作品")
        verbose_name_plural = _("征文作品")
        ordering = ["call", "code"]
        constraints = [
            models.UniqueConstraint(fields=["call", "member"], name="learning_one_essay_per_member"),
            models.UniqueConstraint(fields=["call", "code"], name="learning_essay_code"),
        ]
        indexes = [models.Index(fields=["call", "organisation"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# ---------------------------------------------------------------- the study library and sessions


class Material(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("文档")
        VIDEO = "video", _("视频")
        LINK = "link", _("链接")

    title = models.CharField(_("标题"), max_length=120)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    topic = models.CharField(_("专题"), max_length=60, db_index=True)
    summary = models.CharField(_("简介"), max_length=300, blank=True, default="")
    url = models.URLField(_("链接地址"), blank=True, default="", help_text=_("视频或链接的地址；文档请上传附件。"))
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("发布工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_published = models.BooleanField(_("已发布"), default=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("学习资料")
        verbose_name_plural = _("学习资料")
        ordering = ["topic", "-created_at"]

    def __str__(self) -> str:
        return self.title


class StudySession(models.Model):
    """A study session of a union (中心组学习, special training): who attended is recorded."""

    class Kind(models.TextChoices):
        CENTRE_GROUP = "centre_group", _("中心组学习")
        TRAINING = "training", _("专题培训")
        READING = "reading", _("职工读书会")

    organisation = models.ForeignKey("core.Organisation", verbose_name=_("组织工会"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("形式"), max_length=16, choices=Kind.choices, default=Kind.CENTRE_GROUP)
    title = models.CharField(_("学习主题"), max_length=120)
    topic = models.CharField(_("专题"), max_length=60, blank=True, default="")
    held_at = models.DateTimeField(_("学习时间"))
    place = models.CharField(_("地点"), max_length=120, blank=True, default="")
    materials = models.ManyToManyField(Material, verbose_name=_("学习资料"), blank=True, related_name="sessions")
    notes = models.TextField(_("学习纪要"), blank=True, default="")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("学习活动")
        verbose_name_plural = _("学习活动")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["organisation", "held_at"])]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey("core.Member", on_delete=models.PROTECT, related_name="+")
    # The member's union at the session (figures group by it even after a move).
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="learning_attend_once")]
        indexes = [models.Index(fields=["organisation", "session"])]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.member_id}"
