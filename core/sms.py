"""The SMS gateway is the edge of the system: a small interface, a console backend for development.

A real deployment sets ``SMS_BACKEND`` to ``aliyun`` or ``tencent`` (``core.sms_gateways``: the
providers' official SDKs, sign name, template and its parameters from the environment) or to any
class with the same ``send`` method; tests use ``OutboxSmsBackend`` to read what would have been sent.

The two development backends never run in production: the system check ``unionhub.E001``
(``core.checks``) refuses to start without a real backend unless ``DEBUG`` or the explicit demo
flag ``SMS_DEV_BACKEND_ALLOWED`` (env ``UNIONHUB_DEMO=1``) is on, and the console backend itself
refuses to write a code to the log outside those set-ups.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import ApiError

log = logging.getLogger("unionhub.sms")


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    # The template's variables (a gateway sends an approved template, not free text): code, minutes.
    params: dict = field(default_factory=dict)


class SmsBackend:
    # A gateway's own sending limits per phone, (count, seconds): checked before a code is made,
    # so the provider never has to refuse (and every number, member or not, is limited alike).
    limits: tuple[tuple[int, int], ...] = ()

    def send(self, message: SmsMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class DevelopmentSmsBackend(SmsBackend):
    """A backend that sends nothing: allowed only in the demo, development and tests."""


def dev_backend_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "SMS_DEV_BACKEND_ALLOWED", False))


class SmsUnavailable(ApiError):
    def __init__(self):
        super().__init__("sms_unavailable", _("短信服务未配置，暂时无法发送验证码，请联系管理员"), field="phone", status=503)


class ConsoleSmsBackend(DevelopmentSmsBackend):
    """Development: the code is printed in the server's log, where the demo user reads it."""

    def send(self, message: SmsMessage) -> None:
        if not dev_backend_allowed():
            # A production log is read by operators and shipped to log stores: never a code in it.
            log.error("SMS_BACKEND is the console backend outside the demo: message to %s not sent", message.phone[:3] + "****")
            raise SmsUnavailable
        log.warning("[短信] 发送到 %s：%s", message.phone, message.text)
        OutboxSmsBackend.outbox.append(message)


class OutboxSmsBackend(DevelopmentSmsBackend):
    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def backend_class() -> type[SmsBackend]:
    return import_string(settings.SMS_BACKEND)


def provider_allow(phone: str) -> bool:
    """Count one send for the phone against the configured gateway's own limits."""
    from core.ratelimit import window_allow

    verdicts = [window_allow(f"sms:{seconds}:{phone}", count, seconds) for count, seconds in backend_class().limits]
    return all(verdicts)


def send_sms(phone: str, text: str, params: dict | None = None) -> None:
    backend_class()().send(SmsMessage(phone, text, dict(params or {})))
