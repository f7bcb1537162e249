"""The demo seeder: a wish fulfilled with a photo, a loan approved by two people with its subsidy
paid through the ledger, a counselling booking whose notes only the counsellor reads."""

from __future__ import annotations

import random

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from modules.care.demo import seed_care
from modules.care.models import Booking, LoanApplication, Wish, WishClaim


def test_the_demo_shows_each_part(db, settings, tmp_path):
    from engines.ledger import selectors as ledger_read
    from modules.care import services

    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(7), progress=False)
    seed_tree(ctx)
    seed_care(ctx)
    assert Wish.objects.filter(status="fulfilled").count() == 1
    assert Wish.objects.filter(status="published").count() >= 3
    assert WishClaim.objects.filter(status="pending").count() == 1
    loan = LoanApplication.objects.get()
    assert loan.maker_id and loan.checker_id and loan.maker_id != loan.checker_id
    assert services.loan_case(loan).state == "lending"
    paid = sum(r.subsidy_paid for r in loan.repayments.all())
    assert paid > 0 and ledger_read.balance_of(loan.member_id, unit="fen") == paid
    assert Booking.objects.filter(status="booked").count() == 2
