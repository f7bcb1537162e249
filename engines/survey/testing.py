"""Building XLSForm workbooks in code, for tests and for programmes that keep their
questionnaire's source next to the workbook they commit."""

from __future__ import annotations

import io

from core.spreadsheets import Workbook

SURVEY_COLUMNS = [
    "type",
    "name",
    "label",
    "label::English (en)",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
]


def workbook(survey: list[dict], choices: list[dict] | None = None, settings: dict | None = None, *, survey_columns=None) -> bytes:
    """An .xlsx with ``survey``, ``choices`` and ``settings`` sheets from rows given as dicts
    keyed by column name (columns in SURVEY_COLUMNS order, then any others)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    columns = list(survey_columns or SURVEY_COLUMNS)
    for row in survey:
        columns += [k for k in row if k not in columns]
    sheet.append(columns)
    for row in survey:
        sheet.append([row.get(c, "") for c in columns])
    if choices is not None:
        sheet = book.create_sheet("choices")
        ccolumns = ["list_name", "name", "label", "label::English (en)"]
        sheet.append(ccolumns)
        for row in choices:
            sheet.append([row.get(c, "") for c in ccolumns])
    settings = {"form_title": "测试问卷", "form_id": "test_form", "version": "1"} if settings is None else settings
    if settings:
        sheet = book.create_sheet("settings")
        sheet.append(list(settings))
        sheet.append(list(settings.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def choice_rows(list_name: str, *options: tuple[str, str]) -> list[dict]:
    return [{"list_name": list_name, "name": name, "label": label} for name, label in options]
