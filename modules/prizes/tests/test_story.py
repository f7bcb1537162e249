"""A worker's whole story through the pages: browse → redeem → pickup code → handed over at the right place."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from engines.ledger.models import Entry
from engines.ledger.selectors import balance_of, ledger_mismatches
from modules.prizes.models import Redemption

pytestmark = pytest.mark.django_db


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)


def test_a_worker_redeems_a_prize_and_collects_it_at_the_union_office(world, shop):
    worker = world.client_for(world.worker_a1)

    home = worker.get(reverse("prizes:home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert "环保购物袋" in page and "电影票" in page and "工会定制帆布包" in page
    assert '<div class="big-number" data-testid="balance">200</div>' in page

    detail = worker.get(reverse("prizes:detail", args=[shop.bag.pk]))
    assert "某科技公司工会办公室" in detail.content.decode() and "请选择取货点" in detail.content.decode()
    unchosen = worker.get(reverse("prizes:redeem", args=[shop.bag.pk]))
    assert unchosen.status_code == 200 and "请选择取货点" in str(unchosen.context["form"].errors["place"])

    confirm = worker.get(reverse("prizes:redeem", args=[shop.bag.pk]), {"place": shop.office.pk})
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "确认兑换" in text and "180" in text  # balance after
    key = _key(text)

    done = worker.post(reverse("prizes:redeem", args=[shop.bag.pk]), {"place": shop.office.pk, "idempotency_key": key})
    redemption = Redemption.objects.get()
    assert done.status_code == 302 and done.url == reverse("prizes:my_detail", args=[redemption.pk])
    assert balance_of(world.worker_a1.pk) == 180
    shop.bag.refresh_from_db()
    assert shop.bag.stock == 9

    # The same form sent twice (a double tap) is the same redemption, not a second one.
    again = worker.post(reverse("prizes:redeem", args=[shop.bag.pk]), {"place": shop.office.pk, "idempotency_key": key})
    assert again.url == done.url and Redemption.objects.count() == 1 and balance_of(world.worker_a1.pk) == 180

    ticket = worker.get(done.url).content.decode()
    assert redemption.display_code in ticket and "待领取" in ticket
    qr = worker.get(reverse("prizes:my_qr", args=[redemption.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    # A full QR code (21+ modules, here 25 with the border, 8 px each), never a Micro QR: phone and jsQR scanners can't read those.
    width = int(re.search(rb'width="(\d+)"', qr.content).group(1))
    assert width >= (21 + 4) * 8

    mine = worker.get(reverse("prizes:my")).content.decode()
    assert "环保购物袋" in mine and redemption.display_code in mine

    # The operator at the street's rest station is refused: this prize is to be collected at the office.
    station = world.client_for(world.collector_a)
    refused = station.post(reverse("prizes:pickup"), {"place": shop.station.pk, "code": redemption.display_code})
    assert refused.status_code == 400 and "某科技公司工会办公室" in refused.content.decode()

    # The union office's operator scans it (a scanner types the code and Enter): handed over.
    office = world.client_for(world.admin_a1)
    scanned = office.post(reverse("prizes:pickup"), {"place": shop.office.pk, "code": redemption.display_code.lower() + "\n"})
    assert scanned.status_code == 200
    body = scanned.content.decode()
    assert "核销成功" in body and "张*明" in body
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.HANDED_OVER and redemption.handed_over_by == world.admin_a1

    twice = office.post(reverse("prizes:pickup"), {"place": shop.office.pk, "code": redemption.code})
    assert twice.status_code == 400 and "不能重复领取" in twice.content.decode()
    # The box is emptied for the next scan; the refused code is shown above it.
    assert twice.context["form"]["code"].value() == "" and twice.context["rejected"] == redemption.code

    assert "已领取" in worker.get(done.url).content.decode()
    entries = list(Entry.objects.filter(source=redemption.source).values_list("reason", "amount"))
    assert entries == [("prizes.redeem", -20)]
    assert ledger_mismatches() == []


def test_a_worker_cannot_see_or_redeem_another_unions_prize(world, shop):
    outsider = world.client_for(world.worker_b1)
    assert "工会定制帆布包" not in outsider.get(reverse("prizes:home")).content.decode()
    assert outsider.get(reverse("prizes:detail", args=[shop.own.pk])).status_code == 404
    assert (
        outsider.post(reverse("prizes:redeem", args=[shop.own.pk]), {"place": shop.office.pk, "idempotency_key": "k" * 16}).status_code
        == 404
    )


def test_a_worker_cannot_open_someone_elses_pickup_code(world, shop):
    from modules.prizes.services import redemption_create

    r = redemption_create(
        actor=None, member=world.worker_a1, prize_id=shop.bag.pk, place_id=shop.office.pk, idempotency_key="a" * 16
    ).redemption
    other = world.client_for(world.worker_a1_other)
    assert other.get(reverse("prizes:my_detail", args=[r.pk])).status_code == 404
    assert other.get(reverse("prizes:my_qr", args=[r.pk])).status_code == 404


def test_not_enough_points_is_said_on_the_page_with_the_reason(world, shop):
    from engines.ledger.services import entry_post

    entry_post(member_id=world.worker_a1.pk, amount=-150, reason="test.spend")  # 50 left, the ticket costs 120
    worker = world.client_for(world.worker_a1)
    detail = worker.get(reverse("prizes:detail", args=[shop.ticket.pk])).content.decode()
    assert "积分不足（还差 70 分）" in detail
    response = worker.post(reverse("prizes:redeem", args=[shop.ticket.pk]), {"place": shop.office.pk, "idempotency_key": "b" * 16})
    assert response.status_code == 400
    assert "积分不足：当前 50，需要 120" in response.content.decode()
    assert Redemption.objects.count() == 0 and balance_of(world.worker_a1.pk) == 50


def test_anonymous_visitors_are_sent_to_the_phone_login(client, world, shop):
    response = client.get(reverse("prizes:home"))
    assert response.status_code == 302 and reverse("core:worker_login") in response.url


def test_the_union_office_operator_sees_the_pickup_entry_and_the_page(world, shop):
    office = world.client_for(world.collector_a)
    page = office.get(reverse("prizes:pickup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "什刹海职工暖心驿站" in html and "某科技公司工会办公室" not in html  # only the places they operate
    # the camera's fallback decoder is fetched only when the camera opens (core/qrscan.js)
    assert 'src="/static/core/qrscan.js"' in html and 'src="/static/vendor/jsQR.js"' not in html and "<script>" not in html
    assert world.client_for(world.worker_a1).get(reverse("prizes:pickup")).status_code == 403
    # An operator who is not a member lands on the pickup desk from the shop's address.
    assert office.get(reverse("prizes:home")).url == reverse("prizes:pickup")
    assert world.client_for(world.inspector).get(reverse("prizes:home")).status_code == 403
