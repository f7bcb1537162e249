"""Writes of the field side: batches of coded bags, label exports, binding, collection points and
collections (scans). Each takes the acting user, checks the rules, runs atomically and audits.

The scan path is the platform's hottest write, so it is built for round trips: the code is
checked without the database (``codes.parse``), one read fetches the bag, the point, the
collector's assignment and any earlier upload with the same ``client_id``; on PostgreSQL one
statement (a CTE) then inserts the collection, marks the bag and posts the points to the ledger
exactly as ``engines.ledger.services.entry_post`` would. Other databases take an ORM path
that does the same in a transaction.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit
from core.db import Statement, int_array, iso_array, prepared_cursor, text_array
from core.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from core.images import check_image
from core.models import ApiToken, Member, Organisation, User
from core.services import normalise_phone
from engines.ranking.periods import day_bounds
from modules.bags import codes
from modules.bags import points as rules_of_points
from modules.bags.models import Bag, BagBatch, Category, Collection, CollectionPoint, Grade, LabelExport, WrongSortReason

log = logging.getLogger(__name__)

LEDGER_REASON = "bags.collection"
MIN_BATCH, MAX_BATCH = 10, 200_000
MAX_SCAN_BATCH = 500
MAX_BIND_ROWS = 20_000
# An offline device may upload scans made earlier; older than this they are refused.
SCAN_MAX_AGE = timedelta(days=7)
SCAN_MAX_SKEW = timedelta(minutes=10)


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


# --------------------------------------------------------------------------------------------
# Batches


def batch_create(*, actor: User, organisation: Organisation, size: int, note: str = "", progress=None) -> BagBatch:
    """Issue ``size`` new coded bags to a grassroots union, in one bulk statement."""
    if not actor.has_perm("bags.issue_batch", organisation):
        raise Forbidden("forbidden", _("您无权向该工会发放垃圾袋"), field="organisation")
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("invalid_organisation", _("垃圾袋只能发放给基层工会"), field="organisation")
    if not isinstance(size, int) or not MIN_BATCH <= size <= MAX_BATCH:
        raise Invalid("invalid_size", _("数量须在 %(min)s 到 %(max)s 之间") % {"min": MIN_BATCH, "max": f"{MAX_BATCH:,}"}, field="size")
    with transaction.atomic():
        batch = BagBatch.objects.create(organisation=organisation, size=size, note=(note or "")[:200], created_by=actor)
        first, last = insert_bags(batch_id=batch.pk, organisation_id=organisation.pk, size=size, progress=progress)
        BagBatch.objects.filter(pk=batch.pk).update(first_bag_id=first, last_bag_id=last, created=size, status=BagBatch.Status.READY)
        batch.first_bag_id, batch.last_bag_id, batch.created, batch.status = first, last, size, BagBatch.Status.READY
        audit(
            actor=actor,
            action="bags.batch_create",
            obj=batch,
            changes={"size": size, "first": first, "last": last},
            organisation=organisation,
        )
    return batch


INSERT_CHUNK = 50_000


def insert_bags(*, batch_id: int, organisation_id: int, size: int, progress=None) -> tuple[int, int]:
    """Insert ``size`` bags with contiguous ids; returns (first id, last id). Call inside a transaction.

    PostgreSQL: an advisory lock makes the id range ours, the sequence is moved past it and one
    ``INSERT … SELECT generate_series`` writes the rows. SQLite (one writer at a time): the range
    starts after the largest id and a recursive CTE writes the rows.
    """
    with connection.cursor() as cursor:
        if _on_postgres():
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('bags.insert_bags'))")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('bags_bag', 'id'),"
                " GREATEST((SELECT COALESCE(MAX(id), 0) FROM bags_bag), (SELECT last_value FROM bags_bag_id_seq)) + %s)",
                [size],
            )
            last = cursor.fetchone()[0]
            first = last - size + 1
            for start in range(first, last + 1, INSERT_CHUNK):
                end = min(last, start + INSERT_CHUNK - 1)
                cursor.execute(
                    "INSERT INTO bags_bag (id, batch_id, organisation_id) SELECT g, %s, %s FROM generate_series(%s::bigint, %s::bigint) AS g",
                    [batch_id, organisation_id, start, end],
                )
                if progress is not None:
                    progress(end - start + 1)
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM bags_bag")
            first = cursor.fetchone()[0] + 1
            last = first + size - 1
            for start in range(first, last + 1, INSERT_CHUNK):
                end = min(last, start + INSERT_CHUNK - 1)
                cursor.execute(
                    "WITH RECURSIVE s(x) AS (SELECT %s UNION ALL SELECT x + 1 FROM s WHERE x < %s)"
                    " INSERT INTO bags_bag (id, batch_id, organisation_id) SELECT x, %s, %s FROM s",
                    [start, end, batch_id, organisation_id],
                )
                if progress is not None:
                    progress(end - start + 1)
        else:  # a portable path for other databases
            start = (Bag.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
            Bag.objects.bulk_create(
                (Bag(id=start + i, batch_id=batch_id, organisation_id=organisation_id) for i in range(size)), batch_size=5000
            )
            first, last = start, start + size - 1
            if progress is not None:
                progress(size)
    if last > codes.MAX_SERIAL:
        raise Invalid("serials_exhausted", _("编码序号已用尽"))
    return first, last


def label_export_request(*, actor: User, batch: BagBatch, layout: str, base_url: str) -> LabelExport:
    """Ask for the batch's label PDF; it is made in the background (``tasks.labels_generate``)."""
    if not actor.has_perm("bags.view_batch", batch):
        raise Forbidden("forbidden", _("您无权操作该批次"))
    if layout not in LabelExport.Layout.values:
        raise Invalid("invalid_layout", _("请选择标签版式"), field="layout")
    if batch.status != BagBatch.Status.READY:
        raise Conflict("batch_not_ready", _("该批次尚未生成完毕"))
    if not re.match(r"^https?://[^\s/]+$", base_url or ""):
        raise Invalid("invalid_base_url", _("二维码地址无效"), field="base_url")
    running = batch.label_exports.filter(layout=layout, status__in=[LabelExport.Status.PENDING, LabelExport.Status.RUNNING]).first()
    if running is not None:
        return running
    export = LabelExport.objects.create(batch=batch, layout=layout, total=batch.size, base_url=base_url, created_by=actor)
    audit(
        actor=actor,
        action="bags.labels_request",
        obj=batch,
        changes={"layout": layout, "export": export.pk},
        organisation=batch.organisation,
    )

    from modules.bags.tasks import labels_generate

    transaction.on_commit(lambda: labels_generate.enqueue(export.pk))
    return export


# --------------------------------------------------------------------------------------------
# Binding


