"""The care programme's part of a member's own data (PIPL): their wishes, loans and counselling
bookings. A counsellor's notes are the counsellor's working record and are not exported; what the
worker wrote when booking is."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from modules.care.models import Booking, LoanApplication, SessionNote, Wish


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def care_section(member) -> tuple[str, list[dict]]:
    rows = [
        {_("时间"): _when(w.created_at), _("类型"): _("微心愿"), _("内容"): f"{w.item}（{w.get_status_display()}）"}
        for w in Wish.objects.filter(member=member)
    ]
    rows += [
        {_("时间"): _when(loan.created_at), _("类型"): _("创业贷款"), _("内容"): loan.business_name}
        for loan in LoanApplication.objects.filter(member=member)
    ]
    intakes = dict(SessionNote.objects.filter(booking__member=member).values_list("booking_id", "intake"))
    rows += [
        {
            _("时间"): _when(b.starts_at),
            _("类型"): _("心理咨询预约"),
            _("内容"): f"{b.get_mode_display()} · {b.get_status_display()} {intakes.get(b.pk, '')}".strip(),
        }
        for b in Booking.objects.filter(member=member)
    ]
    rows.sort(key=lambda row: row[_("时间")])
    return _("关心关爱：我的心愿、贷款与咨询预约"), rows
