# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""The demo seeder builds points, batches, bindings and months of collections — consistently."""

import random

import pytest

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from engines.ledger.selectors import ledger_mismatches
from modules.bags import codes, demo
from modules.bags.models import Bag, BagBatch, Collection, CollectionPoint, Grade


@pytest.mark.django_db
def test_demo_seed_is_consistent():
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(7), progress=False)
    seed_tree(ctx)
    demo.seed(ctx)
    assert CollectionPoint.objects.count() == 2 * len(ctx.streets)
    collector_points = CollectionPoint.objects.filter(collectors=ctx.users["collector"])
    role_street = ctx.users["collector"].roles.get().organisation_id  # 什刹海 at the default scale
    assert collector_points.exists() and all(p.street_id == role_street for p in collector_points)
    assert BagBatch.objects.count() > 5
    collections = Collection.objects.count()
    assert collections > 500
    correct = Collection.objects.filter(grade=Grade.CORRECT).count() / collections
    assert 0.78 < correct < 0.92
    assert Bag.objects.filter(collected_at__isnull=False).count() == collections
    assert ledger_mismatches() == []
    tour = [line.split()[0] for line in ctx.notes[1:]]
    assert len(tour) == 5
    union = ctx.demo_workers[0].organisation
    for grouped in tour:
        parsed = codes.parse(grouped)
        bag = Bag.objects.get(pk=parsed.bag_id)
        assert bag.organisation_id == union.pk and bag.owner_id is None and bag.collected_at is None
    assert Bag.objects.filter(owner=ctx.demo_workers[0]).exists()
