"""Races with real concurrent transactions on PostgreSQL: approvals can never overspend a purpose,
and one person can never be approved twice for one purpose, whatever the timing."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from core import beneficiaries as people
from core.tests import concurrency
from engines.ledger import selectors as ledger_read
from engines.ledger.selectors import ledger_mismatches, unbalanced_transfers
from engines.workflow.models import Case
from modules.fund import accounts, selectors, services
from modules.fund.models import Application, Beneficiary
from modules.fund.process import KEY
from modules.fund.tests.conftest import make_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 50  # real threads, each with its own connection (the server allows 100 for everyone)


def race(jobs: list, threads: int = THREADS) -> list[tuple[str, str]]:
    """The jobs at once; each outcome (code, message), ("ok", "") for a job that went through."""

    def went_through(job):
        def run():
            job()
            return ("ok", "")

        return run

    return concurrency.race([went_through(job) for job in jobs], threads, outcome_of_error=lambda e: (e.code, str(e.message)))


def waiting_for_approval(world, fw, purpose, count: int, amount: int, *, same_person: bool = False) -> list[Application]:
    """``count`` applications reviewed by the street, each paying one person ``amount`` fen (built
    in bulk: the race is the approval, not the paperwork before it)."""
    applications = Application.objects.bulk_create(
        Application(
            fund=fw.fund,
            purpose=purpose,
            organisation=world.org_a1,
            street=world.street_a,
            title=f"慰问{i}",
            amount=amount,
            beneficiary_count=1,
            created_by=world.admin_a1,
        )
        for i in range(count)
    )
    Beneficiary.objects.bulk_create(
        Beneficiary(
            application=a,
            purpose=purpose,
            name=f"职工{i}",
            id_tail="0000",
            person_key=people.person_key(make_id(0 if same_person else i + 1)),
            amount=amount,
        )
        for i, a in enumerate(applications)
    )
    content_type = ContentType.objects.get_for_model(Application)
    Case.objects.bulk_create(Case(process=KEY, content_type=content_type, object_id=a.pk, state="reviewed") for a in applications)
    return applications


def approve(world, application):
    def run():
        services.application_transition(actor=world.district_staff, application=application, name="approve", expected_state="reviewed")

    return run


def test_five_hundred_concurrent_approvals_against_room_for_a_hundred(world, fw):
    room = services.purpose_add(actor=world.district_staff, fund=fw.fund, name="一线慰问（竞争）", limit=100 * 500_00 + 99)
    applications = waiting_for_approval(world, fw, room, 500, 500_00)

    results = race([approve(world, a) for a in applications])

    assert len(results) == 500
    assert [code for code, _m in results].count("ok") == 100
    refusals = [(code, message) for code, message in results if code != "ok"]
    assert {code for code, _m in refusals} <= {"fund_purpose_exhausted", "workflow_incomplete"}
    assert all("剩余额度不足" in message for _c, message in refusals)  # each is told why
    assert ledger_read.holder_balance(accounts.purpose(fw.fund.pk, room.pk), unit="fen") == 99
    approved = Application.objects.filter(purpose=room, cases__state="approved")
    assert approved.count() == 100
    assert sum(ledger_read.holder_balance(accounts.commit(fw.fund.pk, a.pk), unit="fen") for a in approved) == 100 * 500_00
    assert Application.objects.filter(purpose=room, cases__state="reviewed").count() == 400
    assert not Beneficiary.objects.filter(purpose=room, claimed=True).exclude(application__in=approved).exists()
    status = selectors.purpose_status(room)
    assert (status.committed, status.paid, status.remaining) == (100 * 500_00, 0, 99)
    assert selectors.ledger_check(fw.fund).ok
    assert ledger_mismatches() == [] and unbalanced_transfers() == []


def test_one_person_in_fifty_concurrent_approvals_is_approved_once(world, fw):
    applications = waiting_for_approval(world, fw, fw.frontline, 50, 300_00, same_person=True)

    results = race([approve(world, a) for a in applications], threads=25)

    assert [code for code, _m in results].count("ok") == 1
    assert {code for code, _m in results if code != "ok"} <= {"fund_duplicate_beneficiary", "workflow_incomplete"}
    assert all("不能重复领取" in message for code, message in results if code != "ok")
    assert Beneficiary.objects.filter(purpose=fw.frontline, claimed=True).count() == 1
    assert ledger_read.holder_balance(accounts.purpose(fw.fund.pk, fw.frontline.pk), unit="fen") == 100_000_00 - 300_00
    assert ledger_mismatches() == [] and unbalanced_transfers() == []


# --- receipts: the same paid row confirmed at once ------------------------------------------------


def paid_row_of_worker_a1(world, fw) -> Beneficiary:
    """One paid row listing worker_a1's phone and roster name (so 我的补助 finds it)."""
    from modules.fund.tests.conftest import paid

    row = {"name": world.worker_a1.name, "id_number": make_id(901), "amount": "800", "phone": world.worker_a1.phone}
    application = paid(world, fw, rows=[row])
    return application.beneficiaries.get()


def self_confirm(user_pk: int, row_pk: int):
    def run():
        from core.models import User

        # Each thread its own user object: nothing cached is shared between the connections.
        services.receipt_self_confirm(actor=User.objects.get(pk=user_pk), beneficiary_id=row_pk)

    return run


def receipt_audits(row: Beneficiary) -> tuple[int, int]:
    """(self-confirmations audited for the row, rows the union's confirmations said they changed)."""
    from core.models import AuditLog

    mine = AuditLog.objects.filter(action="fund.receipt_self_confirm", changes__beneficiary=row.pk).count()
    union = sum(
        entry.changes.get("count", 0)
        for entry in AuditLog.objects.filter(action="fund.receipts_confirm", object_id=str(row.application_id))
    )
    return mine, union


def test_twenty_concurrent_self_confirmations_of_one_row_record_one_receipt(world, fw):
    """Two phones of the worker (or a double tap on a slow network) at the same moment: the row is
    locked (SELECT … FOR UPDATE) and re-read, so exactly one confirmation writes and audits; the
    others find it confirmed and answer the same, idempotently."""
    row = paid_row_of_worker_a1(world, fw)

    results = race([self_confirm(world.worker_a1.user.pk, row.pk) for _ in range(20)], threads=20)

    assert results == [("ok", "")] * 20  # every tap is answered "confirmed", none is an error
    row.refresh_from_db()
    assert row.received_at is not None and row.receipt_note == "本人在手机上确认收到"
    assert receipt_audits(row) == (1, 0)


def test_the_worker_and_the_union_confirming_at_once_record_one_receipt(world, fw):
    """The worker's tap and the union's signed list racing on one row: the union's conditional
    UPDATE (… WHERE received_at IS NULL) and the worker's row lock meet, and one of them records it."""
    row = paid_row_of_worker_a1(world, fw)
    application = row.application

    def union_confirms():
        from core.models import User

        admin = User.objects.get(pk=world.admin_a1.pk)
        services.receipts_confirm(actor=admin, application=application, beneficiary_ids=[row.pk], note="已签字领取")

    jobs = [self_confirm(world.worker_a1.user.pk, row.pk), union_confirms] * 5
    results = race(jobs, threads=10)

    assert results == [("ok", "")] * 10
    row.refresh_from_db()
    assert row.received_at is not None
    mine, union = receipt_audits(row)
    assert mine + union == 1  # exactly one of the ten confirmations recorded the receipt
    assert row.receipt_note == ("本人在手机上确认收到" if mine else "已签字领取")
