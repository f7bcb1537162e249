"""Writes of the rest-station programme: keyword-only, atomic, taking the acting user, audited."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit, diff
from core.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from core.images import check_image
from core.models import Organisation
from core.numbers import number
from engines.review import selectors as review_selectors
from engines.review import services as review
from modules.stations import hours as hours_mod
from modules.stations.models import (
    SERVICE_BITS,
    InspectionAssignment,
    InspectionPhoto,
    InspectionPlan,
    InspectionSubmission,
    ProblemKind,
    ProblemReport,
    Station,
    StationGrant,
    StationOpenSlot,
    StationPhoto,
    StationRating,
    StationStatusChange,
    StationTask,
    Status,
    services_mask,
)
from modules.stations.rules import station_in_scope_for

# Xicheng with a generous margin: a point outside is a typo (or lat/lng swapped), not a station.
LAT_RANGE = (39.80, 40.05)
LNG_RANGE = (116.25, 116.50)
EDITABLE = [
    "name",
    "host",
    "street",
    "address",
    "landmark",
    "lat",
    "lng",
    "kind",
    "hours",
    "services",
    "capacity",
    "contact_name",
    "contact_phone",
    "built_year",
    "note",
]
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A worker's reports per (Shanghai) day: enough for real problems, a ceiling for a stuck button.
MAX_REPORTS_PER_DAY = 10


def _require(condition: bool, message=None) -> None:
    if not condition:
        raise Forbidden("forbidden", message or _("没有权限执行此操作"))


def write_slots(station: Station) -> None:
    StationOpenSlot.objects.filter(station=station).delete()
    StationOpenSlot.objects.bulk_create([StationOpenSlot(station=station, start=s, end=e) for s, e in hours_mod.slots(station.hours)])


def clean_station_data(actor, data: Mapping) -> dict:
    """Validate a station's fields (form, API and import share this); raises Invalid(field)."""
    out = {}
    name = str(data.get("name") or "").strip()
    if not name:
        raise Invalid("required", _("请填写驿站名称"), field="name")
    out["name"] = name[:120]
    host = data.get("host")
    if not isinstance(host, Organisation):
        host = Organisation.objects.filter(pk=host).first() if host else None
    if host is None:
        raise Invalid("host_required", _("请选择承办单位"), field="host")
    if not scoping.can_manage_organisation(actor, host):
        raise Invalid("host_out_of_scope", _("承办单位不在您的管理范围内"), field="host")
    street = data.get("street") or host.street
    if street is not None and not isinstance(street, Organisation):
        street = Organisation.objects.filter(pk=street, level=Organisation.Level.STREET).first()
    if street is None or street.level != Organisation.Level.STREET:
        raise Invalid("street_required", _("请选择所属街道"), field="street")
    out["host"], out["street"] = host, street
    address = str(data.get("address") or "").strip()
    if not address:
        raise Invalid("required", _("请填写地址"), field="address")
    out["address"] = address[:200]
    out["landmark"] = str(data.get("landmark") or "").strip()[:120]
    for field, bounds, label in (("lat", LAT_RANGE, _("纬度")), ("lng", LNG_RANGE, _("经度"))):
        try:
            value = float(data.get(field))
        except (TypeError, ValueError):
            raise Invalid("coordinate", _("%(label)s必须是数字") % {"label": label}, field=field)
        if not bounds[0] <= value <= bounds[1]:
            raise Invalid(
                "coordinate_range",
                _("%(label)s %(value)s 不在西城区范围内（%(lo)s–%(hi)s）")
                % {"label": label, "value": value, "lo": bounds[0], "hi": bounds[1]},
                field=field,
            )
        out[field] = round(value, 6)
    from modules.stations.models import Kind

    kind = data.get("kind") or Kind.OTHER
    if kind not in Kind.values:
        raise Invalid("kind", _("驿站类型无效"), field="kind")
    out["kind"] = kind
    hours = data.get("hours")
    if isinstance(hours, list | tuple):
        try:
            hours = hours_mod.parse_week(list(hours))
        except hours_mod.HoursError as error:
            day, text = error.args
            raise Invalid(
                "hours",
                _("%(day)s的开放时间“%(text)s”无法识别，请写成 08:00-20:00，多段用逗号分隔，不开放写“休息”")
                % {"day": hours_mod_day(day), "text": text},
                field=f"hours_{day}",
            )
    out["hours"] = hours or {}
    codes = data.get("services") or []
    unknown = [c for c in codes if c not in SERVICE_BITS]
    if unknown:
        raise Invalid("services", _("未知的服务项目：%(s)s") % {"s": "、".join(unknown)}, field="services")
    out["services"] = services_mask(codes)
    try:
        out["capacity"] = int(data.get("capacity") or 0)
    except (TypeError, ValueError):
        raise Invalid("capacity", _("可容纳人数必须是整数"), field="capacity")
    if not 0 <= out["capacity"] <= 1000:
        raise Invalid("capacity", _("可容纳人数应在 0–1000 之间"), field="capacity")
    out["contact_name"] = str(data.get("contact_name") or "").strip()[:40]
    out["contact_phone"] = str(data.get("contact_phone") or "").strip()[:20]
    built = data.get("built_year")
    if built in (None, ""):
        out["built_year"] = None
    else:
        try:
            out["built_year"] = int(built)
        except (TypeError, ValueError):
            raise Invalid("built_year", _("建成年份必须是四位年份"), field="built_year")
        if not 2000 <= out["built_year"] <= timezone.localdate().year + 1:
            raise Invalid("built_year", _("建成年份不合理"), field="built_year")
    out["note"] = str(data.get("note") or "").strip()[:300]
    return out


