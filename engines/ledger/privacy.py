"""The ledger's part of a member's own data export (PIPL: access and portability)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.numbers import yuan
from core.registry import registry
from engines.ledger.models import Account, Entry


def _entries(member, unit: str):
    return Entry.objects.filter(account__member_id=member.pk, account__unit=unit).order_by("created_at", "pk")


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
        for e in _entries(member, Account.Unit.POINTS)
    ]
    return _("积分明细"), rows


def money_section(member) -> tuple[str, list[dict]]:
    """Every amount of money paid to the member through the ledger (subsidies, grants), in yuan."""
    rows = [
        {
            _("时间"): timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            _("金额（元）"): yuan(e.amount),
            _("原因"): str(registry.ledger_reasons.get(e.reason, e.reason)),
            _("说明"): e.memo,
        }
        for e in _entries(member, Account.Unit.FEN)
    ]
    return _("资金明细"), rows
