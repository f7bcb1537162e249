"""The demo's year disburses the article's 2.48 million yuan across the three purposes, the books
balance, and each demo role finds work waiting."""

from __future__ import annotations

import random

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from engines.ledger.selectors import ledger_mismatches, unbalanced_transfers
from modules.fund import selectors, services
from modules.fund.demo import PAST_YEAR, seed_fund
from modules.fund.models import Application, Fund


def test_the_demo_year_disburses_two_point_four_eight_million_and_leaves_work_for_each_role(db, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(2020), progress=False)
    seed_tree(ctx)
    seed_fund(ctx)
    past = Fund.objects.get(year=PAST_YEAR)
    status = selectors.fund_status(past)
    assert status.paid == 2_480_000_00 and status.committed == 0
    assert {p.purpose.name: p.paid for p in status.purposes} == {
        "慰问一线职工": 1_280_000_00,
        "支持基层工会防疫": 760_000_00,
        "助力小微企业复工复产": 440_000_00,
    }
    assert selectors.review_section(PAST_YEAR, ctx.users["district"])["total_fen"] == 2_480_000_00
    assert selectors.ledger_check(past).ok
    assert ledger_mismatches() == [] and unbalanced_transfers() == []
    states = {services.case_of(a).state for a in Application.objects.exclude(fund=past)}
    assert states == {"draft", "submitted", "reviewed", "approved", "paid"}
    district = selectors.applications_visible_to(ctx.users["district"]).filter(cases__state="reviewed")
    assert any(selectors.approval_outlook(a).warn for a in district)
