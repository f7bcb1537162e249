"""The members API: scoped lists, create, update, move and roster import with a JSON error report."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Member, MemberTransfer, Organisation
from core.tests.factories import MemberFactory
from core.tests.test_roster_import import csv_bytes, xlsx


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_list_is_paginated_masked_and_cheap(world, django_assert_max_num_queries):
    MemberFactory.create_batch(30, organisation=world.org_a1)
    client = world.client_for(world.admin_a1)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/members/", {"limit": 10, "offset": 0}).json()
    assert body["count"] == 32 and len(body["items"]) == 10
    assert all("****" in m["phone_masked"] for m in body["items"])
    assert "phone" not in body["items"][0]


def test_list_filters(world):
    client = world.client_for(world.district_staff)
    ids = [m["id"] for m in client.get("/api/v1/members/", {"organisation_id": world.org_b1.pk}).json()["items"]]
    assert ids == [world.worker_b1.pk]
    assert client.get("/api/v1/members/", {"organisation_id": 999999}).status_code == 404
    assert client.get("/api/v1/members/", {"q": "王芳"}).json()["count"] == 1


def test_create_validates_in_chinese_with_the_field(world):
    client = world.client_for(world.admin_a1)
    response = post_json(client, f"/api/v1/members/?organisation_id={world.org_a1.pk}", {"name": "新人", "phone": "1380000"})
    assert response.status_code == 422
    assert response.json()["field"] == "phone" and "11 位" in response.json()["message"]
    response = post_json(client, f"/api/v1/members/?organisation_id={world.org_a1.pk}", {"name": "新人", "phone": "13800000002"})
    assert response.status_code == 422 and response.json()["code"] == "duplicate_phone"
    response = post_json(client, f"/api/v1/members/?organisation_id={world.org_a1.pk}", {"name": "新人"})
    assert response.status_code == 422 and response.json()["field"] == "phone"
    response = post_json(client, f"/api/v1/members/?organisation_id={world.org_b1.pk}", {"name": "新人", "phone": "13811112222"})
    assert response.status_code == 422 and response.json()["field"] == "organisation_id"
    response = post_json(
        client, f"/api/v1/members/?organisation_id={world.org_a1.pk}", {"name": "新人", "phone": "13811112222", "tags": ["courier"]}
    )
    assert response.status_code == 201 and response.json()["phone_masked"] == "138****2222"
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 3


@pytest.mark.parametrize("body", ["not json", "[]", '{"name": 5, "phone": []}', '{"joined_on": "yesterday"}'])
def test_garbage_bodies_never_500(world, body):
    client = world.client_for(world.admin_a1)
    response = client.post(f"/api/v1/members/?organisation_id={world.org_a1.pk}", body, content_type="application/json")
    assert 400 <= response.status_code < 500 and "code" in response.json()
    response = client.patch(f"/api/v1/members/{world.worker_a1.pk}", body, content_type="application/json")
    assert response.status_code < 500


def test_update_and_move(world):
    client = world.client_for(world.street_a_staff)
    response = client.patch(
        f"/api/v1/members/{world.worker_a1.pk}", json.dumps({"tags": ["outdoor"], "status": "bogus"}), content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["field"] == "status"
    response = post_json(client, f"/api/v1/members/{world.worker_a1.pk}/move", {"to_organisation_id": world.org_a2.pk, "note": "内部调动"})
    assert response.status_code == 201 and response.json()["to_organisation_id"] == world.org_a2.pk
    assert MemberTransfer.objects.get().note == "内部调动"
    response = post_json(client, f"/api/v1/members/{world.worker_a1.pk}/move", {"to_organisation_id": world.org_b1.pk})
    assert response.status_code == 422 and response.json()["field"] == "organisation_id"


def test_import_reports_rows_as_json_422(world):
    client = world.client_for(world.admin_a1)
    data = csv_bytes([["甲", "13912340001", "", "", "", "", ""], ["乙", "13912340001", "", "X", "", "", ""]])
    response = client.post("/api/v1/members/import", {"organisation_id": world.org_a1.pk, "file": SimpleUploadedFile("r.csv", data)})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_invalid"
    assert sorted((r["row"], r["field"]) for r in body["rows"]) == [(3, "gender"), (3, "phone")]
    assert all(r["reason"] for r in body["rows"])
    assert not Member.objects.filter(name="甲").exists()


def test_import_succeeds_as_a_whole(world):
    client = world.client_for(world.admin_a1)
    data = xlsx([["甲", "13912340001", "", "", "", "", ""], ["乙", "13912340002", "", "女", "", "", ""]])
    response = client.post("/api/v1/members/import", {"organisation_id": world.org_a1.pk, "file": SimpleUploadedFile("r.xlsx", data)})
    assert response.status_code == 201 and response.json()["created"] == 2
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 4


def test_import_needs_a_file_and_a_union_in_scope(world):
    client = world.client_for(world.admin_a1)
    assert client.post("/api/v1/members/import", {"organisation_id": world.org_a1.pk}).status_code == 422
    data = csv_bytes([["甲", "13912340001", "", "", "", "", ""]])
    response = client.post("/api/v1/members/import", {"organisation_id": world.org_b1.pk, "file": SimpleUploadedFile("r.csv", data)})
    assert response.status_code == 422 and response.json()["field"] == "organisation_id"
    assert (
        world.client_for(world.collector_a)
        .post("/api/v1/members/import", {"organisation_id": world.org_a1.pk, "file": SimpleUploadedFile("r.csv", data)})
        .status_code
        == 403
    )


def test_api_org_create_validates_credit_code(world):
    client = world.client_for(world.street_a_staff)
    response = post_json(
        client, "/api/v1/orgs/", {"name": "某公司工会", "parent_id": world.street_a.pk, "credit_code": "91110000802100433C"}
    )
    assert response.status_code == 422 and response.json()["field"] == "credit_code" and "校验位" in response.json()["message"]
    response = post_json(
        client, "/api/v1/orgs/", {"name": "某公司工会", "parent_id": world.street_a.pk, "credit_code": "91110000802100433B"}
    )
    assert response.status_code == 201 and response.json()["street_id"] == world.street_a.pk
    response = post_json(client, "/api/v1/orgs/", {"name": "越界", "parent_id": world.street_b.pk})
    assert response.status_code == 422 and response.json()["field"] == "parent_id"


def test_a_database_outage_while_checking_the_union_is_a_503_not_a_422(world):
    """Only "no such union in your scope" is a 422; a database error surfaces as the API's 503."""
    from django.db import OperationalError, connection

    def organisations_unreachable(execute, sql, params, many, context):
        if sql.startswith('SELECT "core_organisation"'):  # the union's scope check, after the roles
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    client = world.client_for(world.admin_a1)
    client.get("/api/v1/members/")  # the session and roles are read before the outage
    body = {"name": "王五", "phone": "13900000077"}
    with connection.execute_wrapper(organisations_unreachable):
        response = post_json(client, f"/api/v1/members/?organisation_id={world.org_a1.pk}", body)
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    missing = post_json(client, "/api/v1/members/?organisation_id=999999", body)
    assert missing.status_code == 422 and missing.json()["field"] == "organisation_id"
