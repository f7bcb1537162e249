"""The review printed: a standalone HTML file, a PDF (reportlab with the CJK font of
``core.pdf``) and a Word document (WordprocessingML written with the standard library, as the
labour agreement is, through core.docx)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import docx
from modules.annual.selectors import format_value

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _change(figure) -> str:
    if figure.previous is None:
        return ""
    if figure.unit == "%" and figure.delta:
        sign = "+" if figure.delta > 0 else ""
        return _("上年 %(p)s，%(s)s%(d)s个百分点") % {"p": format_value(_as(figure, figure.previous)), "s": sign, "d": figure.delta}
    if figure.percent is None:
        return _("上年 %(p)s") % {"p": format_value(_as(figure, figure.previous))}
    sign = "+" if figure.percent > 0 else ""
    return _("上年 %(p)s，%(s)s%(c)s%%") % {"p": format_value(_as(figure, figure.previous)), "s": sign, "c": figure.percent}


def _as(figure, value):
    from dataclasses import replace

    return replace(figure, value=value)


def parts(review: dict) -> list[tuple[str, str]]:
    """The review as (kind, text) pairs: one source for the PDF and the Word file."""
    out = [("title", review["title"])]
    if review.get("intro_text"):
        out.append(("p", review["intro_text"]))
    for chapter in review["chapters"]:
        out.append(("h1", chapter["title"]))
        out.append(("h2", chapter["subtitle"]))
        if chapter.get("narrative_text"):
            out.append(("p", chapter["narrative_text"]))
        if chapter["empty"]:
            out.append(("muted", _("本年度无数据")))
            continue
        for section in chapter["sections"]:
            if section.empty:
                out.append(("h3", section.title))
                out.append(("muted", _("本年度无数据")))
                continue
            out.append(("h3", section.title))
            if section.summary:
                out.append(("p", section.summary))
            for figure in section.items:
                change = _change(figure)
                line = f"{figure.label}：{format_value(figure)}" + (f"（{change}）" if change else "")
                out.append(("li", line))
            if section.chart:
                out.append(("chart", section.chart))
    return out


def chart_drawing(chart: dict, font: str):
    """A section's chart for the PDF (reportlab graphics: vector, its labels in the CJK font)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    palette = [colors.HexColor(c) for c in ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#616161")]
    drawing = Drawing(440, 190)
    drawing.add(String(0, 176, str(chart.get("title", "")), fontName=font, fontSize=10))
    categories = [str(c) for c in chart["categories"]]
    if chart.get("type") == "pie":
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 150, 10, 150, 150
        pie.data = [max(0, v) for v in chart["series"][0]["data"]] or [1]
        total = sum(pie.data) or 1
        pie.labels = [f"{c} {round(v * 100 / total)}%" for c, v in zip(categories, pie.data, strict=False)]
        pie.slices.fontName = font
        pie.slices.fontSize = 8
        for i in range(len(pie.data)):
            pie.slices[i].fillColor = palette[i % len(palette)]
        drawing.add(pie)
        return drawing
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 40, 40, 380, 120
    bars.data = [list(s["data"]) for s in chart["series"]]
    bars.categoryAxis.categoryNames = [c if len(c) <= 8 else c[:7] + "…" for c in categories]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 7
    bars.categoryAxis.labels.angle = 30 if len(categories) > 5 else 0
    bars.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 5 else "n"
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    for i in range(len(bars.data)):
        bars.bars[i].fillColor = palette[i % len(palette)]
    drawing.add(bars)
    return drawing


def review_html(review: dict) -> bytes:
    return render_to_string("annual/print.html", {"review": review}).encode("utf-8")


def review_pdf(review: dict) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from core.pdf import cjk_font

    font = cjk_font()
    # wordWrap="CJK" breaks lines between any two Chinese characters, as Chinese typesetting does.
    styles = {
        "title": ParagraphStyle("t", fontName=font, fontSize=20, leading=30, alignment=1, spaceAfter=10, wordWrap="CJK"),
        "h1": ParagraphStyle("h1", fontName=font, fontSize=16, leading=24, spaceBefore=14, textColor="#b71c1c", wordWrap="CJK"),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceAfter=4, wordWrap="CJK"),
        "h3": ParagraphStyle("h3", fontName=font, fontSize=11.5, leading=18, spaceBefore=6, wordWrap="CJK"),
        "p": ParagraphStyle("p", fontName=font, fontSize=11, leading=19, firstLineIndent=22, spaceAfter=4, wordWrap="CJK"),
        "li": ParagraphStyle("li", fontName=font, fontSize=10.5, leading=17, leftIndent=12, wordWrap="CJK"),
        "muted": ParagraphStyle("m", fontName=font, fontSize=10.5, leading=17, leftIndent=12, textColor="#666666", wordWrap="CJK"),
    }
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm, title=review["title"]
    )
    story = []
    for kind, text in parts(review):
        if kind == "chart":
            story.append(chart_drawing(text, font))
            continue
        prefix = "· " if kind == "li" else ""
        story.append(Paragraph(prefix + escape(str(text)), styles[kind]))
    doc.build(story)
    return out.getvalue()


def review_docx(review: dict) -> bytes:
    """The review as a Word document for the publicity department (core/docx.py)."""
    body = []
    for kind, text in parts(review):
        if kind == "chart":  # the figures above hold the chart's numbers; Word gets them as text only
            continue
        text = str(text)
        if kind == "title":
            body.append(docx.paragraph(text, style="Title", align="center", bold=True, size=40))
        elif kind == "h1":
            body.append(docx.paragraph(text, style="Heading1", bold=True, size=32, color="B71C1C"))
        elif kind == "h2":
            body.append(docx.paragraph(text, style="Heading2", bold=True, size=26))
        elif kind == "h3":
            body.append(docx.paragraph(text, style="Heading3", bold=True, size=24))
        elif kind == "p":
            body.append(docx.paragraph(text, indent=True))
        elif kind == "muted":
            body.append(docx.paragraph(text, color="666666"))
        else:
            body.append(docx.paragraph("· " + text))
    return docx.package(body)


def render(review: dict, fmt: str) -> bytes:
    return {"html": review_html, "pdf": review_pdf, "docx": review_docx}[fmt](review)
