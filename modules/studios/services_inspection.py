"""On-site inspections (现场核查) during expert review.

The district sends an inspector (a district staff member or an expert, checked for conflicts of
interest before being sent, like the experts). On site the inspector photographs the studio with
a phone camera: each photo must carry the time and GPS position it was taken (EXIF), taken after
the task was given and all at one site, so a photo from a brochure or last year cannot stand in.
The inspector then marks the call's rubric; that sheet is one more sheet of the application's
evaluation, so the visit feeds the score the ranking is built on.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import attachments, richtext, scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.images import check_image, photo_stamp
from core.models import User
from core.notifications import notify
from engines.review import services as review
from modules.studios import rules
from modules.studios.models import Application, ConflictDeclaration, Inspection, InspectionPhoto
from modules.studios.services import _affiliated, _clean_text, case_of

SITE_RADIUS_M = 1000
CLOCK_SLACK = timedelta(minutes=10)  # a phone's clock a little ahead of the server's
FINDINGS_MIN = 10


def inspection_assign(*, actor, application: Application, inspector: User) -> Inspection:
    if not scoping.is_district_staff(actor):
        raise Forbidden("studios_forbidden", _("只有区总工会可以安排现场核查"))
    if not (scoping.is_district_staff(inspector) or rules.is_expert(inspector)):
        raise Invalid("studios_not_inspector", _("核查人须为区总工会工作人员或评审专家"), field="inspector")
    if case_of(application).state != "expert_review":
        raise Conflict("studios_not_in_review", _("只有专家评审阶段的申报可以安排现场核查"))
    if ConflictDeclaration.objects.filter(expert=inspector, organisation=application.organisation).exists() or (
        rules.is_expert(inspector) and _affiliated(inspector, application.organisation)
    ):
        raise Conflict("studios_conflict_of_interest", _("该人员与申报单位存在利益关系，须回避"), field="inspector")
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(application=application, inspector=inspector, assigned_by=actor)
    except IntegrityError:
        raise Conflict("studios_inspection_exists", _("已安排该人员核查这项申报"), field="inspector") from None
    audit(actor=actor, action="studios.inspection_assign", obj=application, changes={"inspector": inspector.pk})
    notify(
        recipients=[inspector],
        title=_("现场核查任务：%(name)s") % {"name": application.name},
        url=f"/studios/inspections/{inspection.pk}/",
    )
    return inspection


def _own_open(actor, inspection: Inspection) -> None:
    if inspection.inspector_id != actor.pk:
        raise NotFound("studios_not_found", _("找不到该核查任务"))
    if inspection.completed_at is not None:
        raise Conflict("studios_inspection_done", _("核查已完成，不能再修改"))
    if case_of(inspection.application).state != "expert_review":
        raise Conflict("studios_scoring_closed", _("评审已结束，不能再核查"))


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine; plenty for 'the same site')."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def inspection_photo_add(*, actor, inspection: Inspection, upload) -> InspectionPhoto:
    _own_open(actor, inspection)
    if upload is None:
        raise Invalid("photo_required", _("请选择照片"), field="file")
    check_image(upload, field="file")
    stamp = photo_stamp(upload)
    if not stamp.complete:
        raise Invalid("studios_photo_unstamped", _("照片没有拍摄时间或位置：请用手机相机现场拍摄，并允许相机记录位置"), field="file")
    if not (inspection.assigned_at - CLOCK_SLACK <= stamp.taken_at <= timezone.now() + CLOCK_SLACK):
        raise Invalid("studios_photo_time", _("照片须在接到核查任务后现场拍摄"), field="file")
    first = inspection.photos.first()
    if first is not None and distance_m(first.latitude, first.longitude, stamp.latitude, stamp.longitude) > SITE_RADIUS_M:
        raise Invalid("studios_photo_place", _("照片拍摄地点与本次核查的其他照片相距超过 1 公里"), field="file")
    with transaction.atomic():
        attachment = attachments.attachment_add(actor=actor, owner=inspection, upload=upload)
        photo = InspectionPhoto.objects.create(
            inspection=inspection, attachment=attachment, taken_at=stamp.taken_at, latitude=stamp.latitude, longitude=stamp.longitude
        )
    return photo


def inspection_complete(*, actor, inspection: Inspection, scores: dict, findings: str) -> Inspection:
    """The inspector's marks join the evaluation; the inspection is closed."""
    _own_open(actor, inspection)
    findings = richtext.clean(_clean_text(findings, "findings", 4000))
    if len(richtext.plain(findings)) < FINDINGS_MIN:
        raise Invalid("studios_findings_short", _("请填写核查情况（不少于 %(n)s 字）") % {"n": FINDINGS_MIN}, field="findings")
    if not inspection.photos.exists():
        raise Conflict("studios_photos_required", _("请先上传带拍摄时间和位置的现场照片"), field="file")
    application = inspection.application
    if application.evaluation_id is None:
        raise Conflict("studios_scoring_closed", _("评审已结束，不能再核查"))
    with transaction.atomic():
        closed = Inspection.objects.filter(pk=inspection.pk, completed_at__isnull=True).update(
            findings=findings, completed_at=timezone.now()
        )
        if not closed:
            raise Conflict("studios_inspection_done", _("核查已完成，不能再修改"))
        review.scores_submit(
            actor=actor, evaluation=application.evaluation, scores=scores, comment=_("现场核查：%(f)s") % {"f": richtext.plain(findings)}
        )
    inspection.refresh_from_db()
    audit(actor=actor, action="studios.inspection_complete", obj=application)
    return inspection
