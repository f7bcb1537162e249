"""Test rows of the mediation desk, shared by the labour tests and the annual review's."""

from __future__ import annotations

from engines.workflow.models import Case
from modules.labour.models import DisputeType, MediationCase
from modules.labour.process import KEY


def mediation_case(number, org, street, *, received, closed=None, outcome="", agreed=None, mediator=None) -> MediationCase:
    """A mediation case as the desk leaves it (with its workflow instance, so the lists show it)."""
    mediation = MediationCase.objects.create(
        number=number,
        application_text="拖欠工资",
        received_at=received,
        dispute_type=DisputeType.values[0],
        worker_name="职工",
        employer_name="某公司",
        organisation=org,
        street=street,
        closed_at=closed,
        outcome=outcome,
        amount_agreed_fen=agreed,
        mediator=mediator,
    )
    Case.objects.create(process=KEY, subject=mediation, state="closed" if closed else "received")
    return mediation
