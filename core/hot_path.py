"""The few requests that come by the hundred a second — a collector's handheld posting a scan —
answered at the WSGI door by their programme's handler (``registry.add_hot_path``).

Through Django's request handling such a request paid more for the handling than for the scan:
the middleware chain and the API framework cost several times the scan's own work.
``HotPathApplication`` wraps the platform's WSGI application (``config/wsgi.py``); for a
registered method and path it builds the request and answers it with the handler, but never
with less than the full stack would do for that request:

* every middleware of ``settings.MIDDLEWARE`` has a step here (``STEPS``) that does what the
  middleware does for such a request — Django's own ``process_request``/``process_response`` where
  the middleware has them (the Host check against ``ALLOWED_HOSTS``, the HTTPS redirect, the security
  headers, ``X-Frame-Options``, the CSP header, ``Content-Length``), the platform's own checks
  (a NUL, the language), or a check that the request is one the middleware leaves alone (no session,
  CSRF or messages cookie; not a static file). A middleware without a step closes the door: every
  request then goes the long way, and a test (``core/tests/test_hot_path_door.py``) fails until
  its step is written here;
* Django's request signals are sent as Django's handler sends them (``request_started`` before,
  ``request_finished`` when the server closes the response), so the connection housekeeping and
  whatever else listens to them run as for any request;
* the request body is read within ``DATA_UPLOAD_MAX_MEMORY_SIZE``; 4xx answers are logged as
  Django logs them.

A request a step refuses, redirects or cannot read (a bad Host, a body too big or with NUL, plain
HTTP under ``SECURE_SSL_REDIRECT``), one the handler declines (it returns None: a session, a field
to refuse, a token to reject, a forged code and its abuse budget) and one whose handler raised goes
the long way with its body intact, so every such answer comes from the one full implementation.
That every answer is the same, byte for byte and header for header, is proved through a real
gunicorn (``core/tests/test_hot_path_door.py``). ``HOT_PATHS = False`` sends everything the long way.
"""

from __future__ import annotations

import io
import logging
import re
import time

from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_started
from django.utils.log import log_response

log = logging.getLogger("unionhub.hot_path")


