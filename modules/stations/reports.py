"""Spreadsheets and PDFs: the registry export, the figures, and the year's evaluation report."""

from __future__ import annotations

import io

from openpyxl.styles import Font

from core.pdf import cjk_font
from core.spreadsheets import Workbook
from modules.stations import hours as hours_mod
from modules.stations.models import SERVICE_LABELS, Kind, Status, services_of

EXPORT_HEADERS = [
    "编号",
    "驿站名称",
    "承办单位",
    "所属街道",
    "地址",
    "地标",
    "纬度",
    "经度",
    "类型",
    "周一",
    "周二",
    "周三",
    "周四",
    "周五",
    "周六",
    "周日",
    "服务项目",
    "可容纳人数",
    "联系人",
    "联系电话",
    "状态",
    "建成年份",
    "备注",
]


def _book(title: str, headers: list[str]):
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    return wb, ws


def _bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def stations_xlsx(stations) -> bytes:
    wb, ws = _book("暖心驿站", EXPORT_HEADERS)
    for s in stations.select_related("host", "street").iterator(chunk_size=2000):
        ws.append(
            [
                s.pk,
                s.name,
                s.host.name,
                s.street.name,
                s.address,
                s.landmark,
                s.lat,
                s.lng,
                str(Kind(s.kind).label),
                *hours_mod.week_texts(s.hours),
                "、".join(str(SERVICE_LABELS[c]) for c in services_of(s.services)),
                s.capacity,
                s.contact_name,
                s.contact_phone,
                str(Status(s.status).label),
                s.built_year,
                s.note,
            ]
        )
    return _bytes(wb)


def import_template_xlsx() -> bytes:
    wb, ws = _book("暖心驿站", EXPORT_HEADERS)
    ws.append(
        [
            "",
            "示例：什刹海快递小哥驿站",
            "（填写承办单位全称）",
            "什刹海街道总工会",
            "北京市西城区地安门西大街1号",
            "地安门",
            39.9330,
            116.3900,
            "商户门店",
            "08:00-20:00",
            "08:00-20:00",
            "08:00-20:00",
            "08:00-20:00",
            "08:00-20:00",
            "休息",
            "休息",
            "饮用水、手机充电、休息座椅",
            6,
            "张三",
            "010-66000000",
            "运营中",
            2020,
            "编号留空为新增；填写编号为修改",
        ]
    )
    return _bytes(wb)


def figures_xlsx(figs: dict) -> bytes:
    wb, ws = _book("按街道", ["街道", "驿站数", "运营中", "可容纳人数"])
    for row in figs["by_street"]:
        ws.append([row["street__name"], row["total"], row["open"], row["capacity"] or 0])
    ws2 = wb.create_sheet("按年度建成")
    ws2.append(["年度", "建成驿站数"])
    for row in figs["built"]:
        ws2.append([row["built_year"], row["n"]])
    ws3 = wb.create_sheet("资助金额")
    ws3.append(["年度", "资助驿站数", "资助金额（元）"])
    for row in figs["grants"]:
        ws3.append([row["year"], row["stations"], round((row["amount"] or 0) / 100, 2)])
    return _bytes(wb)


REPORT_HEADERS = ["序号", "驿站名称", "所属街道", "类型", "承办单位", "检查员", "检查时间", "得分", "等级", "状态"]


def report_rows(assignments):
    for n, a in enumerate(assignments, start=1):
        ev = a.evaluation
        visited = a.visited_at.astimezone(hours_mod.SHANGHAI).strftime("%Y年%m月%d日") if a.visited_at else ""
        state = "未检查" if ev is None else ("已审定" if ev.is_locked else "待审定")
        yield [
            n,
            a.station.name,
            a.station.street.name,
            str(Kind(a.station.kind).label),
            a.station.host.name,
            str(a.inspector),
            visited,
            float(ev.total) if ev and ev.total is not None else None,
            ev.grade if ev else "",
            state,
        ]


def plan_report_xlsx(plan, assignments, results: dict) -> bytes:
    wb, ws = _book("驿站评估结果", REPORT_HEADERS)
    for row in report_rows(assignments):
        ws.append(row)
    for title, key in (("按街道", "by_street"), ("按类型", "by_kind")):
        sheet = wb.create_sheet(title)
        sheet.append([title[1:], "驿站数", "已检查", "平均分", *results["labels"]])
        for name, g in results[key].items():
            label = str(Kind(name).label) if key == "by_kind" and name in Kind.values else name
            sheet.append([label, g["count"], g["done"], g["mean"], *g["grades"].values()])
    return _bytes(wb)


def plan_report_pdf(plan, assignments, results: dict, district_name: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    title_style = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=14)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{plan.year}年度职工暖心驿站检查评估报告",
    )
    story = [
        Paragraph(f"{district_name} {plan.year}年度职工暖心驿站检查评估报告", title_style),
        Paragraph(f"计划：{plan.name}　评分标准：{plan.rubric}　共 {results['total']} 个驿站，已检查 {results['done']} 个", body),
        Spacer(1, 4 * mm),
    ]
    summary = [["街道", "驿站数", "已检查", "平均分", *results["labels"]]]
    for name, g in results["by_street"].items():
        summary.append([name, g["count"], g["done"], "" if g["mean"] is None else f"{g['mean']:.2f}", *g["grades"].values()])
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f4")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    story += [Table(summary, repeatRows=1, style=style), Spacer(1, 6 * mm)]
    rows = [REPORT_HEADERS]
    for row in report_rows(assignments):
        row[7] = "" if row[7] is None else f"{row[7]:.2f}"
        rows.append([Paragraph(str(c), body) if i in (1, 4) else c for i, c in enumerate(row)])
    story.append(
        Table(
            rows,
            repeatRows=1,
            style=style,
            colWidths=[12 * mm, 60 * mm, 32 * mm, 24 * mm, 60 * mm, 28 * mm, 26 * mm, 14 * mm, 14 * mm, 16 * mm],
        )
    )
    doc.build(story)
    return out.getvalue()
