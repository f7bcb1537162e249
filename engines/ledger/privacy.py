"""The points ledger's part of a member's own data export (PIPL: access and portability)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.registry import registry
from engines.ledger.models import Entry


def entries_section(member) -> tuple[str, list[dict]]:
    """Every points entry of the member, with its reason and the balance after it."""
    rows = [
        {
            _("时间"): timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            _("积分变动"): e.amount,
            _("变动后余额"): e.balance_after,
            _("原因"): str(registry.ledger_reasons.get(e.reason, e.reason)),
            _("说明"): e.memo,
        }
        for e in Entry.objects.filter(account__member_id=member.pk).order_by("created_at", "pk")
    ]
    return _("积分明细"), rows
