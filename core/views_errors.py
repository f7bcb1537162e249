"""Error pages: Chinese first, phone-sized, with a way home (templates/400…500.html); the JSON API
keeps answering ``{code, message, field}`` for paths Ninja never saw (an unknown /api/ URL)."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "field": None}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception):
    if _api(request):
        return _json(400, "bad_request", _("请求无效"))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _api(request):
        return _json(403, "forbidden", _("没有权限执行此操作"))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _api(request):
        return _json(404, "not_found", _("找不到该对象"))
    return defaults.page_not_found(request, exception)


def server_error(request):
    # No database, no session, no context processors: the failure may be any of them.
    if _api(request):
        return _json(500, "server_error", _("服务器出错了，请稍后重试"))
    return defaults.server_error(request)
