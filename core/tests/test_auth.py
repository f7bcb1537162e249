"""Logging in: staff lockout (django-axes), worker one-time codes, device tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import ApiToken, AuditLog, PhoneOTP
from core.sms import OutboxSmsBackend
from core.tests.fixtures import PASSWORD

SMS = override_settings(SMS_BACKEND="core.sms.OutboxSmsBackend")


@pytest.fixture(autouse=True)
def _empty_outbox():
    OutboxSmsBackend.outbox.clear()
    yield
    OutboxSmsBackend.outbox.clear()


def last_code(phone: str) -> str:
    message = [m for m in OutboxSmsBackend.outbox if m.phone == phone][-1]
    return re.search(r"\d{6}", message.text).group(0)


# --- Staff lockout ---------------------------------------------------------------------------


def test_staff_login_works(world):
    client = Client()
    response = client.post(reverse("core:login"), {"username": "street_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_five_failures_lock_the_account_even_for_the_right_password(world):
    client = Client()
    for _ in range(5):
        response = client.post(reverse("core:login"), {"username": "street_a", "password": "wrong-password"})
    response = client.post(reverse("core:login"), {"username": "street_a", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "账号已暂时锁定" in response.content.decode()
    # Another account from the same address is not locked (lockout is per username + IP).
    assert Client().post(reverse("core:login"), {"username": "street_b", "password": PASSWORD}).status_code == 302


def test_four_failures_then_success_resets(world):
    client = Client()
    for _ in range(4):
        client.post(reverse("core:login"), {"username": "admin_a1", "password": "nope-nope"})
    assert client.post(reverse("core:login"), {"username": "admin_a1", "password": PASSWORD}).status_code == 302


# --- Worker one-time codes -------------------------------------------------------------------


@SMS
def test_worker_logs_in_with_a_code(world):
    client = Client()
    response = client.post(reverse("core:worker_login"), {"phone": "138 0000 0001"})
    assert response.status_code == 200 and "验证码已发送" in response.content.decode()
    code = last_code("13800000001")
    response = client.post(reverse("core:worker_login"), {"phone": "13800000001", "code": code, "next": "/dashboard/"})
    assert response.status_code == 302
    assert client.get("/api/v1/core/me").json()["member_id"] == world.worker_a1.pk
    assert PhoneOTP.objects.get().used_at is not None
    assert PhoneOTP.objects.get().code_hash != code


@SMS
def test_a_code_is_single_use(world):
    Client().post(reverse("core:worker_login"), {"phone": "13800000001"})
    code = last_code("13800000001")
    assert Client().post(reverse("core:worker_login"), {"phone": "13800000001", "code": code}).status_code == 302
    again = Client().post(reverse("core:worker_login"), {"phone": "13800000001", "code": code})
    assert again.status_code == 200 and "已过期或未发送" in again.content.decode()


@SMS
def test_an_expired_code_is_refused(world):
    Client().post(reverse("core:worker_login"), {"phone": "13800000001"})
    code = last_code("13800000001")
    PhoneOTP.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(reverse("core:worker_login"), {"phone": "13800000001", "code": code})
    assert response.status_code == 200 and "已过期" in response.content.decode()


@SMS
def test_too_many_wrong_codes_burn_the_code(world):
    client = Client()
    client.post(reverse("core:worker_login"), {"phone": "13800000001"})
    code = last_code("13800000001")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert "验证码不正确" in client.post(reverse("core:worker_login"), {"phone": "13800000001", "code": wrong}).content.decode()
    response = client.post(reverse("core:worker_login"), {"phone": "13800000001", "code": code})
    assert response.status_code == 200 and "错误次数过多" in response.content.decode()


@SMS
def test_codes_are_rate_limited_per_phone(world):
    client = Client()
    for _ in range(5):
        assert "验证码已发送" in client.post(reverse("core:worker_login"), {"phone": "13800000002"}).content.decode()
    response = client.post(reverse("core:worker_login"), {"phone": "13800000002"})
    assert "过于频繁" in response.content.decode()
    assert len([m for m in OutboxSmsBackend.outbox if m.phone == "13800000002"]) == 5


@SMS
@override_settings(OTP_MAX_PER_IP_PER_HOUR=3)
def test_codes_are_rate_limited_per_ip(world):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for i in range(3):
        assert "验证码已发送" in client.post(reverse("core:worker_login"), {"phone": f"1390000010{i}"}).content.decode()
    assert "过于频繁" in client.post(reverse("core:worker_login"), {"phone": "13900000109"}).content.decode()
    # Another address still gets its code.
    assert "验证码已发送" in Client(REMOTE_ADDR="10.9.9.9").post(reverse("core:worker_login"), {"phone": "13900000109"}).content.decode()


@SMS
def test_a_phone_not_on_a_roster_cannot_log_in(world):
    """No code is sent to it (core/tests/test_sms_policy.py: the answers match a rostered phone's)."""
    client = Client()
    assert "验证码已发送" in client.post(reverse("core:worker_login"), {"phone": "13600000000"}).content.decode()
    assert not OutboxSmsBackend.outbox
    response = client.post(reverse("core:worker_login"), {"phone": "13600000000", "code": "123456"})
    assert "验证码不正确" in response.content.decode()


@SMS
def test_bad_phone_input_is_explained(world):
    response = Client().post(reverse("core:worker_login"), {"phone": "abc"})
    assert response.status_code == 200 and "11 位" in response.content.decode()
    assert not OutboxSmsBackend.outbox


# --- Device tokens ---------------------------------------------------------------------------


def test_collector_issues_a_token_shown_once_then_revokes_it(world):
    client = world.client_for(world.collector_a)
    response = client.post(reverse("core:tokens"), {"name": "什刹海 1 号手持机"})
    raw = response.context["raw"]
    assert raw.startswith("uh_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=world.collector_a)
    assert token.key_hash == ApiToken.hash_key(raw) and raw not in (token.key_hash, token.prefix)
    assert raw not in client.get(reverse("core:tokens")).content.decode()  # never shown again
    device = Client()
    me = device.get("/api/v1/core/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["username"] == "collector_a"
    assert client.post(reverse("core:token_revoke", args=[token.pk])).status_code == 302
    assert device.get("/api/v1/core/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert set(AuditLog.objects.filter(object_id=str(token.pk)).values_list("action", flat=True)) == {"token.issue", "token.revoke"}


def test_token_form_validates(world):
    client = world.client_for(world.district_staff)
    assert "name" in client.post(reverse("core:tokens"), {"name": ""}).context["form"].errors
    client.post(reverse("core:tokens"), {"name": "A"})
    assert "同名" in " ".join(client.post(reverse("core:tokens"), {"name": "A"}).context["form"].errors["name"])


def test_who_may_manage_tokens(world):
    assert world.client_for(world.admin_a1).get(reverse("core:tokens")).status_code == 403
    assert world.client_for(world.worker_a1).get(reverse("core:tokens")).status_code == 403
    assert world.client_for(world.district_staff).get(reverse("core:tokens")).status_code == 200
    token, _raw = ApiToken.issue(user=world.collector_a, name="x")
    # Another collector cannot see or revoke it; district staff can.
    assert world.client_for(world.collector_b).post(reverse("core:token_revoke", args=[token.pk])).status_code == 404
    assert world.client_for(world.district_staff).post(reverse("core:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_garbage_bearer_tokens_get_401(world):
    for header in ["Bearer nope", "Bearer uh_forged", "Basic abc"]:
        assert Client().get("/api/v1/core/me", HTTP_AUTHORIZATION=header).status_code == 401
