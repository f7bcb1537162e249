"""The kernel's data: the organisation tree, people, roles, tokens, one-time codes and audit."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.storage import attachment_path, job_input_path, job_output_path, private_storage


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class Organisation(TimeStamped):
    """A union in the tree: district → street / industry unions → grassroots unions.

    ``path`` is a materialised path of zero-padded ids ("000001.000007.000342.") so that a
    subtree is one indexed prefix match; ``street`` points at the geographic street union
    (for an industry union's grassroots unions too) so figures group by street in one join.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", _("区总工会")
        STREET = "street", _("街道总工会")
        INDUSTRY = "industry", _("行业系统工会")
        GRASSROOTS = "grassroots", _("基层工会")

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        PARK = "park", _("园区")
        COMMUNITY = "community", _("社区")
        BUILDING = "building", _("重点商务楼宇")
        INSTITUTION = "institution", _("机关事业单位")
        FEDERATION = "federation", _("工会组织")

    class Ownership(models.TextChoices):
        STATE = "state", _("国有")
        NON_PUBLIC = "non_public", _("非公有制")
        COLLECTIVE = "collective", _("集体")
        FOREIGN = "foreign", _("外资")
        NONE = "", _("不适用")

    name = models.CharField(_("名称"), max_length=120)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.FEDERATION)
    ownership = models.CharField(_("所有制"), max_length=16, choices=Ownership.choices, blank=True, default="")
    parent = models.ForeignKey("self", verbose_name=_("上级工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    street = models.ForeignKey(
        "self", verbose_name=_("所属街道"), null=True, blank=True, on_delete=models.PROTECT, related_name="street_members"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True, default="")
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("会员人数"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["level", "kind"]),
            models.Index(fields=["street", "level"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""), name="org_unique_credit_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        creating = self.pk is None
        super().save(*args, **kwargs)
        expected = self.compute_path()
        if creating or expected != self.path:
            self.path = expected
            self.depth = expected.count(".") - 1
            if self.level == self.Level.STREET:
                self.street_id = self.pk
            Organisation.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth, street_id=self.street_id)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.pk:07d}."

    def descendants(self, include_self: bool = True):
        qs = Organisation.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestors(self):
        ids = [int(part) for part in self.path.strip(".").split(".") if part]
        return Organisation.objects.filter(pk__in=ids).order_by("depth")

    def is_within(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)


class CoverageUnit(TimeStamped):
    """A park, community or key commercial building that should have a union (the coverage base)."""

    class Kind(models.TextChoices):
        PARK = "park", _("园区")
        COMMUNITY = "community", _("社区")
        BUILDING = "building", _("重点商务楼宇")

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    street = models.ForeignKey(Organisation, verbose_name=_("所属街道"), on_delete=models.PROTECT, related_name="coverage_units")
    union = models.ForeignKey(
        Organisation, verbose_name=_("已建工会"), null=True, blank=True, on_delete=models.SET_NULL, related_name="covered_units"
    )

    class Meta:
        verbose_name = _("覆盖对象")
        verbose_name_plural = _("覆盖对象")
        unique_together = [("street", "kind", "name")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Everyone who logs in. Staff use a password; workers log in by phone one-time code."""

    phone = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True)
    display_name = models.CharField(_("姓名"), max_length=40, blank=True, default="")

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Member(TimeStamped):
    """A union member (会员/职工) on a grassroots union's roster."""

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")
        UNKNOWN = "", _("未填")

    class Tag(models.TextChoices):
        OUTDOOR = "outdoor", _("户外劳动者")
        COURIER = "courier", _("快递员")
        MIGRANT = "migrant", _("农民工")
        YOUNG_ENTREPRENEUR = "young_entrepreneur", _("青年创业者")
        MEDICAL = "medical", _("一线医务人员")
        DIFFICULT = "difficult", _("困难职工")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        LEFT = "left", _("已转出")
        CLOSED = "closed", _("已注销")

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="member")
    organisation = models.ForeignKey(Organisation, verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    employee_no = models.CharField(_("工号"), max_length=32, blank=True, default="")
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True, default="")
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    tags = models.JSONField(_("群体标签"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    joined_on = models.DateField(_("入会日期"), default=timezone.localdate)
    # A worker's name shows on public rankings only with this separate, revocable consent.
    ranking_consent = models.BooleanField(_("同意在排行榜显示姓名"), default=False)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return self.name


class MemberTransfer(models.Model):
    """History of a member moving between organisations."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(default=timezone.now)
    moved_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("会员转移记录")
        verbose_name_plural = _("会员转移记录")
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_organisation_id} → {self.to_organisation_id}"


class ConsentRecord(models.Model):
    """Every change of a member's ranking consent, kept for PIPL accountability."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consent_records")
    purpose = models.CharField(max_length=32, default="ranking_name")
    granted = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.member_id} {self.purpose} {self.granted}"


class RoleAssignment(models.Model):
    """A staff role held by a user at one organisation; the role's scope is that organisation's subtree."""

    class Role(models.TextChoices):
        DISTRICT_STAFF = "district_staff", _("区总工会工作人员")
        STREET_STAFF = "street_staff", _("街道/行业工会工作人员")
        GRASSROOTS_ADMIN = "grassroots_admin", _("基层工会管理员")
        COLLECTOR = "collector", _("分拣员")
        INSPECTOR = "inspector", _("检查员")
        # Scores what the district assigns to them (studio applications …) and sees nothing else.
        EXPERT = "expert", _("评审专家")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, verbose_name=_("所在组织"), on_delete=models.CASCADE, related_name="role_assignments")

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        unique_together = [("user", "role", "organisation")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.organisation}"


