"""API of the field side (/api/v1/bags/): batches and labels, bag lookup and binding, scans,
collection points. Device tokens (Bearer) or the page session; errors as {code, message, field}."""

from datetime import datetime
from typing import Annotated

from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import BaseModel, Field

from core import scoping
from core.api import BoundedPagination, IsoDateTime
from core.errors import ApiError, Forbidden, Invalid, NotFound
from core.models import Organisation, User
from modules.bags import abuse, codes, labels, selectors, services
from modules.bags.models import Bag, BagBatch, CollectionPoint, Grade, LabelExport

router = Router(tags=["bags"])

# Ids as the database can hold them: a bigger number is a 422, never a database error.
Id = Annotated[int, Field(ge=1, le=2**62)]


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def base_url_of(request) -> str:
    from django.conf import settings

    configured = getattr(settings, "BAG_URL_BASE", "")
    if configured:
        return configured.rstrip("/")
    # The address people reach this site by (https in production, behind SECURE_PROXY_SSL_HEADER).
    return f"{request.scheme}://{request.get_host()}"


# ---------------------------------------------------------------- batches


class BatchIn(Schema):
    organisation_id: Id
    size: int = Field(ge=services.MIN_BATCH, le=services.MAX_BATCH)
    note: str = Field("", max_length=200)


class ExportOut(Schema):
    id: int
    layout: str
    status: str
    done: int
    total: int
    percent: int
    download_url: str | None = None


class BatchOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    size: int
    status: str
    note: str
    created_at: datetime
    first_code: str | None = None
    last_code: str | None = None


class BatchDetailOut(BatchOut):
    bound: int
    collected: int
    exports: list[ExportOut]


def _batch_out(batch: BagBatch) -> dict:
    return {
        "id": batch.pk,
        "organisation_id": batch.organisation_id,
        "organisation_name": batch.organisation.name,
        "size": batch.size,
        "status": batch.status,
        "note": batch.note,
        "created_at": batch.created_at,
        "first_code": codes.encode(batch.first_bag_id) if batch.first_bag_id else None,
        "last_code": codes.encode(batch.last_bag_id) if batch.last_bag_id else None,
    }


def _export_out(export: LabelExport) -> dict:
    ready = export.status == LabelExport.Status.READY
    return {
        "id": export.pk,
        "layout": export.layout,
        "status": export.status,
        "done": export.done,
        "total": export.total,
        "percent": export.percent,
        "download_url": f"/api/v1/bags/batches/{export.batch_id}/labels/{export.pk}/download" if ready else None,
    }


def _batch_for(request, batch_id: int) -> BagBatch:
    # Out-of-scope batches answer 404 too, so their existence does not leak.
    return get_object_or_404(selectors.batches_visible_to(request.user), pk=batch_id)


@router.post("/batches", response={201: BatchOut, **ERRORS}, summary="新建垃圾袋批次（生成编码）")
def batch_create(request, payload: BatchIn):
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if organisation is None or not scoping.can_view_organisation(request.user, organisation):
        raise NotFound("not_found", _("找不到该工会"), field="organisation_id")
    batch = services.batch_create(actor=request.user, organisation=organisation, size=payload.size, note=payload.note)
    return 201, _batch_out(batch)


@router.get("/batches", response={200: list[BatchOut], **ERRORS}, summary="批次列表（按权限范围）")
@paginate(BoundedPagination)
def batch_list(request, organisation_id: Id | None = None):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("没有权限查看垃圾袋批次"))
    qs = selectors.batches_visible_to(request.user).order_by("-created_at", "-id")
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    return [_batch_out(b) for b in qs]


@router.get("/batches/{batch_id}", response={200: BatchDetailOut, **ERRORS}, summary="批次详情（含标签生成进度）")
def batch_detail(request, batch_id: Id):
    batch = _batch_for(request, batch_id)
    stats = selectors.batch_stats([batch.pk]).get(batch.pk, selectors.BatchStats())
    return {
        **_batch_out(batch),
        "bound": stats.bound,
        "collected": stats.collected,
        "exports": [_export_out(e) for e in selectors.exports_of(batch)],
    }


