"""Every nomination transition × every role, on real cases (engines.workflow.testing)."""

from __future__ import annotations

import pytest

from engines.workflow.models import Case
from engines.workflow.testing import transition_matrix
from modules.honours.process import KEY, PROCESS
from modules.honours.tests.conftest import nominate

pytestmark = pytest.mark.django_db

BOTH = ("street_own", "district")


def test_every_transition_by_every_role(world, honour):
    # a complete front-line epidemic worker: the guards pass wherever a role may act
    base = nominate(world, honour, epidemic=True)

    def make_case(state):
        case = Case.objects.get(object_id=base.pk, process=KEY)
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        return case

    actors = {
        "grassroots_own": world.admin_a1,
        "grassroots_other": world.admin_b1,
        "street_own": world.street_a_staff,
        "street_other": world.street_b_staff,
        "district": world.district_staff,
        "collector": world.collector_a,
        "nominee": world.worker_a1.user,
    }
    cells = transition_matrix(PROCESS, make_case=make_case, actors=actors)
    allowed = {(state, name, who) for (state, name, who), ok in cells.items() if ok}
    nominators = ("grassroots_own", "street_own", "district")
    expected = {
        *{(s, "submit", who) for s in ("draft", "returned") for who in nominators},
        *{("submitted", t, "street_own") for t in ("return", "recommend")},
        ("recommended", "review", "district"),
        ("reviewed", "approve", "district"),
        ("approved", "publish", "district"),
        *{("notice", t, "district") for t in ("confer", "withdraw")},
        *{(s, "decline", who) for s in ("submitted", "recommended", "reviewed") for who in BOTH},
        *{
            (s, "invalidate", who)
            for s in ("draft", "submitted", "returned", "recommended", "reviewed", "approved", "notice")
            for who in BOTH
        },
    }
    assert allowed == expected