class ApiToken(models.Model):
    """A device token (collector handhelds). Only its SHA-256 is stored; it can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("设备名称"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("设备令牌")
        verbose_name_plural = _("设备令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        raw = "uh_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(raw), prefix=raw[3:11])
        return token, raw

    @classmethod
    def mark_used(cls, token_id: int, last_used_at, now) -> None:
        """Record a use at most once a minute: a write per request would double a scan's work."""
        if cls.use_to_mark(last_used_at, now):
            cls.objects.filter(pk=token_id).update(last_used_at=now)

    @staticmethod
    def use_to_mark(last_used_at, now) -> bool:
        """Whether a use at ``now`` is to be recorded (``mark_used``'s rule, for a caller that
        writes it in a statement of its own transaction)."""
        return last_used_at is None or (now - last_used_at).total_seconds() > 60


class WechatBinding(models.Model):
    """A worker's WeChat identity for the optional WeChat web login (core/wechat.py): the official
    account's openid (and the unionid when the account is tied to an open platform), bound to the
    user once, after one SMS check; from then on a login inside WeChat needs no code."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="wechat_bindings")
    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.openid[:6]}… → {self.user_id}"


class PhoneOTP(models.Model):
    """A one-time login code sent by SMS; only its hash is kept. Single use, expires, limited tries."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} @ {self.created_at:%Y-%m-%d %H:%M}"


class AuditLog(models.Model):
    """Who changed what, when: written by every service that changes staff-managed data."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(max_length=200, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"

    @property
    def change_items(self) -> list:
        # Templates resolve ``changes.items`` as the key "items" first (a rubric's audit has one).
        return list(self.changes.items()) if isinstance(self.changes, dict) else []


class PersonalDataAccess(models.Model):
    """A staff member looked at a person's personal data (PIPL): who looked at whom, what, when."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    viewer = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=40)
    context = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.member_id}: {self.field}"


class IdempotencyRecord(models.Model):
    """The first answer to a retried write: same key + same body → same answer; different body → refused."""

    key = models.CharField(max_length=80)
    scope = models.CharField(max_length=40)
    user = models.ForeignKey(User, null=True, on_delete=models.CASCADE, related_name="+")
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "user", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class BackgroundJob(models.Model):
    """Work that takes longer than a page should wait (a roster import, a report): queued by a
    page, run by the task worker, followed by the page's progress bar, kept for its owner.

    Files: ``input_file`` (the upload) is deleted as soon as the job has run — it holds
    personal data and the job's outcome is kept in ``result``; ``output_file`` (a download)
    lives until retention removes the job (``core.jobs.jobs_purge``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=40)
    title = models.CharField(_("任务"), max_length=120)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="jobs")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=80, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Personal data: kept outside MEDIA_ROOT under a random token, served only by the download view.
    input_file = models.FileField(upload_to=job_input_path, storage=private_storage, max_length=200, blank=True, default="")
    input_name = models.CharField(max_length=200, blank=True, default="")
    output_file = models.FileField(upload_to=job_output_path, storage=private_storage, max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class Notification(models.Model):
    """A message to one user in the platform (their inbox at /notifications/): a step of their
    application, a reminder of a deadline. The subject is any object, named by type and id."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True, default="")
    url = models.CharField(max_length=300, blank=True, default="")
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="core_notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"


class Attachment(models.Model):
    """A file attached to any object of a programme that registered itself as an attachment owner
    (``registry.add_attachment_owner``): kept in the private storage under an unguessable path,
    served only through ``core.views_attachments`` to those the owner's rules allow."""

    object_type = models.CharField(max_length=64)  # "app.model" of the owner
    object_id = models.CharField(max_length=64)
    file = models.FileField(max_length=200, storage=private_storage, upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=120)
    kind = models.CharField(_("类型"), max_length=8)  # pdf, image, docx, xlsx
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return self.name
