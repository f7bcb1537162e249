"""The JSON API of monitoring set-up and training meetings: the same services as the pages, scoped
reads, 403 for a role that may not, 422 with a machine code and the field for bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditLog
from modules.labour import services
from modules.labour.models import MonitoringPoint, RiskRule, TrainingAttendance, TrainingMeeting

API = "/api/v1/labour"


def post(client, url, body, method="post"):
    return getattr(client, method)(url, body, content_type="application/json")


def refused(response, status, code=None, field=None):
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.fixture
def rules_loaded(db):
    # A transactional test's flush removes the migration's default rules.
    services.rules_ensure_defaults()


# --- monitoring points ---------------------------------------------------------------------------


def test_the_street_designates_lists_and_stops_points_of_its_own_tree(world):
    street_a = world.client_for(world.street_a_staff)
    made = post(street_a, f"{API}/monitoring/points", {"organisation_id": world.org_a1.pk, "industry": "制造业"})
    assert made.status_code == 201, made.json()
    point = MonitoringPoint.objects.get(organisation=world.org_a1)
    assert made.json() | {"designated_on": None} == {
        "id": point.pk,
        "organisation": world.org_a1.name,
        "organisation_id": world.org_a1.pk,
        "street": world.street_a.name,
        "industry": "制造业",
        "designated_on": None,
        "is_active": True,
    }
    services.point_designate(actor=world.district_staff, organisation=world.org_b1)

    # Each office reader lists its own tree only; the district lists all.
    def listed(who, query=""):
        return [p["organisation_id"] for p in world.client_for(who).get(f"{API}/monitoring/points{query}").json()["items"]]

    assert listed(world.street_a_staff) == [world.org_a1.pk]
    assert listed(world.street_b_staff) == [world.org_b1.pk]
    assert sorted(listed(world.district_staff)) == sorted([world.org_a1.pk, world.org_b1.pk])
    assert listed(world.worker_a1.user) == []

    # Stopping needs a reason; then the point is listed as stopped, and the reason is audited.
    url = f"{API}/monitoring/points/{point.pk}/stop"
    refused(post(street_a, url, {"reason": "  "}), 422, "labour_required", "reason")
    assert MonitoringPoint.objects.get(pk=point.pk).is_active
    stopped = post(street_a, url, {"reason": "企业迁出本区"})
    assert stopped.status_code == 200 and stopped.json()["is_active"] is False
    assert AuditLog.objects.filter(action="labour.point_set_active", changes__reason="企业迁出本区").exists()
    refused(post(street_a, url, {"reason": "再停一次"}), 409, "labour_point_unchanged")
    assert listed(world.street_a_staff, "?active=false") == [world.org_a1.pk]
    assert listed(world.street_a_staff, "?active=true") == []
    resumed = post(street_a, f"{API}/monitoring/points/{point.pk}/resume", {})
    assert resumed.status_code == 200 and resumed.json()["is_active"] is True


def test_designating_refuses_bad_input_with_the_field(world):
    street_a = world.client_for(world.street_a_staff)
    url = f"{API}/monitoring/points"
    # Another street's union and one that does not exist answer alike (nothing told about the other tree).
    refused(post(street_a, url, {"organisation_id": world.org_b1.pk}), 422, "labour_org_invalid", "organisation_id")
    refused(post(street_a, url, {"organisation_id": 2**31}), 422, "labour_org_invalid", "organisation_id")
    # A street union is not an enterprise: the service's field is named as the API's body names it.
    refused(post(street_a, url, {"organisation_id": world.street_a.pk}), 422, "labour_org_invalid", "organisation_id")
    refused(post(street_a, url, {"organisation_id": "abc"}), 422, "invalid", "organisation_id")
    refused(post(street_a, url, {"organisation_id": world.org_a1.pk, "industry": "行" * 41}), 422, "invalid", "industry")
    refused(post(street_a, url, {}), 422, "invalid", "organisation_id")
    assert not MonitoringPoint.objects.exists()
    post(street_a, url, {"organisation_id": world.org_a1.pk})
    refused(post(street_a, url, {"organisation_id": world.org_a1.pk}), 409, "labour_point_exists")


def test_who_may_not_designate_or_stop_is_refused(world):
    point = services.point_designate(actor=world.district_staff, organisation=world.org_a1)
    for who in (world.admin_a1, world.worker_a1.user):
        client = world.client_for(who)
        refused(post(client, f"{API}/monitoring/points", {"organisation_id": world.org_a1.pk}), 403, "labour_forbidden")
    # The enterprise's own union admin sees the point (it reports for it) but may not stop it.
    refused(post(world.client_for(world.admin_a1), f"{API}/monitoring/points/{point.pk}/stop", {"reason": "x"}), 403)
    # Another street does not see it at all; a worker neither.
    refused(post(world.client_for(world.street_b_staff), f"{API}/monitoring/points/{point.pk}/stop", {"reason": "x"}), 404)
    refused(post(world.client_for(world.worker_a1.user), f"{API}/monitoring/points/{point.pk}/resume", {}), 404)
    assert MonitoringPoint.objects.get(pk=point.pk).is_active
    assert post(Client(), f"{API}/monitoring/points/{point.pk}/stop", {"reason": "x"}).status_code == 401


# --- risk rules ----------------------------------------------------------------------------------


def test_office_staff_read_the_rules_and_the_district_edits_them(world, rules_loaded):
    rows = world.client_for(world.street_b_staff).get(f"{API}/monitoring/rules").json()
    disputes = next(r for r in rows if r["code"] == "disputes")
    assert disputes["threshold"] == "3.00" and disputes["level"] == "red" and disputes["indicator_label"] == "本月劳动争议（件）"
    refused(world.client_for(world.worker_a1.user).get(f"{API}/monitoring/rules"), 403, "labour_forbidden")

    district = world.client_for(world.district_staff)
    made = post(
        district,
        f"{API}/monitoring/rules",
        {"code": "overtime_red", "label": "人均月加班超过60小时", "indicator": "overtime_hours", "threshold": 60, "level": "red"},
    )
    assert made.status_code == 201, made.json()
    assert made.json()["threshold"] == "60.00" and made.json()["opens_case"] is False and made.json()["is_active"] is True
    rule = RiskRule.objects.get(code="overtime_red")

    url = f"{API}/monitoring/rules/{rule.pk}"
    body = {
        "label": "人均月加班超过50小时",
        "indicator": "overtime_hours",
        "threshold": "50",
        "level": "red",
        "expected_threshold": "60.00",
    }
    changed = post(district, url, body, method="put")
    assert changed.status_code == 200 and changed.json()["threshold"] == "50.00"
    # A page opened before that change still shows 60: its save is refused, not silently applied.
    refused(post(district, url, body | {"threshold": "40"}, method="put"), 409, "labour_rule_stale")
    assert RiskRule.objects.get(pk=rule.pk).threshold == 50
    refused(post(district, f"{API}/monitoring/rules/{2**31}", body, method="put"), 404)

    for who in (world.street_a_staff, world.admin_a1):
        client = world.client_for(who)
        refused(post(client, url, body | {"threshold": "1"}, method="put"), 403, "labour_forbidden")
        refused(post(client, f"{API}/monitoring/rules", body | {"code": "x"}), 403, "labour_forbidden")
    assert RiskRule.objects.get(pk=rule.pk).threshold == 50


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"threshold": "abc"}, "labour_threshold_invalid", "threshold"),
        ({"threshold": "NaN"}, "labour_threshold_invalid", "threshold"),
        ({"threshold": "Infinity"}, "labour_threshold_invalid", "threshold"),
        ({"threshold": 0}, "labour_threshold_invalid", "threshold"),
        ({"threshold": -5}, "labour_threshold_invalid", "threshold"),
        ({"indicator": "salary"}, "labour_indicator_invalid", "indicator"),
        ({"level": "green"}, "labour_level_invalid", "level"),
        ({"level": "yellow", "opens_case": True}, "labour_opens_case_red_only", "opens_case"),
        ({"label": " "}, "labour_required", "label"),
        ({"code": "Bad Code"}, "labour_code_invalid", "code"),
        ({"code": "disputes"}, "labour_code_taken", "code"),
        ({"label": "说" * 81}, "invalid", "label"),
        ({"opens_case": "maybe"}, "invalid", "opens_case"),
    ],
)
def test_a_bad_rule_is_refused_with_the_field(world, rules_loaded, change, code, field):
    body = {"code": "new_rule", "label": "新规则", "indicator": "disputes", "threshold": "2", "level": "yellow"} | change
    before = RiskRule.objects.count()
    refused(post(world.client_for(world.district_staff), f"{API}/monitoring/rules", body), 422, code, field)
    assert RiskRule.objects.count() == before


def test_a_bad_edit_changes_nothing(world, rules_loaded):
    rule = RiskRule.objects.get(code="disputes")
    url = f"{API}/monitoring/rules/{rule.pk}"
    body = {"label": "争议多", "indicator": "disputes", "threshold": "NaN", "level": "red"}
    refused(post(world.client_for(world.district_staff), url, body, method="put"), 422, "labour_threshold_invalid", "threshold")
    assert RiskRule.objects.get(pk=rule.pk).threshold == 3


# --- training meetings ---------------------------------------------------------------------------


def test_the_district_records_a_meeting_and_each_unions_attendance(world):
    district = world.client_for(world.district_staff)
    today = timezone.localdate()
    made = post(
        district,
        f"{API}/trainings",
        {"title": "集体协商业务培训（第一批）", "batch": 1, "held_on": today.isoformat(), "place": "区职工服务中心", "invited": 40},
    )
    assert made.status_code == 201, made.json()
    meeting = TrainingMeeting.objects.get(pk=made.json()["id"])
    assert made.json()["attendance"] == [] and made.json()["rate"] == 0.0

    url = f"{API}/trainings/{meeting.pk}/attendance"
    first = post(district, url, {"organisation_id": world.org_a1.pk, "attendees": 3})
    assert first.status_code == 200, first.json()
    post(district, url, {"organisation_id": world.org_b1.pk, "attendees": "5"})
    detail = district.get(f"{API}/trainings/{meeting.pk}").json()
    assert detail["people"] == 8 and detail["units"] == 2 and detail["rate"] == 20.0
    assert {a["organisation_id"]: a["attendees"] for a in detail["attendance"]} == {world.org_a1.pk: 3, world.org_b1.pk: 5}
    # Recording a union again replaces its figure; 0 removes it.
    post(district, url, {"organisation_id": world.org_a1.pk, "attendees": 4})
    post(district, url, {"organisation_id": world.org_b1.pk, "attendees": 0})
    assert dict(TrainingAttendance.objects.filter(meeting=meeting).values_list("organisation_id", "attendees")) == {world.org_a1.pk: 4}

    listed = district.get(f"{API}/trainings").json()["items"]
    assert [(m["id"], m["units"], m["people"]) for m in listed] == [(meeting.pk, 1, 4)]
    assert AuditLog.objects.filter(action="labour.training_attendance_set").count() == 4


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"title": ""}, "labour_required", "title"),
        ({"title": "培" * 121}, "invalid", "title"),
        ({"held_on": "2020-13-45"}, "labour_date_invalid", "held_on"),
        ({"held_on": "昨天"}, "labour_date_invalid", "held_on"),
        ({"held_on": "1990-01-01"}, "labour_year_invalid", "held_on"),
        ({"batch": "第一批"}, "labour_report_invalid", "batch"),
        ({"batch": 0}, "labour_report_invalid", "batch"),
        ({"invited": -1}, "labour_report_invalid", "invited"),
        ({"place": "地" * 121}, "invalid", "place"),
    ],
)
def test_a_bad_meeting_is_refused_with_the_field(world, change, code, field):
    body = {"title": "培训会", "batch": 1, "held_on": timezone.localdate().isoformat(), "invited": 10} | change
    refused(post(world.client_for(world.district_staff), f"{API}/trainings", body), 422, code, field)
    assert not TrainingMeeting.objects.exists()


def test_bad_attendance_is_refused_with_the_field(world):
    today = timezone.localdate()
    held = services.training_record(actor=world.district_staff, title="已举行", batch=1, held_on=today, invited=10)
    ahead = services.training_record(actor=world.district_staff, title="下周", batch=2, held_on=today + timedelta(days=7), invited=10)
    district = world.client_for(world.district_staff)
    url = f"{API}/trainings/{held.pk}/attendance"
    refused(post(district, url, {"organisation_id": world.org_a1.pk, "attendees": "很多"}), 422, "labour_report_invalid", "attendees")
    refused(post(district, url, {"organisation_id": world.org_a1.pk, "attendees": 1001}), 422, "labour_report_invalid", "attendees")
    refused(post(district, url, {"organisation_id": world.street_a.pk, "attendees": 3}), 422, "labour_org_invalid", "organisation_id")
    refused(post(district, url, {"organisation_id": 2**31, "attendees": 3}), 422, "labour_org_invalid", "organisation_id")
    refused(post(district, url, {"attendees": 3}), 422, "invalid", "organisation_id")
    later = f"{API}/trainings/{ahead.pk}/attendance"
    refused(post(district, later, {"organisation_id": world.org_a1.pk, "attendees": 3}), 422, "labour_training_not_held", "attendees")
    refused(post(district, f"{API}/trainings/{2**31}/attendance", {"organisation_id": world.org_a1.pk, "attendees": 3}), 404)
    assert not TrainingAttendance.objects.exists()


def test_only_the_district_reads_or_records_trainings(world):
    meeting = services.training_record(actor=world.district_staff, title="培训会", batch=1, held_on=timezone.localdate(), invited=10)
    for who in (world.street_a_staff, world.admin_a1, world.worker_a1.user):
        client = world.client_for(who)
        refused(client.get(f"{API}/trainings"), 403, "labour_forbidden")
        refused(client.get(f"{API}/trainings/{meeting.pk}"), 403, "labour_forbidden")
        body = {"title": "x", "held_on": timezone.localdate().isoformat()}
        refused(post(client, f"{API}/trainings", body), 403, "labour_forbidden")
        attend = {"organisation_id": world.org_a1.pk, "attendees": 3}
        refused(post(client, f"{API}/trainings/{meeting.pk}/attendance", attend), 403, "labour_forbidden")
    assert TrainingMeeting.objects.count() == 1 and not TrainingAttendance.objects.exists()
