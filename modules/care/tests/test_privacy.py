"""Privacy as a matrix: who may see a wisher's contact, a booking's notes, a crisis contact —
role × stage × channel (page and API). Everyone not allowed sees neither the phone nor the name."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import PersonalDataAccess
from core.tests.factories import UserFactory
from modules.care import services
from modules.care.tests.conftest import next_hour

PHONE, NAME = "13800000001", "张小明"


def _client(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def people(world, donor):
    return {
        "donor": donor,
        "other_donor": UserFactory(username="other_donor"),
        "wisher": world.worker_a1.user,
        "colleague": world.worker_a1_other.user,
        "union": world.admin_a1,
        "other_union": world.admin_b1,
        "street": world.street_a_staff,
        "other_street": world.street_b_staff,
        "district": world.district_staff,
        "anon": None,
    }


# stage -> the roles that may see the contact through the donor's page and API
CONTACT = {"pending": set(), "confirmed": {"donor"}, "delivered": {"donor"}, "fulfilled": set()}


@pytest.mark.parametrize("stage", list(CONTACT))
def test_the_wishers_contact_is_shown_only_to_the_confirmed_donor(world, published, people, stage):
    from modules.care.tests.conftest import png

    donor = people["donor"]
    claim = services.wish_claim(actor=donor, wish=published)
    if stage != "pending":
        services.claim_confirm(actor=world.admin_a1, claim=claim)
    if stage in ("delivered", "fulfilled"):
        services.claim_deliver(actor=donor, claim=claim, upload=png())
    if stage == "fulfilled":
        services.wish_confirm_received(actor=world.worker_a1.user, wish=published)
    page = reverse("care:contribution", args=[claim.pk]) + "?contact=1"
    api = f"/api/v1/care/contributions/{claim.pk}/contact"
    public = reverse("care:wish_public", args=[published.pk])
    for role, user in people.items():
        client = _client(user)
        seen = PHONE in client.get(page).content.decode()
        api_response = client.get(api)
        assert seen == (role in CONTACT[stage]), (stage, role, "page")
        assert (api_response.status_code == 200) == (role in CONTACT[stage]), (stage, role, "api")
        if api_response.status_code == 200:
            assert api_response.json()["phone"] == PHONE
        public_page = client.get(public).content.decode()
        assert PHONE not in public_page and NAME not in public_page, (stage, role, "public")
    looks = PersonalDataAccess.objects.filter(field="wish_contact", member=world.worker_a1)
    assert looks.count() == (2 if CONTACT[stage] else 0)
    assert set(looks.values_list("viewer", flat=True)) <= {donor.pk}


# who may read a booking's notes (the counsellor) and who may see that a worker booked at all
NOTE_READERS = {"counsellor"}


def test_counselling_notes_and_identity_matrix(world, counsellor, people):
    booking = services.booking_create(
        actor=world.worker_a1.user, counsellor=counsellor, starts_at=next_hour(), mode="online", consent=True, intake="甲困扰"
    )[0]
    services.note_write(actor=counsellor.user, booking=booking, notes="甲记录", referral="乙转介")
    people = {**people, "counsellor": counsellor.user}
    pages = {
        "note": reverse("care:booking_note", args=[booking.pk]),
        "counsellor_home": reverse("care:counsellor_home"),
        "staff": reverse("care:counselling_staff"),
        "dashboard": reverse("care:staff_home"),
        "api_counts": "/api/v1/care/counselling/counts",
    }
    for role, user in people.items():
        client = _client(user)
        for where, url in pages.items():
            text = client.get(url).content.decode()
            for secret in ("甲困扰", "甲记录", "乙转介"):
                assert (secret in text) == (role in NOTE_READERS and where == "note"), (role, where, secret)
            if role not in NOTE_READERS and role != "wisher":
                assert NAME not in text, (role, where)
    counts = _client(people["district"]).get(pages["api_counts"]).json()
    assert counts["booked"] == 1 and set(counts) >= {"cancelled", "attended"}


def test_the_wisher_sees_their_own_wish_but_not_the_donors_contact(world, published, donor):
    claim = services.wish_claim(actor=donor, wish=published, donor_name="某公司")
    page = _client(world.worker_a1.user).get(reverse("care:wish", args=[published.pk])).content.decode()
    assert "某公司" in page and donor.username not in page
    assert _client(world.worker_a1.user).get(f"/api/v1/care/contributions/{claim.pk}/contact").status_code == 404


def test_the_workers_own_data_export_holds_their_care_rows(world, published, counsellor):
    from core.privacy import member_data_export

    services.booking_create(
        actor=world.worker_a1.user, counsellor=counsellor, starts_at=next_hour(), mode="online", consent=True, intake="甲困扰"
    )
    export = str(member_data_export(world.worker_a1))
    assert "一个书包" in export and "甲困扰" in export
    assert "一个书包" not in str(member_data_export(world.worker_b1))
