"""微心愿: the outdoor-workers survey (快递小哥从业状况调研), for the annual review (``core.review``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, with_year
from engines.survey.models import Response
from modules.care.outdoor.selectors import OWNER


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Answers to the courier survey received in the year (district-wide: answers are anonymous)."""
    answers = Response.objects.filter(survey__owner=OWNER, submitted_on__year=year)
    if street is not None:
        answers = answers.none()
    url = with_year(reverse("care:outdoor_plan"), year)
    items = [item("outdoor.answers", _("“快递小哥”从业状况调研问卷"), answers.count(), _("份"), url)]
    return ReviewSection(key="outdoor", chapter="wishes", title=_("户外劳动者服务"), items=items, url=url)
