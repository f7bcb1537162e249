"""Writes of the prize shop: places, prizes, and a redemption's life (redeem → hand over | expire | cancel).

Locks are always taken in one order — the member's points account, then the redemption, then the
prize — so a redemption racing an expiry or a cancellation can never deadlock. Stock moves by
conditional UPDATEs (``stock > 0``) in the same transaction as the ledger entry, so a prize is
never oversold and points are never spent without a prize (or the other way round).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit, diff
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import Member, Organisation, User
from engines.ledger.models import Account
from engines.ledger.services import InsufficientBalance, account_for, entry_post
from modules.prizes.models import PickupPlace, Prize, Redemption

REASON_REDEEM = "prizes.redeem"
REASON_REFUND_EXPIRED = "prizes.refund_expired"
REASON_REFUND_CANCELLED = "prizes.refund_cancelled"
REASON_DEMO_GRANT = "prizes.demo_grant"

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: codes are read aloud and typed
CODE_LENGTH = 8
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,80}$")
CODE_CHARS_RE = re.compile(r"[^0-9A-Z]")

Status = Redemption.Status


@dataclass(frozen=True)
class Redeemed:
    redemption: Redemption
    created: bool  # False when the idempotency key had been used for this redemption before


# --- pickup places -------------------------------------------------------------------------------

PLACE_FIELDS = ["name", "kind", "address", "organisation", "opening_note", "is_active"]


def _check_organisation(actor: User, organisation: Organisation | None) -> None:
    if organisation is None:
        raise Invalid("organisation_required", _("请选择所属工会"), field="organisation")
    if not scoping.can_manage_organisation(actor, organisation):
        raise Forbidden("organisation_out_of_scope", _("只能管理本工会及下级工会的数据"), field="organisation")


def operators_resolve(raw: str) -> list[User]:
    """'13800000001, zhangsan' → users, by phone or user name; an unknown one is a field error."""
    names = [part for part in re.split(r"[\s,，;；、]+", raw or "") if part]
    users, missing = [], []
    for name in dict.fromkeys(names):
        user = User.objects.filter(phone=name).first() or User.objects.filter(username=name).first()
        if user is None or not user.is_active:
            missing.append(name)
        else:
            users.append(user)
    if missing:
        raise Invalid("operator_unknown", _("找不到这些用户：%(names)s") % {"names": "、".join(missing)}, field="operators")
    return users


@transaction.atomic
def place_create(
    *,
    actor: User,
    name: str,
    kind: str,
    organisation: Organisation,
    address: str = "",
    opening_note: str = "",
    operators: list[User] | None = None,
    is_active: bool = True,
) -> PickupPlace:
    """Register a pickup place of a union in the actor's scope, with the users who hand prizes over there."""
    _check_organisation(actor, organisation)
    if not (name or "").strip():
        raise Invalid("name_required", _("请填写名称"), field="name")
    if kind not in PickupPlace.Kind.values:
        raise Invalid("invalid_kind", _("请选择取货点类型"), field="kind")
    place = PickupPlace.objects.create(
        name=name.strip(),
        kind=kind,
        organisation=organisation,
        address=address.strip(),
        opening_note=opening_note.strip(),
        is_active=is_active,
    )
    place.operators.set(operators or [])
    audit(
        actor=actor,
        action="prizes.place_create",
        obj=place,
        organisation=organisation,
        changes={"operators": [u.username for u in operators or []]},
    )
    return place


@transaction.atomic
def place_update(*, actor: User, place: PickupPlace, operators: list[User] | None = None, **values) -> PickupPlace:
    if not actor.has_perm("prizes.change_pickupplace", place):
        raise Forbidden("forbidden", _("没有权限修改该取货点"))
    if "organisation" in values:
        _check_organisation(actor, values["organisation"])
    changes = diff(place, PLACE_FIELDS, values)
    for field, value in values.items():
        if field in PLACE_FIELDS:
            setattr(place, field, value)
    place.save()
    if operators is not None:
        before = sorted(place.operators.values_list("username", flat=True))
        place.operators.set(operators)
        after = sorted(u.username for u in operators)
        if before != after:
            changes["operators"] = [before, after]
    audit(actor=actor, action="prizes.place_update", obj=place, organisation=place.organisation, changes=changes)
    return place


