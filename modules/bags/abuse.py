"""Bad bag codes are refused before the database, and a burst of them from one client is slowed down.

Forged or mistyped codes are the cheapest way to probe for valid ones (or to load the scan
path); they are recognised by their signature and check symbol alone (``codes.parse``, no
query). Each one a client sends counts against a small budget in the cache (per user, or per
address when anonymous); past it, code-taking endpoints answer 429 ``too_many_bad_codes``
until the window passes. Valid codes never count.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApiError
from core.ratelimit import window_count, window_hit
from modules.bags import codes

LIMIT = getattr(settings, "BAGS_BAD_CODE_LIMIT", 20)
WINDOW_SECONDS = getattr(settings, "BAGS_BAD_CODE_WINDOW", 300)


def _client(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return "ip" + (request.META.get("REMOTE_ADDR") or "?")


def _key(client: str) -> str:
    return f"bags:badcodes:{client}"


def _refuse_past_budget(key: str) -> None:
    if window_count(key) >= LIMIT:
        raise ApiError("too_many_bad_codes", _("无效编码过多，请稍后再试"), field="code", status=429)


def code_checked(request, raw) -> codes.ParsedCode:
    """The parsed code, or an ApiError: the code's own error (counted), or 429 past the budget."""
    key = _key(_client(request))
    _refuse_past_budget(key)
    return _count_if_bad(key, codes.parse(raw))


def batch_bad_codes_spend(actor, bad: int) -> None:
    """A batch upload's bad codes count against its sender's budget like single scans: a batch
    that carries bad codes is refused whole (429, nothing recorded) once the budget is spent;
    otherwise its bad codes are counted. A batch of valid codes never counts."""
    if bad <= 0:
        return
    key = _key(f"u{actor.pk}")
    _refuse_past_budget(key)
    window_hit(key, WINDOW_SECONDS, bad)


def scan_code_checked(request, raw) -> codes.ParsedCode:
    """For the collectors' scan path: a well-signed code goes straight on, without the budget's
    cache round trip; only a bad code is checked against the budget and counted.

    Letting valid codes through past the budget gives a prober nothing: a code carries a 40-bit
    signature, so a guess is valid about once in 10^12 tries, and the bad guesses around it are
    still refused with 429. (Binding and lookup, which answer about a bag's owner, keep the
    stricter ``code_checked``.)"""
    parsed = codes.parse(raw)
    if parsed.ok:
        return parsed
    key = _key(_client(request))
    _refuse_past_budget(key)
    return _count_if_bad(key, parsed)


def _count_if_bad(key: str, parsed: codes.ParsedCode) -> codes.ParsedCode:
    from modules.bags.services import code_error

    if not parsed.ok:
        window_hit(key, WINDOW_SECONDS)
        raise code_error(parsed.status)
    return parsed
