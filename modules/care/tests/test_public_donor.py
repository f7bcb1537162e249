"""The public with a phone login (issue 22): someone who is not a union member logs in with a
one-time code (the same limits as the workers' login), gets a minimal account on first login —
a phone and nothing else — and claims and delivers a micro-wish; staff accounts are never
entered by SMS; the wisher's data stays masked until the union confirms the claim."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core.models import Member, User
from core.sms import OutboxSmsBackend
from modules.care import services
from modules.care.models import WishClaim
from modules.care.tests.conftest import png

SMS = override_settings(SMS_BACKEND="core.sms.OutboxSmsBackend")
PUBLIC = "13600001234"


@pytest.fixture(autouse=True)
def _empty_outbox():
    OutboxSmsBackend.outbox.clear()
    yield
    OutboxSmsBackend.outbox.clear()


def code_for(phone: str) -> str:
    message = [m for m in OutboxSmsBackend.outbox if m.phone == phone][-1]
    return re.search(r"\d{6}", message.text).group(0)


def donor_login(client: Client, phone: str, next_url: str = "") -> object:
    url = reverse("care:donor_login")
    assert "验证码已发送" in client.post(url, {"phone": phone, "next": next_url}).content.decode()
    return client.post(url, {"phone": phone, "code": code_for(phone), "next": next_url, "consent": "on"})


@SMS
def test_a_member_of_the_public_logs_in_by_phone_and_claims_and_delivers_a_wish(world, published):
    assert not Member.objects.filter(phone=PUBLIC).exists()
    client = Client()
    # The worker login still refuses the number (only the roster logs in there).
    client.post(reverse("core:worker_login"), {"phone": PUBLIC})
    assert not OutboxSmsBackend.outbox
    # Claiming without a login leads to the public phone login, and back to the wish.
    public_page = reverse("care:wish_public", args=[published.pk])
    assert "爱心人士手机号登录" in client.get(public_page).content.decode()
    to_login = client.post(reverse("care:wish_claim", args=[published.pk]))
    assert to_login.status_code == 302 and to_login["Location"].startswith(reverse("care:donor_login"))
    response = donor_login(client, PUBLIC, next_url=public_page)
    assert response.status_code == 302 and response["Location"] == public_page
    user = User.objects.get(phone=PUBLIC)
    assert PUBLIC not in user.username and not user.has_usable_password() and not user.is_staff
    assert not user.roles.exists() and not Member.objects.filter(user=user).exists()
    # A second login finds the same account.
    donor_login(Client(), PUBLIC)
    assert User.objects.filter(phone=PUBLIC).count() == 1

    client.post(reverse("care:wish_claim", args=[published.pk]), {"donor_name": "热心市民"})
    claim = WishClaim.objects.get(wish=published)
    assert claim.donor == user and claim.donor_kind == WishClaim.DonorKind.PUBLIC and claim.donor_name == "热心市民"
    # Before the union confirms, the wisher's contact and name are hidden from the donor.
    page = client.get(reverse("care:contribution", args=[claim.pk])).content.decode()
    assert "张小明" not in page and world.worker_a1.phone not in page
    services.claim_confirm(actor=world.admin_a1, claim=claim)
    services.claim_deliver(actor=user, claim=claim, upload=png())
    claim.refresh_from_db()
    assert claim.status == WishClaim.Status.DELIVERED
    # The donor's own pages hold nothing of the worker programmes.
    assert client.get(reverse("core:my_data")).status_code in (302, 403, 404)


@SMS
def test_a_staff_account_is_never_entered_by_sms(world):
    world.district_staff.phone = "13600009999"
    world.district_staff.save(update_fields=["phone"])
    client = Client()
    response = donor_login(client, "13600009999")
    assert response.status_code == 200 and "请使用用户名和密码登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


@SMS
def test_a_member_logging_in_here_is_the_same_worker(world):
    client = Client()
    donor_login(client, world.worker_a1.phone)
    assert int(client.session["_auth_user_id"]) == world.worker_a1.user.pk
    assert User.objects.filter(phone=world.worker_a1.phone).count() == 1


@SMS
def test_codes_are_limited_like_the_workers_login_and_bad_input_is_explained(world):
    client = Client()
    url = reverse("care:donor_login")
    assert "11 位" in client.post(url, {"phone": "12345"}).content.decode()
    for _ in range(5):
        assert "验证码已发送" in client.post(url, {"phone": PUBLIC}).content.decode()
    assert "过于频繁" in client.post(url, {"phone": PUBLIC}).content.decode()
    wrong = client.post(url, {"phone": PUBLIC, "code": "000000" if code_for(PUBLIC) != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    assert not User.objects.filter(phone=PUBLIC).exists()
    # A hostile next is ignored.
    good = client.post(url, {"phone": PUBLIC, "code": code_for(PUBLIC), "next": "https://evil.example/", "consent": "on"})
    assert good.status_code == 302 and good["Location"] == reverse("care:wishes")