def hours_mod_day(day: int) -> str:
    from modules.stations.models import WEEKDAYS

    return str(WEEKDAYS[int(day)])


@transaction.atomic
def station_create(*, actor, data: Mapping, status: str = Status.BUILDING, reason: str = "") -> Station:
    _require(scoping.is_staff_member(actor))
    fields = clean_station_data(actor, data)
    if status not in Status.values:
        raise Invalid("status", _("状态无效"), field="status")
    station = Station.objects.create(status=status, **fields)
    write_slots(station)
    StationStatusChange.objects.create(station=station, from_status="", to_status=status, by=actor, reason=reason or _("登记"))
    audit(actor=actor, action="stations.station_create", obj=station, organisation=station.host, changes={"name": station.name})
    return station


@transaction.atomic
def station_update(*, actor, station: Station, data: Mapping) -> Station:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _require(station_in_scope_for(actor, station))
    fields = clean_station_data(actor, data)
    changes = diff(station, EDITABLE, fields)
    for key, value in fields.items():
        setattr(station, key, value)
    station.save()
    if "hours" in changes:
        write_slots(station)
    audit(actor=actor, action="stations.station_update", obj=station, organisation=station.host, changes=changes)
    return station


@transaction.atomic
def station_set_status(*, actor, station: Station, status: str, reason: str) -> Station:
    station = Station.objects.select_for_update().get(pk=station.pk)
    _require(station_in_scope_for(actor, station))
    if status not in Status.values:
        raise Invalid("status", _("状态无效"), field="status")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", _("请填写状态变更原因"), field="reason")
    if status == station.status:
        raise Conflict("status_unchanged", _("驿站已是该状态"), field="status")
    StationStatusChange.objects.create(station=station, from_status=station.status, to_status=status, by=actor, reason=reason[:200])
    old = station.status
    station.status = status
    if status == Status.OPEN and not station.built_year:
        station.built_year = timezone.localdate().year
    station.save(update_fields=["status", "built_year", "updated_at"])
    audit(
        actor=actor,
        action="stations.station_status",
        obj=station,
        organisation=station.host,
        changes={"status": [old, status], "reason": reason},
    )
    return station


@transaction.atomic
def grant_add(*, actor, station: Station, year: int, amount_fen: int, note: str = "") -> StationGrant:
    _require(
        scoping.is_district_staff(actor) or scoping.has_role(actor, scoping.Role.STREET_STAFF) and station_in_scope_for(actor, station),
        _("只有区总工会或街道工会可以登记资助"),
    )
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise Invalid("amount", _("资助金额必须大于 0"), field="amount")
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise Invalid("year", _("年度不合理"), field="year")
    grant = StationGrant.objects.create(station=station, year=int(year), amount_fen=amount_fen, note=(note or "")[:200], created_by=actor)
    audit(
        actor=actor, action="stations.grant_add", obj=station, organisation=station.host, changes={"year": year, "amount_fen": amount_fen}
    )
    return grant


def _check_image(upload, field: str = "photo") -> None:
    if upload is not None:
        check_image(upload, field=field, max_bytes=MAX_PHOTO_BYTES)