class HotPathApplication:
    def __init__(self, django_application):
        self.django_application = django_application
        self._handlers: dict | None = None
        self._patterns: list[tuple[str, re.Pattern, object]] = []
        self._steps: list = []

    def handlers(self) -> dict:
        if self._handlers is None:
            from django.conf import settings
            from django.utils.module_loading import import_string

            from core.registry import registry

            steps = door_steps(settings.MIDDLEWARE)
            if not getattr(settings, "HOT_PATHS", True) or not registry.hot_paths:
                self._handlers = {}
            elif steps is None:
                log.error("a middleware has no step in core/hot_path.py: every request goes the long way until it is reviewed")
                self._handlers = {}
            else:
                self._steps = steps
                self._handlers = {}
                for (method, path), dotted in registry.hot_paths.items():
                    handler = import_string(dotted)
                    if "{" in path:
                        self._patterns.append((method, path_pattern(path), handler))
                    else:
                        self._handlers[(method, path)] = handler
        return self._handlers

    def lookup(self, method: str | None, path: str | None):
        """The handler for a request and the whole-number parts of its path, or (None, {})."""
        handler = self.handlers().get((method, path))
        if handler is not None:
            return handler, {}
        for pattern_method, pattern, handler in self._patterns:
            if pattern_method == method and path and (found := pattern.fullmatch(path)):
                return handler, {name: int(value) for name, value in found.groupdict().items()}
        return None, {}

    def __call__(self, environ, start_response):
        handler, parts = self.lookup(environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
        response = self.answer(handler, environ, parts) if handler is not None else None
        if response is None:
            return self.django_application(environ, start_response)
        # As Django's WSGIHandler hands a response over: the server closes it, which closes the
        # request's resources and sends ``request_finished``.
        response._handler_class = self.__class__
        headers = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response

    def answer(self, handler, environ, parts=None):
        """The handler's response with everything the middleware would have done to it, or None
        to go the long way."""
        started = time.perf_counter()
        request = WSGIRequest(environ)
        try:
            # A refusal, a redirect or a request it cannot read (DisallowedHost, RequestDataTooBig…)
            # is the long way's to answer, in its own words and with its own log.
            passed = all(step.before(request) for step in self._steps)
        except Exception:
            passed = False
        if not passed:
            return _the_long_way(environ, request)
        request_started.send(sender=self.__class__, environ=environ)
        try:
            response = handler(request, **(parts or {}))
        except Exception:
            # The long way answers (and reports) it as Django would; a scan is idempotent by its
            # client id, so doing it again there cannot count a bag twice.
            log.exception("hot path %s %s failed; answered the long way", request.method, request.path)
            return _the_long_way(environ, request)
        if response is None:
            return _the_long_way(environ, request)
        response._resource_closers.append(request.close)
        for step in reversed(self._steps):
            response = step.after(request, response, started)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        log.debug("answered at the door: %s %s %s", request.method, request.path, response.status_code)
        return response


# A whole number as Django's ``int`` converter takes it, at most 18 digits (a bigint's range): a
# longer one goes the long way, which answers it as the API does.
PATH_PART = re.compile(r"\{(\w+)\}")


def path_pattern(path: str) -> re.Pattern:
    """``/api/v1/surveys/{survey_id}/responses`` as a pattern of its whole-number parts."""
    pieces = PATH_PART.split(path)
    literal, names = pieces[0::2], pieces[1::2]
    regex = re.escape(literal[0]) + "".join(
        f"(?P<{name}>[0-9]{{1,18}})" + re.escape(rest) for name, rest in zip(names, literal[1:], strict=True)
    )
    return re.compile(regex)


def bearer_token(request) -> str | None:
    """The request's ``Authorization: Bearer uh_…`` token, or None."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith("uh_"):
        return None
    return token


def token_user(request):
    """The active user of the request's live ``Authorization: Bearer uh_…`` token, its use marked
    as ``core.api.DeviceTokenAuth`` marks it (the same function), or None (the long way answers)."""
    token = bearer_token(request)
    if token is None:
        return None
    from core.api import DeviceTokenAuth

    user = DeviceTokenAuth().authenticate(request, token)
    if user is not None:
        request.hot_path_user_id = user.pk
    return user


def token_accepted(request, token_id: int, last_used_at, user):
    """For a handler that read the token with its own statement (``core.api.live_token_select``):
    the token's use marked and the request's user set, as ``DeviceTokenAuth`` does (the same
    function)."""
    from core.api import token_accepted as accepted

    accepted(request, token_id, last_used_at, user)
    request.hot_path_user_id = user.pk
    return user


def _the_long_way(environ, request) -> None:
    """Give the body read here back to the environ, for Django's own request to read again."""
    if hasattr(request, "_body"):
        environ["wsgi.input"] = io.BytesIO(request._body)
    return None


# ---------------------------------------------------------------- the middleware's steps


class Step:
    """What one middleware does for a request answered at the door. ``before`` returns False to
    send the request the long way (or raises, for the same); ``after`` returns the response."""

    def before(self, request) -> bool:
        return True

    def after(self, request, response, started: float):
        return response


class Runs(Step):
    """A middleware whose ``process_request``/``process_response`` are its whole work for such a
    request: run as Django runs them (an answer from ``process_request`` goes the long way)."""

    def __init__(self, middleware_class):
        self.middleware = middleware_class(get_response=_never_called)

    def before(self, request) -> bool:
        process = getattr(self.middleware, "process_request", None)
        return process is None or process(request) is None

    def after(self, request, response, started):
        process = getattr(self.middleware, "process_response", None)
        return response if process is None else process(request, response)


class ContentSecurityPolicy(Runs):
    """django-csp's middleware, whose header is the same for every plain response of a path (a
    policy built from the settings twice, with deep copies: a third of the door's own time): run
    once per path and status, then copied. A response or request that could change it — a
    ``@csp_*`` decorator's attributes, a nonce used, a header already set — is given the
    middleware's own answer."""

    HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
    PER_RESPONSE = ("_csp_exempt", "_csp_exempt_ro", "_csp_config", "_csp_update", "_csp_replace")

    def __init__(self):
        from csp.middleware import CSPMiddleware

        super().__init__(CSPMiddleware)
        self.added: dict[tuple[str, int], list[tuple[str, str]]] = {}

    def after(self, request, response, started):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, f"{name}{ro}") for name in self.PER_RESPONSE for ro in ("", "_ro")
        ):
            return super().after(request, response, started)
        if any(name in response for name in self.HEADERS):
            return super().after(request, response, started)
        key = (request.path_info, response.status_code)
        added = self.added.get(key)
        if added is None:
            response = super().after(request, response, started)
            self.added[key] = [(name, response[name]) for name in self.HEADERS if name in response]
            return response
        for name, value in added:
            response[name] = value
        return response


class NoCookie(Step):
    """A middleware that does nothing to a response unless the request carries its cookie (a
    session, a CSRF secret, messages): a request with that cookie goes the long way."""

    def __init__(self, setting: str | None = None, name: str | None = None):
        from django.conf import settings

        self.cookie = getattr(settings, setting) if setting else name

    def before(self, request) -> bool:
        return self.cookie not in request.COOKIES


