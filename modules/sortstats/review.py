"""养习惯: the sorting figures of the annual review (``core.review``), read from the daily rollups
(one row per day × union × category) rather than from a year of raw scans."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from core.categories import Category
from core.review import ReviewSection, item
from modules.sortstats.selectors.facts import organisations_with_bags, volume_by
from modules.sortstats.selectors.filters import Filters


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Bags collected in the year, their weight, the share sorted correctly and the unions that
    took part, with the sorting dashboard for the year behind every figure.

    Read as the dashboard reads a year (twelve closed months from the month tables, the open
    month from day and week rows): at district scale the day table holds millions of rows a year."""
    period = Filters(start=date(year, 1, 1), end=date(year, 12, 31), granularity="month", street_id=street.pk if street else None)
    per_category = volume_by(viewer, period, ["category"])
    bags = sum(r["bags"] for r in per_category)
    grams = sum(r["grams"] for r in per_category)
    correct = sum(r["correct"] for r in per_category)
    url = f"{reverse('sortstats:dashboard')}?start={year}-01-01&end={year}-12-31&granularity=month"
    if street is not None:
        url += f"&street={street.pk}"
    items = [
        item("sortstats.bags", _("回收智慧垃圾袋"), bags, _("袋"), url),
        item("sortstats.weight", _("回收垃圾重量"), round(grams / 1000, 1), _("千克"), url),
        item("sortstats.accuracy", _("分类合格率"), round(correct * 100 / bags, 1) if bags else 0, "%", url),
        item("sortstats.unions", _("参与单位工会"), organisations_with_bags(viewer, period), _("个"), url),
    ]
    by_category = {r["category"]: r["bags"] for r in per_category if r["bags"]}
    chart = None
    if by_category:
        labels = dict(Category.choices)
        keys = [k for k, _label in Category.choices if by_category.get(k)]
        chart = {
            "type": "pie",
            "title": _("回收袋按分类"),
            "categories": [str(labels[k]) for k in keys],
            "series": [{"name": _("袋"), "data": [by_category[k] for k in keys]}],
        }
    return ReviewSection(key="sortstats", chapter="habits", title=_("垃圾分类成效"), items=items, chart=chart, url=url)
