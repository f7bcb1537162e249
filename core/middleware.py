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
        log_request(request, response, started, getattr(getattr(request, "user", None), "pk", None))
        return response


def log_request(request, response, started: float, user_id: int | None) -> None:
    if response.status_code >= 400 or log.isEnabledFor(logging.DEBUG):
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user_id,
            },
        )


def activate_chosen_language(request) -> str:
    """Chinese unless the language cookie chose another language we offer (see below)."""
    from django.conf import settings
    from django.utils import translation

    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    try:
        language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
    except LookupError:  # a cookie naming a language we do not offer
        language = settings.LANGUAGE_CODE
    active = translation.get_language()
    if active != language:  # a worker's thread keeps the last request's language: mostly the same
        translation.activate(language)
        active = translation.get_language()
    request.LANGUAGE_CODE = active
    return active


def mark_language(response, language: str) -> None:
    from django.utils.cache import patch_vary_headers

    response.headers.setdefault("Content-Language", language)
    patch_vary_headers(response, ("Cookie",))


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


class ChineseFirstLocaleMiddleware:
    """Chinese for everyone unless they chose English on the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, so a phone or an office PC
    set up in English got English pages; the platform is Chinese first (its users, its staff,
    its documents) and English is a choice, kept in the language cookie that ``set_language``
    writes. The browser's header is therefore ignored, and responses vary on the cookie only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = activate_chosen_language(request)
        response = self.get_response(request)
        mark_language(response, language)
        return response


class PrivateResponsesMiddleware:
    """``Cache-Control: private, no-store`` on every answer that may carry personal data.

    The rule is keyed on who asks, not on each view remembering: whatever a logged-in person
    (a session) or a device/API client (an ``Authorization`` header, any ``/api/`` path) is
    answered — roster pages and their CSV with full phones, "my data" and its downloads, job
    files, the member API — is neither kept by a shared proxy nor written to the browser's disk
    cache. Anonymous public pages are untouched, and static files never reach this middleware
    (WhiteNoise answers them first, with their long max-age).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.mark(request, self.get_response(request))

    @classmethod
    def mark(cls, request, response):
        """The header, when the answer may carry personal data (the door's step calls this too)."""
        if cls._personal(request):
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _personal(request) -> bool:
        user = getattr(request, "user", None)
        return bool(
            (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META or request.path.startswith("/api/")
        )
