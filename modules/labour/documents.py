"""Documents printed from the desk: the mediation agreement (PDF, and a Word copy staff edit before
signing), the case list as a workbook, and the printable legal handbook."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from core import docx
from core.numbers import yuan
from core.pdf import cjk_font
from modules.labour.models import MediationCase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _money(fen) -> str:
    return _("%(y)s 元") % {"y": yuan(fen or 0)}


def agreement_parts(mediation: MediationCase, desk_name: str) -> list[tuple[str, str]]:
    """The agreement as (heading, text) pairs: one source for the PDF and the Word copy."""
    mediators = [mediation.mediator.name] if mediation.mediator_id else []
    mediators += [m.name for m in mediation.panel.all()]
    parts = [
        ("title", _("劳动争议调解协议书")),
        ("number", _("编号：%(n)s") % {"n": mediation.number}),
        ("p", _("申请人（职工方）：%(name)s") % {"name": mediation.worker_name}),
    ]
    if mediation.representatives:
        parts.append(("p", _("职工代表：%(r)s（涉及职工 %(n)s 人）") % {"r": mediation.representatives, "n": mediation.workers_count}))
    parts += [
        ("p", _("被申请人（用人单位）：%(name)s") % {"name": mediation.employer_name}),
        ("p", _("调解组织：%(desk)s") % {"desk": desk_name}),
        ("p", _("调解员：%(m)s") % {"m": "、".join(mediators) or "—"}),
        ("h", _("争议事项")),
        ("p", mediation.application_text),
        ("p", _("申请人请求金额：%(a)s") % {"a": _money(mediation.amount_claimed_fen)}),
        ("h", _("经调解，双方自愿达成如下协议")),
        ("p", mediation.agreement_text or "—"),
        ("p", _("协议金额：%(a)s") % {"a": _money(mediation.amount_agreed_fen)}),
    ]
    if mediation.performance_due_on:
        parts.append(("p", _("履行期限：%(d)s 前") % {"d": mediation.performance_due_on.strftime("%Y年%m月%d日")}))
    parts += [
        ("p", _("本协议书经双方当事人签名或者盖章，经调解员签名并加盖调解组织印章后生效，对双方当事人具有约束力，当事人应当履行。")),
        ("p", _("达成调解协议后，一方当事人在协议约定期限内不履行调解协议的，另一方当事人可以依法申请仲裁。")),
        ("sign", _("申请人（签名）：＿＿＿＿＿＿　　被申请人（盖章）：＿＿＿＿＿＿")),
        ("sign", _("调解员（签名）：＿＿＿＿＿＿　　调解组织（印章）")),
        ("sign", _("%(d)s") % {"d": timezone.localdate().strftime("%Y年%m月%d日")}),
    ]
    return parts


def agreement_pdf(mediation: MediationCase, desk_name: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = cjk_font()
    styles = {
        "title": ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=4),
        "number": ParagraphStyle("n", fontName=font, fontSize=10, leading=14, alignment=2, spaceAfter=8),
        "h": ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=2),
        "p": ParagraphStyle("p", fontName=font, fontSize=11, leading=18, firstLineIndent=0),
        "sign": ParagraphStyle("s", fontName=font, fontSize=11, leading=22, spaceBefore=10),
    }
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    story = []
    for kind, text in agreement_parts(mediation, desk_name):
        for line in str(text).splitlines() or [""]:
            story.append(Paragraph(escape(line), styles[kind]))
    story.append(Spacer(1, 6 * mm))
    doc.build(story)
    return out.getvalue()


def agreement_docx(mediation: MediationCase, desk_name: str) -> bytes:
    """A Word copy of the agreement that staff adjust before printing for signature (core/docx.py)."""
    body = []
    for kind, text in agreement_parts(mediation, desk_name):
        if kind == "title":
            body.append(docx.paragraph(text, align="center", bold=True, size=40))
        elif kind == "number":
            body.append(docx.paragraph(text, align="right"))
        elif kind == "h":
            body.append(docx.paragraph(text, bold=True, size=26))
        else:
            body.extend(docx.paragraph(line) for line in (str(text).splitlines() or [""]))
    return docx.package(body)


def cases_xlsx(rows) -> bytes:
    from core.spreadsheets import Workbook
    from modules.labour.selectors import state_label

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("调解案件")
    sheet.append(
        [
            _("案号"),
            _("收到申请"),
            _("来源"),
            _("口头申请"),
            _("争议类型"),
            _("申请人"),
            _("用人单位"),
            _("人数"),
            _("请求金额（元）"),
            _("协议金额（元）"),
            _("调解员"),
            _("状态"),
            _("结案时间"),
        ]
    )
    for c in rows:
        sheet.append(
            [
                c.number,
                timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"),
                c.get_channel_display(),
                _("是") if c.oral else _("否"),
                c.get_dispute_type_display(),
                c.worker_name,
                c.employer_name,
                c.workers_count,
                c.amount_claimed_fen / 100,
                c.amount_agreed_fen / 100 if c.amount_agreed_fen is not None else None,
                c.mediator.name if c.mediator_id else "",
                state_label(c.state),
                timezone.localtime(c.closed_at).strftime("%Y-%m-%d") if c.closed_at else "",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def handbook_pdf(laws) -> bytes:
    """The printable handbook: each law with its history, chapters and every article."""
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    font = cjk_font()
    cover = ParagraphStyle("c", fontName=font, fontSize=20, leading=30, alignment=1, spaceBefore=60 * mm)
    title = ParagraphStyle("t", fontName=font, fontSize=14, leading=20, alignment=1, spaceAfter=4)
    note = ParagraphStyle("n", fontName=font, fontSize=7.5, leading=10, alignment=1, spaceAfter=4)
    chapter = ParagraphStyle("h", fontName=font, fontSize=10.5, leading=15, alignment=1, spaceBefore=6, spaceAfter=2)
    body = ParagraphStyle("b", fontName=font, fontSize=8.5, leading=12.5, spaceAfter=2)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A5, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    story = [Paragraph(_("劳动法律政策汇编"), cover), Paragraph(_("职工维权普法口袋书"), title), PageBreak()]
    for law in laws:
        story.append(Paragraph(escape(law.title), title))
        for line in law.history.splitlines():
            story.append(Paragraph(escape(line), note))
        current = None
        for article in law.articles.all():
            if article.chapter and article.chapter != current:
                current = article.chapter
                story.append(Paragraph(escape(current), chapter))
            lines = article.text.splitlines()
            story.append(Paragraph(f"<b>{escape(article.label)}</b>　{escape(lines[0] if lines else '')}", body))
            for line in lines[1:]:
                story.append(Paragraph(escape(line), body))
        story.append(PageBreak())
    doc.build(story)
    return out.getvalue()
