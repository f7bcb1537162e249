"""Builds the demo district: core's tree and rosters, then every programme's demo data (registry)."""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from core.demo.context import SCALES, DemoContext
from core.models import Organisation
from core.registry import registry


class Command(BaseCommand):
    help = "生成演示数据：西城区规模的组织树、会员名册与各项目的演示数据。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="default")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, scale, seed, if_empty, no_progress, **options):
        if Organisation.objects.exists():
            if if_empty:
                self.stdout.write("数据库已有数据，跳过演示数据生成。")
                return
            raise CommandError("数据库已有数据：请先清空（删除 var/unionhub.sqlite3）或使用 --if-empty")
        ctx = DemoContext(scale=SCALES[scale], rng=random.Random(seed), progress=not no_progress)
        started = time.perf_counter()
        for seeder in registry.demo_seeders:
            step = time.perf_counter()
            seeder.func(ctx)
            self.stdout.write(f"  ✓ {seeder.name}（{time.perf_counter() - step:.1f} 秒）")
        elapsed = time.perf_counter() - started
        members = sum(o.member_count for o in ctx.grassroots)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成：{len(ctx.streets)} 个街道，{len(ctx.grassroots)} 个基层工会，{members} 名会员，"
                f"用时 {elapsed:.1f} 秒（{members / max(elapsed, 0.001):,.0f} 会员/秒）"
            )
        )
        for note in ctx.notes:
            self.stdout.write(note)
