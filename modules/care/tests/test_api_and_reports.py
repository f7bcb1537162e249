"""The API answers bad input with a code and a Chinese message; the exports; the annual review's
figures, computed by hand from the fixture."""

from __future__ import annotations

import io
import json

from django.test import Client
from django.urls import reverse

from core.tests.factories import UserFactory
from modules.care import selectors, services
from modules.care.tests.conftest import WISH


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_posting_a_wish_through_the_api_and_bad_input(world, campaign):
    c = _client(world.worker_a1.user)
    ok = _post(c, "/api/v1/care/wishes", {"campaign_id": campaign.pk, **WISH})
    assert ok.status_code == 201 and ok.json()["status"] == "posted"
    over = _post(c, "/api/v1/care/wishes", {"campaign_id": campaign.pk, **WISH, "value": 99999})
    assert over.status_code == 422 and over.json()["field"] == "value" and over.json()["code"] == "care_wish_over_limit"
    bad_phone = _post(c, "/api/v1/care/wishes", {"campaign_id": campaign.pk, **WISH, "contact_phone": "12"})
    assert bad_phone.status_code == 422 and bad_phone.json()["field"] == "contact_phone"
    missing = _post(c, "/api/v1/care/wishes", {"campaign_id": 999999, **WISH})
    assert missing.status_code == 404


def test_claiming_through_the_api_twice(world, published):
    first = _post(_client(UserFactory(username="a1")), f"/api/v1/care/wishes/{published.pk}/claim", {})
    second = _post(_client(UserFactory(username="a2")), f"/api/v1/care/wishes/{published.pk}/claim", {})
    assert first.status_code == 201
    assert second.status_code == 409 and second.json()["code"] == "care_wish_already_claimed"
    assert "认领" in second.json()["message"]


def test_loan_bad_input_through_the_api(world):
    c = _client(world.worker_a1.user)
    body = {"group": "migrant", "business_name": "小吃店", "business_plan": "设备", "amount": 60_000_000, "term_months": 12}
    too_much = _post(c, "/api/v1/care/loans", body)
    assert too_much.status_code == 422 and too_much.json()["field"] == "amount"
    ok = _post(c, "/api/v1/care/loans", {**body, "amount": 5_000_000})
    assert ok.status_code == 201 and ok.json()["state"] == "draft"
    staff = _post(_client(world.district_staff), "/api/v1/care/loans", body)
    assert staff.status_code == 403


def test_wish_form_page_shows_the_field_error(world, campaign):
    c = _client(world.worker_a1.user)
    response = c.post(
        reverse("care:wish_new"),
        {"item": "书包", "value_yuan": "abc", "first_name": "小明", "story": "s", "consent_publish": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert "心愿价值" in response.content.decode()


def test_exports_are_workbooks_of_the_viewers_tree(world, published):
    from openpyxl import load_workbook

    response = _client(world.admin_a1).get(reverse("care:wishes_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][4] == "一个书包" and rows[1][5] == 120
    other = _client(world.admin_b1).get(reverse("care:wishes_export"))
    assert len(list(load_workbook(io.BytesIO(other.content)).active.iter_rows(values_only=True))) == 1
    loans = _client(world.district_staff).get(reverse("care:loans_export"))
    assert loans.status_code == 200 and loans.content[:2] == b"PK"


def test_the_annual_review_figures_by_hand(world, campaign, donor, counsellor):
    """Three wishes: one fulfilled (120 yuan), one claimed, one rejected; one attended session,
    one cancelled; two hotline calls. Loans: none made."""
    from modules.care.tests.conftest import next_hour, png

    wishes = []
    for item, value in (("书包", 12000), ("棉服", 30000), ("体检", 45000)):
        wish = services.wish_post(actor=world.worker_a1.user, campaign=campaign, data={**WISH, "item": item, "value": value})
        wishes.append(wish)
    for wish in wishes[:2]:
        services.wish_verify(actor=world.admin_a1, wish=wish)
        services.wish_publish(actor=world.district_staff, wish=wish)
    services.wish_verify(actor=world.admin_a1, wish=wishes[2], approve=False, reason="超出范围")
    claim = services.wish_claim(actor=donor, wish=wishes[0])
    services.claim_confirm(actor=world.admin_a1, claim=claim)
    services.claim_deliver(actor=donor, claim=claim, upload=png())
    services.wish_confirm_received(actor=world.admin_a1, wish=wishes[0])
    services.wish_claim(actor=UserFactory(username="d2"), wish=wishes[1])
    first, second = services.booking_create(
        actor=world.worker_a1.user, counsellor=counsellor, starts_at=next_hour(), mode="online", consent=True, repeat_weeks=2
    )
    services.booking_close(actor=counsellor.user, booking=first, attended=True)
    services.booking_cancel(actor=world.worker_a1.user, booking=second)
    services.hotline_log(actor=world.district_staff, minutes=10, topic="work")
    services.hotline_log(actor=world.district_staff, minutes=20, topic="family")
    section = selectors.review_section(campaign.year, world.district_staff)
    figures = {str(label): value for label, value, _unit in section["items"]}
    assert figures["征集微心愿"] == 2  # the rejected one is not counted as posted
    assert figures["微心愿被认领"] == 2
    assert figures["微心愿圆梦"] == 1
    assert figures["圆梦心愿价值"] == "120.00"
    assert figures["创业贷款申请"] == 0
    # Counselling as counts only, whichever year the sessions fall in (the clock may be moved).
    sessions_year = first.starts_at.year
    if sessions_year == campaign.year:
        assert figures["心理咨询（已完成）"] == 1 and figures["心理咨询（已取消）"] == 1
    assert figures["心理热线来电"] == 2
    assert all("张小明" not in str(v) for v in figures.values())


def test_list_pages_keep_their_query_count(world, campaign, donor, django_assert_max_num_queries):
    for i in range(30):
        wish = services.wish_post(actor=world.admin_a1, campaign=campaign, member=world.worker_a1_other, data={**WISH, "item": f"物品{i}"})
        services.wish_verify(actor=world.admin_a1, wish=wish)
        services.wish_publish(actor=world.district_staff, wish=wish)
        if i % 3 == 0:
            services.wish_claim(actor=donor, wish=wish)
    anon, staff, giver = Client(), _client(world.district_staff), _client(donor)
    with django_assert_max_num_queries(6):
        assert anon.get(reverse("care:wishes")).status_code == 200
    with django_assert_max_num_queries(12):
        assert staff.get(reverse("care:staff_wishes")).status_code == 200
    with django_assert_max_num_queries(10):
        assert giver.get(reverse("care:contributions")).status_code == 200
