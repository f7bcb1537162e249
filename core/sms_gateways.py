"""Real SMS gateways: Alibaba Cloud SMS (dysmsapi 2017-05-25) and Tencent Cloud SMS (2021-01-11).

Each goes through the provider's official Python SDK. A gateway sends an approved *template*, not
free text: the sign name (签名), the template id and the names of its variables come from the
environment (``SMS_SIGN_NAME``, ``SMS_TEMPLATE_ID``, ``SMS_TEMPLATE_PARAMS``), the values from the
message (``code``, ``minutes``). ``SMS_ENDPOINT`` points a gateway elsewhere (the tests' fake server).

A refused or failed send raises ``SmsSendFailed``: a Chinese message for the worker (rate limited,
number cannot receive, service unavailable) and one log line for staff with the provider's code,
its request id and the masked phone — never a key, a secret or the code. A send is tried once:
no retry loop (a retried code may arrive twice, and the provider counts every try).
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApiError
from core.sms import SmsBackend, SmsMessage

log = logging.getLogger("unionhub.sms")

RATE_LIMITED, INVALID_PHONE, CONFIG, FAILED = "rate_limited", "invalid_phone", "config", "failed"

# Aliyun's documented codes (SendSms: 200 with {"Code": ...}; a gateway refusal is 4xx with the same body).
ALIYUN_KINDS = {
    "isv.BUSINESS_LIMIT_CONTROL": RATE_LIMITED,
    "isv.DAY_LIMIT_CONTROL": RATE_LIMITED,
    "isv.BUSINESS_LIMIT_HOUR": RATE_LIMITED,
    "isv.BUSINESS_LIMIT_DAY": RATE_LIMITED,
    "Throttling.User": RATE_LIMITED,
    "isv.MOBILE_NUMBER_ILLEGAL": INVALID_PHONE,
    "isv.PHONE_NUMBER_ILLEGAL": INVALID_PHONE,
    "isv.BLACK_KEY_CONTROL_LIMIT": INVALID_PHONE,
    "isv.SMS_SIGNATURE_ILLEGAL": CONFIG,
    "isv.SMS_SIGN_NAME_ILLEGAL": CONFIG,
    "isv.SMS_TEMPLATE_ILLEGAL": CONFIG,
    "isv.TEMPLATE_MISSING_PARAMETERS": CONFIG,
    "isv.INVALID_JSON_PARAM": CONFIG,
    "isv.AMOUNT_NOT_ENOUGH": CONFIG,
    "isv.OUT_OF_SERVICE": CONFIG,
    "isv.PRODUCT_UN_SUBSCRIPT": CONFIG,
    "isv.ACCOUNT_NOT_EXISTS": CONFIG,
    "isv.ACCOUNT_ABNORMAL": CONFIG,
    "isp.RAM_PERMISSION_DENY": CONFIG,
    "InvalidAccessKeyId.NotFound": CONFIG,
    "SignatureDoesNotMatch": CONFIG,
}

# Tencent's: per number in SendStatusSet[].Code ("Ok" on success), or the whole call's Response.Error.Code.
TENCENT_PREFIX_KINDS = (
    ("LimitExceeded.", RATE_LIMITED),
    ("RequestLimitExceeded", RATE_LIMITED),
    ("InvalidParameterValue.IncorrectPhoneNumber", INVALID_PHONE),
    ("FailedOperation.PhoneNumberInBlacklist", INVALID_PHONE),
    ("UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber", INVALID_PHONE),
    ("FailedOperation.SignatureIncorrectOrUnapproved", CONFIG),
    ("FailedOperation.TemplateIncorrectOrUnapproved", CONFIG),
    ("FailedOperation.InsufficientBalanceInSmsPackage", CONFIG),
    ("FailedOperation.MissingSignature", CONFIG),
    ("FailedOperation.MissingTemplate", CONFIG),
    ("InvalidParameterValue.SdkAppIdNotExist", CONFIG),
    ("InvalidParameterValue.TemplateParameterFormatError", CONFIG),
    ("AuthFailure", CONFIG),
    ("UnauthorizedOperation", CONFIG),
)

# What staff read next to the code (the worker only sees the short message of the kind).
STAFF_HINTS = {
    RATE_LIMITED: "provider rate limit for this number",
    INVALID_PHONE: "provider refuses the number",
    CONFIG: "gateway configuration: sign name / template not approved, keys or balance — check SMS_* settings",
    FAILED: "provider or network failure",
}


def _message(kind: str) -> tuple[str, str, int]:
    if kind == RATE_LIMITED:
        return "sms_rate_limited", _("短信发送过于频繁（短信服务商限制），请稍后再试"), 429
    if kind == INVALID_PHONE:
        return "sms_invalid_phone", _("该手机号暂时无法接收短信，请核对号码或联系所在基层工会"), 422
    if kind == CONFIG:
        return "sms_unavailable", _("短信服务暂时不可用，请稍后再试或联系所在基层工会"), 503
    return "sms_failed", _("验证码短信发送失败，请稍后再试"), 503


class SmsSendFailed(ApiError):
    def __init__(self, kind: str):
        code, message, status = _message(kind)
        super().__init__(code, message, field="phone", status=status)
        self.kind = kind


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def template_params(message: SmsMessage) -> list[tuple[str, str]]:
    """``SMS_TEMPLATE_PARAMS`` ("code" or "code,minutes" or "num=code"): (template variable, value)."""
    pairs = []
    for item in (settings.SMS_TEMPLATE_PARAMS or "code").split(","):
        item = item.strip()
        if not item:
            continue
        name, _sep, ours = item.partition("=")
        pairs.append((name.strip(), str(message.params.get((ours or name).strip(), ""))))
    return pairs


def _endpoint() -> tuple[str | None, str | None]:
    """``SMS_ENDPOINT`` as (scheme, host[:port]); (None, None) for the provider's default."""
    raw = (settings.SMS_ENDPOINT or "").strip()
    if not raw:
        return None, None
    if "://" not in raw:
        return "https", raw
    parts = urlsplit(raw)
    return parts.scheme, parts.netloc


