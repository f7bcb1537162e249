"""The printable one-page monthly report of a street (reportlab, a CJK font embedded when installed)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import cjk_font

_FONT: str | None = None


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(columns, rows, font, widths=None, max_rows=None):
    data = [[str(c) for c in columns]] + [[_fmt(v) for v in row] for row in (rows[:max_rows] if max_rows else rows)]
    if len(data) == 1:
        data.append([_("本月无数据")] + [""] * (len(columns) - 1))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f4")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ccd0")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def street_month_pdf(report: dict) -> bytes:
    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=15, leading=20, spaceAfter=2)
    h2 = ParagraphStyle("h", fontName=font, fontSize=10.5, leading=14, spaceBefore=5, spaceAfter=2)
    body = ParagraphStyle("b", fontName=font, fontSize=8.5, leading=12)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=12 * mm,
        bottomMargin=10 * mm,
        title=f"{report['street'].name} {report['month_label']} 垃圾分类月报",
        author=settings.UNIONHUB_DISTRICT_NAME,
    )
    summary = report["summary"]
    totals = summary["totals"]
    part = report["participation_total"]
    peak = report["heatmap"].get("peak")
    story = [
        Paragraph(_("%(street)s %(month)s 垃圾分类数据月报") % {"street": report["street"].name, "month": report["month_label"]}, title),
        Paragraph(
            _("统计期间：%(period)s；生成时间：%(now)s")
            % {"period": summary["period"], "now": timezone.localtime().strftime("%Y年%m月%d日 %H:%M")},
            body,
        ),
        Spacer(1, 3 * mm),
        _table(
            [
                _("回收袋数"),
                _("重量（千克）"),
                _("袋数环比（%）"),
                _("分类准确率（%）"),
                _("参与率（%）"),
                _("新参与人数"),
                _("投放最多的分类"),
            ],
            [[totals["bags"], totals["kg"], totals["change"], totals["accuracy"], part[3], part[4], summary["top_category"] or "—"]],
            font,
        ),
    ]
    if peak:
        story.append(Paragraph(_("投放高峰：%(weekday)s %(hour)s时（%(bags)s袋）") % peak, body))
    story += [Paragraph(_("一、各类垃圾投放量"), h2), _table(summary["columns"], summary["rows"], font)]
    story += [Paragraph(_("二、各类组织分类准确率"), h2), _table(report["accuracy"]["columns"], report["accuracy"]["rows"], font)]
    story += [
        Paragraph(_("三、常见分类错误原因（前五）"), h2),
        _table(report["reasons"]["columns"], report["reasons"]["rows"], font, max_rows=5),
    ]
    story += [
        Paragraph(_("四、基层工会参与情况（前十）"), h2),
        _table(report["participation"]["columns"], report["participation"]["rows"], font, max_rows=10),
    ]
    story += [Paragraph(_("五、收集点回收量（前五）"), h2), _table(report["points"]["columns"], report["points"]["rows"], font, max_rows=5)]
    story.append(Spacer(1, 3 * mm))
    story.append(
        Paragraph(
            _(
                "说明：数据来自智慧垃圾袋平台回收记录的汇总表；参与率＝本月至少使用一个垃圾袋的会员数÷会员数；"
                "可用袋数＝截至月末已发放的袋数减去本月之前已使用的袋数（上月结余＋本月新发放）。"
            ),
            body,
        )
    )
    doc.build(story)
    return buffer.getvalue()
