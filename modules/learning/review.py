"""强学习: the learning programme's part of the annual review (``core.review``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, with_year
from modules.learning.models import Attempt as ContestAttempt
from modules.learning.models import Attendance, Contest, Essay, EssayCall, StudySession
from modules.learning.selectors import _year_bounds


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Study sessions (党组中心组学习、专题培训) and attendance, knowledge contests and their
    entrants, essay calls (体会征文) and essays received."""
    start, end = _year_bounds(year)
    sessions = StudySession.objects.filter(held_at__gte=start, held_at__lt=end)
    attendances = Attendance.objects.filter(session__held_at__gte=start, session__held_at__lt=end)
    contests = Contest.objects.filter(campaign__starts_at__gte=start, campaign__starts_at__lt=end)
    attempts = ContestAttempt.objects.filter(campaign__learning_contest__in=contests)
    calls = EssayCall.objects.filter(deadline__gte=start, deadline__lt=end)
    essays = Essay.objects.filter(call__in=calls)
    if street is not None:
        sessions, attendances = sessions.filter(organisation__street=street), attendances.filter(organisation__street=street)
        attempts, essays = attempts.filter(organisation__street=street), essays.filter(organisation__street=street)
    url = with_year(reverse("learning:staff_home"), year)
    items = [
        item("learning.sessions", _("中心组学习、专题培训等学习活动"), sessions.count(), _("场"), url),
        item("learning.attendances", _("参加学习"), attendances.count(), _("人次"), url),
        item("learning.contests", _("举办知识竞赛"), contests.count(), _("场"), url),
        item("learning.contestants", _("参赛职工"), attempts.count(), _("人次"), url),
        item("learning.calls", _("开展体会征文"), calls.count(), _("次"), url),
        item("learning.essays", _("收到征文"), essays.count(), _("篇"), url),
    ]
    chart = None
    if attendances.exists() or attempts.exists() or essays.exists():
        chart = {
            "type": "bar",
            "title": _("参与学习（人次）"),
            "categories": [_("学习活动"), _("知识竞赛"), _("征文")],
            "series": [{"name": _("人次"), "data": [attendances.count(), attempts.count(), essays.count()]}],
        }
    return ReviewSection(key="learning", chapter="learning", title=_("学习教育"), items=items, chart=chart, url=url)
