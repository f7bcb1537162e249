"""Setting monitoring up: street and district staff designate enterprises of their tree as points
and stop a point with a reason; the district edits the rules that rate the reports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import ApiError
from core.models import AuditLog
from modules.labour import services
from modules.labour.models import MonitoringPoint, RiskRule


def last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_the_street_designates_its_own_enterprises_on_the_page(world):
    client = world.client_for(world.street_a_staff)
    page = client.get("/labour/monitoring/points/").content.decode()
    assert world.org_a1.name in page and world.org_b1.name not in page  # only its own street's unions are offered
    done = client.post("/labour/monitoring/points/", {"action": "designate", "organisation": world.org_a1.pk, "industry": "制造业"})
    assert done.status_code == 302
    point = MonitoringPoint.objects.get(organisation=world.org_a1)
    assert point.street == world.street_a and point.industry == "制造业"
    # Another street's enterprise is not in the list: the form refuses it and nothing is created.
    refused = client.post("/labour/monitoring/points/", {"action": "designate", "organisation": world.org_b1.pk, "industry": "x"})
    assert refused.status_code == 200 and not MonitoringPoint.objects.filter(organisation=world.org_b1).exists()
    with pytest.raises(ApiError) as refused:
        services.point_designate(actor=world.street_a_staff, organisation=world.org_b1)
    assert refused.value.status == 403
    with pytest.raises(ApiError) as refused:
        services.point_designate(actor=world.district_staff, organisation=world.org_a1)
    assert refused.value.code == "labour_point_exists"
    with pytest.raises(ApiError) as refused:
        services.point_designate(actor=world.district_staff, organisation=world.street_b)
    assert refused.value.field == "organisation"
    for who in (world.admin_a1, world.worker_a1.user):
        assert world.client_for(who).get("/labour/monitoring/points/").status_code == 403


def test_a_stopped_point_is_not_chased_and_needs_a_reason(world):
    point = services.point_designate(actor=world.district_staff, organisation=world.org_a1)
    client = world.client_for(world.street_a_staff)
    client.post("/labour/monitoring/points/", {"action": "stop", "point_id": point.pk, "reason": ""})
    assert MonitoringPoint.objects.get(pk=point.pk).is_active  # no reason, no change
    client.post("/labour/monitoring/points/", {"action": "stop", "point_id": point.pk, "reason": "企业迁出本区"})
    assert not MonitoringPoint.objects.get(pk=point.pk).is_active
    assert AuditLog.objects.filter(action="labour.point_set_active", changes__reason="企业迁出本区").exists()
    assert (
        world.client_for(world.street_b_staff).post("/labour/monitoring/points/", {"action": "resume", "point_id": point.pk}).status_code
        == 404
    )
    client.post("/labour/monitoring/points/", {"action": "resume", "point_id": point.pk})
    assert MonitoringPoint.objects.get(pk=point.pk).is_active


def test_the_district_changes_a_threshold_and_the_next_report_follows_it(world):
    services.rules_ensure_defaults()
    point = services.point_designate(actor=world.district_staff, organisation=world.org_a1)
    rule = RiskRule.objects.get(code="disputes")  # 3 disputes a month: red
    client = world.client_for(world.district_staff)
    response = client.post(
        "/labour/monitoring/rules/",
        {
            "rule_id": rule.pk,
            "label": "本月劳动争议5件以上",
            "indicator": "disputes",
            "threshold": "5",
            "level": "red",
            "expected_threshold": str(rule.threshold),
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.threshold == Decimal("5.00") and rule.label == "本月劳动争议5件以上"
    report = services.report_submit(actor=world.district_staff, point=point, period=last_month(), data={"headcount": 50, "disputes": 4})
    assert report.risk == "green"
    # A page opened before that change is told, and changes nothing.
    stale = client.post(
        "/labour/monitoring/rules/",
        {"rule_id": rule.pk, "label": "x", "indicator": "disputes", "threshold": "2", "level": "red", "expected_threshold": "3.00"},
    )
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert RiskRule.objects.get(pk=rule.pk).threshold == Decimal("5.00")


def test_a_new_rule_is_added_and_bad_rules_are_refused(world):
    client = world.client_for(world.district_staff)
    ok = client.post(
        "/labour/monitoring/rules/",
        {
            "code": "overtime_heavy",
            "label": "人均加班60小时以上",
            "indicator": "overtime_hours",
            "threshold": "60",
            "level": "red",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302 and RiskRule.objects.get(code="overtime_heavy").level == "red"
    bad = [
        ({"code": "x1", "label": "l", "indicator": "headcount", "threshold": "1", "level": "red"}, "indicator"),
        ({"code": "x2", "label": "l", "indicator": "disputes", "threshold": "-1", "level": "red"}, "threshold"),
        ({"code": "x3", "label": "l", "indicator": "disputes", "threshold": "abc", "level": "red"}, "threshold"),
        ({"code": "x4", "label": "l", "indicator": "disputes", "threshold": "1", "level": "green"}, "level"),
        ({"code": "x5", "label": "l", "indicator": "disputes", "threshold": "1", "level": "yellow", "opens_case": True}, "opens_case"),
        ({"code": "Bad Code", "label": "l", "indicator": "disputes", "threshold": "1", "level": "red"}, "code"),
        ({"code": "overtime_heavy", "label": "l", "indicator": "disputes", "threshold": "1", "level": "red"}, "code"),
        ({"code": "x6", "label": "", "indicator": "disputes", "threshold": "1", "level": "red"}, "label"),
    ]
    count = RiskRule.objects.count()
    for data, field in bad:
        with pytest.raises(ApiError) as refused:
            services.risk_rule_save(actor=world.district_staff, data=data)
        assert refused.value.status == 422 and refused.value.field == field, data
    assert RiskRule.objects.count() == count
    for who in (world.street_a_staff, world.admin_a1):
        with pytest.raises(ApiError) as refused:
            services.risk_rule_save(actor=who, data=bad[0][0])
        assert refused.value.status == 403
        assert world.client_for(who).get("/labour/monitoring/rules/").status_code == 403
    page = client.get("/labour/monitoring/rules/").content.decode()
    assert "人均加班60小时以上" in page and "人均月加班（小时）" in page
