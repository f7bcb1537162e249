"""Checking one person's answers against a questionnaire, exactly as the form shows it.

Skip logic is decided here, on the server: questions are taken in the workbook's order, a
question (or a group) whose ``relevant`` is false is skipped and its answer dropped, so a later
expression never sees an answer to a question that was not asked. ``required`` applies to the
questions asked; ``constraint`` is checked with ``.`` standing for the answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from engines.survey import expressions

INTEGER = re.compile(r"^-?\d{1,9}$")
DECIMAL = re.compile(r"^-?\d{1,9}(\.\d{1,6})?$")
MAX_TEXT = 2000


@dataclass
class Checked:
    data: dict = field(default_factory=dict)  # name -> XLSForm value (text; select_multiple space-separated)
    errors: dict = field(default_factory=dict)  # name -> message
    shown: dict = field(default_factory=dict)  # name -> relevant?


def text_of(raw) -> str:
    """A submitted value as XLSForm text: a list (checkboxes, JSON) becomes space-separated."""
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        return " ".join(str(v).strip() for v in raw if str(v).strip())
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def localized(item: dict, key: str) -> str:
    if english() and item.get(f"{key}_en"):
        return item[f"{key}_en"]
    return item.get(key, "")


def check(survey, raw: dict) -> Checked:
    """The answers as they will be stored, the error of each wrong one, and which were asked."""
    out = Checked()
    hidden_groups: list[bool] = []
    choices = survey.choices
    for q in survey.questions:
        kind, name = q["type"], q["name"]
        if kind == "end_group":
            if hidden_groups:
                hidden_groups.pop()
            continue
        inside_hidden = any(hidden_groups)
        relevant = not inside_hidden and expressions.holds((q.get("relevant") or {}).get("tree"), out.data)
        out.shown[name] = relevant
        if kind == "begin_group":
            hidden_groups.append(not relevant)
            continue
        if kind == "note" or not relevant:
            continue
        value = text_of(raw.get(name))
        if not value:
            if q.get("required"):
                out.errors[name] = localized(q, "required_message") or _("此题必答")
            continue
        problem = _type_problem(kind, value, choices.get(q.get("list"), []))
        if problem:
            out.errors[name] = problem
            continue
        if kind == "select_multiple":
            value = " ".join(dict.fromkeys(value.split()))
        constraint = (q.get("constraint") or {}).get("tree")
        if constraint and not expressions.holds(constraint, out.data, current=value):
            out.errors[name] = localized(q, "constraint_message") or _("答案不符合要求")
            continue
        out.data[name] = value
    return out


def _type_problem(kind: str, value: str, options: list[dict]) -> str | None:
    if kind == "text":
        return _("最多 %(n)s 个字") % {"n": MAX_TEXT} if len(value) > MAX_TEXT else None
    if kind == "integer":
        return None if INTEGER.match(value) else _("请填写整数")
    if kind == "decimal":
        return None if DECIMAL.match(value) else _("请填写数字")
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("请填写日期（年-月-日）")
        return None if re.match(r"^\d{4}-\d{2}-\d{2}$", value) else _("请填写日期（年-月-日）")
    names = {o["name"] for o in options}
    picked = value.split()
    if kind == "select_one" and (len(picked) != 1 or picked[0] not in names):
        return _("请从选项中选择一项")
    if kind == "select_multiple" and not set(picked) <= names:
        return _("所选项不在选项中")
    return None
