"""Collective bargaining scored on five dimensions, the 20-day written answer, legal events with
photos, Q&A, and the year's figures for the annual review computed by hand from the fixture."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import ApiError
from modules.labour import selectors, services
from modules.labour.models import MediationCase, ModelUnit
from modules.labour.tests.conftest import case_in, intake

DIMENSIONS = ("representatives", "procedure", "organisation", "content", "effect")


def contract(world, **extra):
    today = timezone.localdate()
    data = {
        "title": "某科技公司集体合同",
        "signed_on": today,
        "starts_on": today,
        "ends_on": today + timedelta(days=700),
        "covered_workers": 120,
    }
    data.update(extra)
    return services.contract_register(actor=world.street_a_staff, organisation=world.org_a1, data=data)


def test_quality_is_scored_on_five_dimensions(world):
    year = timezone.localdate().year
    row = services.contract_evaluate(
        actor=world.street_a_staff,
        contract=contract(world),
        year=year,
        scores={"representatives": 8, "procedure": 9, "organisation": 7, "content": 8, "effect": 8},
    )
    assert [i.code for i in row.evaluation.rubric.items.all()] == list(DIMENSIONS)
    assert row.evaluation.total == Decimal("80.00")
    with pytest.raises(ApiError) as refused:
        services.contract_evaluate(actor=world.street_a_staff, contract=row.contract, year=year, scores={"procedure": 9})
    assert refused.value.code == "score_missing"
    with pytest.raises(ApiError):
        services.contract_evaluate(actor=world.street_b_staff, contract=row.contract, year=year, scores=dict.fromkeys(DIMENSIONS, 5))


def test_a_contract_with_impossible_dates_is_refused(world):
    with pytest.raises(ApiError) as refused:
        contract(world, ends_on=timezone.localdate() - timedelta(days=1))
    assert refused.value.field == "ends_on"


def test_a_request_to_negotiate_is_answered_within_twenty_days(world):
    received = date(2026, 3, 2)
    request = services.request_register(
        actor=world.street_a_staff, organisation=world.org_a1, from_side="union", subject="工资协商", received_on=received
    )
    assert request.answer_due_on == date(2026, 3, 22)
    services.request_answer(actor=world.admin_a1, request=request, answer="同意协商", answered_on=date(2026, 3, 10))
    with pytest.raises(ApiError) as refused:
        services.request_answer(actor=world.admin_a1, request=request, answer="再答", answered_on=date(2026, 3, 11))
    assert refused.value.code == "labour_request_answered"


def test_an_event_takes_photos_from_its_organiser_only(world, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    event = services.event_create(
        actor=world.admin_a1, data={"title": "普法讲座", "held_on": timezone.localdate(), "place": "会议室", "attendance": 60}
    )
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "JPEG")
    upload = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    assert world.client_for(world.admin_a1).post(f"/labour/events/{event.pk}/", {"photo": upload}).status_code == 302
    assert world.client_for(world.admin_b1).post(f"/labour/events/{event.pk}/", {"photo": upload}).status_code == 403
    page = world.client_for(world.worker_b1).get(f"/labour/events/{event.pk}/").content.decode()
    assert "photo.jpg" in page


def test_questions_are_answered_and_shown_with_the_asker_masked(world, mediators):
    question = services.question_ask(actor=world.worker_a1.user, question="试用期可以不交社保吗？")
    with pytest.raises(ApiError):
        services.question_answer(actor=world.admin_b1, question=question, answer="不行")
    services.question_answer(actor=mediators[0].user, question=question, answer="不可以，试用期也须依法缴纳社会保险。")
    page = world.client_for(world.worker_b1).get("/labour/qa/").content.decode()
    assert "试用期也须依法缴纳" in page and "张*明" in page and "张小明" not in page


def test_the_annual_review_figures(world, mediators):
    year = timezone.localdate().year
    a = case_in(world, mediators, "signed").subject  # success, 12,000 yuan
    b = services.case_create(actor=mediators[0].user, data=intake(world, amount_claimed="5000"))
    services.mediator_assign(actor=mediators[0].user, mediation=b, mediator=mediators[0])
    services.case_transition(actor=mediators[0].user, mediation=b, name="accept")
    services.case_transition(actor=mediators[0].user, mediation=b, name="fail", comment="分歧大")
    services.case_create(actor=mediators[0].user, data=intake(world))  # received, still open
    services.consultation_log(actor=mediators[0].user, topic="overtime", question="加班费怎么算？")
    point = services.point_designate(actor=world.district_staff, organisation=world.org_a1)
    period = date(year, 1, 1)
    if period <= timezone.localdate().replace(day=1):
        services.report_submit(actor=world.district_staff, point=point, period=period, data={"headcount": 10, "disputes": 3})
    services.event_create(
        actor=world.district_staff, data={"title": "讲座", "held_on": timezone.localdate(), "place": "x", "attendance": 50}
    )
    services.event_create(
        actor=world.district_staff, data={"title": "讲座2", "held_on": timezone.localdate(), "place": "y", "attendance": 30}
    )
    ModelUnit.objects.create(organisation=world.org_a1, year=year, selected=True)

    section = selectors.review_section(year, world.district_staff)
    figures = {label: value for label, value, _unit in section["items"]}
    assert figures["受理劳动争议调解申请"] == 3
    assert figures["调解成功"] == 1 and figures["调解不成，引导仲裁"] == 1
    assert figures["调解协议为职工争取金额"] == 12000
    assert figures["调解咨询台接待咨询"] == 1
    assert figures["监测点报送月报"] == 1 and figures["红色预警"] == 1
    assert figures["开展普法活动"] == 2 and figures["普法活动参加"] == 80
    assert figures["选树“企业关爱职工·职工热爱企业”示范单位"] == 1
    assert section["lists"]["model_units"] == [world.org_a1.name]
    assert a.pk != b.pk and MediationCase.objects.count() == 3
    assert selectors.review_section(year - 5, world.district_staff)["items"] == []


def test_statistics_by_type_outcome_and_mediator(world, mediators):
    case_in(world, mediators, "signed")
    stats = selectors.case_statistics(timezone.localdate().year)
    assert stats["success"] == 1 and stats["recovered_fen"] == 1_200_000 and stats["oral"] == 1
    assert {r["key"]: r["n"] for r in stats["by_type"]}["wages"] == 1
    assert stats["per_mediator"][0]["mediator__name"] == "调解员甲" and stats["per_mediator"][0]["ok"] == 1
    assert world.client_for(world.district_staff).get("/api/v1/labour/stats", {"year": datetime.now().year}).status_code == 200


def test_street_staff_register_a_contract_and_a_request_on_the_page(world):
    client = world.client_for(world.street_a_staff)
    today = timezone.localdate()
    response = client.post(
        "/labour/bargaining/",
        {
            "action": "contract",
            "c-union": world.org_a1.pk,
            "c-title": "页面登记的集体合同",
            "c-kind": "wage",
            "c-signed_on": today,
            "c-starts_on": today,
            "c-ends_on": today + timedelta(days=365),
            "c-covered_workers": 80,
        },
    )
    assert response.status_code == 302
    refused = client.post("/labour/bargaining/", {"action": "contract", "c-union": world.org_b1.pk, "c-title": "x", "c-kind": "wage"})
    assert refused.status_code == 200 and "页面登记的集体合同" in refused.content.decode()
    client.post(
        "/labour/bargaining/",
        {"action": "request", "r-union": world.org_a1.pk, "r-from_side": "union", "r-subject": "工资协商", "r-received_on": today},
    )
    page = client.get("/labour/bargaining/").content.decode()
    assert "页面登记的集体合同" in page and "工资协商" in page


def test_the_api_lists_contracts_in_scope_and_posts_an_evaluation_through_the_rubric_engine(world):
    from engines.review.models import Evaluation

    year = timezone.localdate().year
    mine = contract(world)
    other = services.contract_register(
        actor=world.district_staff,
        organisation=world.org_b1,
        data={
            "title": "乙园区集体合同",
            "signed_on": mine.signed_on,
            "starts_on": mine.starts_on,
            "ends_on": mine.ends_on,
            "covered_workers": 9,
        },
    )
    street_a = world.client_for(world.street_a_staff)
    listed = street_a.get("/api/v1/labour/contracts").json()["items"]
    assert [c["title"] for c in listed] == ["某科技公司集体合同"]
    assert street_a.get(f"/api/v1/labour/contracts/{other.pk}").status_code == 404
    assert world.client_for(world.worker_a1).get(f"/api/v1/labour/contracts/{mine.pk}").status_code == 404
    assert world.client_for(world.worker_a1).get("/api/v1/labour/contracts").json()["items"] == []

    url = f"/api/v1/labour/contracts/{mine.pk}/evaluations"
    scores = {"representatives": 8, "procedure": 9, "organisation": 7, "content": 8, "effect": 8}
    bad = [
        ({"year": year, "scores": {**scores, "effect": 11}}, "scores.effect"),
        ({"year": year, "scores": {"procedure": 9}}, "scores.representatives"),
        ({"year": "明年", "scores": scores}, "year"),
        ({"year": year - 20, "scores": scores}, "year"),
    ]
    for body, field in bad:
        refused = street_a.post(url, body, content_type="application/json")
        assert refused.status_code == 422 and refused.json()["field"] == field, (body, refused.content)
    assert not Evaluation.objects.exists()  # a refused evaluation leaves nothing behind
    outsider = world.client_for(world.street_b_staff).post(url, {"year": year, "scores": scores}, content_type="application/json")
    assert outsider.status_code == 404
    admin = world.client_for(world.admin_a1).post(url, {"year": year, "scores": scores}, content_type="application/json")
    assert admin.status_code == 403  # sees the contract of their union, may not grade it

    done = street_a.post(url, {"year": year, "scores": scores, "comment": "程序规范"}, content_type="application/json")
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["year"] == year and body["total"] == 80.0 and body["scorer_count"] == 1
    assert {d["code"]: d["mean"] for d in body["dimensions"]} == {k: float(v) for k, v in scores.items()}
    # A second scorer: the engine averages, as on the page.
    world.client_for(world.district_staff).post(
        url, {"year": year, "scores": dict.fromkeys(DIMENSIONS, 10)}, content_type="application/json"
    )
    detail = street_a.get(f"/api/v1/labour/contracts/{mine.pk}").json()
    assert detail["evaluations"][0]["scorer_count"] == 2 and detail["evaluations"][0]["total"] == 90.0
    assert "wage_clauses" in detail


def test_cases_per_month_for_the_charts_counted_by_hand(world, mediators):
    from datetime import datetime as dt

    year = timezone.localdate().year - 1
    tz = timezone.get_current_timezone()
    received = [dt(year, 3, 10, 10, tzinfo=tz), dt(year, 3, 20, 15, tzinfo=tz), dt(year, 7, 5, 9, tzinfo=tz)]
    made = [services.case_create(actor=mediators[0].user, data=intake(world, dispute_arose_on=None), now=at) for at in received]
    MediationCase.objects.filter(pk=made[0].pk).update(outcome="success", closed_at=dt(year, 4, 2, 10, tzinfo=tz), amount_agreed_fen=100)
    MediationCase.objects.filter(pk=made[1].pk).update(outcome="failed", closed_at=dt(year, 4, 20, 10, tzinfo=tz))
    months = {r["month"]: r for r in selectors.case_statistics(year)["by_month"]}
    assert len(months) == 12
    assert (months[3]["received"], months[7]["received"], months[4]["received"]) == (2, 1, 0)
    assert (months[4]["closed"], months[4]["success"], months[3]["closed"]) == (2, 1, 0)

    page = world.client_for(mediators[0].user).get(f"/labour/stats/?year={year}").content.decode()
    assert 'id="labour-stats-charts"' in page and "labour/stats.js" in page and "vendor/echarts.min.js" in page
    assert "cdn" not in page.lower() and " style=" not in page
    import json
    import re

    data = json.loads(re.search(r'<script id="labour-stats-charts" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert data["by_month"]["series"][0]["values"][2] == 2 and data["by_type"]["values"][0] == 3  # all three are wages cases
    assert data["by_outcome"]["values"][:2] == [1, 1]
