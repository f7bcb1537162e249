"""养习惯: prizes bought with sorting points, for the annual review (``core.review``)."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, with_year
from modules.prizes.models import Redemption


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Prizes handed over in the year and the points they cost."""
    handed = Redemption.objects.filter(status=Redemption.Status.HANDED_OVER, handed_over_at__year=year)
    if street is not None:
        handed = handed.filter(organisation__street=street)
    url = with_year(reverse("prizes:manage_redemptions"), year, status=Redemption.Status.HANDED_OVER)
    items = [
        item("prizes.handed_over", _("职工兑换领取奖品"), handed.count(), _("件"), url),
        item("prizes.points", _("兑换使用积分"), handed.aggregate(s=Sum("points"))["s"] or 0, _("分"), url),
        item("prizes.workers", _("兑换奖品的职工"), handed.values("member").distinct().count(), _("人"), url),
    ]
    return ReviewSection(key="prizes", chapter="habits", title=_("积分兑换奖品"), items=items, url=url)
