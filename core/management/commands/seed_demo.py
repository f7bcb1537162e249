"""Builds the demo district: core's tree and rosters, then every programme's demo data (registry)."""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from core.demo.context import SCALES, DemoContext, context_from_database
from core.models import Organisation
from core.registry import registry


class Command(BaseCommand):
    help = "生成演示数据：西城区规模的组织树、会员名册与各项目的演示数据。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="default")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--year-like-2020",
            action="store_true",
            help="在一个过去的年度（默认去年）生成与《2020年度重点工作盘点》同样数字的数据；可重复运行，不会重复生成",
        )
        parser.add_argument("--year", type=int, default=None, help="与 --year-like-2020 同用：生成哪一年（默认去年）")

    def handle(self, *args, scale, seed, if_empty, no_progress, **options):
        if options["year_like_2020"]:
            return self._year_like_2020(scale, seed, options["year"], no_progress)
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

    def _year_like_2020(self, scale, seed, year, no_progress):
        """The article's year on the tree in the database (core's tree first when there is none):
        each programme tops its rows of the year up to the article's figures, so a second run adds nothing."""
        from django.utils import timezone

        from core.review import MAX_YEAR, MIN_YEAR

        year = year if year is not None else timezone.localdate().year - 1
        # the year needs a year before it inside the platform's range (the rest stations built before it)
        if not (MIN_YEAR < year < timezone.localdate().year):
            raise CommandError(f"--year 应为 {MIN_YEAR + 1} 至去年之间的年份")
        if year > MAX_YEAR:
            raise CommandError("--year 超出范围")
        rng = random.Random(seed)
        if not Organisation.objects.exists():
            ctx = DemoContext(scale=SCALES[scale], rng=rng, progress=not no_progress)
            core_step = next(s for s in registry.demo_seeders if s.order == 0)
            core_step.func(ctx)
            self.stdout.write(f"  ✓ {core_step.name}")
        ctx = context_from_database(SCALES[scale], rng, progress=not no_progress)
        if not ctx.grassroots or ctx.district is None or "district" not in ctx.users:
            raise CommandError("组织树不完整（缺少区总工会、基层工会或区总工会工作人员账号）")
        started = time.perf_counter()
        for seeder in registry.year_seeders:
            step = time.perf_counter()
            seeder.func(ctx, year)
            self.stdout.write(f"  ✓ {seeder.name}（{time.perf_counter() - step:.1f} 秒）")
        self.stdout.write(
            self.style.SUCCESS(
                f"{year} 年度数据已按《2020年度重点工作盘点》生成（用时 {time.perf_counter() - started:.1f} 秒）；"
                f"查看：manage.py annual_review --year {year}"
            )
        )
