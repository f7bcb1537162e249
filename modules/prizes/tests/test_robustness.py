"""Nothing a user types makes a 500; the shop registers itself; the demo data lets a newcomer redeem at once."""

from __future__ import annotations

import json
import random

import pytest
from django.urls import reverse

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from core.registry import registry
from engines.ledger.selectors import balance_of, ledger_mismatches
from modules.prizes.demo import DEMO_GRANT, seed_prizes
from modules.prizes.models import PickupPlace, Prize, Redemption
from modules.prizes.services import redemption_create, redemption_hand_over, redemptions_expire_due

pytestmark = pytest.mark.django_db

JUNK = ["", " ", "0", "-1", "99999999999999999999", "abc", "<script>", "１２３", "null", "1e9", "\x00", "😀" * 50, "' OR 1=1 --"]


def test_junk_in_every_form_and_query_never_makes_a_500(world, shop):
    worker = world.client_for(world.worker_a1)
    staff = world.client_for(world.district_staff)
    operator = world.client_for(world.admin_a1)
    for junk in JUNK:
        for client, method, url, data in [
            (worker, "get", reverse("prizes:home"), {"page": junk}),
            (worker, "get", reverse("prizes:my"), {"status": junk, "page": junk}),
            (worker, "get", reverse("prizes:redeem", args=[shop.bag.pk]), {"place": junk}),
            (worker, "post", reverse("prizes:redeem", args=[shop.bag.pk]), {"place": junk, "idempotency_key": junk}),
            (operator, "post", reverse("prizes:pickup"), {"place": junk, "code": junk}),
            (operator, "post", reverse("prizes:pickup"), {"place": shop.office.pk, "code": junk}),
            (operator, "get", reverse("prizes:pickup"), {"place": junk}),
            (staff, "get", reverse("prizes:manage_prizes"), {"q": junk, "page": junk}),
            (staff, "get", reverse("prizes:manage_redemptions"), {"q": junk, "status": junk, "prize": junk}),
            (staff, "get", reverse("prizes:reports"), {"start": junk, "end": junk, "page": junk}),
            (staff, "get", reverse("prizes:reports_export"), {"start": junk}),
            (
                staff,
                "post",
                reverse("prizes:prize_create"),
                {"name": junk, "points_price": junk, "stock_listed": junk, "places": junk, "organisation": junk},
            ),
            (staff, "post", reverse("prizes:place_create"), {"name": junk, "kind": junk, "organisation": junk, "operators": junk}),
        ]:
            response = getattr(client, method)(url, data)
            assert response.status_code < 500, (url, junk, response.status_code)
        for client, url, body in [
            (worker, f"/api/v1/prizes/{shop.bag.pk}/redeem", {"place_id": junk}),
            (operator, "/api/v1/prizes/pickup", {"place_id": shop.office.pk, "code": junk}),
            (operator, "/api/v1/prizes/pickup", {"place_id": junk, "code": junk}),
            (staff, "/api/v1/prizes/redemptions/1/cancel", {"reason": junk}),
        ]:
            response = client.post(url, data=json.dumps(body), content_type="application/json", headers={"Idempotency-Key": junk or "x"})
            assert response.status_code < 500 and "code" in response.json(), (url, junk, response.status_code)
    huge = "9" * 30
    for url in (f"/prizes/{huge}/", f"/prizes/{huge}/redeem/", f"/prizes/my/{huge}/", f"/prizes/my/{huge}/qr.svg"):
        assert worker.get(url).status_code == 404
    for url in (f"/prizes/manage/{huge}/edit/", f"/prizes/manage/places/{huge}/edit/", f"/prizes/manage/redemptions/{huge}/cancel/"):
        assert staff.get(url).status_code == 404
    assert worker.get(f"/api/v1/prizes/{huge}").status_code in (404, 422)
    assert worker.get("/api/v1/prizes/9223372036854775808").status_code == 422
    for query in ({"limit": huge}, {"offset": huge}, {"limit": 0}, {"offset": -1}):
        assert worker.get("/api/v1/prizes/", query).status_code == 422
        assert worker.get("/api/v1/prizes/redemptions/mine", query).status_code == 422
    assert staff.post(f"/api/v1/prizes/redemptions/{huge}/cancel", data="{}", content_type="application/json").status_code in (404, 422)
    for raw in ("{", "[]", "null", '{"place_id": {}}', '{"place_id": 9223372036854775808}'):
        response = worker.post(
            f"/api/v1/prizes/{shop.bag.pk}/redeem", data=raw, content_type="application/json", headers={"Idempotency-Key": "raw-key-0001"}
        )
        assert 400 <= response.status_code < 500
    assert Redemption.objects.count() == 0 and balance_of(world.worker_a1.pk) == 200


