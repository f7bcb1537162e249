"""Pinyin keys of Chinese names (full pinyin without tones, and initials), computed with pypinyin.

Shared by every programme that matches typed Chinese names (the knowledge guide, the station
finder's places): the source of truth of how a name is spelled in pinyin."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_NON_WORD = re.compile(r"[^0-9a-z]+")


def _syllables(text: str) -> list[str]:
    return [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="default", v_to_u=False) if s.strip()]


def full_pinyin(text: str) -> str:
    """电池 → dianchi; U盘 → upan."""
    return _NON_WORD.sub("", "".join(_syllables(text)))


def initials(text: str) -> str:
    """电池 → dc; U盘 → up (a Latin run contributes its first letter)."""
    out = []
    for syllable in _syllables(text):
        cleaned = _NON_WORD.sub("", syllable)
        if cleaned:
            out.append(cleaned[0])
    return "".join(out)


def keys_pinyin(keys: list[str]) -> tuple[str, str]:
    """The '|'-joined pinyin and initials columns for a name and its aliases."""
    return "|".join(full_pinyin(k) for k in keys), "|".join(initials(k) for k in keys)


@lru_cache(maxsize=50_000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, kept per process: a picker over thousands of union
    names matches each keystroke without calling pypinyin again for names it has seen."""
    syllables = [_NON_WORD.sub("", s) for s in _syllables(name)]
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def pinyin_matches(name: str, typed: str) -> bool:
    """Whether Latin letters typed (``typed`` lower-case, no spaces) start the name's full pinyin or
    its initials, or appear in its initials (xdsy finds 西单商业 …)."""
    spelled, first = name_keys(name)
    return spelled.startswith(typed) or first.startswith(typed) or (len(typed) >= 2 and typed in first)
