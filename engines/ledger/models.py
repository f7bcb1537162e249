"""The append-only ledger of points (and, for the fund programmes, money in fen).

An account is held either by a member (one per unit) or by anything else a programme names with a
``holder`` key — a fund, one of its purposes, an application's commitment, a subsidy pool
("fund:12:purpose:3"). Money moves between accounts by two-legged transfers
(``services.transfer_post``), so every yuan paid to a person can be traced back to the account it
came from. A holder account opened with ``overdraft`` may go negative: it stands for money that
came from outside the books (a grant, the union's budget line). ``Account.balance`` is a cache of the sum of its entries,
updated in the same transaction as each entry and checked by ``manage.py ledger_check``;
the database refuses a negative balance (CHECK constraint) and a second entry with the same
idempotency key (UNIQUE; on PostgreSQL, where the entries are partitioned by month, through the
claim table ``EntryClaim``, see ``partitioning.py``), so neither a race nor a retry can break the books.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    class Unit(models.TextChoices):
        POINTS = "points", _("积分")
        FEN = "fen", _("分（人民币）")

    # No index of its own: the (member, unit) unique constraint serves lookups by member.
    member = models.ForeignKey(
        "core.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts", db_index=False
    )
    # Who else holds it, as a key the owning programme chooses ("fund:12:purpose:3"); exactly one
    # of member and holder is set.
    holder = models.CharField(max_length=80, null=True, blank=True)
    # The database default keeps the scan's own INSERT (engines/ledger/sql.py) and bulk loaders valid.
    overdraft = models.BooleanField(default=False, db_default=False)
    unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.POINTS)
    balance = models.BigIntegerField(default=0)
    # Totals kept beside the balance so "points earned" needs no SUM over the entries.
    total_credited = models.BigIntegerField(default=0)
    total_debited = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.UniqueConstraint(fields=["member", "unit"], name="ledger_one_account_per_unit"),
            models.UniqueConstraint(fields=["holder", "unit"], name="ledger_one_holder_account_per_unit"),
            models.CheckConstraint(
                condition=Q(member__isnull=False, holder__isnull=True) | Q(member__isnull=True, holder__isnull=False),
                name="ledger_account_member_or_holder",
            ),
            models.CheckConstraint(condition=Q(balance__gte=0) | Q(overdraft=True), name="ledger_balance_not_negative"),
        ]

    def __str__(self) -> str:
        owner = self.holder if self.holder is not None else self.member_id
        return f"{owner}:{self.unit}={self.balance}"


class Entry(models.Model):
    """One change of an account. Never updated, never deleted."""

    # Every entry maintains every index of this table, so only what is read is indexed: entries
    # by account (newest first), unique idempotency keys and the actor (for SET_NULL when a user
    # is deleted) — no LIKE twins, no FK index the (account, -created_at) one already covers, no
    # index by reason or by time alone (nothing reads the ledger that way; each was a tenth of a
    # scan's index work).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    reason = models.CharField(_("原因"), max_length=40)
    # Where it came from, e.g. "bags.collection:123", "prizes.redemption:45".
    source = models.CharField(_("来源"), max_length=80, blank=True, default="")
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)
    memo = models.CharField(_("说明"), max_length=200, blank=True, default="")
    # Who did it: a constraint like every reference of an audited ledger (indexed for SET_NULL when a
    # user is deleted). Its check key-share-locks the actor's row at commit; concurrent scans of one
    # collector share that lock (measured: docs/scaling.md, "Integrity restored").
    actor = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("账本记录")
        verbose_name_plural = _("账本记录")
        indexes = [
            models.Index(fields=["account", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            models.UniqueConstraint(fields=["idempotency_key"], name="ledger_entry_idempotency_key_key"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount:+d} ({self.reason})"


class EntryClaim(models.Model):
    """An idempotency key claimed by an entry (``partitioning.ENTRIES``): unpartitioned, so the key
    stays unique while ``ledger_entry`` is partitioned by month on PostgreSQL. Written only by the
    table's triggers (``core.partitions.claim_sql``), in the same statement as the entry, on every
    backend; deleted after ``IDEMPOTENCY_CLAIM_DAYS`` by the hourly upkeep (``entry_post`` finds a
    posted key in the entries themselves, so a retry after that still changes nothing)."""

    idempotency_key = models.CharField(max_length=120, primary_key=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "ledger_entry_claim"
        verbose_name = _("账本记录占用")
        verbose_name_plural = _("账本记录占用")

    def __str__(self) -> str:
        return self.idempotency_key
