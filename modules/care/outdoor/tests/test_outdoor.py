"""The courier survey on the engine and the outdoor-worker service plan built on its results;
the expected figures are counted by hand from the answers below."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from engines.survey import services as survey_services
from engines.survey.models import Response, Survey
from modules.care.outdoor import selectors
from modules.care.outdoor.demo import fake_answer, import_courier_survey

BASE = {"platform": "meituan", "age": "30", "income": "8000", "contract": "yes", "insurance": "medical", "needs": "rest"}
ANSWERS = [
    {**BASE, "hours": "12", "rest_place": "street", "station_known": "no", "contract": "no", "needs": "rest legal"},
    {**BASE, "hours": "8", "rest_place": "station", "station_known": "yes", "insurance": "injury medical", "income": "6000"},
    {
        **BASE,
        "hours": "11",
        "rest_place": "vehicle",
        "station_known": "no",
        "contract": "unsure",
        "income": "10000",
        "needs": "rest health",
    },
    {**BASE, "hours": "9", "rest_place": "home", "station_known": "yes", "insurance": "none", "needs": "legal"},
]


@pytest.fixture
def courier(world) -> Survey:
    survey = import_courier_survey(actor=world.district_staff, organisation=world.district)
    survey = survey_services.survey_set_status(actor=world.district_staff, survey=survey, status=Survey.Status.OPEN)
    survey_services.responses_enter(actor=world.district_staff, survey=survey, rows=ANSWERS)
    return survey


def test_the_service_plan_s_figures_come_from_the_answers(world, courier):
    plan = selectors.service_plan(courier)
    figures = {k: f["value"] for k, f in plan["figures"].items()}
    assert figures["responses"] == 4
    assert figures["hours"] == 10.0  # (12 + 8 + 11 + 9) / 4
    assert figures["long_hours"] == 50.0  # 12 and 11
    assert figures["income"] == 8000.0  # median of 6000, 8000, 8000, 10000
    assert figures["no_contract"] == 50.0  # "no" and "unsure"
    assert figures["no_injury"] == 75.0  # only the second has work-injury insurance
    assert figures["outdoor_rest"] == 50.0  # street and vehicle
    assert figures["station_unknown"] == 50.0
    assert [(n["value"], n["count"]) for n in plan["needs"]] == [("rest", 3), ("legal", 2), ("health", 1)]


def test_the_plan_page_shows_the_figures_and_links_to_the_rest_stations(world, courier):
    page = world.client_for(world.district_staff).get(reverse("care:outdoor_plan"))
    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("stations:list") in body and reverse("stations:find") in body and reverse("survey:detail", args=[courier.pk]) in body
    assert "不知道附近的暖心驿站" in body and "50%" in body
    assert world.client_for(world.worker_a1).get(reverse("care:outdoor_plan")).status_code == 403


def test_the_plan_page_without_a_survey_offers_the_import(world):
    body = world.client_for(world.district_staff).get(reverse("care:outdoor_plan")).content.decode()
    assert "还没有已发布的快递小哥问卷" in body and reverse("survey:import") in body


def test_a_courier_answers_on_the_phone_page(world, courier):
    client = world.client_for(world.worker_a1)
    page = client.get(reverse("care:outdoor_courier"))
    assert page.status_code == 200 and reverse("survey:answer", args=[courier.pk]) in page.content.decode()
    answer = {**BASE, "hours": "10", "rest_place": "station", "station_known": "yes", "station_use": ["water", "charge"], "needs": ["rest"]}
    answer["insurance"] = ["medical"]
    response = client.post(reverse("survey:answer", args=[courier.pk]), answer)
    assert response.status_code == 302
    assert Response.objects.filter(survey=courier).count() == 5
    assert "您已填写" in client.get(reverse("care:outdoor_courier")).content.decode()


def test_the_annual_review_counts_the_year_s_answers(world, courier):
    year = timezone.localdate().year
    section = selectors.review_section(year, world.district_staff)
    assert section["items"][0][1] == 4
    wave2 = import_courier_survey(actor=world.district_staff, organisation=world.district)
    survey_services.responses_enter(actor=world.district_staff, survey=wave2, rows=ANSWERS[:1], submitted_on=dt.date(year - 1, 6, 1))
    assert selectors.review_section(year, world.district_staff)["items"][0][1] == 4
    assert selectors.review_section(year - 1, world.district_staff)["items"][0][1] == 1
    assert selectors.review_section(year - 5, world.district_staff)["items"] == []


def test_demo_answers_satisfy_the_workbook_s_rules(world, courier):
    rng = random.Random(7)
    rows = [fake_answer(rng, wave) for wave in (1, 2) for _ in range(100)]
    assert survey_services.responses_enter(actor=world.district_staff, survey=courier, rows=rows) == 200
