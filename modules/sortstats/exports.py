"""Every chart's table as CSV (UTF-8 with BOM, so Excel opens the Chinese right) or xlsx."""

from __future__ import annotations

import io

from openpyxl.styles import Font

from core.spreadsheets import Workbook, csv_writer


def _cell(value):
    return "" if value is None else value


def table_csv(table: dict) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(table["columns"])
    for row in table["rows"]:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(table: dict, *, subtitle: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table["title"][:31] or "data"
    ws.append([table["title"]])
    ws["A1"].font = Font(bold=True, size=13)
    if subtitle:
        ws.append([subtitle])
    ws.append([])
    ws.append(table["columns"])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        ws.append([_cell(v) for v in row])
    for i, column in enumerate(table["columns"], start=1):
        letter = ws.cell(row=header_row, column=i).column_letter
        ws.column_dimensions[letter].width = max(10, min(40, len(str(column)) * 2 + 2))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
