"""Errors a service raises for the user: a machine code, a message in the user's language, a field."""

from __future__ import annotations


class ApiError(Exception):
    status = 400

    def __init__(self, code: str, message, *, field: str | None = None, status: int | None = None, **extra):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra
        if status is not None:
            self.status = status


class NotFound(ApiError):
    status = 404


class Forbidden(ApiError):
    status = 403


class Conflict(ApiError):
    status = 409


class Invalid(ApiError):
    status = 422
