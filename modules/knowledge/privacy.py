"""The knowledge programme's part of a member's own data export (PIPL: access and portability)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from modules.knowledge.models import Answer


def answers_section(member) -> tuple[str, list[dict]]:
    """Every quiz answer the member gave: the question, right or wrong, and the points credited."""
    rows = [
        {
            _("答题时间"): timezone.localtime(a.answered_at).strftime("%Y-%m-%d %H:%M:%S"),
            _("活动"): a.attempt.campaign.name,
            _("题目"): a.question.text,
            _("是否答对"): _("是") if a.is_correct else _("否"),
            _("获得积分"): a.points,
        }
        for a in Answer.objects.filter(member=member).select_related("attempt__campaign", "question").order_by("answered_at", "pk")
    ]
    return _("垃圾分类知识：我的答题记录"), rows
