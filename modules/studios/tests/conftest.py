"""The studios' world: a call open today, two experts, and a helper that builds a complete application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import RoleAssignment, User
from core.tests.factories import UserFactory
from modules.studios import services
from modules.studios.models import Call

Role = RoleAssignment.Role


def complete_data(name: str = "王强电力创新工作室", team_size: int = 6) -> dict:
    year = timezone.localdate().year
    return {
        "name": name,
        "field": "technology",
        "leader_name": "王强",
        "leader_title": "高级技师、班组长",
        "leader_honours": "北京市劳动模范",
        "team": [{"name": f"成员{i}", "role": "技师"} for i in range(team_size)],
        "results": [{"kind": "patent", "title": "一种电缆剥线装置", "year": year - 1}],
        "summary": "围绕配网抢修开展技术攻关。",
        "facilities": "固定场所 80 平方米，年经费 5 万元。",
        "consent_to_notice": True,
    }


@dataclass
class StudioWorld:
    call: Call
    expert_1: User
    expert_2: User
    expert_3: User


def expert(username: str, organisation) -> User:
    user = UserFactory(username=username, display_name=username)
    RoleAssignment.objects.create(user=user, role=Role.EXPERT, organisation=organisation)
    return user


@pytest.fixture
def studios(world) -> StudioWorld:
    today = timezone.localdate()
    rubric = services.standard_rubric(actor=world.district_staff)
    call = services.call_create(
        actor=world.district_staff,
        year=today.year,
        title=f"{today.year}年区级职工创新工作室申报",
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=25),
        quota=2,
        rubric=rubric,
    )
    return StudioWorld(call, expert("expert_1", world.district), expert("expert_2", world.district), expert("expert_3", world.district))


def draft(world, studios, name="王强电力创新工作室", **overrides):
    return services.application_create(
        actor=world.admin_a1, call=studios.call, organisation=world.org_a1, data={**complete_data(name), **overrides}
    )


def to_expert_review(world, studios, name="王强电力创新工作室", organisation=None, admin=None):
    organisation = organisation or world.org_a1
    admin = admin or world.admin_a1
    application = services.application_create(actor=admin, call=studios.call, organisation=organisation, data=complete_data(name))
    services.application_transition(actor=admin, application=application, name="submit")
    street = world.street_a_staff if organisation.street_id == world.street_a.pk else world.street_b_staff
    services.application_transition(actor=street, application=application, name="pass")
    application.refresh_from_db()
    return application


def scored(world, studios, application, marks=(8, 8)):
    for expert_user, mark in zip((studios.expert_1, studios.expert_2), marks, strict=True):
        assignment = services.expert_assign(actor=world.district_staff, application=application, expert=expert_user)
        services.assignment_declare_no_conflict(actor=expert_user, assignment=assignment)
        services.scores_submit(
            actor=expert_user,
            application=application,
            scores={code: mark for code in ("leader", "results", "team", "facilities", "management")},
        )
    application.refresh_from_db()
    return application


def named(world, studios, name="王强电力创新工作室", organisation=None, admin=None):
    """An application taken through review, approval and a notice that ran its period."""
    from engines.workflow.services import deadlines_tick

    application = scored(world, studios, to_expert_review(world, studios, name, organisation, admin))
    services.application_transition(actor=world.district_staff, application=application, name="approve")
    services.application_transition(actor=world.district_staff, application=application, name="publish")
    deadlines_tick(now=timezone.now() + timedelta(days=studios.call.notice_days, minutes=1))
    assert services.case_of(application).state == "named"
    return application


def stamped_photo(*, taken_at, latitude=39.9075, longitude=116.3972, stamp=True):
    """A JPEG as a phone camera writes it: EXIF time and GPS position (or none)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import ExifTags, Image

    def dms(value: float) -> tuple:
        degrees = int(value)
        minutes_float = (value - degrees) * 60
        minutes = int(minutes_float)
        return (float(degrees), float(minutes), round((minutes_float - minutes) * 60, 4))

    exif = Image.Exif()
    if stamp:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = timezone.localtime(taken_at).strftime("%Y:%m:%d %H:%M:%S")
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[1], gps[2], gps[3], gps[4] = "N", dms(latitude), "E", dms(longitude)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#336699").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")
