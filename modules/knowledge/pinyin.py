"""Kept for the knowledge module's imports: the pinyin keys live in ``core.pinyin`` (shared with the station finder)."""

from core.pinyin import full_pinyin, initials, keys_pinyin

__all__ = ["full_pinyin", "initials", "keys_pinyin"]
