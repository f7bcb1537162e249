"""The xlsx export of the prize reports (openpyxl, write-only: rows stream into the file)."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from core.privacy import mask_name
from core.spreadsheets import Workbook
from modules.prizes import selectors
from modules.prizes.models import PickupPlace, Redemption

DETAIL_LIMIT = 50_000  # beyond this the detail sheet says so; the summaries stay complete


def _tally_header() -> list[str]:
    return [_("兑换总数"), _("待领取"), _("已领取"), _("已过期"), _("已取消"), _("消耗积分")]


def _tally(row: dict) -> list:
    return [row["total"], row["pending"], row["handed_over"], row["expired"], row["cancelled"], row["points"] or 0]


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def report_workbook(viewer, period: selectors.Period) -> bytes:
    """Summaries by prize, place and union, the stock alerts and the redemptions themselves, in the viewer's scope."""
    book = Workbook(write_only=True)
    kinds = dict(PickupPlace.Kind.choices)
    statuses = dict(Redemption.Status.choices)

    sheet = book.create_sheet(_("按奖品"))
    sheet.append([_("奖品"), _("所需积分"), _("剩余库存"), *_tally_header()])
    for row in selectors.report_by_prize(viewer, period):
        sheet.append([row["prize__name"], row["prize__points_price"], row["prize__stock"], *_tally(row)])

    sheet = book.create_sheet(_("按取货点"))
    sheet.append([_("取货点"), _("类型"), *_tally_header()])
    for row in selectors.report_by_place(viewer, period):
        sheet.append([row["place__name"], str(kinds.get(row["place__kind"], "")), *_tally(row)])

    sheet = book.create_sheet(_("按工会"))
    sheet.append([_("工会"), *_tally_header()])
    for row in selectors.report_by_organisation(viewer, period).iterator(chunk_size=2000):
        sheet.append([row["organisation__name"], *_tally(row)])

    sheet = book.create_sheet(_("库存预警"))
    sheet.append([_("奖品"), _("提供工会"), _("剩余库存"), _("预警线"), _("上架总数")])
    for prize in selectors.stock_alerts(viewer):
        sheet.append([prize.name, prize.organisation.name, prize.stock, prize.stock_alert_threshold, prize.stock_listed])

    sheet = book.create_sheet(_("兑换明细"))
    sheet.append(
        [_("取货码"), _("兑换时间"), _("奖品"), _("积分"), _("职工"), _("所在工会"), _("取货点"), _("状态"), _("领取时间"), _("领取截止")]
    )
    rows = (
        selectors.redemptions_visible_to(viewer)
        .filter(period.q())
        .order_by("created_at", "id")
        .values_list(
            "code",
            "created_at",
            "prize__name",
            "points",
            "member__name",
            "organisation__name",
            "place__name",
            "status",
            "handed_over_at",
            "expires_at",
        )
    )
    count = 0
    for code, created, prize, points, name, org, place, status, handed, expires in rows.iterator(chunk_size=2000):
        count += 1
        if count > DETAIL_LIMIT:
            sheet.append([_("明细超过 %(n)s 行，请缩小日期范围后再导出") % {"n": DETAIL_LIMIT}])
            break
        sheet.append(
            [
                f"{code[:4]}-{code[4:]}",
                _local(created),
                prize,
                points,
                mask_name(name),
                org,
                place,
                str(statuses.get(status, status)),
                _local(handed),
                _local(expires),
            ]
        )

    out = BytesIO()
    book.save(out)
    return out.getvalue()
