"""The care programme's parts of the annual review (``core.review``): 微心愿 (wishes and loans)
and, under 抗疫情, the psychological help (counts only, never a person)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.review import ReviewSection, item, money, with_year
from modules.care.models import Booking, HotlineCall, LoanApplication, Wish
from modules.care.selectors import campaign_figures, loan_figures


def _bounds(year: int):
    return timezone.make_aware(dt.datetime(year, 1, 1)), timezone.make_aware(dt.datetime(year + 1, 1, 1))


def wishes_section(year: int, viewer, street=None) -> ReviewSection:
    """微心愿 posted, claimed and fulfilled with their value; startup loans and the union's subsidy."""
    start, end = _bounds(year)
    wishes = Wish.objects.filter(campaign__year=year)
    loans = LoanApplication.objects.filter(created_at__gte=start, created_at__lt=end)
    if street is not None:
        wishes, loans = wishes.filter(street=street), loans.filter(street=street)
    w = campaign_figures(wishes)
    money_ = loan_figures(loans)
    wishes_url = with_year(reverse("care:staff_wishes"), year)
    loans_url = with_year(reverse("care:loans"), year)
    items = [
        item("care.wishes_posted", _("征集职工微心愿"), w.posted, _("个"), wishes_url),
        item("care.wishes_claimed", _("微心愿被认领"), w.claimed, _("个"), f"{wishes_url}&status=claimed"),
        item("care.wishes_fulfilled", _("微心愿圆梦"), w.fulfilled, _("个"), f"{wishes_url}&status=fulfilled"),
        item("care.wishes_value", _("圆梦心愿价值"), money(w.value_fulfilled), _("元"), f"{wishes_url}&status=fulfilled"),
        item("care.loans", _("小额贷款申请"), money_["applications"], _("笔"), loans_url),
        item("care.loans_made", _("银行放款"), money_["made"], _("笔"), loans_url),
        item("care.loans_amount", _("放款金额"), money(money_["amount"]), _("元"), loans_url),
        item("care.loans_subsidy", _("工会贴息"), money(money_["subsidy_paid"]), _("元"), loans_url),
    ]
    chart = None
    if w.posted:
        chart = {
            "type": "bar",
            "title": _("微心愿进展"),
            "categories": [_("征集"), _("认领"), _("圆梦")],
            "series": [{"name": _("个"), "data": [w.posted, w.claimed, w.fulfilled]}],
        }
    return ReviewSection(key="care", chapter="wishes", title=_("关心关爱职工"), items=items, chart=chart, url=wishes_url)


def counselling_section(year: int, viewer, street=None) -> ReviewSection:
    """心理援助: counselling sessions held and hotline calls in the year — counts only."""
    start, end = _bounds(year)
    bookings = Booking.objects.filter(starts_at__gte=start, starts_at__lt=end)
    calls = HotlineCall.objects.filter(at__gte=start, at__lt=end)
    if street is not None:
        bookings = bookings.filter(organisation__street=street)
        calls = calls.none()
    # the counselling page is the district's: other viewers get no link here (the review links such
    # a figure to its own place in the review)
    url = with_year(reverse("care:counselling_staff"), year) if viewer is not None and scoping.is_district_staff(viewer) else ""
    items = [
        item("care.counselling", _("心理咨询服务"), bookings.filter(status=Booking.Status.ATTENDED).count(), _("人次"), url),
        item("care.hotline", _("心理援助热线来电"), calls.count(), _("次"), url),
    ]
    return ReviewSection(key="care_counselling", chapter="epidemic", title=_("职工心理援助"), items=items, url=url)
