"""API of the organisation tree (scoped to the caller)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from core import scoping
from core.errors import Forbidden

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    name: str
    level: str
    kind: str
    parent_id: int | None
    street_id: int | None
    member_count: int


@router.get("/", response=list[OrganisationOut], summary="组织列表（按权限范围）")
@paginate(LimitOffsetPagination)
def list_organisations(request, level: str | None = None, street_id: int | None = None):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", "没有权限查看组织")
    qs = scoping.organisations_visible_to(request.user).order_by("path")
    if level:
        qs = qs.filter(level=level)
    if street_id:
        qs = qs.filter(street_id=street_id)
    return qs


@router.get("/{org_id}", response=OrganisationOut, summary="组织详情")
def get_organisation(request, org_id: int):
    # 404 for out-of-scope objects too, so existence does not leak.
    return get_object_or_404(scoping.organisations_visible_to(request.user), pk=org_id)
