"""An application's way through the platform, declared once for the workflow engine:
基层工会申请 → 街道审核 → 区总工会审批（预留资金）→ 财务拨付 → 受益人确认领取 → 办结."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from engines.workflow.process import LateBound, Process, State, Transition
from modules.fund import rules

KEY = "fund.application"


_hooks = LateBound("modules.fund.services", "modules.fund.selectors")
_guard, _effect, _people = _hooks.guard, _hooks.effect, _hooks.people


def _reminded(case):
    from modules.fund import selectors

    return selectors.deadline_people(case.subject, case.state)


PROCESS = Process(
    key=KEY,
    label=_("专项基金申请"),
    initial="draft",
    states=[
        State("draft", _("草稿")),
        State("submitted", _("待街道审核"), deadline=timedelta(days=7), remind_before=timedelta(days=2)),
        State("returned", _("退回修改")),
        State("rejected", _("街道审核未通过"), terminal=True),
        State("reviewed", _("待区总工会审批"), deadline=timedelta(days=10), remind_before=timedelta(days=3)),
        State("declined", _("未获批准"), terminal=True),
        State("approved", _("已批准待拨付"), deadline=timedelta(days=15), remind_before=timedelta(days=5)),
        State("cancelled", _("已撤销批准"), terminal=True),
        State("paid", _("已拨付待确认领取")),
        State("completed", _("已办结"), terminal=True),
    ],
    transitions=[
        Transition(
            "submit",
            ["draft", "returned"],
            "submitted",
            _("提交申请"),
            allowed=rules.is_applicant_admin,
            guard=_guard("submission_problems"),
            effect=_effect("on_submitted"),
            notify=_people("street_reviewers"),
        ),
        Transition(
            "return",
            ["submitted", "reviewed"],
            "returned",
            _("退回修改"),
            allowed=lambda user, case: rules.is_reviewing_street(user, case) or rules.is_district(user),
            comment_required=True,
            notify=_people("applicant_admins"),
            style="secondary",
        ),
        Transition(
            "reject",
            ["submitted"],
            "rejected",
            _("审核不通过"),
            allowed=rules.is_reviewing_street,
            comment_required=True,
            notify=_people("applicant_admins"),
            style="danger",
        ),
        Transition(
            "pass",
            ["submitted"],
            "reviewed",
            _("街道审核通过"),
            allowed=rules.is_reviewing_street,
            notify=_people("district_staff"),
        ),
        Transition(
            "approve",
            ["reviewed"],
            "approved",
            _("审批通过（预留资金）"),
            allowed=rules.is_district,
            guard=_guard("approval_problems"),
            effect=_effect("on_approved"),
            notify=_people("applicant_admins"),
        ),
        Transition(
            "decline",
            ["reviewed"],
            "declined",
            _("不予批准"),
            allowed=rules.is_district,
            comment_required=True,
            notify=_people("applicant_admins"),
            style="danger",
        ),
        Transition(
            "cancel",
            ["approved"],
            "cancelled",
            _("撤销批准（释放预留）"),
            allowed=rules.is_district,
            comment_required=True,
            effect=_effect("on_cancelled"),
            notify=_people("applicant_admins"),
            style="danger",
        ),
        # Taken only through ``services.disbursement_record`` (it needs the payment reference and date).
        Transition(
            "pay",
            ["approved"],
            "paid",
            _("财务拨付"),
            allowed=rules.is_payer,
            notify=_people("applicant_admins"),
        ),
        Transition(
            "complete",
            ["paid"],
            "completed",
            _("办结"),
            allowed=rules.is_applicant_or_district,
            guard=_guard("completion_problems"),
        ),
    ],
    reminder_recipients=_reminded,
)
