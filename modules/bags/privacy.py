"""The bags programme's part of a member's own data export (PIPL: access and portability)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from modules.bags import codes
from modules.bags.models import Bag, Collection, WrongSortReason


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def bags_section(member) -> tuple[str, list[dict]]:
    """The bags bound to the member and, for each collected one, its grade and the points it earned."""
    collections = {
        c.bag_id: c
        for c in Collection.objects.filter(owner=member)
        .select_related("point")
        .only("bag_id", "collected_at", "category", "grade", "reasons", "points_awarded", "point__name")
    }
    rows = []
    for bag in Bag.objects.filter(owner=member).order_by("bound_at", "pk").only("pk", "bound_at", "collected_at"):
        c = collections.pop(bag.pk, None)
        rows.append(_row(bag.pk, bag.bound_at, c))
    # bags since unbound from the member (e.g. after a transfer) whose collection still names them
    for bag_id, c in sorted(collections.items()):
        rows.append(_row(bag_id, None, c))
    return _("垃圾分类：我的垃圾袋与回收记录"), rows


def _reason_labels(reasons) -> str:
    """The people's names of the wrong-sort reasons (the model's choices), never the stored codes."""
    labels = dict(WrongSortReason.choices)
    return "、".join(str(labels.get(code, _("其他原因"))) for code in reasons or [])


def _row(bag_id: int, bound_at, c: Collection | None) -> dict:
    return {
        _("垃圾袋编码"): codes.encode(bag_id),
        _("绑定时间"): _when(bound_at),
        _("回收时间"): _when(c.collected_at) if c else "",
        _("回收点"): c.point.name if c else "",
        _("分类"): c.get_category_display() if c else "",
        _("分类质量"): c.get_grade_display() if c else _("未回收"),
        _("不合格原因"): _reason_labels(c.reasons) if c else "",
        _("获得积分"): c.points_awarded if c else 0,
    }
