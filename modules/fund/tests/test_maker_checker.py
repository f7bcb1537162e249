"""Maker–checker (issue 23): the officer who approved a disbursement never records its payment —
not through the service, the workflow button, the page or the API — and a second officer can."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApiError
from engines.workflow.selectors import available_transitions
from modules.fund import accounts, rules, services
from modules.fund.models import Disbursement
from modules.fund.tests.conftest import approved


def test_the_approver_cannot_record_the_payment_and_nothing_changes(world, fw):
    application = approved(world, fw)  # approved by world.district_staff
    assert rules.approver_id(application) == world.district_staff.pk
    with pytest.raises(ApiError) as same_person:
        services.disbursement_record(actor=world.district_staff, application=application, reference="FK-1", paid_on=timezone.localdate())
    assert same_person.value.code == "fund_four_eyes" and same_person.value.status == 403
    assert "审批与拨付须由两人分别办理" in same_person.value.message
    assert services.case_of(application).state == "approved"
    assert not Disbursement.objects.filter(application=application).exists()
    from engines.ledger import selectors as ledger_read

    assert ledger_read.holder_balance(accounts.commit(fw.fund.pk, application.pk), unit="fen") == application.amount
    # The workflow itself does not offer the approver the payment either.
    names = {t.name for t in available_transitions(services.case_of(application), world.district_staff)}
    assert "pay" not in names
    assert "pay" in {t.name for t in available_transitions(services.case_of(application), fw.finance)}
    # A second officer records it.
    services.disbursement_record(actor=fw.finance, application=application, reference="FK-1", paid_on=timezone.localdate())
    assert services.case_of(application).state == "paid"
    application.refresh_from_db()
    assert application.disbursement.recorded_by == fw.finance


def test_the_page_tells_the_approver_to_ask_finance_and_refuses_the_post(world, fw):
    application = approved(world, fw)
    client = world.client_for(world.district_staff)
    page = client.get(reverse("fund:application", args=[application.pk])).content.decode()
    assert "请由区总工会财务的另一位工作人员登记拨付" in page and 'name="reference"' not in page
    response = client.post(
        reverse("fund:pay", args=[application.pk]), {"reference": "FK-9", "paid_on": timezone.localdate().isoformat()}, follow=True
    )
    assert "审批与拨付须由两人分别办理" in response.content.decode()
    assert services.case_of(application).state == "approved"
    finance_page = world.client_for(fw.finance).get(reverse("fund:application", args=[application.pk])).content.decode()
    assert 'name="reference"' in finance_page


def test_the_api_answers_403_with_a_code_for_the_approver(world, fw):
    application = approved(world, fw)
    body = json.dumps({"reference": "API-9", "paid_on": timezone.localdate().isoformat()})
    url = f"/api/v1/fund/applications/{application.pk}/payment"
    refused = world.client_for(world.district_staff).post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "fund_four_eyes"
    ok = world.client_for(fw.finance).post(url, body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "paid"
