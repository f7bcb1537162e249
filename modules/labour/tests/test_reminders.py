"""Reminders of a case's time limits come as many days ahead as the district set
(DeskRules.remind_days_before, default 3; 0: none), and a changed setting moves the reminders
of the cases open now."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from core.models import Notification
from engines.workflow import services as workflow
from engines.workflow.selectors import open_deadline
from modules.labour import services
from modules.labour.clocks import end_of_day
from modules.labour.models import DeskRules
from modules.labour.tests.conftest import intake

REMINDER = "劳动争议调解：办理时限将到"


def _set_notice(days: int) -> None:
    rules = DeskRules.current()
    rules.remind_days_before = days
    rules.save()


def _mediating_case(world, mediators, received_days_ago: int = 2):
    """A case received at 10:00 a few days ago and accepted: its mediation period (15 days) ends at
    the end of the day ``15 - received_days_ago`` days from today."""
    received = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=received_days_ago), time(10)))
    mediator = mediators[0]
    mediation = services.case_create(actor=mediator.user, data=intake(world), now=received)
    type(mediation).objects.filter(pk=mediation.pk).update(worker_user=world.worker_a1.user)
    services.mediator_assign(actor=mediator.user, mediation=mediation, mediator=mediator)
    services.case_transition(actor=mediator.user, mediation=mediation, name="accept")
    return services.case_of(mediation)


def _reminded(user) -> int:
    return Notification.objects.filter(recipient=user, title=REMINDER).count()


def test_the_default_notice_is_three_days(world, mediators):
    assert DeskRules.current().remind_days_before == 3
    case = _mediating_case(world, mediators)
    deadline = open_deadline(case)
    assert deadline.due_at == end_of_day(timezone.localdate() + timedelta(days=13))
    assert deadline.remind_at == deadline.due_at - timedelta(days=3)


def test_the_reminder_comes_as_many_days_ahead_as_the_district_set(world, mediators):
    _set_notice(5)
    case = _mediating_case(world, mediators)
    deadline = open_deadline(case)
    due = end_of_day(timezone.localdate() + timedelta(days=13))
    assert deadline.due_at == due and deadline.remind_at == due - timedelta(days=5)

    # A minute before the fifth day ahead nobody is reminded; a minute after, the mediator and the worker are.
    workflow.deadlines_tick(now=due - timedelta(days=5, minutes=1))
    assert _reminded(mediators[0].user) == 0 and _reminded(world.worker_a1.user) == 0
    workflow.deadlines_tick(now=due - timedelta(days=5) + timedelta(minutes=1))
    assert _reminded(mediators[0].user) == 1 and _reminded(world.worker_a1.user) == 1
    # Told once only.
    workflow.deadlines_tick(now=due - timedelta(days=4))
    assert _reminded(mediators[0].user) == 1


def test_the_acceptance_deadline_follows_the_setting_too(world, mediators):
    _set_notice(1)
    mediation = services.case_create(actor=mediators[0].user, data=intake(world))
    deadline = open_deadline(services.case_of(mediation))
    assert deadline.state == "received" and deadline.remind_at == deadline.due_at - timedelta(days=1)


def test_zero_means_no_reminder(world, mediators):
    _set_notice(0)
    case = _mediating_case(world, mediators)
    assert open_deadline(case).remind_at is None
    workflow.deadlines_tick(now=open_deadline(case).due_at - timedelta(minutes=1))
    assert _reminded(mediators[0].user) == 0


def test_the_district_changes_the_notice_on_the_settings_page_and_open_cases_follow(world, mediators):
    case = _mediating_case(world, mediators)
    due = open_deadline(case).due_at
    client = world.client_for(world.district_staff)
    page = client.get("/labour/rules/").content.decode()
    assert 'name="remind_days_before"' in page and 'value="3"' in page
    saved = client.post("/labour/rules/", {"remind_days_before": "7"})
    assert saved.status_code == 302
    assert DeskRules.current().remind_days_before == 7
    deadline = open_deadline(case)
    assert deadline.due_at == due and deadline.remind_at == due - timedelta(days=7)
    # An extension recomputes with the setting as well.
    services.extension_add(actor=mediators[0].user, mediation=case.subject, days=5, reason="双方同意", agreed_by="双方")
    deadline = open_deadline(case)
    assert deadline.due_at == due + timedelta(days=5) and deadline.remind_at == deadline.due_at - timedelta(days=7)


def test_a_reminder_already_sent_comes_again_when_the_notice_is_shortened(world, mediators):
    """Sent five days ahead; the district shortens the notice to two days: the new reminder time is
    still ahead, so the people are told again then (the engine's rule for a moved reminder)."""
    _set_notice(5)
    case = _mediating_case(world, mediators, received_days_ago=11)  # due in 4 days: reminded now
    workflow.deadlines_tick()
    assert _reminded(mediators[0].user) == 1
    services.rules_update(actor=world.district_staff, values={"remind_days_before": "2"})
    deadline = open_deadline(case)
    assert deadline.remind_at == deadline.due_at - timedelta(days=2) and deadline.reminded_at is None


@pytest.mark.parametrize("value", ["-1", "31", "三天", ""])
def test_a_bad_notice_is_refused_with_its_field(world, value):
    from core.errors import ApiError

    with pytest.raises(ApiError) as refused:
        services.rules_update(actor=world.district_staff, values={"remind_days_before": value})
    assert refused.value.status == 422 and refused.value.field == "remind_days_before"
    assert DeskRules.current().remind_days_before == 3
