"""The scoping matrix: every role × organisation / member / coverage × read / write, via pages and API.

Objects live in street A (org_a1, worker_a1, a coverage unit of street A). Allowed answers are
200 (read) or 302 / 200 (write); a role without the right answers 403; an object outside a
role's scope answers 404 so that its existence does not leak; anonymous pages go to login and
the API answers 401.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from core.models import CoverageUnit, Member, Organisation

ROLES = ["district_staff", "street_a_staff", "street_b_staff", "admin_a1", "admin_b1", "collector_a", "worker", "anonymous"]


def client_for(world, role) -> Client:
    if role == "anonymous":
        return Client()
    if role == "worker":
        # A worker of the same union as the member: still only their own data.
        return world.client_for(world.worker_a1_other)
    return world.client_for(getattr(world, role))


@pytest.fixture
def unit_a(world):
    return CoverageUnit.objects.create(name="柳荫街社区", kind=CoverageUnit.Kind.COMMUNITY, street=world.street_a)


LOGIN = "login"
PAGE_READ = {
    "district_staff": 200,
    "street_a_staff": 200,
    "street_b_staff": 404,
    "admin_a1": 200,
    "admin_b1": 404,
    "collector_a": 403,
    "worker": 403,
    "anonymous": LOGIN,
}
PAGE_WRITE = {
    "district_staff": 302,
    "street_a_staff": 302,
    "street_b_staff": 404,
    "admin_a1": 302,
    "admin_b1": 404,
    "collector_a": 403,
    "worker": 403,
    "anonymous": LOGIN,
}
COVERAGE_READ = {
    "district_staff": 200,
    "street_a_staff": 200,
    "street_b_staff": "200-without",
    "admin_a1": 403,
    "admin_b1": 403,
    "collector_a": 403,
    "worker": 403,
    "anonymous": LOGIN,
}
COVERAGE_WRITE = {
    "district_staff": 302,
    "street_a_staff": 302,
    "street_b_staff": 404,
    "admin_a1": 403,
    "admin_b1": 403,
    "collector_a": 403,
    "worker": 403,
    "anonymous": LOGIN,
}


def assert_answer(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302 and "/login/" in response["Location"]
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("role", ROLES)
def test_page_organisation_read(world, role):
    response = client_for(world, role).get(reverse("core:org_detail", args=[world.org_a1.pk]))
    assert_answer(response, PAGE_READ[role])
    if response.status_code == 200:
        assert world.org_a1.name in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_page_organisation_write(world, role):
    org = world.org_a1
    data = {
        "name": "改名后的科技公司工会",
        "level": org.level,
        "kind": org.kind,
        "ownership": org.ownership,
        "parent": org.parent_id,
        "street": org.street_id,
    }
    response = client_for(world, role).post(reverse("core:org_edit", args=[org.pk]), data)
    assert_answer(response, PAGE_WRITE[role])
    org.refresh_from_db()
    assert (org.name == "改名后的科技公司工会") == (PAGE_WRITE[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_page_member_read(world, role):
    response = client_for(world, role).get(reverse("core:member_detail", args=[world.worker_a1.pk]))
    assert_answer(response, PAGE_READ[role])


@pytest.mark.parametrize("role", ROLES)
def test_page_member_write(world, role):
    member = world.worker_a1
    data = {"name": "张小明改", "phone": member.phone, "status": "active", "joined_on": "2024-01-02"}
    response = client_for(world, role).post(reverse("core:member_edit", args=[member.pk]), data)
    assert_answer(response, PAGE_WRITE[role])
    member.refresh_from_db()
    assert (member.name == "张小明改") == (PAGE_WRITE[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_page_coverage_read(world, unit_a, role):
    response = client_for(world, role).get(reverse("core:coverage"))
    expected = COVERAGE_READ[role]
    if expected == "200-without":
        assert response.status_code == 200
        assert unit_a.name not in response.content.decode()
        assert world.street_a.name not in response.content.decode()
        return
    assert_answer(response, expected)
    if expected == 200:
        assert unit_a.name in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_page_coverage_write(world, unit_a, role):
    data = {"name": unit_a.name, "kind": unit_a.kind, "street": world.street_a.pk, "union": world.org_a2.pk}
    response = client_for(world, role).post(reverse("core:coverage_unit_edit", args=[unit_a.pk]), data)
    assert_answer(response, COVERAGE_WRITE[role])
    unit_a.refresh_from_db()
    assert (unit_a.union_id == world.org_a2.pk) == (COVERAGE_WRITE[role] == 302)


# --- The same through the API --------------------------------------------------------------------

API_READ = {
    "district_staff": 200,
    "street_a_staff": 200,
    "street_b_staff": 404,
    "admin_a1": 200,
    "admin_b1": 404,
    "collector_a": 404,
    "worker": 404,
    "anonymous": 401,
}
API_WRITE = {
    "district_staff": 200,
    "street_a_staff": 200,
    "street_b_staff": 404,
    "admin_a1": 200,
    "admin_b1": 404,
    "collector_a": 403,
    "worker": 403,
    "anonymous": 401,
}
API_COVERAGE_READ = {
    "district_staff": 200,
    "street_a_staff": 200,
    "street_b_staff": "200-without",
    "admin_a1": 403,
    "admin_b1": 403,
    "collector_a": 403,
    "worker": 403,
    "anonymous": 401,
}
API_COVERAGE_WRITE = {
    "district_staff": 200,
    "street_a_staff": 200,
    "street_b_staff": 404,
    "admin_a1": 403,
    "admin_b1": 403,
    "collector_a": 403,
    "worker": 403,
    "anonymous": 401,
}


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_api_organisation_read(world, role):
    response = client_for(world, role).get(f"/api/v1/orgs/{world.org_a1.pk}")
    assert response.status_code == API_READ[role]
    if response.status_code != 200:
        assert response.json()["code"] in {"not_found", "forbidden", "unauthenticated"}


@pytest.mark.parametrize("role", ROLES)
def test_api_organisation_write(world, role):
    response = patch(client_for(world, role), f"/api/v1/orgs/{world.org_a1.pk}", {"address": "北京市西城区新址 1 号"})
    expected = API_WRITE[role]
    assert response.status_code == expected, response.content
    assert (Organisation.objects.get(pk=world.org_a1.pk).address == "北京市西城区新址 1 号") == (expected == 200)


@pytest.mark.parametrize("role", ROLES)
def test_api_member_read(world, role):
    response = client_for(world, role).get(f"/api/v1/members/{world.worker_a1.pk}")
    assert response.status_code == API_READ[role]
    if response.status_code == 200:
        assert response.json()["phone_masked"] == "138****0001"


def test_api_worker_reads_only_own_member_record(world):
    client = world.client_for(world.worker_a1)
    assert client.get(f"/api/v1/members/{world.worker_a1.pk}").status_code == 200
    assert client.get(f"/api/v1/members/{world.worker_a1_other.pk}").status_code == 404
    listed = client.get("/api/v1/members/").json()
    assert [m["id"] for m in listed["items"]] == [world.worker_a1.pk]


@pytest.mark.parametrize("role", ROLES)
def test_api_member_write(world, role):
    response = patch(client_for(world, role), f"/api/v1/members/{world.worker_a1.pk}", {"employee_no": "NEW-1"})
    expected = API_WRITE[role]
    assert response.status_code == expected, response.content
    assert (Member.objects.get(pk=world.worker_a1.pk).employee_no == "NEW-1") == (expected == 200)


@pytest.mark.parametrize("role", ROLES)
def test_api_coverage_read(world, unit_a, role):
    response = client_for(world, role).get("/api/v1/coverage/")
    expected = API_COVERAGE_READ[role]
    if expected == "200-without":
        assert response.status_code == 200
        assert world.street_a.pk not in [row["street_id"] for row in response.json()["rows"]]
        return
    assert response.status_code == expected
    if expected == 200:
        row = next(r for r in response.json()["rows"] if r["street_id"] == world.street_a.pk)
        assert row["total"] == 1 and row["covered"] == 0


@pytest.mark.parametrize("role", ROLES)
def test_api_coverage_write(world, unit_a, role):
    response = patch(client_for(world, role), f"/api/v1/coverage/units/{unit_a.pk}", {"union_id": world.org_a2.pk})
    expected = API_COVERAGE_WRITE[role]
    assert response.status_code == expected, response.content
    unit_a.refresh_from_db()
    assert (unit_a.union_id == world.org_a2.pk) == (expected == 200)


def test_api_member_list_is_scoped(world):
    ids = {m["id"] for m in world.client_for(world.street_b_staff).get("/api/v1/members/").json()["items"]}
    assert ids == {world.worker_b1.pk}
    ids = {m["id"] for m in world.client_for(world.admin_a1).get("/api/v1/members/").json()["items"]}
    assert ids == {world.worker_a1.pk, world.worker_a1_other.pk}
