"""The labour desk's world: two mediators and a helper that takes a case to any state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.tests.factories import UserFactory
from modules.labour import services
from modules.labour.models import Mediator


@pytest.fixture
def mediators(db):
    first = Mediator.objects.create(user=UserFactory(username="med1", display_name="调解员甲"), name="调解员甲")
    second = Mediator.objects.create(user=UserFactory(username="med2", display_name="调解员乙"), name="调解员乙")
    return first, second


def intake(world, **extra):
    data = {
        "channel": "walk_in",
        "oral": True,
        "dispute_type": "wages",
        "application_text": "单位拖欠三个月工资，申请支付。",
        "amount_claimed": "15000",
        "worker_name": "张小明",
        "worker_phone": "13800000001",
        "employer_name": "北京某科技有限公司",
        "employer_phone": "010-66000000",
        "dispute_arose_on": timezone.localdate() - timedelta(days=30),
        "organisation": world.org_a1,
    }
    data.update(extra)
    return data


def case_in(world, mediators, state: str, *, worker=True):
    """A case built through the services up to ``state`` (every guard of the next step satisfied)."""
    mediator = mediators[0]
    mediation = services.case_create(actor=mediator.user, data=intake(world))
    if worker:
        type(mediation).objects.filter(pk=mediation.pk).update(worker_user=world.worker_a1.user)
        mediation.refresh_from_db()
    services.mediator_assign(actor=mediator.user, mediation=mediation, mediator=mediator)
    if state == "received":
        return services.case_of(mediation)
    services.case_transition(actor=mediator.user, mediation=mediation, name="accept")
    services.session_add(
        actor=mediator.user, mediation=mediation, held_at=timezone.now(), room="第一调解室", attendees="双方、调解员", notes="首次调解"
    )
    services.agreement_set(actor=mediator.user, mediation=mediation, amount_agreed="12000", text="单位七日内支付 12000 元。")
    if state == "mediating":
        return services.case_of(mediation)
    services.case_transition(actor=mediator.user, mediation=mediation, name="agree")
    for party in ("worker", "employer", "mediator"):
        services.signature_record(actor=mediator.user, mediation=mediation, party=party)
    if state == "agreed":
        return services.case_of(mediation)
    services.case_transition(actor=mediator.user, mediation=mediation, name="sign")
    return services.case_of(mediation)
