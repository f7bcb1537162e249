"""Pinyin keys of Chinese names (full pinyin without tones, and initials), computed with pypinyin.

Shared by every programme that matches typed Chinese names (the knowledge guide, the station
finder's places): the source of truth of how a name is spelled in pinyin."""

from __future__ import annotations

import re

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
