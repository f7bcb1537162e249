"""Issue 26: the optional WeChat web login against a local fake of WeChat's OAuth endpoints.

The fake answers ``/sns/oauth2/access_token`` as WeChat documents it: ``{"access_token", "expires_in",
"refresh_token", "openid", "scope", "unionid"}`` for a good code, ``{"errcode": 40029, "errmsg":
"invalid code"}`` for a bad one. The first WeChat login asks for one SMS check and binds the openid;
the next one needs no code. Off unless the AppID and AppSecret are configured.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from core.models import WechatBinding
from core.sms import OutboxSmsBackend
from core.tests.fake_http import FakeServer

PHONE = "13800000001"
SECRET = "wx-app-secret-never-logged-42"
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; wv) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560 NetType/WIFI"
)


@pytest.fixture
def wx():
    server = FakeServer().start()
    codes = {"good-code": {"openid": "oXyZ_openid_123", "unionid": "uAbC_union_9"}}

    def answer(request):
        q = request.query
        assert request.path == "/sns/oauth2/access_token" and q["grant_type"] == "authorization_code"
        if q["appid"] != "wx1234567890" or q["secret"] != SECRET:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        who = codes.pop(q["code"], None)  # a code works once
        if who is None:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        return 200, {"access_token": "ACCESS", "expires_in": 7200, "refresh_token": "REFRESH", "scope": "snsapi_base", **who}

    server.answer = answer
    server.codes = codes
    with override_settings(
        WECHAT_APP_ID="wx1234567890",
        WECHAT_APP_SECRET=SECRET,
        WECHAT_API_BASE=server.url,
        WECHAT_AUTHORIZE_URL=server.url + "/connect/oauth2/authorize",
        SMS_BACKEND="core.sms.OutboxSmsBackend",
    ):
        yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean():
    OutboxSmsBackend.outbox.clear()
    cache.delete_many([f"otp:phone:{PHONE}", "otp:ip:127.0.0.1"])
    yield
    OutboxSmsBackend.outbox.clear()


def _start(client, next_url="/bags/me/") -> dict:
    response = client.get(reverse("core:wechat_login"), {"next": next_url})
    assert response.status_code == 302
    location = response["Location"]
    assert location.endswith("#wechat_redirect")
    parts = urlsplit(location)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["appid"] == "wx1234567890" and q["response_type"] == "code" and q["scope"] == "snsapi_base"
    assert q["redirect_uri"].endswith(reverse("core:wechat_callback"))
    return q


def _sms_login(client, phone=PHONE):
    client.post(reverse("core:worker_login"), {"phone": phone})
    code = re.search(r"\d{6}", OutboxSmsBackend.outbox[-1].text).group(0)
    return client.post(reverse("core:worker_login"), {"phone": phone, "code": code, "next": "/bags/me/"})


def test_off_unless_configured(world):
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    assert client.get(reverse("core:wechat_login")).status_code == 404
    assert client.get(reverse("core:wechat_callback"), {"code": "x", "state": "y"}).status_code == 404
    assert "微信一键登录" not in client.get(reverse("core:worker_login")).content.decode()


def test_first_login_checks_the_phone_once_then_wechat_alone_logs_in(world, wx):
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    assert "微信一键登录" in client.get(reverse("core:worker_login")).content.decode()
    q = _start(client)
    back = client.get(reverse("core:wechat_callback"), {"code": "good-code", "state": q["state"]})
    assert back.status_code == 302 and reverse("core:worker_login") in back["Location"] and "next=%2Fbags%2Fme%2F" in back["Location"]
    page = client.get(back["Location"]).content.decode()
    assert "首次使用微信登录" in page and "将绑定您的微信" in page
    assert "_auth_user_id" not in client.session
    done = _sms_login(client)
    assert done.status_code == 302 and done["Location"] == "/bags/me/"
    binding = WechatBinding.objects.get(openid="oXyZ_openid_123")
    assert binding.unionid == "uAbC_union_9" and binding.user.phone == PHONE
    # next time, in a fresh WeChat session: no SMS at all
    OutboxSmsBackend.outbox.clear()
    wx.codes["second-code"] = {"openid": "oXyZ_openid_123"}
    again = Client(HTTP_USER_AGENT=WECHAT_UA)
    q = _start(again)
    landed = again.get(reverse("core:wechat_callback"), {"code": "second-code", "state": q["state"]})
    assert landed.status_code == 302 and landed["Location"] == "/bags/me/"
    assert int(again.session["_auth_user_id"]) == binding.user_id and not OutboxSmsBackend.outbox
    # the session cookie survives the cross-site redirect back from WeChat (SameSite=Lax, not Strict)
    assert landed.cookies["sessionid"]["samesite"] == "Lax"


def test_a_wrong_or_replayed_state_logs_nobody_in_and_never_spends_the_code(world, wx):
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    _start(client)
    back = client.get(reverse("core:wechat_callback"), {"code": "good-code", "state": "forged"})
    assert back.status_code == 302 and "_auth_user_id" not in client.session
    assert "微信登录已失效" in client.get(back["Location"]).content.decode()
    assert not wx.requests  # the code was never exchanged
    # without having started at all
    stranger = Client()
    stranger.get(reverse("core:wechat_callback"), {"code": "good-code", "state": "x"})
    assert "_auth_user_id" not in stranger.session and not wx.requests


def test_wechat_refusals_are_told_in_chinese_and_logged_without_the_secret(world, wx, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    q = _start(client)
    back = client.get(reverse("core:wechat_callback"), {"code": "no-such-code", "state": q["state"]})
    assert "微信登录暂时不可用" in client.get(back["Location"]).content.decode()
    assert "errcode=40029" in caplog.text and SECRET not in caplog.text
    assert len(wx.requests) == 1  # one try


def test_declining_on_wechats_page_falls_back_to_the_phone(world, wx):
    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    q = _start(client)
    back = client.get(reverse("core:wechat_callback"), {"state": q["state"]})
    assert "未授权微信登录" in client.get(back["Location"]).content.decode() and not wx.requests


def test_a_closed_account_loses_its_wechat_binding(world, wx):
    from core.privacy import member_account_close

    client = Client(HTTP_USER_AGENT=WECHAT_UA)
    q = _start(client)
    client.get(reverse("core:wechat_callback"), {"code": "good-code", "state": q["state"]})
    _sms_login(client)
    assert WechatBinding.objects.filter(openid="oXyZ_openid_123").exists()
    member_account_close(member=world.worker_a1, actor=world.worker_a1.user)
    assert not WechatBinding.objects.exists()


def test_the_login_button_shows_only_inside_wechat(world, wx):
    assert "微信一键登录" not in Client().get(reverse("core:worker_login")).content.decode()
