"""Files of the learning programme: a contest certificate, the published essay collection (PDF),
and the workbooks staff ask for (team ranking, participation)."""

from __future__ import annotations

import io
import re
from html import unescape
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.numbers import number
from core.pdf import cjk_font
from core.privacy import mask_name
from modules.learning import selectors
from modules.learning.models import Attempt, Award, Contest, EssayCall

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=22, leading=30, alignment=1, spaceAfter=12),
        "h2": ParagraphStyle("h", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("b", fontName=font, fontSize=10.5, leading=17, firstLineIndent=21),
        "meta": ParagraphStyle("m", fontName=font, fontSize=9, leading=13, textColor="#555555"),
        "centre": ParagraphStyle("c", fontName=font, fontSize=13, leading=22, alignment=1),
    }


def certificate_pdf(contest: Contest, attempt: Attempt) -> bytes:
    """A one-page certificate for a passed attempt (the member's own name: it is their document)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    s = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), topMargin=30 * mm, bottomMargin=20 * mm)
    story = [
        Paragraph(_("荣誉证书"), s["title"]),
        Spacer(1, 10 * mm),
        Paragraph(
            _("%(name)s 同志（%(union)s）：") % {"name": escape(attempt.member.name), "union": escape(attempt.organisation.name)},
            s["centre"],
        ),
        Paragraph(
            _("在“%(contest)s”中成绩 %(score)s 分（满分 %(max)s 分），成绩合格，特发此证。")
            % {"contest": escape(contest.name), "score": attempt.score, "max": attempt.max_score},
            s["centre"],
        ),
        Spacer(1, 20 * mm),
        Paragraph(escape(contest.organisation.name if contest.organisation else settings.UNIONHUB_DISTRICT_NAME), s["centre"]),
        Paragraph(timezone.localtime(attempt.last_answer_at or attempt.started_at).strftime("%Y年%m月%d日"), s["centre"]),
        Paragraph(_("证书编号：%(code)s") % {"code": f"LC{contest.pk:03d}-{attempt.pk:06d}"}, s["meta"]),
    ]
    doc.build(story)
    return out.getvalue()


def _paragraphs(html: str) -> list[str]:
    """The sanitised essay body as plain paragraphs (reportlab gets text, never markup)."""
    text = re.sub(r"</(p|li|blockquote|h3|h4)>|<br\s*/?>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return [p.strip() for p in unescape(text).split("\n") if p.strip()]


def collection_pdf(call: EssayCall) -> bytes:
    """The published collection: the awarded essays in award order, authors' names masked."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    s = _styles()
    labels = dict(Award.choices)
    essays = selectors.awarded(call)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    story = [
        Paragraph(escape(call.title) + _("优秀作品集"), s["title"]),
        Paragraph(
            _("主办：%(org)s") % {"org": escape(call.organisation.name) if call.organisation else settings.UNIONHUB_DISTRICT_NAME},
            s["centre"],
        ),
        Spacer(1, 8 * mm),
        Paragraph(_("目录"), s["h2"]),
    ]
    for essay in essays:
        story.append(Paragraph(f"{labels.get(essay.award, '')}　{escape(essay.title)}", s["meta"]))
    for essay in essays:
        story += [
            PageBreak(),
            Paragraph(escape(essay.title), s["h2"]),
            Paragraph(
                _("%(award)s　%(author)s（%(union)s）　主题：%(topic)s")
                % {
                    "award": labels.get(essay.award, ""),
                    "author": mask_name(essay.member.name),
                    "union": escape(essay.organisation.name),
                    "topic": escape(essay.topic),
                },  # fmt: skip
                s["meta"],
            ),
            Spacer(1, 4 * mm),
        ]
        story += [Paragraph(escape(p), s["body"]) for p in _paragraphs(essay.body)]
    if not essays:
        story.append(Paragraph(_("本次征文没有获奖作品。"), s["body"]))
    doc.build(story)
    return out.getvalue()


def _workbook(title: str, headers: list[str], rows) -> bytes:
    from openpyxl.styles import Font

    from core.spreadsheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:30]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ranking_xlsx(contest: Contest) -> bytes:
    headers = [_("名次"), _("工会"), _("街道"), _("参赛人数"), _("会员人数"), _("参与率（%）"), _("平均分"), _("合格人数")]
    rows = (
        (r.rank, r.name, r.street, r.participants, r.members, r.rate, r.average, r.passed) for r in selectors.team_ranking(contest, 10000)
    )
    return _workbook(str(_("团体排名")), headers, rows)


def participation_xlsx(year: int, viewer, by: str) -> bytes:
    headers = [
        _("工会") if by == "organisation" else _("街道"),
        _("学习活动（场）"),
        _("参加学习（人次）"),
        _("参赛（人）"),
        _("征文（篇）"),
        _("合计"),
    ]
    rows = (
        (r["name"], r["sessions"], r["attendances"], r["contest"], r["essays"], r["total"])
        for r in selectors.participation(year, viewer, by)
    )
    return _workbook(_("学习参与情况"), headers, rows)


def essays_xlsx(call: EssayCall, viewer) -> bytes:
    labels = {k: str(v) for k, v in Award.choices}
    headers = [_("作品编号"), _("题目"), _("主题"), _("作者"), _("工会"), _("评委人数"), _("平均分"), _("奖项")]
    rows = (
        (
            e.code,
            e.title,
            e.topic,
            mask_name(e.member.name),
            e.organisation.name,
            e.evaluation.scorer_count if e.evaluation else 0,
            number(e.evaluation.total) if e.evaluation and e.evaluation.total is not None else "",
            labels.get(e.award, ""),
        )  # fmt: skip
        for e in selectors.essays_visible_to(viewer, call)
    )
    return _workbook(_("征文作品"), headers, rows)
