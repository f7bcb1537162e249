"""Questionnaires (one row per wave), quotas, answers — owned by any programme through ``owner``.

Privacy of an anonymous survey is designed into the tables: its ``Response`` has no user, no
organisation and no time of day (the date only), and a random UUID key, so neither a column nor
the order of keys leads back to a login. Who has taken part (to allow one answer per person) is a
separate ``Participation`` row without a time, written in its own transaction (services.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        OPEN = "open", _("收集中")
        CLOSED = "closed", _("已结束")

    owner = models.CharField(_("所属项目"), max_length=40, db_index=True)
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("发起工会"), on_delete=models.PROTECT, related_name="+")
    # The waves of one questionnaire share a series; trends compare them.
    series = models.CharField(_("问卷系列"), max_length=40)
    wave = models.PositiveSmallIntegerField(_("轮次"), default=1)
    title = models.CharField(_("问卷标题"), max_length=120)
    form_id = models.CharField(_("表单代码"), max_length=80)
    version = models.CharField(_("版本"), max_length=40, blank=True, default="")
    anonymous = models.BooleanField(_("匿名"), default=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    opens_on = models.DateField(_("开始日期"), null=True, blank=True)
    closes_on = models.DateField(_("截止日期"), null=True, blank=True)
    definition = models.JSONField(_("题目定义"), default=dict, editable=False)
    has_quotas = models.BooleanField(default=False, editable=False)  # spares every answer a look-up
    source_name = models.CharField(_("来源文件"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "series", "wave"], name="survey_wave_per_series"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.wave}轮）"

    @property
    def questions(self) -> list[dict]:
        return self.definition.get("questions", [])

    @property
    def choices(self) -> dict[str, list[dict]]:
        return self.definition.get("choices", {})

    def question(self, name: str) -> dict | None:
        return next((q for q in self.questions if q.get("name") == name and q["type"] not in ("end_group",)), None)

    def is_accepting(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == self.Status.OPEN
            and (self.opens_on is None or self.opens_on <= today)
            and (self.closes_on is None or today <= self.closes_on)
        )


class Quota(models.Model):
    """At most ``limit`` answers with ``question`` = ``value`` (e.g. 200 from each platform), or
    at most ``limit`` answers in all when ``question`` is empty. ``filled`` moves by a conditional
    UPDATE in the answer's transaction; the CHECK makes a race past the limit impossible. A
    survey without quotas has no counter row every answer must lock, so answers never queue."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="quotas")
    question = models.CharField(_("题目代码"), max_length=64, blank=True, default="")
    value = models.CharField(_("选项代码"), max_length=64, blank=True, default="")
    limit = models.PositiveIntegerField(_("配额"))
    filled = models.PositiveIntegerField(_("已收"), default=0)

    class Meta:
        verbose_name = _("配额")
        verbose_name_plural = _("配额")
        ordering = ["question", "value"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "question", "value"], name="survey_quota_once"),
            models.CheckConstraint(condition=Q(filled__lte=F("limit")), name="survey_quota_within_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.question or '*'}={self.value}: {self.filled}/{self.limit}"


class Response(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Identified surveys only; anonymous answers keep none of these three.
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_on = models.DateField(_("提交日期"))
    version = models.CharField(max_length=40, blank=True, default="")
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"], condition=Q(respondent__isnull=False), name="survey_one_answer_per_person"
            ),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class Participation(models.Model):
    """That a person has answered an anonymous survey — never which answer, never when."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="survey_participation_once")]

    def __str__(self) -> str:
        return f"{self.survey_id}"


class Answer(models.Model):
    """One row per answered choice or number, for counting and cross-tabulating in SQL.
    Free text stays in ``Response.data`` only."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(max_length=64)
    value = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["survey", "question", "value"], name="survey_answer_tally")]

    def __str__(self) -> str:
        return f"{self.question}={self.value}"
