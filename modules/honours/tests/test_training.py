"""Training: a course fills, its waiting list promotes in order, one entry books several people, a
declined place goes to the next, trainees check in by QR, online learners are counted, and
certificates print as PDF and can be revoked (the QR's page says so)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApiError, Conflict, Invalid
from core.notifications import inbox
from modules.honours import reports, selectors, services
from modules.honours.models import Certificate, Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    return services.course_create(
        actor=world.district_staff, title="紫砂壶制作技艺培训班", organisation=world.district, certificate_months=12
    )


@pytest.fixture
def session(world, course):
    today = timezone.localdate()
    return services.session_create(
        actor=world.district_staff, course=course, place="大都工匠培训基地", starts_on=today, ends_on=today + timedelta(days=7), capacity=2
    )


def person(i):
    return {"name": f"学员{i}", "phone": f"1370000{i:04d}"}


def test_the_session_fills_then_people_wait_in_order(world, session):
    booker = world.worker_a1.user
    first = services.enrol(actor=booker, session=session, people=[person(1), person(2), person(3)])  # one entry, three people
    assert [e.status for e in first] == ["confirmed", "confirmed", "waiting"]
    assert len({e.entry for e in first}) == 1
    later = services.enrol(actor=world.worker_b1.user, session=session, people=[person(4)])[0]
    assert services.waiting_position(first[2]) == 1 and services.waiting_position(later) == 2
    # the second confirmed person declines through their link: the first waiting is promoted
    services.enrolment_decline(token=first[1].token)
    first[2].refresh_from_db()
    later.refresh_from_db()
    assert first[2].status == "confirmed" and first[2].offered_at is not None
    assert later.status == "waiting" and services.waiting_position(later) == 1
    assert any("候补转正" in m.title for m in inbox(booker))
    # more places promote the rest at once
    services.session_capacity_set(actor=world.district_staff, session=session, capacity=3)
    later.refresh_from_db()
    assert later.status == "confirmed"
    assert selectors.session_figures(session) == {"confirmed": 3, "waiting": 0, "checked_in": 0, "declined": 1, "free": 0}


def test_enrolment_refuses_bad_and_duplicate_people(world, session):
    with pytest.raises(Invalid) as bad:
        services.enrol(actor=world.worker_a1.user, session=session, people=[{"name": "甲", "phone": "123"}])
    assert bad.value.field == "people"
    with pytest.raises(Invalid):
        services.enrol(actor=world.worker_a1.user, session=session, people=[person(1), person(1)])
    services.enrol(actor=world.worker_a1.user, session=session, people=[person(1)])
    with pytest.raises(Conflict):
        services.enrol(actor=world.worker_b1.user, session=session, people=[person(1)])
    with pytest.raises(Invalid):
        services.enrol(actor=world.worker_a1.user, session=session, people=[person(i) for i in range(11)])
    assert Enrolment.objects.count() == 1


def test_qr_check_in_then_certificate_then_revocation(world, session):
    enrolment, waiting = services.enrol(actor=world.worker_a1.user, session=session, people=[person(1), person(2), person(3)])[::2]
    with pytest.raises(Conflict):
        services.certificate_issue(actor=world.district_staff, enrolment=enrolment)
    link = f"https://uh.example/honours/t/{enrolment.token}/"  # a phone's scanner may hand over the whole link
    assert services.check_in(actor=world.district_staff, session=session, code=link).checked_in_at is not None
    with pytest.raises(ApiError) as refused:
        services.check_in(actor=world.district_staff, session=session, code=waiting.token)
    assert refused.value.code == "honours_checkin_not_confirmed"
    with pytest.raises(ApiError):
        services.check_in(actor=world.street_b_staff, session=session, code=enrolment.token)
    certificate = services.certificate_issue(actor=world.district_staff, enrolment=enrolment)
    assert certificate.status() == "valid" and certificate.expires_on > timezone.localdate()
    assert certificate.status(today=certificate.expires_on + timedelta(days=1)) == "expired"
    check = reverse("honours:certificate_check", args=[certificate.token])
    from django.test import Client

    assert "证书有效" in Client().get(check).content.decode()
    services.certificate_revoke(actor=world.district_staff, certificate=certificate, reason="冒名参训")
    page = Client().get(check).content.decode()
    assert "证书已撤销" in page and "冒名参训" in page
    with pytest.raises(Conflict):
        services.certificate_revoke(actor=world.district_staff, certificate=certificate, reason="再次")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) not installed")
def test_the_certificate_pdf_prints_chinese(world, session):
    enrolment = services.enrol(actor=world.worker_a1.user, session=session, people=[person(1)])[0]
    services.check_in(actor=world.district_staff, session=session, code=enrolment.token)
    certificate = services.certificate_issue(actor=world.district_staff, enrolment=enrolment)
    pdf = reports.certificate_pdf(certificate, "https://uh.example/honours/c/x/")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "培训结业证书" in text and "紫砂壶制作技艺培训班" in text and certificate.number in text


def test_online_lessons_count_learners_and_views(world, course):
    lesson = services.lesson_create(actor=world.district_staff, course=course, title="第一课 选泥", video_url="https://video.example/1.mp4")
    services.lesson_view(actor=world.worker_a1.user, lesson=lesson)
    services.lesson_view(actor=world.worker_a1.user, lesson=lesson)
    services.lesson_view(actor=world.worker_b1.user, lesson=lesson)
    figures = selectors.course_figures(course)
    assert (figures["online"], figures["viewers"], figures["views"]) == (2, 2, 3)
    with pytest.raises(ApiError):
        services.lesson_view(actor=world.district_staff, lesson=lesson)  # not a member
    with pytest.raises(Invalid):
        services.lesson_create(actor=world.district_staff, course=course, title="x", video_url="javascript:alert(1)")


def test_the_worker_pages_enrol_show_the_qr_and_decline(world, session):
    client = world.client_for(world.worker_a1)
    response = client.post(
        reverse("honours:enrol", args=[session.pk]), {"people": "张小明 13800000001\n李华 13800000002\n王五 13800000009"}
    )
    assert response.status_code == 302
    mine = list(Enrolment.objects.order_by("pk"))
    assert [e.status for e in mine] == ["confirmed", "confirmed", "waiting"]
    page = client.get(reverse("honours:me")).content.decode()
    assert "紫砂壶制作技艺培训班" in page
    qr_page = client.get(reverse("honours:enrolment", args=[mine[0].token])).content.decode()
    assert "<svg" in qr_page and "张*明" in qr_page
    client.post(reverse("honours:enrolment", args=[mine[0].token]))
    mine[2].refresh_from_db()
    assert mine[2].status == "confirmed"
    bad = client.post(reverse("honours:enrol", args=[session.pk]), {"people": "只有名字"})
    assert bad.status_code == 302
    assert Enrolment.objects.count() == 3


def test_staff_check_in_page(world, session):
    enrolment = services.enrol(actor=world.worker_a1.user, session=session, people=[person(1)])[0]
    client = world.client_for(world.district_staff)
    assert client.get(reverse("honours:session", args=[session.pk])).status_code == 200
    client.post(reverse("honours:session", args=[session.pk]), {"code": enrolment.token})
    enrolment.refresh_from_db()
    assert enrolment.checked_in_at is not None
    assert world.client_for(world.street_b_staff).get(reverse("honours:session", args=[session.pk])).status_code == 404
    certificate_url = reverse("honours:certificate_issue", args=[enrolment.pk])
    client.post(certificate_url)
    assert Certificate.objects.filter(enrolment=enrolment).exists()
