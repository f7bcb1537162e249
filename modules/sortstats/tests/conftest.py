"""A small November in two streets whose every figure was computed by hand (see test_figures.py)."""

from dataclasses import dataclass
from datetime import date

import pytest

from core.models import Member
from modules.sortstats import services
from modules.sortstats.tests.helpers import at, issue, point, scan


@dataclass
class November:
    world: object
    p_a: object
    p_b: object


@pytest.fixture
def november(world) -> November:
    """Period under test: Monday 2 – Sunday 8 November 2026; the previous period: 26 Oct – 1 Nov."""
    w = world
    Member.objects.update(joined_on=date(2026, 1, 1))
    p_a = point(w.street_a, "什刹海一号收集点", [w.collector_a])
    p_b = point(w.street_b, "金融街一号收集点", [w.collector_b])
    a, b = dict(point=p_a, collector=w.collector_a), dict(point=p_b, collector=w.collector_b)
    # 1-7: the period
    scan(w.org_a1, **a, when=at(date(2026, 11, 2), 8, 0), category="kitchen", grams=2000, owner=w.worker_a1)
    scan(
        w.org_a1,
        **a,
        when=at(date(2026, 11, 2), 8, 30),
        category="kitchen",
        grade="wrong",
        grams=1000,
        owner=w.worker_a1,
        reasons=["not_drained"],
    )
    scan(w.org_a1, **a, when=at(date(2026, 11, 3), 19, 0), category="recyclable", grams=500, owner=w.worker_a1_other)
    scan(w.org_a2, **a, when=at(date(2026, 11, 3), 19, 10), category="other", grams=None)
    scan(
        w.org_b1,
        **b,
        when=at(date(2026, 11, 4), 7, 0),
        category="hazardous",
        grade="wrong",
        grams=100,
        owner=w.worker_b1,
        reasons=["battery", "medicine"],
    )
    scan(w.org_b1, **a, when=at(date(2026, 11, 4), 7, 20), category="kitchen", grams=3000, owner=w.worker_b1)
    scan(w.org_i1, **b, when=at(date(2026, 11, 8), 23, 59), category="kitchen", grams=1500)
    # 8: just after the period (local midnight)
    scan(w.org_a1, **a, when=at(date(2026, 11, 9), 0, 0), category="kitchen", grams=1000, owner=w.worker_a1)
    # 9-10: the previous period
    scan(w.org_a1, **a, when=at(date(2026, 11, 1), 23, 0), category="kitchen", grams=1000, owner=w.worker_a1)
    scan(w.org_b1, **b, when=at(date(2026, 10, 30), 12, 0), category="kitchen", grade="wrong", grams=2000, owner=w.worker_b1)
    # ten bags issued to org_a1 on 5 November, never used
    issue(w.org_a1, 10, when=at(date(2026, 11, 5), 9))
    services.rollups_rebuild()
    return November(world=w, p_a=p_a, p_b=p_b)
