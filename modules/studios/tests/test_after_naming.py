"""After naming: the subsidy on the ledger closed by acceptance, the yearly re-check with
demotion, and the on-site inspection whose stamped photos and marks feed the score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import ApiError
from engines.ledger.models import Entry
from engines.ledger.selectors import holder_balance, ledger_mismatches, unbalanced_transfers
from modules.studios import services
from modules.studios.models import AnnualCheck, Subsidy
from modules.studios.services_annual import annual_check_decide, annual_report_submit
from modules.studios.services_inspection import inspection_assign, inspection_complete, inspection_photo_add
from modules.studios.services_subsidy import BUDGET, expense_record, holder, subsidy_accept, subsidy_grant, subsidy_pay
from modules.studios.tests.conftest import named, stamped_photo, to_expert_review

YUAN = 100


def test_a_subsidy_is_committed_paid_spent_and_closed_by_acceptance_to_the_fen(world, studios):
    studio = named(world, studios)
    subsidy = subsidy_grant(actor=world.district_staff, application=studio, amount=50_000 * YUAN, purpose="购置数控检测设备、开展技术培训")
    assert holder_balance(holder(subsidy, "committed")) == 50_000 * YUAN and holder_balance(BUDGET) == -50_000 * YUAN

    today = timezone.localdate()
    subsidy_pay(actor=world.district_staff, subsidy=subsidy, payment_reference="财拨-2026-018", paid_on=today)
    assert holder_balance(holder(subsidy, "committed")) == 0 and holder_balance(holder(subsidy, "at_studio")) == 50_000 * YUAN

    expense_record(
        actor=world.admin_a1, subsidy=subsidy, category="equipment", amount=32_000 * YUAN, spent_on=today, description="数控检测仪一台"
    )
    with pytest.raises(ApiError) as overspent:
        expense_record(actor=world.admin_a1, subsidy=subsidy, category="training", amount=18_001 * YUAN, spent_on=today, description="培训")
    assert overspent.value.code == "studios_subsidy_overspent" and "18,000.00" in str(overspent.value.message)
    expense_record(
        actor=world.admin_a1, subsidy=subsidy, category="training", amount=15_000 * YUAN, spent_on=today, description="技能培训两期"
    )

    subsidy = subsidy_accept(actor=world.district_staff, subsidy=subsidy, passed=True, note="设备到位，培训记录齐全，专款专用。")
    assert subsidy.state == Subsidy.State.ACCEPTED and subsidy.returned == 3_000 * YUAN
    assert holder_balance(holder(subsidy, "spent")) == 47_000 * YUAN
    assert holder_balance(holder(subsidy, "at_studio")) == 0
    assert holder_balance(BUDGET) == -47_000 * YUAN  # the budget line paid exactly what was spent
    assert ledger_mismatches() == [] and unbalanced_transfers() == []
    call_command("ledger_check")

    with pytest.raises(ApiError) as closed:
        expense_record(actor=world.admin_a1, subsidy=subsidy, category="equipment", amount=1, spent_on=today, description="再买")
    assert closed.value.code == "studios_subsidy_state"


def test_subsidy_rules_name_the_field_and_change_nothing(world, studios):
    studio = named(world, studios)
    for amount, purpose, code in (
        (9_999 * YUAN, "设备", "studios_subsidy_amount"),
        (100_001 * YUAN, "设备购置", "studios_subsidy_amount"),
        (20_000 * YUAN, "", "studios_subsidy_purpose"),
    ):
        with pytest.raises(ApiError) as refused:
            subsidy_grant(actor=world.district_staff, application=studio, amount=amount, purpose=purpose)
        assert refused.value.code == code
    with pytest.raises(ApiError) as not_district:
        subsidy_grant(actor=world.admin_a1, application=studio, amount=20_000 * YUAN, purpose="设备购置")
    assert not_district.value.status == 403
    assert not Subsidy.objects.exists() and not Entry.objects.exists()

    subsidy = subsidy_grant(actor=world.district_staff, application=studio, amount=20_000 * YUAN, purpose="设备购置")
    with pytest.raises(ApiError) as twice:
        subsidy_grant(actor=world.district_staff, application=studio, amount=20_000 * YUAN, purpose="设备购置")
    assert twice.value.code == "studios_subsidy_exists"
    with pytest.raises(ApiError) as future:
        subsidy_pay(actor=world.district_staff, subsidy=subsidy, payment_reference="X1", paid_on=timezone.localdate() + timedelta(days=1))
    assert future.value.field == "paid_on"
    with pytest.raises(ApiError) as before_pay:
        expense_record(
            actor=world.admin_a1, subsidy=subsidy, category="equipment", amount=100, spent_on=timezone.localdate(), description="设备"
        )
    assert before_pay.value.code == "studios_subsidy_state"
    subsidy_pay(actor=world.district_staff, subsidy=subsidy, payment_reference="X1", paid_on=timezone.localdate())
    with pytest.raises(ApiError) as other_union:
        expense_record(
            actor=world.admin_b1, subsidy=subsidy, category="equipment", amount=100, spent_on=timezone.localdate(), description="设备"
        )
    assert other_union.value.status == 403
    with pytest.raises(ApiError) as category:
        expense_record(
            actor=world.admin_a1, subsidy=subsidy, category="banquet", amount=100, spent_on=timezone.localdate(), description="聚餐"
        )
    assert category.value.field == "category"


def test_a_failed_acceptance_also_returns_what_is_left(world, studios):
    studio = named(world, studios)
    subsidy = subsidy_grant(actor=world.district_staff, application=studio, amount=10_000 * YUAN, purpose="设备购置")
    subsidy_pay(actor=world.district_staff, subsidy=subsidy, payment_reference="X2", paid_on=timezone.localdate())
    subsidy = subsidy_accept(actor=world.district_staff, subsidy=subsidy, passed=False, note="未按用途使用资金，全额收回。")
    assert subsidy.state == Subsidy.State.FAILED and subsidy.returned == 10_000 * YUAN and holder_balance(BUDGET) == 0


def test_the_yearly_recheck_passes_asks_for_rectification_or_demotes(world, studios):
    studio = named(world, studios)
    year = timezone.localdate().year
    with pytest.raises(ApiError) as short:
        annual_report_submit(actor=world.admin_a1, application=studio, year=year, report="很好")
    assert short.value.field == "report"
    with pytest.raises(ApiError) as future:
        annual_report_submit(actor=world.admin_a1, application=studio, year=year + 1, report="全年完成技术攻关三项，培训职工两百人次。")
    assert future.value.field == "year"
    check = annual_report_submit(actor=world.admin_a1, application=studio, year=year, report="全年完成技术攻关三项，培训职工两百人次。")
    with pytest.raises(ApiError) as again:
        annual_report_submit(actor=world.admin_a1, application=studio, year=year, report="全年完成技术攻关三项，培训职工两百人次。")
    assert again.value.code == "studios_report_exists"

    check = annual_check_decide(actor=world.district_staff, check=check, outcome="rectify", note="培训台账不全，三个月内整改。")
    assert check.outcome == AnnualCheck.Outcome.RECTIFY and services.case_of(studio).state == "named"
    check = annual_check_decide(actor=world.district_staff, check=check, outcome="demoted", note="整改期满仍未达标。")
    assert check.outcome == AnnualCheck.Outcome.DEMOTED
    assert services.case_of(studio).state == "revoked"
    with pytest.raises(ApiError) as decided:
        annual_check_decide(actor=world.district_staff, check=check, outcome="passed", note="改判为合格")
    assert decided.value.code == "studios_check_decided"


def test_an_inspection_needs_stamped_photos_from_one_site_and_its_marks_feed_the_score(world, studios):
    application = to_expert_review(world, studios)
    inspection = inspection_assign(actor=world.district_staff, application=application, inspector=studios.expert_3)
    now = timezone.now()
    with pytest.raises(ApiError) as unstamped:
        inspection_photo_add(actor=studios.expert_3, inspection=inspection, upload=stamped_photo(taken_at=now, stamp=False))
    assert unstamped.value.code == "studios_photo_unstamped"
    with pytest.raises(ApiError) as old:
        inspection_photo_add(actor=studios.expert_3, inspection=inspection, upload=stamped_photo(taken_at=now - timedelta(days=30)))
    assert old.value.code == "studios_photo_time"
    photo = inspection_photo_add(actor=studios.expert_3, inspection=inspection, upload=stamped_photo(taken_at=now))
    assert abs(float(photo.latitude) - 39.9075) < 1e-4 and abs(float(photo.longitude) - 116.3972) < 1e-4
    with pytest.raises(ApiError) as elsewhere:
        inspection_photo_add(
            actor=studios.expert_3, inspection=inspection, upload=stamped_photo(taken_at=now, latitude=39.95, longitude=116.45)
        )
    assert elsewhere.value.code == "studios_photo_place"
    with pytest.raises(ApiError) as not_theirs:
        inspection_photo_add(actor=studios.expert_1, inspection=inspection, upload=stamped_photo(taken_at=now))
    assert not_theirs.value.code == "studios_not_found"

    marks = {code: 5 for code in ("leader", "results", "team", "facilities", "management")}
    with pytest.raises(ApiError) as short:
        inspection_complete(actor=studios.expert_3, inspection=inspection, scores=marks, findings="好")
    assert short.value.field == "findings"
    inspection_complete(actor=studios.expert_3, inspection=inspection, scores=marks, findings="场地、设备与申报材料一致，台账齐全。")
    application.evaluation.refresh_from_db()
    assert application.evaluation.total is not None and application.evaluation.total == 50
    with pytest.raises(ApiError) as done:
        inspection_complete(actor=studios.expert_3, inspection=inspection, scores=marks, findings="场地、设备与申报材料一致，台账齐全。")
    assert done.value.code == "studios_inspection_done"


def test_an_inspector_with_a_conflict_is_refused_before_being_sent(world, studios):
    application = to_expert_review(world, studios)
    services.conflict_declare(actor=studios.expert_2, organisation=application.organisation, reason="曾在该单位任职")
    with pytest.raises(ApiError) as conflict:
        inspection_assign(actor=world.district_staff, application=application, inspector=studios.expert_2)
    assert conflict.value.code == "studios_conflict_of_interest"
    with pytest.raises(ApiError) as not_inspector:
        inspection_assign(actor=world.district_staff, application=application, inspector=world.admin_a1)
    assert not_inspector.value.field == "inspector"


def test_the_pages_take_a_subsidy_from_grant_to_acceptance_and_show_where_the_money_is(world, studios):
    studio = named(world, studios)
    district, union = world.client_for(world.district_staff), world.client_for(world.admin_a1)
    page = f"/studios/applications/{studio.pk}/"
    assert "批准补助" in district.get(page).content.decode()
    bad = district.post(f"{page}subsidy/", {"amount_yuan": "两万", "purpose": "设备"}, follow=True)
    assert "补助金额请填写数字" in bad.content.decode() and not Subsidy.objects.exists()
    district.post(f"{page}subsidy/", {"amount_yuan": "20,000", "purpose": "购置检测设备"})
    subsidy = Subsidy.objects.get()
    today = timezone.localdate().isoformat()
    district.post(f"/studios/subsidies/{subsidy.pk}/pay/", {"payment_reference": "财拨-7", "paid_on": today})
    receipt = stamped_photo(taken_at=timezone.now())
    union.post(
        f"/studios/subsidies/{subsidy.pk}/expenses/",
        {"category": "equipment", "amount_yuan": "12,345.67", "spent_on": today, "description": "检测仪", "file": receipt},
    )
    shown = union.get(page).content.decode()
    assert "12,345.67" in shown and "7,654.33" in shown and "site.jpg" in shown
    outsider = world.client_for(world.admin_b1)
    assert outsider.post(f"/studios/subsidies/{subsidy.pk}/accept/", {"verdict": "pass", "note": "外单位验收"}).status_code == 404
    district.post(f"/studios/subsidies/{subsidy.pk}/accept/", {"verdict": "pass", "note": "设备到位，验收通过。"})
    subsidy.refresh_from_db()
    assert subsidy.state == Subsidy.State.ACCEPTED and subsidy.returned == 765_433
    assert "验收通过" in district.get(page).content.decode()


def test_the_inspector_uploads_from_the_phone_page_and_scores(world, studios):
    application = to_expert_review(world, studios)
    district = world.client_for(world.district_staff)
    district.post(f"/studios/applications/{application.pk}/inspections/", {"inspector": studios.expert_3.pk})
    inspection = application.inspections.get()
    inspector = world.client_for(studios.expert_3)
    assert "没有现场核查任务" not in inspector.get("/studios/inspections/").content.decode()
    url = f"/studios/inspections/{inspection.pk}/"
    refused = inspector.post(url, {"action": "photo", "file": stamped_photo(taken_at=timezone.now(), stamp=False)})
    assert refused.status_code == 200 and "照片没有拍摄时间或位置" in refused.content.decode()
    inspector.post(url, {"action": "photo", "file": stamped_photo(taken_at=timezone.now())})
    marks = {f"score_{code}": "7" for code in ("leader", "results", "team", "facilities", "management")}
    inspector.post(url, {"action": "complete", "findings": "现场设备与台账一致，团队在岗。", **marks})
    inspection.refresh_from_db()
    assert inspection.completed_at is not None
    assert world.client_for(world.admin_b1).get(url).status_code == 404
    assert "现场设备与台账一致" in district.get(f"/studios/applications/{application.pk}/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_expenses_and_the_acceptance_never_spend_more_than_was_paid(world, studios):
    import threading

    from django.db import connection

    studio = named(world, studios)
    subsidy = subsidy_grant(actor=world.district_staff, application=studio, amount=10_000 * YUAN, purpose="设备购置")
    subsidy_pay(actor=world.district_staff, subsidy=subsidy, payment_reference="X9", paid_on=timezone.localdate())
    barrier = threading.Barrier(13)
    outcomes = []

    def spend(i):
        try:
            barrier.wait()
            expense_record(
                actor=world.admin_a1,
                subsidy=subsidy,
                category="equipment",
                amount=1_000 * YUAN,
                spent_on=timezone.localdate(),
                description=f"设备{i}",
            )
            outcomes.append("spent")
        except ApiError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    def accept():
        try:
            barrier.wait()
            subsidy_accept(actor=world.district_staff, subsidy=subsidy, passed=True, note="验收通过，结余退回。")
            outcomes.append("accepted")
        finally:
            connection.close()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(12)] + [threading.Thread(target=accept)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    subsidy.refresh_from_db()
    spent = outcomes.count("spent")
    assert "accepted" in outcomes and spent <= 10
    assert set(outcomes) <= {"spent", "accepted", "studios_subsidy_state", "studios_subsidy_overspent"}
    assert holder_balance(holder(subsidy, "spent")) == spent * 1_000 * YUAN
    assert subsidy.returned == (10 - spent) * 1_000 * YUAN and holder_balance(holder(subsidy, "at_studio")) == 0
    assert ledger_mismatches() == [] and unbalanced_transfers() == []


def test_the_api_opens_a_call_assigns_experts_and_runs_the_subsidy(world, studios):
    api = "/api/v1/studios"
    district, union = world.client_for(world.district_staff), world.client_for(world.admin_a1)
    today = timezone.localdate()

    def post(client, url, body):
        return client.post(f"{api}{url}", body, content_type="application/json")

    call = {"year": today.year, "title": "接口通知", "opens_on": today.isoformat(), "closes_on": today.isoformat(), "quota": 3}
    assert post(union, "/calls", call).status_code == 403
    bad = post(district, "/calls", {**call, "closes_on": (today - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and bad.json()["field"] == "closes_on"
    created = post(district, "/calls", call)
    assert created.status_code == 201 and created.json()["quota_used"] == 0
    assert any(c["title"] == "接口通知" for c in district.get(f"{api}/calls").json()["items"])

    application = to_expert_review(world, studios, "接口工作室")
    assert (
        post(district, f"/applications/{application.pk}/experts", {"expert_id": world.admin_a1.pk}).json()["code"] == "studios_not_expert"
    )
    assigned = post(district, f"/applications/{application.pk}/experts", {"expert_id": studios.expert_1.pk})
    assert assigned.status_code == 201 and assigned.json()["declared"] is False
    expert = world.client_for(studios.expert_1)
    declared = post(expert, f"/expert/assignments/{assigned.json()['id']}/declaration", {})
    assert declared.status_code == 200 and declared.json()["declared"] is True

    studio = named(world, studios)
    granted = post(district, f"/applications/{studio.pk}/subsidy", {"amount": 3_000_000, "purpose": "设备购置"})
    assert granted.status_code == 201 and granted.json()["committed"] == 3_000_000
    subsidy_id = granted.json()["id"]
    assert world.client_for(world.admin_b1).get(f"{api}/subsidies/{subsidy_id}").status_code == 404
    paid = post(district, f"/subsidies/{subsidy_id}/payment", {"payment_reference": "API-1", "paid_on": today.isoformat()})
    assert paid.json()["at_studio"] == 3_000_000
    over = post(
        union,
        f"/subsidies/{subsidy_id}/expenses",
        {"category": "equipment", "amount": 3_000_001, "spent_on": today.isoformat(), "description": "设备"},
    )
    assert over.status_code == 409 and over.json()["code"] == "studios_subsidy_overspent"
    spent = post(
        union,
        f"/subsidies/{subsidy_id}/expenses",
        {"category": "equipment", "amount": 2_000_000, "spent_on": today.isoformat(), "description": "设备"},
    )
    assert spent.status_code == 201 and spent.json()["spent"] == 2_000_000
    accepted = post(district, f"/subsidies/{subsidy_id}/acceptance", {"passed": True, "note": "验收通过。"})
    assert accepted.json()["state"] == "accepted" and accepted.json()["returned"] == 1_000_000

    report = post(
        union, f"/applications/{studio.pk}/annual-reports", {"year": today.year, "report": "全年完成技术攻关三项，培训职工两百人次。"}
    )
    assert report.status_code == 201
    decided = post(district, f"/annual-checks/{report.json()['id']}/decision", {"outcome": "passed", "note": "复核合格。"})
    assert decided.status_code == 200 and decided.json()["outcome"] == "passed"


def test_the_annual_review_adds_the_years_subsidies_and_rechecks(world, studios):
    from modules.studios import selectors

    studio = named(world, studios)
    year = timezone.localdate().year
    subsidy = subsidy_grant(actor=world.district_staff, application=studio, amount=30_000 * YUAN, purpose="设备购置")
    subsidy_pay(actor=world.district_staff, subsidy=subsidy, payment_reference="R1", paid_on=timezone.localdate())
    check = annual_report_submit(actor=world.admin_a1, application=studio, year=year, report="全年完成技术攻关三项，培训职工两百人次。")
    annual_check_decide(actor=world.district_staff, check=check, outcome="demoted", note="团队解散，撤销命名。")
    items = selectors.review_section(year, world.district_staff)["items"]
    assert ("拨付工作室补助", "30,000.00", "元") in items and ("获补助工作室", 1, "个") in items
    assert ("年度复核工作室", 1, "个") in items and ("复核不合格撤销命名", 1, "个") in items


def test_a_studio_description_is_stored_clean_and_shown_without_script(world, studios):
    from modules.studios.tests.conftest import draft

    hostile = '<p onclick="steal()">好<script>alert(1)</script><b>粗</b></p>'
    application = draft(world, studios, summary=hostile)
    assert "script" not in application.summary and "<b>粗</b>" in application.summary
    page = world.client_for(world.district_staff).get(f"/studios/applications/{application.pk}/").content.decode()
    assert "<b>粗</b>" in page and "alert(1)" not in page
