"""The mediation case's way through the desk, declared once for the workflow engine:
登记 → 受理（调解中）→ 达成协议 → 三方签字生效 → 履行；或 调解不成（引导仲裁）、撤回、不予受理."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from engines.workflow.process import Process, State, Transition
from modules.labour import rules

KEY = "labour.mediation"
SUCCESS_STATES = ("signed", "performed", "not_performed")


def _guard(name):
    def guard(case):
        from modules.labour import services

        return getattr(services, name)(case.subject)

    return guard


def _effect(name):
    def effect(case, actor, comment):
        from modules.labour import services

        getattr(services, name)(case.subject, actor=actor, comment=comment)

    return effect


def _people(case):
    from modules.labour import selectors

    return selectors.case_people(case.subject)


def _acceptance_due(case, entered_at):
    from django.utils import timezone

    from modules.labour.clocks import add_working_days, end_of_day
    from modules.labour.models import DeskRules

    return end_of_day(add_working_days(timezone.localtime(entered_at).date(), DeskRules.current().acceptance_working_days))


def _mediation_due(case, entered_at):
    from modules.labour.clocks import mediation_due
    from modules.labour.models import DeskRules

    subject = case.subject
    return mediation_due(subject.received_at, DeskRules.current().mediation_days + subject.extended_days)


def _remind_before(case):
    """The district's own notice (DeskRules.remind_days_before, 0: no reminder), read each time a
    deadline is opened or recomputed, so a changed setting applies to the next deadline."""
    from datetime import timedelta

    from modules.labour.models import DeskRules

    return timedelta(days=DeskRules.current().remind_days_before)


PROCESS = Process(
    key=KEY,
    label=_("劳动争议调解"),
    initial="received",
    states=[
        State("received", _("已登记待受理"), deadline=_acceptance_due, remind_before=_remind_before),
        State("mediating", _("调解中"), deadline=_mediation_due, remind_before=_remind_before),
        State("agreed", _("已达成协议待签字"), deadline=_mediation_due, remind_before=_remind_before),
        State("signed", _("协议生效待履行")),
        State("performed", _("已履行"), terminal=True),
        State("not_performed", _("未履行（可申请仲裁/司法确认）"), terminal=True),
        State("failed", _("调解不成，引导仲裁"), terminal=True),
        State("withdrawn", _("已撤回"), terminal=True),
        State("rejected", _("不予受理"), terminal=True),
    ],
    transitions=[
        Transition(
            "accept", ["received"], "mediating", _("受理"), allowed=rules.is_desk, guard=_guard("acceptance_problems"), notify=_people
        ),
        Transition(
            "reject",
            ["received"],
            "rejected",
            _("不予受理"),
            allowed=rules.is_desk,
            comment_required=True,
            effect=_effect("on_closed"),
            notify=_people,
            style="danger",
        ),
        Transition(
            "agree", ["mediating"], "agreed", _("达成协议"), allowed=rules.is_desk, guard=_guard("agreement_problems"), notify=_people
        ),
        Transition(
            "sign",
            ["agreed"],
            "signed",
            _("协议生效（三方签字）"),
            allowed=rules.is_desk,
            guard=_guard("signature_problems"),
            effect=_effect("on_signed"),
            notify=_people,
        ),
        Transition(
            "fail",
            ["mediating", "agreed"],
            "failed",
            _("调解不成"),
            allowed=rules.is_desk,
            comment_required=True,
            effect=_effect("on_closed"),
            notify=_people,
            style="danger",
        ),
        Transition(
            "withdraw",
            ["received", "mediating", "agreed"],
            "withdrawn",
            _("撤回申请"),
            allowed=rules.may_withdraw,
            effect=_effect("on_closed"),
            notify=_people,
            style="secondary",
        ),
        Transition(
            "perform", ["signed"], "performed", _("确认已履行"), allowed=rules.is_desk, effect=_effect("on_performed"), notify=_people
        ),
        Transition(
            "breach",
            ["signed"],
            "not_performed",
            _("登记未履行"),
            allowed=rules.is_desk,
            comment_required=True,
            notify=_people,
            style="secondary",
        ),
    ],
    reminder_recipients=_people,
)