# --- prizes --------------------------------------------------------------------------------------

PRIZE_FIELDS = [
    "name",
    "description",
    "organisation",
    "points_price",
    "per_person_limit",
    "valid_from",
    "valid_until",
    "pickup_days",
    "stock_alert_threshold",
    "is_active",
]


def _check_prize_values(actor: User, values: dict, places) -> None:
    _check_organisation(actor, values.get("organisation"))
    if values.get("points_price") is not None and values["points_price"] < 1:
        raise Invalid("invalid_price", _("所需积分至少为 1"), field="points_price")
    if values.get("valid_from") and values.get("valid_until") and values["valid_until"] < values["valid_from"]:
        raise Invalid("invalid_validity", _("截止日期不能早于开始日期"), field="valid_until")
    if places is not None:
        if not places:
            raise Invalid("places_required", _("请至少选择一个取货点"), field="places")
        from modules.prizes.selectors import places_selectable_for

        allowed = set(places_selectable_for(actor).values_list("pk", flat=True))
        if any(p.pk not in allowed for p in places):
            raise Forbidden("place_out_of_scope", _("只能选择本工会可用的取货点"), field="places")


@transaction.atomic
def prize_create(
    *,
    actor: User,
    name: str,
    organisation: Organisation,
    points_price: int,
    stock_listed: int,
    valid_until: date,
    places: list[PickupPlace],
    valid_from: date | None = None,
    per_person_limit: int = 1,
    pickup_days: int = 14,
    stock_alert_threshold: int = 5,
    description: str = "",
    image=None,
    is_active: bool = True,
) -> Prize:
    """Put a prize on the shelf: ``stock_listed`` pieces, for the members of ``organisation`` and below."""
    values = {
        "organisation": organisation,
        "points_price": points_price,
        "valid_from": valid_from or timezone.localdate(),
        "valid_until": valid_until,
    }
    _check_prize_values(actor, values, places)
    if stock_listed < 0:
        raise Invalid("invalid_stock", _("上架数量不能为负数"), field="stock_listed")
    prize = Prize.objects.create(
        name=name.strip(),
        description=description,
        organisation=organisation,
        points_price=points_price,
        stock_listed=stock_listed,
        stock=stock_listed,
        per_person_limit=per_person_limit,
        valid_from=values["valid_from"],
        valid_until=valid_until,
        pickup_days=pickup_days,
        stock_alert_threshold=stock_alert_threshold,
        is_active=is_active,
        image=image or "",
        created_by=actor if actor.is_authenticated else None,
    )
    prize.places.set(places)
    audit(
        actor=actor,
        action="prizes.prize_create",
        obj=prize,
        organisation=organisation,
        changes={"stock_listed": stock_listed, "points_price": points_price},
    )
    return prize


@transaction.atomic
def prize_update(
    *, actor: User, prize: Prize, stock_listed: int | None = None, places: list[PickupPlace] | None = None, image=None, **values
) -> Prize:
    """Edit a prize. A new ``stock_listed`` moves the shelf by the difference; it can't drop below what was redeemed."""
    if not actor.has_perm("prizes.change_prize", prize):
        raise Forbidden("forbidden", _("没有权限修改该奖品"))
    merged = {field: values.get(field, getattr(prize, field)) for field in ("organisation", "points_price", "valid_from", "valid_until")}
    _check_prize_values(actor, merged, places)
    changes = diff(prize, PRIZE_FIELDS, values)
    # Never a plain save(): this instance's stock may be stale, and redemptions move it meanwhile.
    update_fields = ["updated_at"]
    for field, value in values.items():
        if field in PRIZE_FIELDS:
            setattr(prize, field, value)
            update_fields.append(field)
    if image is not None:
        prize.image = image
        update_fields.append("image")
        changes["image"] = [None, str(image)]
    prize.save(update_fields=update_fields)
    if stock_listed is not None:
        current = Prize.objects.values_list("stock_listed", flat=True).get(pk=prize.pk)
        delta = stock_listed - current
        if delta:
            # Concurrent redemptions move ``stock`` meanwhile: the condition is checked by the UPDATE itself.
            moved = Prize.objects.filter(pk=prize.pk, stock__gte=max(0, -delta)).update(
                stock_listed=F("stock_listed") + delta, stock=F("stock") + delta
            )
            if not moved:
                redeemed = current - Prize.objects.values_list("stock", flat=True).get(pk=prize.pk)
                raise Invalid(
                    "stock_below_redeemed", _("上架总数不能少于已兑换未作废的数量（%(n)s）") % {"n": redeemed}, field="stock_listed"
                )
            changes["stock_listed"] = [current, stock_listed]
        prize.refresh_from_db(fields=["stock", "stock_listed"])
    if places is not None:
        prize.places.set(places)
    audit(actor=actor, action="prizes.prize_update", obj=prize, organisation=prize.organisation, changes=changes)
    return prize


