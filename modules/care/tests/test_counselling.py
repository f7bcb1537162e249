"""Counselling: separate consent, notes for the counsellor alone, counts for staff, recurring
sessions, reminders, crisis escalation with minimal disclosure, erasure on schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, Invalid, NotFound
from core.models import Notification, PersonalDataAccess
from core.tests.factories import UserFactory
from modules.care import selectors, services
from modules.care.models import Booking, CrisisAlert, SessionNote
from modules.care.tests.conftest import next_hour


def _book(world, counsellor, **kw):
    args = {"counsellor": counsellor, "starts_at": next_hour(), "mode": "online", "consent": True, "intake": "睡不好"}
    args.update(kw)
    return services.booking_create(actor=world.worker_a1.user, **args)


def test_no_booking_without_the_separate_consent(world, counsellor):
    with pytest.raises(Invalid) as error:
        _book(world, counsellor, consent=False)
    assert error.value.field == "consent"
    assert not Booking.objects.exists() and not SessionNote.objects.exists()


def test_no_booking_before_an_impact_assessment_is_recorded(world):
    from modules.care.models import ImpactAssessment

    user = UserFactory(username="c2")
    c = services.counsellor_create(actor=world.district_staff, user=user, name="王老师")
    services.availability_set(actor=world.district_staff, counsellor=c, windows=[(d, 0, 24) for d in range(7)])
    assert not ImpactAssessment.objects.exists()
    with pytest.raises(Conflict):
        _book(world, c)


def test_a_recurring_series_and_a_taken_slot(world, counsellor):
    bookings = _book(world, counsellor, repeat_weeks=3)
    assert len(bookings) == 3 and len({b.series for b in bookings}) == 1
    assert bookings[2].starts_at - bookings[0].starts_at == timedelta(weeks=2)
    with pytest.raises(Conflict):
        services.booking_create(
            actor=world.worker_b1.user, counsellor=counsellor, starts_at=bookings[1].starts_at, mode="online", consent=True
        )


def test_a_time_outside_the_counsellors_hours_is_refused(world):
    user = UserFactory(username="c3")
    c = services.counsellor_create(actor=world.district_staff, user=user, name="赵老师")
    services.availability_set(actor=world.district_staff, counsellor=c, windows=[])
    services.assessment_record(actor=world.district_staff, purpose="p", risks="r", measures="m", retention_days=30, consent_text="t")
    with pytest.raises(Invalid):
        _book(world, c)


def test_notes_are_for_the_counsellor_alone(world, counsellor):
    booking = _book(world, counsellor)[0]
    services.note_write(actor=counsellor.user, booking=booking, notes="甲咨询记录信标", referral="建议专科就诊")
    url = reverse("care:booking_note", args=[booking.pk])
    counsellor_page = _client(counsellor.user).get(url)
    assert "甲咨询记录信标" in counsellor_page.content.decode()
    for who in (world.district_staff, world.admin_a1, world.street_a_staff, world.worker_a1.user):
        response = _client(who).get(url)
        assert response.status_code in (403, 404)
        assert "甲咨询记录信标" not in response.content.decode()
    other = UserFactory(username="c4")
    other_counsellor = services.counsellor_create(actor=world.district_staff, user=other, name="别的老师")
    with pytest.raises(NotFound):
        services.note_write(actor=other_counsellor.user, booking=booking, notes="x")
    staff_page = _client(world.district_staff).get(reverse("care:counselling_staff")).content.decode()
    assert "甲咨询记录信标" not in staff_page and "张小明" not in staff_page and "睡不好" not in staff_page


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_cancellations_are_counted_for_staff(world, counsellor):
    first, second, third = _book(world, counsellor, repeat_weeks=3)
    services.booking_cancel(actor=world.worker_a1.user, booking=first)
    services.booking_cancel(actor=counsellor.user, booking=second)
    services.booking_close(actor=counsellor.user, booking=third, attended=True)
    counts = selectors.counselling_counts()
    assert (counts["booked"], counts["cancelled"], counts["cancelled_by_member"], counts["attended"]) == (3, 2, 1, 1)


def test_a_reminder_a_day_ahead_once(world, counsellor):
    booking = _book(world, counsellor, starts_at=next_hour(days=2))[0]
    assert services.bookings_remind(now=booking.starts_at - timedelta(hours=30)) == "0 reminders"
    assert services.bookings_remind(now=booking.starts_at - timedelta(hours=20)) == "1 reminders"
    assert services.bookings_remind(now=booking.starts_at - timedelta(hours=19)) == "0 reminders"


def test_a_crisis_flag_tells_the_district_whom_to_call_and_nothing_else(world, counsellor):
    booking = _book(world, counsellor)[0]
    services.note_write(actor=counsellor.user, booking=booking, notes="甲咨询记录信标")
    alert = services.crisis_raise(actor=counsellor.user, booking=booking)
    told = Notification.objects.filter(recipient=world.district_staff).latest("created_at")
    assert "甲咨询记录信标" not in told.body + told.title and "张小明" not in told.body
    page = _client(world.district_staff).get(reverse("care:crisis", args=[alert.pk]))
    assert "13800000001" not in page.content.decode()
    assert not PersonalDataAccess.objects.filter(field="crisis_contact").exists()
    page = _client(world.district_staff).get(reverse("care:crisis", args=[alert.pk]) + "?contact=1").content.decode()
    assert "13800000001" in page and "甲咨询记录信标" not in page
    assert PersonalDataAccess.objects.filter(viewer=world.district_staff, member=world.worker_a1, field="crisis_contact").count() == 1
    with pytest.raises(NotFound):
        services.crisis_contact(viewer=world.street_a_staff, alert=alert)


def test_counselling_data_is_erased_when_the_retention_period_ends(world, counsellor):
    """The clock is moved past the assessment's 30 days; the counts survive, the person does not."""
    booking = _book(world, counsellor)[0]
    services.note_write(actor=counsellor.user, booking=booking, notes="甲咨询记录信标")
    services.booking_close(actor=counsellor.user, booking=booking, attended=True)
    services.crisis_raise(actor=counsellor.user, booking=booking)
    assert services.counselling_erase(now=booking.starts_at + timedelta(days=29)) == "0 bookings erased"
    assert services.counselling_erase(now=booking.starts_at + timedelta(days=30, minutes=1)) == "1 bookings erased"
    booking.refresh_from_db()
    assert booking.member_id is None and booking.erased_at is not None
    assert not SessionNote.objects.exists()
    assert CrisisAlert.objects.get().booking_id is None
    assert selectors.counselling_counts()["attended"] == 1
    assert services.counselling_erase(now=booking.starts_at + timedelta(days=60)) == "0 bookings erased"


