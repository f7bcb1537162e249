"""The pages and the API as each role uses them, with bounded queries on the lists and reports."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from modules.fund import services
from modules.fund.models import Application, BudgetTransfer, Fund
from modules.fund.tests.conftest import approved, make_id, paid, people, reviewed


def test_a_union_applies_through_the_pages(world, fw, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    client = world.client_for(world.admin_a1)
    assert client.get(reverse("fund:application_new")).status_code == 200
    response = client.post(
        reverse("fund:application_new"), {"purpose": fw.frontline.pk, "title": "慰问社区一线职工", "reason": "疫情期间坚守"}
    )
    application = Application.objects.get(title="慰问社区一线职工")
    assert response.status_code == 302 and response["Location"] == reverse("fund:application", args=[application.pk])
    rows = f"张三,{make_id(1)},500,社区\n李四,{make_id(2)},800.5,医护,13800000002\n"
    client.post(reverse("fund:beneficiaries", args=[application.pk]), {"rows": rows})
    application.refresh_from_db()
    assert (application.amount, application.beneficiary_count) == (1300_50, 2)
    bad = client.post(reverse("fund:beneficiaries", args=[application.pk]), {"rows": "王五,123,abc"}, follow=True)
    assert "第 1 行：身份证号不正确" in bad.content.decode()
    client.post(reverse("fund:attachment_upload", args=[application.pk]), {"file": SimpleUploadedFile("名单.pdf", b"%PDF-1.4\n x\n")})
    client.post(reverse("fund:transition", args=[application.pk]), {"transition": "submit", "expected_state": "draft"})
    assert services.case_of(application).state == "submitted"
    page = client.get(reverse("fund:application", args=[application.pk])).content.decode()
    assert "待街道审核" in page and "1,300.50" in page


def test_the_district_sees_the_budget_outlook_before_approving_and_pays_with_a_reference(world, fw):
    application = reviewed(world, fw)
    client = world.client_for(world.district_staff)
    page = client.get(reverse("fund:application", args=[application.pk])).content.decode()
    assert "审批前额度检查" in page and "批准后结余 98,200.00 元" in page
    client.post(reverse("fund:transition", args=[application.pk]), {"transition": "approve", "expected_state": "reviewed"})
    finance = world.client_for(fw.finance)  # maker–checker: another officer pays
    response = finance.post(reverse("fund:pay", args=[application.pk]), {"reference": "FK-77", "paid_on": "not a date"}, follow=True)
    assert "日期格式不正确" in response.content.decode()
    finance.post(reverse("fund:pay", args=[application.pk]), {"reference": "FK-77", "paid_on": timezone.localdate().isoformat()})
    assert services.case_of(application).state == "paid"
    page = client.get(reverse("fund:application", args=[application.pk])).content.decode()
    assert "FK-77" in page and "确认所选人员已领取" in page


def test_fund_pages_report_trace_and_exports(world, fw, django_assert_max_num_queries, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    for i in range(3):
        paid(world, fw, reference=f"P{i}", rows=people(300, 200, start=10 * i + 1))
    approved(world, fw, purpose=fw.prevention, rows=people(1000, start=90))
    client = world.client_for(world.district_staff)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("fund:fund", args=[fw.fund.pk])).content.decode()
    assert "慰问一线职工" in page and "1,500.00" in page
    assert "一致，精确到分" in client.get(reverse("fund:fund", args=[fw.fund.pk]) + "?check=1").content.decode()
    with django_assert_max_num_queries(30):
        report = client.get(reverse("fund:report", args=[fw.fund.pk])).content.decode()
    assert "什刹海街道总工会" in report and "职*" in report
    with django_assert_max_num_queries(30):
        trace = client.get(reverse("fund:trace", args=[fw.fund.pk]) + f"?purpose={fw.frontline.pk}").content.decode()
    assert "P0" in trace and "0/2" in trace
    assert client.get(reverse("fund:trace", args=[fw.fund.pk]) + "?page=x&purpose=abc").status_code == 200
    response = client.post(reverse("fund:export", args=[fw.fund.pk, "xlsx"]))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert client.get(reverse("fund:home")).status_code == 200


def test_transfers_and_carry_forward_through_the_pages(world, fw):
    district, finance = world.client_for(world.district_staff), world.client_for(fw.finance)
    url = reverse("fund:transfer_request", args=[fw.fund.pk])
    bad = district.post(url, {"from_purpose": fw.smes.pk, "to_purpose": fw.frontline.pk, "amount": "1.234", "reason": "x"}, follow=True)
    assert "金额格式不正确" in bad.content.decode()
    district.post(url, {"from_purpose": fw.smes.pk, "to_purpose": fw.frontline.pk, "amount": "1000", "reason": "人数增加"})
    transfer = BudgetTransfer.objects.get()
    own = district.post(reverse("fund:transfer_decide", args=[transfer.pk]), {"decision": "approve"}, follow=True)
    assert "须由申请人以外" in own.content.decode()
    finance.post(reverse("fund:transfer_decide", args=[transfer.pk]), {"decision": "approve"})
    transfer.refresh_from_db()
    assert transfer.status == "approved"
    response = district.post(reverse("fund:carry_forward", args=[fw.fund.pk]))
    successor = Fund.objects.get(year=fw.fund.year + 1)
    assert response["Location"] == reverse("fund:fund", args=[successor.pk])


def test_a_new_fund_from_the_form_and_its_errors(world):
    client = world.client_for(world.district_staff)
    data = {"name": "抗疫专项基金", "year": "2026", "total_budget": "2480000", "purposes": "慰问一线职工,1500000\n支持基层工会防疫,1000000"}
    page = client.post(reverse("fund:fund_new"), data).content.decode()
    assert "各用途额度之和不能超过总预算" in page
    data["purposes"] = "慰问一线职工,1200000\n支持基层工会防疫,780000\n助力小微企业复工复产,500000,可重复"
    response = client.post(reverse("fund:fund_new"), data)
    fund = Fund.objects.get()
    assert response["Location"] == reverse("fund:fund", args=[fund.pk])
    assert [p.allow_repeat for p in fund.purposes.all()] == [False, False, True]


def test_the_person_lookup_is_district_only_and_audited(world, fw):
    from core.models import AuditLog

    approved(world, fw, rows=people(500))
    client = world.client_for(world.district_staff)
    page = client.get(reverse("fund:person") + f"?id_number={make_id(1)}").content.decode()
    assert "抗疫专项基金 · 慰问一线职工" in page
    assert AuditLog.objects.filter(action="fund.person_lookup").count() == 1
    assert "身份证号不正确" in client.get(reverse("fund:person") + "?id_number=123").content.decode()
    assert world.client_for(world.street_a_staff).get(reverse("fund:person")).status_code == 403


def test_the_beneficiary_template_round_trips(world, fw):
    client = world.client_for(world.admin_a1)
    response = client.get(reverse("fund:beneficiaries_template"))
    rows = services.beneficiaries_from_xlsx(SimpleUploadedFile("t.xlsx", response.content))
    assert rows[0]["name"] == "张三" and rows[0]["amount"] == "500"


def test_the_api_walks_the_cycle_and_answers_errors_as_json(world, fw):
    admin, street, district = (world.client_for(u) for u in (world.admin_a1, world.street_a_staff, world.district_staff))
    created = admin.post(
        "/api/v1/fund/applications",
        json.dumps({"purpose_id": fw.frontline.pk, "organisation_id": world.org_a1.pk, "title": "API 申请"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = admin.put(
        f"/api/v1/fund/applications/{pk}/beneficiaries",
        json.dumps({"beneficiaries": [{"name": "张三", "id_number": "1", "amount": "5"}]}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "fund_beneficiaries_invalid" and bad.json()["field"] == "beneficiaries"
    ok = admin.put(
        f"/api/v1/fund/applications/{pk}/beneficiaries",
        json.dumps({"beneficiaries": [{"name": "张三", "id_number": make_id(5), "amount": "600"}]}),
        content_type="application/json",
    )
    assert ok.json()["amount"] == 600_00
    from core.attachments import attachment_add

    application = Application.objects.get(pk=pk)
    attachment_add(actor=world.admin_a1, owner=application, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"))

    def go(client, name, **extra):
        return client.post(
            f"/api/v1/fund/applications/{pk}/transitions", json.dumps({"name": name, **extra}), content_type="application/json"
        )

    assert go(admin, "submit").json()["state"] == "submitted"
    assert go(street, "pass").json()["state"] == "reviewed"
    stale = go(district, "approve", expected_state="submitted")
    assert stale.status_code == 409 and stale.json()["code"] == "workflow_stale"
    assert go(district, "approve").json()["committed"] == 600_00
    paid_out = world.client_for(fw.finance).post(
        f"/api/v1/fund/applications/{pk}/payment",
        json.dumps({"reference": "API-1", "paid_on": timezone.localdate().isoformat()}),
        content_type="application/json",
    )
    assert paid_out.json()["state"] == "paid" and paid_out.json()["reference"] == "API-1"
    ids = list(application.beneficiaries.values_list("pk", flat=True))
    receipts = admin.post(f"/api/v1/fund/applications/{pk}/receipts", json.dumps({"beneficiary_ids": ids}), content_type="application/json")
    assert receipts.json() == {"confirmed": 1}
    refund = district.post(
        f"/api/v1/fund/applications/{pk}/returns",
        json.dumps({"amount": 600_01, "reason": "多退", "returned_on": timezone.localdate().isoformat()}),
        content_type="application/json",
    )
    assert refund.status_code == 422 and refund.json()["code"] == "fund_refund_too_much"
    report = district.get(f"/api/v1/fund/funds/{fw.fund.pk}/report").json()
    assert report["fund"]["paid"] == 600_00 and report["by_street"][0]["amount"] == 600_00
    assert admin.get(f"/api/v1/fund/funds/{fw.fund.pk}").status_code == 403
