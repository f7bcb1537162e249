"""The tour page itself, without a browser: only in DEBUG, and it offers the demo union's unbound,
uncollected bags (never a bag someone already has), each as inline SVG QR code and /b/ link."""

import pytest
from django.test import Client

from modules.bags import codes, services
from modules.bags.models import Bag


@pytest.mark.django_db
def test_tour_is_not_served_outside_debug(settings):
    settings.DEBUG = False
    assert Client().get("/tour/").status_code == 404


@pytest.mark.django_db
def test_tour_lists_only_free_bags_of_the_demo_union_with_qr_svg(settings, world):
    settings.DEBUG = True
    demo = world.worker_a1  # phone 13800000001, the demo worker's
    batch = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=10)
    services.batch_create(actor=world.district_staff, organisation=world.org_b1, size=10)
    taken = codes.encode(batch.first_bag_id)
    services.bag_bind(actor=demo.user, code=taken)
    Bag.objects.filter(pk=batch.first_bag_id + 1).update(collected_at="2026-11-20T08:00:00+08:00")

    html = Client().get("/tour/").content.decode()

    free = [codes.encode(batch.first_bag_id + n) for n in range(2, 7)]
    for code in free:
        assert f"/b/{code}" in html
        assert codes.group(code) in html
    assert taken not in html
    assert codes.encode(batch.first_bag_id + 1) not in html
    assert codes.encode(batch.first_bag_id + 7) not in html, "at most five bags"
    assert html.count('<svg role="img"') == 5
    assert "<script>" not in html.split("<main", 1)[1]
    assert "collector / demo12345" in html
