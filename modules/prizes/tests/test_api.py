"""The JSON API (/api/v1/prizes/): the same rules as the pages, answering {code, message, field}."""

from __future__ import annotations

import json

import pytest

from engines.ledger.selectors import balance_of
from modules.prizes.models import Redemption

pytestmark = pytest.mark.django_db
API = "/api/v1/prizes"


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def test_a_worker_lists_redeems_and_sees_their_redemptions(world, shop):
    client = world.client_for(world.worker_a1)
    listing = client.get(f"{API}/")
    assert listing.status_code == 200
    names = [p["name"] for p in listing.json()["items"]]
    assert names == ["环保购物袋", "工会定制帆布包", "电影票"]

    detail = client.get(f"{API}/{shop.bag.pk}").json()
    assert detail["balance"] == 200 and {p["name"] for p in detail["places"]} >= {"某科技公司工会办公室"}

    first = post(client, f"{API}/{shop.bag.pk}/redeem", {"place_id": shop.office.pk}, **{"Idempotency-Key": "api-key-0001"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "pending" and body["points"] == 20 and len(body["code"]) == 9 and body["qr_url"].endswith("qr.svg")

    replay = post(client, f"{API}/{shop.bag.pk}/redeem", {"place_id": shop.office.pk}, **{"Idempotency-Key": "api-key-0001"})
    assert replay.status_code == 200 and replay.json()["id"] == body["id"]
    conflict = post(client, f"{API}/{shop.ticket.pk}/redeem", {"place_id": shop.office.pk}, **{"Idempotency-Key": "api-key-0001"})
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    assert balance_of(world.worker_a1.pk) == 180

    mine = client.get(f"{API}/redemptions/mine").json()
    assert [r["id"] for r in mine["items"]] == [body["id"]]
    assert client.get(f"{API}/redemptions/mine/{body['id']}").json()["prize_name"] == "环保购物袋"
    assert world.client_for(world.worker_a1_other).get(f"{API}/redemptions/mine/{body['id']}").status_code == 404


def test_redeem_needs_an_idempotency_key_and_answers_errors_with_a_field(world, shop):
    client = world.client_for(world.worker_a1)
    missing = post(client, f"{API}/{shop.bag.pk}/redeem", {"place_id": shop.office.pk})
    assert missing.status_code == 422 and missing.json()["field"] == "idempotency_key"
    bad_place = post(client, f"{API}/{shop.own.pk}/redeem", {"place_id": shop.station.pk}, **{"Idempotency-Key": "api-key-0002"})
    assert bad_place.status_code == 422 and bad_place.json() | {"message": ""} == {
        "code": "place_not_offered",
        "field": "place_id",
        "message": "",
    }
    wrong_type = post(client, f"{API}/{shop.bag.pk}/redeem", {"place_id": "abc"}, **{"Idempotency-Key": "api-key-0003"})
    assert wrong_type.status_code == 422 and wrong_type.json()["field"] == "place_id"
    poor = post(client, f"{API}/{shop.ticket.pk}/redeem", {"place_id": shop.office.pk}, **{"Idempotency-Key": "api-key-0004"})
    assert poor.status_code == 201
    poorer = post(
        world.client_for(world.worker_a1),
        f"{API}/{shop.ticket.pk}/redeem",
        {"place_id": shop.office.pk},
        **{"Idempotency-Key": "api-key-0005"},
    )
    assert poorer.status_code == 409 and poorer.json()["code"] == "limit_reached"
    assert client.get(f"{API}/999999").status_code == 404
    assert post(client, f"{API}/999999/redeem", {"place_id": 1}, **{"Idempotency-Key": "api-key-0006"}).status_code == 404


def test_staff_and_strangers_are_not_workers_in_the_shop(client, world, shop):
    assert client.get(f"{API}/").status_code == 401
    staff = world.client_for(world.district_staff)
    assert staff.get(f"{API}/").json()["code"] == "not_a_member"


def test_an_operator_hands_over_through_the_api_and_staff_cancel(world, shop):
    worker = world.client_for(world.worker_a1)
    made = post(worker, f"{API}/{shop.bag.pk}/redeem", {"place_id": shop.station.pk}, **{"Idempotency-Key": "api-key-0010"}).json()
    second = post(worker, f"{API}/{shop.ticket.pk}/redeem", {"place_id": shop.station.pk}, **{"Idempotency-Key": "api-key-0011"}).json()

    operator = world.client_for(world.collector_a)
    assert [p["name"] for p in operator.get(f"{API}/pickup/places").json()] == ["什刹海职工暖心驿站"]
    wrong = post(operator, f"{API}/pickup", {"place_id": shop.office.pk, "code": made["code"]})
    assert wrong.status_code == 403 and wrong.json()["code"] == "not_an_operator"
    handed = post(operator, f"{API}/pickup", {"place_id": shop.station.pk, "code": made["code"]})
    assert handed.status_code == 200 and handed.json()["member_name"] == "张*明"
    again = post(operator, f"{API}/pickup", {"place_id": shop.station.pk, "code": made["code"]})
    assert again.status_code == 409 and again.json()["code"] == "already_handed_over"

    assert post(world.client_for(world.street_b_staff), f"{API}/redemptions/{second['id']}/cancel", {"reason": "越权"}).status_code == 404
    assert post(operator, f"{API}/redemptions/{second['id']}/cancel", {"reason": "越权"}).status_code == 403
    no_reason = post(world.client_for(world.district_staff), f"{API}/redemptions/{second['id']}/cancel", {"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    cancelled = post(world.client_for(world.district_staff), f"{API}/redemptions/{second['id']}/cancel", {"reason": "影院停业"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert balance_of(world.worker_a1.pk) == 180
    assert Redemption.objects.get(pk=second["id"]).cancel_reason == "影院停业"


def test_reports_api_is_scoped(world, shop):
    from modules.prizes.services import redemption_create

    redemption_create(actor=None, member=world.worker_a1, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key="rep-api-0001")
    redemption_create(actor=None, member=world.worker_b1, prize_id=shop.bag.pk, place_id=shop.station_b.pk, idempotency_key="rep-api-0002")
    district = world.client_for(world.district_staff).get(f"{API}/reports").json()
    assert district["totals"]["total"] == 2 and district["totals"]["points"] == 40
    street_a = world.client_for(world.street_a_staff).get(f"{API}/reports").json()
    assert street_a["totals"]["total"] == 1
    assert [row["name"] for row in street_a["by_organisation"]] == ["北京某科技有限公司工会"]
    assert world.client_for(world.worker_a1).get(f"{API}/reports").status_code == 403
    bad = world.client_for(world.district_staff).get(f"{API}/reports", {"start": "2026-12-01", "end": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "end"
    assert world.client_for(world.district_staff).get(f"{API}/reports", {"start": "yesterday"}).status_code == 422
