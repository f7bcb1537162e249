"""Files of the honours programme: the nominations of an honour as a workbook, and a training
certificate as a PDF whose QR says whether it is still valid."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from core.pdf import cjk_font
from modules.honours import selectors
from modules.honours.models import Certificate, Honour

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def nominations_xlsx(honour: Honour, viewer) -> bytes:
    """What the viewer may see of an honour's nominations (typed text stays text: core.spreadsheets)."""
    from openpyxl.styles import Font

    from core.spreadsheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("推荐名单")
    sheet.append([str(honour)])
    sheet.append(
        [_("被推荐人/集体"), _("推荐单位"), _("街道/行业"), _("职务/岗位"), _("人员类别"), _("抗疫一线"), _("状态"), _("作废原因")]
    )
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    rows = (
        selectors.with_state(selectors.nominations_visible_to(viewer).filter(honour=honour))
        .select_related("organisation", "unit")
        .order_by("unit__path", "pk")
    )
    for n in rows.iterator(chunk_size=500):
        sheet.append(
            [
                n.nominee_name,
                n.organisation.name,
                n.unit.name,
                n.job_title,
                n.get_category_display(),
                _("是") if n.epidemic_frontline else _("否"),
                selectors.state_label(n.state or "draft"),
                n.invalid_reason,
            ]
        )
    for column, width in zip("ABCDEFGH", (20, 30, 20, 16, 16, 8, 16, 20), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def certificate_pdf(certificate: Certificate, check_url: str) -> bytes:
    """An A4 landscape certificate: holder, course, number, dates, and a QR to the check page."""
    import segno
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    font = cjk_font()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(_("培训证书"))
    pdf.setFont(font, 34)
    pdf.drawCentredString(width / 2, height - 110, _("培训结业证书"))
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 190, _("%(name)s 同志：") % {"name": certificate.holder_name})
    pdf.drawCentredString(width / 2, height - 230, _("参加“%(course)s”培训，经考核合格，特发此证。") % {"course": certificate.course.title})
    pdf.setFont(font, 12)
    pdf.drawString(80, 120, _("证书编号：%(n)s") % {"n": certificate.number})
    pdf.drawString(80, 100, _("发证日期：%(d)s") % {"d": certificate.issued_on.strftime("%Y-%m-%d")})
    expires = certificate.expires_on.strftime("%Y-%m-%d") if certificate.expires_on else _("长期有效")
    pdf.drawString(80, 80, _("有效期至：%(d)s") % {"d": expires})
    pdf.drawString(80, 60, _("主办单位：%(o)s") % {"o": certificate.course.organisation.name})
    # the QR drawn module by module (vector, sharp at any print size)
    matrix = segno.make(check_url, error="m").matrix
    size, box = len(matrix), 3.2
    drawing = Drawing(size * box, size * box)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(Rect(x * box, (size - 1 - y) * box, box, box, fillColor="black", strokeColor=None, strokeWidth=0))
    renderPDF.draw(drawing, pdf, width - 80 - size * box, 60)
    pdf.drawString(width - 80 - size * box, 45, _("扫码查验证书真伪与状态"))
    pdf.showPage()
    pdf.save()
    return out.getvalue()
