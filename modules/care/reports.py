"""Workbooks staff download: the wishes and the loans of their tree (through core.spreadsheets)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book(title: str, headers: list[str], rows) -> bytes:
    from openpyxl.styles import Font

    from core.spreadsheets import Workbook  # typed text is written as text, never as a formula

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def wishes_xlsx(wishes) -> bytes:
    headers = [
        _("编号"),
        _("活动"),
        _("所在工会"),
        _("公开称呼"),
        _("心愿物品"),
        _("价值（元）"),
        _("状态"),
        _("代为填报"),
        _("提交时间"),
        _("圆梦时间"),
    ]
    rows = (
        [
            w.pk,
            w.campaign.title,
            w.organisation.name,
            w.first_name,
            w.item,
            w.value / 100,
            w.get_status_display(),
            _("是") if w.on_behalf else _("否"),
            _local(w.created_at),
            _local(w.fulfilled_at),
        ]
        for w in wishes.iterator(chunk_size=2000)
    )
    return _book(_("微心愿"), headers, rows)


def loans_xlsx(loans) -> bytes:
    from modules.care import selectors

    loans = list(loans)
    states = selectors.loan_states(loans)
    from engines.workflow.process import get

    process = get("care.loan")
    headers = [
        _("编号"),
        _("申请人"),
        _("所在工会"),
        _("类别"),
        _("创业项目"),
        _("申请金额（元）"),
        _("期限（月）"),
        _("状态"),
        _("放款金额（元）"),
        _("已贴息（元）"),
    ]
    rows = []
    for loan in loans:
        subsidy = sum(r.subsidy_paid for r in loan.repayments.all())
        rows.append(
            [
                loan.pk,
                loan.member.name,
                loan.organisation.name,
                loan.get_group_display(),
                loan.business_name,
                loan.amount / 100,
                loan.term_months,
                process.state_label(states.get(loan.pk, "")),
                (loan.approved_amount or 0) / 100,
                subsidy / 100,
            ]
        )
    return _book(_("创业贷款"), headers, rows)
