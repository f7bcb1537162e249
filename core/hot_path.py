"""The few requests that come by the hundred a second — a collector's handheld posting a scan —
answered at the WSGI door by their programme's handler (``registry.add_hot_path``).

Through Django's request handling such a request paid more for the handling than for the scan:
the request signals, the middleware chain and the API framework cost three times the scan's
own work, and even with the middleware skipped a third of what was left. ``HotPathApplication``
wraps the platform's WSGI application (``config/wsgi.py``); for a registered method and path it
builds the request and does itself, and only, what the skipped parts would do for it:

* the connection housekeeping of Django's ``request_started`` (``close_old_connections``:
  ``CONN_MAX_AGE``, a connection broken by an earlier error);
* ``SecurityMiddleware`` (the HTTPS redirect — such a request goes the long way — and the
  security headers) and the NUL check (a body with NUL goes the long way, which refuses it);
* the language (Chinese unless the cookie chose English), ``X-Frame-Options``, ``Vary`` and the
  request log.

A handler answers only the plain cases and returns None for anything else (a session, a field
to refuse, a token to reject); that request, like one whose handler raised, then goes the long
way with its body intact, so every other answer still comes from the one full implementation.
``HOT_PATHS = False`` sends everything the long way.
"""

from __future__ import annotations

import io
import logging
import time

from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_started
from django.db import close_old_connections
from django.utils.cache import patch_vary_headers

log = logging.getLogger("unionhub.hot_path")


class HotPathApplication:
    def __init__(self, django_application):
        self.django_application = django_application
        self._handlers: dict | None = None
        self._security = None
        self._nul_check = None
        self._constants: dict[bool, list[tuple[str, str]]] = {}

    def handlers(self) -> dict:
        if self._handlers is None:
            from django.conf import settings
            from django.middleware.security import SecurityMiddleware
            from django.utils.module_loading import import_string

            from core.middleware import RejectNulBytesMiddleware
            from core.registry import registry

            enabled = getattr(settings, "HOT_PATHS", True)
            self._handlers = {key: import_string(dotted) for key, dotted in registry.hot_paths.items()} if enabled else {}
            # Used for their checks and headers only, never to pass a request on.
            self._security = SecurityMiddleware(get_response=_never_called)
            self._nul_check = RejectNulBytesMiddleware(get_response=_never_called)
        return self._handlers

    def __call__(self, environ, start_response):
        handler = self.handlers().get((environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
        answered = self.answer(handler, environ) if handler is not None else None
        if answered is None:
            return self.django_application(environ, start_response)
        status, headers, content = answered
        start_response(status, headers)
        # The content, not a response object: a server closes what it is given, and closing a
        # Django response sends ``request_finished`` — the signals this path exists to skip.
        return [content]

    def answer(self, handler, environ):
        """(status line, headers, content) of the handler's response with the headers the skipped
        middleware would have added, or None to go the long way."""
        from core.middleware import activate_chosen_language, log_request

        started = time.perf_counter()
        if _housekeeping_connected():
            close_old_connections()
        request = WSGIRequest(environ)
        try:
            # Reading the body may refuse it too (too big, cut off): the long way answers that.
            if self._security.process_request(request) is not None or self._nul_check._has_nul(request):
                return _the_long_way(environ, request)
            language = activate_chosen_language(request)
            response = handler(request)
        except Exception:
            # The long way answers (and reports) it as Django would; a scan is idempotent by its
            # client id, so doing it again there cannot count a bag twice.
            log.exception("hot path %s %s failed; answered the long way", request.method, request.path)
            return _the_long_way(environ, request)
        if response is None:
            return _the_long_way(environ, request)
        if response.has_header("Vary"):  # a handler's own Vary: merged as Django would
            patch_vary_headers(response, ("Cookie",))
        headers = list(response.items())
        present = {name.lower() for name, _value in headers}
        headers += [(name, value) for name, value in self._constant_headers(request) if name.lower() not in present]
        if "content-language" not in present:
            headers.append(("Content-Language", language))
        if "vary" not in present:
            headers.append(("Vary", "Cookie"))
        if "cache-control" not in present:  # what core.middleware.PrivateResponsesMiddleware adds
            headers.append(("Cache-Control", "private, no-store"))
        log_request(request, response, started, getattr(request, "hot_path_user_id", None))
        return f"{response.status_code} {response.reason_phrase}", headers, response.content

    def _constant_headers(self, request) -> list[tuple[str, str]]:
        """What ``SecurityMiddleware`` and ``XFrameOptionsMiddleware`` add to a response: they
        depend only on the settings and on the scheme, so they are worked out once for each."""
        secure = request.is_secure()
        found = self._constants.get(secure)
        if found is None:
            from django.conf import settings
            from django.http import HttpResponse

            blank = HttpResponse()
            del blank["Content-Type"]
            blank["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY")
            self._security.process_response(request, blank)
            found = self._constants[secure] = list(blank.items())
        return found


def _never_called(request):
    raise AssertionError("the hot path never passes a request down a middleware")


def _housekeeping_connected() -> bool:
    """Whether ``close_old_connections`` still listens to ``request_started``: tests disconnect it
    to keep their transaction's connection across requests (as Django's test client does), and
    this path honours that the same way, without sending the signal."""
    return any(key[0] == id(close_old_connections) for key, *_rest in request_started.receivers)


def _the_long_way(environ, request) -> None:
    """Give the body read here back to the environ, for Django's own request to read again."""
    if hasattr(request, "_body"):
        environ["wsgi.input"] = io.BytesIO(request._body)
    return None
