"""Extensions of one case requested at the same moment, with real concurrent transactions on
PostgreSQL (skipped on SQLite, which serialises writers anyway): the sum never passes the
district's cap, because ``services.extension_add`` reads ``extended_days`` on the case row locked
with SELECT ... FOR UPDATE, so the second request waits for the first to commit and then sees
what it added."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import User
from core.tests import concurrency
from engines.workflow.selectors import open_deadline
from modules.labour import services
from modules.labour.models import DeskRules, Extension, MediationCase
from modules.labour.tests.conftest import case_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(mediation, actors, days: int) -> list[str]:
    """Each actor asks for ``days`` more at once (one thread, one connection each); the outcomes."""

    def extend(actor):
        def run():
            services.extension_add(actor=actor, mediation=mediation, days=days, reason="双方同意延长", agreed_by="双方当事人")
            return "ok"

        return run

    return sorted(concurrency.race([extend(actor) for actor in actors]))


def _setup(world, mediators):
    rules = DeskRules.current()  # one row before the threads start (each would otherwise create one)
    assert rules.extension_days == 15
    case = case_in(world, mediators, "mediating")
    return case, open_deadline(case).due_at


def test_two_extensions_at_once_cannot_both_pass_the_cap(world, mediators):
    case, due = _setup(world, mediators)
    # 10 + 10 > 15: whichever commits first gets its 10 days, the other is told only 5 are left.
    outcomes = race(case.subject, [mediators[0].user, mediators[1].user], days=10)
    assert outcomes == ["labour_days_invalid", "ok"]
    mediation = MediationCase.objects.get(pk=case.subject.pk)
    assert mediation.extended_days == 10
    assert Extension.objects.filter(case=mediation).count() == 1
    assert open_deadline(case).due_at == due + timedelta(days=10)


def test_many_extensions_at_once_add_up_to_the_cap_exactly(world, mediators):
    case, due = _setup(world, mediators)
    # One user object per thread (the same mediator twice is two sessions of one person).
    actors = [User.objects.get(pk=u.pk) for u in (mediators[0].user, mediators[1].user, world.district_staff, mediators[0].user)]
    outcomes = race(case.subject, actors, days=5)  # 4 × 5 = 20 asked, 15 allowed
    assert outcomes == ["labour_extension_exhausted", "ok", "ok", "ok"]
    mediation = MediationCase.objects.get(pk=case.subject.pk)
    assert mediation.extended_days == 15
    rows = list(Extension.objects.filter(case=mediation).order_by("due_before"))
    # Serialised: each extension starts from where the one before it ended.
    assert [r.due_before for r in rows[1:]] == [r.due_after for r in rows[:-1]]
    assert rows[-1].due_after == due + timedelta(days=15) == open_deadline(case).due_at
