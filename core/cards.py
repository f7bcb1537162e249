"""Core's cards on the staff dashboard: unions, members and coverage in the viewer's scope."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core import scoping, selectors
from core.models import Organisation


def organisations(request):
    qs = scoping.organisations_visible_to(request.user).filter(level=Organisation.Level.GRASSROOTS)
    figures = qs.aggregate(n=Count("pk"), non_public=Count("pk", filter=Q(ownership=Organisation.Ownership.NON_PUBLIC)))
    return {
        "title": _("基层工会数"),
        "value": f"{figures['n']:,}",
        "url": reverse("core:org_tree"),
        "hint": _("其中非公企业 %(n)s 个") % {"n": f"{figures['non_public']:,}"},
    }


def members(request):
    # member_count is kept right by the services, so the sum avoids counting a million rows.
    total = (
        scoping.organisations_visible_to(request.user).filter(level=Organisation.Level.GRASSROOTS).aggregate(n=Sum("member_count"))["n"]
        or 0
    )
    return {"title": _("在册会员"), "value": f"{total:,}", "url": reverse("core:org_tree"), "hint": _("按您的管理范围统计")}


def coverage(request):
    if not request.user.has_perm("core.view_coverage"):
        return None
    figures = selectors.coverage_units(request.user).aggregate(total=Count("pk"), covered=Count("pk", filter=Q(union__isnull=False)))
    percent = selectors.percent(figures["covered"], figures["total"])
    return {
        "title": _("园区·社区·楼宇建会覆盖率"),
        "value": "—" if percent is None else f"{percent}%",
        "url": reverse("core:coverage"),
        "hint": _("%(c)s / %(t)s 个已建会") % {"c": figures["covered"], "t": figures["total"]},
    }