def _may_bind(bag_organisation: Organisation, member: Member) -> bool:
    """Bags are issued to a union for its members: the member's union is that union or below it."""
    return member.organisation.path.startswith(bag_organisation.path)


def bag_bind(*, actor: User, code: str) -> Bag:
    """A worker binds a bag they scanned; binding twice to the same worker is harmless."""
    parsed = codes.parse(code)
    if not parsed.ok:
        raise code_error(parsed.status)
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("not_a_member", _("只有在册职工才能绑定垃圾袋"))
    if member.status != Member.Status.ACTIVE:
        raise Forbidden("member_inactive", _("您的会员状态不是在册，无法绑定垃圾袋"))
    bag = Bag.objects.select_related("organisation").filter(pk=parsed.bag_id).first()
    if bag is None:
        raise NotFound("bag_not_issued", _("该垃圾袋尚未发放"), field="code")
    if bag.owner_id == member.pk:
        return bag
    if bag.owner_id is not None:
        raise Conflict("bag_bound_to_other", _("这个垃圾袋已经绑定给其他职工了，请换一个垃圾袋。"), field="code")
    if bag.collected_at is not None:
        raise Conflict("bag_already_collected", _("该垃圾袋已回收，不能再绑定。"), field="code")
    if not _may_bind(bag.organisation, member):
        raise Forbidden(
            "bag_other_union",
            _("这个垃圾袋是发给“%(org)s”会员使用的，您所在的工会不能绑定。请向本单位工会领取垃圾袋。") % {"org": bag.organisation.name},
            field="code",
        )
    now = timezone.now()
    updated = Bag.objects.filter(pk=bag.pk, owner__isnull=True, collected_at__isnull=True).update(owner=member, bound_at=now)
    if not updated:  # someone else bound it a moment ago
        bag.refresh_from_db(fields=["owner", "collected_at"])
        if bag.owner_id == member.pk:
            return bag
        raise Conflict("bag_bound_to_other", _("这个垃圾袋已经绑定给其他职工了，请换一个垃圾袋。"), field="code")
    bag.owner, bag.bound_at = member, now
    return bag


@dataclass
class BindRowError:
    row: int
    field: str
    message: str


class BulkBindError(Invalid):
    def __init__(self, errors: list[BindRowError]):
        super().__init__(
            "bind_rows_invalid",
            _("有 %(n)s 行有误，未绑定任何垃圾袋") % {"n": len(errors)},
            errors=[{"row": e.row, "field": e.field, "message": e.message} for e in errors[:200]],
        )
        self.errors = errors


def bags_bind_bulk(*, actor: User, batch: BagBatch, rows: list[tuple[str, str]]) -> int:
    """Bind bags to members from a roster: rows of (code, phone). All or nothing.

    Each row must name a bag of this batch that is neither bound to someone else nor collected,
    and the phone of an active member of the batch's union (or a union below it).
    Errors are collected for every row (numbered from 1) before anything is written.
    """
    if not actor.has_perm("bags.bind_batch", batch):
        raise Forbidden("forbidden", _("您无权操作该批次"))
    if not rows:
        raise Invalid("bind_rows_empty", _("没有要绑定的垃圾袋"), field="rows")
    if len(rows) > MAX_BIND_ROWS:
        raise Invalid("bind_rows_too_many", _("一次最多绑定 %(n)s 个垃圾袋") % {"n": MAX_BIND_ROWS}, field="rows")
    errors: list[BindRowError] = []
    parsed_rows: list[tuple[int, int, str]] = []
    seen: dict[int, int] = {}
    for number, (raw_code, raw_phone) in enumerate(rows, start=1):
        parsed = codes.parse(raw_code)
        if not parsed.ok:
            errors.append(BindRowError(number, "code", str(code_error(parsed.status).message)))
            continue
        if not batch.first_bag_id or not batch.first_bag_id <= parsed.bag_id <= batch.last_bag_id:
            errors.append(BindRowError(number, "code", _("该垃圾袋不属于本批次")))
            continue
        if parsed.bag_id in seen:
            errors.append(BindRowError(number, "code", _("与第 %(row)s 行重复") % {"row": seen[parsed.bag_id]}))
            continue
        seen[parsed.bag_id] = number
        try:
            phone = normalise_phone(raw_phone or "")
        except ApiError as error:
            errors.append(BindRowError(number, "phone", str(error.message)))
            continue
        parsed_rows.append((number, parsed.bag_id, phone))
    phones = {phone for _n, _b, phone in parsed_rows}
    members = {
        m.phone: m
        for m in Member.objects.filter(phone__in=phones).select_related("organisation").only("id", "phone", "status", "organisation__path")
    }
    bags = {
        b["id"]: b for b in Bag.objects.filter(pk__in=[bag_id for _n, bag_id, _p in parsed_rows]).values("id", "owner_id", "collected_at")
    }
    updates: dict[int, list[int]] = {}
    for number, bag_id, phone in parsed_rows:
        member = members.get(phone)
        bag = bags.get(bag_id)
        if member is None:
            errors.append(BindRowError(number, "phone", _("名册中没有手机号为 %(phone)s 的会员") % {"phone": phone}))
        elif member.status != Member.Status.ACTIVE:
            errors.append(BindRowError(number, "phone", _("该会员不是在册状态")))
        elif not _may_bind(batch.organisation, member):
            errors.append(BindRowError(number, "phone", _("该会员不属于“%(org)s”") % {"org": batch.organisation.name}))
        elif bag is None:
            errors.append(BindRowError(number, "code", _("该垃圾袋尚未发放")))
        elif bag["collected_at"] is not None:
            errors.append(BindRowError(number, "code", _("该垃圾袋已回收")))
        elif bag["owner_id"] not in (None, member.pk):
            errors.append(BindRowError(number, "code", _("该垃圾袋已绑定给其他职工")))
        elif bag["owner_id"] is None:
            updates.setdefault(member.pk, []).append(bag_id)
    if errors:
        errors.sort(key=lambda e: e.row)
        raise BulkBindError(errors)
    now = timezone.now()
    bound = 0
    with transaction.atomic():
        for member_id, bag_ids in updates.items():
            changed = Bag.objects.filter(pk__in=bag_ids, owner__isnull=True, collected_at__isnull=True).update(
                owner_id=member_id, bound_at=now
            )
            if changed != len(bag_ids):  # someone bound or collected one meanwhile: refuse the whole roster
                raise Conflict("bind_race", _("部分垃圾袋刚刚被绑定或回收，请刷新后重试"))
            bound += changed
        audit(actor=actor, action="bags.bind_bulk", obj=batch, changes={"bound": bound, "rows": len(rows)}, organisation=batch.organisation)
    return bound


