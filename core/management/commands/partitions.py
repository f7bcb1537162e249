"""Monthly partitions of the audit log and the personal-data access log (PostgreSQL; core/partitions.py):
``--ensure`` makes this month and the months ahead, ``--apply-retention`` drops what is past the
retention. Both by default; idempotent; the scheduler runs the same hourly (``core.partitions.maintain``)."""

from django.core.management.base import BaseCommand

from core import partitions


class Command(BaseCommand):
    help = "分区维护：为操作日志和个人信息查看记录预建月分区（--ensure），按保存期限删除过期分区（--apply-retention）；仅 PostgreSQL。"

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="预建本月及之后几个月的分区")
        parser.add_argument("--apply-retention", action="store_true", help="删除超过保存期限的分区")

    def handle(self, *args, ensure, apply_retention, **options):
        if not ensure and not apply_retention:
            ensure = apply_retention = True
        if not partitions.on_postgres():
            self.stdout.write("not PostgreSQL: plain tables, nothing to do")
            return
        for spec in partitions.LOGS:
            if ensure:
                created = partitions.ensure(spec)
                self.stdout.write(f"{spec.table}: created {', '.join(created) if created else 'nothing (all there)'}")
            if apply_retention:
                done = partitions.apply_retention(spec)
                dropped = ", ".join(done["dropped"]) or "no partition"
                self.stdout.write(
                    f"{spec.table}: retention {spec.retention_months} months — dropped {dropped}, deleted {done['deleted']} rows"
                )
