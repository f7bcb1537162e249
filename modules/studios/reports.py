"""Files the district takes to the deciding meeting: the ranking as a workbook, and a printable
summary pack (recommendation, every expert's total and comment, a box for each member's vote)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from core.numbers import number
from core.pdf import cjk_font
from modules.studios import selectors
from modules.studios.models import Call

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _headers() -> list[str]:
    return [_("名次"), _("工作室名称"), _("申报单位"), _("领办人"), _("总分"), _("专家评分"), _("偏离"), _("状态"), _("名额内")]


def _row(position: int, row) -> list:
    sheets = "；".join(f"{name} {number(total)}" for name, total in row.sheets)
    return [
        position,
        row.application.name,
        row.application.organisation.name,
        row.application.leader_name,
        float(row.total) if row.total is not None else None,
        sheets,
        "、".join(row.outliers),
        selectors.state_label(row.state),
        _("是") if row.within_quota else _("否"),
    ]


def ranking_xlsx(call: Call) -> bytes:
    from openpyxl.styles import Font

    from core.spreadsheets import Workbook  # typed names are written as text, never as formulas

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("评审排名")
    sheet.append([call.title])
    sheet.append(_headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for position, row in enumerate(selectors.ranking(call), start=1):
        sheet.append(_row(position, row))
    for column, width in zip("ABCDEFGHI", (6, 30, 30, 10, 8, 40, 16, 12, 8), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def meeting_pack_pdf(call: Call, district_name: str) -> bytes:
    """The ranking with a recommendation per application (within the quota → 建议命名) and empty
    同意 / 不同意 boxes for the meeting's members, then each expert's comment on the applications
    within the quota and the next five."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from engines.review.models import ScoreSheet

    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=15, leading=20)
    h2 = ParagraphStyle("h", fontName=font, fontSize=11, leading=15, spaceBefore=6, spaceAfter=2)
    body = ParagraphStyle("b", fontName=font, fontSize=8.5, leading=11)
    rows = selectors.ranking(call)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    story = [
        Paragraph(_("%(district)s %(title)s 审定会议材料") % {"district": district_name, "title": call.title}, title),
        Paragraph(
            _("命名名额 %(quota)s 个；进入评审 %(n)s 项；生成于 %(at)s")
            % {"quota": call.quota, "n": len(rows), "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    table = [[_("名次"), _("工作室名称"), _("申报单位"), _("总分"), _("专家评分"), _("建议"), _("同意"), _("不同意")]]
    for position, row in enumerate(rows, start=1):
        experts = "；".join(f"{name} {number(total)}" + (" ⚠" if name in row.outliers else "") for name, total in row.sheets)
        table.append(
            [
                position,
                Paragraph(row.application.name, body),
                Paragraph(row.application.organisation.name, body),
                number(row.total) if row.total is not None else "—",
                Paragraph(experts or "—", body),
                _("建议命名") if row.within_quota else _("不建议"),
                "□",
                "□",
            ]
        )
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f4")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    story.append(
        Table(table, repeatRows=1, style=style, colWidths=[12 * mm, 62 * mm, 62 * mm, 16 * mm, 70 * mm, 20 * mm, 12 * mm, 14 * mm])
    )
    discussed = rows[: call.quota + 5]
    comments = {}
    for evaluation_id, name, comment in ScoreSheet.objects.filter(
        evaluation_id__in=[r.application.evaluation_id for r in discussed]
    ).values_list("evaluation_id", "scorer__display_name", "comment"):
        if comment:
            comments.setdefault(evaluation_id, []).append((name, comment))
    story.append(Paragraph(_("专家评语"), h2))
    for row in discussed:
        story.append(Paragraph(f"{row.application.name}（{row.application.organisation.name}）", body))
        for name, comment in comments.get(row.application.evaluation_id, []) or [(_("（无评语）"), "")]:
            story.append(Paragraph(f"　{name}：{comment}", body))
    doc.build(story)
    return out.getvalue()
