"""Collective-bargaining training meetings (the article's two batches): the district records a
meeting and each union's attendance after it was held; the attendance rate is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApiError
from modules.labour import services
from modules.labour.models import TrainingAttendance, TrainingMeeting


def test_the_district_records_a_meeting_and_the_attendance_of_each_union(world):
    client = world.client_for(world.district_staff)
    held = timezone.localdate() - timedelta(days=3)
    done = client.post(
        "/labour/bargaining/trainings/",
        {"title": "集体协商指导员培训会", "batch": 1, "held_on": held.isoformat(), "place": "区总工会会议室", "invited": 40},
    )
    assert done.status_code == 302
    meeting = TrainingMeeting.objects.get()
    url = f"/labour/bargaining/trainings/{meeting.pk}/"
    assert client.post(url, {"organisation": world.org_a1.pk, "attendees": 3}).status_code == 302
    assert client.post(url, {"organisation": world.org_b1.pk, "attendees": 5}).status_code == 302
    assert client.post(url, {"organisation": world.org_a1.pk, "attendees": 2}).status_code == 302  # corrected, not doubled
    assert sorted(TrainingAttendance.objects.values_list("attendees", flat=True)) == [2, 5]
    page = client.get(url).content.decode()
    assert "实到 7 人" in page and "17.5%" in page
    client.post(url, {"organisation": world.org_b1.pk, "attendees": 0})
    assert TrainingAttendance.objects.count() == 1
    listed = client.get("/labour/bargaining/trainings/").content.decode()
    assert "集体协商指导员培训会" in listed


def test_attendance_waits_for_the_meeting_and_bad_input_is_refused(world):
    future = services.training_record(
        actor=world.district_staff, title="第二批培训会", batch=2, held_on=timezone.localdate() + timedelta(days=10), invited=20
    )
    with pytest.raises(ApiError) as refused:
        services.training_attendance_set(actor=world.district_staff, meeting=future, organisation=world.org_a1, attendees=3)
    assert refused.value.code == "labour_training_not_held"
    for data, field in (
        ({"title": "", "batch": 1, "held_on": timezone.localdate()}, "title"),
        ({"title": "t", "batch": 0, "held_on": timezone.localdate()}, "batch"),
        ({"title": "t", "batch": 1, "held_on": "明天"}, "held_on"),
        ({"title": "t", "batch": 1, "held_on": timezone.localdate(), "invited": -1}, "invited"),
    ):
        with pytest.raises(ApiError) as refused:
            services.training_record(actor=world.district_staff, **data)
        assert refused.value.field == field, data
    past = services.training_record(actor=world.district_staff, title="第一批", batch=1, held_on=timezone.localdate())
    with pytest.raises(ApiError) as refused:
        services.training_attendance_set(actor=world.district_staff, meeting=past, organisation=world.street_a, attendees=3)
    assert refused.value.field == "organisation"
    with pytest.raises(ApiError) as refused:
        services.training_attendance_set(actor=world.district_staff, meeting=past, organisation=world.org_a1, attendees=5000)
    assert refused.value.field == "attendees"
    assert TrainingMeeting.objects.count() == 2 and not TrainingAttendance.objects.exists()


def test_only_the_district_records_trainings(world):
    meeting = services.training_record(actor=world.district_staff, title="培训会", batch=1, held_on=timezone.localdate())
    for who in (world.street_a_staff, world.admin_a1):
        with pytest.raises(ApiError):
            services.training_record(actor=who, title="x", batch=1, held_on=timezone.localdate())
        with pytest.raises(ApiError):
            services.training_attendance_set(actor=who, meeting=meeting, organisation=world.org_a1, attendees=1)
        client = world.client_for(who)
        assert client.get("/labour/bargaining/trainings/").status_code == 403
        assert (
            client.post(f"/labour/bargaining/trainings/{meeting.pk}/", {"organisation": world.org_a1.pk, "attendees": 1}).status_code == 404
        )
    assert not TrainingAttendance.objects.exists()
