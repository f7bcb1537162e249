"""A handheld's single scan, answered at the WSGI door (``core.hot_path``), before Django's request
handling, the middleware and the API framework.

``POST /api/v1/bags/scans`` is the request a district sends most: every bag of every collection
point, one at a time. Through the whole stack its Python cost three times the scan's own work
(middleware, the API framework, authentication as a query of its own). Here, on PostgreSQL, a
request with a device token and a well-formed body is checked with the API's own schema and
recorded by one statement that also resolves the token
(``services.collection_record_by_token``); the answer is the one the API gives, byte for byte
and header for header (``tests/test_door_gunicorn.py`` compares the two through gunicorn). Anything else — a session, a body or code to refuse, an unknown
token — returns None and goes the long way (``api_field.scan_single``).
"""

from __future__ import annotations

import functools
import json

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from pydantic import ValidationError

from core.models import ApiToken
from modules.bags import services

JSON = "application/json; charset=utf-8"


def scan_single(request) -> HttpResponse | None:
    if request.content_type != "application/json" or not _on_postgresql():
        return None
    schema, to_scan_in = _api_parts()
    token = _device_token(request)
    if token is None:
        return None
    try:
        payload = schema.model_validate(json.loads(request.body))
    except (ValueError, ValidationError):  # not JSON, or a field to refuse: the API words it
        return None
    answer = services.collection_record_by_token(token_hash=ApiToken.hash_key(token), item=to_scan_in(payload))
    if answer is None:
        return None
    result, request.hot_path_user_id = answer
    if result.ok:
        body = result.as_dict()
    else:  # as the API's ApiError handler answers a refusal
        body = {"code": result.code, "message": result.message, "field": result.field}
    return HttpResponse(json.dumps(body), status=result.status, content_type=JSON)


@functools.cache
def _api_parts():
    """The API's scan schema and its conversion, imported on first use, through core.api: that
    module imports every programme's router in turn, and the API module imported first on its
    own would import itself half-built (a circular import)."""
    import core.api  # noqa: F401
    from modules.bags.api_field import ScanSchema, scan_in

    return ScanSchema, scan_in


def _on_postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def _device_token(request) -> str | None:
    """The token of ``Authorization: Bearer uh_…`` (what ``core.api.DeviceTokenAuth`` accepts)."""
    # From META: ``request.headers`` would first build a dict of every header (a tenth of the path).
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("uh_"):
        return None
    return token
