"""Reading a question bank from an xlsx workbook or a CSV file, with a Chinese reason per bad row.

The columns (first row, in any order): 编号, 题型 (单选/多选/判断), 题目, 选项A … 选项F, 答案
(A, AC, 对/错), 专题, 难度 (容易/中等/困难 or 1–3), 分值, 解析. Every row is checked before
anything is written; a file with bad rows is refused as a whole, with every bad row named.
"""

from __future__ import annotations

import csv
import io
import zipfile

from django.utils.translation import gettext as _

from core.errors import Invalid

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
OPTION_COLUMNS = [f"选项{letter}" for letter in "ABCDEF"]
KINDS = {"单选": "single", "单选题": "single", "多选": "multiple", "多选题": "multiple", "判断": "true_false", "判断题": "true_false"}
DIFFICULTIES = {"容易": 1, "简单": 1, "1": 1, "中等": 2, "一般": 2, "2": 2, "困难": 3, "难": 3, "3": 3}
TRUE_WORDS = {"对", "正确", "√", "是", "T", "TRUE"}
FALSE_WORDS = {"错", "错误", "×", "否", "F", "FALSE"}
REQUIRED = ("编号", "题型", "题目", "答案")
HEADERS = ["编号", "题型", "题目", *OPTION_COLUMNS, "答案", "专题", "难度", "分值", "解析"]


def read_rows(name: str, data: bytes) -> list[dict]:
    """The file's rows as dicts keyed by header (xlsx or CSV, sniffed from the bytes)."""
    if len(data) > MAX_BYTES:
        raise Invalid("bank_file_too_large", _("题库文件不能超过 5 MB"), field="file")
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise Invalid("bank_file_type", _("无法识别文件：请上传 xlsx 工作簿或 UTF-8 编码的 CSV 文件"), field="file") from None
        rows = list(csv.reader(io.StringIO(text)))
    rows = [[("" if v is None else str(v)).strip() for v in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise Invalid("bank_file_empty", _("题库文件是空的"), field="file")
    header = rows[0]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise Invalid("bank_file_header", _("第 1 行缺少列：%(cols)s") % {"cols": "、".join(missing)}, field="file")
    if len(rows) - 1 > MAX_ROWS:
        raise Invalid("bank_file_too_long", _("一次最多导入 %(n)s 道题") % {"n": MAX_ROWS}, field="file")
    return [
        dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)) | {"_line": n} for n, row in enumerate(rows[1:], start=2)
    ]


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise Invalid("bank_file_type", _("无法读取该 xlsx 工作簿，请确认文件未损坏"), field="file") from None
    sheet = book.worksheets[0]
    out = []
    for row in sheet.iter_rows(values_only=True):
        out.append([_cell(v) for v in row])
        if len(out) > MAX_ROWS + 1:
            break
    book.close()
    return out


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def parse(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Engine items from the rows, and the reasons of every bad row (``第 n 行：…``)."""
    items, errors, keys = [], [], set()
    for row in rows:
        line = row["_line"]
        try:
            item = _item(row)
        except ValueError as reason:
            errors.append(_("第 %(line)s 行：%(reason)s") % {"line": line, "reason": reason})
            continue
        if item["key"] in keys:
            errors.append(_("第 %(line)s 行：编号 %(key)s 重复") % {"line": line, "key": item["key"]})
            continue
        keys.add(item["key"])
        items.append(item)
    return items, errors


def _item(row: dict) -> dict:
    key, text = row.get("编号", ""), row.get("题目", "")
    if not key:
        raise ValueError(_("缺少编号"))
    if len(key) > 40:
        raise ValueError(_("编号不能超过 40 个字"))
    if not text:
        raise ValueError(_("缺少题目"))
    if len(text) > 300:
        raise ValueError(_("题目不能超过 300 字"))
    kind = KINDS.get(row.get("题型", ""))
    if kind is None:
        raise ValueError(_("题型应为 单选、多选 或 判断"))
    answer = row.get("答案", "").upper().replace(" ", "").replace(",", "").replace("，", "").replace("、", "")
    if kind == "true_false":
        options = ["正确", "错误"]
        if answer in TRUE_WORDS or answer == "A":
            correct = [0]
        elif answer in FALSE_WORDS or answer == "B":
            correct = [1]
        else:
            raise ValueError(_("判断题的答案应为 对 或 错"))
    else:
        options = []
        for column in OPTION_COLUMNS:
            value = row.get(column, "")
            if value:
                if len(options) < OPTION_COLUMNS.index(column):
                    raise ValueError(_("选项不能跳过：%(col)s 前面有空选项") % {"col": column})
                options.append(value[:100])
        if len(options) < 2:
            raise ValueError(_("选择题至少要有选项A和选项B"))
        if not answer or any(ch not in "ABCDEF"[: len(options)] for ch in answer):
            raise ValueError(_("答案应为选项字母，如 A 或 AC，且不能超出已有选项"))
        correct = sorted({"ABCDEF".index(ch) for ch in answer})
        if kind == "single" and len(correct) != 1:
            raise ValueError(_("单选题只能有一个答案"))
        if kind == "multiple" and len(correct) < 2:
            raise ValueError(_("多选题至少要有两个答案"))
    difficulty_raw = row.get("难度", "") or "中等"
    difficulty = DIFFICULTIES.get(difficulty_raw)
    if difficulty is None:
        raise ValueError(_("难度应为 容易、中等 或 困难"))
    marks_raw = row.get("分值", "") or "1"
    if not marks_raw.isdigit() or not 1 <= int(marks_raw) <= 100:
        raise ValueError(_("分值应为 1 到 100 的整数"))
    topic = row.get("专题", "")
    if len(topic) > 40:
        raise ValueError(_("专题不能超过 40 个字"))
    return {
        "key": key,
        "kind": kind,
        "text": text,
        "options": options,
        "correct": correct,
        "topic": topic,
        "difficulty": difficulty,
        "marks": int(marks_raw),
        "explanation": row.get("解析", "")[:400],
    }