class LabelsIn(Schema):
    layout: str = LabelExport.Layout.A4_3X8


@router.post("/batches/{batch_id}/labels", response={202: ExportOut, **ERRORS}, summary="生成标签 PDF（后台任务）")
def labels_request(request, batch_id: Id, payload: LabelsIn):
    batch = _batch_for(request, batch_id)
    export = services.label_export_request(actor=request.user, batch=batch, layout=payload.layout, base_url=base_url_of(request))
    export.refresh_from_db()
    return 202, _export_out(export)


@router.get("/batches/{batch_id}/labels/{export_id}", response={200: ExportOut, **ERRORS}, summary="标签生成进度")
def labels_status(request, batch_id: Id, export_id: Id):
    batch = _batch_for(request, batch_id)
    return _export_out(get_object_or_404(LabelExport, pk=export_id, batch=batch))


@router.get("/batches/{batch_id}/labels/{export_id}/download", response={200: None, **ERRORS}, summary="下载标签 PDF")
def labels_download(request, batch_id: Id, export_id: Id):
    batch = _batch_for(request, batch_id)
    export = get_object_or_404(LabelExport, pk=export_id, batch=batch)
    if export.status != LabelExport.Status.READY or not export.file:
        raise ApiError("labels_not_ready", _("标签尚未生成完毕"), status=409)
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"bags-{batch.pk}-{export.layout}.pdf", content_type="application/pdf"
    )