def test_event_enrolment_never_exceeds_capacity(world):
    event = services.event_create(
        actor=world.district_staff, title="减压沙龙", starts_at=timezone.now() + timedelta(days=3), place="职工之家", capacity=1
    )
    services.event_enrol(actor=world.worker_a1.user, event=event)
    with pytest.raises(Conflict) as full:
        services.event_enrol(actor=world.worker_b1.user, event=event)
    assert full.value.code == "care_event_full"
    event.refresh_from_db()
    assert event.enrolled == 1


def test_the_hotline_log_keeps_no_caller_identity(world):
    from modules.care.models import HotlineCall

    services.hotline_log(actor=world.district_staff, minutes=12, topic="work", referred=True)
    fields = {f.name for f in HotlineCall._meta.get_fields()}
    assert not fields & {"member", "phone", "name", "caller"}
    with pytest.raises(Invalid):
        services.hotline_log(actor=world.district_staff, minutes=0, topic="work")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_enrolling_at_once_never_overfill_an_event(world):
    """Real concurrent transactions: six workers race for two places."""
    import threading

    from django.db import connections

    from core.tests.factories import MemberFactory

    event = services.event_create(
        actor=world.district_staff, title="减压沙龙", starts_at=timezone.now() + timedelta(days=3), place="职工之家", capacity=2
    )
    users = []
    for i in range(6):
        user = UserFactory(username=f"enrol{i}", phone=f"1370000000{i}")
        MemberFactory(organisation=world.org_a1, phone=f"1370000000{i}", name=f"职工{i}", user=user)
        users.append(user)
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def enrol(user):
        try:
            barrier.wait()
            services.event_enrol(actor=user, event=event)
            outcomes.append("in")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    event.refresh_from_db()
    assert outcomes.count("in") == 2 and outcomes.count("care_event_full") == 4
    assert event.enrolled == 2 and event.enrolments.count() == 2
