"""树榜样 and 抓创新: the honours programme's parts of the annual review (``core.review``)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, with_year
from modules.honours.models import Craftsman, Enrolment, HonourLevel, NeedResponse, Nomination, OnlineEnrolment, Session, Work
from modules.honours.process import KEY
from modules.honours.services import UNIT_COUNTED


def honours_section(year: int, viewer, street=None) -> ReviewSection:
    """Nominations the district put forward by level and kind (the article's 3 national, 9 Beijing
    collectives, 56 Beijing individuals) and the craftsmen's alliance."""
    nominations = Nomination.objects.filter(honour__year=year, cases__process=KEY, cases__state__in=UNIT_COUNTED)
    works = Work.objects.filter(published_at__year=year, hidden_at__isnull=True)
    matches = NeedResponse.objects.filter(matched_at__year=year)
    if street is not None:
        nominations = nominations.filter(unit=street)
        works = works.filter(craftsman__member__organisation__street=street)
        matches = matches.filter(need__organisation__street=street)
    rows = {
        (r["honour__level"], r["honour__kind"]): r["n"] for r in nominations.values("honour__level", "honour__kind").annotate(n=Count("pk"))
    }
    url = reverse("honours:home")  # the nominations, filtered below to the year, level and kind
    items = []
    for level in HonourLevel:
        individual, collective = rows.get((level.value, "individual"), 0), rows.get((level.value, "collective"), 0)
        items.append(
            item(
                f"honours.{level.value}_individual",
                _("推荐%(level)s劳模和先进工作者") % {"level": level.label},
                individual,
                _("名"),
                with_year(url, year, level=level.value, kind="individual"),
            )
        )
        items.append(
            item(
                f"honours.{level.value}_collective",
                _("推荐%(level)s模范集体") % {"level": level.label},
                collective,
                _("个"),
                with_year(url, year, level=level.value, kind="collective"),
            )
        )
    items += [
        item("honours.works", _("工匠联盟展示作品"), works.count(), _("件"), with_year(reverse("honours:craft"), year)),
        item("honours.matches", _("供需对接成功"), matches.count(), _("项"), with_year(reverse("honours:needs"), year)),
    ]
    chart = None
    if rows:
        chart = {
            "type": "bar",
            "title": _("推荐评优按级别"),
            "categories": [str(level.label) for level in HonourLevel],
            "series": [
                {"name": _("个人"), "data": [rows.get((level.value, "individual"), 0) for level in HonourLevel]},
                {"name": _("集体"), "data": [rows.get((level.value, "collective"), 0) for level in HonourLevel]},
            ],
        }
    return ReviewSection(
        key="honours",
        chapter="models",
        title=_("评优推荐与工匠联盟"),
        items=items,
        chart=chart,
        url=with_year(reverse("honours:roll"), year),
    )


def training_section(year: int, viewer, street=None) -> ReviewSection:
    """Craft training: on-site trainees (the article's 30多位) and online learners (500多人)."""
    sessions = Session.objects.filter(starts_on__year=year)
    confirmed = Enrolment.objects.filter(session__in=sessions, status=Enrolment.Status.CONFIRMED)
    online = OnlineEnrolment.objects.filter(enrolled_at__year=year)
    if street is not None:
        sessions = sessions.filter(course__organisation__street=street)
        confirmed = confirmed.filter(session__in=sessions)
        online = online.filter(member__organisation__street=street)
    url = with_year(reverse("honours:courses"), year)
    items = [
        item("training.sessions", _("举办匠人培训班"), sessions.count(), _("期"), url),
        item("training.trainees", _("线下培训学员"), confirmed.count(), _("人"), url),
        item("training.online", _("线上学习技能"), online.count(), _("人"), url),
        item(
            "training.craftsmen",
            _("新加入工匠联盟的匠人"),
            _new_craftsmen(year, street),
            _("名"),
            with_year(reverse("honours:craft"), year),
        ),
    ]
    return ReviewSection(key="training", chapter="innovation", title=_("技能培训"), items=items, url=url)


def _new_craftsmen(year: int, street) -> int:
    rows = Craftsman.objects.filter(joined_at__year=year)
    if street is not None:
        rows = rows.filter(member__organisation__street=street)
    return rows.count()