@router.get("/batches/{batch_id}/codes.csv", response={200: None, **ERRORS}, summary="导出批次编码 CSV")
def codes_csv(request, batch_id: Id):
    batch = _batch_for(request, batch_id)
    response = StreamingHttpResponse(labels.csv_rows(batch, base_url_of(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bags-{batch.pk}-codes.csv"'
    return response


# ---------------------------------------------------------------- bags


class BagOut(Schema):
    code: str
    grouped: str
    organisation_id: int
    organisation_name: str
    batch_id: int
    bound: bool
    mine: bool
    collected: bool
    collected_at: datetime | None = None


@router.get("/lookup/{code}", response={200: BagOut, **ERRORS}, summary="按编码查询垃圾袋")
def bag_lookup(request, code: str):
    parsed = abuse.code_checked(request, code)
    bag = Bag.objects.select_related("organisation").filter(pk=parsed.bag_id).first()
    if bag is None:
        raise NotFound("bag_not_issued", _("该垃圾袋尚未发放"), field="code")
    member = scoping.member_for(request.user)
    mine = member is not None and bag.owner_id == member.pk
    visible = (
        mine or scoping.can_view_organisation(request.user, bag.organisation) or scoping.has_role(request.user, scoping.Role.COLLECTOR)
    )
    if not visible and member is None:
        raise NotFound("bag_not_issued", _("该垃圾袋尚未发放"), field="code")
    return {
        "code": parsed.code,
        "grouped": codes.group(parsed.code),
        "organisation_id": bag.organisation_id,
        "organisation_name": bag.organisation.name,
        "batch_id": bag.batch_id,
        "bound": bag.owner_id is not None,
        "mine": mine,
        "collected": bag.collected_at is not None,
        "collected_at": bag.collected_at,
    }


class BindIn(Schema):
    code: str = Field(max_length=300)


@router.post("/bind", response={200: BagOut, **ERRORS}, summary="职工绑定垃圾袋")
def bag_bind(request, payload: BindIn):
    abuse.code_checked(request, payload.code)
    bag = services.bag_bind(actor=request.user, code=payload.code)
    code = codes.encode(bag.pk)
    return {
        "code": code,
        "grouped": codes.group(code),
        "organisation_id": bag.organisation_id,
        "organisation_name": bag.organisation.name,
        "batch_id": bag.batch_id,
        "bound": True,
        "mine": True,
        "collected": bag.collected_at is not None,
        "collected_at": bag.collected_at,
    }


class BulkBindIn(Schema):
    rows: list[tuple[str, str]] = Field(default_factory=list, max_length=services.MAX_BIND_ROWS)


class BulkBindOut(Schema):
    bound: int


@router.post(
    "/batches/{batch_id}/bind", response={200: BulkBindOut, **ERRORS}, summary="按名册批量绑定（编码,手机号；全部成功或全部不绑定）"
)
def batch_bind(request, batch_id: Id, payload: BulkBindIn):
    batch = _batch_for(request, batch_id)
    return {"bound": services.bags_bind_bulk(actor=request.user, batch=batch, rows=payload.rows)}


# ---------------------------------------------------------------- scans


# The scan schemas are plain pydantic models: ninja's Schema adds a per-object validator (for
# reading ORM objects) that cost a third of a 500-scan upload's Python time; these are dicts only.
class ScanSchema(BaseModel):
    client_id: str = Field(min_length=1, max_length=64)
    code: str = Field(max_length=300)
    point_id: Id
    category: str
    grade: str = Grade.CORRECT
    reasons: list[str] = Field(default_factory=list, max_length=10)
    weight_grams: int | None = Field(None, ge=-(2**31), le=2**31)
    scanned_at: IsoDateTime | None = None


class ScanOut(BaseModel):
    client_id: str
    ok: bool
    status: int
    code: str
    message: str
    field: str | None = None
    collection_id: int | None = None
    bag_code: str = ""
    grade: str = ""
    category: str = ""
    points: int = 0
    bound: bool = False
    replayed: bool = False


def scan_in(s: ScanSchema) -> services.ScanIn:
    return services.ScanIn(
        client_id=s.client_id,
        code=s.code,
        point_id=s.point_id,
        category=s.category,
        grade=s.grade,
        reasons=list(s.reasons),
        weight_grams=s.weight_grams,
        scanned_at=s.scanned_at,
    )


def _require_collector(user: User) -> None:
    if not scoping.has_role(user, scoping.Role.COLLECTOR):
        raise Forbidden("not_collector", _("只有分拣员可以上传回收记录"))


@router.post("/scans", response={200: ScanOut, 201: ScanOut, **ERRORS}, summary="上传一条回收记录（按 client_id 幂等）")
def scan_single(request, payload: ScanSchema):
    # The collector role is checked inside the scan's one statement (see scan_sql.SINGLE).
    abuse.scan_code_checked(request, payload.code)
    result = services.collection_record(actor=request.user, item=scan_in(payload))
    if not result.ok:
        raise ApiError(result.code, result.message, field=result.field, status=result.status)
    return result.status, result.as_dict()


class ScanBatchIn(BaseModel):
    items: list[ScanSchema] = Field(max_length=services.MAX_SCAN_BATCH)


class ScanBatchOut(BaseModel):
    accepted: int
    rejected: int
    results: list[ScanOut]


@router.post("/scans/batch", response={200: ScanBatchOut, **ERRORS}, summary="批量上传回收记录（最多500条，逐条结果）")
def scan_batch(request, payload: ScanBatchIn):
    _require_collector(request.user)
    results = services.collections_record_batch(actor=request.user, items=[scan_in(s) for s in payload.items])
    accepted = sum(1 for r in results if r.ok)
    return {"accepted": accepted, "rejected": len(results) - accepted, "results": [r.as_dict() for r in results]}


@router.post("/scans/{client_id}/photo", response={200: ScanOut, **ERRORS}, summary="为回收记录上传照片")
def scan_photo(request, client_id: str, photo: File[UploadedFile]):
    _require_collector(request.user)
    collection = services.attach_photo(actor=request.user, client_id=client_id, photo=photo)
    code = codes.encode(collection.bag_id)
    return {
        "client_id": client_id,
        "ok": True,
        "status": 200,
        "code": "photo_saved",
        "message": _("照片已保存"),
        "collection_id": collection.pk,
        "bag_code": code,
        "grade": collection.grade,
        "category": collection.category,
        "points": collection.points_awarded,
        "bound": collection.owner_id is not None,
    }


# ---------------------------------------------------------------- collection points


class PointIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    street_id: Id
    address: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    served_organisation_ids: list[Id] = Field(default_factory=list, max_length=2000)
    collector_ids: list[Id] = Field(default_factory=list, max_length=200)
    is_active: bool = True


class PointOut(Schema):
    id: int
    name: str
    street_id: int
    street_name: str
    address: str
    latitude: float | None
    longitude: float | None
    served_organisation_ids: list[int]
    collector_ids: list[int]
    is_active: bool


def _point_out(point: CollectionPoint) -> dict:
    return {
        "id": point.pk,
        "name": point.name,
        "street_id": point.street_id,
        "street_name": point.street.name,
        "address": point.address,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "served_organisation_ids": sorted(o.pk for o in point.served_organisations.all()),
        "collector_ids": sorted(u.pk for u in point.collectors.all()),
        "is_active": point.is_active,
    }


def _point_args(request, payload: PointIn) -> dict:
    street = Organisation.objects.filter(pk=payload.street_id, level=Organisation.Level.STREET).first()
    if street is None or not scoping.can_view_organisation(request.user, street):
        raise Invalid("invalid_street", _("请选择所属街道"), field="street_id")
    served = list(Organisation.objects.filter(pk__in=payload.served_organisation_ids))
    if len(served) != len(set(payload.served_organisation_ids)):
        raise Invalid("invalid_served", _("服务工会不存在"), field="served_organisation_ids")
    collectors = list(User.objects.filter(pk__in=payload.collector_ids))
    if len(collectors) != len(set(payload.collector_ids)):
        raise Invalid("invalid_collector", _("分拣员不存在"), field="collector_ids")
    return {
        "street": street,
        "name": payload.name,
        "address": payload.address,
        "latitude": payload.latitude,
        "longitude": payload.longitude,
        "served": served,
        "collectors": collectors,
        "is_active": payload.is_active,
    }


@router.get("/points", response={200: list[PointOut], **ERRORS}, summary="收集点列表（街道/区工作人员）")
@paginate(BoundedPagination)
def point_list(request, street_id: Id | None = None):
    if not request.user.has_perm("bags.list_points"):
        raise Forbidden("forbidden", _("没有权限管理收集点"))
    qs = selectors.points_visible_to(request.user).prefetch_related("served_organisations", "collectors").order_by("street__path", "name")
    if street_id:
        qs = qs.filter(street_id=street_id)
    return [_point_out(p) for p in qs]


@router.post("/points", response={201: PointOut, **ERRORS}, summary="新建收集点")
def point_create(request, payload: PointIn):
    if not request.user.has_perm("bags.list_points"):
        raise Forbidden("forbidden", _("没有权限管理收集点"))
    point = services.point_create(actor=request.user, **_point_args(request, payload))
    return 201, _point_out(point)


def _point_for(request, point_id: int) -> CollectionPoint:
    return get_object_or_404(selectors.points_visible_to(request.user), pk=point_id)


@router.get("/points/{point_id}", response={200: PointOut, **ERRORS}, summary="收集点详情")
def point_detail(request, point_id: Id):
    return _point_out(_point_for(request, point_id))


@router.put("/points/{point_id}", response={200: PointOut, **ERRORS}, summary="修改收集点")
def point_update(request, point_id: Id, payload: PointIn):
    point = services.point_update(actor=request.user, point=_point_for(request, point_id), **_point_args(request, payload))
    return _point_out(point)


class DeletedOut(Schema):
    deleted: bool
    deactivated: bool


@router.delete("/points/{point_id}", response={200: DeletedOut, **ERRORS}, summary="删除收集点（已有回收记录的改为停用）")
def point_delete(request, point_id: Id):
    deleted = services.point_delete(actor=request.user, point=_point_for(request, point_id))
    return {"deleted": deleted, "deactivated": not deleted}


class MyPointOut(Schema):
    id: int
    name: str
    street_name: str


@router.get("/my-points", response={200: list[MyPointOut], **ERRORS}, summary="我所在的收集点（分拣员）")
def my_points(request):
    return [{"id": p.pk, "name": p.name, "street_name": p.street.name} for p in selectors.points_of_collector(request.user)]
