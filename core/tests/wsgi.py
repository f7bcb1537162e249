"""Requests through the platform's WSGI application as a server sends them (``config/wsgi.py``:
Django wrapped by ``core.hot_path.HotPathApplication``) — Django's test client starts inside
Django's handler, after the door the hot paths are answered at."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from core.hot_path import HotPathApplication


class _Recording(HotPathApplication):
    """The platform's application that also tells whether its hot path answered."""

    answered_early = False

    def answer(self, handler, environ, parts=None):
        answered = super().answer(handler, environ, parts)
        self.answered_early = answered is not None
        return answered


@dataclass
class WsgiResponse:
    status_code: int
    headers: dict  # lower-case names
    content: bytes
    answered_early: bool

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.content)


@contextmanager
def keeping_the_test_connection():
    # As Django's test client does: the test's transaction lives on its connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def post(path: str, body: str, *, token: str | None = None, cookies: dict | None = None, keep_connection: bool = True) -> WsgiResponse:
    """POST ``body`` (JSON text) to ``path``; a fresh application each time, so the settings of
    the moment (``HOT_PATHS``) apply. ``keep_connection=False`` for requests from other threads."""
    extra = {}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if cookies:
        extra["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    environ = RequestFactory().post(path, data=body, content_type="application/json", **extra).environ
    application = _Recording(WSGIHandler())
    started: dict = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, headers

    if keep_connection:
        with keeping_the_test_connection():
            content = _run(application, environ, start_response)
    else:
        content = _run(application, environ, start_response)
    headers = {name.lower(): value for name, value in started["headers"]}
    return WsgiResponse(int(started["status"].split()[0]), headers, content, application.answered_early)


def _run(application, environ, start_response) -> bytes:
    body = application(environ, start_response)
    try:
        return b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
