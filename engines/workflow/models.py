"""A case is one subject (an application, a nomination, a wish…) going through a process.

The engine owns the state, so every programme gets the same guarantees: a transition is one
transaction on the case's row (two reviewers acting at once: one wins, the other is told), every
transition is an ``Event`` (who, when, from, to, comment) and every state with a deadline has an
open ``Deadline``. Programmes point at their case with a ``GenericRelation`` and filter by its
state (``Application.objects.filter(cases__state="submitted")``).
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Case(models.Model):
    process = models.CharField(_("流程"), max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    state = models.CharField(_("状态"), max_length=32)
    state_changed_at = models.DateTimeField(_("状态更新时间"), default=timezone.now)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "process"], name="workflow_case_one_per_subject"),
        ]
        indexes = [models.Index(fields=["process", "state"])]

    def __str__(self) -> str:
        return f"{self.process}#{self.object_id} ({self.state})"


class Event(models.Model):
    """One transition taken, never changed: the case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("操作"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True, default="")
    to_state = models.CharField(_("新状态"), max_length=32)
    actor = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("意见"), blank=True, default="")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"


class Deadline(models.Model):
    """How long a case may stay in a state; closed when it leaves the state."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    state = models.CharField(_("状态"), max_length=32)
    due_at = models.DateTimeField(_("截止时间"))
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(closed_at__isnull=True), name="workflow_deadline_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.state} ≤ {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_overdue(self) -> bool:
        return self.closed_at is None and self.due_at <= timezone.now()
