"""The smart garbage-bag platform: batches of coded bags, collection points, collections (scans).

A bag's code is a signed serial (see ``codes.py``): the bag's id, an HMAC tag and a check
character, so a mistyped or forged code is refused before any query, and a valid code gives
the primary key directly. A bag is collected at most once: ``Collection.bag`` is unique (on
PostgreSQL, where collections are partitioned by month, through ``CollectionClaim``; see
``partitioning.py``), behind the bag row updated under its lock.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Shared with the other programmes, defined once in core (re-exported for this app's code).
from core.categories import Category, WrongSortReason  # noqa: F401


class Grade(models.TextChoices):
    CORRECT = "correct", _("合格")
    WRONG = "wrong", _("不合格")


class BagBatch(models.Model):
    class Status(models.TextChoices):
        CREATING = "creating", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    organisation = models.ForeignKey("core.Organisation", verbose_name=_("发放工会"), on_delete=models.PROTECT, related_name="bag_batches")
    size = models.PositiveIntegerField(_("数量"))
    created = models.PositiveIntegerField(_("已生成"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.CREATING)
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    first_bag_id = models.BigIntegerField(null=True, blank=True)
    last_bag_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("垃圾袋批次")
        verbose_name_plural = _("垃圾袋批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.organisation} ×{self.size}"


class Bag(models.Model):
    """One coded bag. ``id`` is the serial inside its code."""

    id = models.BigAutoField(primary_key=True)
    batch = models.ForeignKey(BagBatch, on_delete=models.PROTECT, related_name="bags")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey("core.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="bags")
    bound_at = models.DateTimeField(null=True, blank=True)
    # Not indexed, on purpose: a scan sets it, and an update that touches no indexed column is a
    # heap-only (HOT) update — no new entry in any of the table's indexes. The table keeps 10 %
    # of each page free for it (fillfactor 90, migration 0005).
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("垃圾袋")
        verbose_name_plural = _("垃圾袋")

    def __str__(self) -> str:
        return f"#{self.id}"


class CollectionPoint(models.Model):
    name = models.CharField(_("名称"), max_length=120)
    street = models.ForeignKey("core.Organisation", verbose_name=_("所属街道"), on_delete=models.PROTECT, related_name="collection_points")
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    # The organisations whose bags this point serves; empty means every union of its street.
    served_organisations = models.ManyToManyField("core.Organisation", blank=True, related_name="+")
    collectors = models.ManyToManyField("core.User", blank=True, related_name="collection_points")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("收集点")
        verbose_name_plural = _("收集点")

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    """A bag collected and graded at a point: one row per bag, ever."""

    bag = models.OneToOneField(Bag, on_delete=models.PROTECT, related_name="collection")
    # Unique: see Meta (no LIKE index beside it); on PostgreSQL, where the table is partitioned by
    # month, the claim table (``CollectionClaim``) keeps it unique and the table has a plain index.
    client_id = models.CharField(max_length=64)
    # Every insert maintains every index of this table (tens of millions of rows), so only the
    # ones something reads are kept: the FKs below are served by the (…, collected_at) indexes
    # (and the collector's and street's own), which PROTECT / SET_NULL and the constraints' own
    # checks use when a referenced row is deleted.
    #
    # Every reference is a database constraint (deferred to commit, as Django makes them on
    # PostgreSQL): a collection that names a point, collector, worker, union or street that does not
    # exist is a record nobody can audit. They were dropped once for a few per cent of the scan
    # benchmark; restoring them was measured (docs/scaling.md, "Integrity restored").
    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, related_name="collections", db_index=False)
    collector = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("分类"), max_length=12, choices=Category.choices)
    grade = models.CharField(_("分类质量"), max_length=8, choices=Grade.choices)
    reasons = models.JSONField(_("不合格原因"), default=list, blank=True)
    weight_grams = models.PositiveIntegerField(_("重量（克）"), null=True, blank=True)
    photo = models.ImageField(_("照片"), upload_to="scans/%Y/%m/", null=True, blank=True)
    collected_at = models.DateTimeField(_("回收时间"), default=timezone.now, db_index=True)
    # Denormalised at scan time so rankings and rollups need no joins.
    owner = models.ForeignKey("core.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False)
    street = models.ForeignKey("core.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    points_awarded = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("回收记录")
        verbose_name_plural = _("回收记录")
        indexes = [
            models.Index(fields=["owner", "collected_at"]),
            models.Index(fields=["organisation", "collected_at"]),
            models.Index(fields=["point", "collected_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(grade="correct") | Q(points_awarded=0), name="no_points_for_wrong_sort"),
            # The name of the constraint ``unique=True`` made before, so the database keeps it.
            models.UniqueConstraint(fields=["client_id"], name="bags_collection_client_id_key"),
        ]

    def __str__(self) -> str:
        return f"#{self.bag_id} {self.category}/{self.grade}"


class CollectionClaim(models.Model):
    """A client id claimed by a collection (``partitioning.COLLECTIONS``): unpartitioned, so the id
    stays unique while ``bags_collection`` is partitioned by month on PostgreSQL. Written only by
    the table's triggers (``core.partitions.claim_sql``), in the same statement as the collection,
    on every backend; deleted after ``IDEMPOTENCY_CLAIM_DAYS`` by the hourly upkeep."""

    client_id = models.CharField(max_length=64, primary_key=True)
    # Not a foreign key: the bag row is already locked by the scan; this is the second guard of
    # "a bag is collected once" (the first: ``Bag.collected_at`` set under the bag's row lock).
    bag_id = models.BigIntegerField(unique=True)
    collected_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "bags_collection_claim"
        verbose_name = _("回收记录占用")
        verbose_name_plural = _("回收记录占用")

    def __str__(self) -> str:
        return self.client_id


class DailyPoints(models.Model):
    """Points a worker has earned from bags on one Beijing calendar day: the daily cap's counter.

    The scan's single SQL statement upserts this row (``INSERT … ON CONFLICT DO UPDATE``), which
    both locks the worker's day and reads the committed total, so two bags of one worker scanned at
    the same moment cannot both pass the cap — without a separate lock or a ``SUM`` over the day.
    ``last_award`` is what the latest upsert added (``RETURNING`` cannot see the old row on
    PostgreSQL 15); ``points`` always equals the day's ``points_awarded`` of the worker's
    collections (``selectors.daily_points_mismatches`` checks it; the race tests use it).
    """

    # A database constraint like every reference (deleting a member is served by the (owner, day)
    # unique index); it keys-share-locks the member's row once per worker's first scan of a day.
    owner = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    points = models.IntegerField(default=0)
    last_award = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("每日积分")
        verbose_name_plural = _("每日积分")
        constraints = [models.UniqueConstraint(fields=["owner", "day"], name="bags_dailypoints_owner_day")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.day}: {self.points}"


class PointsRule(models.Model):
    """How many points a correctly sorted bag earns. The newest active rule for a category applies
    (a rule with an empty category applies to every category without its own rule)."""

    category = models.CharField(_("分类"), max_length=12, choices=Category.choices, blank=True, default="")
    points = models.PositiveIntegerField(_("每袋积分"))
    daily_cap = models.PositiveIntegerField(_("每人每日积分上限"), default=20)
    is_active = models.BooleanField(_("启用"), default=True)
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.category or '*'}: {self.points}"


class LabelExport(models.Model):
    """A print-ready PDF of a batch's QR labels, made in the background with visible progress."""

    class Layout(models.TextChoices):
        A4_3X8 = "a4_3x8", _("A4 3×8（每页24枚，70×37毫米）")
        A4_4X10 = "a4_4x10", _("A4 4×10（每页40枚，52.5×29.7毫米）")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        READY = "ready", _("已完成")
        FAILED = "failed", _("生成失败")

    batch = models.ForeignKey(BagBatch, on_delete=models.CASCADE, related_name="label_exports")
    layout = models.CharField(_("版式"), max_length=12, choices=Layout.choices, default=Layout.A4_3X8)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    file = models.FileField(_("文件"), upload_to="bags/labels/%Y/%m/", blank=True, default="")
    error = models.CharField(max_length=200, blank=True, default="")
    # The https address printed in each QR (the site's public address when the export was asked for).
    base_url = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("标签导出")
        verbose_name_plural = _("标签导出")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.layout} ({self.status})"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
