"""The rubric engine: weighted rubrics, evaluations of any subject, scores by several scorers,
a computed total and grade, and a result that is locked once approved.

It knows nothing about the programmes that use it: a subject is either any model instance
(content type + object id) or a plain string key. Rubrics are versioned: once an evaluation
uses a version, its items are frozen and a change makes the next version.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def default_thresholds() -> list[dict]:
    """Percent of the full mark at or above which each grade starts, best first."""
    return [
        {"min": 90, "label": "优秀"},
        {"min": 75, "label": "良好"},
        {"min": 60, "label": "合格"},
        {"min": 0, "label": "不合格"},
    ]


class Rubric(models.Model):
    key = models.CharField(_("标准代码"), max_length=64, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True, default="")
    thresholds = models.JSONField(_("等级线"), default=default_thresholds)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="review_rubric_key_version")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def is_frozen(self) -> bool:
        """A version that has been used to evaluate anything can no longer change."""
        return self.evaluations.exists()

    @property
    def total_weight(self) -> Decimal:
        return sum((item.weight for item in self.items.all()), Decimal(0))


class RubricItem(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("代码"), max_length=32)
    title = models.CharField(_("检查项"), max_length=120)
    guide = models.TextField(_("评分说明"), blank=True, default="")
    weight = models.DecimalField(_("权重"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    max_score = models.DecimalField(_("满分"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    # Below this (averaged) score the item fails; programmes turn failures into fix tasks.
    pass_score = models.DecimalField(_("合格分"), max_digits=7, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["rubric", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="review_item_code")]

    def __str__(self) -> str:
        return self.title


class Evaluation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("评分中")
        LOCKED = "locked", _("已审定")

    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="evaluations")
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, blank=True, default="")
    subject = GenericForeignKey("content_type", "object_id")
    # Always set: "app.model:pk" for an object, or the caller's own key for anything else.
    subject_key = models.CharField(_("评价对象"), max_length=128, db_index=True)
    title = models.CharField(_("标题"), max_length=200, blank=True, default="")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("等级"), max_length=20, blank=True, default="")
    scorer_count = models.PositiveSmallIntegerField(_("评分人数"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    locked_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.title or self.subject_key

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED


class ScoreSheet(models.Model):
    """One scorer's marks for one evaluation; several sheets are averaged item by item."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="sheets")
    scorer = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    # This scorer's own weighted total, kept with the sheet so a ranking shows every scorer's
    # figure without re-adding their marks (the evaluation's total is over all sheets).
    total = models.DecimalField(_("本人总分"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("评语"), blank=True, default="")
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [models.UniqueConstraint(fields=["evaluation", "scorer"], name="review_one_sheet_per_scorer")]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.scorer}"


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="review_one_score_per_item")]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value}"
