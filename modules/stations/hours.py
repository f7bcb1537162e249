"""Opening hours: parse what staff type, print them back, and turn them into minute-of-week slots.

A day's text is intervals separated by commas, e.g. ``08:00-12:00, 14:00-20:00``; ``休息`` (or empty)
means closed; ``全天`` is 00:00-24:00. An interval whose end is not after its start runs past
midnight (``22:00-06:00``): it belongs to the day it starts on, and its tail falls on the next day
— Sunday night's tail on Monday morning. Times are Asia/Shanghai wall-clock times.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

WEEK = 7 * 1440
SHANGHAI = ZoneInfo("Asia/Shanghai")
_INTERVAL = re.compile(r"^(\d{1,2})[:：](\d{2})\s*[-–—~至到]\s*(\d{1,2})[:：](\d{2})$")
CLOSED_WORDS = {"", "休息", "闭馆", "关闭", "不开放", "closed", "-"}
ALL_DAY_WORDS = {"全天", "24小时", "24h", "00:00-24:00"}


class HoursError(ValueError):
    pass


def parse_day(text: str) -> list[list[int]]:
    """``"08:00-12:00,14:00-20:00"`` → ``[[480, 720], [840, 1200]]`` (minutes; end may exceed 1440 overnight)."""
    text = (text or "").strip()
    if text.lower() in CLOSED_WORDS:
        return []
    if text.lower().replace(" ", "") in ALL_DAY_WORDS:
        return [[0, 1440]]
    out = []
    for part in re.split(r"[,，;；、\s]+(?=\d)", text):
        match = _INTERVAL.match(part.strip())
        if not match:
            raise HoursError(part.strip())
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise HoursError(part.strip())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            end += 1440  # overnight
        out.append([start, end])
    out.sort()
    for a, b in zip(out, out[1:], strict=False):
        if b[0] < a[1]:
            raise HoursError(text)
    return out


def format_day(intervals) -> str:
    if not intervals:
        return "休息"
    return "，".join(f"{_hm(s)}-{_hm(e)}" for s, e in intervals)


def _hm(minutes: int) -> str:
    if minutes == 1440:
        return "24:00"
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_week(texts: list[str]) -> dict[str, list[list[int]]]:
    """Seven day texts (Monday first) → the ``Station.hours`` JSON; raises HoursError(weekday index, text)."""
    hours = {}
    for day, text in enumerate(texts):
        try:
            intervals = parse_day(text)
        except HoursError as error:
            raise HoursError(day, str(error))
        if intervals:
            hours[str(day)] = intervals
    return hours


def week_texts(hours: dict) -> list[str]:
    return [format_day(hours.get(str(day), [])) for day in range(7)]


def slots(hours: dict) -> list[tuple[int, int]]:
    """Minute-of-week ``[start, end)`` slots; an interval crossing Sunday midnight wraps to Monday."""
    out = []
    for day, intervals in hours.items():
        base = int(day) * 1440
        for start, end in intervals:
            s, e = base + start, base + end
            if e <= WEEK:
                out.append((s, e))
            else:
                out.append((s, WEEK))
                out.append((0, e - WEEK))
    return sorted(out)


def minute_of_week(at: datetime) -> int:
    local = at.astimezone(SHANGHAI) if at.tzinfo else at
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def is_open(hours: dict, at: datetime) -> bool:
    m = minute_of_week(at)
    return any(s <= m < e for s, e in slots(hours))
