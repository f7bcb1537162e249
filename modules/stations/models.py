"""职工暖心驿站: the registry of rest stations for outdoor workers, their opening hours,
grants, ratings and problem reports, the tasks those open, and the yearly inspection.

Coordinates are **WGS-84** (what a phone's GPS and ``navigator.geolocation`` give); map links
say so to the map app (``coordinate=wgs84``). Opening hours are kept as the staff typed them
(``hours``: weekday → intervals) and, for the "open now" search, as precomputed minute-of-week
slots (``StationOpenSlot``), overnight intervals split at the week's end.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.numbers import yuan


class Kind(models.TextChoices):
    SHOP = "shop", _("商户门店")
    BANK = "bank", _("银行网点")
    OFFICE = "office", _("办公楼大堂")
    COMMUNITY = "community", _("社区活动室")
    UNION = "union", _("工会服务站")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    BUILDING = "building", _("建设中")
    OPEN = "open", _("运营中")
    SUSPENDED = "suspended", _("暂停服务")
    CLOSED = "closed", _("已关闭")


# Services are bits of one integer so "has all the services asked for" is one mask test.
SERVICES = [
    ("water", 1, _("饮用水")),
    ("heating", 2, _("热饭")),
    ("charging", 4, _("手机充电")),
    ("seats", 8, _("休息座椅")),
    ("toilet", 16, _("卫生间")),
    ("first_aid", 32, _("急救药箱")),
    ("repair", 64, _("雨伞/维修工具")),
    ("climate", 128, _("空调/暖气")),
]
SERVICE_BITS = {code: bit for code, bit, _label in SERVICES}
SERVICE_LABELS = {code: label for code, _bit, label in SERVICES}
WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


def services_mask(codes) -> int:
    mask = 0
    for code in codes or ():
        mask |= SERVICE_BITS[code]
    return mask


def services_of(mask: int) -> list[str]:
    return [code for code, bit, _label in SERVICES if mask & bit]


class Station(models.Model):
    name = models.CharField(_("驿站名称"), max_length=120)
    host = models.ForeignKey("core.Organisation", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="hosted_stations")
    street = models.ForeignKey("core.Organisation", verbose_name=_("所属街道"), on_delete=models.PROTECT, related_name="street_stations")
    address = models.CharField(_("地址"), max_length=200)
    landmark = models.CharField(_("地标/附近"), max_length=120, blank=True, default="")
    lat = models.FloatField(_("纬度（WGS-84）"), db_index=True)
    lng = models.FloatField(_("经度（WGS-84）"), db_index=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    hours = models.JSONField(_("开放时间"), default=dict, blank=True)
    services = models.PositiveIntegerField(_("服务项目"), default=0)
    capacity = models.PositiveSmallIntegerField(_("可容纳人数"), default=0)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True, default="")
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.BUILDING, db_index=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True, db_index=True)
    note = models.CharField(_("备注"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("暖心驿站")
        verbose_name_plural = _("暖心驿站")
        ordering = ["street_id", "name"]
        indexes = [models.Index(fields=["status", "lat", "lng"], name="station_status_lat_lng")]

    def __str__(self) -> str:
        return self.name

    @property
    def service_codes(self) -> list[str]:
        return services_of(self.services)

    @property
    def service_labels(self) -> list[str]:
        return [SERVICE_LABELS[c] for c in self.service_codes]


class StationOpenSlot(models.Model):
    """An open interval in minutes since Monday 00:00 (Asia/Shanghai), [start, end)."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="open_slots")
    start = models.PositiveSmallIntegerField()
    end = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["station", "start", "end"], name="station_slot_idx")]

    def __str__(self) -> str:
        return f"{self.station_id}:{self.start}-{self.end}"


class StationStatusChange(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=10, choices=Status.choices, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=10, choices=Status.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.station_id}: {self.from_status}→{self.to_status}"


class StationGrant(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="grants")
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.amount_yuan}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class StationPhoto(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="stations/photos/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=100, blank=True, default="")
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.caption or self.image.name


class StationRating(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey("core.Member", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    stars = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("留言"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["station", "member", "day"], name="station_rating_once_a_day"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="station_rating_stars_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} ★{self.stars}"


class ProblemKind(models.TextChoices):
    NO_WATER = "no_water", _("没有饮用水")
    CLOSED = "closed", _("开放时间内未开门")
    DIRTY = "dirty", _("环境不整洁")
    BROKEN = "broken", _("设施损坏")
    NO_SIGN = "no_sign", _("找不到标识")
    OTHER = "other", _("其他问题")


class ProblemReport(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="problems")
    member = models.ForeignKey("core.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("问题类型"), max_length=12, choices=ProblemKind.choices)
    description = models.CharField(_("问题描述"), max_length=500, blank=True, default="")
    photo = models.ImageField(_("照片"), upload_to="stations/problems/%Y/%m/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.station_id}"


class InspectionPlan(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    name = models.CharField(_("计划名称"), max_length=120)
    rubric = models.ForeignKey("review.Rubric", verbose_name=_("检查评估标准"), on_delete=models.PROTECT, related_name="+")
    fix_days = models.PositiveSmallIntegerField(_("整改期限（天）"), default=30)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "-pk"]

    def __str__(self) -> str:
        return self.name


class InspectionAssignment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待检查")
        DONE = "done", _("已检查")

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="assignments")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查员"), on_delete=models.PROTECT, related_name="station_inspections"
    )
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.PENDING, db_index=True)
    evaluation = models.OneToOneField("review.Evaluation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("检查时间"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "station__street_id", "station__name"]
        constraints = [models.UniqueConstraint(fields=["plan", "station"], name="inspection_station_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.station_id}"


class InspectionSubmission(models.Model):
    """Each sent checklist under the phone's client key: a resend with the same key is a no-op."""

    client_key = models.CharField(max_length=64)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(InspectionAssignment, on_delete=models.CASCADE, related_name="submissions")
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspector", "client_key"], name="inspection_client_key_once")]

    def __str__(self) -> str:
        return self.client_key


class InspectionPhoto(models.Model):
    assignment = models.ForeignKey(InspectionAssignment, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="stations/inspections/%Y/%m/")
    item_code = models.CharField(max_length=32, blank=True, default="")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.image.name


class StationTask(models.Model):
    """Work for the host (and its street): a worker's problem report or an inspection's fix."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("问题反映")
        FIX = "fix", _("检查整改")

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        IN_PROGRESS = "in_progress", _("处理中")
        RESOLVED = "resolved", _("已解决")

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("详情"), blank=True, default="")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN, db_index=True)
    problem = models.ForeignKey(ProblemReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    assignment = models.ForeignKey(InspectionAssignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="fix_tasks")
    item_code = models.CharField(max_length=32, blank=True, default="")
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(_("处理结果"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self) -> str:
        return self.title
