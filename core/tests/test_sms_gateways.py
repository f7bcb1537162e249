"""Issue 26: the Alibaba Cloud and Tencent Cloud SMS adapters against local fakes of their APIs.

Each fake speaks the provider's documented format: Aliyun's API (``x-acs-action: SendSms``,
``x-acs-version: 2017-05-25``, the V3 signature ACS3-HMAC-SHA256 over the canonical request, answer
``{"Code": "OK", ...}`` or an ``isv.*`` code) and Tencent's API 3.0 (JSON body, ``X-TC-Action:
SendSms``, ``X-TC-Version: 2021-01-11``, a TC3-HMAC-SHA256 signature, answer ``Response.SendStatusSet``
with ``Code: "Ok"`` or ``LimitExceeded.*`` etc., or ``Response.Error``). The fakes check the
signatures with the configured secret, so the SDKs really are called the documented way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.checks import run_checks
from django.test import Client, override_settings
from django.urls import reverse

from core.models import PhoneOTP
from core.tests.fake_http import FakeServer

PHONE = "13800000001"  # on the world's roster
KEY_ID, SECRET = "LTAI-test-key-id", "s3cr3t-never-in-a-log-0123456789"

GATEWAY = {
    "SMS_SIGN_NAME": "西城工会",
    "SMS_TEMPLATE_ID": "SMS_123456789",
    "SMS_TEMPLATE_PARAMS": "code,minutes",
    "SMS_ACCESS_KEY_ID": KEY_ID,
    "SMS_ACCESS_KEY_SECRET": SECRET,
    "SMS_SDK_APP_ID": "1400006666",
    "SMS_REGION": "ap-beijing",
    "SMS_TIMEOUT_SECONDS": 3,
}


@pytest.fixture(autouse=True)
def fresh_limits():
    def clear():
        cache.delete_many(
            [f"otp:phone:{p}" for p in (PHONE, "13600000000")]
            + [f"sms:{s}:{p}" for s in (30, 60, 3600, 86400) for p in (PHONE, "13600000000")]
            + ["otp:ip:127.0.0.1"]
        )

    clear()
    yield
    clear()


@pytest.fixture
def fake():
    server = FakeServer().start()
    yield server
    server.stop()


def _login(phone=PHONE) -> str:
    return Client().post(reverse("core:worker_login"), {"phone": phone}).content.decode()


# --- Aliyun -----------------------------------------------------------------------------------


def _pct(value: str) -> str:
    return quote(value, safe="~")


def aliyun_signature_ok(request) -> bool:
    """Aliyun's V3 request signature (ACS3-HMAC-SHA256), recomputed with the configured secret."""
    auth = request.headers.get("authorization", "")
    algorithm, _sp, rest = auth.partition(" ")
    fields = dict(part.split("=", 1) for part in rest.split(","))
    signed = fields["SignedHeaders"]
    query = "&".join(f"{k}={_pct(v)}" for k, v in sorted(request.query.items()))
    headers = "".join(f"{h}:{request.headers[h].strip()}\n" for h in signed.split(";"))
    payload = hashlib.sha256(request.body).hexdigest()
    if request.headers.get("x-acs-content-sha256") != payload:
        return False
    canonical = f"{request.method}\n/\n{query}\n{headers}\n{signed}\n{payload}"
    to_sign = f"{algorithm}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    expected = hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return algorithm == "ACS3-HMAC-SHA256" and fields["Credential"] == KEY_ID and hmac.compare_digest(fields["Signature"], expected)


def aliyun(code="OK", message="OK", status=200):
    def answer(request):
        if not aliyun_signature_ok(request):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched", "RequestId": "R-SIG"}
        assert request.headers["x-acs-action"] == "SendSms" and request.headers["x-acs-version"] == "2017-05-25"
        body = {"Code": code, "Message": message, "RequestId": "A1B2-REQ"}
        if code == "OK":
            body["BizId"] = "900619746936498440^0"
        return status, body

    return answer


def aliyun_settings(fake):
    return override_settings(SMS_BACKEND="core.sms_gateways.AliyunSmsBackend", SMS_ENDPOINT=fake.url, **GATEWAY)


