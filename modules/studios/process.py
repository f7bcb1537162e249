"""The application's way through the platform, declared once for the workflow engine:
线上申报 → 街道/行业初审 → 专家评审 → 区总工会审定（名额内）→ 公示（异议）→ 命名."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from engines.workflow.process import LateBound, Process, State, Transition
from modules.studios import rules

KEY = "studios.application"


_hooks = LateBound("modules.studios.services", "modules.studios.selectors")
_guard, _effect, _people = _hooks.guard, _hooks.effect, _hooks.people


def _reminded(case):
    from modules.studios import selectors

    return selectors.deadline_people(case.subject, case.state)


def _notice_ends(case, entered_at):
    return entered_at + timedelta(days=case.subject.call.notice_days)


PROCESS = Process(
    key=KEY,
    label=_("创新工作室申报"),
    initial="draft",
    states=[
        State("draft", _("草稿")),
        State("submitted", _("待初审"), deadline=timedelta(days=10), remind_before=timedelta(days=3)),
        State("returned", _("退回修改")),
        State("prereview_rejected", _("初审未通过"), terminal=True),
        State("expert_review", _("专家评审中")),
        State("approved", _("拟命名")),
        State("not_selected", _("未入选"), terminal=True),
        State("notice", _("公示中"), deadline=_notice_ends, on_expiry="name"),
        State("named", _("已命名")),
        State("withdrawn_after_notice", _("公示未通过"), terminal=True),
        State("revoked", _("已撤销"), terminal=True),
    ],
    transitions=[
        Transition(
            "submit",
            ["draft", "returned"],
            "submitted",
            _("提交申报"),
            allowed=rules.is_applicant_admin,
            guard=_guard("submission_problems"),
            effect=_effect("on_submitted"),
            notify=_people("street_reviewers"),
        ),
        Transition(
            "return",
            ["submitted"],
            "returned",
            _("退回修改"),
            allowed=rules.is_reviewing_street,
            comment_required=True,
            notify=_people("applicant_admins"),
            style="secondary",
        ),
        Transition(
            "reject",
            ["submitted"],
            "prereview_rejected",
            _("初审不通过"),
            allowed=rules.is_reviewing_street,
            comment_required=True,
            notify=_people("applicant_admins"),
            style="danger",
        ),
        Transition(
            "pass",
            ["submitted"],
            "expert_review",
            _("初审通过"),
            allowed=rules.is_reviewing_street,
            effect=_effect("on_expert_review"),
            notify=_people("applicant_admins"),
        ),
        Transition(
            "approve",
            ["expert_review"],
            "approved",
            _("审定拟命名"),
            allowed=rules.is_district,
            guard=_guard("approval_problems"),
            notify=_people("applicant_admins"),
        ),
        Transition(
            "decline",
            ["expert_review"],
            "not_selected",
            _("审定不入选"),
            allowed=rules.is_district,
            comment_required=True,
            effect=_effect("on_closed"),
            notify=_people("applicant_admins"),
            style="secondary",
        ),
        Transition(
            "publish",
            ["approved"],
            "notice",
            _("发布公示"),
            allowed=rules.is_district,
            effect=_effect("on_closed"),
            notify=_people("applicant_admins"),
        ),
        Transition(
            "name",
            ["notice"],
            "named",
            _("正式命名"),
            allowed=rules.is_district,
            guard=_guard("naming_problems"),
            notify=_people("applicant_admins"),
        ),
        Transition(
            "withdraw",
            ["notice"],
            "withdrawn_after_notice",
            _("公示后不予命名"),
            allowed=rules.is_district,
            comment_required=True,
            notify=_people("applicant_admins"),
            style="danger",
        ),
        Transition(
            "revoke",
            ["named"],
            "revoked",
            _("撤销命名"),
            allowed=rules.is_district,
            comment_required=True,
            notify=_people("applicant_admins"),
            style="danger",
        ),
    ],
    reminder_recipients=_reminded,
)
