from django.core.management.base import BaseCommand, CommandError

from engines.ledger.models import Account, Entry
from engines.ledger.selectors import ledger_mismatches, unbalanced_transfers


class Command(BaseCommand):
    help = "校验账本：每个账户的余额必须等于其全部账本记录之和，不可透支的账户不为负数，每笔转账的两条记录相互抵消。"

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        accounts = Account.objects.count()
        entries = Entry.objects.count()
        negative = Account.objects.filter(balance__lt=0, overdraft=False).count()
        unbalanced = unbalanced_transfers()
        for m in mismatches[:50]:
            self.stderr.write(f"账户 {m.account_id}（会员 {m.member_id}）余额 {m.balance} ≠ 记录之和 {m.entries_sum}")
        for key in unbalanced[:50]:
            self.stderr.write(f"转账 {key} 的两条记录不相抵")
        if mismatches or negative or unbalanced:
            raise CommandError(f"账本校验失败：{len(mismatches)} 个账户不一致，{negative} 个账户为负数，{len(unbalanced)} 笔转账不相抵")
        self.stdout.write(self.style.SUCCESS(f"账本校验通过：{accounts} 个账户，{entries} 条记录，余额全部等于记录之和"))
