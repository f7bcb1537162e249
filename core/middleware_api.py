"""Every answer under /api/ is the API's JSON error shape, including those Django gives before or
after the API framework: a URL that matches no operation (``/api/v1/prizes/abc`` — Django's HTML
404), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read by a middleware (an HTML 400), a CSRF
refusal, a server error page. Outermost in ``MIDDLEWARE``, so it sees what every other layer
answered; the API's own answers are JSON already and pass untouched.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("请求无效")),
        401: ("unauthenticated", _("请先登录")),
        403: ("forbidden", _("没有权限执行此操作")),
        404: ("not_found", _("找不到该接口或对象")),
        405: ("method_not_allowed", _("不支持该请求方法")),
        413: ("request_too_large", _("请求内容过大")),
        500: ("server_error", _("服务器内部错误，请稍后重试")),
        503: ("service_unavailable", _("服务暂时不可用，请稍后重试")),
    }


class ApiAnswersJsonMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return as_json_error(request, response.status_code, response)


def as_json_error(request, status: int, original=None) -> JsonResponse:
    if status == 400 and _declared_too_large(request):
        status = 413  # Django refuses an over-size body as a plain "bad request"
    code, message = _messages().get(
        status, ("server_error", _("服务器内部错误，请稍后重试")) if status >= 500 else ("error", _("请求无效"))
    )
    response = JsonResponse({"code": code, "message": message, "field": None}, status=status)
    if original is not None:  # the security and language headers the inner layers set
        for header, value in original.items():
            if header.lower() not in ("content-type", "content-length"):
                response[header] = value
    return response


def _declared_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    except ValueError:
        return False
