"""The prize shop adds itself to the platform: navigation, API, ledger reasons, jobs, cards, demo data."""

from django.utils.translation import gettext_lazy as _

from core.registry import NavItem, registry
from modules.prizes.demo import seed_prizes

registry.add_nav(NavItem(_("积分兑换"), "prizes:home", audience="worker", order=30))
registry.add_nav(NavItem(_("奖品管理"), "prizes:manage_prizes", audience="staff", order=60))
registry.add_nav(NavItem(_("兑换核销"), "prizes:pickup", audience="staff", order=61))
registry.add_nav(NavItem(_("兑换报表"), "prizes:reports", audience="staff", order=62))

registry.add_api_router("prizes", "modules.prizes.api.router")

registry.add_ledger_reason("prizes.redeem", _("积分兑换奖品"))
registry.add_ledger_reason("prizes.refund_expired", _("兑换逾期未领取，退还积分"))
registry.add_ledger_reason("prizes.refund_cancelled", _("兑换被取消，退还积分"))
registry.add_ledger_reason("prizes.demo_grant", _("演示赠送积分"))

registry.add_periodic_job("modules.prizes.services.redemptions_expire_due", 60)
registry.add_dashboard_card("modules.prizes.views.dashboard_cards", order=30)
registry.add_demo_seeder("积分兑换", seed_prizes, order=50)
registry.add_personal_data_section("modules.prizes.privacy.redemptions_section", order=40)
registry.add_review_section("modules.prizes.review.review_section", order=32, chapter="habits")
