"""A small questionnaire with every question type, skip logic and constraints."""

from __future__ import annotations

import pytest

from engines.survey import owners, services
from engines.survey.models import Survey
from engines.survey.testing import workbook

owners.register_owner("tests", "测试项目")

SURVEY = [
    {"type": "note", "name": "intro", "label": "说明"},
    {"type": "begin group", "name": "g1", "label": "基本情况", "label::English (en)": "About you"},
    {"type": "select_one yn", "name": "works", "label": "是否在职", "label::English (en)": "Employed?", "required": "yes"},
    {
        "type": "integer",
        "name": "hours",
        "label": "每天工作小时",
        "required": "yes",
        "relevant": "${works} = 'yes'",
        "constraint": ". > 0 and . <= 24",
        "constraint_message": "小时数应在 0 到 24 之间",
    },
    {"type": "end group", "name": ""},
    {"type": "decimal", "name": "income", "label": "月收入（千元）"},
    {
        "type": "select_multiple need",
        "name": "needs",
        "label": "需求",
        "constraint": "count-selected(.) <= 2",
        "constraint_message": "最多选两项",
    },
    {"type": "date", "name": "since", "label": "入职日期"},
    {"type": "text", "name": "note", "label": "建议"},
]
CHOICES = [
    {"list_name": "yn", "name": "yes", "label": "是", "label::English (en)": "Yes"},
    {"list_name": "yn", "name": "no", "label": "否", "label::English (en)": "No"},
    {"list_name": "need", "name": "rest", "label": "休息场所"},
    {"list_name": "need", "name": "legal", "label": "法律援助"},
    {"list_name": "need", "name": "health", "label": "体检"},
]


@pytest.fixture
def book() -> bytes:
    return workbook(SURVEY, CHOICES, {"form_title": "测试问卷", "form_id": "t1", "version": "v1"})


def make_survey(world, data: bytes, *, anonymous=True, organisation=None, status=Survey.Status.OPEN) -> Survey:
    survey = services.survey_import(
        actor=world.district_staff, owner="tests", organisation=organisation or world.district, data=data, anonymous=anonymous
    )
    if status != Survey.Status.DRAFT:
        survey = services.survey_set_status(actor=world.district_staff, survey=survey, status=status)
    return survey


@pytest.fixture
def survey(world, book) -> Survey:
    return make_survey(world, book)