@transaction.atomic
def photo_add(*, actor, station: Station, image, caption: str = "") -> StationPhoto:
    _require(station_in_scope_for(actor, station))
    if image is None:
        raise Invalid("photo_required", _("请选择照片"), field="image")
    _check_image(image, "image")
    photo = StationPhoto.objects.create(station=station, image=image, caption=(caption or "")[:100], uploaded_by=actor)
    audit(actor=actor, action="stations.photo_add", obj=station, organisation=station.host)
    return photo


# -- workers -------------------------------------------------------------------------------


def _member(user):
    member = scoping.member_for(user)
    if member is None:
        raise Forbidden("member_required", _("请先用手机号登录"))
    return member


@transaction.atomic
def rating_submit(*, actor, station: Station, stars: int, comment: str = "") -> StationRating:
    """One rating per member per station per (Shanghai) day."""
    member = _member(actor)
    if station.status != Status.OPEN:
        raise Conflict("station_not_open", _("该驿站目前未在运营"))
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise Invalid("stars", _("请选择 1 到 5 颗星"), field="stars")
    try:
        with transaction.atomic():
            rating = StationRating.objects.create(
                station=station, member=member, day=timezone.localdate(), stars=stars, comment=(comment or "").strip()[:200]
            )
    except IntegrityError:
        raise Conflict("already_rated_today", _("您今天已经评价过这个驿站了，明天再来吧"), field="stars")
    return rating


@transaction.atomic
def problem_report(*, actor, station: Station, kind: str, description: str = "", photo=None) -> ProblemReport:
    """A worker's report becomes a task for the host organisation and the street."""
    member = _member(actor)
    if kind not in ProblemKind.values:
        raise Invalid("kind", _("请选择问题类型"), field="kind")
    description = (description or "").strip()
    if kind == ProblemKind.OTHER and not description:
        raise Invalid("description_required", _("请简单描述遇到的问题"), field="description")
    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if ProblemReport.objects.filter(member=member, created_at__gte=today_start).count() >= MAX_REPORTS_PER_DAY:
        raise ApiError("too_many_reports", _("今天反映的问题已经很多了，请明天再提交或直接联系街道工会"), status=429)
    _check_image(photo)
    report = ProblemReport.objects.create(station=station, member=member, kind=kind, description=description[:500], photo=photo or "")
    task = StationTask.objects.create(
        station=station,
        kind=StationTask.Kind.PROBLEM,
        problem=report,
        title=f"{ProblemKind(kind).label}：{station.name}",
        detail=description[:500],
    )
    audit(actor=actor, action="stations.problem_report", obj=task, organisation=station.host, changes={"kind": kind})
    return report


# -- tasks ---------------------------------------------------------------------------------

TASK_FLOW = {
    StationTask.State.OPEN: {StationTask.State.IN_PROGRESS, StationTask.State.RESOLVED},
    StationTask.State.IN_PROGRESS: {StationTask.State.RESOLVED, StationTask.State.OPEN},
    StationTask.State.RESOLVED: set(),
}


@transaction.atomic
def task_set_state(*, actor, task: StationTask, state: str, note: str = "") -> StationTask:
    """Host and street move a task along open → in progress → resolved.

    A fix task from an inspection is only closed by the re-visit (``fix_task_revisit``):
    the host says it is being fixed, the inspector confirms it was.
    """
    task = StationTask.objects.select_for_update().select_related("station", "station__host", "station__street").get(pk=task.pk)
    _require(station_in_scope_for(actor, task.station))
    if state not in TASK_FLOW.get(task.state, set()):
        raise Conflict(
            "task_state",
            _("该事项当前状态不能变为“%(s)s”") % {"s": StationTask.State(state).label if state in StationTask.State.values else state},
            field="state",
        )
    if task.kind == StationTask.Kind.FIX and state == StationTask.State.RESOLVED:
        raise Conflict("fix_needs_revisit", _("整改事项须由检查员复查后关闭"), field="state")
    note = (note or "").strip()
    if state == StationTask.State.RESOLVED and not note:
        raise Invalid("note_required", _("请填写处理结果"), field="note")
    old = task.state
    task.state = state
    if note:
        task.resolution = note[:300]
    if state == StationTask.State.RESOLVED:
        task.resolved_at, task.resolved_by = timezone.now(), actor
    task.save()
    audit(
        actor=actor, action="stations.task_state", obj=task, organisation=task.station.host, changes={"state": [old, state], "note": note}
    )
    return task


