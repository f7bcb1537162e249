"""Build bags and collections straight through the ORM, with exactly the fields a test chooses.

The bag programme's own services are not used on purpose: these tests need scans at chosen
times, categories, grades and weights (and late arrivals), which only direct rows give.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from modules.bags.models import Bag, BagBatch, Collection, CollectionPoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
_client_ids = itertools.count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Beijing) time."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def point(street, name: str = "收集点", collectors=()) -> CollectionPoint:
    p = CollectionPoint.objects.create(name=name, street=street)
    if collectors:
        p.collectors.set(collectors)
    return p


def issue(organisation, n: int, *, when: datetime | None = None, owner=None) -> list[Bag]:
    """A ready batch of ``n`` bags for the union (bound to ``owner`` if given)."""
    kwargs = {"created_at": when} if when else {}
    batch = BagBatch.objects.create(organisation=organisation, size=n, created=n, status=BagBatch.Status.READY, **kwargs)
    bags = Bag.objects.bulk_create([Bag(batch=batch, organisation=organisation, owner=owner) for _ in range(n)])
    return bags


def collect(
    bag: Bag,
    *,
    point: CollectionPoint,
    collector,
    when: datetime,
    category: str = "kitchen",
    grade: str = "correct",
    grams: int | None = None,
    reasons=(),
    owner=None,
    organisation=None,
) -> Collection:
    organisation = organisation or bag.organisation
    owner = owner if owner is not None else bag.owner
    return Collection.objects.create(
        bag=bag,
        client_id=f"t-{next(_client_ids)}",
        point=point,
        collector=collector,
        category=category,
        grade=grade,
        reasons=list(reasons),
        weight_grams=grams,
        collected_at=when,
        owner=owner,
        organisation=organisation,
        street_id=organisation.street_id,
        points_awarded=0,
    )


def scan(organisation, *, point: CollectionPoint, collector, when: datetime, owner=None, **kwargs) -> Collection:
    """Issue one bag (in a batch dated ``when``) and collect it."""
    bag = issue(organisation, 1, when=when, owner=owner)[0]
    return collect(bag, point=point, collector=collector, when=when, owner=owner, **kwargs)


def bulk_scans(
    organisation,
    *,
    point: CollectionPoint,
    collector,
    times,
    category: str = "kitchen",
    grade: str = "correct",
    grams: int | None = 1000,
    owner=None,
    reasons=(),
) -> int:
    """Many scans of one kind at the given times, in four queries (one batch, its bags, their collections)."""
    times = list(times)
    batch = BagBatch.objects.create(
        organisation=organisation, size=len(times), created=len(times), status=BagBatch.Status.READY, created_at=min(times)
    )
    bags = Bag.objects.bulk_create([Bag(batch=batch, organisation=organisation, owner=owner, collected_at=t) for t in times])
    Collection.objects.bulk_create(
        [
            Collection(
                bag=bag,
                client_id=f"t-{next(_client_ids)}",
                point=point,
                collector=collector,
                category=category,
                grade=grade,
                reasons=list(reasons),
                weight_grams=grams,
                collected_at=t,
                owner=owner,
                organisation=organisation,
                street_id=organisation.street_id,
                points_awarded=0,
            )
            for bag, t in zip(bags, times, strict=True)
        ]
    )
    return len(times)
