"""The prize shop's test world: pickup places, prizes on the shelf, and workers with points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Member
from engines.ledger.services import entry_post
from modules.prizes.models import PickupPlace, Prize
from modules.prizes.services import place_create, prize_create


def grant(member: Member, amount: int) -> None:
    entry_post(member_id=member.pk, amount=amount, reason="test.grant", source="test")


def make_prize(actor, organisation, places, **overrides) -> Prize:
    today = timezone.localdate()
    values = dict(
        name="环保购物袋",
        organisation=organisation,
        points_price=20,
        stock_listed=10,
        per_person_limit=2,
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=30),
        places=places,
        pickup_days=7,
    )
    values.update(overrides)
    return prize_create(actor=actor, **values)


@dataclass
class Shop:
    office: PickupPlace  # org_a1's union office, operated by admin_a1
    station: PickupPlace  # street A's rest station, operated by collector_a
    station_b: PickupPlace  # street B's rest station (for org_b1)
    bag: Prize  # district-wide, 20 points, 10 in stock, 2 per person
    ticket: Prize  # district-wide, 120 points, 3 in stock, 1 per person
    own: Prize  # org_a1's own prize, picked up at its office only


@pytest.fixture
def shop(world) -> Shop:
    staff = world.district_staff
    office = place_create(
        actor=staff,
        name="某科技公司工会办公室",
        kind=PickupPlace.Kind.UNION_OFFICE,
        organisation=world.org_a1,
        address="西城区什刹海 1 号",
        opening_note="工作日 9:00-17:00",
        operators=[world.admin_a1],
    )
    station = place_create(
        actor=staff,
        name="什刹海职工暖心驿站",
        kind=PickupPlace.Kind.REST_STATION,
        organisation=world.street_a,
        operators=[world.collector_a],
    )
    station_b = place_create(
        actor=staff,
        name="金融街职工暖心驿站",
        kind=PickupPlace.Kind.REST_STATION,
        organisation=world.street_b,
        operators=[world.collector_b],
    )
    bag = make_prize(staff, world.district, [office, station, station_b])
    ticket = make_prize(
        staff, world.district, [office, station, station_b], name="电影票", points_price=120, stock_listed=3, per_person_limit=1
    )
    own = make_prize(world.admin_a1, world.org_a1, [office], name="工会定制帆布包", points_price=40, stock_listed=5, per_person_limit=1)
    for member in (world.worker_a1, world.worker_a1_other, world.worker_b1):
        grant(member, 200)
    return Shop(office=office, station=station, station_b=station_b, bag=bag, ticket=ticket, own=own)
