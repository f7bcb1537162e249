"""养习惯: the sorting-knowledge quizzes, for the annual review (``core.review``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, with_year
from modules.knowledge.models import Attempt


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Quiz attempts on sorting knowledge (daily quiz and contests) and the workers who answered."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    attempts = Attempt.objects.filter(started_at__gte=start, started_at__lt=end)
    if street is not None:
        attempts = attempts.filter(organisation__street=street)
    url = with_year(reverse("knowledge:staff_home"), year)
    items = [
        item("knowledge.attempts", _("垃圾分类知识答题"), attempts.count(), _("人次"), url),
        item("knowledge.workers", _("参与答题职工"), attempts.values("member").distinct().count(), _("人"), url),
    ]
    return ReviewSection(key="knowledge", chapter="habits", title=_("垃圾分类知识学习"), items=items, url=url)
