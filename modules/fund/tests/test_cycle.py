"""The fund as its users live it: a union applies with its list of front-line workers, the street
reviews, the district approves (the money is reserved), finance pays, the union confirms who
received it, unspent money comes back — and every figure matches the ledger to the fen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import beneficiaries
from core.errors import ApiError
from core.models import Notification
from engines.ledger import selectors as ledger_read
from engines.workflow.selectors import timeline
from modules.fund import accounts, selectors, services
from modules.fund.models import Beneficiary
from modules.fund.tests.conftest import approved, draft, make_id, paid, people, reviewed


def state(application) -> str:
    return services.case_of(application).state


def balance(key: str) -> int:
    return ledger_read.holder_balance(key, unit="fen")


def test_the_budget_arrives_from_the_source_and_is_allocated_to_the_purposes(world, fw):
    f = fw.fund.pk
    assert balance(accounts.source(f)) == -300_000_00
    assert balance(accounts.budget(f)) == 70_000_00  # not allocated
    assert balance(accounts.purpose(f, fw.frontline.pk)) == 100_000_00
    with pytest.raises(ApiError) as over:
        services.purpose_add(actor=world.district_staff, fund=fw.fund, name="其他", limit=70_000_01)
    assert over.value.code == "fund_over_total"
    assert "未分配预算仅剩 70,000.00 元" in over.value.message


def test_the_whole_cycle_reserves_at_approval_pays_at_payout_and_counts_both(world, fw):
    application = draft(world, fw)  # 500 + 500 + 800 = 1,800 yuan
    assert application.amount == 1800_00 and application.beneficiary_count == 3
    services.application_transition(actor=world.admin_a1, application=application, name="submit")
    assert Notification.objects.filter(recipient=world.street_a_staff, title="专项基金申请：提交申请").exists()
    with pytest.raises(ApiError) as wrong_street:
        services.application_transition(actor=world.street_b_staff, application=application, name="pass")
    assert wrong_street.value.code == "workflow_forbidden"
    services.application_transition(actor=world.street_a_staff, application=application, name="pass")
    outlook = selectors.approval_outlook(application)
    assert (outlook.remaining_before, outlook.remaining_after, outlook.blocked) == (100_000_00, 98_200_00, False)

    services.application_transition(actor=world.district_staff, application=application, name="approve")
    f, p = fw.fund.pk, fw.frontline.pk
    assert balance(accounts.purpose(f, p)) == 98_200_00
    assert balance(accounts.commit(f, application.pk)) == 1800_00
    status = selectors.purpose_status(fw.frontline)
    assert (status.committed, status.paid, status.remaining) == (1800_00, 0, 98_200_00)

    services.disbursement_record(actor=fw.finance, application=application, reference="FK-2026-001", paid_on=timezone.localdate())
    assert state(application) == "paid"
    assert balance(accounts.commit(f, application.pk)) == 0
    assert balance(accounts.paid(f, application.pk)) == 1800_00
    status = selectors.purpose_status(fw.frontline)
    assert (status.committed, status.paid, status.remaining) == (0, 1800_00, 98_200_00)

    with pytest.raises(ApiError) as early:
        services.application_transition(actor=world.admin_a1, application=application, name="complete")
    assert "还有 3 人未确认领取" in early.value.message
    ids = list(application.beneficiaries.values_list("pk", flat=True))
    assert services.receipts_confirm(actor=world.admin_a1, application=application, beneficiary_ids=ids, note="已签字领取") == 3
    services.application_transition(actor=world.admin_a1, application=application, name="complete")
    assert [e.action for e in timeline(services.case_of(application))] == [
        "创建",
        "提交申请",
        "街道审核通过",
        "审批通过（预留资金）",
        "财务拨付",
        "办结",
    ]
    assert selectors.ledger_check(fw.fund).ok


def test_payment_needs_a_reference_and_a_date_and_a_reference_is_used_once(world, fw):
    first = paid(world, fw, reference="FK-1")
    second = approved(world, fw, rows=people(300, start=10))
    with pytest.raises(ApiError) as via_button:
        services.application_transition(actor=world.district_staff, application=second, name="pay")
    assert via_button.value.code == "fund_pay_needs_reference"
    with pytest.raises(ApiError) as future:
        services.disbursement_record(
            actor=fw.finance, application=second, reference="FK-2", paid_on=timezone.localdate() + timedelta(days=1)
        )
    assert future.value.field == "paid_on"
    with pytest.raises(ApiError) as reused:
        services.disbursement_record(actor=fw.finance, application=second, reference="FK-1", paid_on=timezone.localdate())
    assert reused.value.code == "fund_reference_taken"
    assert state(second) == "approved" and balance(accounts.commit(fw.fund.pk, second.pk)) == 300_00
    with pytest.raises(ApiError) as not_district:
        services.disbursement_record(actor=world.admin_a1, application=second, reference="FK-3", paid_on=timezone.localdate())
    assert not_district.value.code == "fund_forbidden"
    assert first.disbursement.reference == "FK-1"


def test_a_purpose_cannot_be_overspent_and_the_district_is_warned_before(world, fw):
    small = services.purpose_add(actor=world.district_staff, fund=fw.fund, name="应急", limit=2000_00)
    first = reviewed(world, fw, purpose=small, rows=people(900, 900))  # 1,800 of 2,000: 90 %
    outlook = selectors.approval_outlook(first)
    assert outlook.warn and not outlook.blocked and outlook.used_percent_after == 90
    services.application_transition(actor=world.district_staff, application=first, name="approve")
    assert Notification.objects.filter(recipient=world.district_staff, title__startswith="专项基金预警：“应急”已使用 90%").exists()
    second = reviewed(world, fw, purpose=small, rows=people(300, start=20))
    assert selectors.approval_outlook(second).blocked
    with pytest.raises(ApiError) as blocked:
        services.application_transition(actor=world.district_staff, application=second, name="approve")
    assert blocked.value.code == "workflow_incomplete"
    assert "“应急”剩余额度不足：剩余 200.00 元，本申请 300.00 元" in blocked.value.message
    assert state(second) == "reviewed" and balance(accounts.purpose(fw.fund.pk, small.pk)) == 200_00


def test_cancelling_an_approval_releases_the_reservation_and_the_claims(world, fw):
    application = approved(world, fw)
    services.application_transition(actor=world.district_staff, application=application, name="cancel", comment="单位已自筹解决")
    assert balance(accounts.purpose(fw.fund.pk, fw.frontline.pk)) == 100_000_00
    assert balance(accounts.commit(fw.fund.pk, application.pk)) == 0
    assert not application.beneficiaries.filter(claimed=True).exists()
    again = approved(world, fw, organisation=world.org_a1)  # the same people may now be approved elsewhere
    assert state(again) == "approved"


def test_nobody_receives_twice_for_the_same_purpose_unless_it_allows_it(world, fw):
    approved(world, fw, rows=people(500, 500))
    twice = reviewed(world, fw, rows=people(500, start=2) + people(600, start=50))  # 职工2 again
    with pytest.raises(ApiError) as refused:
        services.application_transition(actor=world.district_staff, application=twice, name="approve")
    assert "以下人员已在该用途领取过，不能重复领取：职*2（" in refused.value.message
    # Another purpose is another matter; a purpose that allows repeats takes the same person twice.
    approved(world, fw, purpose=fw.prevention, rows=people(500, 500))
    approved(world, fw, purpose=fw.smes, rows=people(1000))
    approved(world, fw, purpose=fw.smes, rows=people(1000))
    # The database itself refuses a second claim, whatever the code above it does.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        twice.beneficiaries.update(claimed=True, exclusive=True)


def test_the_same_person_is_visible_across_programmes(world, fw):
    application = approved(world, fw, rows=people(500))
    key = beneficiaries.person_key(make_id(1))
    found = beneficiaries.history([key])
    assert [(b.programme, b.amount, b.status) for b in found] == [("抗疫专项基金 · 慰问一线职工", 500_00, "已批准待拨付")]
    assert found[0].url == application.get_absolute_url()
    assert "modules.fund.selectors.benefits_of" in beneficiaries.sources()


def test_returns_of_unspent_money_go_back_to_the_purpose(world, fw):
    application = paid(world, fw)  # 1,800
    one = application.beneficiaries.order_by("pk").first()
    services.refund_record(
        actor=fw.finance,
        application=application,
        amount=500_00,
        reason="该职工已调离，未领取",
        returned_on=timezone.localdate(),
        beneficiary=one,
    )
    one.refresh_from_db()
    assert (one.returned, one.claimed) == (500_00, False)
    assert balance(accounts.paid(fw.fund.pk, application.pk)) == 1300_00
    assert balance(accounts.purpose(fw.fund.pk, fw.frontline.pk)) == 98_700_00
    with pytest.raises(ApiError) as too_much:
        services.refund_record(actor=fw.finance, application=application, amount=1300_01, reason="多退", returned_on=timezone.localdate())
    assert too_much.value.code == "fund_refund_too_much"
    status = selectors.purpose_status(fw.frontline)
    assert (status.paid, status.remaining) == (1300_00, 98_700_00)
    # The returned person no longer blocks completion.
    others = list(application.beneficiaries.exclude(pk=one.pk).values_list("pk", flat=True))
    services.receipts_confirm(actor=world.admin_a1, application=application, beneficiary_ids=others)
    services.application_transition(actor=world.admin_a1, application=application, name="complete")
    assert selectors.ledger_check(fw.fund).ok
    services.refund_record(actor=fw.finance, application=application, amount=500_00, reason="再退", returned_on=timezone.localdate())
    row = selectors.trace(fw.fund, fw.frontline)["applications"][0]
    assert (row.returned, row.received, row.disbursement.reference) == (1000_00, 2, "FK-0001")


def test_budget_transfers_between_purposes_need_a_second_officer(world, fw):
    transfer = services.transfer_request(
        actor=world.district_staff, fund=fw.fund, from_purpose=fw.smes, to_purpose=fw.frontline, amount=10_000_00, reason="一线慰问人数增加"
    )
    with pytest.raises(ApiError) as own:
        services.transfer_decide(actor=world.district_staff, transfer=transfer, approve=True)
    assert own.value.code == "fund_four_eyes"
    assert balance(accounts.purpose(fw.fund.pk, fw.smes.pk)) == 50_000_00
    services.transfer_decide(actor=fw.finance, transfer=transfer, approve=True)
    assert balance(accounts.purpose(fw.fund.pk, fw.smes.pk)) == 40_000_00
    assert balance(accounts.purpose(fw.fund.pk, fw.frontline.pk)) == 110_000_00
    statuses = {s.purpose.name: s.allocated for s in selectors.purpose_statuses(fw.fund)}
    assert statuses == {"慰问一线职工": 110_000_00, "支持基层工会防疫": 80_000_00, "助力小微企业复工复产": 40_000_00}
    with pytest.raises(ApiError) as twice:
        services.transfer_decide(actor=fw.finance, transfer=transfer, approve=False)
    assert twice.value.code == "fund_transfer_decided"
    too_big = services.transfer_request(
        actor=world.district_staff, fund=fw.fund, from_purpose=fw.smes, to_purpose=fw.prevention, amount=40_000_01, reason="全部调出"
    )
    with pytest.raises(ApiError) as short:
        services.transfer_decide(actor=fw.finance, transfer=too_big, approve=True)
    assert short.value.code == "fund_purpose_exhausted"


def test_year_end_carries_the_remainder_forward_and_commitments_stay_payable(world, fw):
    done = paid(world, fw, rows=people(1000))
    pending = approved(world, fw, rows=people(400, start=30))
    successor = services.fund_carry_forward(actor=world.district_staff, fund=fw.fund)
    fw.fund.refresh_from_db()
    assert fw.fund.status == "closed" and successor.year == fw.fund.year + 1
    assert successor.total_budget == 300_000_00 - 1000_00 - 400_00
    new = {p.name: balance(accounts.purpose(successor.pk, p.pk)) for p in successor.purposes.all()}
    assert new == {"慰问一线职工": 100_000_00 - 1400_00, "支持基层工会防疫": 80_000_00, "助力小微企业复工复产": 50_000_00}
    assert balance(accounts.budget(successor.pk)) == 70_000_00
    assert balance(accounts.purpose(fw.fund.pk, fw.frontline.pk)) == 0
    services.disbursement_record(actor=fw.finance, application=pending, reference="FK-9", paid_on=timezone.localdate())
    with pytest.raises(ApiError) as closed:
        draft(world, fw)
    assert closed.value.code == "fund_closed"
    with pytest.raises(ApiError) as again:
        services.fund_carry_forward(actor=world.district_staff, fund=fw.fund)
    assert again.value.code == "fund_closed"
    assert selectors.ledger_check(fw.fund).ok and selectors.ledger_check(successor).ok
    assert done.disbursement.amount == 1000_00


def test_beneficiaries_are_checked_row_by_row_and_imported_from_xlsx(world, fw):
    application = services.application_create(
        actor=world.admin_a1, fund=fw.fund, purpose=fw.frontline, organisation=world.org_a1, title="慰问"
    )
    bad = [
        {"name": "张三", "id_number": "110101199003071235", "amount": "500"},  # wrong check digit
        {"name": "", "id_number": make_id(2), "amount": "500.001"},
        {"name": "王五", "id_number": make_id(3), "amount": "300", "phone": "1380000"},
        {"name": "王五", "id_number": make_id(3), "amount": "300"},
    ]
    with pytest.raises(ApiError) as caught:
        services.beneficiaries_replace(actor=world.admin_a1, application=application, rows=bad)
    problems = caught.value.extra["problems"]
    assert problems[0] == "第 1 行：身份证号不正确"
    assert problems[1].startswith("第 2 行：姓名未填写或过长；金额格式不正确")
    assert problems[2] == "第 3 行：手机号须为 11 位数字"
    assert len(problems) == 3
    assert not application.beneficiaries.exists()
    twice = [{"name": "王五", "id_number": make_id(3), "amount": "300"}, {"name": "王五", "id_number": make_id(3), "amount": "300"}]
    with pytest.raises(ApiError) as duplicated:
        services.beneficiaries_replace(actor=world.admin_a1, application=application, rows=twice)
    assert duplicated.value.extra["problems"] == ["第 2 行：与第 1 行是同一人"]

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "手机号", "人员类别", "金额（元）"])
    sheet.append(["李华", make_id(7), "13800000007", "医护", 800])
    sheet.append([None, None, None, None, None])
    sheet.append(["赵六", make_id(8).lower(), "", "社区", "1,200.50"])
    out = io.BytesIO()
    book.save(out)
    rows = services.beneficiaries_from_xlsx(SimpleUploadedFile("名单.xlsx", out.getvalue()))
    assert [r["row"] for r in rows] == [2, 4]
    services.beneficiaries_replace(actor=world.admin_a1, application=application, rows=rows)
    application.refresh_from_db()
    assert (application.amount, application.beneficiary_count) == (2000_50, 2)
    stored = Beneficiary.objects.get(application=application, name="李华")
    assert stored.id_tail == make_id(7)[-4:] and make_id(7) not in str(stored.__dict__)
    with pytest.raises(ApiError) as not_xlsx:
        services.beneficiaries_from_xlsx(SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert not_xlsx.value.field == "file"


def test_a_submission_needs_beneficiaries_and_a_supporting_document(world, fw):
    application = services.application_create(
        actor=world.admin_a1, fund=fw.fund, purpose=fw.frontline, organisation=world.org_a1, title="慰问"
    )
    with pytest.raises(ApiError) as caught:
        services.application_transition(actor=world.admin_a1, application=application, name="submit")
    assert caught.value.extra["problems"] == ["受益人名单未填写", "请上传证明材料"]
    with pytest.raises(ApiError) as other_union:
        services.application_create(actor=world.admin_b1, fund=fw.fund, purpose=fw.frontline, organisation=world.org_a1, title="冒名")
    assert other_union.value.code == "fund_forbidden"


def test_reports_by_purpose_street_month_and_top_recipients_match_the_ledger(world, fw):
    a1 = paid(world, fw, reference="R1", rows=people(500, 700))  # street A, 1,200
    b1 = paid(
        world, fw, reference="R2", purpose=fw.prevention, organisation=world.org_b1, admin=world.admin_b1, rows=people(2000, start=40)
    )
    approved(world, fw, purpose=fw.smes, rows=people(300, start=60))  # committed, not paid
    services.refund_record(actor=fw.finance, application=a1, amount=200_00, reason="结余退回", returned_on=timezone.localdate())
    report = selectors.report(fw.fund)
    by_purpose = {s.purpose.name: (s.committed, s.paid, s.remaining) for s in report.status.purposes}
    assert by_purpose == {
        "慰问一线职工": (0, 1000_00, 100_000_00 - 1000_00),
        "支持基层工会防疫": (0, 2000_00, 80_000_00 - 2000_00),
        "助力小微企业复工复产": (300_00, 0, 50_000_00 - 300_00),
    }
    assert report.status.remaining == 300_000_00 - 1000_00 - 2000_00 - 300_00
    assert [(r["street"], r["amount"]) for r in report.by_street] == [("金融街街道总工会", 2000_00), ("什刹海街道总工会", 1000_00)]
    month = report.by_month[0]
    assert (month["applications"], month["paid"], month["returned"]) == (2, 3200_00, 200_00)
    assert report.top_unions[0]["organisation"] == "金融街园区工会"
    assert report.top_people[0]["amount"] == 2000_00 and report.top_people[0]["name"] == "职**0"
    check = selectors.ledger_check(fw.fund)
    assert check.ok, check.lines
    # The ledger's own view: every fen that left the source is somewhere in the fund.
    balances = ledger_read.holder_balances(prefix=accounts.prefix(fw.fund.pk), unit="fen")
    assert sum(balances.values()) == 0
    assert b1.disbursement.street_id == world.street_b.pk


def test_the_annual_review_gets_the_years_total_with_the_list_behind_it(world, fw):
    paid(world, fw, reference="Y1", rows=people(1000, 1000))
    paid(world, fw, reference="Y2", purpose=fw.prevention, rows=people(480, start=9))
    section = selectors.review_section(timezone.localdate().year, world.district_staff)
    assert section["total_fen"] == 2480_00
    assert section["items"][0] == ("专项基金拨付", "2,480.00", "元")
    assert [row["reference"] for row in section["list"]] == ["Y1", "Y2"]
    assert selectors.review_section(timezone.localdate().year - 5, world.district_staff)["items"] == []


def test_the_finance_workbook_and_the_statement_are_background_jobs(world, fw, settings, tmp_path):
    import subprocess

    from openpyxl import load_workbook

    from core import jobs
    from core.models import BackgroundJob

    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    paid(world, fw, reference="=HYPERLINK(1)", rows=people(500, 700))
    job = jobs.job_start(owner=world.district_staff, kind="fund_export", title="x", params={"fund": fw.fund.pk, "fmt": "xlsx"})
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE, job.result
    book = load_workbook(job.output_file.open("rb"))
    assert book.sheetnames == ["资金使用汇总表", "拨付明细", "受益人明细", "资金退回"]
    payment = list(book["拨付明细"].iter_rows(min_row=2, values_only=True))[0]
    assert payment[2] == "=HYPERLINK(1)" and payment[8] == 1200
    job = jobs.job_start(owner=world.district_staff, kind="fund_export", title="x", params={"fund": fw.fund.pk, "fmt": "pdf"})
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(job.output_file.open("rb").read())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "资金使用情况报表" in text and "慰问一线职工" in text
    refused = jobs.job_start(owner=world.admin_a1, kind="fund_export", title="x", params={"fund": fw.fund.pk, "fmt": "pdf"})
    refused.refresh_from_db()
    assert refused.status == BackgroundJob.Status.FAILED and refused.result["code"] == "fund_forbidden"


def test_amounts_in_yuan_are_read_exactly():
    assert services.fen_from_yuan("1,200.50", "x") == 1200_50
    assert services.fen_from_yuan("800元", "x") == 800_00
    for bad in ("", "abc", "1.001", "-5", "0", "nan", "1e20"):
        with pytest.raises(ApiError):
            services.fen_from_yuan(bad, "x")
