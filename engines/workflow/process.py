"""Processes declared by programmes: states, transitions with guards, deadlines.

A programme declares its process once, in a few lines, and registers it (usually in its
``hooks.py``)::

    APPLICATION = Process(
        key="studios.application",
        label=_("创新工作室申报"),
        initial="draft",
        states=[
            State("draft", _("草稿")),
            State("submitted", _("待街道初审"), deadline=timedelta(days=10), remind_before=timedelta(days=2)),
            State("named", _("已命名"), terminal=True),
        ],
        transitions=[
            Transition("submit", ["draft", "returned"], "submitted", _("提交"),
                       allowed=is_applicant, guard=missing_parts, notify=street_reviewers),
            ...
        ],
    )
    register(APPLICATION)

``allowed(user, case)`` says who may take a transition (compose the programme's ``rules``
predicates); ``guard(case)`` returns the reasons it cannot be taken yet (an empty list when it
can: "负责人简介未填写"), so users are told *why*; ``effect(case, actor, comment)`` runs in the
transition's transaction for the programme's own bookkeeping; ``notify(case)`` names the users
told about it. Everything here is data: the same declaration drives the service, the buttons a
page shows, the timeline and the permission matrix of the tests (``engines.workflow.testing``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

Predicate = Callable[..., bool]


@dataclass(frozen=True)
class State:
    key: str
    label: str
    # How long a case may stay in this state: a duration, or ``callable(case, entered_at) -> datetime``
    # (statutory clocks that count working days compute their own due date).
    deadline: timedelta | Callable[..., datetime] | None = None
    # How long before the due date the people are reminded: a duration, or ``callable(case) ->
    # timedelta | None`` (a setting a district changes, read when the deadline is opened or
    # recomputed). ``None`` or a zero duration: no reminder.
    remind_before: timedelta | Callable[..., timedelta | None] | None = None
    # A transition taken by the system when the deadline passes (e.g. a public notice period ends);
    # it may also be offered to people (then its guard decides when they may take it early).
    on_expiry: str | None = None
    terminal: bool = False

    def due_at(self, case, entered_at: datetime) -> datetime | None:
        if self.deadline is None:
            return None
        if isinstance(self.deadline, timedelta):
            return entered_at + self.deadline
        return self.deadline(case, entered_at)

    def remind_at(self, case, due: datetime) -> datetime | None:
        before = self.remind_before(case) if callable(self.remind_before) else self.remind_before
        return due - before if before else None


def _nobody(*_args) -> list:
    return []


@dataclass(frozen=True)
class Transition:
    name: str
    sources: Sequence[str]
    target: str
    label: str
    allowed: Predicate | None = None
    guard: Callable[..., list] | None = None
    effect: Callable[..., None] | None = None
    notify: Callable[..., Iterable] = _nobody
    comment_required: bool = False
    # Taken by the system (deadline expiry, an automatic outcome), never offered as a button.
    system: bool = False
    # Shown as the "negative" action on pages (return, reject, revoke).
    style: str = "primary"


@dataclass
class Process:
    key: str
    label: str
    initial: str
    states: list[State]
    transitions: list[Transition]
    # Who is reminded of a deadline: ``callable(case) -> iterable of users``.
    reminder_recipients: Callable[..., Iterable] = _nobody
    _states: dict[str, State] = field(init=False, repr=False)
    _transitions: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._states = {state.key: state for state in self.states}
        self._transitions = {t.name: t for t in self.transitions}
        self._check()

    def _check(self) -> None:
        """A declaration that names a state it does not have is a programming error: fail at import."""
        if len(self._states) != len(self.states) or len(self._transitions) != len(self.transitions):
            raise ValueError(f"process {self.key}: duplicate state or transition")
        if self.initial not in self._states:
            raise ValueError(f"process {self.key}: unknown initial state {self.initial!r}")
        for t in self.transitions:
            for state in (*t.sources, t.target):
                if state not in self._states:
                    raise ValueError(f"process {self.key}: transition {t.name} names unknown state {state!r}")
        for state in self.states:
            if state.on_expiry and state.on_expiry not in self._transitions:
                raise ValueError(f"process {self.key}: state {state.key} expires into unknown transition {state.on_expiry!r}")

    def state(self, key: str) -> State:
        return self._states[key]

    def state_label(self, key: str) -> str:
        state = self._states.get(key)
        return str(state.label) if state else key

    def transition(self, name: str) -> Transition | None:
        return self._transitions.get(name)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]


class LateBound:
    """Guards, effects and recipients named after functions of a programme's services and
    selectors, imported when first called: a process is declared at import time, and the services
    it names import the process (its key), so an eager import would be circular.

    ``hooks = LateBound("modules.x.services", "modules.x.selectors")`` then
    ``Transition(..., guard=hooks.guard("missing_for_submit"), effect=hooks.effect("on_submit"))``.
    A guard gets the case's subject and returns the list of what is missing; an effect gets the
    subject and the actor (and the comment when ``with_comment``); people get the subject.
    """

    def __init__(self, services: str, selectors: str, *, with_comment: bool = False):
        self.services = services
        self.selectors = selectors
        self.with_comment = with_comment

    @staticmethod
    def _function(module: str, name: str) -> Callable:
        return getattr(importlib.import_module(module), name)

    def guard(self, name: str) -> Callable[..., list]:
        def guard(case):
            return self._function(self.services, name)(case.subject)

        return guard

    def effect(self, name: str) -> Callable[..., None]:
        def effect(case, actor, comment):
            extra = {"comment": comment} if self.with_comment else {}
            self._function(self.services, name)(case.subject, actor=actor, **extra)

        return effect

    def people(self, name: str) -> Callable[..., Iterable]:
        def people(case):
            return self._function(self.selectors, name)(case.subject)

        return people


_PROCESSES: dict[str, Process] = {}


def register(process: Process) -> Process:
    existing = _PROCESSES.get(process.key)
    if existing is not None and existing is not process:
        raise ValueError(f"process {process.key} registered twice")
    _PROCESSES[process.key] = process
    return process


def get(key: str) -> Process:
    try:
        return _PROCESSES[key]
    except KeyError:
        raise LookupError(f"no workflow process {key!r} is registered") from None


def registered() -> list[Process]:
    return list(_PROCESSES.values())
