"""The demo district: realistic, consistent, and built with bulk statements."""

from __future__ import annotations

import random

from django.test import Client

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from core.models import CoverageUnit, Member, MemberTransfer, Organisation
from core.validators import credit_code_error


def test_tiny_demo_tree_is_consistent(db):
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(7), progress=False)
    seed_tree(ctx)
    grassroots = Organisation.objects.filter(level="grassroots")
    assert grassroots.count() == 30
    for org in grassroots:
        assert org.member_count == Member.objects.filter(organisation=org, status="active").count()
        assert org.path.startswith(org.parent.path) and org.street_id is not None
        if org.credit_code:
            assert credit_code_error(org.credit_code) is None
    assert Member.objects.count() >= 500
    assert MemberTransfer.objects.exists()
    assert CoverageUnit.objects.filter(union__isnull=True).exists() and CoverageUnit.objects.filter(union__isnull=False).exists()
    assert Client().post("/login/", {"username": "district", "password": "demo12345"}).status_code == 302
    assert Member.objects.filter(phone="13800000001").exists()
    first = Member.objects.order_by("pk").first()
    assert first.created_at is not None and isinstance(first.tags, list)
