"""The staff dashboard's card and the annual review's section."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core import scoping
from modules.stations import selectors
from modules.stations.models import StationGrant, StationTask, Status


def dashboard_cards(request):
    user = request.user
    if not scoping.is_staff_member(user):
        return None
    counts = selectors.stations_visible_to(user).aggregate(open=Count("id", filter=Q(status=Status.OPEN)), total=Count("id"))
    fixes = (
        selectors.tasks_visible_to(user)
        .exclude(state=StationTask.State.RESOLVED)
        .aggregate(fix=Count("id", filter=Q(kind=StationTask.Kind.FIX)), problem=Count("id", filter=Q(kind=StationTask.Kind.PROBLEM)))
    )
    return [
        {
            "title": _("运营中的暖心驿站"),
            "value": counts["open"],
            "url": reverse("stations:list") + "?status=open",
            "hint": _("共登记 %(n)s 个") % {"n": counts["total"]},
        },
        {
            "title": _("驿站待整改/待处理"),
            "value": fixes["fix"] + fixes["problem"],
            "url": reverse("stations:tasks"),
            "hint": _("整改 %(f)s 项，职工反映 %(p)s 项") % {"f": fixes["fix"], "p": fixes["problem"]},
        },
    ]


def review_section(year, viewer):
    from modules.stations.models import InspectionAssignment

    stations = selectors.stations_visible_to(viewer)
    funded = StationGrant.objects.filter(station__in=stations, year=year)
    inspected = InspectionAssignment.objects.filter(plan__year=year, state="done", station__in=stations).count()
    return {
        "title": _("职工暖心驿站"),
        "items": [
            (_("获资助驿站"), funded.values("station").distinct().count(), _("个")),
            (_("资助金额"), round((funded.aggregate(s=Sum("amount_fen"))["s"] or 0) / 100), _("元")),
            (_("年度检查评估驿站"), inspected, _("个")),
            (_("当年新建驿站"), stations.filter(built_year=year).count(), _("个")),
        ],
    }
