"""Issue 29 finding 12: one-time codes never reach a production log; codes only for rostered phones.

With the production settings the SMS backend defaulted to the console one, which writes each
code to the server log at WARNING. Now production refuses to start without a real gateway
(system check ``unionhub.E001``, in ``check``, ``check --deploy`` and the WSGI start-up), and
the console backend refuses to log a code outside DEBUG or a declared demo.

The policy for numbers on no roster (documented in RELIABILITY.md §6): no SMS is sent, but the
answer, the rate limits and a later wrong guess look exactly as for a rostered phone, so the
login form cannot be used to find out who is on a roster.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core.models import PhoneOTP
from core.sms import OutboxSmsBackend

ROOT = Path(__file__).resolve().parents[2]


def _production(tmp_path, *command, **env_extra):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "unionhub.example.cn",
        "UNIONHUB_VAR_DIR": str(tmp_path),
        **env_extra,
    }
    for name in ("DATABASE_URL", "SMS_BACKEND", "UNIONHUB_DEMO", "DEBUG"):
        if name not in env_extra:
            env.pop(name, None)
    result = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("command", [["manage.py", "check"], ["manage.py", "check", "--deploy"], ["-c", "import config.wsgi"]])
def test_production_refuses_to_start_without_a_real_sms_gateway(tmp_path, command):
    code, output = _production(tmp_path, *command)
    assert code != 0 and "unionhub.E001" in output, output
    code, output = _production(tmp_path, *command, SMS_BACKEND="core.tests.sms_gateway.GatewayForTests")
    assert code == 0, output


def test_a_declared_demo_may_use_the_console_backend(tmp_path):
    code, output = _production(tmp_path, "manage.py", "check", UNIONHUB_DEMO="1")
    assert code == 0, output


@override_settings(DEBUG=False, SMS_DEV_BACKEND_ALLOWED=False, SMS_BACKEND="core.sms.ConsoleSmsBackend")
def test_outside_the_demo_the_console_backend_logs_no_code(world, caplog):
    caplog.set_level(logging.DEBUG)
    response = Client().post(reverse("core:worker_login"), {"phone": "13800000001"})
    assert response.status_code == 200 and "短信服务未配置" in response.content.decode()
    assert not re.search(r"\d{6}", caplog.text.replace("13800000001", "")), caplog.text
    assert "13800000001" not in caplog.text
    assert not PhoneOTP.objects.exists()  # nothing half-done


@override_settings(DEBUG=True, SMS_BACKEND="core.sms.ConsoleSmsBackend")
def test_the_demo_still_shows_the_code_in_the_log(world, caplog):
    caplog.set_level(logging.WARNING, logger="unionhub.sms")
    Client().post(reverse("core:worker_login"), {"phone": "13800000001"})
    assert re.search(r"验证码是 \d{6}", caplog.text)


@pytest.fixture
def outbox():
    OutboxSmsBackend.outbox.clear()
    yield OutboxSmsBackend.outbox
    OutboxSmsBackend.outbox.clear()


@override_settings(SMS_BACKEND="core.sms.OutboxSmsBackend")
def test_a_number_on_no_roster_gets_no_sms_and_the_same_answers(world, outbox):
    rostered, stranger = "13800000001", "13600000000"
    pages = {}
    for phone in (rostered, stranger):
        client = Client()
        sent = client.post(reverse("core:worker_login"), {"phone": phone})
        guess = client.post(reverse("core:worker_login"), {"phone": phone, "code": "000000"})
        # what differs between the two pages is the number itself (and the CSRF token)
        pages[phone] = [
            re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+|\"X-CSRFToken\": \"[^\"]+|" + phone, "", r.content.decode())
            for r in (sent, guess)
        ]
        assert "验证码已发送" in pages[phone][0] and "验证码不正确" in pages[phone][1]
    assert pages[rostered] == pages[stranger]
    assert [m.phone for m in outbox] == [rostered]
    assert PhoneOTP.objects.filter(phone=stranger).count() == 1  # a decoy row: the same database work


@override_settings(SMS_BACKEND="core.sms.OutboxSmsBackend", OTP_MAX_PER_PHONE_PER_HOUR=2)
def test_a_number_on_no_roster_meets_the_same_rate_limits(world, outbox):
    for phone in ("13800000001", "13600000000"):
        answers = [Client().post(reverse("core:worker_login"), {"phone": phone}).content.decode() for _ in range(3)]
        assert ["验证码已发送" in a for a in answers] == [True, True, False] and "过于频繁" in answers[2]
