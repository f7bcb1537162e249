"""The rankings API: public boards (masked), the worker's own places, and clear errors."""

from __future__ import annotations

from django.test import Client

from modules.bags import rankings
from modules.bags.tests.test_rankings_support import collect


def test_public_boards(world):
    world.worker_b1.ranking_consent = True
    world.worker_b1.save()
    collect(world.worker_b1, collector=world.collector_b, points=3)
    collect(world.worker_a1, collector=world.collector_a, points=1)
    client = Client()
    body = client.get("/api/v1/rankings/workers?period=all").json()
    assert [(r["rank"], r["name"], r["score"]) for r in body["rows"]] == [(1, "王*", 3.0), (2, "匿名职工", 1.0)]
    assert body["total"] == 2 and body["period_key"] == "all"
    orgs = client.get("/api/v1/rankings/organisations?period=month&metric=bags").json()
    assert [r["name"] for r in orgs["rows"]] == [world.org_a1.name, world.org_b1.name] or orgs["rows"][0]["score"] == 1.0
    streets = client.get("/api/v1/rankings/streets?period=year").json()
    assert len(streets["rows"]) == 2


def test_bad_parameters_answer_field_and_reason():
    client = Client()
    response = client.get("/api/v1/rankings/workers?scope=x1")
    assert response.status_code == 422 and response.json()["field"] == "scope"
    response = client.get("/api/v1/rankings/workers?period=decade")
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_my_places(world, django_assert_max_num_queries):
    collect(world.worker_a1, collector=world.collector_a, points=2)
    rankings.startup_hook()
    client = world.client_for(world.worker_a1)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/rankings/me").json()
    assert body["district_all"] == {"rank": 1, "total": 1, "score": 2.0}
    assert body["total_bags"] == 1 and body["accuracy"] == 100 and body["ranking_consent"] is False
    assert Client().get("/api/v1/rankings/me").status_code == 401
    assert world.client_for(world.district_staff).get("/api/v1/rankings/me").status_code == 403