def code_range_rows(*, batch: BagBatch, first_code: str, last_code: str, phone: str) -> list[tuple[str, str]]:
    """A range of codes (a roll of bags handed to one worker) as roster rows."""
    first, last = codes.parse(first_code), codes.parse(last_code)
    for name, parsed in (("first_code", first), ("last_code", last)):
        if not parsed.ok:
            raise Invalid(f"bag_code_{parsed.status.value}", code_error(parsed.status).message, field=name)
    if last.bag_id < first.bag_id:
        raise Invalid("invalid_range", _("结束编码应在起始编码之后"), field="last_code")
    if last.bag_id - first.bag_id + 1 > MAX_BIND_ROWS:
        raise Invalid("bind_rows_too_many", _("一次最多绑定 %(n)s 个垃圾袋") % {"n": MAX_BIND_ROWS}, field="last_code")
    return [(code, phone) for _id, code in codes.encode_many(first.bag_id, last.bag_id)]


# --------------------------------------------------------------------------------------------
# Collection points


def _point_fields(*, actor, street, name, address, latitude, longitude, served, collectors, is_active):
    if street is None or street.level != Organisation.Level.STREET:
        raise Invalid("invalid_street", _("请选择所属街道"), field="street")
    if not actor.has_perm("bags.add_point_in", street):
        raise Forbidden("forbidden", _("您无权管理该街道的收集点"), field="street")
    name = (name or "").strip()
    if not name:
        raise Invalid("required", _("请填写收集点名称"), field="name")
    for value, fname, low, high in ((latitude, "latitude", -90, 90), (longitude, "longitude", -180, 180)):
        if value is not None and not low <= value <= high:
            raise Invalid("invalid_coordinate", _("坐标超出范围"), field=fname)
    served = list(served or [])
    for org in served:
        if not org.path.startswith(street.path) and org.street_id != street.pk:
            raise Invalid("invalid_served", _("“%(org)s”不在本街道") % {"org": org.name}, field="served_organisations")
    collectors = list(collectors or [])
    from core.models import RoleAssignment

    allowed = set(RoleAssignment.objects.filter(user__in=collectors, role=RoleAssignment.Role.COLLECTOR).values_list("user_id", flat=True))
    for user in collectors:
        if user.pk not in allowed:
            raise Invalid("invalid_collector", _("“%(user)s”没有分拣员角色") % {"user": user}, field="collectors")
    return name, served, collectors


def point_create(
    *,
    actor: User,
    street: Organisation,
    name: str,
    address: str = "",
    latitude=None,
    longitude=None,
    served=(),
    collectors=(),
    is_active: bool = True,
) -> CollectionPoint:
    name, served, collectors = _point_fields(
        actor=actor,
        street=street,
        name=name,
        address=address,
        latitude=latitude,
        longitude=longitude,
        served=served,
        collectors=collectors,
        is_active=is_active,
    )
    with transaction.atomic():
        point = CollectionPoint.objects.create(
            name=name, street=street, address=(address or "")[:200], latitude=latitude, longitude=longitude, is_active=is_active
        )
        point.served_organisations.set(served)
        point.collectors.set(collectors)
        audit(actor=actor, action="bags.point_create", obj=point, changes={"name": name}, organisation=street)
    return point


def point_update(
    *,
    actor: User,
    point: CollectionPoint,
    street: Organisation,
    name: str,
    address: str = "",
    latitude=None,
    longitude=None,
    served=(),
    collectors=(),
    is_active: bool = True,
) -> CollectionPoint:
    if not actor.has_perm("bags.manage_point", point):
        raise Forbidden("forbidden", _("您无权管理该收集点"))
    name, served, collectors = _point_fields(
        actor=actor,
        street=street,
        name=name,
        address=address,
        latitude=latitude,
        longitude=longitude,
        served=served,
        collectors=collectors,
        is_active=is_active,
    )
    with transaction.atomic():
        changes = {
            k: [str(getattr(point, k)), str(v)]
            for k, v in {"name": name, "street": street, "address": address, "is_active": is_active}.items()
            if getattr(point, k) != v
        }
        point.name, point.street, point.address, point.latitude, point.longitude, point.is_active = (
            name,
            street,
            (address or "")[:200],
            latitude,
            longitude,
            is_active,
        )
        point.save()
        point.served_organisations.set(served)
        point.collectors.set(collectors)
        audit(actor=actor, action="bags.point_update", obj=point, changes=changes, organisation=street)
    return point


def point_delete(*, actor: User, point: CollectionPoint) -> bool:
    """Delete a point with no collections; a point that has collected is deactivated instead."""
    if not actor.has_perm("bags.manage_point", point):
        raise Forbidden("forbidden", _("您无权管理该收集点"))
    with transaction.atomic():
        if point.collections.exists():
            point.is_active = False
            point.save(update_fields=["is_active"])
            audit(actor=actor, action="bags.point_deactivate", obj=point, organisation=point.street)
            return False
        audit(actor=actor, action="bags.point_delete", obj=point, organisation=point.street)
        point.delete()
    return True


# --------------------------------------------------------------------------------------------
# Collections (scans)

CODE_ERRORS = {
    codes.CodeStatus.UNKNOWN: ("bag_code_unknown", 422, "无法识别的编码：这不是垃圾袋二维码"),
    codes.CodeStatus.MISTYPED: ("bag_code_mistyped", 422, "编码输入有误（校验位不符），请核对后重新输入"),
    codes.CodeStatus.FORGED: ("bag_code_forged", 422, "编码校验失败：疑似伪造的垃圾袋，请留存并上报"),
}


def code_error(status: codes.CodeStatus) -> ApiError:
    code, http, message = CODE_ERRORS[status]
    return ApiError(code, _(message), field="code", status=http)


@dataclass
class ScanIn:
    client_id: str
    code: str
    point_id: int
    category: str
    grade: str = Grade.CORRECT
    reasons: list[str] = field(default_factory=list)
    weight_grams: int | None = None
    scanned_at: datetime | None = None


@dataclass
class PendingCollection:
    """A collection of a batch upload on its way in: the fields the writes need, without building
    500 model instances (their constructor was a fifth of an upload's Python time)."""

    bag_id: int
    client_id: str
    point_id: int
    collector_id: int
    category: str
    grade: str
    reasons: list[str]
    weight_grams: int | None
    collected_at: datetime
    owner_id: int | None
    organisation_id: int
    street_id: int | None
    points_awarded: int = 0
    pk: int | None = None

    def as_model(self) -> Collection:
        return Collection(
            bag_id=self.bag_id,
            client_id=self.client_id,
            point_id=self.point_id,
            collector_id=self.collector_id,
            category=self.category,
            grade=self.grade,
            reasons=self.reasons,
            weight_grams=self.weight_grams,
            collected_at=self.collected_at,
            owner_id=self.owner_id,
            organisation_id=self.organisation_id,
            street_id=self.street_id,
            points_awarded=self.points_awarded,
        )


