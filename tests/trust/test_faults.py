"""A database that is restarting answers 503 service_unavailable with Retry-After, never a 500 page.

The real restart is exercised by scripts/crash_restart.py (PostgreSQL restarted under load: before
this handler the server answered 632 scans with an HTML 500; every one was stored exactly once
on retry). Here the fault is injected where the database error surfaces in a request.
"""

from __future__ import annotations

import json

from django.db import OperationalError

from modules.bags import codes, services


def test_a_database_outage_is_a_503_the_handheld_retries(world, monkeypatch):
    def outage(**kwargs):
        raise OperationalError("consuming input failed: server closed the connection unexpectedly")

    monkeypatch.setattr(services, "collection_record", outage)
    body = {"client_id": "outage-0001", "code": codes.encode(1), "point_id": 1, "category": "kitchen", "grade": "correct"}
    response = world.client_for(world.collector_a).post("/api/v1/bags/scans", json.dumps(body), content_type="application/json")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable" and response["Retry-After"] == "2"


def test_the_503_is_documented_for_every_operation():
    from core.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "503" in operation["responses"], (method, path)
