"""Every answer under /api/v1/ is JSON ``{code, message, field}`` with a 4xx, whatever the body, the
path or the layer that refuses it; the scan's door at the WSGI level answers the same way.
(Issue 29, findings 10 and 14: an 11 MB body → an HTML 400, ``/api/v1/prizes/abc`` → Django's HTML
404, a multipart body without a boundary → 500 in DEBUG and an HTML 400 otherwise, ``[null,null]``
as a PATCH body → 200, ``scanned_at: 0`` taken for 1 January 1970.)
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from core.models import ApiToken, Member
from core.tests import wsgi
from tests.trust.scenario import build


def assert_api_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= {"code", "message", "field"}, body
    assert body["message"] and all("\u4e00" <= ch <= "\u9fff" for ch in body["message"][:1]), body  # Chinese first
    if code is not None:
        assert body["code"] == code, body
    return body


def token_client(user) -> tuple[Client, str]:
    _token, raw = ApiToken.issue(user=user, name="contract")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False), raw


def csrf_session_client(user) -> Client:
    """A browser's session with its CSRF cookie and header, checks enforced as in production."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(user)
    client.get("/api/v1/core/me")
    client.cookies["csrftoken"] = "a" * 32
    client.defaults["HTTP_X_CSRFTOKEN"] = "a" * 32
    return client


# -- finding 10: multipart without a boundary -------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_multipart_without_a_boundary_is_a_json_400_on_session_posts(world, settings, debug):
    settings.DEBUG = debug  # the dev set-up answered 500 (ninja's traceback page), production an HTML 400
    client = csrf_session_client(world.district_staff)
    for path in ("/api/v1/members/import", f"/api/v1/members/?organisation_id={world.org_a1.pk}", "/api/v1/bags/batches"):
        response = client.generic("POST", path, b"--x\r\nnot a form", content_type="multipart/form-data")
        assert_api_error(response, 400)


@pytest.mark.parametrize("debug", [False, True])
def test_multipart_without_a_boundary_is_a_json_400_on_the_photo_upload(world, settings, debug):
    settings.DEBUG = debug
    client, _raw = token_client(world.collector_a)
    response = client.generic("POST", "/api/v1/bags/scans/abc/photo", b"--x\r\n", content_type="multipart/form-data")
    assert_api_error(response, 400, "invalid_body")


# -- finding 14: answers outside the contract --------------------------------------------------


def test_a_body_over_the_limit_is_a_json_413(world):
    client, _raw = token_client(world.collector_a)
    body = b'{"items": [' + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024) + b"]}"
    response = client.generic("POST", "/api/v1/bags/scans/batch", body, content_type="application/json")
    assert_api_error(response, 413, "request_too_large")


def test_a_path_that_matches_no_operation_is_a_json_404(world):
    client, _raw = token_client(world.worker_a1.user)
    for path in ("/api/v1/prizes/abc", "/api/v1/prizes/redemptions/mine/x1", "/api/v1/nothing-here", "/api/v2/"):
        assert_api_error(client.get(path), 404, "not_found")


def test_a_method_an_operation_does_not_have_is_json(world):
    client, _raw = token_client(world.district_staff)
    response = client.put("/api/v1/core/me", "{}", content_type="application/json")
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("body", ["[null,null]", "[]", "5", '"x"', "null", "true"])
def test_a_body_that_is_not_an_object_is_a_422_and_changes_nothing(world, body):
    member = world.worker_a1
    before = Member.objects.filter(pk=member.pk).values().get()
    client = world.client_for(world.district_staff)
    response = client.generic("PATCH", f"/api/v1/members/{member.pk}", body, content_type="application/json")
    assert_api_error(response, 422, "invalid")
    assert Member.objects.filter(pk=member.pk).values().get() == before


def test_a_body_that_is_not_json_is_a_json_400(world):
    client = world.client_for(world.district_staff)
    response = client.generic("PATCH", f"/api/v1/members/{world.worker_a1.pk}", "{not json", content_type="application/json")
    assert_api_error(response, 400, "invalid_body")


@pytest.mark.parametrize("at", [0, 1_796_000_000, 1.5, "0", "1796000000", True])
def test_a_scan_time_that_is_a_number_is_refused_as_the_wrong_type(world, at):
    s = build(world)
    client, raw = token_client(world.collector_a)
    body = {"client_id": f"at-{at}", "code": s["free_code"], "point_id": s["point"].pk, "category": "kitchen", "scanned_at": at}
    response = client.post("/api/v1/bags/scans", json.dumps(body), content_type="application/json")
    answer = assert_api_error(response, 422, "invalid")
    assert answer["field"] == "scanned_at"
    # the handheld's door (core.hot_path) answers the same
    door = wsgi.post("/api/v1/bags/scans", json.dumps(body), token=raw)
    assert door.status_code == 422 and door.json() == answer
    # and inside a batch upload, item by item
    response = client.post("/api/v1/bags/scans/batch", json.dumps({"items": [body]}), content_type="application/json")
    assert_api_error(response, 422, "invalid")


def test_a_date_that_is_a_number_is_refused_as_the_wrong_type(world):
    client = world.client_for(world.district_staff)
    response = client.generic("PATCH", f"/api/v1/members/{world.worker_a1.pk}", '{"joined_on": 0}', content_type="application/json")
    assert assert_api_error(response, 422, "invalid")["field"] == "joined_on"
    response = client.generic("PATCH", f"/api/v1/orgs/{world.org_a1.pk}", '{"founded_on": 86400}', content_type="application/json")
    assert assert_api_error(response, 422, "invalid")["field"] == "founded_on"


def test_an_iso_scan_time_is_still_accepted(world):
    from django.utils import timezone

    s = build(world)
    client, _raw = token_client(world.collector_a)
    at = timezone.now().isoformat()
    body = {"client_id": "iso-time", "code": s["free_code"], "point_id": s["point"].pk, "category": "kitchen", "scanned_at": at}
    response = client.post("/api/v1/bags/scans", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content


# -- finding 8: sortstats' month parameter ----------------------------------------------------


@pytest.mark.parametrize("page", ["/sortstats/", "/sortstats/anomalies/"])
def test_a_bad_month_on_the_sortstats_pages_is_the_page_with_a_message(world, page):
    client = world.client_for(world.district_staff)
    response = client.get(page, {"month": "x"})
    assert response.status_code == 200
    assert "月份" in response.content.decode()


@pytest.mark.parametrize("body", ["[null,null]", "5", "{not json"])
def test_the_scan_door_answers_a_body_of_the_wrong_type_as_the_api_does(world, body):
    client, raw = token_client(world.collector_a)
    answer = client.post("/api/v1/bags/scans", body, content_type="application/json")
    assert_api_error(answer, 422 if body != "{not json" else 400)
    door = wsgi.post("/api/v1/bags/scans", body, token=raw)
    assert (door.status_code, door.json()) == (answer.status_code, answer.json())
    assert door.header("Content-Type").startswith("application/json")