def test_aliyun_sends_the_template_with_the_code(world, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.answer = aliyun()
    with aliyun_settings(fake):
        page = _login()
    assert "验证码已发送" in page
    (request,) = fake.requests
    params = {**request.query, **request.form}
    assert params["PhoneNumbers"] == PHONE and params["SignName"] == "西城工会" and params["TemplateCode"] == "SMS_123456789"
    assert request.headers["authorization"].startswith(f"ACS3-HMAC-SHA256 Credential={KEY_ID},")
    template = json.loads(params["TemplateParam"])
    assert set(template) == {"code", "minutes"} and len(template["code"]) == 6 and template["minutes"] == "5"
    assert "A1B2-REQ" in caplog.text and "138****0001" in caplog.text
    assert SECRET not in caplog.text
    assert template["code"] not in "".join(r.getMessage() for r in caplog.records if r.name.startswith("unionhub"))


@pytest.mark.parametrize(
    "code,words,status_word",
    [
        ("isv.BUSINESS_LIMIT_CONTROL", "过于频繁", "rate_limited"),
        ("isv.MOBILE_NUMBER_ILLEGAL", "无法接收短信", "invalid_phone"),
        ("isv.SMS_SIGNATURE_ILLEGAL", "短信服务暂时不可用", "config"),
        ("isv.SMS_TEMPLATE_ILLEGAL", "短信服务暂时不可用", "config"),
        ("isp.SYSTEM_ERROR", "发送失败", "failed"),
    ],
)
def test_aliyun_refusals_are_told_in_chinese_logged_for_staff_and_not_retried(world, fake, caplog, code, words, status_word):
    caplog.set_level(logging.DEBUG)
    fake.answer = aliyun(code, "the provider's own words")
    with aliyun_settings(fake):
        page = _login()
    assert words in page and "验证码已发送" not in page
    assert len(fake.requests) == 1  # tried once: no retry loop
    staff = [r for r in caplog.records if r.name == "unionhub.sms" and r.levelno >= logging.ERROR]
    assert staff and code in staff[0].getMessage() and status_word in staff[0].getMessage() and "A1B2-REQ" in staff[0].getMessage()
    assert SECRET not in caplog.text
    assert not PhoneOTP.objects.filter(phone=PHONE).exists()  # a code that was not sent leaves no row


def test_aliyun_wrong_secret_is_a_configuration_error(world, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.answer = aliyun()
    with aliyun_settings(fake), override_settings(SMS_ACCESS_KEY_SECRET="another-secret-value"):
        page = _login()
    assert "短信服务暂时不可用" in page and len(fake.requests) == 1
    assert "SignatureDoesNotMatch" in caplog.text and "another-secret-value" not in caplog.text


def test_aliyun_limits_are_honoured_before_the_gateway_is_asked(world, fake):
    fake.answer = aliyun()
    with aliyun_settings(fake):
        first, second = _login(), _login()
        stranger = [_login("13600000000"), _login("13600000000")]
    assert "验证码已发送" in first and "1 分钟后再试" in second
    assert len(fake.requests) == 1  # the second never reached the provider
    # a number on no roster meets the same limit (the answers do not tell who is a member)
    assert "验证码已发送" in stranger[0] and "1 分钟后再试" in stranger[1]


def test_an_unreachable_gateway_is_one_try_and_a_clear_message(world, caplog):
    caplog.set_level(logging.DEBUG)
    server = FakeServer().start()
    url = server.url
    server.stop()  # nothing listens there now
    with override_settings(SMS_BACKEND="core.sms_gateways.AliyunSmsBackend", SMS_ENDPOINT=url, **GATEWAY):
        page = _login()
    assert "验证码短信发送失败" in page
    assert SECRET not in caplog.text


# --- Tencent ----------------------------------------------------------------------------------


def tencent_signature_ok(request) -> bool:
    auth = request.headers["authorization"]
    algorithm, _sp, rest = auth.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    secret_id, date, service, _term = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{h}:{request.headers[h].lower() if h == 'content-type' else request.headers[h]}\n" for h in signed)
    canonical = "\n".join([request.method, "/", "", canonical_headers, fields["SignedHeaders"], hashlib.sha256(request.body).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([algorithm, request.headers["x-tc-timestamp"], scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def _h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = _h(_h(_h(f"TC3{SECRET}".encode(), date), service), "tc3_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return secret_id == KEY_ID and hmac.compare_digest(expected, fields["Signature"])


def tencent(code="Ok", message="send success", error=None):
    def answer(request):
        if not tencent_signature_ok(request):
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"}, "RequestId": "T-SIG"}}
        assert request.headers["x-tc-action"] == "SendSms" and request.headers["x-tc-version"] == "2021-01-11"
        if error:
            return 200, {"Response": {"Error": {"Code": error, "Message": message}, "RequestId": "T-REQ-9"}}
        phone = request.json["PhoneNumberSet"][0]
        status = {
            "SerialNo": "5000:1045710669157053657849499619",
            "PhoneNumber": phone,
            "Fee": 1,
            "SessionContext": "",
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "T-REQ-9"}}

    return answer


def tencent_settings(fake):
    return override_settings(SMS_BACKEND="core.sms_gateways.TencentSmsBackend", SMS_ENDPOINT=fake.url, **GATEWAY)


def test_tencent_sends_the_template_with_the_code(world, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.answer = tencent()
    with tencent_settings(fake):
        page = _login()
    assert "验证码已发送" in page
    (request,) = fake.requests
    body = request.json
    assert body["PhoneNumberSet"] == ["+86" + PHONE] and body["SmsSdkAppId"] == "1400006666"
    assert body["SignName"] == "西城工会" and body["TemplateId"] == "SMS_123456789"
    code, minutes = body["TemplateParamSet"]
    assert len(code) == 6 and code.isdigit() and minutes == "5"
    assert request.headers["x-tc-region"] == "ap-beijing"
    assert "T-REQ-9" in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize(
    "code,error,words,kind",
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", None, "过于频繁", "rate_limited"),
        ("LimitExceeded.PhoneNumberDailyLimit", None, "过于频繁", "rate_limited"),
        ("InvalidParameterValue.IncorrectPhoneNumber", None, "无法接收短信", "invalid_phone"),
        ("FailedOperation.SignatureIncorrectOrUnapproved", None, "短信服务暂时不可用", "config"),
        ("FailedOperation.TemplateIncorrectOrUnapproved", None, "短信服务暂时不可用", "config"),
        ("", "AuthFailure.SecretIdNotFound", "短信服务暂时不可用", "config"),
        ("", "RequestLimitExceeded", "过于频繁", "rate_limited"),
        ("", "InternalError.Timeout", "发送失败", "failed"),
    ],
)
def test_tencent_refusals_are_told_in_chinese_logged_for_staff_and_not_retried(world, fake, caplog, code, error, words, kind):
    caplog.set_level(logging.DEBUG)
    fake.answer = tencent(code, "the provider's own words", error=error)
    with tencent_settings(fake):
        page = _login()
    assert words in page and "验证码已发送" not in page
    assert len(fake.requests) == 1
    staff = [r.getMessage() for r in caplog.records if r.name == "unionhub.sms" and r.levelno >= logging.ERROR]
    assert staff and (code or error) in staff[0] and kind in staff[0] and "T-REQ-9" in staff[0] and "138****0001" in staff[0]
    assert SECRET not in caplog.text
    assert not PhoneOTP.objects.filter(phone=PHONE).exists()


def test_tencent_wrong_secret_is_refused_by_the_fake_and_logged_without_it(world, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.answer = tencent()
    with tencent_settings(fake), override_settings(SMS_ACCESS_KEY_SECRET="a-wrong-secret-value"):
        page = _login()
    assert "短信服务暂时不可用" in page and "AuthFailure.SignatureFailure" in caplog.text
    assert "a-wrong-secret-value" not in caplog.text


def test_tencent_limits_are_honoured_before_the_gateway_is_asked(world, fake):
    fake.answer = tencent()
    with tencent_settings(fake):
        answers = [_login() for _ in range(2)]
    assert "验证码已发送" in answers[0] and "过于频繁" in answers[1] and len(fake.requests) == 1


# --- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["core.sms_gateways.AliyunSmsBackend", "core.sms_gateways.TencentSmsBackend"])
def test_a_gateway_without_its_settings_does_not_start(backend):
    with override_settings(
        SMS_BACKEND=backend, SMS_ACCESS_KEY_ID="", SMS_ACCESS_KEY_SECRET="", SMS_SIGN_NAME="", SMS_TEMPLATE_ID="", SMS_SDK_APP_ID=""
    ):
        errors = [m for m in run_checks(tags=["unionhub"]) if m.id == "unionhub.E003"]
    assert errors and "SMS_ACCESS_KEY_SECRET" in errors[0].msg
    with override_settings(SMS_BACKEND=backend, **GATEWAY):
        assert not [m for m in run_checks(tags=["unionhub"]) if m.id == "unionhub.E003"]


def test_the_short_names_choose_the_backends(monkeypatch):
    from config.settings import base

    assert base.SMS_BACKENDS["aliyun"].endswith("AliyunSmsBackend") and base.SMS_BACKENDS["tencent"].endswith("TencentSmsBackend")
    assert base.SMS_BACKENDS["console"] == "core.sms.ConsoleSmsBackend"


def test_the_sdks_do_not_write_whole_requests_to_a_debug_log():
    from django.conf import settings

    for name in ("tencentcloud_sdk_common", "urllib3"):
        assert settings.LOGGING["loggers"][name]["level"] == "WARNING"
