"""Microloans: application with documents, maker–checker approval, the bank's decision, the
repayment schedule, overdue alerts and the interest subsidy paid through the money ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.attachments import attachment_add
from core.errors import ApiError, Forbidden, Invalid
from core.models import Notification
from modules.care import services
from modules.care.models import LoanApplication, Repayment

LOAN = {
    "group": "young_entrepreneur",
    "business_name": "社区咖啡馆",
    "business_plan": "装修与设备",
    "amount": 20_000_000,
    "term_months": 24,
}


def _submitted(world) -> LoanApplication:
    borrower = world.worker_a1.user
    loan = services.loan_create(actor=borrower, data=dict(LOAN))
    attachment_add(actor=borrower, owner=loan, upload=SimpleUploadedFile("执照.pdf", b"%PDF-1.4\n1\n"))
    services.loan_transition(actor=borrower, loan=loan, name="submit")
    return loan


def _approved(world, checker) -> LoanApplication:
    loan = _submitted(world)
    services.loan_transition(actor=world.street_a_staff, loan=loan, name="review")
    loan.refresh_from_db()
    services.loan_transition(actor=checker, loan=loan, name="approve")
    loan.refresh_from_db()
    return loan


def test_limits_of_the_scheme_are_enforced(world):
    for field, value in (("amount", 50_000_001), ("term_months", 49), ("group", "rich")):
        with pytest.raises(Invalid) as error:
            services.loan_create(actor=world.worker_a1.user, data={**LOAN, field: value})
        assert error.value.field == field
    assert not LoanApplication.objects.exists()


def test_a_loan_cannot_be_submitted_without_documents(world):
    loan = services.loan_create(actor=world.worker_a1.user, data=dict(LOAN))
    with pytest.raises(ApiError) as error:
        services.loan_transition(actor=world.worker_a1.user, loan=loan, name="submit")
    assert error.value.code == "workflow_incomplete"


def test_maker_and_checker_must_be_two_people(world, checker):
    loan = _submitted(world)
    services.loan_transition(actor=world.district_staff, loan=loan, name="review")
    loan.refresh_from_db()
    assert loan.maker == world.district_staff
    with pytest.raises(Forbidden):  # the maker cannot approve their own review
        services.loan_transition(actor=world.district_staff, loan=loan, name="approve")
    with pytest.raises(ApiError):  # street staff are not checkers
        services.loan_transition(actor=world.street_a_staff, loan=loan, name="approve")
    services.loan_transition(actor=checker, loan=loan, name="approve")
    loan.refresh_from_db()
    assert loan.checker == checker and services.loan_case(loan).state == "approved"


def test_another_streets_staff_cannot_review(world):
    loan = _submitted(world)
    with pytest.raises(ApiError):
        services.loan_transition(actor=world.street_b_staff, loan=loan, name="review")


def test_the_schedule_adds_up_to_the_loan():
    rows = services.repayment_schedule(1_000_000, 3, 360, date(2026, 1, 31))
    assert [r["principal"] for r in rows] == [333_333, 333_333, 333_334]
    assert sum(r["principal"] for r in rows) == 1_000_000
    # 10,000 yuan at 3.6 % a year: 30 yuan the first month, on the balance after.
    assert [r["interest"] for r in rows] == [3000, 2000, 1000]
    assert [r["due_on"] for r in rows] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_the_bank_decision_makes_the_schedule(world, checker):
    loan = _approved(world, checker)
    start = timezone.localdate() - timedelta(days=40)
    services.loan_bank_decision(
        actor=world.district_staff, loan=loan, approved=True, reference="B-1", amount=12_000_000, annual_rate_bp=345, disbursed_on=start
    )
    assert services.loan_case(loan).state == "lending"
    assert loan.repayments.count() == 24
    assert sum(loan.repayments.values_list("principal", flat=True)) == 12_000_000
    with pytest.raises(Invalid):  # more than asked for
        other = _approved(world, checker)
        services.loan_bank_decision(
            actor=world.district_staff,
            loan=other,
            approved=True,
            reference="B-2",
            amount=30_000_000,
            annual_rate_bp=345,
            disbursed_on=start,
        )


def test_overdue_instalments_alert_once(world, checker):
    loan = _approved(world, checker)
    start = timezone.localdate() - timedelta(days=70)
    services.loan_bank_decision(
        actor=world.district_staff, loan=loan, approved=True, reference="B-1", amount=2_400_000, annual_rate_bp=345, disbursed_on=start
    )
    before = Notification.objects.filter(recipient=world.worker_a1.user).count()
    assert services.repayments_overdue_alert() == "2 overdue instalments"
    assert services.repayments_overdue_alert() == "0 overdue instalments"
    assert Repayment.objects.filter(status="overdue").count() == 2
    assert Notification.objects.filter(recipient=world.worker_a1.user).count() == before + 2


def _lending(world, checker) -> LoanApplication:
    loan = _approved(world, checker)
    start = timezone.localdate() - timedelta(days=70)
    services.loan_bank_decision(
        actor=world.district_staff, loan=loan, approved=True, reference="B-1", amount=2_400_000, annual_rate_bp=360, disbursed_on=start
    )
    return loan


def test_the_interest_subsidy_is_paid_through_the_ledger_once(world, checker):
    from engines.ledger import selectors as ledger_read

    loan = _lending(world, checker)
    services.subsidy_pool_fund(actor=world.district_staff, amount=1_000_000, key="2026")
    services.subsidy_pool_fund(actor=world.district_staff, amount=1_000_000, key="2026")  # a retry moves nothing twice
    assert ledger_read.holder_balance(services.SUBSIDY_POOL, unit="fen") == 1_000_000
    first, second = loan.repayments.order_by("seq")[:2]
    services.repayment_record(actor=world.district_staff, repayment=first, paid_on=first.due_on)
    services.repayment_record(actor=world.district_staff, repayment=second, paid_on=second.due_on)
    # 24,000 yuan at 3.6 %: 72 yuan the first month, then 69 on 23,000 yuan owed.
    assert (first.interest, second.interest) == (7200, 6900)
    assert ledger_read.balance_of(world.worker_a1.pk, unit="fen") == 7200 + 6900
    assert ledger_read.holder_balance(services.SUBSIDY_POOL, unit="fen") == 1_000_000 - 14_100
    with pytest.raises(ApiError):
        services.repayment_record(actor=world.district_staff, repayment=first, paid_on=first.due_on)
    assert ledger_read.balance_of(world.worker_a1.pk, unit="fen") == 14_100
    with pytest.raises(Forbidden):
        services.repayment_record(actor=world.street_a_staff, repayment=loan.repayments.get(seq=3), paid_on=first.due_on)


def test_an_empty_pool_pays_nothing_and_leaves_the_instalment_due(world, checker):
    from engines.ledger import selectors as ledger_read

    loan = _lending(world, checker)
    first = loan.repayments.get(seq=1)
    with pytest.raises(ApiError) as error:
        services.repayment_record(actor=world.district_staff, repayment=first, paid_on=first.due_on)
    assert error.value.code == "insufficient_balance"
    first.refresh_from_db()
    assert first.status != "paid" and ledger_read.balance_of(world.worker_a1.pk, unit="fen") == 0


def test_the_last_instalment_settles_the_loan(world, checker):
    loan = _approved(world, checker)
    services.loan_bank_decision(
        actor=world.district_staff,
        loan=loan,
        approved=True,
        reference="B-9",
        amount=100_000,
        annual_rate_bp=300,
        disbursed_on=timezone.localdate(),
    )
    services.subsidy_pool_fund(actor=world.district_staff, amount=100_000, key="settle")
    loan.refresh_from_db()
    for repayment in loan.repayments.order_by("seq"):
        services.repayment_record(actor=world.district_staff, repayment=repayment, paid_on=repayment.due_on)
    assert services.loan_case(loan).state == "repaid"


def test_every_loan_transition_by_every_role(world, checker):
    from engines.workflow.models import Case
    from engines.workflow.testing import transition_matrix
    from modules.care.process import LOAN, LOAN_PROCESS

    base = _submitted(world)
    LoanApplication.objects.filter(pk=base.pk).update(maker=world.street_a_staff)

    def make_case(state):
        case = Case.objects.get(object_id=base.pk, process=LOAN)
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        return case

    actors = {
        "borrower": world.worker_a1.user,
        "colleague": world.worker_a1_other.user,
        "grassroots_own": world.admin_a1,
        "street_own": world.street_a_staff,
        "street_other": world.street_b_staff,
        "district": world.district_staff,
        "checker": checker,
    }
    cells = transition_matrix(LOAN_PROCESS, make_case=make_case, actors=actors)
    allowed = {(state, name, who) for (state, name, who), ok in cells.items() if ok}
    makers = ("street_own", "district", "checker")
    expected = {
        ("draft", "submit", "borrower"),
        ("returned", "submit", "borrower"),
        *{("submitted", t, who) for t in ("return", "review", "reject") for who in makers},
        # the first review was street_own's: they may not approve it, any district staff may
        *{("reviewed", "approve", who) for who in ("district", "checker")},
        *{("reviewed", "reject", who) for who in makers},
    }
    assert allowed == expected
