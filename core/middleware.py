"""A structured log line per request (method, path, status, time, user) for operations."""

import logging
import time

log = logging.getLogger("unionhub.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if response.status_code >= 400 or log.isEnabledFor(logging.DEBUG):
            user = getattr(request, "user", None)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(user, "pk", None),
                },
            )
        return response


class RejectNulBytesMiddleware:
    """A NUL character can never be valid text here, and PostgreSQL refuses it in a string:
    answer 400 at the door instead of letting it reach a query (found by fuzzing the API)."""

    TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return self._reject(request)
        return self.get_response(request)

    def _has_nul(self, request) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH") and content_type.startswith(self.TEXT_BODIES):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False

    @staticmethod
    def _reject(request):
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        message = _("请求中含有不允许的空字符（NUL）")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "invalid_characters", "message": message, "field": None}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