class GatewaySmsBackend(SmsBackend):
    provider = ""
    required_settings: tuple[str, ...] = ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_TEMPLATE_ID")

    @classmethod
    def missing_settings(cls) -> list[str]:
        return [name for name in cls.required_settings if not getattr(settings, name, "")]

    def send(self, message: SmsMessage) -> None:
        if self.missing_settings():
            log.error(
                "SMS provider=%s not configured (missing %s): message to %s not sent",
                self.provider,
                ", ".join(self.missing_settings()),
                masked(message.phone),
            )
            raise SmsSendFailed(CONFIG)
        try:
            request_id = self._send(message)
        except _Refused as refusal:
            log.error(
                "SMS provider=%s refused: code=%s kind=%s (%s) provider_message=%s request_id=%s phone=%s",
                self.provider,
                refusal.code,
                refusal.kind,
                STAFF_HINTS[refusal.kind],
                refusal.text[:200],
                refusal.request_id,
                masked(message.phone),
            )
            raise SmsSendFailed(refusal.kind) from None
        except Exception as exc:  # network, TLS, timeout, malformed answer: one try, no loop
            log.error("SMS provider=%s failed: %s phone=%s", self.provider, exc.__class__.__name__, masked(message.phone))
            raise SmsSendFailed(FAILED) from None
        log.info("SMS provider=%s sent: request_id=%s phone=%s", self.provider, request_id, masked(message.phone))

    def _send(self, message: SmsMessage) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class _Refused(Exception):
    def __init__(self, code: str, kind: str, text: str = "", request_id: str = ""):
        super().__init__(code)
        self.code, self.kind, self.text, self.request_id = code, kind, text or "", request_id or ""


class AliyunSmsBackend(GatewaySmsBackend):
    """Alibaba Cloud SMS through ``alibabacloud-dysmsapi20170525``."""

    provider = "aliyun"
    # Aliyun's default flow control for verification codes: 1 a minute, 5 an hour, 10 a day per number.
    limits = ((1, 60), (5, 3600), (10, 86400))

    def _send(self, message: SmsMessage) -> str:
        from alibabacloud_dysmsapi20170525 import models as sms_models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import utils_models as open_api_models
        from darabonba.runtime import RuntimeOptions

        scheme, host = _endpoint()
        timeout_ms = int(settings.SMS_TIMEOUT_SECONDS * 1000)
        config = open_api_models.Config(
            access_key_id=settings.SMS_ACCESS_KEY_ID,
            access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
            endpoint=host or "dysmsapi.aliyuncs.com",
            protocol=scheme or "https",
            read_timeout=timeout_ms,
            connect_timeout=timeout_ms,
        )
        request = sms_models.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=settings.SMS_TEMPLATE_ID,
            template_param=json.dumps(dict(template_params(message)), ensure_ascii=False),
        )
        runtime = RuntimeOptions(autoretry=False, max_attempts=1, read_timeout=timeout_ms, connect_timeout=timeout_ms)
        try:
            response = Client(config).send_sms_with_options(request, runtime)
        except Exception as exc:
            code = getattr(exc, "code", None)
            if not code:
                raise
            data = getattr(exc, "data", None) or {}
            raise _Refused(
                str(code), ALIYUN_KINDS.get(str(code), FAILED), str(data.get("Message", "")), str(data.get("RequestId", ""))
            ) from None
        body = response.body
        if body.code != "OK":
            raise _Refused(body.code or "", ALIYUN_KINDS.get(body.code or "", FAILED), body.message or "", body.request_id or "")
        return body.request_id or ""


class TencentSmsBackend(GatewaySmsBackend):
    """Tencent Cloud SMS through ``tencentcloud-sdk-python-sms`` (API 2021-01-11)."""

    provider = "tencent"
    required_settings = (*GatewaySmsBackend.required_settings, "SMS_SDK_APP_ID")
    # Tencent's default policy: 1 per 30 seconds, 5 an hour, 10 a day per number.
    limits = ((1, 30), (5, 3600), (10, 86400))

    def _send(self, message: SmsMessage) -> str:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        scheme, host = _endpoint()
        http = HttpProfile(
            protocol=scheme or "https", endpoint=host or "sms.tencentcloudapi.com", reqTimeout=int(settings.SMS_TIMEOUT_SECONDS)
        )
        client = sms_client.SmsClient(
            credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET),
            settings.SMS_REGION,
            ClientProfile(httpProfile=http),  # no retryer: one try
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + message.phone]
        request.SmsSdkAppId = settings.SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = settings.SMS_TEMPLATE_ID
        request.TemplateParamSet = [value for _name, value in template_params(message)]
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or ""
            if code == "ClientNetworkError" or not code:
                raise
            raise _Refused(code, tencent_kind(code), exc.get_message() or "", exc.get_request_id() or "") from None
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise _Refused("NoStatus", FAILED, "", response.RequestId or "")
        if status.Code != "Ok":
            raise _Refused(status.Code or "", tencent_kind(status.Code or ""), status.Message or "", response.RequestId or "")
        return response.RequestId or ""


def tencent_kind(code: str) -> str:
    for prefix, kind in TENCENT_PREFIX_KINDS:
        if code.startswith(prefix):
            return kind
    return FAILED
