"""The rest stations' part of a member's own data (PIPL): the export, and what a closed account erases."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from modules.stations.models import ProblemReport, StationRating, StationTask


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def ratings_and_reports_section(member) -> tuple[str, list[dict]]:
    """The member's ratings of stations and the problems they reported, oldest first."""
    rows = [
        {_("时间"): _when(r.created_at), _("类型"): _("评价"), _("驿站"): r.station.name, _("评分"): r.stars, _("内容"): r.comment}
        for r in StationRating.objects.filter(member=member).select_related("station")
    ]
    rows += [
        {
            _("时间"): _when(p.created_at),
            _("类型"): _("问题反映"),
            _("驿站"): p.station.name,
            _("评分"): "",
            _("内容"): f"{p.get_kind_display()}：{p.description}" if p.description else p.get_kind_display(),
        }
        for p in ProblemReport.objects.filter(member=member).select_related("station")
    ]
    rows.sort(key=lambda row: row[_("时间")])
    return _("职工驿站：我的评价与问题反映"), rows


def erase_member_text(member) -> None:
    """At an account's closure: the member's words and photos go; stars, kinds and tasks stay for the figures."""
    StationRating.objects.filter(member=member).update(comment="")
    reports = ProblemReport.objects.filter(member=member)
    StationTask.objects.filter(problem__in=reports).update(detail="")
    for report in reports.exclude(photo=""):
        report.photo.delete(save=False)
    reports.update(description="", photo="")
