"""The learning programme's part of a member's own data export (PIPL: access and portability)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from modules.learning.models import Attempt, Attendance, Essay


def learning_section(member) -> tuple[str, list[dict]]:
    """The member's contest answer sheets, essay entries and study attendance."""
    rows = [
        {
            _("类别"): _("知识竞赛"),
            _("时间"): timezone.localtime(a.started_at).strftime("%Y-%m-%d %H:%M"),
            _("名称"): a.campaign.name,
            _("结果"): f"{a.score} / {a.max_score}",
        }
        for a in Attempt.objects.filter(member=member).select_related("campaign").order_by("started_at", "pk")
    ]
    rows += [
        {
            _("类别"): _("征文"),
            _("时间"): timezone.localtime(e.submitted_at).strftime("%Y-%m-%d %H:%M"),
            _("名称"): f"{e.call.title}：{e.title}",
            _("结果"): e.get_award_display() if e.call.status == e.call.Status.PUBLISHED else "",
        }
        for e in Essay.objects.filter(member=member).select_related("call").order_by("submitted_at", "pk")
    ]
    rows += [
        {
            _("类别"): _("学习活动"),
            _("时间"): timezone.localtime(a.session.held_at).strftime("%Y-%m-%d %H:%M"),
            _("名称"): a.session.title,
            _("结果"): _("已签到"),
        }
        for a in Attendance.objects.filter(member=member).select_related("session").order_by("session__held_at", "pk")
    ]
    return _("强学习：我的竞赛、征文和学习记录"), rows
