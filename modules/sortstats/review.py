"""养习惯: the sorting figures of the annual review (``core.review``), read from the rollups
(month, week and day rows per union × category; monthly participation per union) rather than
from a year of raw scans."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.categories import Category
from core.review import ReviewSection, item
from modules.sortstats.models import OrgMonth
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
        *_participation(year, street, url),
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


def _participation(year: int, street, url: str) -> list:
    """Workers who took part: new in the year, and all who had by its end.

    From the monthly participation rollup (a member is "new" in the month of their first collected
    bag), so both are sums over the unions' month rows; counting the distinct owners of a year's
    scans read ten million rows at district scale (7 s)."""
    months = OrgMonth.objects.filter(month__lte=date(year, 12, 1))
    if street is not None:
        months = months.filter(street_id=street.pk)
    totals = months.aggregate(by_end=Sum("new_participants"), new=Sum("new_participants", filter=Q(month__gte=date(year, 1, 1))))
    return [
        item("sortstats.new_workers", _("当年新参与垃圾分类的职工"), totals["new"] or 0, _("人"), url),
        item("sortstats.workers", _("累计参与垃圾分类的职工（截至年底）"), totals["by_end"] or 0, _("人"), url),
    ]
