"""JSON API of the rest stations (/api/v1/stations/): the public finder, ratings and problem
reports from workers, the inspector's idempotent checklist submit, staff lists."""

import base64
import binascii
from datetime import datetime

from django.core.files.base import ContentFile
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from core.api import ErrorOut
from core.errors import Forbidden, Invalid
from core.validators import LIST_MAX_YEAR, LIST_MIN_YEAR
from modules.stations import hours as hours_mod
from modules.stations import selectors, services
from modules.stations.models import SERVICE_BITS, SERVICES, WEEKDAYS, InspectionAssignment, Station, StationTask, Status


class BoundedPagination(LimitOffsetPagination):
    """A giant offset is a 422, never an integer overflow in the database (found by the trust API fuzzing)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=100)
        offset: int = Field(0, ge=0, le=10**9)


router = Router(tags=["stations"])


class NearestIn(Schema):
    lat: float
    lng: float
    services: str = ""
    limit: int = 10
    at: datetime | None = None


class NearOut(Schema):
    id: int
    name: str
    address: str
    landmark: str
    lat: float
    lng: float
    kind: str
    services: list[str]
    distance_m: int


@router.get("/nearest", auth=None, response={200: list[NearOut], 422: ErrorOut}, summary="最近的正在开放的驿站（公开）")
def nearest(request, params: Query[NearestIn]):
    codes = [c for c in params.services.split(",") if c]
    unknown = [c for c in codes if c not in SERVICE_BITS]
    if unknown:
        raise Invalid("services", _("未知的服务项目：%(s)s") % {"s": ",".join(unknown)}, field="services")
    if not (-90 <= params.lat <= 90 and -180 <= params.lng <= 180):
        raise Invalid("coordinate", _("坐标无效"), field="lat")
    limit = max(1, min(params.limit, 50))
    found = selectors.nearest_open_stations(params.lat, params.lng, params.at, codes, limit)
    return [
        {
            "id": s.id,
            "name": s.name,
            "address": s.address,
            "landmark": s.landmark,
            "lat": s.lat,
            "lng": s.lng,
            "kind": s.kind,
            "services": [c for c, b, _l in SERVICES if s.services & b],
            "distance_m": round(s.distance_m),
        }
        for s in found
    ]


class StationOut(Schema):
    id: int
    name: str
    street: str
    address: str
    landmark: str
    lat: float
    lng: float
    coordinate_system: str = "WGS-84"
    kind: str
    status: str
    services: list[str]
    capacity: int
    hours: list[str]
    open_now: bool
    rating_avg: float | None
    rating_count: int


@router.get("/stations/{station_id}", auth=None, response={200: StationOut, 404: ErrorOut}, summary="驿站详情（公开）")
def station_detail(request, station_id: int):
    s = get_object_or_404(Station.objects.select_related("street"), pk=station_id, status__in=[Status.OPEN, Status.SUSPENDED])
    rating = selectors.rating_summary(s)
    return {
        "id": s.id,
        "name": s.name,
        "street": s.street.name,
        "address": s.address,
        "landmark": s.landmark,
        "lat": s.lat,
        "lng": s.lng,
        "kind": s.kind,
        "status": s.status,
        "services": s.service_codes,
        "capacity": s.capacity,
        "hours": [f"{d}：{t}" for d, t in zip(WEEKDAYS, hours_mod.week_texts(s.hours), strict=False)],
        "open_now": bool(selectors.open_now_ids([s.pk])),
        "rating_avg": float(rating["avg"]) if rating["avg"] is not None else None,
        "rating_count": rating["count"],
    }


class RatingIn(Schema):
    stars: int
    comment: str = ""


class OkOut(Schema):
    id: int


@router.post(
    "/stations/{station_id}/ratings",
    response={201: OkOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="职工评价驿站（每天一次）",
)
def rate(request, station_id: int, payload: RatingIn):
    station = get_object_or_404(Station, pk=station_id)
    rating = services.rating_submit(actor=request.user, station=station, stars=payload.stars, comment=payload.comment)
    return 201, {"id": rating.pk}


class ProblemIn(Schema):
    kind: str
    description: str = ""
    photo: str | None = None  # base64 (optionally a data: URL)


@router.post("/stations/{station_id}/problems", response={201: OkOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}, summary="职工反映问题")
def problem(request, station_id: int, payload: ProblemIn):
    station = get_object_or_404(Station, pk=station_id)
    photo = None
    if payload.photo:
        data = payload.photo.split(",", 1)[1] if payload.photo.startswith("data:") else payload.photo
        try:
            photo = ContentFile(base64.b64decode(data, validate=True), name="problem.jpg")
        except (binascii.Error, ValueError):
            raise Invalid("photo_invalid", _("照片无法读取"), field="photo")
    report = services.problem_report(actor=request.user, station=station, kind=payload.kind, description=payload.description, photo=photo)
    return 201, {"id": report.pk}


class PhotoIn(Schema):
    data: str
    item: str = ""


class InspectionIn(Schema):
    client_key: str
    scores: dict[str, float | int | str]
    notes: dict[str, str] = {}
    comment: str = ""
    photos: list[PhotoIn] = []
    # when the inspector was on site, for a checklist sent later (offline); default now
    visited_at: datetime | None = None


class InspectionOut(Schema):
    assignment: int
    replayed: bool
    total: float | None
    grade: str
    fix_tasks: list[str]


@router.post(
    "/inspections/{assignment_id}/submit",
    url_name="stations_inspection_submit",
    response={200: InspectionOut, 201: InspectionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="提交现场检查（按 client_key 幂等，可重发）",
)
def inspection_submit(request, assignment_id: int, payload: InspectionIn):
    assignment = get_object_or_404(InspectionAssignment, pk=assignment_id)
    if assignment.inspector_id != request.user.pk:
        raise Forbidden("forbidden", _("这不是分配给您的检查任务"))
    result = services.inspection_submit(
        actor=request.user,
        assignment=assignment,
        client_key=payload.client_key,
        scores=payload.scores,
        notes=payload.notes,
        comment=payload.comment,
        photos=[p.dict() for p in payload.photos],
        visited_at=payload.visited_at,
    )
    ev = result.assignment.evaluation
    body = {
        "assignment": assignment.pk,
        "replayed": result.replayed,
        "total": float(ev.total) if ev and ev.total is not None else None,
        "grade": ev.grade if ev else "",
        "fix_tasks": [t.title for t in result.fix_tasks],
    }
    return (200 if result.replayed else 201), body


class StaffStationOut(Schema):
    id: int
    name: str
    host: str
    street: str
    address: str
    lat: float
    lng: float
    kind: str
    status: str
    services: list[str]
    built_year: int | None

    @staticmethod
    def resolve_host(obj):
        return obj.host.name

    @staticmethod
    def resolve_street(obj):
        return obj.street.name

    @staticmethod
    def resolve_services(obj):
        return obj.service_codes


class StationFilter(Schema):
    q: str = ""
    street: int | None = None
    kind: str = ""
    status: str = ""
    # the annual review's year filters (as on the page): built in / by, granted money in / before, inspected in
    year: int | None = Field(None, ge=LIST_MIN_YEAR, le=LIST_MAX_YEAR)
    until: int | None = Field(None, ge=LIST_MIN_YEAR, le=LIST_MAX_YEAR)
    funded: int | None = Field(None, ge=LIST_MIN_YEAR, le=LIST_MAX_YEAR)
    funded_before: int | None = Field(None, ge=LIST_MIN_YEAR, le=LIST_MAX_YEAR)
    inspected: int | None = Field(None, ge=LIST_MIN_YEAR, le=LIST_MAX_YEAR)


@router.get(
    "/staff/stations", response={200: list[StaffStationOut], 401: ErrorOut, 403: ErrorOut}, summary="驿站列表（工作人员，按权限范围）"
)
@paginate(BoundedPagination)
def staff_stations(request, filters: Query[StationFilter]):
    if not request.user.has_perm("stations.view_figures"):
        raise Forbidden("forbidden", _("没有权限执行此操作"))
    return selectors.station_list(request.user, **filters.dict())


class TaskOut(Schema):
    id: int
    station_id: int
    station: str
    kind: str
    title: str
    state: str
    deadline: str | None

    @staticmethod
    def resolve_station(obj):
        return obj.station.name

    @staticmethod
    def resolve_deadline(obj):
        return obj.deadline.isoformat() if obj.deadline else None


@router.get("/staff/tasks", response={200: list[TaskOut], 401: ErrorOut, 403: ErrorOut}, summary="驿站事项（工作人员，按权限范围）")
@paginate(BoundedPagination)
def staff_tasks(request, state: str = ""):
    if not request.user.has_perm("stations.view_figures"):
        raise Forbidden("forbidden", _("没有权限执行此操作"))
    return selectors.task_list(request.user, state=state if state in StationTask.State.values else "")
