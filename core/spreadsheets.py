"""Every CSV and xlsx the platform writes goes through here, so no cell becomes a live formula.

Names, addresses and notes are typed by users (a union renames itself ``=HYPERLINK(...)``,
a roster row says ``+cmd``), and a spreadsheet program opening an export would run them
(OWASP "CSV injection"). One rule for both formats:

- CSV: a text value beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading apostrophe, which Excel and LibreOffice read as "this is text". Numbers (amounts,
  counts, a negative change) are not text and stay numbers.
- xlsx: text is written as a text cell (``data_type 's'``), never as a formula; the value is
  kept exactly as typed, and nothing here ever writes a formula on purpose.

``csv_writer`` and ``Workbook`` replace ``csv.writer`` and ``openpyxl.Workbook`` in exports;
``tests/trust/test_formula_injection.py`` fails when a module writes one without them.
"""

from __future__ import annotations

import csv
from typing import Any

from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet program evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _SafeCsvWriter:
    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> _SafeCsvWriter:
    """``csv.writer`` whose every text cell is neutralised (``csv_safe``)."""
    return _SafeCsvWriter(out, **kwargs)


def _as_text_cell(sheet, value):
    if isinstance(value, str) and value.startswith("="):
        cell = Cell(sheet, row=1, column=1, value=value)
        cell.data_type = "s"  # openpyxl would otherwise store it as a formula
        return cell
    return value


class _SafeWriteOnlyWorksheet(WriteOnlyWorksheet):
    """Write-only rows go to the file as they are appended: each is neutralised on the way."""

    def append(self, row):
        super().append([_as_text_cell(self, v) for v in row])


class Workbook(_OpenpyxlWorkbook):
    """``openpyxl.Workbook`` that writes text cells as text, never as formulas.

    Write-only sheets are neutralised row by row; an ordinary workbook, whose cells stay in
    memory until it is saved, is neutralised when it is saved (cells set by ``append``,
    ``sheet["A1"] = …`` and ``sheet.cell(…)`` alike)."""

    def create_sheet(self, title=None, index=None):
        if not self.write_only:
            return super().create_sheet(title=title, index=index)
        sheet = _SafeWriteOnlyWorksheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def save(self, filename):
        if not self.write_only:
            for sheet in self.worksheets:
                for cell in sheet._cells.values():
                    if cell.data_type == "f":
                        cell.data_type = "s"
        return super().save(filename)