@transaction.atomic
def fix_task_revisit(*, actor, task: StationTask, passed: bool, note: str) -> StationTask:
    """The inspector re-visits: passed closes the fix task, otherwise it stays open with the finding."""
    from modules.stations.rules import may_revisit

    task = StationTask.objects.select_for_update(of=("self",)).select_related("station", "station__host", "assignment").get(pk=task.pk)
    _require(may_revisit(actor, task), _("只有负责检查员或区总工会可以复查"))
    if task.state == StationTask.State.RESOLVED:
        raise Conflict("task_resolved", _("该整改事项已关闭"))
    note = (note or "").strip()
    if not note:
        raise Invalid("note_required", _("请填写复查情况"), field="note")
    old = task.state
    if passed:
        task.state = StationTask.State.RESOLVED
        task.resolved_at, task.resolved_by = timezone.now(), actor
        task.resolution = (_("复查通过：") + note)[:300]
    else:
        task.state = StationTask.State.OPEN
        task.resolution = (_("复查未通过：") + note)[:300]
    task.save()
    audit(
        actor=actor,
        action="stations.fix_revisit",
        obj=task,
        organisation=task.station.host,
        changes={"state": [old, task.state], "passed": passed, "note": note},
    )
    return task


# -- yearly inspection ---------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor, year: int, name: str, rubric, fix_days: int = 30) -> InspectionPlan:
    _require(scoping.is_district_staff(actor), _("只有区总工会可以制定检查计划"))
    name = (name or "").strip()
    if not name:
        raise Invalid("required", _("请填写计划名称"), field="name")
    if not 1 <= int(fix_days) <= 365:
        raise Invalid("fix_days", _("整改期限应在 1–365 天之间"), field="fix_days")
    plan = InspectionPlan.objects.create(year=int(year), name=name[:120], rubric=rubric, fix_days=int(fix_days), created_by=actor)
    audit(actor=actor, action="stations.plan_create", obj=plan, changes={"year": year, "rubric": rubric.pk})
    return plan


@transaction.atomic
def plan_assign(*, actor, plan: InspectionPlan, stations, inspector) -> int:
    """Assign stations (not yet in the plan) to an inspector; returns how many were added."""
    _require(scoping.is_district_staff(actor), _("只有区总工会可以分配检查任务"))
    if not scoping.has_role(inspector, scoping.Role.INSPECTOR):
        raise Invalid("not_inspector", _("所选用户不是检查员"), field="inspector")
    existing = set(InspectionAssignment.objects.filter(plan=plan).values_list("station_id", flat=True))
    rows = [InspectionAssignment(plan=plan, station_id=s.pk if hasattr(s, "pk") else int(s), inspector=inspector) for s in stations]
    rows = [r for r in rows if r.station_id not in existing]
    InspectionAssignment.objects.bulk_create(rows, batch_size=1000)
    audit(actor=actor, action="stations.plan_assign", obj=plan, changes={"inspector": inspector.pk, "added": len(rows)})
    return len(rows)


@dataclass(frozen=True)
class InspectionResult:
    assignment: InspectionAssignment
    replayed: bool
    fix_tasks: list[StationTask]


def _decode_photo(raw: Mapping, n: int) -> ContentFile:
    data = str(raw.get("data") or "")
    if "," in data and data.startswith("data:"):
        data = data.split(",", 1)[1]
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("photo_invalid", _("第 %(n)s 张照片无法读取") % {"n": n}, field="photos")
    upload = ContentFile(blob, name=f"inspection-{n}.jpg")
    _check_image(upload, "photos")
    return upload


def inspection_submit(
    *,
    actor,
    assignment: InspectionAssignment,
    client_key: str,
    scores: Mapping,
    notes: Mapping | None = None,
    comment: str = "",
    photos: list[Mapping] | None = None,
    visited_at: datetime | None = None,
) -> InspectionResult:
    """Record an on-site checklist. Sent again with the same client key (a phone that lost its
    connection before the answer came back), it changes nothing and answers the same.

    ``visited_at``: when the inspector was at the station, for a checklist filled in offline (or
    on paper) and sent later; by default now. Not in the future, not before the plan's year."""
    client_key = (client_key or "").strip()
    if not 8 <= len(client_key) <= 64:
        raise Invalid("client_key", _("缺少提交编号"), field="client_key")
    previous = InspectionSubmission.objects.filter(inspector=actor, client_key=client_key).select_related("assignment").first()
    if previous is not None:
        return _replay(previous, assignment)
    try:
        with transaction.atomic():
            return _inspection_record(actor, assignment, client_key, scores, notes or {}, comment, photos or [], visited_at)
    except IntegrityError:
        previous = InspectionSubmission.objects.filter(inspector=actor, client_key=client_key).select_related("assignment").first()
        if previous is None:
            raise
        return _replay(previous, assignment)


