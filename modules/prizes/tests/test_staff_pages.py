"""Staff pages: prizes and places in their scope, redemptions, cancel with a reason, reports and the xlsx export."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from core.models import AuditLog
from engines.ledger.selectors import balance_of
from modules.prizes.models import PickupPlace, Prize, Redemption
from modules.prizes.services import redemption_create, redemption_hand_over

from .conftest import make_prize

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 16, 46)).save(buffer, "PNG")
    return SimpleUploadedFile("bag.png", buffer.getvalue(), content_type="image/png")


def prize_form(world, shop, **overrides):
    today = timezone.localdate()
    data = {
        "name": "厨余沥水篮",
        "description": "水槽角落沥水篮",
        "organisation": world.org_a1.pk,
        "points_price": 30,
        "stock_listed": 12,
        "per_person_limit": 1,
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=60)).isoformat(),
        "pickup_days": 10,
        "stock_alert_threshold": 3,
        "places": [shop.office.pk],
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_grassroots_admin_lists_a_prize_with_a_picture_for_their_own_union(world, shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = world.client_for(world.admin_a1)
    response = admin.post(reverse("prizes:prize_create"), prize_form(world, shop, image=png()))
    assert response.status_code == 302, response.content.decode()
    prize = Prize.objects.get(name="厨余沥水篮")
    assert (prize.stock, prize.stock_listed, prize.organisation) == (12, 12, world.org_a1)
    assert prize.image.name.startswith("prizes/") and list(prize.places.all()) == [shop.office]
    assert AuditLog.objects.filter(action="prizes.prize_create", object_id=str(prize.pk), actor=world.admin_a1).exists()
    assert "厨余沥水篮" in world.client_for(world.worker_a1).get(reverse("prizes:home")).content.decode()
    assert "厨余沥水篮" not in world.client_for(world.worker_b1).get(reverse("prizes:home")).content.decode()


def test_staff_cannot_list_prizes_for_unions_outside_their_scope(world, shop):
    admin = world.client_for(world.admin_a1)
    outside = admin.post(reverse("prizes:prize_create"), prize_form(world, shop, organisation=world.org_b1.pk))
    assert outside.status_code == 400 and "organisation" in outside.context["form"].errors
    elsewhere = admin.post(reverse("prizes:prize_create"), prize_form(world, shop, places=[shop.station_b.pk]))
    assert elsewhere.status_code == 400 and "places" in elsewhere.context["form"].errors
    # The street's rest station is above the admin's union: offering it there is fine.
    assert admin.post(reverse("prizes:prize_create"), prize_form(world, shop, places=[shop.station.pk])).status_code == 302
    assert admin.get(reverse("prizes:prize_edit", args=[shop.bag.pk])).status_code == 404  # a district prize
    assert world.client_for(world.worker_a1).get(reverse("prizes:manage_prizes")).status_code in (302, 403)


def test_the_prize_form_answers_bad_input_with_field_errors(world, shop):
    admin = world.client_for(world.district_staff)
    cases = {
        "points_price": {"points_price": 0},
        "valid_until": {"valid_until": (timezone.localdate() - timedelta(days=400)).isoformat()},
        "stock_listed": {"stock_listed": -1},
        "places": {"places": []},
        "pickup_days": {"pickup_days": 0},
        "image": {"image": SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")},
    }
    for field, change in cases.items():
        response = admin.post(reverse("prizes:prize_create"), prize_form(world, shop, **change))
        assert response.status_code == 400 and field in response.context["form"].errors, field
    response = admin.post(
        reverse("prizes:prize_edit", args=[shop.bag.pk]), prize_form(world, shop, organisation=world.district.pk, stock_listed=0)
    )
    shop_bag_redeemed = 0
    assert response.status_code == 302 and shop_bag_redeemed == 0
    redemption_create(actor=None, member=world.worker_a1, prize_id=shop.ticket.pk, place_id=shop.office.pk, idempotency_key="form-0001")
    too_few = admin.post(
        reverse("prizes:prize_edit", args=[shop.ticket.pk]), prize_form(world, shop, organisation=world.district.pk, stock_listed=0)
    )
    assert too_few.status_code == 400 and "stock_listed" in too_few.context["form"].errors


def test_staff_register_a_pickup_place_with_operators_by_phone(world, shop):
    staff = world.client_for(world.street_a_staff)
    data = {
        "name": "柳荫街社区职工之家",
        "kind": "other",
        "address": "柳荫街 5 号",
        "organisation": world.org_a2.pk,
        "opening_note": "周末 9:00-12:00",
        "operators": "13800000002, collector_a",
        "is_active": "on",
    }
    assert staff.post(reverse("prizes:place_create"), data).status_code == 302
    place = PickupPlace.objects.get(name="柳荫街社区职工之家")
    assert {u.username for u in place.operators.all()} == {"m13800000002", "collector_a"}
    unknown = staff.post(reverse("prizes:place_create"), data | {"operators": "13999999999"})
    assert unknown.status_code == 400 and "13999999999" in unknown.context["form"].errors["operators"][0]
    outside = staff.post(reverse("prizes:place_create"), data | {"organisation": world.org_b1.pk})
    assert outside.status_code == 400
    assert staff.get(reverse("prizes:place_edit", args=[shop.station_b.pk])).status_code == 404
    page = staff.get(reverse("prizes:manage_places")).content.decode()
    assert "柳荫街社区职工之家" in page and "金融街职工暖心驿站" not in page
    # The worker made an operator now finds the pickup desk from their shop page.
    assert "扫码交付奖品" in world.client_for(world.worker_a1_other).get(reverse("prizes:home")).content.decode()


def test_staff_cancel_a_redemption_with_a_reason_on_the_page(world, shop):
    r = redemption_create(
        actor=None, member=world.worker_a1, prize_id=shop.ticket.pk, place_id=shop.office.pk, idempotency_key="page-0001"
    ).redemption
    staff = world.client_for(world.district_staff)
    listing = staff.get(reverse("prizes:manage_redemptions"), {"q": r.display_code}).content.decode()
    assert r.display_code in listing and "取消并退分" in listing
    form = staff.get(reverse("prizes:redemption_cancel", args=[r.pk])).content.decode()
    assert 'data-confirm="确定取消该兑换并退还积分吗？"' in form
    empty = staff.post(reverse("prizes:redemption_cancel", args=[r.pk]), {"reason": ""})
    assert empty.status_code == 400 and "reason" in empty.context["form"].errors
    done = staff.post(reverse("prizes:redemption_cancel", args=[r.pk]), {"reason": "活动取消"})
    assert done.status_code == 302 and balance_of(world.worker_a1.pk) == 200
    assert Redemption.objects.get(pk=r.pk).status == Redemption.Status.CANCELLED
    assert world.client_for(world.street_b_staff).get(reverse("prizes:redemption_cancel", args=[r.pk])).status_code == 404
    assert "已取消：活动取消" in world.client_for(world.worker_a1).get(reverse("prizes:my_detail", args=[r.pk])).content.decode()


def _some_redemptions(world, shop):
    a = redemption_create(
        actor=None, member=world.worker_a1, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key="rep-0001"
    ).redemption
    redemption_hand_over(actor=world.admin_a1, place_id=shop.office.pk, code=a.code)
    redemption_create(
        actor=None, member=world.worker_a1_other, prize_id=shop.ticket.pk, place_id=shop.station.pk, idempotency_key="rep-0002"
    )
    redemption_create(actor=None, member=world.worker_b1, prize_id=shop.bag.pk, place_id=shop.station_b.pk, idempotency_key="rep-0003")
    low = make_prize(world.district_staff, world.org_b1, [shop.station_b], name="园区定制水杯", stock_listed=2)
    return low


def test_reports_are_scoped_and_show_stock_alerts(world, shop):
    low = _some_redemptions(world, shop)
    district = world.client_for(world.district_staff).get(reverse("prizes:reports"))
    assert district.context["totals"]["total"] == 3 and district.context["totals"]["points"] == 160
    assert {row["place__name"]: row["total"] for row in district.context["by_place"]} == {
        "某科技公司工会办公室": 1,
        "什刹海职工暖心驿站": 1,
        "金融街职工暖心驿站": 1,
    }
    assert [p.name for p in district.context["alerts"]] == ["园区定制水杯", "电影票", "工会定制帆布包"]  # 2, 2, 5 ≤ 5

    street_a = world.client_for(world.street_a_staff).get(reverse("prizes:reports"))
    assert street_a.context["totals"]["total"] == 2
    assert {row["prize__name"]: row["total"] for row in street_a.context["by_prize"]} == {"环保购物袋": 1, "电影票": 1}
    assert low.name not in street_a.content.decode()  # street B's prize is not street A's business

    admin_b1 = world.client_for(world.admin_b1).get(reverse("prizes:reports"))
    assert admin_b1.context["totals"]["total"] == 1
    assert [row["organisation__name"] for row in admin_b1.context["by_org"]] == ["金融街园区工会"]
    assert [p.name for p in admin_b1.context["alerts"]] == ["园区定制水杯"]

    bad = world.client_for(world.district_staff).get(reverse("prizes:reports"), {"start": "2026-13-45", "end": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors
    later = world.client_for(world.district_staff).get(
        reverse("prizes:reports"), {"start": (timezone.localdate() + timedelta(days=1)).isoformat()}
    )
    assert later.context["totals"]["total"] == 0


def test_the_xlsx_export_opens_and_has_the_rows_of_the_viewers_scope(world, shop):
    _some_redemptions(world, shop)
    response = world.client_for(world.street_a_staff).get(reverse("prizes:reports_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["按奖品", "按取货点", "按工会", "库存预警", "兑换明细"]
    by_prize = list(book["按奖品"].values)
    assert by_prize[0][:4] == ("奖品", "所需积分", "剩余库存", "兑换总数")
    assert sorted((row[0], row[3], row[5], row[8]) for row in by_prize[1:]) == [("环保购物袋", 1, 1, 20), ("电影票", 1, 0, 120)]
    by_org = list(book["按工会"].values)[1:]
    assert by_org == [("北京某科技有限公司工会", 2, 1, 1, 0, 0, 140)]
    details = list(book["兑换明细"].values)[1:]
    assert len(details) == 2 and {row[4] for row in details} == {"张*明", "李*"}
    assert {row[7] for row in details} == {"已领取", "待领取"}
    assert world.client_for(world.worker_a1).get(reverse("prizes:reports_export")).status_code in (302, 403)


def test_list_pages_stay_within_a_fixed_number_of_queries(world, shop, django_assert_max_num_queries):
    for i in range(12):
        make_prize(world.district_staff, world.district, [shop.office, shop.station], name=f"奖品{i}")
    for i, prize in enumerate(Prize.objects.all()[:8]):
        redemption_create(
            actor=None,
            member=world.worker_a1_other if i % 2 else world.worker_a1,
            prize_id=prize.pk,
            place_id=shop.office.pk,
            idempotency_key=f"count-{i:04d}",
        )
    pages = [
        (world.worker_a1, reverse("prizes:home")),
        (world.worker_a1, reverse("prizes:my")),
        (world.worker_a1, reverse("prizes:detail", args=[shop.bag.pk])),
        (world.district_staff, reverse("prizes:manage_prizes")),
        (world.district_staff, reverse("prizes:manage_places")),
        (world.district_staff, reverse("prizes:manage_redemptions")),
        (world.district_staff, reverse("prizes:reports")),
        (world.admin_a1, reverse("prizes:pickup")),
    ]
    for who, url in pages:
        client = world.client_for(who)
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url