# --- redemptions ---------------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """What a scanner or a person typed ('k7qh-3m9t', ' K7QH 3M9T\\n') → 'K7QH3M9T'."""
    code = CODE_CHARS_RE.sub("", (raw or "").upper())
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise Invalid("invalid_code", _("取货码应为 8 位字母数字，请重新扫描或输入"), field="code")
    return code


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Redemption.objects.filter(code=code).exists():
            return code


def _lock_account(member_id: int) -> int:
    """Lock the member's points account (first in the lock order); returns the balance."""
    locked = Account.objects.select_for_update().filter(member_id=member_id, unit=Account.Unit.POINTS)
    balance = locked.values_list("balance", flat=True).first()
    if balance is None:  # a worker who never had points: open the account, then lock it
        account_for(member_id)
        balance = locked.values_list("balance", flat=True).get()
    return balance


def _replay(member: Member, key: str, prize_id: int, place_id: int) -> Redeemed | None:
    first = Redemption.objects.select_related("prize", "place").filter(member=member, idempotency_key=key).first()
    if first is None:
        return None
    if first.prize_id != prize_id or first.place_id != place_id:
        raise Conflict("idempotency_conflict", _("该请求编号已用于另一次兑换，请刷新页面后重试"), field="idempotency_key")
    return Redeemed(first, False)


def redemption_create(*, actor: User, member: Member, prize_id: int, place_id: int, idempotency_key: str) -> Redeemed:
    """A worker spends points on a prize: one piece off the shelf, a ledger debit and a pickup code, or nothing.

    The same ``idempotency_key`` (made by the client per attempt) returns the first redemption;
    used with another prize or place it is refused (``idempotency_conflict``).
    """
    if not KEY_RE.match(idempotency_key or ""):
        raise Invalid("invalid_idempotency_key", _("请求编号无效，请刷新页面后重试"), field="idempotency_key")
    if member is None or member.status != Member.Status.ACTIVE:
        raise Forbidden("not_a_member", _("只有在册会员可以兑换奖品"))
    with transaction.atomic():
        balance = _lock_account(member.pk)
        # Checked under the lock: a request with the same key that was racing us has finished by now.
        replay = _replay(member, idempotency_key, prize_id, place_id)
        if replay:
            return replay
        prize = Prize.objects.select_related("organisation").filter(pk=prize_id).first()
        organisation = member.organisation
        if prize is None or not organisation.is_within(prize.organisation):
            raise NotFound("prize_not_found", _("找不到该奖品"), field="prize_id")
        today = timezone.localdate()
        if not prize.is_open_on(today):
            if prize.is_active and today < prize.valid_from:
                message = _("该奖品将于 %(day)s 开始兑换") % {"day": formats.date_format(prize.valid_from, "Y年n月j日")}
            else:
                message = _("该奖品已过兑换期或已下架")
            raise Conflict("prize_not_available", message, field="prize_id")
        place = prize.places.filter(pk=place_id, is_active=True).first()
        if place is None:
            raise Invalid("place_not_offered", _("请选择该奖品提供的取货点"), field="place_id")
        taken = Redemption.objects.filter(member=member, prize=prize, status__in=Redemption.LIVE).count()
        if taken >= prize.per_person_limit:
            raise Conflict(
                "limit_reached",
                _("该奖品每人限兑 %(n)s 件，您已兑换 %(taken)s 件") % {"n": prize.per_person_limit, "taken": taken},
                field="prize_id",
            )
        if balance < prize.points_price:
            raise InsufficientBalanceField(balance, prize.points_price)
        if not Prize.objects.filter(pk=prize.pk, stock__gt=0).update(stock=F("stock") - 1):
            raise Conflict("out_of_stock", _("该奖品已兑完"), field="prize_id")
        now = timezone.now()
        redemption = Redemption.objects.create(
            prize=prize,
            member=member,
            organisation=organisation,
            place=place,
            points=prize.points_price,
            code=_new_code(),
            idempotency_key=idempotency_key,
            created_at=now,
            expires_at=Redemption.expiry_for(prize, now),
        )
        try:
            entry_post(
                member_id=member.pk,
                amount=-prize.points_price,
                reason=REASON_REDEEM,
                source=redemption.source,
                idempotency_key=f"{redemption.source}:redeem",
                memo=prize.name,
                actor=actor,
            )
        except InsufficientBalance as error:  # the lock makes this unreachable; the ledger still has the last word
            raise InsufficientBalanceField(error.extra.get("balance", 0), prize.points_price)
        redemption.prize = prize
        redemption.place = place
        return Redeemed(redemption, True)


