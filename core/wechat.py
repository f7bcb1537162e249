"""Optional WeChat web login: the official account's web authorisation (网页授权, OAuth 2.0).

1. ``/login/wechat/`` sends the worker to WeChat's authorize page with a one-time ``state`` kept in
   the session (``snsapi_base``: silent, openid only).
2. WeChat sends them back to ``/login/wechat/callback/?code=…&state=…``; the server exchanges the
   code for an access token and the ``openid`` (and ``unionid`` when present) at
   ``/sns/oauth2/access_token``.
3. A bound openid logs its worker in. An unbound one is kept in the session for ten minutes and the
   worker logs in once with an SMS code; that login binds it (``WechatBinding``).

On only when ``WECHAT_APP_ID`` and ``WECHAT_APP_SECRET`` are set (never in the demo). The secret
never reaches a log: the staff log line carries WeChat's errcode and errmsg only.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from core.audit import audit
from core.models import Member, WechatBinding

log = logging.getLogger("unionhub.wechat")

PENDING_KEY = "wechat_pending"
STATE_KEY = "wechat_oauth"
PENDING_SECONDS = 600


class WechatError(Exception):
    pass


@dataclass(frozen=True)
class Identity:
    openid: str
    unionid: str = ""


def enabled() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def is_wechat(request) -> bool:
    """WeChat's in-app browser says so in its user agent."""
    return "MicroMessenger" in request.META.get("HTTP_USER_AGENT", "")


def authorize_url(redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "appid": settings.WECHAT_APP_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": settings.WECHAT_OAUTH_SCOPE,
            "state": state,
        }
    )
    return f"{settings.WECHAT_AUTHORIZE_URL}?{query}#wechat_redirect"


def exchange_code(code: str) -> Identity:
    """Code → access token → openid/unionid (one request, no retry: a code is single-use)."""
    query = urlencode(
        {"appid": settings.WECHAT_APP_ID, "secret": settings.WECHAT_APP_SECRET, "code": code, "grant_type": "authorization_code"}
    )
    url = f"{settings.WECHAT_API_BASE.rstrip('/')}/sns/oauth2/access_token?{query}"
    try:
        with urllib.request.urlopen(url, timeout=settings.WECHAT_TIMEOUT_SECONDS) as response:  # noqa: S310 — a configured https URL
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.error("WeChat OAuth: access_token request failed: %s", exc.__class__.__name__)
        raise WechatError from None
    if data.get("errcode") or not data.get("openid"):
        log.error("WeChat OAuth: access_token refused: errcode=%s errmsg=%s", data.get("errcode"), str(data.get("errmsg", ""))[:120])
        raise WechatError
    return Identity(openid=str(data["openid"]), unionid=str(data.get("unionid") or ""))


def user_for(identity: Identity):
    """The active worker bound to this WeChat identity, or None."""
    binding = WechatBinding.objects.select_related("user").filter(openid=identity.openid).first()
    if binding is None or not binding.user.is_active:
        return None
    if not Member.objects.filter(user=binding.user, status=Member.Status.ACTIVE).exists():
        return None  # no longer on a roster: the phone check decides again
    WechatBinding.objects.filter(pk=binding.pk).update(last_login_at=timezone.now())
    return binding.user


def remember_pending(session, identity: Identity) -> None:
    session[PENDING_KEY] = {"openid": identity.openid, "unionid": identity.unionid, "at": time.time()}


def bind_pending(session, user) -> WechatBinding | None:
    """After an SMS login: bind the WeChat identity that brought the worker here (if still fresh)."""
    pending = session.pop(PENDING_KEY, None)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    binding, _created = WechatBinding.objects.update_or_create(
        openid=pending["openid"], defaults={"user": user, "unionid": pending.get("unionid", ""), "last_login_at": timezone.now()}
    )
    audit(actor=user, action="wechat.bind", obj=user, changes={"openid": pending["openid"][:6] + "…"})
    return binding
