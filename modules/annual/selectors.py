"""The annual review for a year and a street, as the viewer may see it, with its narrative."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import review, richtext, scoping
from core.errors import Forbidden, Invalid
from core.models import Organisation, RoleAssignment
from modules.annual.models import INTRO, Narrative

FIELD = re.compile(r"\{\{\s*fig:([a-z0-9_]+\.[a-z0-9_]+)\s*\}\}")


def default_year() -> int:
    """The last complete year: a review is written when its year is over."""
    return timezone.localdate().year - 1


def parse_year(raw) -> int:
    """A year from a query string; anything else is a clear error (422 in the API)."""
    if raw in (None, ""):
        return default_year()
    text = str(raw).strip()
    if not text.isdigit() or not (review.MIN_YEAR <= int(text) <= review.MAX_YEAR):
        raise Invalid("invalid_year", _("年度应为 %(a)s–%(b)s 之间的四位数字") % {"a": review.MIN_YEAR, "b": review.MAX_YEAR}, field="year")
    return int(text)


def streets() -> list[Organisation]:
    return list(Organisation.objects.filter(level=Organisation.Level.STREET, is_active=True).order_by("name"))


def street_of(viewer) -> Organisation | None:
    """The street a street-staff viewer is tied to (None for district staff)."""
    if scoping.is_district_staff(viewer):
        return None
    for assignment in scoping.role_assignments(viewer):
        if assignment.role == RoleAssignment.Role.STREET_STAFF:
            org = assignment.organisation
            return org if org.level == Organisation.Level.STREET or org.street_id is None else org.street
    raise Forbidden("annual_forbidden", _("只有区总工会和街道总工会工作人员可以查看年度盘点"))


def parse_street(viewer, raw) -> Organisation | None:
    """District staff choose a street or the whole district; street staff always see their own."""
    own = street_of(viewer)
    if own is not None:
        if raw not in (None, "") and str(raw) != str(own.pk):
            raise Forbidden("annual_street_forbidden", _("只能查看本街道的年度盘点"), field="street")
        return own
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    street = Organisation.objects.filter(level=Organisation.Level.STREET).filter(pk=int(text) if text.isdigit() else 0).first()
    if street is None:
        street = Organisation.objects.filter(level=Organisation.Level.STREET, name=text).first()
    if street is None:
        raise Invalid("invalid_street", _("没有这个街道"), field="street")
    return street


def format_value(figure: review.ReviewItem) -> str:
    value = figure.value
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    else:
        text = f"{value:,}"
    return f"{text}{figure.unit if figure.unit == '%' else (' ' + figure.unit if figure.unit else '')}"


def fill_fields(html: str, figures: dict[str, review.ReviewItem], *, links: bool = True) -> str:
    """Put the current figures in place of ``{{fig:key}}`` (escaped; each a link to its list)."""

    def one(match):
        figure = figures.get(match.group(1))
        if figure is None:
            return f'<span class="annual-missing">〔{escape(_("未知数据项"))} {escape(match.group(1))}〕</span>'
        text = escape(format_value(figure))
        if links and figure.url:
            return f'<a class="annual-fig" href="{escape(figure.url)}">{text}</a>'
        return f'<strong class="annual-fig">{text}</strong>'

    return FIELD.sub(one, html or "")


def narratives(year: int) -> dict[str, Narrative]:
    return {n.chapter: n for n in Narrative.objects.filter(year=year)}


def section_anchor(key: str) -> str:
    return f"section-{key}"


def _link_to_the_review(data: dict, year: int, street) -> None:
    """A figure whose list the viewer may not open comes without a link from its programme (a
    street's staff and the district's counselling page, say): it links to its own place in this
    review instead, so nothing on the page leads to a refusal."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode({"year": year, **({"street": street.pk} if street is not None else {})})
    for chapter in data["chapters"]:
        for section in chapter["sections"]:
            here = f"{reverse('annual:review')}?{query}#{section_anchor(section.key)}"
            for figure in section.items:
                if not figure.url:
                    figure.url = here


def review_for(viewer, year: int, street=None, *, links: bool = True) -> dict:
    """The whole review: chapters with sections and figures, each chapter's narrative with the
    live fields filled in (``narrative_html``) and as plain text (``narrative_text``)."""
    data = review.build(year, viewer, street)
    _link_to_the_review(data, year, street)
    texts = narratives(year)
    figures = data["figures"]
    intro = texts.get(INTRO)
    data["intro_html"] = mark_safe(fill_fields(richtext.clean(intro.text), figures, links=links)) if intro else ""
    data["intro_text"] = richtext.plain(fill_fields(richtext.clean(intro.text), figures, links=False)) if intro else ""
    for chapter in data["chapters"]:
        n = texts.get(chapter["key"])
        html = fill_fields(richtext.clean(n.text), figures, links=links) if n else ""
        chapter["narrative_html"] = mark_safe(html)
        chapter["narrative_text"] = richtext.plain(fill_fields(richtext.clean(n.text), figures, links=False)) if n else ""
        chapter["narrative_raw"] = n.text if n else ""
    district = Organisation.objects.filter(level=Organisation.Level.DISTRICT).order_by("pk").first()
    who = street.name if street is not None else (district.name if district else _("区总工会"))
    data["title"] = _("%(who)s%(year)s年度重点工作盘点") % {"who": who, "year": year}
    return data
