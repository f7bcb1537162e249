"""The statutory clocks of a mediation case and the working-day arithmetic of local rules.

Statutory periods count calendar days as the law says (劳动争议调解仲裁法第十四条: 15 days from
receiving the application; 第二十七条: one year to apply for arbitration). Where a local rule
counts working days (the desk's acceptance period), the official holiday calendar decides
(``chinese_calendar``, updated every year); for a year it does not know yet, weekends only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def is_working_day(day: date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@dataclass(frozen=True)
class Clock:
    label: str
    due: datetime
    days_left: int
    passed: bool
    note: str


def _days_left(due: datetime, now: datetime) -> int:
    return (timezone.localtime(due).date() - timezone.localtime(now).date()).days


def mediation_due(received_at: datetime, days: int) -> datetime:
    """The last moment of the mediation period: the day ``days`` after the day received."""
    return end_of_day(timezone.localtime(received_at).date() + timedelta(days=days))


def clocks_for(case, rules, now: datetime | None = None) -> list[Clock]:
    from django.utils.translation import gettext as _

    now = now or timezone.now()
    clocks = []
    if not case.closed_at or case.outcome == "success":
        extended = getattr(case, "extended_days", 0) or 0
        days = rules.mediation_days + extended
        due = mediation_due(case.received_at, days)
        left = _days_left(due, now)
        passed = now > due and not case.is_signed
        note = (
            _("已超过 %(n)s 日未达成调解协议，当事人可以依法申请仲裁") % {"n": days}
            if passed
            else _("自收到调解申请之日起 %(n)s 日内未达成调解协议的，当事人可以依法申请仲裁") % {"n": days}
        )
        label = (
            _("调解期限（%(n)s日，经双方同意延长%(e)s日）") % {"n": rules.mediation_days, "e": extended}
            if extended
            else _("调解期限（%(n)s日）") % {"n": rules.mediation_days}
        )
        if not case.is_signed:
            clocks.append(Clock(label, due, left, passed, note))
    if case.dispute_arose_on and case.outcome != "success":
        due = end_of_day(case.dispute_arose_on + timedelta(days=rules.arbitration_limit_days))
        left = _days_left(due, now)
        clocks.append(
            Clock(
                _("仲裁时效（一年）"),
                due,
                left,
                now > due,
                _("申请仲裁的时效期间为一年，从当事人知道或者应当知道其权利被侵害之日起计算；申请调解使时效中断"),
            )
        )
    return clocks
