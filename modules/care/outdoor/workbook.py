"""The source of the courier working-conditions questionnaire (data/courier_survey.xlsx).

Staff edit the workbook in Excel; this file only rebuilds the committed copy
(``python -m modules.care.outdoor.workbook``) so a change is reviewable as text."""

from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "courier_survey.xlsx"
SERIES = "courier"

YES_NO = [("yes", "是", "Yes"), ("no", "否", "No")]


def _q(type_, name, label, en, **extra):
    return {"type": type_, "name": name, "label": label, "label::English (en)": en, **extra}


SURVEY = [
    _q(
        "note",
        "intro",
        "本问卷由区总工会开展，了解快递、外卖小哥的工作状况，约需 3 分钟。",
        "A 3-minute survey of couriers' working conditions.",
    ),
    _q("begin group", "basic", "基本情况", "About you"),
    _q("select_one platform", "platform", "您所在的快递或外卖平台", "Your platform", required="yes"),
    _q(
        "integer",
        "age",
        "您的年龄",
        "Your age",
        required="yes",
        constraint=". >= 16 and . <= 70",
        constraint_message="年龄应在 16 到 70 岁之间",
    ),
    _q("select_one gender", "gender", "您的性别", "Gender"),
    _q(
        "integer",
        "years",
        "从事本行业几年了",
        "Years in the trade",
        constraint=". >= 0 and . <= 40",
        constraint_message="年限应在 0 到 40 之间",
    ),
    _q("end group", "", "", ""),
    _q("begin group", "work", "工作时间与收入", "Hours and income"),
    _q(
        "decimal",
        "hours",
        "平均每天工作多少小时",
        "Hours worked a day",
        required="yes",
        constraint=". > 0 and . <= 24",
        constraint_message="每天工作小时数应在 0 到 24 之间",
    ),
    _q(
        "integer",
        "days_off",
        "每月休息几天",
        "Days off a month",
        constraint=". >= 0 and . <= 31",
        constraint_message="休息天数应在 0 到 31 之间",
    ),
    _q(
        "integer",
        "income",
        "月收入大约多少元",
        "Monthly income (yuan)",
        required="yes",
        constraint=". >= 0 and . <= 100000",
        constraint_message="请填写 0 到 100000 之间的金额",
    ),
    _q("select_one change", "income_change", "与去年相比，您的收入", "Income compared with last year"),
    _q("end group", "", "", ""),
    _q("begin group", "protection", "保险与权益", "Insurance and rights"),
    _q("select_one contract", "contract", "是否与用工单位签订了劳动合同", "Do you have a labour contract?", required="yes"),
    _q(
        "select_multiple insurance",
        "insurance",
        "您目前有哪些保险（可多选）",
        "Insurance you have (any)",
        required="yes",
        constraint="not(selected(., 'none') and count-selected(.) > 1)",
        constraint_message="“都没有”不能与其他选项同时选",
    ),
    _q("select_one yes_no", "injured", "过去一年是否在工作中受过伤", "Injured at work in the past year?"),
    _q("select_one payer", "injury_paid", "受伤的医疗费用主要由谁承担", "Who paid for the treatment?", relevant="${injured} = 'yes'"),
    _q("select_one yes_no", "union_member", "是否已加入工会", "Are you a union member?"),
    _q("end group", "", "", ""),
    _q("begin group", "rest", "休息与驿站", "Rest and rest stations"),
    _q("select_one rest_place", "rest_place", "工作间隙主要在哪里休息", "Where do you rest between jobs?", required="yes"),
    _q("select_one yes_no", "station_known", "是否知道附近的职工暖心驿站", "Do you know a rest station near you?"),
    _q(
        "select_multiple station_service",
        "station_use",
        "在驿站用过哪些服务（可多选）",
        "Services you used at a station",
        relevant="${station_known} = 'yes'",
    ),
    _q(
        "select_one distance",
        "station_distance",
        "离您最近的驿站步行大约多久",
        "Walk to the nearest station",
        relevant="${station_known} = 'yes'",
    ),
    _q("end group", "", "", ""),
    _q("begin group", "needs_group", "需求与建议", "Needs"),
    _q(
        "select_multiple need",
        "needs",
        "最希望工会提供哪些帮助（最多选三项）",
        "What should the union help with? (up to three)",
        required="yes",
        constraint="count-selected(.) <= 3",
        constraint_message="最多选三项",
    ),
    _q("text", "suggestion", "其他意见和建议", "Anything else?"),
    _q("end group", "", "", ""),
]

CHOICES = {
    "platform": [
        ("sf", "顺丰", "SF Express"),
        ("jd", "京东物流", "JD Logistics"),
        ("zto", "中通", "ZTO"),
        ("yto", "圆通", "YTO"),
        ("meituan", "美团", "Meituan"),
        ("eleme", "饿了么", "Ele.me"),
        ("other", "其他", "Other"),
    ],
    "gender": [("male", "男", "Male"), ("female", "女", "Female")],
    "change": [("up", "增加了", "Up"), ("same", "差不多", "About the same"), ("down", "减少了", "Down")],
    "contract": [("yes", "签了", "Yes"), ("no", "没签", "No"), ("unsure", "不清楚", "Not sure")],
    "insurance": [
        ("pension", "养老保险", "Pension"),
        ("medical", "医疗保险", "Medical"),
        ("injury", "工伤保险", "Work injury"),
        ("accident", "商业意外险", "Accident"),
        ("none", "都没有", "None"),
    ],
    "yes_no": YES_NO,
    "payer": [
        ("company", "公司或平台", "Company or platform"),
        ("self", "自己", "Myself"),
        ("insurance", "保险", "Insurance"),
        ("union", "工会帮扶", "Union aid"),
    ],
    "rest_place": [
        ("station", "职工暖心驿站", "A rest station"),
        ("vehicle", "车上", "On the vehicle"),
        ("shop", "商店或商场", "A shop or mall"),
        ("street", "路边", "By the road"),
        ("home", "回家", "At home"),
    ],
    "station_service": [
        ("water", "饮水", "Drinking water"),
        ("charge", "充电", "Charging"),
        ("microwave", "热饭", "Heating food"),
        ("toilet", "如厕", "Toilet"),
        ("rest", "休息", "A seat"),
        ("medicine", "药箱", "First aid"),
    ],
    "distance": [("lt5", "5 分钟以内", "Under 5 min"), ("5to15", "5 到 15 分钟", "5–15 min"), ("gt15", "15 分钟以上", "Over 15 min")],
    "need": [
        ("rest", "更多休息场所", "More rest places"),
        ("legal", "法律援助", "Legal aid"),
        ("insurance", "保险保障", "Insurance"),
        ("health", "健康体检", "Health checks"),
        ("training", "技能培训", "Training"),
        ("child", "子女教育", "Children's schooling"),
        ("housing", "住房", "Housing"),
        ("counselling", "心理疏导", "Counselling"),
    ],
}

SETTINGS = {"form_title": "快递小哥工作状况调查", "form_id": "courier_conditions", "version": "2026.1"}


def build() -> bytes:
    from engines.survey.testing import workbook

    choices = [{"list_name": ln, "name": n, "label": zh, "label::English (en)": en} for ln, rows in CHOICES.items() for n, zh, en in rows]
    return workbook(SURVEY, choices, SETTINGS)


if __name__ == "__main__":
    PATH.write_bytes(build())
    print(PATH)
