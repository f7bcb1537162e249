"""Kernel writes: one-time phone codes and worker login, staff accounts, roles."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import ApiError, Invalid
from core.models import ConsentRecord, Member, PhoneOTP, RoleAssignment, User
from core.sms import send_sms

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(raw: str, field: str = "phone") -> str:
    phone = re.sub(r"[\s\-]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise Invalid("invalid_phone", _("请输入 11 位中国大陆手机号"), field=field)
    return phone


def _otp_hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _rate_limit(key: str, limit: int, window_seconds: int) -> bool:
    """True while under the limit; counts in the cache (Redis in production)."""
    added = cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, window_seconds)
        count = 1
    del added
    return count <= limit


def otp_request(*, phone: str, ip: str | None) -> PhoneOTP:
    """Send a six-digit login code by SMS, limited per phone and per IP."""
    phone = normalise_phone(phone)
    if not _rate_limit(f"otp:phone:{phone}", settings.OTP_MAX_PER_PHONE_PER_HOUR, 3600):
        raise ApiError("otp_rate_limited", _("验证码发送过于频繁，请稍后再试"), field="phone", status=429)
    if ip and not _rate_limit(f"otp:ip:{ip}", settings.OTP_MAX_PER_IP_PER_HOUR, 3600):
        raise ApiError("otp_rate_limited", _("验证码发送过于频繁，请稍后再试"), field="phone", status=429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    otp = PhoneOTP.objects.create(
        phone=phone,
        code_hash=_otp_hash(phone, code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
        ip=ip,
    )
    send_sms(phone, _("【西城工会】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。") % {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60})
    return otp


@transaction.atomic
def otp_verify(*, phone: str, code: str) -> User:
    """Check the newest unused code for the phone; on success return (or create) the worker's user.

    A code is single-use, expires, and allows a few attempts; only a phone on a union roster
    can log in as a worker (the roster is the membership).
    """
    phone = normalise_phone(phone)
    code = (code or "").strip()
    otp = (
        PhoneOTP.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if otp is None:
        raise Invalid("otp_expired", _("验证码已过期或未发送，请重新获取"), field="code")
    if otp.attempts >= settings.OTP_MAX_ATTEMPTS:
        raise Invalid("otp_too_many_attempts", _("验证码错误次数过多，请重新获取"), field="code")
    if not hmac.compare_digest(otp.code_hash, _otp_hash(phone, code)):
        PhoneOTP.objects.filter(pk=otp.pk).update(attempts=otp.attempts + 1)
        raise Invalid("otp_wrong", _("验证码不正确"), field="code")
    otp.used_at = timezone.now()
    otp.save(update_fields=["used_at"])
    return worker_user_for_phone(phone)


def worker_user_for_phone(phone: str) -> User:
    member = Member.objects.select_related("user").filter(phone=phone, status=Member.Status.ACTIVE).first()
    if member is None:
        raise Invalid("not_a_member", _("该手机号不在任何工会会员名册中，请联系所在基层工会"), field="phone")
    if member.user_id:
        return member.user
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User(username=f"m{phone}", phone=phone, display_name=member.name)
        user.set_unusable_password()
        user.save()
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return user


def staff_user_create(*, actor, username: str, password: str, display_name: str, role: str, organisation) -> User:
    user = User.objects.create_user(username=username, password=password, display_name=display_name)
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    audit(actor=actor, action="user.create", obj=user, changes={"role": role, "organisation": organisation.pk}, organisation=organisation)
    return user


def ranking_consent_set(*, member: Member, granted: bool) -> Member:
    """A worker agrees (or no longer agrees) to show their masked name on public rankings."""
    with transaction.atomic():
        member.ranking_consent = granted
        member.save(update_fields=["ranking_consent", "updated_at"])
        ConsentRecord.objects.create(member=member, purpose="ranking_name", granted=granted)
    return member
