"""The SMS gateway is the edge of the system: a small interface, a console backend for development.

A real deployment sets ``SMS_BACKEND`` to a class with the same ``send`` method that calls the
operator's gateway; tests use ``OutboxSmsBackend`` to read what would have been sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("unionhub.sms")


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class SmsBackend:
    def send(self, message: SmsMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: the code is printed in the server's log, where the demo user reads it."""

    def send(self, message: SmsMessage) -> None:
        log.warning("[短信] 发送到 %s：%s", message.phone, message.text)
        OutboxSmsBackend.outbox.append(message)


class OutboxSmsBackend(SmsBackend):
    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def send_sms(phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(SmsMessage(phone, text))
