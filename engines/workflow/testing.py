"""A test kit for programmes: the permission matrix of a process, tried on real cases.

    matrix = transition_matrix(process, make_case=lambda state: ..., actors={"street": u1, ...})
    assert matrix == expected          # {(state, transition, actor_name): True/False}

``make_case(state)`` returns a case in that state (built through the programme's factories);
each cell is tried inside a savepoint that is rolled back, so cells do not disturb each other.
A cell is True when the transition succeeded and False when the engine refused it for the
actor (``workflow_forbidden``); any other refusal (a guard, a stale state) fails the test,
because it would hide what the matrix is meant to show.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from core.errors import ApiError
from engines.workflow.process import Process
from engines.workflow.services import transition_perform


class _Rollback(Exception):
    pass


def transition_matrix(process: Process, *, make_case: Callable, actors: dict, states=None) -> dict:
    cells = {}
    for state in states or [s.key for s in process.states]:
        for t in process.transitions_from(state):
            if t.system:
                continue
            for name, actor in actors.items():
                cells[(state, t.name, name)] = _try(make_case, state, t.name, actor)
    return cells


def _try(make_case: Callable, state: str, name: str, actor) -> bool:
    outcome = None
    try:
        with transaction.atomic():
            case = make_case(state)
            try:
                transition_perform(case=case, name=name, actor=actor, comment="matrix")
                outcome = True
            except ApiError as error:
                if error.code != "workflow_forbidden":
                    raise AssertionError(f"{state}/{name}: refused for another reason: {error.code} {error.message}") from error
                outcome = False
            raise _Rollback
    except _Rollback:
        pass
    return outcome
