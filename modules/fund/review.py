"""抗疫情: the special fund's part of the annual review (``core.review``)."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, money, with_year
from modules.fund.models import Beneficiary, Disbursement, Refund


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Money paid in the year less what came back (the article's 248万元), per purpose, and the
    workers who benefited."""
    payments = Disbursement.objects.filter(paid_on__year=year)
    refunds = Refund.objects.filter(application__disbursement__paid_on__year=year)
    if street is not None:
        payments = payments.filter(street=street)
        refunds = refunds.filter(application__street=street)
    paid = payments.aggregate(s=Sum("amount"))["s"] or 0
    returned = refunds.aggregate(s=Sum("amount"))["s"] or 0
    per_purpose: dict[str, int] = {}
    for r in payments.values("purpose__name").annotate(s=Sum("amount")):
        per_purpose[r["purpose__name"]] = r["s"]
    for r in refunds.values("purpose__name").annotate(s=Sum("amount")):
        per_purpose[r["purpose__name"]] = per_purpose.get(r["purpose__name"], 0) - r["s"]
    home = with_year(reverse("fund:home"), year)  # the applications paid in the year
    items = [
        item("fund.disbursed", _("专项基金累计下拨"), money(paid - returned), _("元"), home),
        item("fund.payments", _("拨付笔数"), payments.count(), _("笔"), home),
        item("fund.unions", _("获拨付单位"), payments.values("organisation").distinct().count(), _("个"), home),
        item(
            "fund.beneficiaries", _("受益职工"), Beneficiary.objects.filter(application__disbursement__in=payments).count(), _("人次"), home
        ),
    ]
    chart = None
    if per_purpose:
        names = sorted(per_purpose)
        chart = {
            "type": "pie",
            "title": _("下拨资金按用途（元）"),
            "categories": names,
            "series": [{"name": _("元"), "data": [money(per_purpose[n]) for n in names]}],
        }
    return ReviewSection(key="fund", chapter="epidemic", title=_("疫情防控专项基金"), items=items, chart=chart, url=home)
