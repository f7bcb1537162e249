"""Roster import and export (xlsx and CSV).

An import is all-or-nothing: every row is read and judged in one pass (the same
``clean_member_fields`` the form uses), duplicates are looked for inside the file and against
the database in a few set-based queries, and only a file without a single bad row is written
— in one transaction, by ``COPY`` on PostgreSQL (``bulk_create`` elsewhere). The error report names the spreadsheet row, the
column and the reason, so the union office can fix the file and try again.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Invalid
from core.models import Member
from core.services import _member_lookups, _require_roster, clean_member_fields, recount_members
from core.spreadsheets import csv_writer

COLUMNS = [
    ("name", gettext_lazy("姓名")),
    ("phone", gettext_lazy("手机号")),
    ("employee_no", gettext_lazy("工号")),
    ("gender", gettext_lazy("性别")),
    ("birth_year", gettext_lazy("出生年份")),
    ("tags", gettext_lazy("群体标签")),
    ("joined_on", gettext_lazy("入会日期")),
    ("status", gettext_lazy("状态")),
]
REQUIRED_COLUMNS = ("name", "phone")
MAX_ROWS = 200_000
# Columns beyond this are never read (ours are eight; extra columns such as 备注 are ignored anyway).
MAX_COLUMNS = 64
# What a workbook may unpack to: 200,000 rows of eight columns are about 100 MB of sheet XML.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 96 * 1024 * 1024
MAX_REPORTED_ERRORS = 1000
# Header names people actually type, beside ours (either language).
HEADER_ALIASES = {
    "姓名": "name",
    "名字": "name",
    "手机号": "phone",
    "手机": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "工号": "employee_no",
    "员工编号": "employee_no",
    "性别": "gender",
    "出生年份": "birth_year",
    "群体标签": "tags",
    "标签": "tags",
    "入会日期": "joined_on",
    "入会时间": "joined_on",
    "状态": "status",
}


def column_label(field: str) -> str:
    return str(dict(COLUMNS).get(field, field))


class RosterFileError(Invalid):
    pass


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than we would ever read.

    A deflated sheet shrinks about a thousandfold when it is mostly padding, so the 20 MB upload
    cap says nothing about what openpyxl will parse. ``zipfile`` never reads past a part's
    declared size, so checking the declared sizes bounds what the parser can be fed."""
    import zipfile

    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise RosterFileError("import_unreadable", _("无法读取该 Excel 文件，请确认是 .xlsx 格式"), field="file") from exc
    total = sum(part.file_size for part in parts)
    strings = sum(part.file_size for part in parts if part.filename.lower().endswith("sharedstrings.xml"))
    if total > MAX_UNPACKED_BYTES or strings > MAX_SHARED_STRINGS_BYTES:
        raise RosterFileError(
            "import_too_large",
            _("该 Excel 文件解压后过大（超过 %(mb)s MB），请删除多余的工作表、格式或空白行后重试，或分成几个文件导入")
            % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)},
            field="file",
        )


def _rows_from_xlsx(data: bytes) -> Iterator[tuple]:
    """Rows of the first sheet, streamed, each at most ``MAX_COLUMNS`` wide.

    The sheet's declared ``<dimension>`` is ignored: openpyxl pads every row to it, and a file
    can declare 16,384 columns while holding two."""
    from openpyxl import load_workbook

    _check_unpacked_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or non-xlsx file is the user's input, not our failure
        raise RosterFileError("import_unreadable", _("无法读取该 Excel 文件，请确认是 .xlsx 格式"), field="file") from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    finally:
        workbook.close()


