"""The annual review's contract (年度重点工作盘点): chapters in the order of the seed article and the
shape of what a programme contributes.

A programme registers ``callable(year, viewer, street=None) -> ReviewSection`` from its
``hooks.py`` with the chapter it belongs to (``registry.add_review_section(dotted, order,
chapter=...)``). Core names no programme: it only knows the chapters, the shape, and how to put
the current year next to the previous one (Δ and %) computed the same way.

Every figure has a stable ``key`` ("<programme>.<figure>"): narratives insert it as a live
field ``{{fig:<programme>.<figure>}}`` and the previous year's figure is matched by it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext_lazy as _

# The article's chapters, in its order: (key, heading, subtitle).
CHAPTERS: list[tuple[str, object, object]] = [
    ("learning", _("强学习"), _("学习贯彻党的政策方针")),
    ("epidemic", _("抗疫情"), _("编牢织密防疫安全网")),
    ("habits", _("养习惯"), _("多措并举抓好垃圾分类")),
    ("rights", _("重维权"), _("坚持和谐劳动关系建设")),
    ("home", _("促建家"), _("持续夯实基层组织基础")),
    ("models", _("树榜样"), _("精神引领树匠心增本领")),
    ("innovation", _("抓创新"), _("创新之火正在“燎原”")),
    ("wishes", _("微心愿"), _("打出“组合拳”关心关爱职工")),
]
CHAPTER_KEYS = [key for key, _h, _s in CHAPTERS]
# The earliest and latest year a review may be asked for.
MIN_YEAR, MAX_YEAR = 2000, 2100
NO_DATA = _("本年度无数据")


@dataclass
class ReviewItem:
    """One figure: ``value`` is a number (int or float: yuan are floats with two decimals)."""

    key: str
    label: str
    value: int | float
    unit: str = ""
    url: str = ""
    # the previous year's value (filled by ``build``), its change and change in per cent
    previous: int | float | None = None
    delta: int | float | None = None
    percent: float | None = None


@dataclass
class ReviewSection:
    key: str
    chapter: str
    title: str
    items: list[ReviewItem] = field(default_factory=list)
    # a chart for the section: {"type": "bar"|"pie", "categories": [...], "series": [{"name", "data"}]}
    chart: dict | None = None
    # the list behind the whole section
    url: str = ""
    # one sentence saying the section's figures together (the article's wording), or ""
    summary: str = ""

    @property
    def empty(self) -> bool:
        return not any(item.value for item in self.items)

    def figure(self, key: str) -> ReviewItem | None:
        return next((item for item in self.items if item.key == key), None)


def item(key: str, label, value, unit="", url: str = "") -> ReviewItem:
    return ReviewItem(key=key, label=str(label), value=value, unit=str(unit), url=url)


def money(fen: int | None) -> float:
    """An amount in fen as yuan (two decimals) for a figure."""
    return round((fen or 0) / 100, 2)


def with_year(url: str, year: int | None, **params) -> str:
    """A list's address filtered to the year (and further parameters); ``year=None`` when the list
    takes the year under another name (``funded=``, ``until=``)."""
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in {"year": year, **params}.items() if v not in (None, "")})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _change(current, previous):
    if previous is None:
        return None, None
    delta = round(current - previous, 2) if isinstance(current, float) or isinstance(previous, float) else current - previous
    percent = round((current - previous) * 100.0 / previous, 1) if previous else None
    return delta, percent


def sections_for(year: int, viewer, street=None) -> list[ReviewSection]:
    """Every registered section for the year, with the previous year's figures matched by key."""
    from core.registry import registry

    registry.autodiscover()
    out = []
    for _order, dotted, chapter in registry.review_chapter_sections():
        from django.utils.module_loading import import_string

        func = import_string(dotted)
        current = func(year, viewer, street=street)
        previous = func(year - 1, viewer, street=street)
        current.chapter = current.chapter or chapter
        before = {i.key: i.value for i in previous.items} if not previous.empty else {}
        for figure in current.items:
            figure.previous = before.get(figure.key)
            figure.delta, figure.percent = _change(figure.value, figure.previous)
            if figure.unit == "%":  # a rate changes by percentage points, not by a per cent of itself
                figure.percent = None
        out.append(current)
    return out


def build(year: int, viewer, street=None) -> dict:
    """The review as chapters in the article's order, each with its sections."""
    sections = sections_for(year, viewer, street)
    chapters = []
    for key, heading, subtitle in CHAPTERS:
        mine = [s for s in sections if s.chapter == key]
        chapters.append(
            {
                "key": key,
                "title": str(heading),
                "subtitle": str(subtitle),
                "sections": mine,
                "empty": all(s.empty for s in mine),
            }
        )
    return {"year": year, "street": street, "chapters": chapters, "figures": figures(sections)}


def figures(sections: list[ReviewSection]) -> dict[str, ReviewItem]:
    return {i.key: i for s in sections for i in s.items}


def as_data(review: dict) -> dict:
    """Plain data (the API, the JSON the page's charts read)."""
    street = review.get("street")
    return {
        "year": review["year"],
        "street": {"id": street.pk, "name": street.name} if street is not None else None,
        "chapters": [
            {
                "key": c["key"],
                "title": c["title"],
                "subtitle": c["subtitle"],
                "empty": c["empty"],
                "narrative": c.get("narrative_text", ""),
                "sections": [
                    {
                        "key": s.key,
                        "title": s.title,
                        "url": s.url,
                        "summary": s.summary,
                        "empty": s.empty,
                        "chart": s.chart,
                        "items": [asdict(i) for i in s.items],
                    }
                    for s in c["sections"]
                ],
            }
            for c in review["chapters"]
        ],
    }
