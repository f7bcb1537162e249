"""One person across programmes: who received what (a fund's condolence money, a wish, a loan
subsidy), so staff see duplicates before they approve.

No programme's tables are read here. A person is identified by ``person_key(id_number)`` — a keyed
hash of the normalised ID number, so the number itself need not be kept — and every programme
that pays people registers a *source* from its ``hooks.py``::

    from core import beneficiaries
    beneficiaries.register("modules.care.selectors.benefits_of")

A source is ``callable(keys: list[str]) -> list[Benefit]``: the benefits it recorded for those
keys (one query, whatever the number of keys). ``history(keys)`` asks every source.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.module_loading import import_string

_SOURCES: list[str] = []
ID_RE = re.compile(r"^(\d{17}[\dX]|\d{15})$")


@dataclass(frozen=True)
class Benefit:
    person_key: str
    programme: str  # shown to staff: "抗疫专项基金 · 慰问一线职工"
    on: date | None
    amount: int  # fen
    status: str  # "已发放", "已批准", …
    url: str = ""


def normalise_id(raw: str) -> str:
    return re.sub(r"\s+", "", str(raw or "")).upper()


def is_valid_id(raw: str) -> bool:
    """The shape of a mainland resident ID (18 digits with its check digit, or the old 15)."""
    number = normalise_id(raw)
    if not ID_RE.match(number):
        return False
    if len(number) == 15:
        return True
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11]
    return number[17] == check


def person_key(id_number: str) -> str:
    """The same person gives the same key in every programme (HMAC with the site's secret)."""
    return hmac.new(settings.SECRET_KEY.encode(), normalise_id(id_number).encode(), hashlib.sha256).hexdigest()


def register(dotted_source: str) -> None:
    if dotted_source not in _SOURCES:
        _SOURCES.append(dotted_source)


def sources() -> list[str]:
    return list(_SOURCES)


def history(keys) -> list[Benefit]:
    """Every registered programme's benefits for these people, newest first."""
    keys = sorted(set(keys))
    if not keys:
        return []
    found: list[Benefit] = []
    for dotted in _SOURCES:
        found.extend(import_string(dotted)(keys))
    return sorted(found, key=lambda b: b.on or date.min, reverse=True)
