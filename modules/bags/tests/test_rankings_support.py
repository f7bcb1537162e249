"""Building collections for the worker-side tests (no tests here).

Collections are made as the field side records them: one bag each, with the denormalised
owner, union, street and points; the boards are fed through ``rankings.on_collection``.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from modules.bags import rankings
from modules.bags.models import Bag, BagBatch, Collection, CollectionPoint, Grade

_seq = itertools.count(1)


def collect(
    member=None,
    *,
    organisation=None,
    collector,
    category="kitchen",
    grade=Grade.CORRECT,
    points=None,
    at: datetime | None = None,
    reasons=None,
    feed=True,
) -> Collection:
    """One bag of ``member`` (or an anonymous bag of ``organisation``) collected at ``at``."""
    organisation = organisation or member.organisation
    street_id = organisation.street_id
    batch = BagBatch.objects.create(organisation=organisation, size=1, created=1, status=BagBatch.Status.READY)
    bag = Bag.objects.create(batch=batch, organisation=organisation, owner=member, collected_at=at or timezone.now())
    point = CollectionPoint.objects.filter(street_id=street_id).first() or CollectionPoint.objects.create(
        name="测试收集点", street_id=street_id
    )
    if points is None:
        points = 1 if grade == Grade.CORRECT and member is not None else 0
    collection = Collection.objects.create(
        bag=bag,
        client_id=f"t-{next(_seq)}-{bag.pk}",
        point=point,
        collector=collector,
        category=category,
        grade=grade,
        reasons=reasons or ([] if grade == Grade.CORRECT else ["mixed_other"]),
        collected_at=at or timezone.now(),
        owner=member,
        organisation=organisation,
        street_id=street_id,
        points_awarded=points,
    )
    if feed:
        rankings.on_collection(collection)
    return collection
