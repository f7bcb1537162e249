"""Recompute every ranking board of the current periods from the collections (the database is the truth)."""

from django.core.management.base import BaseCommand

from modules.bags import rankings


class Command(BaseCommand):
    help = "从回收记录重建全部排行榜（本周、本月、本年、总榜；职工、工会、街道）。"

    def handle(self, *args, **options):
        stats = rankings.rebuild()
        self.stdout.write(f"排行榜已重建：{stats['entries']} 项，用时 {stats['seconds']} 秒")
