"""Importing a workbook: what staff write in Excel is read as they meant it, and every mistake
is named in Chinese with its sheet, row and column."""

from __future__ import annotations

import pytest

from engines.survey import expressions, xlsform
from engines.survey.testing import workbook

from .conftest import CHOICES, SURVEY


def errors_of(data: bytes) -> list[str]:
    with pytest.raises(xlsform.WorkbookInvalid) as caught:
        xlsform.read(data)
    return caught.value.errors


def test_the_test_workbook_reads_into_questions_groups_and_choices(book):
    form = xlsform.read(book)
    assert form.title == "测试问卷" and form.form_id == "t1" and form.version == "v1"
    kinds = [(q["type"], q["name"]) for q in form.questions]
    assert kinds[:3] == [("note", "intro"), ("begin_group", "g1"), ("select_one", "works")]
    hours = next(q for q in form.questions if q["name"] == "hours")
    assert hours["path"] == "g1/hours" and hours["required"] is True
    assert hours["relevant"]["tree"] == ["cmp", "=", ["ref", "works"], ["str", "yes"]]
    assert hours["constraint_message"] == "小时数应在 0 到 24 之间"
    assert form.questions[1]["label_en"] == "About you"
    assert [o["name"] for o in form.choices["yn"]] == ["yes", "no"]


def test_the_courier_workbook_in_the_repository_is_valid():
    from modules.care.outdoor.workbook import PATH

    form = xlsform.read(PATH.read_bytes())
    assert form.title == "快递小哥工作状况调查"
    names = {q["name"] for q in form.questions}
    assert {"hours", "income", "insurance", "rest_place", "needs"} <= names


def test_mistakes_are_listed_all_at_once_with_sheet_row_and_column():
    rows = [
        {"type": "select_one nolist", "name": "a", "label": "甲"},
        {"type": "integer", "name": "2bad", "label": "乙"},
        {"type": "geopoint", "name": "where", "label": "位置"},
        {"type": "integer", "name": "n", "label": "数", "relevant": "${missing} > 1"},
        {"type": "integer", "name": "m", "label": "数", "constraint": ". >> 1"},
        {"type": "text", "name": "n", "label": "重复"},
        {"type": "end group", "name": ""},
    ]
    errors = errors_of(workbook(rows, CHOICES))
    text = "\n".join(errors)
    assert "工作表「survey」第 2 行「type」列" in text and "nolist" in text
    assert "第 3 行「name」列" in text and "2bad" in text
    assert "第 4 行「type」列：不支持的题型“geopoint”" in text
    assert "第 5 行「relevant」列：引用了不存在的题目 ${missing}" in text
    assert "第 6 行「constraint」列" in text
    assert "第 7 行「name」列：题目代码“n”与第 5 行重复" in text
    assert "第 8 行「type」列：“end group”前没有对应的“begin group”" in text


def test_missing_sheets_titles_labels_and_choices_are_named():
    assert errors_of(b"not a workbook") == ["不是 Excel 工作簿（.xlsx）：请在 Excel 或 WPS 中另存为 .xlsx 后再上传"]
    errors = errors_of(workbook([{"type": "text", "name": "a", "label": ""}], [], {"form_id": "x"}))
    assert any("「label」列：题目“a”缺少中文题目" in e for e in errors)
    assert any("settings」缺少「form_title」" in e for e in errors)
    errors = errors_of(workbook([{"type": "begin group", "name": "g", "label": "组"}, {"type": "text", "name": "a", "label": "甲"}]))
    assert any("分组“g”（第 2 行开始）缺少“end group”" in e for e in errors)
    bad_choice = [{"list_name": "yn", "name": "a b", "label": "甲"}, {"list_name": "", "name": "x", "label": "乙"}]
    errors = errors_of(workbook([{"type": "select_one yn", "name": "q", "label": "问"}], bad_choice))
    assert any("工作表「choices」第 2 行「name」列" in e for e in errors)
    assert any("工作表「choices」第 3 行「list_name」列" in e for e in errors)


def test_a_workbook_without_a_survey_sheet_names_the_sheets_it_has():
    from core.spreadsheets import Workbook

    book = Workbook()
    book.active.title = "问卷"
    import io

    out = io.BytesIO()
    book.save(out)
    assert errors_of(out.getvalue()) == ["缺少工作表「survey」（现有工作表：问卷）"]


def test_pyxform_checks_what_our_reading_accepts(monkeypatch):
    from pyxform.errors import PyXFormError

    def refuse(**kwargs):
        raise PyXFormError("[row : 3] Something ODK refuses")

    monkeypatch.setattr("pyxform.xls2xform.convert", refuse)
    errors = errors_of(workbook(SURVEY, CHOICES))
    assert errors == ["XLSForm 标准校验（pyxform）未通过：[row : 3] Something ODK refuses"]


@pytest.mark.parametrize(
    ("source", "answers", "current", "expected"),
    [
        ("${a} = 'yes'", {"a": "yes"}, None, True),
        ("${a} = 'yes'", {}, None, False),
        ("${a} != 'yes'", {}, None, True),
        ("${n} > 3 and ${n} <= 10", {"n": "5"}, None, True),
        ("${n} > 3", {"n": ""}, None, False),
        ("${n} + 2 = 7", {"n": "5"}, None, True),
        ("${n} div 2 = 2.5 or ${n} mod 2 = 0", {"n": "5"}, None, True),
        ("selected(${m}, 'x')", {"m": "y x"}, None, True),
        ("not(selected(., 'none') and count-selected(.) > 1)", {}, "none rest", False),
        ("count-selected(.) <= 3", {}, "a b c", True),
        ("string-length(.) < 5", {}, "你好", True),
        (". >= '2020-01-01'", {}, "2021-06-01", True),
        ("-${n} < 0", {"n": "2"}, None, True),
    ],
)
def test_expressions_evaluate_like_odk(source, answers, current, expected):
    assert expressions.holds(expressions.parse(source), answers, current) is expected


@pytest.mark.parametrize("source", ["${a} = ", "foo(1)", "(1", "1 2", "selected(${a})", "${a} ^ 2"])
def test_bad_expressions_are_refused(source):
    with pytest.raises(expressions.ExpressionError):
        expressions.parse(source)
