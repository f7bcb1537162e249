"""The smart-bag part of the demo tour (/tour/, DEBUG only): bags of the demo union that nobody
has bound or collected yet, each with its QR code, so a newcomer can scan one with a phone as a
worker and then collect it as the demo collector."""

from __future__ import annotations

import segno
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.models import Member
from modules.bags import codes
from modules.bags.models import Bag

DEMO_WORKER_PHONE = "13800000001"
TOUR_BAGS = 5


def tour_bags(limit: int = TOUR_BAGS) -> list[tuple[str, str]]:
    """(code, grouped code) of the demo union's unbound, uncollected bags, newest batch first."""
    union_id = Member.objects.filter(phone=DEMO_WORKER_PHONE).values_list("organisation_id", flat=True).first()
    if union_id is None:
        return []
    ids = (
        Bag.objects.filter(organisation_id=union_id, owner__isnull=True, collected_at__isnull=True)
        .order_by("-batch_id", "pk")  # the seeder's tour batch (the newest) first
        .values_list("pk", flat=True)[:limit]
    )
    return [(code, codes.group(code)) for code in (codes.encode(pk) for pk in ids)]


def _qr_svg(url: str, label: str) -> str:
    # Inline markup (no script, no data: image): it prints with the page and needs no request.
    svg = segno.make(url, error="m").svg_inline(scale=4, title=label, svgclass="tour-qr")
    return svg.replace("<svg ", '<svg role="img" ', 1)


def section(request) -> dict | None:
    bags = tour_bags()
    cards = []
    for code, grouped in bags:
        url = request.build_absolute_uri(reverse("bag_short", args=[code]))
        label = _("垃圾袋 %(code)s 的二维码") % {"code": grouped}
        cards.append({"label": grouped, "url": url, "svg": mark_safe(_qr_svg(url, escape(label))), "caption": url})
    return {
        "title": _("智慧垃圾袋：先绑定，再回收"),
        "steps": [
            _(
                "职工：用手机扫下面任意一个二维码（或点击链接），用手机号 13800000001 登录，验证码打印在服务器日志中；垃圾袋即绑定到您名下，页面转到“我的积分”。"
            ),
            _(
                "分拣员：在另一个浏览器窗口（或另一部手机）用 collector / demo12345 登录，打开“回收扫码”，选择“厨余垃圾”，扫码或输入同一个编码后按回车。"
            ),
            _("回到职工的“我的积分”页面：这袋分类合格的积分已到账，排行榜随之更新。"),
        ],
        "cards": cards,
        "empty": _("演示工会的垃圾袋都已绑定或回收。可以用 district 账号在“垃圾袋批次”中新建一批。"),
        "links": [
            (_("分拣员回收扫码"), reverse("bags:station")),
            (_("我的积分"), reverse("bags:me")),
            (_("排行榜"), reverse("bags:rankings")),
        ],
    }
