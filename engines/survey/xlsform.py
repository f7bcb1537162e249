"""Reading a questionnaire from an XLSForm workbook (the KoboToolbox / ODK convention).

Sheets: ``survey`` (type, name, label, hint, required, relevant, constraint, constraint_message,
required_message; translations as ``label::English (en)``), ``choices`` (list_name, name, label)
and ``settings`` (form_title, form_id, version, default_language). Every problem is reported in
Chinese with the sheet, row and column it is in, all at once, so staff fix their workbook in one
go; a workbook that passes our reading is then checked by pyxform, the reference implementation
of the convention, so what we accept also converts to a valid ODK XForm.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from engines.survey import expressions

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
CHOICE_RE = re.compile(r"^[^\s'\"]{1,64}$")
ANSWER_TYPES = {"text", "integer", "decimal", "date", "select_one", "select_multiple"}
# Metadata ODK records by itself: timings and device ids are exactly what an anonymous answer
# must not carry, so they are accepted in a workbook and never collected.
IGNORED_TYPES = {"start", "end", "today", "deviceid", "username", "phonenumber", "audit", "simserial", "subscriberid"}
TRUE_WORDS = {"yes", "true", "true()", "1", "是", "y"}
ENGLISH = re.compile(
    r"^(label|hint|constraint_message|required_message)::(english|en)\b.*$|^(label|hint|constraint_message|required_message)::.*\(en\)$"
)
CHINESE = re.compile(r"^(label|hint|constraint_message|required_message)::.*(\(zh[^)]*\)|中文|chinese).*$")


class WorkbookInvalid(ValueError):
    """The workbook cannot be imported; ``errors`` lists every problem in Chinese."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Form:
    title: str
    form_id: str
    version: str
    default_language: str
    questions: list[dict] = field(default_factory=list)
    choices: dict[str, list[dict]] = field(default_factory=dict)

    def as_definition(self) -> dict:
        return {
            "title": self.title,
            "form_id": self.form_id,
            "version": self.version,
            "default_language": self.default_language,
            "questions": self.questions,
            "choices": self.choices,
        }


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column_key(header: str) -> str | None:
    """The field a header names: 'label', 'label_en', 'hint', … (None for a column we ignore)."""
    h = re.sub(r"\s+", " ", header.strip().lower())
    if not h:
        return None
    if "::" in h:
        base = h.split("::", 1)[0]
        if ENGLISH.match(h):
            return f"{base}_en"
        if CHINESE.match(h):
            return base
        return None  # a third language: kept out, not an error
    return {"list name": "list_name"}.get(h, h)


def _rows(sheet, sheet_name: str, errors: list[str]) -> list[tuple[int, dict]]:
    rows = sheet.iter_rows(values_only=True)
    try:
        header = next(rows)
    except StopIteration:
        errors.append(f"工作表「{sheet_name}」是空的：第 1 行应为列名")
        return []
    keys = [_column_key(_cell(h)) for h in header]
    out = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            errors.append(f"工作表「{sheet_name}」超过 {MAX_ROWS} 行")
            break
        row = {}
        for key, value in zip(keys, values, strict=False):
            if key and key not in row:
                row[key] = _cell(value)
        if any(row.values()):
            out.append((number, row))
    return out


def _headers(sheet) -> set[str]:
    first = next(sheet.iter_rows(values_only=True, max_row=1), ())
    return {k for k in (_column_key(_cell(h)) for h in first) if k}


def read(data: bytes) -> Form:
    """The form in ``data`` (xlsx bytes), or WorkbookInvalid listing every problem."""
    if len(data) > MAX_BYTES:
        raise WorkbookInvalid([f"文件过大：最大 {MAX_BYTES // 1024 // 1024} MB"])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookInvalid(["不是 Excel 工作簿（.xlsx）：请在 Excel 或 WPS 中另存为 .xlsx 后再上传"])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise WorkbookInvalid(["无法读取该工作簿：文件已损坏或不是 .xlsx 格式"]) from None
    names = {name.strip().lower(): name for name in book.sheetnames}
    errors: list[str] = []
    if "survey" not in names:
        raise WorkbookInvalid([f"缺少工作表「survey」（现有工作表：{'、'.join(book.sheetnames)}）"])
    survey_sheet = book[names["survey"]]
    for required in ("type", "name"):
        if required not in _headers(survey_sheet):
            errors.append(f"工作表「survey」第 1 行缺少列「{required}」")
    if "label" not in _headers(survey_sheet):
        errors.append("工作表「survey」第 1 行缺少列「label」（中文题目）")
    if errors:
        raise WorkbookInvalid(errors)
    survey_rows = _rows(survey_sheet, "survey", errors)
    choice_rows = _rows(book[names["choices"]], "choices", errors) if "choices" in names else []
    settings_rows = _rows(book[names["settings"]], "settings", errors) if "settings" in names else []
    book.close()

    choices = _read_choices(choice_rows, errors)
    questions = _read_survey(survey_rows, choices, errors)
    settings = settings_rows[0][1] if settings_rows else {}
    title = settings.get("form_title", "")[:120]
    form_id = settings.get("form_id", "")[:80]
    if not title:
        errors.append("工作表「settings」缺少「form_title」（问卷标题）")
    if form_id and not NAME_RE.match(form_id):
        errors.append(f"工作表「settings」第 2 行「form_id」列：“{form_id}”只能用英文字母、数字和下划线，且不以数字开头")
    if not any(q["type"] in ANSWER_TYPES for q in questions) and not errors:
        errors.append("工作表「survey」中没有任何题目")
    if errors:
        raise WorkbookInvalid(errors)
    form = Form(
        title=title,
        form_id=form_id or "survey",
        version=settings.get("version", "")[:40],
        default_language=settings.get("default_language", "")[:40],
        questions=questions,
        choices={name: rows for name, rows in choices.items()},
    )
    _check_with_pyxform(data)
    return form


