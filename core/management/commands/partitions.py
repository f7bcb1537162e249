"""Monthly partitions of the audit log, the personal-data access log, the collections and the ledger's
entries (PostgreSQL; core/partitions.py): ``--ensure`` makes this month and the months ahead,
``--apply-retention`` drops what is past the retention (the collections and the entries have none:
never dropped) and deletes the claims past ``IDEMPOTENCY_CLAIM_DAYS`` (either backend). Both by
default; idempotent; the scheduler runs the same hourly (``core.partitions.maintain``)."""

from django.core.management.base import BaseCommand

from core import partitions


class Command(BaseCommand):
    help = "分区维护：为操作日志、个人信息查看记录、回收记录和账本记录预建月分区（--ensure），按保存期限删除过期分区和过期占用（--apply-retention）。"

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="预建本月及之后几个月的分区")
        parser.add_argument("--apply-retention", action="store_true", help="删除超过保存期限的分区")

    def handle(self, *args, ensure, apply_retention, **options):
        if not ensure and not apply_retention:
            ensure = apply_retention = True
        postgres = partitions.on_postgres()
        if not postgres:
            self.stdout.write("not PostgreSQL: plain tables, nothing to do")
        for spec in partitions.specs():
            if ensure and postgres:
                created = partitions.ensure(spec)
                self.stdout.write(f"{spec.table}: created {', '.join(created) if created else 'nothing (all there)'}")
            if apply_retention and postgres:
                done = partitions.apply_retention(spec)
                dropped = ", ".join(done["dropped"]) or "no partition"
                months = f"{spec.retention_months} months" if spec.retention_setting else "none (never dropped)"
                self.stdout.write(f"{spec.table}: retention {months} — dropped {dropped}, deleted {done['deleted']} rows")
            if apply_retention and spec.claim is not None:
                self.stdout.write(f"{spec.claim.table}: deleted {partitions.purge_claims(spec)} claims past the idempotency window")
