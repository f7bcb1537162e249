"""Error pages: Chinese first, phone-sized, with a way home (templates/400…500.html); under /api/
they are the API's JSON error shape, written by the one formatter ``core.middleware_api`` uses
(so an over-size body read by a middleware is a 413 there too, not a plain 400)."""

from __future__ import annotations

from django.views import defaults

from core.middleware_api import API_PREFIX, as_json_error


def _api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception):
    return as_json_error(request, 400) if _api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return as_json_error(request, 403) if _api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return as_json_error(request, 404) if _api(request) else defaults.page_not_found(request, exception)


def server_error(request):
    # No database, no session, no context processors: the failure may be any of them.
    return as_json_error(request, 500) if _api(request) else defaults.server_error(request)
