"""manage.py sortstats_rebuild — recompute every sorting-data rollup from the raw scans."""

from django.core.management.base import BaseCommand

from modules.sortstats import services


class Command(BaseCommand):
    help = "重建分类数据汇总表：按月从原始回收记录重新计算全部汇总（与增量刷新结果一致）。"

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="只做一次增量刷新（最近两天及迟到的记录）")

    def handle(self, *args, refresh, **options):
        if refresh:
            result = services.rollups_refresh()
            self.stdout.write(f"增量刷新完成：{result}")
            return

        def progress(month, rows, seconds):
            self.stdout.write(f"  {month.year}年{month.month:02d}月：{rows:,} 行，{seconds:.2f} 秒")

        result = services.rollups_rebuild(progress=progress)
        rate = result["rows"] / result["seconds"] if result["seconds"] else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"重建完成：读取 {result['scans']:,} 条回收记录，写入 {result['rows']:,} 行汇总，{result['months']} 个月，"
                f"用时 {result['seconds']:.2f} 秒（{result['scans_per_second']:,} 条记录/秒，{rate:,.0f} 汇总行/秒）"
            )
        )
