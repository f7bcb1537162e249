"""促建家: the rest-station programme's part of the annual review (``core.review``)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, money, with_year
from modules.stations.models import InspectionAssignment, Station, StationGrant


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Stations funded in the year (the article's 904 家), inspected, newly built (332 家) and all
    stations built by the year's end."""
    stations = Station.objects.all()
    if street is not None:
        stations = stations.filter(street=street)
    grants = StationGrant.objects.filter(station__in=stations, year=year)
    inspected = InspectionAssignment.objects.filter(plan__year=year, state="done", station__in=stations)
    built = stations.filter(built_year=year)
    street_id = street.pk if street is not None else ""
    url = reverse("stations:list")
    items = [
        item(
            "stations.funded",
            _("已拨付建设经费的暖心驿站"),
            grants.values("station").distinct().count(),
            _("家"),
            with_year(url, None, funded=year, street=street_id),
        ),
        item(
            "stations.grants",
            _("驿站建设经费"),
            money(grants.aggregate(s=Sum("amount_fen"))["s"]),
            _("元"),
            with_year(url, None, funded=year, street=street_id),
        ),
        item("stations.inspected", _("年度检查评估驿站"), inspected.count(), _("家"), with_year(reverse("stations:plans"), year)),
        item("stations.built", _("新建成职工暖心驿站"), built.count(), _("家"), with_year(url, year, street=street_id)),
        item(
            "stations.total",
            _("截至年底建成驿站"),
            stations.filter(built_year__lte=year).count(),
            _("家"),
            with_year(url, None, until=year, street=street_id),
        ),
    ]
    by_street = list(built.values("street__name").annotate(n=Count("pk")).order_by("-n", "street__name")[:20])
    chart = None
    if by_street:
        chart = {
            "type": "bar",
            "title": _("新建驿站按街道"),
            "categories": [r["street__name"] for r in by_street],
            "series": [{"name": _("家"), "data": [r["n"] for r in by_street]}],
        }
    return ReviewSection(key="stations", chapter="home", title=_("职工暖心驿站"), items=items, chart=chart, url=url)
