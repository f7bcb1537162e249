"""The district's gazetteer: streets, communities and well-known places with their approximate
position, so the station finder understands what people type (西单, xidan, xd, 动物园 …).

The list is a data file kept with the code (``data/xicheng_places.json``), read once per
process; names and aliases are matched as Chinese text, as full pinyin and as pinyin initials
(``core.pinyin``, the same keys the knowledge guide matches on).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.pinyin import full_pinyin, initials

DATA = Path(__file__).parent / "data" / "xicheng_places.json"
# Suffixes people add or leave out: 德胜街道 / 德胜, 柳荫街社区 / 柳荫街.
_SUFFIXES = ("街道总工会", "街道办事处", "街道", "社区居委会", "社区", "地区")
_ASCII = re.compile(r"^[a-z0-9' ]+$")
_KIND_ORDER = {"place": 0, "street": 1, "community": 2}


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # street, community or place
    lat: float
    lng: float
    keys: tuple[str, ...]  # the name and its aliases
    pinyin: tuple[str, ...]
    initials: tuple[str, ...]


@cache
def places() -> tuple[Place, ...]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["places"]
    out = []
    for row in rows:
        keys = (row["name"], *row.get("aliases", []))
        out.append(
            Place(
                name=row["name"],
                kind=row["kind"],
                lat=float(row["lat"]),
                lng=float(row["lng"]),
                keys=keys,
                pinyin=tuple(full_pinyin(k) for k in keys),
                initials=tuple(initials(k) for k in keys),
            )
        )
    return tuple(out)


def _bare(text: str) -> str:
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _score_text(place: Place, q: str) -> int:
    best = 0
    for key in place.keys:
        bare = _bare(key)
        if q in (key, bare):
            best = max(best, 100)
        elif key.startswith(q) or bare.startswith(q):
            best = max(best, 80)
        elif len(bare) >= 2 and bare in q:  # 西单商场 → 西单
            best = max(best, 70)
        elif len(q) >= 2 and q in key:
            best = max(best, 60)
    return best


def _score_pinyin(place: Place, q: str) -> int:
    best = 0
    for spelled, first in zip(place.pinyin, place.initials, strict=True):
        if q == spelled or q == first:
            best = max(best, 95 if q == spelled else 90)
        elif len(q) >= 3 and spelled.startswith(q):
            best = max(best, 75)
        elif len(q) >= 2 and first.startswith(q):
            best = max(best, 65)
    return best


def search(text: str, limit: int = 5) -> list[Place]:
    """Places matching ``text`` by name, alias, full pinyin or initials, best first."""
    q = (text or "").strip().lower()
    if not q:
        return []
    if _ASCII.match(q):
        q = q.replace(" ", "").replace("'", "")
        scored = [(_score_pinyin(p, q), p) for p in places()]
    else:
        q = _bare(q.replace(" ", ""))
        scored = [(_score_text(p, q), p) for p in places()]
    found = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], _KIND_ORDER.get(s[1].kind, 9), len(s[1].name)))
    return [p for _s, p in found[:limit]]


def suggestions(text: str, limit: int = 6) -> list[str]:
    """Names to offer when nothing matched: places sharing a character with what was typed,
    else the best-known places of the district."""
    chars = {c for c in (text or "") if "\u4e00" <= c <= "\u9fff"}
    scored = [(len(chars & set("".join(p.keys))), p) for p in places()] if chars else []
    near = [p.name for n, p in sorted(scored, key=lambda s: (-s[0], _KIND_ORDER.get(s[1].kind, 9))) if n > 0]
    known = [p.name for p in places() if p.kind == "place"]
    out = []
    for name in [*near, *known]:
        if name not in out:
            out.append(name)
    return out[:limit]
