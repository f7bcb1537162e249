"""养习惯: the sorting figures of the annual review (``core.review``), read from the daily rollups
(one row per day × union × category) rather than from a year of raw scans."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.categories import Category
from core.review import ReviewSection, item
from modules.sortstats.models import OrgDay


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Bags collected in the year, their weight, the share sorted correctly and the unions that
    took part, with the sorting dashboard for the year behind every figure."""
    rows = OrgDay.objects.filter(day__year=year)
    if street is not None:
        rows = rows.filter(street_id=street.pk)
    totals = rows.aggregate(bags=Sum("bags"), grams=Sum("grams"), correct=Sum("correct"))
    bags, correct = totals["bags"] or 0, totals["correct"] or 0
    url = f"{reverse('sortstats:dashboard')}?start={year}-01-01&end={year}-12-31&granularity=month"
    if street is not None:
        url += f"&street={street.pk}"
    items = [
        item("sortstats.bags", _("回收智慧垃圾袋"), bags, _("袋"), url),
        item("sortstats.weight", _("回收垃圾重量"), round((totals["grams"] or 0) / 1000, 1), _("千克"), url),
        item("sortstats.accuracy", _("分类合格率"), round(correct * 100 / bags, 1) if bags else 0, "%", url),
        item("sortstats.unions", _("参与单位工会"), rows.values("organisation_id").distinct().count(), _("个"), url),
    ]
    by_category = {r["category"]: r["n"] for r in rows.values("category").annotate(n=Sum("bags")) if r["n"]}
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
