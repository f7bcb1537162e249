"""The mediation statistics for street staff: their own streets' cases (by the case's union or its
street), without the per-mediator table (a district matter), on the page and the API alike;
grassroots admins and workers are refused. Expected figures are counted by hand from the rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from modules.labour.models import Consultation, DisputeType, Outcome
from modules.labour.tests.factories import mediation_case

YEAR = 2019


def at(month, day):
    return timezone.make_aware(dt.datetime(YEAR, month, day, 10))


def case(number, org, street, **kwargs):
    return mediation_case(number, org, street, **kwargs)


@pytest.fixture
def cases(world, mediators):
    """Street A: a success of org_a1 (1,000.00 yuan, 调解员甲) and an open case known only by its street.
    Street B: a failure of org_b1 (调解员乙) and an open case of org_i1 — under the industry union in
    the tree, but located in street B. One consultation led to street A's success, one to no case."""
    first, second = mediators
    failed = next(o for o in Outcome.values if o and o != Outcome.SUCCESS)
    a1 = case("S-1", world.org_a1, world.street_a, received=at(3, 1), closed=at(4, 1), outcome=Outcome.SUCCESS, agreed=100_000,
              mediator=first)  # fmt: skip
    case("S-2", None, world.street_a, received=at(5, 1))
    case("S-3", world.org_b1, world.street_b, received=at(6, 1), closed=at(7, 1), outcome=failed, mediator=second)
    case("S-4", world.org_i1, world.street_b, received=at(8, 1))
    Consultation.objects.create(at=at(2, 1), topic=DisputeType.values[0], question="欠薪怎么办", case=a1)
    Consultation.objects.create(at=at(2, 2), topic=DisputeType.values[0], question="加班费怎么算")
    return world


def _card(page, testid):
    return int(re.search(rf'data-testid="{testid}">(\d+)<', page).group(1))


@pytest.mark.parametrize(
    "who, received, success, consultations",
    [("street_a_staff", 2, 1, 1), ("street_b_staff", 2, 0, 0)],
)
def test_street_staff_see_their_own_streets_cases_without_the_mediators(cases, who, received, success, consultations):
    world = cases
    client = world.client_for(getattr(world, who))
    response = client.get("/labour/stats/", {"year": YEAR})
    assert response.status_code == 200
    page = response.content.decode()
    assert (_card(page, "received"), _card(page, "success")) == (received, success)
    assert 'data-testid="stats-scope"' in page and world.__dict__[who.replace("_staff", "")].name in page
    assert "按调解员" not in page and "调解员甲" not in page and "调解员乙" not in page
    data = client.get("/api/v1/labour/stats", {"year": YEAR}).json()
    assert (data["received"], data["success"], data["per_mediator"], data["whole_district"]) == (received, success, [], False)
    assert sum(r["n"] for r in data["open"]) == 1
    assert re.search(rf"<h2>咨询</h2><p>{consultations}</p>", page)


def test_the_desk_sees_the_whole_district_with_the_mediators(cases, mediators):
    world = cases
    for user in (world.district_staff, mediators[0].user):
        client = world.client_for(user)
        page = client.get("/labour/stats/", {"year": YEAR}).content.decode()
        assert (_card(page, "received"), _card(page, "success")) == (4, 1)
        assert "按调解员" in page and "调解员甲" in page and 'data-testid="stats-scope"' not in page
        assert re.search(r"<h2>咨询</h2><p>2</p>", page)
        data = client.get("/api/v1/labour/stats", {"year": YEAR}).json()
        assert data["received"] == 4 and data["whole_district"] is True
        assert {r["mediator__name"]: r["n"] for r in data["per_mediator"]} == {"调解员甲": 1, "调解员乙": 1}


def test_grassroots_admins_and_workers_are_refused(cases):
    world = cases
    for user in (world.admin_a1, world.worker_a1.user):
        client = world.client_for(user)
        assert client.get("/labour/stats/", {"year": YEAR}).status_code == 403
        response = client.get("/api/v1/labour/stats", {"year": YEAR})
        assert response.status_code == 403 and response.json()["code"] == "labour_forbidden"


def test_street_staff_find_the_statistics_on_the_programme_page_and_from_the_review(cases):
    world = cases
    page = world.client_for(world.street_a_staff).get("/labour/").content.decode()
    assert 'href="/labour/stats/"' in page
    from core import review

    figures = review.figures(review.sections_for(YEAR, world.street_a_staff, world.street_a))
    assert figures["labour.recovered"].url == f"/labour/stats/?year={YEAR}"
    assert figures["labour.recovered"].value == 1000.0
