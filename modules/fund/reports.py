"""The files finance asks for, produced as background jobs (``core.jobs``): the workbook in the
layout finance staff use (summary by purpose, payments, beneficiaries, returns) and the PDF
statement of the fund (资金使用情况报表)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound
from core.numbers import yuan
from core.pdf import cjk_font
from modules.fund import selectors
from modules.fund.models import Beneficiary, Disbursement, Fund, Refund

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = "#,##0.00"


def _y(fen: int | None) -> Decimal:
    """Fen as a yuan number for a spreadsheet cell (exact: a Decimal, never a float sum)."""
    return Decimal(int(fen or 0)).scaleb(-2)


def finance_xlsx(fund: Fund, progress=None) -> bytes:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from core.spreadsheets import Workbook

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, titles):
        cells = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    def money(sheet, value):
        cell = WriteOnlyCell(sheet, value=_y(value))
        cell.number_format = MONEY
        return cell

    status = selectors.fund_status(fund)
    summary = workbook.create_sheet(_("资金使用汇总表"))
    summary.append(
        [
            _("%(district)s %(year)s年 %(name)s 资金使用汇总表")
            % {"district": settings.UNIONHUB_DISTRICT_NAME, "year": fund.year, "name": fund.name}
        ]
    )
    summary.append([_("编制日期：%(d)s　单位：元") % {"d": timezone.localdate().isoformat()}])
    header(summary, [_("序号"), _("用途"), _("预算额度"), _("已批准未拨付"), _("已拨付（扣除退回）"), _("结余"), _("使用率")])
    for i, p in enumerate(status.purposes, start=1):
        summary.append(
            [
                i,
                p.purpose.name,
                money(summary, p.allocated),
                money(summary, p.committed),
                money(summary, p.paid),
                money(summary, p.remaining),
                f"{p.used_percent}%",
            ]
        )
    summary.append(["", _("未分配预算"), money(summary, status.unallocated), None, None, money(summary, status.unallocated), ""])
    summary.append(
        [
            "",
            _("合计"),
            money(summary, status.total),
            money(summary, status.committed),
            money(summary, status.paid),
            money(summary, status.remaining),
            f"{status.used_percent}%",
        ]
    )

    payments = workbook.create_sheet(_("拨付明细"))
    header(
        payments,
        [
            _("序号"),
            _("付款日期"),
            _("付款凭证号"),
            _("申请单位"),
            _("所属街道"),
            _("用途"),
            _("申请事由"),
            _("受益人数"),
            _("拨付金额"),
            _("退回金额"),
            _("实际支出"),
        ],
    )
    returned = dict(Refund.objects.filter(fund=fund).values("application").annotate(s=Sum("amount")).values_list("application", "s"))
    rows = (
        Disbursement.objects.filter(fund=fund).select_related("application", "organisation", "street", "purpose").order_by("paid_on", "pk")
    )
    total = rows.count()
    for i, d in enumerate(rows.iterator(chunk_size=2000), start=1):
        back = returned.get(d.application_id, 0)
        payments.append(
            [
                i,
                d.paid_on.isoformat(),
                d.reference,
                d.organisation.name,
                d.street.name if d.street_id else "",
                d.purpose.name,
                d.application.title,
                d.application.beneficiary_count,
                money(payments, d.amount),
                money(payments, back),
                money(payments, d.amount - back),
            ]
        )
        if progress and i % 500 == 0:
            progress(i, total * 2, _("拨付明细"))
    people = workbook.create_sheet(_("受益人明细"))
    header(people, [_("申请单位"), _("用途"), _("姓名"), _("身份证号后四位"), _("人员类别"), _("金额"), _("退回"), _("确认领取")])
    beneficiaries = (
        Beneficiary.objects.filter(application__disbursement__fund=fund)
        .select_related("application__organisation", "purpose")
        .order_by("application_id", "pk")
    )
    for i, b in enumerate(beneficiaries.iterator(chunk_size=2000), start=1):
        people.append(
            [
                b.application.organisation.name,
                b.purpose.name,
                b.name,
                b.id_tail,
                b.category,
                money(people, b.amount),
                money(people, b.returned),
                timezone.localtime(b.received_at).strftime("%Y-%m-%d") if b.received_at else _("未确认"),
            ]
        )
        if progress and i % 2000 == 0:
            progress(total + min(i, total), total * 2, _("受益人明细"))
    refunds = workbook.create_sheet(_("资金退回"))
    header(refunds, [_("退回日期"), _("申请单位"), _("用途"), _("金额"), _("原因")])
    for r in Refund.objects.filter(fund=fund).select_related("application__organisation", "purpose").order_by("returned_on", "pk"):
        refunds.append([r.returned_on.isoformat(), r.application.organisation.name, r.purpose.name, money(refunds, r.amount), r.reason])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def statement_pdf(fund: Fund) -> bytes:
    """The fund's statement: budget, each purpose, by street and by month, the remaining budget."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=15, leading=20)
    h2 = ParagraphStyle("h", fontName=font, fontSize=11, leading=15, spaceBefore=8, spaceAfter=3)
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f4")),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ]
    )
    data = selectors.report(fund)
    status = data.status
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    story = [
        Paragraph(
            _("%(district)s %(year)s年%(name)s资金使用情况报表")
            % {"district": settings.UNIONHUB_DISTRICT_NAME, "year": fund.year, "name": fund.name},
            title,
        ),
        Paragraph(
            _("总预算 %(total)s 元；已拨付 %(paid)s 元；已批准未拨付 %(committed)s 元；结余 %(left)s 元；编制于 %(at)s")
            % {
                "total": yuan(status.total),
                "paid": yuan(status.paid),
                "committed": yuan(status.committed),
                "left": yuan(status.remaining),
                "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            },
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("一、分用途"), h2),
    ]
    table = [[_("用途"), _("预算额度"), _("已批准未拨付"), _("已拨付"), _("结余"), _("使用率")]]
    table += [
        [p.purpose.name, yuan(p.allocated), yuan(p.committed), yuan(p.paid), yuan(p.remaining), f"{p.used_percent}%"]
        for p in status.purposes
    ]
    table.append(
        [_("合计"), yuan(status.total), yuan(status.committed), yuan(status.paid), yuan(status.remaining), f"{status.used_percent}%"]
    )
    story.append(Table(table, repeatRows=1, style=style, colWidths=[48 * mm, 28 * mm, 28 * mm, 28 * mm, 28 * mm, 18 * mm]))
    story.append(Paragraph(_("二、分街道"), h2))
    table = [[_("街道"), _("拨付笔数"), _("实际支出")]] + [[r["street"], r["applications"], yuan(r["amount"])] for r in data.by_street]
    story.append(Table(table, repeatRows=1, style=style, colWidths=[90 * mm, 30 * mm, 40 * mm]))
    story.append(Paragraph(_("三、分月份"), h2))
    table = [[_("月份"), _("拨付笔数"), _("拨付"), _("退回")]]
    table += [
        [r["month"].strftime("%Y-%m") if r["month"] else "—", r["applications"], yuan(r["paid"]), yuan(r["returned"])]
        for r in data.by_month
    ]
    story.append(Table(table, repeatRows=1, style=style, colWidths=[40 * mm, 30 * mm, 45 * mm, 45 * mm]))
    story.append(Paragraph(_("四、受助最多的基层工会"), h2))
    table = [[_("基层工会"), _("拨付笔数"), _("金额")]] + [
        [r["organisation"], r["applications"], yuan(r["amount"])] for r in data.top_unions
    ]
    story.append(Table(table, repeatRows=1, style=style, colWidths=[100 * mm, 25 * mm, 35 * mm]))
    doc.build(story)
    return out.getvalue()


def export_job(job, progress) -> dict:
    """Handler of the ``fund_export`` job: ``params = {"fund": id, "fmt": "xlsx" | "pdf"}``."""
    from core import scoping

    if not scoping.is_district_staff(job.owner):
        raise Forbidden("fund_forbidden", _("只有区总工会可以导出基金报表"))
    fund = Fund.objects.filter(pk=job.params.get("fund")).first()
    if fund is None:
        raise NotFound("fund_not_found", _("找不到该基金"))
    fmt = job.params.get("fmt")
    progress(0, 1, _("正在生成"), force=True)
    if fmt == "pdf":
        progress.attach(f"fund-{fund.year}-statement.pdf", statement_pdf(fund))
    else:
        progress.attach(f"fund-{fund.year}-finance.xlsx", finance_xlsx(fund, progress))
    progress(1, 1, _("完成"), force=True)
    return {"message": _("报表已生成，请下载")}