def _replay(previous: InspectionSubmission, assignment) -> InspectionResult:
    if previous.assignment_id != assignment.pk:
        raise Conflict("client_key_reused", _("该提交编号已用于另一个驿站"), field="client_key")
    return InspectionResult(previous.assignment, True, list(previous.assignment.fix_tasks.all()))


def _clean_visited_at(visited_at, plan: InspectionPlan) -> datetime:
    now = timezone.now()
    if visited_at is None:
        return now
    if not isinstance(visited_at, datetime):
        raise Invalid("visited_at", _("检查时间格式无效"), field="visited_at")
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now:
        raise Invalid("visited_at_future", _("检查时间不能晚于现在"), field="visited_at")
    if timezone.localtime(visited_at).year < plan.year:
        raise Invalid("visited_at_before_plan", _("检查时间早于检查计划的年度（%(year)s年）") % {"year": plan.year}, field="visited_at")
    return visited_at


def _inspection_record(actor, assignment, client_key, scores, notes, comment, photos, visited_at=None) -> InspectionResult:
    assignment = InspectionAssignment.objects.select_for_update().select_related("plan", "plan__rubric", "station").get(pk=assignment.pk)
    _require(assignment.inspector_id == actor.pk, _("这不是分配给您的检查任务"))
    visited_at = _clean_visited_at(visited_at, assignment.plan)
    if len(photos) > 10:
        raise Invalid("photos_too_many", _("每次最多上传 10 张照片"), field="photos")
    files = [(_decode_photo(p, n), str(p.get("item") or "")[:32]) for n, p in enumerate(photos, start=1)]
    InspectionSubmission.objects.create(
        client_key=client_key,
        inspector=actor,
        assignment=assignment,
        payload={"scores": {k: str(v) for k, v in scores.items()}, "notes": notes, "comment": comment},
    )
    evaluation = assignment.evaluation
    if evaluation is None:
        evaluation = review.evaluation_open(
            actor=actor,
            rubric=assignment.plan.rubric,
            subject=assignment.station,
            title=f"{assignment.plan.name}：{assignment.station.name}",
        )
        assignment.evaluation = evaluation
    review.scores_submit(actor=actor, evaluation=evaluation, scores=scores, notes=notes, comment=comment)
    evaluation.refresh_from_db()
    assignment.state = InspectionAssignment.State.DONE
    assignment.visited_at = visited_at
    assignment.save(update_fields=["evaluation", "state", "visited_at"])
    for upload, item in files:
        InspectionPhoto.objects.create(assignment=assignment, image=upload, item_code=item)
    created = []
    open_items = set(assignment.fix_tasks.exclude(state=StationTask.State.RESOLVED).values_list("item_code", flat=True))
    # the fix period runs from the visit
    deadline = timezone.localtime(visited_at).date() + timedelta(days=assignment.plan.fix_days)
    for result in review_selectors.failing_items(evaluation):
        if result.code in open_items:
            continue
        created.append(
            StationTask.objects.create(
                station=assignment.station,
                kind=StationTask.Kind.FIX,
                assignment=assignment,
                item_code=result.code,
                deadline=deadline,
                title=_("整改：%(item)s（%(score)s/%(max)s 分）")
                % {"item": result.title, "score": number(result.mean), "max": number(result.max_score)},
                detail=str(notes.get(result.code, ""))[:500],
            )
        )
    audit(
        actor=actor,
        action="stations.inspection_submit",
        obj=assignment.station,
        organisation=assignment.station.host,
        changes={"total": str(evaluation.total), "grade": evaluation.grade, "fix_tasks": len(created), "client_key": client_key},
    )
    return InspectionResult(assignment, False, list(assignment.fix_tasks.all()))


@transaction.atomic
def inspection_approve(*, actor, plan: InspectionPlan, assignment_ids=None) -> int:
    """District staff approve (lock) the plan's finished inspections; returns how many were locked."""
    _require(scoping.is_district_staff(actor), _("只有区总工会可以审定检查结果"))
    qs = InspectionAssignment.objects.filter(plan=plan, state=InspectionAssignment.State.DONE, evaluation__status="open").select_related(
        "evaluation"
    )
    if assignment_ids is not None:
        qs = qs.filter(pk__in=list(assignment_ids))
    count = 0
    for assignment in qs:
        review.evaluation_approve(actor=actor, evaluation=assignment.evaluation)
        count += 1
    if not count:
        raise NotFound("nothing_to_approve", _("没有待审定的检查结果"))
    return count
