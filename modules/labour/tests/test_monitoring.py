"""Monitoring points: monthly reports validated and rated with reasons; a red warning opens the
street's visit task and, where the rule says so, a mediation case; late reports are chased."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import ApiError
from modules.labour import selectors, services
from modules.labour.models import FollowUpTask, MediationCase, MonitoringReport, ReportChase


@pytest.fixture
def point(world):
    # The default rules come with a data migration; a transactional test's flush removes them,
    # so a test that runs after one would rate every report green.
    services.rules_ensure_defaults()
    return services.point_designate(actor=world.street_a_staff, organisation=world.org_a1, industry="信息技术")


def last_month():
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_a_calm_month_is_green(world, point):
    report = services.report_submit(actor=world.admin_a1, point=point, period=last_month(), data={"headcount": 80, "overtime_hours": 10})
    assert report.risk == "green" and report.reasons == [] and not FollowUpTask.objects.exists()


def test_yellow_reasons_are_named(world, point):
    report = services.report_submit(
        actor=world.admin_a1,
        point=point,
        period=last_month(),
        data={"headcount": 80, "social_insurance_arrears": "3000", "overtime_hours": 40},
    )
    assert report.risk == "yellow"
    assert {r["code"] for r in report.reasons} == {"insurance_arrears", "overtime"}


def test_unpaid_wages_of_many_workers_open_a_visit_task_and_a_mediation_case(world, point):
    report = services.report_submit(
        actor=world.admin_a1,
        point=point,
        period=last_month(),
        data={"headcount": 80, "wage_arrears": "96000", "wage_arrears_workers": 12},
    )
    assert report.risk == "red" and report.reasons[0]["label"] == "拖欠10人以上工资"
    task = report.task
    assert task.street == world.street_a and task.status == "open"
    assert world.street_a_staff.notifications.filter(title__contains="红色预警").exists()
    case = MediationCase.objects.get(source_report=report)
    assert case.workers_count == 12 and case.amount_claimed_fen == 9_600_000 and services.case_of(case).state == "received"
    services.task_complete(actor=world.street_a_staff, task=task, result="已走访，企业承诺月底前补发")
    with pytest.raises(ApiError):
        services.task_complete(actor=world.street_b_staff, task=task, result="x")


def test_a_red_rule_without_a_case_opens_only_the_task(world, point):
    report = services.report_submit(actor=world.admin_a1, point=point, period=last_month(), data={"headcount": 80, "disputes": 4})
    assert report.risk == "red" and FollowUpTask.objects.count() == 1 and not MediationCase.objects.exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"headcount": 10, "wage_arrears_workers": 30, "wage_arrears": "100"}, "wage_arrears_workers"),
        ({"headcount": 10, "wage_arrears": "5000"}, "wage_arrears_workers"),
        ({"headcount": 10, "layoffs_planned": 11}, "layoffs_planned"),
        ({"headcount": "十"}, "headcount"),
        ({"headcount": 10, "overtime_hours": "abc"}, "overtime_hours"),
    ],
)
def test_figures_that_cannot_be_right_are_refused(world, point, data, field):
    with pytest.raises(ApiError) as refused:
        services.report_submit(actor=world.admin_a1, point=point, period=last_month(), data=data)
    assert refused.value.field == field and not MonitoringReport.objects.exists()


def test_one_report_a_month_and_none_for_the_future(world, point):
    services.report_submit(actor=world.admin_a1, point=point, period=last_month(), data={"headcount": 10})
    with pytest.raises(ApiError) as refused:
        services.report_submit(actor=world.admin_a1, point=point, period=last_month() + timedelta(days=3), data={"headcount": 10})
    assert refused.value.code == "labour_report_duplicate"
    with pytest.raises(ApiError) as refused:
        services.report_submit(actor=world.admin_a1, point=point, period=timezone.localdate() + timedelta(days=40), data={"headcount": 10})
    assert refused.value.code == "labour_period_future"


def test_another_union_cannot_report_for_the_point(world, point):
    with pytest.raises(ApiError) as refused:
        services.report_submit(actor=world.admin_b1, point=point, period=last_month(), data={"headcount": 10})
    assert refused.value.status == 403


def test_reporting_and_on_time_rates_and_the_chase(world, point):
    other = services.point_designate(actor=world.district_staff, organisation=world.org_a2)
    period = (last_month() - timedelta(days=1)).replace(day=1)  # two months ago: its due date has passed
    due = services.report_due(period, services.DeskRules.current())
    late_at = timezone.make_aware(timezone.datetime.combine(due + timedelta(days=2), timezone.datetime.min.time())) + timedelta(hours=10)
    report = services.report_submit(actor=world.admin_a1, point=point, period=period, data={"headcount": 10}, now=late_at)
    assert not report.on_time
    rates = selectors.monitoring_rates(world.district_staff, period)
    assert rates["points"] == 2 and rates["submitted"] == 1 and rates["reporting_rate"] == 50.0 and rates["on_time_rate"] == 0.0
    assert rates["missing"] == [other]
    # The chase of last month's reports, once the due day has passed, reminds each late point once.
    after_due = timezone.make_aware(
        timezone.datetime.combine(
            services.report_due(last_month(), services.DeskRules.current()) + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    assert services.reports_chase(now=after_due) == "chased 2"
    assert services.reports_chase(now=after_due) == "chased 0"
    assert ReportChase.objects.count() == 2


def test_the_api_answers_the_risk_and_the_reasons(world, point):
    client = world.client_for(world.district_staff)
    response = client.post(
        f"/api/v1/labour/monitoring/points/{point.pk}/reports",
        {"period": last_month().isoformat(), "headcount": 30, "layoffs_planned": 25},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["risk"] == "red" and body["task_id"] and body["case_ids"] == []
    again = client.post(
        f"/api/v1/labour/monitoring/points/{point.pk}/reports",
        {"period": last_month().isoformat(), "headcount": 30},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["code"] == "labour_report_duplicate"
    assert client.get("/labour/monitoring/").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_filing_the_same_month_at_once_file_it_once(world, point):
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(actor):
        try:
            barrier.wait()
            services.report_submit(actor=actor, point=point, period=last_month(), data={"headcount": 40, "disputes": 5})
            outcomes.append("ok")
        except ApiError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(who,)) for who in (world.admin_a1, world.street_a_staff)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["labour_report_duplicate", "ok"]
    assert MonitoringReport.objects.count() == 1 and FollowUpTask.objects.count() == 1
