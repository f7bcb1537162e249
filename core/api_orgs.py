"""API of the organisation tree (scoped to the caller)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from core import scoping, services
from core.api import BoundedPagination, IsoDate
from core.errors import Forbidden, Invalid
from core.models import Organisation

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
@paginate(BoundedPagination)
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


class OrganisationIn(Schema):
    name: str
    level: str = "grassroots"
    kind: str = "enterprise"
    ownership: str = ""
    parent_id: int | None = None
    street_id: int | None = None
    credit_code: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    founded_on: IsoDate | None = None


class OrganisationPatch(Schema):
    name: str | None = None
    kind: str | None = None
    ownership: str | None = None
    credit_code: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    founded_on: IsoDate | None = None


def _org_ref(request, org_id, field):
    if org_id is None:
        return None
    org = scoping.organisations_visible_to(request.user).filter(pk=org_id).first()
    if org is None and field == "street_id":
        org = Organisation.objects.filter(pk=org_id, level=Organisation.Level.STREET).first()
    if org is None:
        raise Invalid("invalid_reference", _("找不到该工会，或不在您的管理范围内"), field=field)
    return org


@router.post("/", response={201: OrganisationOut}, summary="新建工会")
def create_organisation(request, payload: OrganisationIn):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("没有权限新建工会"))
    data = payload.dict()
    data["parent"] = _org_ref(request, data.pop("parent_id"), "parent_id")
    data["street"] = _org_ref(request, data.pop("street_id"), "street_id")
    return 201, services.organisation_create(actor=request.user, data=data)


@router.patch("/{org_id}", response=OrganisationOut, summary="修改工会信息")
def update_organisation(request, org_id: int, payload: OrganisationPatch):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("没有权限修改工会"))
    org = get_object_or_404(scoping.organisations_visible_to(request.user), pk=org_id)
    return services.organisation_update(actor=request.user, organisation=org, data=payload.dict(exclude_unset=True))
