"""抓创新: the innovation-studio programme's part of the annual review (``core.review``)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, money, with_year
from modules.studios.models import Application, Subsidy
from modules.studios.process import KEY


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Applications submitted online to the year's calls, studios named, subsidies paid."""
    applications = Application.objects.filter(call__year=year, cases__process=KEY)
    paid = Subsidy.objects.filter(paid_on__year=year)
    if street is not None:
        applications = applications.filter(street=street)
        paid = paid.filter(application__street=street)
    submitted = applications.exclude(cases__state="draft")
    named = applications.filter(cases__state="named")
    url = with_year(reverse("studios:home"), year)
    items = [
        item("studios.applied", _("线上申报区级职工创新工作室"), submitted.count(), _("个"), url),
        item("studios.named", _("命名区级职工创新工作室"), named.count(), _("个"), f"{url}&state=named"),
        item("studios.subsidy", _("拨付工作室补助"), money(paid.aggregate(s=Sum("amount"))["s"]), _("元"), url),
    ]
    by_street = list(named.values("street__name").annotate(n=Count("pk")).order_by("-n", "street__name")[:20])
    chart = None
    if by_street:
        chart = {
            "type": "bar",
            "title": _("命名工作室按街道"),
            "categories": [r["street__name"] or str(_("未分街道")) for r in by_street],
            "series": [{"name": _("个"), "data": [r["n"] for r in by_street]}],
        }
    return ReviewSection(key="studios", chapter="innovation", title=_("职工创新工作室"), items=items, chart=chart, url=url)