def _rows_from_csv(data: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError("import_unreadable", _("无法识别 CSV 文件的编码，请保存为 UTF-8"), field="file")
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error as exc:  # e.g. a stray carriage return inside a field (found by the trust fuzz test)
        raise RosterFileError("import_unreadable", _("无法读取该 CSV 文件，请用 Excel 另存为 CSV 后重试"), field="file") from exc


def read_rows(filename: str, data: bytes) -> Iterator[Iterable]:
    name = (filename or "").lower()
    if data[:2] == b"PK" or name.endswith(".xlsx"):
        return _rows_from_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt") or not name:
        return _rows_from_csv(data)
    raise RosterFileError("import_unsupported", _("仅支持 .xlsx 或 .csv 文件"), field="file")


def _estimated_rows(data: bytes) -> int:
    """Data rows for the progress bar: line breaks of a CSV; for a workbook, a guess from its size."""
    if data[:2] == b"PK":
        return max(len(data) // 40, 1)
    return max(data.count(b"\n") - 1, 1)


def _header_map(header: Iterable) -> dict[int, str]:
    labels = {str(label): key for key, label in COLUMNS}
    mapping: dict[int, str] = {}
    for index, cell in enumerate(header):
        text = str(cell or "").strip()
        if not text:
            continue
        key = HEADER_ALIASES.get(text) or labels.get(text) or (text if text in dict(COLUMNS) else None)
        if key is None:
            continue  # extra columns (备注…) are ignored, not errors
        if key in mapping.values():
            raise RosterFileError(
                "import_invalid",
                _("表头“%(name)s”重复") % {"name": text},
                field="file",
                rows=[{"row": 1, "field": key, "column": text, "reason": _("表头重复")}],
            )
        mapping[index] = key
    missing = [key for key in REQUIRED_COLUMNS if key not in mapping.values()]
    if missing:
        names = "、".join(column_label(k) for k in missing)
        raise RosterFileError(
            "import_invalid",
            _("缺少必需的列：%(names)s") % {"names": names},
            field="file",
            rows=[{"row": 1, "field": k, "column": column_label(k), "reason": _("缺少必需的列")} for k in missing],
        )
    return mapping


def validate_rows(rows: Iterator[Iterable], *, organisation, progress=None) -> tuple[list[dict], list[dict], int]:
    """(cleaned members, errors [{row, field, column, reason}], total error count) in one pass.
    ``progress(rows read)`` is called as it goes (a background import's progress bar)."""
    try:
        header = next(rows)
    except StopIteration:
        raise RosterFileError("import_empty", _("文件是空的"), field="file") from None
    mapping = _header_map(header)
    cleaned_rows: list[dict] = []
    errors: list[dict] = []
    error_count = 0
    seen_phone: dict[str, int] = {}
    seen_no: dict[str, int] = {}
    lookup = _member_lookups(get_language())

    def report(row_no, field, reason):
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append({"row": row_no, "field": field, "column": column_label(field), "reason": str(reason)})

    for row_no, row in enumerate(rows, start=2):
        if progress is not None and row_no % 1000 == 0:
            progress(row_no)
        values = list(row)
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue  # blank lines at the end of a sheet
        if len(cleaned_rows) >= MAX_ROWS:
            raise RosterFileError("import_too_large", _("一次最多导入 %(n)s 行") % {"n": MAX_ROWS}, field="file")
        raw = {key: values[i] if i < len(values) else None for i, key in mapping.items()}
        cleaned, row_errors = clean_member_fields(raw, lookup)
        for field, reason in row_errors:
            report(row_no, field, reason)
        phone = cleaned.get("phone")
        if phone:
            if phone in seen_phone:
                report(row_no, "phone", _("手机号 %(phone)s 与第 %(row)s 行重复") % {"phone": phone, "row": seen_phone[phone]})
            else:
                seen_phone[phone] = row_no
        number = cleaned.get("employee_no")
        if number:
            if number in seen_no:
                report(row_no, "employee_no", _("工号 %(no)s 与第 %(row)s 行重复") % {"no": number, "row": seen_no[number]})
            else:
                seen_no[number] = row_no
        cleaned["_row"] = row_no
        cleaned_rows.append(cleaned)
    if not cleaned_rows and not error_count:
        raise RosterFileError("import_empty", _("文件中没有会员数据"), field="file")
    # Against the database: a few set-based queries, never one per row.
    phones = list(seen_phone)
    for start in range(0, len(phones), 5000):
        for phone in Member.objects.filter(phone__in=phones[start : start + 5000]).values_list("phone", flat=True):
            report(seen_phone[phone], "phone", _("手机号 %(phone)s 已在会员名册中") % {"phone": phone})
    if seen_no:
        taken = set(Member.objects.filter(organisation=organisation).exclude(employee_no="").values_list("employee_no", flat=True))
        for number in sorted(taken & set(seen_no), key=seen_no.get):
            report(seen_no[number], "employee_no", _("工号 %(no)s 在本工会已存在") % {"no": number})
    errors.sort(key=lambda e: e["row"])
    return cleaned_rows, errors, error_count


COPY_COLUMNS = [
    "organisation_id",
    "name",
    "phone",
    "employee_no",
    "gender",
    "birth_year",
    "tags",
    "status",
    "joined_on",
    "ranking_consent",
    "created_at",
    "updated_at",
]


def _write_members(organisation_id: int, cleaned_rows: list[dict]) -> None:
    """Writes validated rows. COPY on PostgreSQL skips building 50,000 model instances and SQL strings."""
    if connection.vendor != "postgresql":
        Member.objects.bulk_create(
            (Member(organisation_id=organisation_id, **{k: v for k, v in row.items() if k != "_row"}) for row in cleaned_rows),
            batch_size=2000,
        )
        return
    now = timezone.now()
    with connection.cursor() as cursor, cursor.copy(f"COPY {Member._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
        for row in cleaned_rows:
            copy.write_row(
                (
                    organisation_id,
                    row["name"],
                    row["phone"],
                    row["employee_no"],
                    row["gender"],
                    row["birth_year"],
                    json.dumps(row["tags"]),
                    row["status"],
                    row["joined_on"],
                    False,
                    now,
                    now,
                )
            )


def roster_import(*, actor, organisation, filename: str, data: bytes, progress=None) -> dict:
    """Imports a roster file into a grassroots union: all rows or none.

    Raises ``Invalid("import_invalid", rows=[{row, field, column, reason}])`` listing every bad row;
    returns ``{"created": n, "seconds": s}`` when the whole file went in. ``progress(done,
    total, stage)``, when given, follows the rows (pages run this as a background job).
    """
    _require_roster(actor, organisation)
    started = time.perf_counter()
    # Streamed, never listed: the progress bar works from an estimate of the row count.
    rows = iter(read_rows(filename, data))
    total = min(_estimated_rows(data), MAX_ROWS)
    report = (lambda n: progress(n, max(total, n) * 2, _("正在检查第 %(n)s 行") % {"n": n})) if progress else None
    if progress:
        progress(0, total * 2, _("正在检查"), force=True)
    cleaned_rows, errors, error_count = validate_rows(rows, organisation=organisation, progress=report)
    if errors:
        raise Invalid(
            "import_invalid",
            _("导入失败：共 %(n)s 处错误，未导入任何数据。请修改后重新上传。") % {"n": error_count},
            field="file",
            rows=errors,
            error_count=error_count,
        )
    if progress:
        progress(total, total * 2, _("正在写入 %(n)s 名会员") % {"n": len(cleaned_rows)}, force=True)
    with transaction.atomic():
        _write_members(organisation.pk, cleaned_rows)
        recount_members([organisation.pk])
        audit(
            actor=actor,
            action="member.import",
            obj=organisation,
            changes={"created": len(cleaned_rows), "file": (filename or "")[:100]},
            organisation=organisation,
        )
    return {"created": len(cleaned_rows), "seconds": round(time.perf_counter() - started, 2)}


def roster_import_job(job, progress) -> dict:
    """The background job behind the import page (``core.jobs``, kind ``roster_import``)."""
    from django.urls import reverse

    with job.input_file.open("rb") as f:
        data = f.read()
    result = roster_import(actor=job.owner, organisation=job.organisation, filename=job.input_name, data=data, progress=progress)
    progress(result["created"] * 2, result["created"] * 2, _("已完成"), force=True)
    return {
        **result,
        "message": _("导入成功：新增 %(n)s 名会员，用时 %(s)s 秒") % {"n": result["created"], "s": result["seconds"]},
        "link": reverse("core:roster", args=[job.organisation_id]),
        "link_text": _("查看会员名册"),
    }


def roster_export_job(job, progress) -> dict:
    """The background job behind the roster's Excel download (kind ``roster_export``)."""
    from core import selectors

    members = selectors.member_list(job.owner, organisation=job.organisation)
    total = members.count()
    progress(0, total, _("正在导出 %(n)s 名会员") % {"n": total}, force=True)
    progress.attach(job.params.get("file") or "roster.xlsx", export_xlsx(members))
    progress(total, total, _("已完成"), force=True)
    return {"message": _("会员名册已导出：%(n)s 人") % {"n": total}}


# --- Export ----------------------------------------------------------------------------------


def _export_values(member: Member) -> list:
    tag_labels = dict(Member.Tag.choices)
    return [
        member.name,
        member.phone or "",
        member.employee_no,
        member.get_gender_display() if member.gender else "",
        member.birth_year or "",
        "、".join(str(tag_labels.get(t, t)) for t in member.tags or []),
        member.joined_on.isoformat() if member.joined_on else "",
        member.get_status_display(),
    ]


def export_rows(queryset) -> Iterator[list]:
    yield [str(label) for _key, label in COLUMNS]
    for member in queryset.order_by("pk").iterator(chunk_size=2000):
        yield _export_values(member)


def export_xlsx(queryset) -> bytes:
    from core.spreadsheets import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("会员名册")))
    for row in export_rows(queryset):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class _Echo:
    def write(self, value):
        return value


def export_csv_stream(queryset) -> Iterator[str]:
    writer = csv_writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 CSV correctly only with the BOM
    for row in export_rows(queryset):
        yield writer.writerow(row)
