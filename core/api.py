"""The versioned JSON API (/api/v1/): one NinjaAPI, routers added by each programme's hooks.

Errors always answer ``{"code": ..., "message": ..., "field": ...}`` with a 4xx status;
messages are in the request's language.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import BeforeValidator

from core.errors import ApiError
from core.models import ApiToken
from core.registry import registry

log = logging.getLogger(__name__)


class DeviceTokenAuth(HttpBearer):
    """``Authorization: Bearer uh_…`` for collector handhelds; tokens are stored hashed."""

    def authenticate(self, request, token):
        if not token or not token.startswith("uh_"):
            return None
        found = _token_user(ApiToken.hash_key(token))
        if found is None:
            return None
        return token_accepted(request, *found)


def token_accepted(request, token_id: int, last_used_at, user):
    """What a live token's use does: its last use recorded (at most once a minute) and the request's
    user set. ``DeviceTokenAuth`` and a statement that read the token with something else
    (``live_token_select``) both end here."""
    ApiToken.mark_used(token_id, last_used_at, timezone.now())
    request.user = user
    return user


def live_token_select(key_hash: str, *, joined: str = "") -> tuple[str, str]:
    """(the SELECT list, the FROM … WHERE) of a device token that authenticates, as
    ``DeviceTokenAuth`` reads it (PostgreSQL), for a statement that reads the token together with
    something else: the row starts with the token's id, its last use and the user's columns, which
    ``token_from_row`` turns back into (token id, last used, user, the rest of the row)."""
    from core.sql import live_token

    return "t.id, t.last_used_at, " + ", ".join(f'u."{c}"' for c in _user_columns()), live_token(key_hash, joined=joined)


def token_from_row(row) -> tuple:
    """(token id, last used, the user, the row's remaining columns) of a ``live_token_select`` row."""
    from django.db import connection

    from core.models import User

    columns = _user_columns()
    end = 2 + len(columns)
    return row[0], row[1], User.from_db(connection.alias, columns, list(row[2:end])), row[end:]


@functools.cache
def _user_columns() -> list[str]:
    from core.models import User

    return [f.attname for f in User._meta.concrete_fields]


def _token_user(key_hash: str):
    """(token id, last used, the active user) of a live token, in one query.

    Every handheld request starts here, so the query is written once (a raw queryset still
    converts the user's fields the usual way): the ORM's queryset building cost about 1 ms a
    request, four times the query itself.
    """
    from datetime import UTC

    from django.db import connection

    from core.db import prepared_cursor
    from core.models import User
    from core.sql import live_token

    if connection.vendor == "postgresql":
        # psycopg already returns the Python types the fields hold: build the user from the row.
        columns, source = live_token_select("%s")
        with prepared_cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {source}", [key_hash], prepare=True)
            row = cursor.fetchone()
        return None if row is None else token_from_row(row)[:3]
    found = list(
        User.objects.raw(
            "SELECT u.*, t.id AS token_id, t.last_used_at AS token_last_used_at FROM " + live_token("%s"),
            [key_hash],
        )
    )
    if not found:
        return None
    user = found[0]
    last_used = user.token_last_used_at
    if last_used is not None and timezone.is_naive(last_used):  # SQLite keeps UTC without a zone
        last_used = last_used.replace(tzinfo=UTC)
    return user.token_id, last_used, user


class SessionAuth(APIKeyCookie):
    """The page session (CSRF-checked on writes, as Django forms are)."""

    param_name = "sessionid"

    def _get_key(self, request):
        # No session cookie, nothing a forged page could ride on: no CSRF check, so a handheld
        # with an unknown or revoked token hears 401 (log in again), not "CSRF check failed".
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


device_or_session = [DeviceTokenAuth(), SessionAuth(csrf=True)]

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "机器可读的错误码"},
        "message": {"type": "string", "description": "面向用户的说明（随请求语言）"},
        "field": {"type": ["string", "null"], "description": "出错的字段"},
    },
}
# Every operation may answer these; documenting them once keeps the contract honest for clients.
DEFAULT_ERRORS = {
    "400": "请求无效",
    "401": "未登录",
    "403": "没有权限",
    "404": "对象不存在（或不在权限范围内）",
    "409": "与当前状态冲突（如重复、库存不足、幂等键冲突）",
    "413": "请求内容过大",
    "422": "字段校验失败",
    "429": "请求过于频繁",
    "503": "服务暂时不可用（如数据库重启），请用同一幂等键重试",
}


class UnionHubAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for status, description in DEFAULT_ERRORS.items():
                    if int(status) in operation["responses"]:
                        continue  # ninja keys its own responses by int: a str twin would be a duplicate JSON key
                    operation["responses"].setdefault(
                        status,
                        {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    )
        return schema


class BodyNotAnObject(ValueError):
    """A JSON body that parsed but is not an object (``[null, null]``, ``5``, ``"x"``)."""


class ObjectBodyParser(Parser):
    """Every body of this API is a JSON object. ninja's schemas read their fields as attributes
    of whatever they are given, so a list or a number passed as a body with every field optional
    (``PATCH /members/5`` with ``[null,null]``) answered 200 having changed nothing."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject(type(data).__name__)
        return data


api = UnionHubAPI(
    title="UnionHub API",
    version="1",
    description="西城区总工会 UnionHub 平台接口。错误统一返回 {code, message, field}。",
    urls_namespace="api_v1",
    auth=device_or_session,
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=ObjectBodyParser(),
)


class BoundedPagination(LimitOffsetPagination):
    """Limit/offset with upper bounds: a giant number is a 422, never an integer overflow in the database
    (schemathesis found ``?limit=5e37`` and ``?offset=4e35`` answering 500 on PostgreSQL)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10**9)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_text(value):
    """Dates and times come as ISO 8601 text. pydantic would also take a number as seconds since
    1970, and a numeric text too (``scanned_at: 0`` was a scan dated 1 January 1970), which no client means."""
    if value is None or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError(_("应为 ISO 8601 格式的文本，如 2026-11-05 或 2026-11-05T08:30:00+08:00"))


IsoDate = Annotated[date, BeforeValidator(_written_as_text)]
IsoDateTime = Annotated[datetime, BeforeValidator(_written_as_text)]


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


def _error(request, status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"code": code, "message": message, "field": field, **extra}
    return api.create_response(request, body, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, str(exc.message), exc.field, **exc.extra)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "query", "path", "payload", "form")]
    field = ".".join(loc) or None
    reason = first.get("msg", "")
    message = _("字段 %(field)s 无效：%(reason)s") % {"field": field or "-", "reason": reason}
    errors = [{"field": ".".join(str(p) for p in e.get("loc", [])), "reason": e.get("msg", "")} for e in exc.errors[:20]]
    return _error(request, 422, "invalid", message, field, errors=errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", _("请先登录"))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "forbidden", _("没有权限执行此操作"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("找不到该对象"))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request, exc):
    # The database restarting or unreachable is temporary: say so (503, retry) instead of a 500 page.
    # Scans are idempotent by client_id, so a handheld simply sends the same scan again.
    log.warning("database unavailable for %s: %s", request.path, exc)
    response = _error(request, 503, "service_unavailable", _("服务暂时不可用，请稍后重试"))
    response["Retry-After"] = "2"
    return response


@api.exception_handler(MultiPartParserError)
def _unreadable_multipart(request, exc):
    # A multipart body without its boundary (or cut off): before, a 500 in DEBUG and Django's HTML 400 otherwise.
    return _error(request, 400, "invalid_body", _("无法读取上传的表单数据（multipart 格式错误），请重新上传"))


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
def _bad_request(request, exc):
    if isinstance(exc, RequestDataTooBig):
        return _error(request, 413, "request_too_large", _("请求内容过大"))
    return _error(request, 400, "bad_request", _("请求无效"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, BodyNotAnObject):
        return _error(request, 422, "invalid", _("请求体应为 JSON 对象"))
    if exc.__cause__ is not None and exc.status_code == 400:  # ninja could not parse the body
        return _error(request, 400, "invalid_body", _("请求体不是有效的 JSON"))
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


core_router = Router(tags=["core"])


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    member_id: int | None = None


@core_router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="当前用户")
def me(request):
    from core.scoping import member_for, role_assignments

    member = member_for(request.user)
    return {
        "username": request.user.username,
        "display_name": str(request.user),
        "roles": sorted({a.role for a in role_assignments(request.user)}),
        "member_id": member.pk if member else None,
    }


api.add_router("/core", core_router)
api.add_router("/orgs", "core.api_orgs.router")
api.add_router("/members", "core.api_members.router")
api.add_router("/coverage", "core.api_coverage.router")
for _prefix, _dotted in registry.api_routers:
    api.add_router(f"/{_prefix}", import_string(_dotted))
