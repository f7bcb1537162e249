"""manage.py bags_create_batch --org <id> --size N — issue a batch of coded bags from the command line."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import ApiError
from core.models import Organisation, User
from modules.bags import codes, services


class Command(BaseCommand):
    help = "为基层工会生成一批垃圾袋编码（批量写入，10 至 200,000 个）。"

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="基层工会 ID")
        parser.add_argument("--size", type=int, required=True, help="数量")
        parser.add_argument("--note", default="", help="备注")
        parser.add_argument("--user", default="", help="以该用户名的身份操作（默认：第一个超级用户）")

    def handle(self, *args, org, size, note, user, **options):
        organisation = Organisation.objects.filter(pk=org).first()
        if organisation is None:
            raise CommandError(f"找不到工会 #{org}")
        actor = User.objects.filter(username=user).first() if user else User.objects.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError("找不到操作用户：请用 --user 指定一个区总工会工作人员")
        bar = tqdm(total=size, desc="生成垃圾袋", unit="个", disable=options.get("verbosity", 1) == 0)
        started = time.perf_counter()
        try:
            batch = services.batch_create(actor=actor, organisation=organisation, size=size, note=note, progress=bar.update)
        except ApiError as error:
            bar.close()
            raise CommandError(str(error.message))
        bar.close()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"批次 #{batch.pk}：{batch.size:,} 个垃圾袋，用时 {elapsed:.2f} 秒（{batch.size / max(elapsed, 1e-6):,.0f} 个/秒）"
            )
        )
        self.stdout.write(f"编码范围：{codes.group(codes.encode(batch.first_bag_id))} … {codes.group(codes.encode(batch.last_bag_id))}")
