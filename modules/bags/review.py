"""养习惯: the smart-bag programme's part of the annual review (``core.review``): who took part.
(The bags, their weight and the sorting quality come from the sorting statistics' rollups.)"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.review import ReviewSection, item
from modules.bags.models import Bag, Collection


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Workers whose bags were collected in the year and bags bound to a worker in the year."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    rows = Collection.objects.filter(collected_at__gte=start, collected_at__lt=end, owner__isnull=False)
    bound = Bag.objects.filter(bound_at__gte=start, bound_at__lt=end)
    if street is not None:
        rows = rows.filter(street=street)
        bound = bound.filter(organisation__street=street)
    # the sorting dashboard over the year: the rankings only show the current period
    url = f"{reverse('sortstats:dashboard')}?start={year}-01-01&end={year}-12-31&granularity=month"
    if street is not None:
        url += f"&street={street.pk}"
    items = [
        item("bags.workers", _("参与垃圾分类的职工"), rows.values("owner_id").distinct().count(), _("人"), url),
        item("bags.bound", _("职工扫码绑定垃圾袋"), bound.count(), _("袋"), url),
    ]
    return ReviewSection(key="bags", chapter="habits", title=_("智慧垃圾袋"), items=items, url=url)
