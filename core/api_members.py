"""API of the member rosters (scoped to the caller): list, detail, create, update, move, import."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from core import roster, scoping, selectors, services
from core.api import BoundedPagination, IsoDate
from core.errors import Forbidden, Invalid
from core.models import Member
from core.privacy import mask_phone

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    organisation_id: int
    name: str
    phone_masked: str
    employee_no: str
    gender: str
    birth_year: int | None
    tags: list[str]
    status: str
    joined_on: date | None

    @staticmethod
    def resolve_phone_masked(obj):
        return mask_phone(obj.phone)


class MemberIn(Schema):
    name: str
    phone: str
    employee_no: str = ""
    gender: str = ""
    birth_year: int | None = None
    tags: list[str] = []
    status: str = Member.Status.ACTIVE
    joined_on: IsoDate | None = None


class MemberPatch(Schema):
    name: str | None = None
    phone: str | None = None
    employee_no: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    tags: list[str] | None = None
    status: str | None = None
    joined_on: IsoDate | None = None


class MoveIn(Schema):
    to_organisation_id: int
    note: str = ""


class TransferOut(Schema):
    id: int
    member_id: int
    from_organisation_id: int
    to_organisation_id: int
    moved_at: str
    note: str

    @staticmethod
    def resolve_moved_at(obj):
        return obj.moved_at.isoformat()


class ImportOut(Schema):
    created: int
    seconds: float


def _staff(request):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("没有权限管理会员"))


def _target_org(request, org_id: int):
    # Only "no such union in your scope" is the caller's mistake (422); anything else, such as the
    # database being away, must surface as what it is (the API answers 503 for that).
    try:
        return selectors.organisation_for(request.user, org_id)
    except Http404:
        raise Invalid("invalid_organisation", _("找不到该工会，或不在您的管理范围内"), field="organisation_id") from None


@router.get("/", response=list[MemberOut], summary="会员列表（按权限范围，手机号已脱敏）")
@paginate(BoundedPagination)
def list_members(request, organisation_id: int | None = None, q: str = "", tag: str = "", status: str = ""):
    org = selectors.organisation_for(request.user, organisation_id) if organisation_id else None
    search = services.member_search_check(viewer=request.user, search=q[:40], context="api_member_search")
    return selectors.member_list(request.user, organisation=org, search=search, tag=tag, status=status)


# Declared before the /{member_id} routes, which would otherwise claim the path.
@router.post("/import", response={201: ImportOut}, summary="导入会员名册（xlsx/csv，全部或全不；错误返回 422 import_invalid 与逐行原因）")
def import_roster(request, organisation_id: int = Form(...), file: UploadedFile = File(...)):  # noqa: B008 (ninja's idiom)
    _staff(request)
    org = _target_org(request, organisation_id)
    if file.size and file.size > 20 * 1024 * 1024:
        raise Invalid("file_too_large", _("文件不能超过 20 MB"), field="file")
    result = roster.roster_import(actor=request.user, organisation=org, filename=file.name or "", data=file.read())
    return 201, result


@router.get("/{member_id}", response=MemberOut, summary="会员详情（本人或管理范围内）")
def get_member(request, member_id: int):
    return selectors.member_for_viewer(request.user, member_id)


@router.post("/", response={201: MemberOut}, summary="添加会员")
def create_member(request, organisation_id: int, payload: MemberIn):
    _staff(request)
    org = _target_org(request, organisation_id)
    return 201, services.member_create(actor=request.user, organisation=org, data=payload.dict())


@router.patch("/{member_id}", response=MemberOut, summary="修改会员")
def update_member(request, member_id: int, payload: MemberPatch):
    _staff(request)
    member = selectors.member_for_viewer(request.user, member_id)
    data = payload.dict(exclude_unset=True)
    return services.member_update(actor=request.user, member=member, data=data)


@router.post("/{member_id}/move", response={201: TransferOut}, summary="转移会员到其他基层工会")
def move_member(request, member_id: int, payload: MoveIn):
    _staff(request)
    member = selectors.member_for_viewer(request.user, member_id)
    target = _target_org(request, payload.to_organisation_id)
    return 201, services.member_transfer(actor=request.user, member=member, to_organisation=target, note=payload.note)