class NotStatic(Step):
    """WhiteNoise answers only paths under ``STATIC_URL``; the door's paths never are."""

    def before(self, request) -> bool:
        from django.conf import settings

        return not request.path_info.startswith(settings.STATIC_URL or "/static/")


class NoNul(Step):
    """``RejectNulBytesMiddleware``: a NUL anywhere goes the long way, which refuses it. Reading
    the body here applies ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (RequestDataTooBig: the long way's 400)."""

    def __init__(self):
        from core.middleware import RejectNulBytesMiddleware

        self.check = RejectNulBytesMiddleware(get_response=_never_called)

    def before(self, request) -> bool:
        request.body  # noqa: B018  (read within the size limit, whatever the content type)
        return not self.check._has_nul(request)


class Language(Step):
    """``ChineseFirstLocaleMiddleware``: Chinese unless the cookie chose English."""

    def before(self, request) -> bool:
        from core.middleware import activate_chosen_language

        request.door_language = activate_chosen_language(request)
        return True

    def after(self, request, response, started):
        from core.middleware import mark_language

        mark_language(response, request.door_language)
        return response


class RequestLog(Step):
    """``RequestLogMiddleware``: the same log line, with the user the handler found."""

    def after(self, request, response, started):
        from core.middleware import log_request

        log_request(request, response, started, getattr(request, "hot_path_user_id", None))
        return response


class PrivateResponses(Step):
    """``PrivateResponsesMiddleware``: a device's answer is never cached (an ``/api/`` path)."""

    def after(self, request, response, started):
        from core.middleware import PrivateResponsesMiddleware

        return PrivateResponsesMiddleware.mark(request, response)


class Nothing(Step):
    """A middleware that does nothing to such a request (the reason is in ``STEPS``)."""


def _runs(dotted: str):
    def make():
        from django.utils.module_loading import import_string

        return Runs(import_string(dotted))

    return make


# Every middleware the platform runs, and what the door does in its place. Reviewed against
# settings.MIDDLEWARE; core/tests/test_hot_path_door.py pins that list and fails when it changes.
STEPS = {
    # turns Django's non-JSON error pages under /api/ into {code, message, field}; the door's
    # handlers answer JSON only, so there is nothing for it to turn
    "core.middleware_api.ApiAnswersJsonMiddleware": Nothing,
    # the HTTPS redirect (process_request) and HSTS, nosniff, Referrer-Policy, COOP (process_response)
    "django.middleware.security.SecurityMiddleware": _runs("django.middleware.security.SecurityMiddleware"),
    "core.middleware.RejectNulBytesMiddleware": NoNul,
    "whitenoise.middleware.WhiteNoiseMiddleware": NotStatic,
    "django.contrib.sessions.middleware.SessionMiddleware": lambda: NoCookie("SESSION_COOKIE_NAME"),
    "core.middleware.ChineseFirstLocaleMiddleware": Language,
    # Host against ALLOWED_HOSTS (DisallowedHost), forbidden user agents, PREPEND_WWW; Content-Length
    "django.middleware.common.CommonMiddleware": _runs("django.middleware.common.CommonMiddleware"),
    # the API's views are CSRF-exempt (a device token is no cookie); only a CSRF cookie makes it act
    "django.middleware.csrf.CsrfViewMiddleware": lambda: NoCookie("CSRF_COOKIE_NAME"),
    # request.user, lazily from the session: without a session cookie nothing reaches the response
    "django.contrib.auth.middleware.AuthenticationMiddleware": Nothing,
    # Cache-Control: private, no-store on what a session or a device is answered
    "core.middleware.PrivateResponsesMiddleware": PrivateResponses,
    # stores messages only when a view added or read some, in their cookie
    "django.contrib.messages.middleware.MessageMiddleware": lambda: NoCookie(name="messages"),
    "django.middleware.clickjacking.XFrameOptionsMiddleware": _runs("django.middleware.clickjacking.XFrameOptionsMiddleware"),
    "csp.middleware.CSPMiddleware": ContentSecurityPolicy,
    "core.middleware.RequestLogMiddleware": RequestLog,
    # answers a lockout after a failed login through Django's auth; the door's handlers make none
    "axes.middleware.AxesMiddleware": Nothing,
}


def door_steps(middleware: list[str]) -> list[Step] | None:
    """The steps for ``middleware`` in its order, or None when one has none (the door closes)."""
    makers = [STEPS.get(dotted) for dotted in middleware]
    if any(make is None for make in makers):
        return None
    return [make() for make in makers]


def _never_called(request):
    raise AssertionError("the hot path never passes a request down a middleware")