@dataclass
class ScanResult:
    client_id: str
    ok: bool
    status: int
    code: str = "collected"
    message: str = ""
    field: str | None = None
    collection_id: int | None = None
    bag_id: int | None = None
    bag_code: str = ""
    grade: str = ""
    category: str = ""
    points: int = 0
    bound: bool = False
    replayed: bool = False

    def as_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "ok": self.ok,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "collection_id": self.collection_id,
            "bag_code": self.bag_code,
            "grade": self.grade,
            "category": self.category,
            "points": self.points,
            "bound": self.bound,
            "replayed": self.replayed,
        }


def _fail(item: ScanIn, code: str, message, status: int = 422, field: str | None = None, bag_code: str = "") -> ScanResult:
    return ScanResult(item.client_id, False, status, code, str(message), field, bag_code=bag_code)


_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Choice values as sets once: the enums' ``.values`` builds a new list on every access.
_CATEGORIES = frozenset(Category.values)
_GRADES = frozenset(Grade.values)
_REASONS = frozenset(WrongSortReason.values)


def _validate(item: ScanIn, now: datetime) -> ScanResult | None:
    """Checks that need no database; None when the item may proceed."""
    if not item.client_id or not _CLIENT_ID.fullmatch(item.client_id):
        return _fail(item, "invalid_client_id", _("client_id 须为 1-64 位字母、数字或 -_.:"), field="client_id")
    if item.category not in _CATEGORIES:
        return _fail(item, "invalid_category", _("请选择垃圾分类"), field="category")
    if item.grade not in _GRADES:
        return _fail(item, "invalid_grade", _("请选择分类质量"), field="grade")
    if item.grade == Grade.CORRECT and item.reasons:
        return _fail(item, "reasons_for_correct", _("合格的垃圾袋不需要填写不合格原因"), field="reasons")
    if len(item.reasons) > len(_REASONS) or any(r not in _REASONS for r in item.reasons):
        return _fail(item, "invalid_reason", _("不合格原因无效"), field="reasons")
    if item.weight_grams is not None and not 0 < item.weight_grams <= 100_000:
        return _fail(item, "invalid_weight", _("重量须在 1 克到 100 千克之间"), field="weight_grams")
    if item.scanned_at is not None:
        if timezone.is_naive(item.scanned_at):
            item.scanned_at = timezone.make_aware(item.scanned_at)
        if item.scanned_at > now + SCAN_MAX_SKEW:
            return _fail(item, "scanned_in_future", _("扫描时间晚于当前时间，请校准设备时间"), field="scanned_at")
        if item.scanned_at < now - SCAN_MAX_AGE:
            return _fail(item, "scan_too_old", _("扫描记录超过7天，不能再上传"), field="scanned_at")
    return None


def _same_body(existing: dict, item: ScanIn, bag_id: int | None) -> bool:
    return (
        existing["bag_id"] == bag_id
        and existing["point_id"] == item.point_id
        and existing["category"] == item.category
        and existing["grade"] == item.grade
        and sorted(existing["reasons"] or []) == sorted(item.reasons)
        and existing["weight_grams"] == item.weight_grams
    )


def _replay(item: ScanIn, existing: dict, bag_id: int | None, actor_id: int) -> ScanResult:
    if existing["collector_id"] != actor_id or not _same_body(existing, item, bag_id):
        return _fail(item, "idempotency_conflict", _("该 client_id 已用于另一条不同的扫描记录"), status=409, field="client_id")
    return ScanResult(
        item.client_id,
        True,
        200,
        "collected",
        _("已回收（重复上传，未重复计分）"),
        None,
        existing["id"],
        existing["bag_id"],
        codes.encode(existing["bag_id"]),
        existing["grade"],
        existing["category"],
        existing["points_awarded"],
        existing["owner_id"] is not None,
        True,
    )


_COLLECTION_FIELDS = (
    "id",
    "bag_id",
    "point_id",
    "collector_id",
    "category",
    "grade",
    "reasons",
    "weight_grams",
    "owner_id",
    "points_awarded",
)


def _points_for(owner_id: int | None, category: str, grade: str, at: datetime) -> int:
    if owner_id is None or grade != Grade.CORRECT:
        return 0
    from modules.bags.points import points_for_collection

    return max(0, int(points_for_collection(owner_id=owner_id, category=category, grade=grade, at=at)))


def _points_for_round(collections: list[Collection]) -> None:
    """Set ``points_awarded`` on a round (at most one collection per owner).

    Uses the worker side's set-based ``points_for_collections`` when it offers one (one query
    for the whole round); otherwise asks ``points_for_collection`` bag by bag.
    """
    eligible = [c for c in collections if c.owner_id is not None and c.grade == Grade.CORRECT]
    for c in collections:
        c.points_awarded = 0
    if not eligible:
        return
    from modules.bags import points

    bulk = getattr(points, "points_for_collections", None)
    if bulk is not None:
        awarded = bulk([(c.owner_id, c.category, c.grade, c.collected_at) for c in eligible])
        for c, value in zip(eligible, awarded, strict=True):
            c.points_awarded = max(0, int(value))
        return
    _points_for_round_set_based(eligible)


def _points_for_round_set_based(eligible: list[Collection]) -> None:
    """The rule of ``points.points_for_collection`` for a whole round in three queries.

    Same terms (newest active rule of the category valid at the bag's time, else the newest
    catch-all rule, else ``points.DEFAULT_TERMS``), the same owner row lock (taken in id order,
    so rounds cannot deadlock), and the same daily cap over the owner's Beijing calendar day.
    ``test_field_scans`` checks it gives what the per-bag function gives.
    """
    from core.models import Member

    owners = sorted({c.owner_id for c in eligible})
    if connection.features.has_select_for_update:
        # NO KEY: a collection insert's foreign-key check (KEY SHARE on the owner) must not wait on it.
        list(Member.objects.select_for_update(no_key=True).filter(pk__in=owners).order_by("pk").values_list("pk", flat=True))
    rules = _active_rules()
    bounds = {c.pk or id(c): day_bounds(c.collected_at) for c in eligible}
    start = min(b[0] for b in bounds.values())
    end = max(b[1] for b in bounds.values())
    earned: dict[int, list[tuple[datetime, int]]] = {}
    for owner, at, p in Collection.objects.filter(
        owner_id__in=owners, collected_at__gte=start, collected_at__lt=end, points_awarded__gt=0
    ).values_list("owner_id", "collected_at", "points_awarded"):
        earned.setdefault(owner, []).append((at, p))
    for c in eligible:
        day_start, day_end = bounds[c.pk or id(c)]
        today = sum(p for at, p in earned.get(c.owner_id, ()) if day_start <= at < day_end)
        points, cap = _terms(rules, c.category, c.collected_at)
        c.points_awarded = max(0, min(points, cap - today)) if points > 0 else 0


