from django.core.management.base import BaseCommand, CommandError

from engines.ledger.models import Account, Entry
from engines.ledger.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "校验账本：每个账户的余额必须等于其全部账本记录之和，且不为负数。"

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        accounts = Account.objects.count()
        entries = Entry.objects.count()
        negative = Account.objects.filter(balance__lt=0).count()
        for m in mismatches[:50]:
            self.stderr.write(f"账户 {m.account_id}（会员 {m.member_id}）余额 {m.balance} ≠ 记录之和 {m.entries_sum}")
        if mismatches or negative:
            raise CommandError(f"账本校验失败：{len(mismatches)} 个账户不一致，{negative} 个账户为负数")
        self.stdout.write(self.style.SUCCESS(f"账本校验通过：{accounts} 个账户，{entries} 条记录，余额全部等于记录之和"))
