"""The answers as an xlsx in KoboToolbox's export layout ("XML values and headers", groups
separated by "/"), so analysts' existing scripts read it unchanged:

- one column per question, headed by its path (``group/question``), holding the XLSForm value;
- a select_multiple also gets one column per option, ``group/question/option``, holding 1 or 0;
- then Kobo's meta columns ``_id, _uuid, _submission_time, _validation_status, _notes, _status,
  _submitted_by, __version__, _tags, _index``.

Anonymous answers carry the date alone as ``_submission_time`` and nobody in ``_submitted_by``,
and they are written in the order of their random keys, which says nothing about when.
"""

from __future__ import annotations

import io

from core.spreadsheets import Workbook
from engines.survey.models import Response, Survey

META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
NUMBER_TYPES = ("integer", "decimal")


def columns(survey: Survey) -> list[str]:
    out = []
    for q in survey.questions:
        if q["type"] in ("begin_group", "end_group", "note"):
            continue
        out.append(q["path"])
        if q["type"] == "select_multiple":
            out += [f"{q['path']}/{o['name']}" for o in survey.choices.get(q["list"], [])]
    return out + META


def _number(value: str):
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def workbook_bytes(survey: Survey) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=(survey.title or survey.form_id)[:31])
    sheet.append(columns(survey))
    questions = [q for q in survey.questions if q["type"] not in ("begin_group", "end_group", "note")]
    rows = Response.objects.filter(survey=survey).select_related("respondent").order_by("pk")
    for index, response in enumerate(rows.iterator(chunk_size=2000), start=1):
        data = response.data
        cells = []
        for q in questions:
            value = data.get(q["name"], "")
            cells.append(_number(value) if value and q["type"] in NUMBER_TYPES else value)
            if q["type"] == "select_multiple":
                picked = set(value.split())
                cells += [(1 if o["name"] in picked else 0) if value else "" for o in survey.choices.get(q["list"], [])]
        when = response.submitted_at.isoformat(timespec="seconds") if response.submitted_at else response.submitted_on.isoformat()
        who = response.respondent.get_username() if response.respondent_id and response.respondent else ""
        cells += [index, str(response.pk), when, "", "", "submitted_via_web", who, survey.version, "", index]
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
