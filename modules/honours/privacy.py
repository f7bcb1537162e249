"""The honours programme's part of a member's own data (PIPL): nominations naming them, their
honour history, training places, certificates, online learning and craftsman profile."""

from __future__ import annotations

from django.utils.translation import gettext as _

from modules.honours import selectors
from modules.honours.models import Certificate, Craftsman, Enrolment, LessonView


def honours_section(member) -> tuple[str, list[dict]]:
    rows = [
        {_("类型"): _("评优推荐"), _("内容"): f"{n.honour.year} {n.honour.name}", _("状态"): selectors.state_label(n.state or "draft")}
        for n in selectors.my_nominations(member)
    ]
    rows += [
        {_("类型"): _("荣誉档案"), _("内容"): f"{h['year']} {h['name']}", _("状态"): h["source"]} for h in selectors.honour_history(member)
    ]
    rows += [
        {_("类型"): _("培训报名"), _("内容"): f"{e.session.course.title} · {e.session.place}", _("状态"): e.get_status_display()}
        for e in Enrolment.objects.filter(member=member).select_related("session__course")
    ]
    rows += [
        {_("类型"): _("证书"), _("内容"): f"{c.course.title} {c.number}", _("状态"): c.status()}
        for c in Certificate.objects.filter(member=member).select_related("course")
    ]
    rows += [
        {_("类型"): _("线上学习"), _("内容"): v.lesson.title, _("状态"): str(v.count)}
        for v in LessonView.objects.filter(member=member).select_related("lesson")
    ]
    craftsman = Craftsman.objects.filter(member=member).first()
    if craftsman:
        rows.append({_("类型"): _("工匠档案"), _("内容"): f"{craftsman.skill} {craftsman.level}", _("状态"): craftsman.honours})
    return _("树榜样 · 抓创新：我的荣誉、培训与工匠档案"), rows