def ranking_feed_enabled() -> bool:
    from modules.bags import ranking_feed

    return ranking_feed.enabled()


def _after_commit(collections: list[Collection]) -> None:
    """Inline ranking updates, where the background feed (``ranking_feed``) does not run."""
    if not collections or ranking_feed_enabled():
        return

    def notify():
        from modules.bags import rankings

        bulk = getattr(rankings, "on_collections", None)
        if bulk is not None:
            bulk(collections)
        else:
            for collection in collections:
                rankings.on_collection(collection)

    transaction.on_commit(notify)


_SCAN_READ_SQL = """
SELECT p.id, p.is_active, p.street_id,
  EXISTS (SELECT 1 FROM bags_collectionpoint_collectors c WHERE c.collectionpoint_id = p.id AND c.user_id = %s),
  b.id, b.organisation_id, b.owner_id, b.collected_at, o.street_id, bt.status,
  CASE WHEN b.id IS NULL THEN FALSE
       WHEN EXISTS (SELECT 1 FROM bags_collectionpoint_served_organisations s WHERE s.collectionpoint_id = p.id)
       THEN EXISTS (SELECT 1 FROM bags_collectionpoint_served_organisations s JOIN core_organisation so ON so.id = s.organisation_id
                    WHERE s.collectionpoint_id = p.id AND o.path LIKE so.path || '%%')
       ELSE o.street_id = p.street_id END,
  cc.id, cc.bag_id, cc.point_id, cc.collector_id, cc.category, cc.grade, cc.reasons, cc.weight_grams, cc.owner_id, cc.points_awarded
FROM bags_collectionpoint p
LEFT JOIN bags_bag b ON b.id = %s
LEFT JOIN core_organisation o ON o.id = b.organisation_id
LEFT JOIN bags_bagbatch bt ON bt.id = b.batch_id
LEFT JOIN bags_collection cc ON cc.client_id = %s
WHERE p.id = %s
"""


def _is_collector(actor: User) -> bool:
    return scoping.has_role(actor, scoping.Role.COLLECTOR)


def _not_collector(item: ScanIn) -> ScanResult:
    return _fail(item, "not_collector", _("只有分拣员可以上传回收记录"), status=403)


def _found_collection(existing: list) -> dict:
    found = dict(zip(_COLLECTION_FIELDS, existing, strict=True))
    if isinstance(found["reasons"], str):
        found["reasons"] = json.loads(found["reasons"])
    return found


def _refusal(
    item: ScanIn, parsed: codes.ParsedCode, *, point_id, point_active, assigned, bag_id, batch_status, bag_collected, served
) -> ScanResult:
    """Why a scan was not recorded, checked in the order a collector can act on."""
    if point_id is None:
        return _fail(item, "point_not_found", _("收集点不存在"), status=404, field="point_id")
    if not assigned:
        return _fail(item, "not_point_collector", _("您不是该收集点的分拣员"), status=403, field="point_id")
    if not point_active:
        return _fail(item, "point_inactive", _("该收集点已停用"), status=409, field="point_id")
    if not parsed.ok:
        error = code_error(parsed.status)
        return _fail(item, error.code, error.message, status=error.status, field="code", bag_code=parsed.code)
    if bag_id is None or batch_status != BagBatch.Status.READY:
        return _fail(
            item, "bag_not_issued", _("该垃圾袋尚未发放（编码有效，但没有发放记录）"), status=404, field="code", bag_code=parsed.code
        )
    if bag_collected is not None:
        return _fail(item, "bag_already_collected", _("该垃圾袋已回收，不能重复计分"), status=409, field="code", bag_code=parsed.code)
    if not served:
        return _fail(item, "bag_not_served", _("该垃圾袋所属工会不在本收集点服务范围内"), status=403, field="code", bag_code=parsed.code)
    return None


def _after_race(item: ScanIn, parsed: codes.ParsedCode, bag_id: int | None, actor_id: int) -> ScanResult:
    """A concurrent upload took this client_id or this bag a moment ago: answer like it."""
    found = Collection.objects.filter(client_id=item.client_id).values(*_COLLECTION_FIELDS).first()
    if found is not None:
        return _replay(item, found, bag_id, actor_id)
    return _fail(item, "bag_already_collected", _("该垃圾袋已回收，不能重复计分"), status=409, field="code", bag_code=parsed.code)


def collection_record(*, actor: User, item: ScanIn) -> ScanResult:
    """Record one scan: the bag collected and graded at a point, points credited to its owner.

    Only collectors may scan, and only at their points. Idempotent on ``client_id``: the same
    upload answers the first result; the same client_id with another body is refused
    (``idempotency_conflict``). A bag is collected once, ever.
    """
    now = timezone.now()
    bad = _validate(item, now)
    if bad is not None:
        return bad if _is_collector(actor) else _not_collector(item)
    parsed = codes.parse(item.code)
    if _on_postgres():
        return _record_pg(actor.pk, item, parsed, now)
    return _record_orm(actor, item, parsed, now)


def _record_pg(actor_id: int, item: ScanIn, parsed: codes.ParsedCode, now: datetime) -> ScanResult:
    """The hot path: one statement (``scan_sql.SINGLE``), one round trip, autocommitted."""
    from modules.bags.scan_sql import SINGLE

    params = _single_params(item, parsed, now, actor=actor_id)
    try:
        row = _execute_prepared(SINGLE, params)
    except IntegrityError:
        # Another upload inserted this client_id between our read and our write.
        return _after_race(item, parsed, params["bag"], actor_id)
    return _single_result(item, parsed, actor_id, row, params["at"])


def collection_record_by_token(*, token_hash: str, item: ScanIn) -> tuple[ScanResult, int] | None:
    """A handheld's scan with its device token resolved inside the scan's one statement
    (``scan_sql.SINGLE_BY_TOKEN``, PostgreSQL): the result and the collector's user id.

    None, with nothing written, for whatever this path leaves to ``collection_record`` behind
    the API's authentication: a token that names no active user (the API answers 401), a code
    that is not well signed (counted against the sender's budget there) or a field to refuse.
    """
    from modules.bags.scan_sql import SINGLE_BY_TOKEN

    now = timezone.now()
    parsed = codes.parse(item.code)
    if not parsed.ok or _validate(item, now) is not None:
        return None
    params = _single_params(item, parsed, now, token=token_hash)
    try:
        row = _execute_prepared(SINGLE_BY_TOKEN, params)
    except IntegrityError:
        user_id = _token_user_id(token_hash)
        return None if user_id is None else (_after_race(item, parsed, params["bag"], user_id), user_id)
    user_id, token_id, last_used_at, *facts = row
    if user_id is None:
        return None
    ApiToken.mark_used(token_id, last_used_at, now)
    return _single_result(item, parsed, user_id, facts, params["at"]), user_id


