"""Collection points: where collectors scan, which unions each serves, who collects there."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Forbidden, Invalid
from core.models import Organisation, User
from modules.bags.models import CollectionPoint


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
