"""Validators for Chinese identifiers the union office types in: the unified social credit code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: 31 characters (no I, O, Z, S, V), weights 3^i mod 31 over the first 17.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code_check_char(first17: str) -> str:
    """The 18th character (check digit) for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=False))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_error(raw: str) -> str | None:
    """The reason (in the user's language) a credit code is wrong, or None when it is valid."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位")
    bad = [ch for ch in code if ch not in CREDIT_CODE_CHARSET]
    if bad:
        return _("统一社会信用代码含有无效字符：%(chars)s") % {"chars": "".join(dict.fromkeys(bad))}
    if not code[2:8].isdigit():
        return _("统一社会信用代码第 3–8 位应为行政区划代码（数字）")
    if credit_code_check_char(code[:17]) != code[17]:
        return _("统一社会信用代码校验位不正确")
    return None


def validate_credit_code(value: str) -> None:
    reason = credit_code_error(value)
    if reason:
        raise ValidationError(reason, code="invalid_credit_code")


def make_credit_code(body: str) -> str:
    """A valid code from 17 leading characters (demo data and tests)."""
    return body + credit_code_check_char(body)


# The years a list may be filtered to (the annual review links its figures to lists of a year).
LIST_MIN_YEAR, LIST_MAX_YEAR = 2000, 2100


def year_filter(request, name: str = "year") -> int | None:
    """The list filter ``?year=`` of a page: a four-digit year, or None when absent. A bad value is
    told to the user by field (a message on the page) and the list stays unfiltered — never a 500."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    if raw.isdigit() and len(raw) == 4 and LIST_MIN_YEAR <= int(raw) <= LIST_MAX_YEAR:
        return int(raw)
    from django.contrib import messages

    messages.error(request, _("年度：应为 %(a)s–%(b)s 之间的四位数字，已显示全部年度") % {"a": LIST_MIN_YEAR, "b": LIST_MAX_YEAR})
    return None