def _token_user_id(token_hash: str) -> int | None:
    return (
        ApiToken.objects.filter(key_hash=token_hash, revoked_at__isnull=True, user__is_active=True)
        .values_list("user_id", flat=True)
        .first()
    )


def _single_params(item: ScanIn, parsed: codes.ParsedCode, now: datetime, **who) -> dict:
    at = item.scanned_at or now
    day_start, day_end = day_bounds(at)
    return {
        **who,
        "role": scoping.Role.COLLECTOR,
        "point": item.point_id,
        "bag": parsed.bag_id if parsed.ok else None,
        "client": item.client_id,
        "ready": BagBatch.Status.READY,
        "at": at,
        "default_points": rules_of_points.DEFAULT_POINTS,
        "default_cap": rules_of_points.DEFAULT_DAILY_CAP,
        "category": item.category,
        "grade": item.grade,
        "correct": Grade.CORRECT,
        "day": day_start.date(),
        "day_start": day_start,
        "day_end": day_end,
        "reasons": json.dumps(sorted(item.reasons)),
        "weight": item.weight_grams,
        "now": now,
        "reason": LEDGER_REASON,
        "source": f"{LEDGER_REASON}:",
    }


def _single_result(item: ScanIn, parsed: codes.ParsedCode, actor_id: int, row, at: datetime) -> ScanResult:
    """The answer to a scan from the facts the single statement read back (``scan_sql.SINGLE``)."""
    (point_id, point_active, assigned, is_collector, b_id, org_id, owner_id, bag_collected, street_id, batch_status, served, *rest) = row
    existing, (new_id, new_points, _entries) = rest[: len(_COLLECTION_FIELDS)], rest[len(_COLLECTION_FIELDS) :]
    bag_id = parsed.bag_id if parsed.ok else None
    if not is_collector:
        return _not_collector(item)
    if existing[0] is not None:
        return _replay(item, _found_collection(existing), bag_id, actor_id)
    if new_id is None:
        refused = _refusal(
            item,
            parsed,
            point_id=point_id,
            point_active=point_active,
            assigned=assigned,
            bag_id=b_id,
            batch_status=batch_status,
            bag_collected=bag_collected,
            served=served,
        )
        return refused or _after_race(item, parsed, bag_id, actor_id)
    if not ranking_feed_enabled():  # the boards follow here, not through the feed: they need the row
        _after_commit(
            [
                Collection(
                    pk=new_id,
                    bag_id=b_id,
                    client_id=item.client_id,
                    point_id=point_id,
                    collector_id=actor_id,
                    category=item.category,
                    grade=item.grade,
                    reasons=sorted(item.reasons),
                    weight_grams=item.weight_grams,
                    collected_at=at,
                    owner_id=owner_id,
                    organisation_id=org_id,
                    street_id=street_id,
                    points_awarded=new_points,
                )
            ]
        )
    return ScanResult(
        item.client_id,
        True,
        201,
        "collected",
        _scan_message(owner_id is not None, item.grade, new_points),
        None,
        new_id,
        b_id,
        parsed.code,
        item.grade,
        item.category,
        new_points,
        owner_id is not None,
    )


# Each statement's ``$n`` form, made on its first use (``core.db.Statement``).
_STATEMENTS: dict[str, Statement] = {}