def test_the_shop_registers_its_nav_reasons_job_router_card_and_seeder():
    assert {"prizes.redeem", "prizes.refund_expired", "prizes.refund_cancelled", "prizes.demo_grant"} <= set(registry.ledger_reasons)
    assert ("modules.prizes.services.redemptions_expire_due", 60) in registry.periodic_jobs
    assert ("prizes", "modules.prizes.api.router") in registry.api_routers
    worker_items = [n for n in registry.nav_items if n.url_name == "prizes:home"]
    assert worker_items and worker_items[0].audience == "worker" and worker_items[0].order == 30
    assert any(s.name == "积分兑换" and s.order == 50 for s in registry.demo_seeders)
    assert any(dotted == "modules.prizes.views.dashboard_cards" for _o, dotted in registry.dashboard_cards)


def test_the_dashboard_card_counts_this_months_redemptions_and_alerts_in_scope(world, shop):
    redemption_create(actor=None, member=world.worker_b1, prize_id=shop.bag.pk, place_id=shop.station_b.pk, idempotency_key="card-0001")
    page = world.client_for(world.district_staff).get(reverse("core:dashboard"))
    cards = {c["title"]: c["value"] for c in page.context["cards"]}
    assert cards["本月积分兑换"] == 1 and cards["奖品库存预警"] == 2  # the ticket (3) and the union's bag (5)
    street_a = world.client_for(world.street_a_staff).get(reverse("core:dashboard"))
    assert {c["title"]: c["value"] for c in street_a.context["cards"]}["本月积分兑换"] == 0


def test_the_demo_gives_a_newcomer_points_places_and_prizes_to_redeem_at_once(db):
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(2020), progress=False)
    seed_tree(ctx)
    seed_prizes(ctx)
    newcomer = ctx.demo_workers[0]
    assert balance_of(newcomer.pk) == DEMO_GRANT
    office = PickupPlace.objects.get(kind=PickupPlace.Kind.UNION_OFFICE)
    assert list(office.operators.all()) == [ctx.users["grassroots"]]
    assert PickupPlace.objects.filter(kind=PickupPlace.Kind.REST_STATION).count() == 2
    assert 8 <= Prize.objects.count() <= 10
    assert Redemption.objects.values("status").distinct().count() == 3  # handed over, pending, cancelled
    bag = Prize.objects.get(name="环保购物袋")
    made = redemption_create(actor=None, member=newcomer, prize_id=bag.pk, place_id=office.pk, idempotency_key="demo-newcomer-1").redemption
    assert redemption_hand_over(actor=ctx.users["grassroots"], place_id=office.pk, code=made.code).status == "handed_over"
    assert redemptions_expire_due() == 1  # the one left overdue on purpose
    assert ledger_mismatches() == []
    for prize in Prize.objects.all():
        assert prize.stock + prize.redemptions.filter(status__in=Redemption.LIVE).count() == prize.stock_listed
    seed_prizes_again_grants = balance_of(newcomer.pk)
    assert seed_prizes_again_grants == DEMO_GRANT - bag.points_price
