"""促建家: the rest-station programme's part of the annual review (``core.review``).

The seed article: “对已拨付建设经费904家暖心驿站进行走访调研 … 在904家的基础上，今年新建成职工暖心驿站
332家”. So for a year: the base of stations built before the year whose construction money had been
paid before it (904), the stations visited in the year's inspection and evaluation (904), the new
stations built in the year (332), and all stations built by the year's end (1,236).
"""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, money, with_year
from modules.stations.models import Station, StationGrant
from modules.stations.selectors import funded_before_ids, inspected_ids


def review_section(year: int, viewer, street=None) -> ReviewSection:
    stations = Station.objects.all()
    if street is not None:
        stations = stations.filter(street=street)
    base = stations.filter(built_year__lt=year, pk__in=funded_before_ids(year))
    inspected = stations.filter(pk__in=inspected_ids(year))
    built = stations.filter(built_year=year)
    total = stations.filter(built_year__lte=year)
    grants = StationGrant.objects.filter(station__in=stations, year=year)
    street_id = street.pk if street is not None else ""
    url = reverse("stations:list")
    base_n, built_n, total_n = base.count(), built.count(), total.count()
    items = [
        item(
            "stations.funded",
            _("此前已拨付建设经费的暖心驿站（新建基础）"),
            base_n,
            _("家"),
            # built by the end of the year before, with money granted in a year before this one
            with_year(url, None, until=year - 1, funded_before=year, street=street_id),
        ),
        item(
            "stations.inspected",
            _("检查评估走访调研驿站"),
            inspected.count(),
            _("家"),
            with_year(url, None, inspected=year, street=street_id),
        ),
        item("stations.built", _("新建成职工暖心驿站"), built_n, _("家"), with_year(url, year, street=street_id)),
        item(
            "stations.total",
            _("截至年底建成驿站（合计）"),
            total_n,
            _("家"),
            with_year(url, None, until=year, street=street_id),
        ),
        item(
            "stations.grants",
            _("本年度拨付驿站经费"),
            money(grants.aggregate(s=Sum("amount_fen"))["s"]),
            _("元"),
            with_year(url, None, funded=year, street=street_id),
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
    summary = ""
    if base_n or built_n:
        summary = _(
            "在%(base)s家（上一年度前已拨付建设经费）的基础上，今年新建成职工暖心驿站%(built)s家，截至年底共%(total)s家；"
            "年度检查评估走访调研%(inspected)s家。"
        ) % {"base": f"{base_n:,}", "built": f"{built_n:,}", "total": f"{total_n:,}", "inspected": f"{items[1].value:,}"}
    return ReviewSection(
        key="stations",
        chapter="home",
        title=_("职工暖心驿站"),
        items=items,
        chart=chart,
        url=with_year(url, None, until=year, street=street_id),
        summary=summary,
    )
