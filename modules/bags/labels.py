"""Print-ready labels of a batch: an A4 PDF of QR labels, and a CSV of its codes.

Speed matters (10,000 labels in well under 15 s): each QR is encoded by segno with a fixed
mask (choosing the best of eight masks is three quarters of segno's time, and a fixed mask
is valid QR), and drawn as one vector path of run-length rectangles written straight into
the page stream, instead of one reportlab call per module.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import segno
from django.conf import settings
from django.utils import timezone
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from core.pdf import cjk_font
from core.spreadsheets import csv_writer
from modules.bags import codes
from modules.bags.models import BagBatch

# Compressed streams stay binary: ASCII85 (the default) is pure Python here and costs ~10% of the run.
rl_config.useA85 = 0


@dataclass(frozen=True)
class Layout:
    key: str
    cols: int
    rows: int
    margin_x: float  # mm, left/right page margin
    margin_y: float  # mm, top/bottom page margin
    name_size: float  # pt
    code_size: float  # pt

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def label_w(self) -> float:
        return (A4[0] - 2 * self.margin_x * mm) / self.cols

    @property
    def label_h(self) -> float:
        return (A4[1] - 2 * self.margin_y * mm) / self.rows


LAYOUTS = {
    "a4_3x8": Layout("a4_3x8", 3, 8, 0, 0, 7.5, 8.5),
    "a4_4x10": Layout("a4_4x10", 4, 10, 0, 0, 6, 6.5),
}


def qr_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/b/{code}"


QUIET = 4  # modules of blank margin the QR standard asks for around a code


class QrStamp:
    """Encodes many URLs of one length: segno's encoder for the codewords, a precomputed placement.

    Every label of a batch has a URL of the same length, hence the same QR version; with a fixed
    mask the function patterns, format and version information are identical too, and only the
    data modules differ. Placing them through a precomputed (row, column, mask bit) list is ~5x
    faster than segno's general placement and mask pass. The first code is checked against segno
    itself; on any difference (or another length) the stamp falls back to plain segno.
    """

    def __init__(self, sample: str):
        from segno import consts, encoder

        self._encoder, self._consts = encoder, consts
        reference = segno.make(sample, error="m", micro=False, mask=0, boost_error=False)
        self.length = len(sample)
        self.version = reference.version
        self.error = consts.ERROR_LEVEL_M
        size = len(reference.matrix)
        blank = encoder.make_matrix(size, size)
        encoder.add_finder_patterns(blank, size, size)
        encoder.add_alignment_patterns(blank, size, size)
        self.cells = []
        for right in range(size - 1, 0, -2):
            if right <= 6:
                right -= 1
            for vertical in range(size):
                for z in (0, 1):
                    j = right - z
                    upwards = ((right & 2) == 0) ^ (j < 6)
                    i = (size - 1 - vertical) if upwards else vertical
                    if blank[i][j] == 0x2:
                        self.cells.append((i, j, 1 if (i + j) % 2 == 0 else 0))  # mask 0: (i + j) mod 2 == 0
        self.base = [bytes(row) for row in reference.matrix]
        self.ok = self.matrix(sample) == [bytearray(row) for row in reference.matrix]

    def _bits(self, data: str):
        e, version, error = self._encoder, self.version, self.error
        buff = e.Buffer()
        for segment in e.prepare_data(data, None, None):
            e.write_segment(buff, segment, None, e.version_range(version), False)
        capacity = self._consts.SYMBOL_CAPACITY[version][error]
        e.write_terminator(buff, capacity, None, len(buff))
        e.write_padding_bits(buff, version, len(buff))
        e.write_pad_codewords(buff, version, capacity, len(buff))
        return e.make_final_message(version, error, buff).getbits()

    def matrix(self, data: str) -> list[bytearray]:
        if len(data) != self.length or not getattr(self, "ok", True):
            return [bytearray(r) for r in segno.make(data, error="m", micro=False, mask=0, boost_error=False).matrix]
        rows = [bytearray(r) for r in self.base]
        for (i, j, mask), bit in zip(self.cells, self._bits(data), strict=False):
            rows[i][j] = bit ^ mask
        return rows


# Dark module (1) → sample 0, which an image mask paints in the fill colour; light → 1, untouched.
_MASK_BITS = bytes.maketrans(b"\x00\x01", b"10")


def qr_path(data: str, x: float, y: float, size: float, stamp: QrStamp | None = None) -> tuple[str, int]:
    """PDF operators that paint a QR code, its 4-module quiet zone included, in the square (x, y, size).

    The code is one inline 1-bit image mask, a module per sample, scaled without interpolation
    (crisp squares, no seams between them); writing a rectangle per run of dark modules was a
    third of a label's time.
    """
    if stamp is not None:
        matrix = stamp.matrix(data)
    else:
        matrix = segno.make(data, error="m", micro=False, mask=0, boost_error=False).matrix
    n = len(matrix)
    pad = -n % 8  # each row of samples starts on a byte
    hex_rows = "".join(
        (int(bytes(row).translate(_MASK_BITS), 2) << pad | ((1 << pad) - 1)).to_bytes((n + pad) // 8, "big").hex() for row in matrix
    )
    side = size * n / (n + 2 * QUIET)
    inset = size * QUIET / (n + 2 * QUIET)
    ops = (
        f"q {side:.4f} 0 0 {side:.4f} {x + inset:.2f} {y + inset:.2f} cm\n"
        f"BI /IM true /W {n} /H {n} /BPC 1 /F /AHx /Interpolate false ID\n{hex_rows}>\nEI Q"
    )
    return ops, n


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = char
            if len(lines) == max_lines:
                break
        else:
            line += char
    else:
        lines.append(line)
        return lines[:max_lines]
    lines[-1] = lines[-1][:-1] + "…"
    return lines


def render_pdf(
    batch: BagBatch,
    layout_key: str,
    base_url: str,
    out,
    *,
    progress: Callable[[int], None] | None = None,
    every: int = 500,
) -> int:
    """Write the batch's labels as a PDF to the file-like ``out``; returns the number of labels."""
    layout = LAYOUTS[layout_key]
    font = cjk_font()
    union = batch.organisation.name
    district = getattr(settings, "UNIONHUB_DISTRICT_NAME", "")
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{union} 智慧垃圾袋标签 #{batch.pk}")
    pdf.setAuthor(district)
    pdf.setCreator("UnionHub")
    w, h = layout.label_w, layout.label_h
    pad = 2.2 * mm
    qr_size = h - 2 * mm  # the code's own quiet zone is the margin on every side
    text_x_off = mm + qr_size
    text_w = w - text_x_off - pad
    name_lines = _wrap(union, font, layout.name_size, text_w, 2)
    slogan = "扫码绑定 · 分类积分"
    slogan_size = layout.name_size - 1
    page_top = A4[1] - layout.margin_y * mm
    count = 0
    first, last = batch.first_bag_id, batch.last_bag_id
    stamp = QrStamp(qr_url(base_url, codes.encode(first)))
    for _bag_id, code in codes.encode_many(first, last):
        slot = count % layout.per_page
        if slot == 0 and count:
            pdf.showPage()
        col, row = slot % layout.cols, slot // layout.cols
        x = layout.margin_x * mm + col * w
        y = page_top - (row + 1) * h
        ops, _n = qr_path(qr_url(base_url, code), x + mm, y + mm, qr_size, stamp)
        pdf.addLiteral(ops)
        ty = y + h - pad - layout.name_size
        pdf.setFont(font, layout.name_size)
        for line in name_lines:
            pdf.drawString(x + text_x_off, ty, line)
            ty -= layout.name_size * 1.25
        pdf.setFont("Courier-Bold", layout.code_size)
        grouped = codes.group(code)
        code_y = y + pad + slogan_size * 1.45
        pdf.drawString(x + text_x_off, code_y + layout.code_size * 1.2, grouped[:9])
        pdf.drawString(x + text_x_off, code_y, grouped[10:])
        pdf.setFont(font, slogan_size)
        pdf.drawString(x + text_x_off, y + pad, slogan)
        count += 1
        if progress is not None and count % every == 0:
            progress(count)
    pdf.showPage()
    pdf.save()
    if progress is not None:
        progress(count)
    return count


def csv_rows(batch: BagBatch, base_url: str) -> Iterator[str]:
    """The batch's codes as CSV lines (streamed: 200,000 rows never sit in memory at once)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
    writer.writerow(["序号", "编码", "分组编码", "二维码地址", "发放工会", "批次", "导出时间"])
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    yield flush()
    if not batch.first_bag_id:
        return
    for n, (_bag_id, code) in enumerate(codes.encode_many(batch.first_bag_id, batch.last_bag_id), start=1):
        writer.writerow([n, code, codes.group(code), qr_url(base_url, code), batch.organisation.name, batch.pk, when])
        if n % 2000 == 0:
            yield flush()
    yield flush()


def render_pdf_bytes(batch: BagBatch, layout_key: str, base_url: str) -> bytes:
    out = io.BytesIO()
    render_pdf(batch, layout_key, base_url, out)
    return out.getvalue()
