"""The prize shop's part of a member's own data export (PIPL: access and portability)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from modules.prizes.models import Redemption


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def redemptions_section(member) -> tuple[str, list[dict]]:
    """Every prize the member redeemed: what, where, for how many points, and what became of it."""
    rows = [
        {
            _("兑换时间"): _when(r.created_at),
            _("奖品"): r.prize.name,
            _("积分"): r.points,
            _("取货点"): r.place.name,
            _("状态"): r.get_status_display(),
            _("领取截止"): _when(r.expires_at),
            _("领取时间"): _when(r.handed_over_at),
            _("取消原因"): r.cancel_reason,
        }
        for r in Redemption.objects.filter(member=member).select_related("prize", "place").order_by("created_at", "pk")
    ]
    return _("积分兑换：我的兑换记录"), rows
