"""The microloan's way through the platform, declared once for the workflow engine:
职工申请 → 街道/区初审（经办）→ 区总工会复核（审批，另一人）→ 合作银行审批 → 还款中 → 结清."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from engines.workflow.process import LateBound, Process, State, Transition
from modules.care import rules

LOAN = "care.loan"


_hooks = LateBound("modules.care.services", "modules.care.selectors")
_guard, _effect, _people = _hooks.guard, _hooks.effect, _hooks.people


LOAN_PROCESS = Process(
    key=LOAN,
    label=_("职工创业小额贷款"),
    initial="draft",
    states=[
        State("draft", _("草稿")),
        State("submitted", _("待初审")),
        State("returned", _("退回补充材料")),
        State("reviewed", _("待复核")),
        State("approved", _("待银行审批")),
        State("lending", _("还款中")),
        State("repaid", _("已结清"), terminal=True),
        State("rejected", _("未通过"), terminal=True),
        State("bank_declined", _("银行未放款"), terminal=True),
    ],
    transitions=[
        Transition(
            "submit",
            ["draft", "returned"],
            "submitted",
            _("提交申请"),
            allowed=rules.is_borrower,
            guard=_guard("loan_submission_problems"),
            notify=_people("loan_makers"),
        ),
        Transition(
            "return",
            ["submitted"],
            "returned",
            _("退回补充"),
            allowed=rules.is_loan_maker,
            comment_required=True,
            notify=_people("loan_borrower"),
            style="secondary",
        ),
        Transition(
            "review",
            ["submitted"],
            "reviewed",
            _("初审通过"),
            allowed=rules.is_loan_maker,
            effect=_effect("on_loan_reviewed"),
            notify=_people("loan_checkers"),
        ),
        Transition(
            "approve",
            ["reviewed"],
            "approved",
            _("复核同意"),
            allowed=rules.is_loan_checker,
            effect=_effect("on_loan_approved"),
            notify=_people("loan_borrower"),
        ),
        Transition(
            "reject",
            ["submitted", "reviewed"],
            "rejected",
            _("不予支持"),
            allowed=lambda user, case: rules.is_loan_maker(user, case) or rules.is_loan_checker(user, case),
            comment_required=True,
            notify=_people("loan_borrower"),
            style="danger",
        ),
        # The bank's answer is recorded by the district (services.loan_bank_decision), never a bare button.
        Transition("bank_approve", ["approved"], "lending", _("银行已放款"), system=True, notify=_people("loan_borrower")),
        Transition("bank_decline", ["approved"], "bank_declined", _("银行未放款"), system=True, notify=_people("loan_borrower")),
        Transition("settle", ["lending"], "repaid", _("贷款结清"), system=True, notify=_people("loan_borrower")),
    ],
)
