"""Races with real concurrent transactions on PostgreSQL: 300 people enrolling at once for 30
places, and streets recommending at once against their quota."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import User
from core.tests.concurrency import race
from modules.honours import services
from modules.honours.models import Enrolment
from modules.honours.tests.conftest import submitted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_three_hundred_enrol_at_once_for_thirty_places(world):
    today = timezone.localdate()
    course = services.course_create(actor=world.district_staff, title="紫砂壶制作技艺培训班", organisation=world.district)
    session = services.session_create(
        actor=world.district_staff, course=course, place="大都工匠培训基地", starts_on=today, ends_on=today + timedelta(days=8), capacity=30
    )
    users = User.objects.bulk_create([User(username=f"trainee{i}") for i in range(300)])

    def job(i, user):
        def run():
            services.enrol(actor=user, session=session, people=[{"name": f"学员{i}", "phone": f"1350000{i:04d}"}])
            return "ok"

        return run

    results = race([job(i, u) for i, u in enumerate(users)], threads=20)
    assert results.count("ok") == 300
    rows = list(Enrolment.objects.filter(session=session).order_by("pk"))
    confirmed = [e for e in rows if e.status == Enrolment.Status.CONFIRMED]
    waiting = [e for e in rows if e.status == Enrolment.Status.WAITING]
    assert len(confirmed) == 30 and len(waiting) == 270
    # in order: every place went to someone who came before everyone waiting, and the waiting
    # list's order is the order the enrolments were served
    assert max(e.pk for e in confirmed) < min(e.pk for e in waiting)
    assert [e.enrolled_at for e in waiting] == sorted(e.enrolled_at for e in waiting)
    assert [services.waiting_position(e) for e in waiting[:3]] == [1, 2, 3]
    # a place given up goes to the first in line
    services.enrolment_decline(token=confirmed[0].token)
    waiting[0].refresh_from_db()
    assert waiting[0].status == Enrolment.Status.CONFIRMED
    assert Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED).count() == 30


def test_concurrent_recommendations_never_overrun_a_streets_quota(world, honour):
    # street A: 4 places; 8 front-line epidemic workers recommended at once
    nominations = [submitted(world, honour, name=f"线{i}", category="frontline", epidemic=True) for i in range(8)]

    def job(nomination):
        def run():
            services.nomination_transition(actor=world.street_a_staff, nomination=nomination, name="recommend")
            return "ok"

        return run

    results = race([job(n) for n in nominations], threads=8)
    # with only front-line people the technical minimum (1 of 4) keeps one place: 3 succeed
    assert results.count("ok") == 3
    assert results.count("workflow_incomplete") == 5
