"""Registrations of the worker side (points, rankings)."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from modules.bags.points import LEDGER_REASON

registry.add_ledger_reason(LEDGER_REASON, _("垃圾分类投放积分"))
registry.add_startup_hook("modules.bags.rankings.startup_hook")
