"""Reading cases: the timeline, the actions a user may take now, open deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from engines.workflow import process as processes
from engines.workflow.models import Case, Deadline
from engines.workflow.process import Transition


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    from_label: str
    to_label: str
    actor: str
    comment: str


def timeline(case: Case) -> list[TimelineEntry]:
    """Every event of the case, oldest first — the whole history, never only the last entries."""
    proc = processes.get(case.process)
    entries = []
    for event in case.events.select_related("actor").order_by("created_at", "id"):
        transition_def = proc.transition(event.transition)
        action = str(transition_def.label) if transition_def else _("创建")
        actor = (event.actor.display_name or event.actor.username) if event.actor else _("系统")
        entries.append(
            TimelineEntry(
                at=event.created_at,
                action=action,
                from_label=proc.state_label(event.from_state) if event.from_state else "",
                to_label=proc.state_label(event.to_state),
                actor=actor,
                comment=event.comment,
            )
        )
    return entries


def available_transitions(case: Case, user) -> list[Transition]:
    """The buttons to show ``user``: transitions from the current state they are allowed to take
    (guards are not checked here: a blocked action stays visible and says why when tried)."""
    proc = processes.get(case.process)
    return [t for t in proc.transitions_from(case.state) if not t.system and t.allowed is not None and t.allowed(user, case)]


def open_deadline(case: Case) -> Deadline | None:
    return case.deadlines.filter(closed_at__isnull=True).order_by("due_at").first()


def state_label(case: Case) -> str:
    return processes.get(case.process).state_label(case.state)
