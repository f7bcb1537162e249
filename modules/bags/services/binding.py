"""Binding bags to workers: one bag by the worker who scanned it, or a roster of them by staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit
from core.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from core.models import Member, Organisation, User
from core.services import normalise_phone
from modules.bags import codes
from modules.bags.models import Bag, BagBatch
from modules.bags.services.scan_decision import code_error

MAX_BIND_ROWS = 20_000


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