class InsufficientBalanceField(InsufficientBalance):
    """The ledger's refusal, pointed at the field the worker chose (the prize)."""

    def __init__(self, balance: int, needed: int):
        super().__init__(balance, needed)
        self.field = "prize_id"


def redemption_hand_over(*, actor: User, place_id: int, code: str) -> Redemption:
    """The pickup place scans a code and hands the prize over — once, and only at the place chosen."""
    place = (
        PickupPlace.objects.select_related("organisation").filter(pk=place_id, is_active=True).first() if str(place_id).isdigit() else None
    )
    if place is None:
        raise Invalid("place_required", _("请选择您所在的取货点"), field="place_id")
    if not actor.has_perm("prizes.hand_over_at", place):
        raise Forbidden("not_an_operator", _("您不是该取货点的核销员"), field="place_id")
    normalised = normalise_code(code)
    redemption = Redemption.objects.select_related("prize", "place", "member").filter(code=normalised).first()
    if redemption is None:
        raise NotFound("code_not_found", _("取货码不存在，请核对后重试"), field="code")
    _refuse_unless_pending_here(redemption, place)
    now = timezone.now()
    with transaction.atomic():
        done = Redemption.objects.filter(pk=redemption.pk, status=Status.PENDING, place=place, expires_at__gt=now).update(
            status=Status.HANDED_OVER, handed_over_at=now, handed_over_by=actor
        )
        if not done:  # someone else handed it over (or it expired) a moment ago
            redemption.refresh_from_db()
            _refuse_unless_pending_here(redemption, place)
            raise Conflict("already_handed_over", _("该取货码已核销"), field="code")
        redemption.status, redemption.handed_over_at, redemption.handed_over_by = Status.HANDED_OVER, now, actor
        audit(
            actor=actor,
            action="prizes.hand_over",
            obj=redemption,
            organisation=redemption.organisation,
            changes={"place": place.pk, "code": redemption.code},
        )
    return redemption


def _refuse_unless_pending_here(redemption: Redemption, place: PickupPlace) -> None:
    if redemption.place_id != place.pk:
        raise Conflict("wrong_place", _("该奖品应在「%(place)s」领取，本取货点不能核销") % {"place": redemption.place.name}, field="code")
    if redemption.status == Status.HANDED_OVER:
        when = formats.date_format(timezone.localtime(redemption.handed_over_at), "Y年n月j日 H:i")
        raise Conflict("already_handed_over", _("该取货码已于 %(when)s 核销，不能重复领取") % {"when": when}, field="code")
    if redemption.status == Status.CANCELLED:
        raise Conflict("redemption_cancelled", _("该兑换已被取消，积分已退还"), field="code")
    if redemption.status == Status.EXPIRED or redemption.is_overdue:
        raise Conflict("redemption_expired", _("该兑换已过领取期限，积分将退还给职工"), field="code")


