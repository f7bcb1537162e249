"""Question banks, campaigns, attempts and answers, owned by any programme through ``owner``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OwnerManager(models.Manager):
    """The default manager of a programme's proxy models: only that programme's rows, so its
    admin, selectors and exports never see another programme's quizzes. Each model names the
    lookup that reaches the owner in ``owner_lookup``."""

    def __init__(self, owner: str):
        super().__init__()
        self.owner = owner

    def get_queryset(self):
        return super().get_queryset().filter(**{self.model.owner_lookup: self.owner})


class QuestionBank(models.Model):
    owner = models.CharField(_("所属项目"), max_length=40, db_index=True, editable=False)
    name = models.CharField(_("题库名称"), max_length=80)
    description = models.CharField(_("说明"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    owner_lookup = "owner"

    class Meta:
        verbose_name = _("题库")
        verbose_name_plural = _("题库")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="quiz_bank_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class Difficulty(models.IntegerChoices):
    EASY = 1, _("容易")
    MEDIUM = 2, _("中等")
    HARD = 3, _("困难")


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        TRUE_FALSE = "true_false", _("判断题")

    bank = models.ForeignKey(QuestionBank, verbose_name=_("题库"), on_delete=models.CASCADE, related_name="questions")
    # A stable key from the programme's data file so loading a bank twice changes nothing.
    key = models.CharField(_("编号"), max_length=40, null=True, blank=True)
    kind = models.CharField(_("题型"), max_length=12, choices=Kind.choices)
    text = models.CharField(_("题目"), max_length=300)
    # For true/false questions the options are ["正确", "错误"].
    options = models.JSONField(_("选项"), default=list, help_text=_('JSON 列表，如 ["厨余垃圾", "其他垃圾"]。'))
    # Indexes (0-based) of the correct options; never sent to the page before the answer.
    correct = models.JSONField(_("正确选项序号"), default=list, help_text=_("JSON 列表，从 0 开始，如 [1] 或 [0, 2]。"))
    explanation = models.CharField(_("解析"), max_length=400, blank=True, default="")
    # What a contest draws by (so many easy questions on a topic, so many hard ones …).
    topic = models.CharField(_("专题"), max_length=40, blank=True, default="", db_index=True)
    difficulty = models.PositiveSmallIntegerField(_("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM)
    # A contest's score counts marks, not answers: a hard question may be worth more.
    marks = models.PositiveSmallIntegerField(_("分值"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)

    owner_lookup = "bank__owner"

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["bank", "id"]
        constraints = [models.UniqueConstraint(fields=["bank", "key"], name="quiz_question_key_per_bank")]

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self):
        validate_question(kind=self.kind, options=self.options, correct=self.correct)


def validate_question(*, kind: str, options, correct) -> None:
    if not isinstance(options, list) or not all(isinstance(o, str) and o.strip() for o in options):
        raise ValidationError({"options": _("选项必须是非空文字的列表")})
    if kind == Question.Kind.TRUE_FALSE and len(options) != 2:
        raise ValidationError({"options": _("判断题必须有两个选项（正确、错误）")})
    if kind != Question.Kind.TRUE_FALSE and not 2 <= len(options) <= 6:
        raise ValidationError({"options": _("选择题需要 2 到 6 个选项")})
    if not isinstance(correct, list) or not correct or not all(isinstance(i, int) and 0 <= i < len(options) for i in correct):
        raise ValidationError({"correct": _("正确选项序号必须指向已有选项")})
    if len(set(correct)) != len(correct):
        raise ValidationError({"correct": _("正确选项序号不能重复")})
    if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and len(correct) != 1:
        raise ValidationError({"correct": _("单选题和判断题只能有一个正确选项")})
    if kind == Question.Kind.MULTIPLE and len(correct) < 2:
        raise ValidationError({"correct": _("多选题至少有两个正确选项")})


class Campaign(models.Model):
    """A daily quiz (N random questions a day) or a timed contest (a start, an end, a time limit)."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("每日答题")
        CONTEST = "contest", _("限时竞赛")

    owner = models.CharField(_("所属项目"), max_length=40, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    bank = models.ForeignKey(QuestionBank, verbose_name=_("题库"), on_delete=models.PROTECT, related_name="campaigns")
    questions_per_attempt = models.PositiveSmallIntegerField(_("每次题数"), default=5)
    points_per_correct = models.PositiveSmallIntegerField(_("每题积分"), default=2)
    starts_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True, help_text=_("竞赛必填；每日答题可留空表示长期有效。"))
    time_limit_seconds = models.PositiveIntegerField(
        _("答题限时（秒）"), null=True, blank=True, help_text=_("从开始答题起计时，由服务器记录。")
    )
    # Draw rules: [{"topic": "", "difficulty": 2, "count": 5}, …]; empty means a plain random
    # draw of ``questions_per_attempt`` from the whole bank. A blank topic or difficulty matches any.
    draw_rules = models.JSONField(_("抽题规则"), default=list, blank=True)
    # The score (sum of the marks of right, in-time answers) at or above which an attempt passes.
    pass_mark = models.PositiveIntegerField(_("及格分"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    owner_lookup = "owner"

    class Meta:
        verbose_name = _("答题活动")
        verbose_name_plural = _("答题活动")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.kind == self.Kind.CONTEST and not self.ends_at:
            raise ValidationError({"ends_at": _("竞赛必须设置结束时间")})
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("结束时间必须晚于开始时间")})
        if not 1 <= (self.questions_per_attempt or 0) <= 50:
            raise ValidationError({"questions_per_attempt": _("每次题数应在 1 到 50 之间")})
        if self.bank_id and self.owner and QuestionBank.objects.filter(pk=self.bank_id).exclude(owner=self.owner).exists():
            raise ValidationError({"bank": _("只能使用本项目的题库")})

    def is_running(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_active and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


class Attempt(models.Model):
    """A member's go at a campaign: for a daily quiz one a day, for a contest one in all.

    The server records ``started_at`` and fixes ``deadline`` when the attempt starts; answers
    arriving later are kept but never count.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+")
    # The member's union when the attempt started (participation figures group by it).
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    answered = models.PositiveSmallIntegerField(_("已答"), default=0)
    correct = models.PositiveSmallIntegerField(_("答对"), default=0)
    points = models.PositiveIntegerField(_("积分"), default=0)
    # Sum of the marks of right, in-time answers; ``max_score`` is the marks of every drawn question.
    score = models.PositiveIntegerField(_("得分"), default=0)
    max_score = models.PositiveIntegerField(_("满分"), default=0)
    last_answer_at = models.DateTimeField(null=True, blank=True)
    # Time from the server's start to the last in-time answer: the ranking's tie-break.
    elapsed_ms = models.PositiveIntegerField(default=0)

    owner_lookup = "campaign__owner"

    class Meta:
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")
        # The once-a-day rule, per campaign: a contest's attempts are all dated by its start.
        constraints = [models.UniqueConstraint(fields=["campaign", "member", "day"], name="quiz_attempt_once_a_day")]
        indexes = [
            models.Index(fields=["campaign", "day", "organisation"]),
            models.Index(fields=["campaign", "-correct", "elapsed_ms"]),
            models.Index(fields=["day", "organisation"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.member_id}/{self.day}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.deadline is None or now <= self.deadline

    @property
    def finished(self) -> bool:
        return self.answered >= len(self.question_ids)

    def passed(self) -> bool:
        mark = self.campaign.pass_mark
        return self.finished and mark is not None and self.score >= mark


class Answer(models.Model):
    """One answer, checked on the server. ``credited`` answers are unique per member, question and day."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    client_key = models.CharField(max_length=64)
    chosen = models.JSONField(default=list)
    is_correct = models.BooleanField(default=False)
    # False when it arrived after the deadline (kept for the record, worth nothing).
    in_time = models.BooleanField(default=True)
    credited = models.BooleanField(default=False)
    points = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(default=timezone.now)

    owner_lookup = "attempt__campaign__owner"

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="quiz_answer_once_per_attempt"),
            models.UniqueConstraint(fields=["member", "client_key"], name="quiz_answer_client_key"),
            # The anti-farming rule: a question earns a member points at most once a day.
            models.UniqueConstraint(fields=["member", "question", "day"], condition=Q(credited=True), name="quiz_answer_credit_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}"
