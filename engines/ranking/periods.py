"""Ranking periods on the Beijing calendar: ISO weeks starting Monday, months, years, all time.

Every board exists once per period; the period key is part of the board's storage key
("2026-W48", "2026-11", "2026", "all"), so a new week starts from an empty board without any
reset job, and old periods simply expire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

# Rankings follow the Beijing day whatever the server's zone is.
TZ = ZoneInfo("Asia/Shanghai")

WEEK, MONTH, YEAR, ALL = "week", "month", "year", "all"
PERIODS = (WEEK, MONTH, YEAR, ALL)

# How long a finished period's board is kept after it ends (then Redis drops it).
RETENTION = {WEEK: timedelta(days=35), MONTH: timedelta(days=400), YEAR: timedelta(days=800)}


@dataclass(frozen=True)
class PeriodSpan:
    period: str
    key: str
    start: datetime | None  # inclusive, aware; None for all time
    end: datetime | None  # exclusive, aware; None for all time

    @property
    def expire_at(self) -> int | None:
        """Unix time after which the board of this period may be dropped."""
        if self.end is None:
            return None
        return int((self.end + RETENTION[self.period]).timestamp())


def local(at: datetime | None = None) -> datetime:
    return (at or timezone.now()).astimezone(TZ)


def span(period: str, at: datetime | None = None) -> PeriodSpan:
    """The period of kind ``period`` that contains ``at`` (default: now)."""
    now = local(at)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == WEEK:
        start = midnight - timedelta(days=now.weekday())
        end = start + timedelta(days=7)
        year, week, _day = now.isocalendar()
        key = f"{year}-W{week:02d}"
    elif period == MONTH:
        start = midnight.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        key = f"{now.year}-{now.month:02d}"
    elif period == YEAR:
        start = midnight.replace(month=1, day=1)
        end = start.replace(year=start.year + 1)
        key = f"{now.year}"
    elif period == ALL:
        return PeriodSpan(ALL, "all", None, None)
    else:
        raise ValueError(f"unknown period {period!r}")
    # Re-localise so a DST-free zone stays exact and the datetimes compare as aware values.
    return PeriodSpan(period, key, start.replace(tzinfo=TZ), end.replace(tzinfo=TZ))


def spans(at: datetime | None = None, periods=PERIODS) -> list[PeriodSpan]:
    return [span(p, at) for p in periods]


def day_bounds(at: datetime | None = None) -> tuple[datetime, datetime]:
    """The Beijing calendar day containing ``at``: [00:00, next 00:00)."""
    now = local(at)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)
