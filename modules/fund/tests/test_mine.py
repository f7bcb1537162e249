"""The beneficiary's own page (issue 23): a worker paid by the fund sees their own money on a
phone — found by their verified login phone, masked like a receipt — and confirms it arrived,
once (a second confirmation changes nothing); nobody else's row is reachable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import ApiError
from modules.fund import services
from modules.fund.models import Beneficiary
from modules.fund.tests.conftest import approved, make_id, paid


def rows(world):
    return [
        {"name": "张小明", "id_number": make_id(1), "amount": "800", "phone": world.worker_a1.phone, "category": "社区防疫一线"},
        {"name": "王大力", "id_number": make_id(2), "amount": "500", "phone": "13700000077", "category": "社区防疫一线"},
    ]


def test_the_worker_sees_only_their_own_payment_masked_and_confirms_it_once(world, fw):
    application = paid(world, fw, rows=rows(world))
    mine = Beneficiary.objects.get(application=application, phone=world.worker_a1.phone)
    client = world.client_for(world.worker_a1)
    page = client.get(reverse("fund:mine")).content.decode()
    assert "张*明" in page and "**** " + mine.id_tail in page and "800.00" in page
    assert "王大力" not in page and "王*力" not in page and "500.00" not in page and "张小明" not in page
    assert "确认已收到 800.00 元" in page
    client.post(reverse("fund:mine_receipt", args=[mine.pk]))
    mine.refresh_from_db()
    first = mine.received_at
    assert first is not None and mine.receipt_note == "本人在手机上确认收到"
    again = client.post(reverse("fund:mine_receipt", args=[mine.pk]), follow=True).content.decode()
    mine.refresh_from_db()
    assert mine.received_at == first and "已确认收到" in again and "确认已收到 800.00 元" not in again
    # The union's list shows it confirmed; the other person still waits.
    assert application.beneficiaries.filter(received_at__isnull=True).count() == 1


def test_someone_elses_row_is_not_found_on_the_page_and_the_api(world, fw):
    application = paid(world, fw, rows=rows(world))
    mine = Beneficiary.objects.get(application=application, phone=world.worker_a1.phone)
    other = world.client_for(world.worker_b1)
    assert other.post(reverse("fund:mine_receipt", args=[mine.pk])).status_code == 404
    api = other.post(f"/api/v1/fund/me/benefits/{mine.pk}/receipt")
    assert api.status_code == 404 and api.json()["code"] == "fund_benefit_not_found"
    assert other.get("/api/v1/fund/me/benefits").json() == []
    staff = world.client_for(world.district_staff)  # no phone: no rows, even for the district
    assert staff.post(f"/api/v1/fund/me/benefits/{mine.pk}/receipt").status_code == 404
    mine.refresh_from_db()
    assert mine.received_at is None


def test_the_api_lists_and_confirms_idempotently(world, fw):
    application = paid(world, fw, rows=rows(world))
    client = world.client_for(world.worker_a1)
    listed = client.get("/api/v1/fund/me/benefits").json()
    assert len(listed) == 1
    row = listed[0]
    assert (row["amount"], row["status"], row["can_confirm"], row["name_masked"]) == (800_00, "paid", True, "张*明")
    assert row["purpose"] == "慰问一线职工" and row["paid_on"] is not None and "phone" not in row
    first = client.post(f"/api/v1/fund/me/benefits/{row['id']}/receipt").json()
    second = client.post(f"/api/v1/fund/me/benefits/{row['id']}/receipt").json()
    assert first["status"] == second["status"] == "received" and first["received_at"] == second["received_at"]
    assert first["can_confirm"] is False
    assert Beneficiary.objects.get(pk=row["id"], application=application).received_at is not None


def test_before_payment_it_shows_as_approved_and_cannot_be_confirmed(world, fw):
    application = approved(world, fw, rows=rows(world))
    mine = Beneficiary.objects.get(application=application, phone=world.worker_a1.phone)
    listed = world.client_for(world.worker_a1).get("/api/v1/fund/me/benefits").json()
    assert [(r["status"], r["can_confirm"]) for r in listed] == [("approved", False)]
    with pytest.raises(ApiError) as early:
        services.receipt_self_confirm(actor=world.worker_a1.user, beneficiary_id=mine.pk)
    assert early.value.code == "fund_not_paid"
    refused = world.client_for(world.worker_a1).post(f"/api/v1/fund/me/benefits/{mine.pk}/receipt")
    assert refused.status_code == 409


def test_a_draft_list_is_not_shown_to_the_person(world, fw):
    from modules.fund.tests.conftest import draft

    draft(world, fw, rows=rows(world))
    assert world.client_for(world.worker_a1).get("/api/v1/fund/me/benefits").json() == []
    assert "暂时没有发放给您的补助" in world.client_for(world.worker_a1).get(reverse("fund:mine")).content.decode()
