"""A Word document (WordprocessingML, .docx) of headings and paragraphs, written with the standard library.

The runtime needs no lxml: python-docx would bring it, and lxml installed makes openpyxl switch its
XML writer for every spreadsheet the platform exports — too heavy a dependency for plain documents of
headings and paragraphs. python-docx is a test dependency only: the tests open what this module writes
with it, as a reader would. Programmes build their paragraphs with ``paragraph`` and pack them with ``package``.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
# A4 with 2.54 cm margins, in twentieths of a point.
A4_SECTION = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440"/></w:sectPr>'
# Paragraph styles Word's navigation pane and table of contents understand (the outline level).
HEADING_STYLES = (("Title", "Title", 0), ("Heading1", "heading 1", 0), ("Heading2", "heading 2", 1), ("Heading3", "heading 3", 2))


def run(text: str, *, bold: bool = False, size: int = 24, color: str = "") -> str:
    """A run of text in SimSun (宋体); size in half-points."""
    colour = f'<w:color w:val="{color}"/>' if color else ""
    weight = "<w:b/>" if bold else ""
    props = f'<w:rPr><w:rFonts w:ascii="SimSun" w:hAnsi="SimSun" w:eastAsia="宋体"/>{weight}{colour}<w:sz w:val="{size}"/></w:rPr>'
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def paragraph(text: str, *, style: str = "", align: str = "", indent: bool = False, **run_options) -> str:
    """One paragraph: an optional style from HEADING_STYLES, alignment, and a two-character first-line indent."""
    props = ""
    if style or align or indent:
        props = "<w:pPr>"
        props += f'<w:pStyle w:val="{style}"/>' if style else ""
        props += '<w:ind w:firstLine="480"/>' if indent else ""
        props += f'<w:jc w:val="{align}"/>' if align else ""
        props += "</w:pPr>"
    return f"<w:p>{props}{run(text, **run_options)}</w:p>"


def _styles() -> str:
    headings = "".join(
        f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/>'
        f'<w:pPr><w:outlineLvl w:val="{level}"/></w:pPr></w:style>'
        for sid, name, level in HEADING_STYLES
    )
    normal = '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    return f"{XML_HEAD}<w:styles {W_NS}>{headings}{normal}</w:styles>"


def _relationships(*targets: tuple[str, str]) -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    rows = "".join(f'<Relationship Id="rId{i}" Type="{base}{kind}" Target="{target}"/>' for i, (kind, target) in enumerate(targets, 1))
    return f'{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rows}</Relationships>'


def package(paragraphs: list[str]) -> bytes:
    """The .docx bytes of an A4 document holding these paragraphs (from ``paragraph``)."""
    document = f"{XML_HEAD}<w:document {W_NS}><w:body>{''.join(paragraphs)}{A4_SECTION}</w:body></w:document>"
    wml = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    content_types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{wml}.document.main+xml"/>'
        f'<Override PartName="/word/styles.xml" ContentType="{wml}.styles+xml"/>'
        "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", _relationships(("officeDocument", "word/document.xml")))
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", _styles())
        archive.writestr("word/_rels/document.xml.rels", _relationships(("styles", "styles.xml")))
    return out.getvalue()
