"""Models of the prize shop (积分兑换): pickup places, prizes and the redemptions workers make.

Stock is two numbers on the prize: ``stock_listed`` (everything ever put on the shelf) and
``stock`` (still on the shelf). A redemption takes one from ``stock`` by a conditional UPDATE;
an expiry or a cancellation puts it back; so ``stock + live redemptions == stock_listed``
always holds, and the database refuses a negative stock (CHECK).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped


class PickupPlace(TimeStamped):
    """Where a worker collects a prize: a union office, a 暖心驿站 rest station, or elsewhere."""

    class Kind(models.TextChoices):
        UNION_OFFICE = "union_office", _("工会办公室")
        REST_STATION = "rest_station", _("职工暖心驿站")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.UNION_OFFICE)
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="prize_pickup_places"
    )
    opening_note = models.CharField(_("开放时间说明"), max_length=200, blank=True, default="")
    operators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("核销员"), blank=True, related_name="prize_pickup_places")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("取货点")
        verbose_name_plural = _("取货点")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Prize(TimeStamped):
    """A prize a worker can buy with points, offered by one union to its members (and those below it)."""

    name = models.CharField(_("奖品名称"), max_length=80)
    description = models.TextField(_("说明"), blank=True, default="")
    image = models.ImageField(_("图片"), upload_to="prizes/%Y/%m/", blank=True, default="")
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("提供工会"),
        on_delete=models.PROTECT,
        related_name="prizes",
        help_text=_("该工会及其下级工会的会员可以兑换"),
    )
    points_price = models.PositiveIntegerField(_("所需积分"))
    stock_listed = models.PositiveIntegerField(_("上架总数"), default=0)
    stock = models.PositiveIntegerField(_("剩余库存"), default=0)
    per_person_limit = models.PositiveSmallIntegerField(_("每人限兑"), default=1)
    valid_from = models.DateField(_("兑换开始日期"), default=timezone.localdate)
    valid_until = models.DateField(_("兑换截止日期"))
    pickup_days = models.PositiveSmallIntegerField(
        _("领取期限（天）"), default=14, help_text=_("兑换后超过该天数未领取，自动作废并退还积分")
    )
    stock_alert_threshold = models.PositiveIntegerField(_("库存预警线"), default=5)
    places = models.ManyToManyField(PickupPlace, verbose_name=_("取货点"), related_name="prizes")
    is_active = models.BooleanField(_("上架"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("奖品")
        verbose_name_plural = _("奖品")
        ordering = ["points_price", "id"]
        indexes = [models.Index(fields=["is_active", "valid_until"])]
        constraints = [
            models.CheckConstraint(condition=Q(points_price__gt=0), name="prize_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0) & Q(stock__lte=F("stock_listed")), name="prize_stock_within_listed"),
            models.CheckConstraint(condition=Q(per_person_limit__gte=1), name="prize_limit_positive"),
            models.CheckConstraint(condition=Q(pickup_days__gte=1), name="prize_pickup_days_positive"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="prize_validity_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day) -> bool:
        return self.is_active and self.valid_from <= day <= self.valid_until

    @property
    def low_stock(self) -> bool:
        return self.stock <= self.stock_alert_threshold


class Redemption(models.Model):
    """One prize bought by one worker, to be collected at one place with a pickup code."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待领取")
        HANDED_OVER = "handed_over", _("已领取")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")

    LIVE = (Status.PENDING, Status.HANDED_OVER)

    prize = models.ForeignKey(Prize, verbose_name=_("奖品"), on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey("core.Member", verbose_name=_("会员"), on_delete=models.PROTECT, related_name="prize_redemptions")
    # The member's union when they redeemed: reports group and scope by it without a join through members.
    organisation = models.ForeignKey("core.Organisation", verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(PickupPlace, verbose_name=_("取货点"), on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("积分"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    code = models.CharField(_("取货码"), max_length=12, unique=True)
    idempotency_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(_("兑换时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("领取截止"))
    handed_over_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "prize", "status"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["organisation", "created_at"]),
            models.Index(fields=["place", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "idempotency_key"], name="prize_redemption_idempotent"),
        ]

    def __str__(self) -> str:
        return f"{self.prize_id}:{self.code}"

    @property
    def source(self) -> str:
        return f"prizes.redemption:{self.pk}"

    @property
    def display_code(self) -> str:
        """The short code as people read it aloud: two groups of four."""
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @staticmethod
    def expiry_for(prize: Prize, at) -> timezone.datetime:
        return at + timedelta(days=prize.pickup_days)
