"""A nomination's way, declared once for the workflow engine:
层层推荐（基层 → 街道/行业）→ 逐级评审（区总工会评审）→ 审定（名额与比例内）→ 社会公示（异议）→ 授予.
Any live nomination can be invalidated with a reason (作废, never deleted)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from engines.workflow.process import LateBound, Process, State, Transition
from modules.honours import rules

KEY = "honours.nomination"
LIVE = ("draft", "submitted", "returned", "recommended", "reviewed", "approved", "notice")


_hooks = LateBound("modules.honours.services", "modules.honours.selectors", with_comment=True)
_guard, _effect, _people = _hooks.guard, _hooks.effect, _hooks.people


def _notice_ends(case, entered_at):
    return entered_at + timedelta(days=case.subject.honour.notice_days)


PROCESS = Process(
    key=KEY,
    label=_("评优推荐"),
    initial="draft",
    states=[
        State("draft", _("草稿")),
        State("submitted", _("待街道/行业推荐")),
        State("returned", _("退回修改")),
        State("recommended", _("待区级评审")),
        State("reviewed", _("评审通过，待审定")),
        State("approved", _("已审定，待公示")),
        State("notice", _("公示中"), deadline=_notice_ends, on_expiry="confer"),
        State("conferred", _("已授予")),
        State("not_recommended", _("未推荐"), terminal=True),
        State("withdrawn_after_notice", _("公示未通过"), terminal=True),
        State("invalidated", _("已作废"), terminal=True),
    ],
    transitions=[
        Transition(
            "submit",
            ["draft", "returned"],
            "submitted",
            _("提交推荐"),
            allowed=rules.is_nominating_staff,
            guard=_guard("submission_problems"),
            effect=_effect("on_submitted"),
            notify=_people("unit_staff"),
        ),
        Transition(
            "return",
            ["submitted"],
            "returned",
            _("退回修改"),
            allowed=rules.is_unit_staff,
            comment_required=True,
            notify=_people("nominators"),
            style="secondary",
        ),
        Transition(
            "recommend",
            ["submitted"],
            "recommended",
            _("街道/行业推荐"),
            allowed=rules.is_unit_staff,
            guard=_guard("unit_quota_problems"),
            notify=_people("nominators"),
        ),
        Transition(
            "review",
            ["recommended"],
            "reviewed",
            _("评审通过"),
            allowed=rules.is_district,
            notify=_people("nominators"),
        ),
        Transition(
            "approve",
            ["reviewed"],
            "approved",
            _("审定"),
            allowed=rules.is_district,
            guard=_guard("district_quota_problems"),
            notify=_people("nominators"),
        ),
        Transition(
            "decline",
            ["submitted", "recommended", "reviewed"],
            "not_recommended",
            _("不予推荐"),
            allowed=rules.is_reviewer,
            comment_required=True,
            notify=_people("nominators"),
            style="secondary",
        ),
        Transition(
            "publish",
            ["approved"],
            "notice",
            _("发布公示"),
            allowed=rules.is_district,
            guard=_guard("publication_problems"),
            notify=_people("nominators"),
        ),
        Transition(
            "confer",
            ["notice"],
            "conferred",
            _("公示期满，授予"),
            allowed=rules.is_district,
            guard=_guard("conferral_problems"),
            notify=_people("nominators"),
        ),
        Transition(
            "withdraw",
            ["notice"],
            "withdrawn_after_notice",
            _("公示后不予授予"),
            allowed=rules.is_district,
            comment_required=True,
            notify=_people("nominators"),
            style="danger",
        ),
        Transition(
            "invalidate",
            list(LIVE),
            "invalidated",
            _("作废"),
            allowed=rules.is_reviewer,
            comment_required=True,
            effect=_effect("on_invalidated"),
            notify=_people("nominators"),
            style="danger",
        ),
    ],
)