def _execute_prepared(sql: str, params: dict) -> tuple:
    """Run the scan's statement as a server-side prepared statement when autocommitting.

    Planning the statement costs five times running it (1.5 ms against 0.3 ms at district
    scale); prepared once per connection (``core.db``) the plan is reused. Inside a transaction
    block (tests, or a caller's atomic) Django's cursor is used, so an IntegrityError caught by
    the caller leaves the block in Django's hands the usual way.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    with prepared_cursor(raw=True) as cursor:
        statement = _statement(sql)
        cursor.execute(statement.text, statement.args(params), prepare=True)
        return cursor.fetchone()


def _statement(sql: str) -> Statement:
    return _STATEMENTS.get(sql) or _STATEMENTS.setdefault(sql, Statement.of(sql))


def _record_orm(actor: User, item: ScanIn, parsed: codes.ParsedCode, now: datetime) -> ScanResult:
    """Other databases (the SQLite demo): one read, then the writes in a transaction."""
    if not _is_collector(actor):
        return _not_collector(item)
    bag_id = parsed.bag_id if parsed.ok else None
    with connection.cursor() as cursor:
        cursor.execute(_SCAN_READ_SQL, [actor.pk, bag_id, item.client_id, item.point_id])
        row = cursor.fetchone()
    if row is None:
        return _fail(item, "point_not_found", _("收集点不存在"), status=404, field="point_id")
    (p_id, p_active, p_street, is_collector, b_id, b_org, b_owner, b_collected, o_street, batch_status, served, *existing) = row
    if existing[0] is not None:
        return _replay(item, _found_collection(existing), bag_id, actor.pk)
    refused = _refusal(
        item,
        parsed,
        point_id=p_id,
        point_active=p_active,
        assigned=is_collector,
        bag_id=b_id,
        batch_status=batch_status,
        bag_collected=b_collected,
        served=served,
    )
    if refused is not None:
        return refused
    at = item.scanned_at or now
    collection = Collection(
        bag_id=b_id,
        client_id=item.client_id,
        point_id=p_id,
        collector_id=actor.pk,
        category=item.category,
        grade=item.grade,
        reasons=sorted(item.reasons),
        weight_grams=item.weight_grams,
        collected_at=at,
        owner_id=b_owner,
        organisation_id=b_org,
        street_id=o_street,
    )
    with transaction.atomic():
        points = collection.points_awarded = _points_for(b_owner, item.category, item.grade, at)
        inserted = _write_orm(collection, actor)
    if not inserted:
        return _after_race(item, parsed, bag_id, actor.pk)
    _after_commit([collection])
    return ScanResult(
        item.client_id,
        True,
        201,
        "collected",
        _scan_message(collection.owner_id is not None, collection.grade, collection.points_awarded),
        None,
        collection.pk,
        b_id,
        parsed.code,
        item.grade,
        item.category,
        points,
        b_owner is not None,
    )


def _scan_message(bound: bool, grade: str, points: int) -> str:
    if not bound:
        return _("已回收（该垃圾袋未绑定职工，不计积分）")
    if grade == Grade.WRONG:
        return _("已回收，分类不合格，不计积分")
    if points:
        return _("已回收，分类合格，积分 +%(n)s") % {"n": points}
    return _("已回收，分类合格（今日积分已达上限）")


def _daily_points_add(owner_id: int, at: datetime, points: int) -> None:
    """Keep the daily-cap counter beside the collections on the ORM path (see ``DailyPoints``)."""
    from django.db.models import F

    from modules.bags.models import DailyPoints

    day = day_bounds(at)[0].date()
    row, created = DailyPoints.objects.get_or_create(owner_id=owner_id, day=day, defaults={"points": points, "last_award": points})
    if not created:
        DailyPoints.objects.filter(pk=row.pk).update(points=F("points") + points, last_award=points)


def _write_orm(collection: Collection, actor: User) -> bool:
    from engines.ledger.services import entry_post

    try:
        with transaction.atomic():
            collection.save(force_insert=True)
            Bag.objects.filter(pk=collection.bag_id).update(collected_at=collection.collected_at)
            if collection.points_awarded > 0 and collection.owner_id is not None:
                _daily_points_add(collection.owner_id, collection.collected_at, collection.points_awarded)
                key = f"{LEDGER_REASON}:{collection.pk}"
                entry_post(
                    member_id=collection.owner_id,
                    amount=collection.points_awarded,
                    reason=LEDGER_REASON,
                    source=key,
                    idempotency_key=key,
                    actor=actor,
                )
    except IntegrityError:
        collection.pk = None
        return False
    return True


# --------------------------------------------------------------------------------------------
# Batch upload (handhelds and the station's offline queue)


def collections_record_batch(*, actor: User, items: list[ScanIn]) -> list[ScanResult]:
    """Record up to 500 scans with set-based reads and writes; one result per item, in order.

    A retried upload replays each item's first result, so nothing is counted twice. Items of
    one owner are written in rounds (one bag of each owner per round) so the points rule's
    daily cap sees the bags credited before.
    """
    if len(items) > MAX_SCAN_BATCH:
        raise Invalid("batch_too_large", _("一次最多上传 %(n)s 条扫描记录") % {"n": MAX_SCAN_BATCH}, field="items")
    now = timezone.now()
    results: dict[int, ScanResult] = {}
    parsed: dict[int, codes.ParsedCode] = {}
    first_by_client: dict[str, int] = {}
    for index, item in enumerate(items):
        bad = _validate(item, now)
        if bad is not None:
            results[index] = bad
            continue
        if item.client_id in first_by_client:
            continue  # answered below from its first occurrence
        first_by_client[item.client_id] = index
        parsed[index] = codes.parse(item.code)
    live = [i for i in parsed]
    # 1. earlier uploads with the same client_ids
    existing = {
        row["client_id"]: row
        for row in Collection.objects.filter(client_id__in=[items[i].client_id for i in live]).values("client_id", *_COLLECTION_FIELDS)
    }
    # 2. the points and the collector's assignments
    point_ids = {items[i].point_id for i in live}
    points = {p.pk: p for p in CollectionPoint.objects.filter(pk__in=point_ids).only("id", "is_active", "street_id")}
    assigned = set(
        CollectionPoint.collectors.through.objects.filter(collectionpoint_id__in=point_ids, user_id=actor.pk).values_list(
            "collectionpoint_id", flat=True
        )
    )
    served_paths: dict[int, list[str]] = {}
    for point_id, path in CollectionPoint.served_organisations.through.objects.filter(collectionpoint_id__in=point_ids).values_list(
        "collectionpoint_id", "organisation__path"
    ):
        served_paths.setdefault(point_id, []).append(path)
    # 3. the bags
    bag_ids = {parsed[i].bag_id for i in live if parsed[i].ok}
    bags = {
        row["id"]: row
        for row in Bag.objects.filter(pk__in=bag_ids).values(
            "id", "organisation_id", "owner_id", "collected_at", "batch__status", "organisation__street_id", "organisation__path"
        )
    }
    pending: list[tuple[int, Collection]] = []
    claimed: set[int] = set()
    for index in live:
        item, code = items[index], parsed[index]
        found = existing.get(item.client_id)
        if found is not None:
            results[index] = _replay(item, found, code.bag_id if code.ok else None, actor.pk)
            continue
        point = points.get(item.point_id)
        if point is None:
            results[index] = _fail(item, "point_not_found", _("收集点不存在"), status=404, field="point_id")
        elif point.pk not in assigned:
            results[index] = _fail(item, "not_point_collector", _("您不是该收集点的分拣员"), status=403, field="point_id")
        elif not point.is_active:
            results[index] = _fail(item, "point_inactive", _("该收集点已停用"), status=409, field="point_id")
        elif not code.ok:
            error = code_error(code.status)
            results[index] = _fail(item, error.code, error.message, status=error.status, field="code", bag_code=code.code)
        elif (bag := bags.get(code.bag_id)) is None or bag["batch__status"] != BagBatch.Status.READY:
            results[index] = _fail(item, "bag_not_issued", _("该垃圾袋尚未发放（编码有效，但没有发放记录）"), 404, "code", code.code)
        elif bag["collected_at"] is not None or code.bag_id in claimed:
            results[index] = _fail(item, "bag_already_collected", _("该垃圾袋已回收，不能重复计分"), 409, "code", code.code)
        elif not _served(point, served_paths.get(point.pk), bag):
            results[index] = _fail(item, "bag_not_served", _("该垃圾袋所属工会不在本收集点服务范围内"), 403, "code", code.code)
        else:
            claimed.add(code.bag_id)
            pending.append(
                (
                    index,
                    PendingCollection(
                        bag_id=bag["id"],
                        client_id=item.client_id,
                        point_id=point.pk,
                        collector_id=actor.pk,
                        category=item.category,
                        grade=item.grade,
                        reasons=sorted(item.reasons),
                        weight_grams=item.weight_grams,
                        collected_at=item.scanned_at or now,
                        owner_id=bag["owner_id"],
                        organisation_id=bag["organisation_id"],
                        street_id=bag["organisation__street_id"],
                    ),
                )
            )
    # 4. write in rounds: one collection per owner per round, so the daily cap counts earlier rounds
    written: list[Collection] = []
    # An upload's answers say one of a few sentences: each is translated once, not 500 times.
    message = functools.cache(_scan_message)
    rules = _active_rules() if pending and _on_postgres() else []
    while pending:
        round_items, rest, owners = [], [], set()
        for entry in pending:
            owner = entry[1].owner_id
            if owner is not None and owner in owners:
                rest.append(entry)
            else:
                owners.add(owner)
                round_items.append(entry)
        pending = rest
        # Owners in a fixed order: the points rule locks each owner until this round commits.
        round_items.sort(key=lambda entry: (entry[1].owner_id or 0, entry[0]))
        if _on_postgres():
            try:
                inserted = _write_round_pg(round_items, actor, now, rules)
            except IntegrityError:
                # A concurrent upload used one of these client_ids: the round wrote nothing;
                # record its bags one by one, which answers each like its first upload.
                for index, _collection in round_items:
                    results[index] = _record_pg(actor.pk, items[index], parsed[index], now)
                continue
        else:
            with transaction.atomic():
                _points_for_round([c for _i, c in round_items])
                inserted = _write_many(round_items, actor, now)
        for index, collection in round_items:
            item = items[index]
            if index in inserted:
                written.append(collection)
                results[index] = ScanResult(
                    item.client_id,
                    True,
                    201,
                    "collected",
                    message(collection.owner_id is not None, collection.grade, collection.points_awarded),
                    None,
                    collection.pk,
                    collection.bag_id,
                    parsed[index].code,
                    item.grade,
                    item.category,
                    collection.points_awarded,
                    collection.owner_id is not None,
                )
            else:
                found = Collection.objects.filter(client_id=item.client_id).values(*_COLLECTION_FIELDS).first()
                results[index] = (
                    _replay(item, found, collection.bag_id, actor.pk)
                    if found is not None
                    else _fail(
                        item, "bag_already_collected", _("该垃圾袋已回收，不能重复计分"), 409, "code", codes.encode(collection.bag_id)
                    )
                )
    _after_commit(written)
    # repeated client_ids inside one upload answer like their first occurrence (or conflict)
    out = []
    for index, item in enumerate(items):
        if index not in results:
            first = first_by_client[item.client_id]
            prior = results[first]
            same = (
                items[first].code,
                items[first].point_id,
                items[first].category,
                items[first].grade,
                sorted(items[first].reasons),
                items[first].weight_grams,
            ) == (item.code, item.point_id, item.category, item.grade, sorted(item.reasons), item.weight_grams)
            results[index] = (
                ScanResult(**{**prior.__dict__, "replayed": True})
                if same
                else _fail(item, "idempotency_conflict", _("该 client_id 已用于另一条不同的扫描记录"), status=409, field="client_id")
            )
        out.append(results[index])
    return out


def _active_rules() -> list[tuple[str, int, int, datetime]]:
    from modules.bags.models import PointsRule

    return list(
        PointsRule.objects.filter(is_active=True)
        .order_by("-valid_from", "-id")
        .values_list("category", "points", "daily_cap", "valid_from")
    )


def _terms(rules: list[tuple[str, int, int, datetime]], category: str, at: datetime) -> tuple[int, int]:
    """(points, daily cap) of the rule in force: as ``points.terms_for``, from rules read once."""
    for wanted in (category, ""):
        for rule_category, points, cap, valid_from in rules:
            if rule_category == wanted and valid_from <= at:
                return points, cap
    return rules_of_points.DEFAULT_TERMS.points, rules_of_points.DEFAULT_TERMS.daily_cap


def _write_round_pg(entries: list[tuple[int, Collection]], actor: User, now: datetime, rules) -> set[int]:
    """One round of a batch upload in one statement (``scan_sql.BATCH_ROUND``); sets each written
    collection's id and points and returns the indexes written. Raises IntegrityError (nothing
    written) when another upload holds one of the client_ids."""
    from modules.bags.scan_sql import BATCH_ROUND

    if not entries:
        return set()
    cols = [c for _i, c in entries]
    wants, caps, days, starts, ends = [], [], [], [], []
    for c in cols:
        points, cap = _terms(rules, c.category, c.collected_at)
        eligible = c.owner_id is not None and c.grade == Grade.CORRECT
        wants.append(max(points, 0) if eligible else 0)
        caps.append(cap)
        start, end = day_bounds(c.collected_at)
        days.append(start.date())
        starts.append(start)
        ends.append(end)
    # Arrays go as their text form (``core.db.int_array``): psycopg's list adaptation was a fifth
    # of an upload's Python time.
    params = {
        "bag": int_array([c.bag_id for c in cols]),
        "client": text_array([c.client_id for c in cols]),
        "point": int_array([c.point_id for c in cols]),
        "category": text_array([c.category for c in cols]),
        "grade": text_array([c.grade for c in cols]),
        "reasons": text_array([json.dumps(c.reasons) for c in cols]),
        "weight": int_array([c.weight_grams for c in cols]),
        "at": iso_array([c.collected_at for c in cols]),
        "owner": int_array([c.owner_id for c in cols]),
        "org": int_array([c.organisation_id for c in cols]),
        "street": int_array([c.street_id for c in cols]),
        "want": int_array(wants),
        "cap": int_array(caps),
        "day": iso_array(days),
        "day_start": iso_array(starts),
        "day_end": iso_array(ends),
        "actor": actor.pk,
        "now": now,
        "reason": LEDGER_REASON,
        "source": f"{LEDGER_REASON}:",
    }
    # Bound server-side (bound client-side, 16 arrays of 500 values became one long SQL text to
    # parse). Not prepared: a generic plan cannot know the arrays' length, and guessing one row
    # it joined the round's CTEs by nested loops, quadratic in the round.
    with transaction.atomic(), prepared_cursor(raw=True) as cursor:
        statement = _statement(BATCH_ROUND)
        cursor.execute(statement.text, statement.args(params), prepare=False)
        rows = {client_id: (pk, points) for pk, client_id, points, _entries in cursor.fetchall()}
    written = set()
    for index, collection in entries:
        if collection.client_id in rows:
            collection.pk, collection.points_awarded = rows[collection.client_id]
            written.add(index)
    return written


def _served(point: CollectionPoint, served_paths: list[str] | None, bag: dict) -> bool:
    if served_paths:
        return any(bag["organisation__path"].startswith(path) for path in served_paths)
    return bag["organisation__street_id"] == point.street_id


def _write_many(entries: list[tuple[int, PendingCollection]], actor: User, now: datetime) -> set[int]:
    """Insert a round of collections on the ORM path; returns the item indexes that were written."""
    written = set()
    for index, pending in entries:
        collection = pending.as_model()
        if _write_orm(collection, actor):
            pending.pk = collection.pk
            written.add(index)
    return written


def attach_photo(*, actor: User, client_id: str, photo) -> Collection:
    """Attach the optional photo of a scan after it was recorded (uploads separately from the scan)."""
    collection = Collection.objects.filter(client_id=client_id).first()
    if collection is None:
        raise NotFound("not_found", _("找不到该扫描记录"), field="client_id")
    if collection.collector_id != actor.pk:
        raise Forbidden("forbidden", _("只能为自己的扫描记录上传照片"))
    check_image(photo, field="photo")
    collection.photo.save(f"{collection.pk}.jpg", photo, save=True)
    return collection
