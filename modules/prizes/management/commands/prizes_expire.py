"""Expire unclaimed redemptions past their pickup deadline and refund their points (the scheduler runs this every minute)."""

from django.core.management.base import BaseCommand

from modules.prizes.services import redemptions_expire_due


class Command(BaseCommand):
    help = "积分兑换：将超过领取期限仍未领取的兑换作废，并退还积分（可重复运行，同一兑换只退还一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=2000, help="本次最多处理的条数")

    def handle(self, *args, limit, **options):
        refunded = redemptions_expire_due(limit=limit)
        self.stdout.write(self.style.SUCCESS(f"已作废并退还积分：{refunded} 条"))
