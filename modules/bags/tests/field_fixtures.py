"""A bag world on top of core's ``world``: batches for two unions, a point per street."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from modules.bags import codes, services
from modules.bags.models import BagBatch, CollectionPoint


@dataclass
class Bags:
    batch_a1: BagBatch
    batch_b1: BagBatch
    point_a: CollectionPoint
    point_b: CollectionPoint

    def code(self, batch: BagBatch, n: int = 0) -> str:
        return codes.encode(batch.first_bag_id + n)


def scan(client_id: str, code: str, point: CollectionPoint, **extra) -> dict:
    body = {"client_id": client_id, "code": code, "point_id": point.pk, "category": "kitchen", "grade": "correct"}
    body.update(extra)
    return body


@pytest.fixture
def bags(world) -> Bags:
    batch_a1 = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=40)
    batch_b1 = services.batch_create(actor=world.district_staff, organisation=world.org_b1, size=20)
    point_a = services.point_create(
        actor=world.district_staff, street=world.street_a, name="什刹海垃圾分类驿站", collectors=[world.collector_a]
    )
    point_b = services.point_create(
        actor=world.district_staff, street=world.street_b, name="金融街集中收集点", collectors=[world.collector_b]
    )
    return Bags(batch_a1, batch_b1, point_a, point_b)


def bind(world, member, code: str):
    return services.bag_bind(actor=member.user, code=code)