def _read_choices(rows, errors) -> dict[str, list[dict]]:
    choices: dict[str, list[dict]] = {}
    for number, row in rows:
        where = f"工作表「choices」第 {number} 行"
        list_name, name, label = row.get("list_name", ""), row.get("name", ""), row.get("label", "")
        if not list_name:
            errors.append(f"{where}「list_name」列：不能为空")
            continue
        if not CHOICE_RE.match(name):
            errors.append(f"{where}「name」列：选项代码“{name}”不能为空，也不能含空格或引号（可用 1、2 或 yes、no）")
            continue
        if not label:
            errors.append(f"{where}「label」列：选项“{name}”缺少中文标签")
        options = choices.setdefault(list_name, [])
        if any(o["name"] == name for o in options):
            errors.append(f"{where}「name」列：选项代码“{name}”在列表“{list_name}”中重复")
            continue
        options.append({"name": name, "label": label[:200], "label_en": row.get("label_en", "")[:200]})
    return choices


def _flag(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS


def _read_survey(rows, choices, errors) -> list[dict]:
    questions: list[dict] = []
    names: dict[str, int] = {}
    groups: list[str] = []
    pending_expr: list[tuple[str, str, str, int]] = []  # (where, column, source, index)
    for number, row in rows:
        where = f"工作表「survey」第 {number} 行"
        raw_type = re.sub(r"\s+", " ", row.get("type", "")).strip()
        if not raw_type:
            errors.append(f"{where}「type」列：不能为空")
            continue
        parts = raw_type.split(" ")
        kind, list_name = parts[0].lower(), " ".join(parts[1:])
        if kind in ("begin", "end") and list_name.lower() == "group":
            kind, list_name = f"{kind}_group", ""
        kind = {"select one": "select_one", "select multiple": "select_multiple"}.get(kind, kind)
        if kind in IGNORED_TYPES:
            continue
        if kind == "end_group":
            if not groups:
                errors.append(f"{where}「type」列：“end group”前没有对应的“begin group”")
                continue
            questions.append({"type": "end_group", "name": groups.pop()})
            continue
        if kind not in ANSWER_TYPES | {"note", "begin_group"}:
            errors.append(
                f"{where}「type」列：不支持的题型“{raw_type}”（可用 text、integer、decimal、date、select_one 列表名、"
                "select_multiple 列表名、note、begin group、end group）"
            )
            continue
        name = row.get("name", "")
        if not NAME_RE.match(name):
            errors.append(f"{where}「name」列：题目代码“{name}”只能用英文字母、数字和下划线，且不以数字开头")
            continue
        if name in names:
            errors.append(f"{where}「name」列：题目代码“{name}”与第 {names[name]} 行重复")
            continue
        names[name] = number
        if kind in ("select_one", "select_multiple"):
            if not list_name:
                errors.append(f"{where}「type」列：“{kind}”后应写选项列表名，如“{kind} yes_no”")
                continue
            if list_name not in choices:
                errors.append(f"{where}「type」列：工作表「choices」中没有选项列表“{list_name}”")
                continue
        label = row.get("label", "")
        if not label and kind != "begin_group":
            errors.append(f"{where}「label」列：题目“{name}”缺少中文题目")
        question = {
            "type": kind,
            "name": name,
            "list": list_name if kind.startswith("select_") else "",
            "label": label[:500],
            "label_en": row.get("label_en", "")[:500],
            "hint": row.get("hint", "")[:500],
            "hint_en": row.get("hint_en", "")[:500],
            "required": kind in ANSWER_TYPES and _flag(row.get("required", "")),
            "required_message": row.get("required_message", "")[:200],
            "constraint_message": row.get("constraint_message", "")[:200],
            "constraint_message_en": row.get("constraint_message_en", "")[:200],
            "group": groups[-1] if groups else "",
            "path": "/".join([*groups, name]),
            "relevant": None,
            "constraint": None,
        }
        questions.append(question)
        for column in ("relevant", "constraint"):
            source = row.get(column, "")
            if source:
                if column == "constraint" and kind not in ANSWER_TYPES:
                    errors.append(f"{where}「constraint」列：只有作答题可以设置约束")
                    continue
                pending_expr.append((where, column, source, len(questions) - 1))
        if kind == "begin_group":
            groups.append(name)
    for name in reversed(groups):
        errors.append(f"工作表「survey」：分组“{name}”（第 {names[name]} 行开始）缺少“end group”")
    for where, column, source, index in pending_expr:
        try:
            tree = expressions.parse(source)
        except expressions.ExpressionError as exc:
            errors.append(f"{where}「{column}」列：表达式“{source}”有误：{exc}")
            continue
        unknown = sorted(expressions.references(tree) - set(names))
        if unknown:
            errors.append(f"{where}「{column}」列：引用了不存在的题目 {'、'.join('${' + u + '}' for u in unknown)}")
            continue
        questions[index][column] = {"source": source[:1000], "tree": tree}
    return questions


def _check_with_pyxform(data: bytes) -> None:
    """pyxform's own reading of the workbook (its messages are in English, given after ours)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        convert(xlsform=io.BytesIO(data), file_type=".xlsx", warnings=[])
    except PyXFormError as exc:
        raise WorkbookInvalid([f"XLSForm 标准校验（pyxform）未通过：{exc}"]) from None
    except Exception as exc:  # pyxform raises plain errors for some malformed input
        raise WorkbookInvalid([f"XLSForm 标准校验（pyxform）未通过：{type(exc).__name__}: {exc}"]) from None