def _close(
    *, redemption_id: int, status: str, reason: str, actor: User | None, cancel_reason: str = "", due_only: bool = False
) -> Redemption | None:
    """Close a pending redemption (expired or cancelled): the piece goes back on the shelf, the points back to the worker.

    Returns None when it was not pending (handed over, or closed by an earlier run): the refund's
    idempotency key makes a second refund impossible even if two runs race.
    """
    member_id = Redemption.objects.filter(pk=redemption_id).values_list("member_id", flat=True).first()
    if member_id is None:
        raise NotFound("redemption_not_found", _("找不到该兑换记录"))
    now = timezone.now()
    with transaction.atomic():
        _lock_account(member_id)
        pending = Redemption.objects.filter(pk=redemption_id, status=Status.PENDING)
        if due_only:
            pending = pending.filter(expires_at__lte=now)
        closed = pending.update(
            status=status,
            closed_at=now,
            cancel_reason=cancel_reason[:200],
            cancelled_by=actor if actor is not None and actor.is_authenticated and status == Status.CANCELLED else None,
        )
        if not closed:
            return None
        redemption = Redemption.objects.select_related("prize", "member").get(pk=redemption_id)
        Prize.objects.filter(pk=redemption.prize_id).update(stock=F("stock") + 1)
        entry_post(
            member_id=member_id,
            amount=redemption.points,
            reason=reason,
            source=redemption.source,
            idempotency_key=f"{redemption.source}:refund",
            memo=cancel_reason or redemption.prize.name,
            actor=actor,
        )
        return redemption


def redemption_cancel(*, actor: User, redemption_id: int, reason: str) -> Redemption:
    """Staff cancel a pending redemption with a reason; the worker gets the points back."""
    redemption = Redemption.objects.select_related("prize__organisation").filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound("redemption_not_found", _("找不到该兑换记录"))
    if not actor.has_perm("prizes.cancel_redemption", redemption):
        raise Forbidden("forbidden", _("没有权限取消该兑换"))
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise Invalid("invalid_text", _("取消原因含有无效字符"), field="reason")
    if len(reason) < 2:
        raise Invalid("reason_required", _("请填写取消原因"), field="reason")
    if len(reason) > 200:
        raise Invalid("reason_too_long", _("取消原因不能超过 200 字"), field="reason")
    closed = _close(redemption_id=redemption.pk, status=Status.CANCELLED, reason=REASON_REFUND_CANCELLED, actor=actor, cancel_reason=reason)
    if closed is None:
        redemption.refresh_from_db()
        raise Conflict(
            "not_pending", _("只能取消待领取的兑换（当前：%(status)s）") % {"status": redemption.get_status_display()}, field="reason"
        )
    audit(actor=actor, action="prizes.redemption_cancel", obj=closed, organisation=closed.organisation, changes={"reason": reason})
    return closed


def redemption_expire(*, redemption_id: int, actor: User | None = None) -> bool:
    """Expire one overdue, unclaimed redemption and refund it; False if it was not due or not pending."""
    return _close(redemption_id=redemption_id, status=Status.EXPIRED, reason=REASON_REFUND_EXPIRED, actor=actor, due_only=True) is not None


def redemptions_expire_due(limit: int = 2000) -> int:
    """The periodic job: expire every redemption past its pickup deadline; returns how many were refunded."""
    due = list(
        Redemption.objects.filter(status=Status.PENDING, expires_at__lte=timezone.now())
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if redemption_expire(redemption_id=pk))


def demo_points_grant(*, member_id: int, amount: int) -> bool:
    """Top a demo worker up to `amount` starting points, once (idempotent per member); other demo
    seeders (bags) may already have given them a few points from sample collections."""
    from engines.ledger.selectors import balance_of

    missing = amount - balance_of(member_id)
    if missing <= 0:
        return False
    return entry_post(
        member_id=member_id,
        amount=missing,
        reason=REASON_DEMO_GRANT,
        source="prizes.demo",
        idempotency_key=f"prizes.demo_grant:{member_id}",
        memo=_("演示赠送积分"),
    ).created
