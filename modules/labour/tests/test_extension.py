"""The parties may agree to extend the mediation period (local rules allow it, up to a limit):
the extension is recorded with who agreed and why, the clock the worker and the mediator see moves,
and the workflow deadline and its reminder are recomputed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApiError
from core.models import AuditLog, Notification
from engines.workflow.selectors import open_deadline
from modules.labour import clocks, services
from modules.labour.models import DeskRules, Extension, MediationCase
from modules.labour.tests.conftest import case_in, intake


def _extend(mediation, actor, days=10, reason="双方同意再给一次调解机会", agreed_by="职工张小明、单位代理人李四"):
    return services.extension_add(actor=actor, mediation=mediation, days=days, reason=reason, agreed_by=agreed_by)


def test_an_agreed_extension_moves_the_clock_the_deadline_and_its_reminder(world, mediators):
    case = case_in(world, mediators, "mediating")
    mediation = case.subject
    before = open_deadline(case)
    rules = DeskRules.current()
    assert clocks.clocks_for(mediation, rules)[0].days_left == 15

    extension = _extend(mediation, mediators[0].user, days=10)
    mediation.refresh_from_db()
    assert mediation.extended_days == 10 and extension.due_after - extension.due_before == timedelta(days=10)
    clock = clocks.clocks_for(mediation, rules)[0]
    assert clock.days_left == 25 and "延长10日" in clock.label and "25 日内" in clock.note
    after = open_deadline(case)
    assert after.pk == before.pk and after.due_at - before.due_at == timedelta(days=10)
    assert after.remind_at == after.due_at - timedelta(days=3)
    assert AuditLog.objects.filter(action="labour.extension_add").exists()
    assert AuditLog.objects.filter(action="labour.mediation.deadline_recompute").exists()
    # The worker is told, and sees the new clock on their own page; the timeline keeps who agreed.
    assert Notification.objects.filter(recipient=world.worker_a1.user, title__startswith="调解期限已延长").exists()
    mine = world.client_for(world.worker_a1).get("/labour/me/").content.decode()
    assert "剩 25 天" in mine
    page = world.client_for(mediators[0].user).get(f"/labour/cases/{mediation.pk}/").content.decode()
    assert "调解期限延长 10 日" in page and "单位代理人李四" in page


def test_extensions_add_up_to_the_local_limit_only(world, mediators):
    mediation = case_in(world, mediators, "mediating").subject
    _extend(mediation, mediators[0].user, days=10)
    with pytest.raises(ApiError) as refused:
        _extend(mediation, mediators[0].user, days=6)
    assert refused.value.field == "days" and "1 到 5" in str(refused.value.message)
    _extend(mediation, world.district_staff, days=5)
    with pytest.raises(ApiError) as refused:
        _extend(mediation, mediators[0].user, days=1)
    assert refused.value.code == "labour_extension_exhausted"
    rules = DeskRules.current()
    rules.extension_days = 0
    rules.save()
    other = services.case_create(actor=mediators[0].user, data=intake(world))
    with pytest.raises(ApiError) as refused:
        _extend(other, mediators[0].user, days=1)
    assert refused.value.code == "labour_extension_not_allowed"
    assert Extension.objects.filter(case=other).count() == 0


@pytest.mark.parametrize(
    ("days", "reason", "agreed_by", "field"),
    [
        ("abc", "理由", "双方", "days"),
        (0, "理由", "双方", "days"),
        (-3, "理由", "双方", "days"),
        (5, "", "双方", "reason"),
        (5, "理由", "  ", "agreed_by"),
        (5, "理由", "甲" * 201, "agreed_by"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(world, mediators, days, reason, agreed_by, field):
    mediation = case_in(world, mediators, "mediating").subject
    due = open_deadline(services.case_of(mediation)).due_at
    with pytest.raises(ApiError) as refused:
        _extend(mediation, mediators[0].user, days=days, reason=reason, agreed_by=agreed_by)
    assert refused.value.status == 422 and refused.value.field == field
    mediation.refresh_from_db()
    assert mediation.extended_days == 0 and not mediation.extensions.exists()
    assert open_deadline(services.case_of(mediation)).due_at == due


def test_a_period_that_ran_out_or_a_closed_case_is_not_extended(world, mediators):
    old = services.case_create(actor=mediators[0].user, data=intake(world), now=timezone.now() - timedelta(days=17))
    with pytest.raises(ApiError) as refused:
        _extend(old, mediators[0].user)
    assert refused.value.status == 409 and "申请仲裁" in str(refused.value.message)
    signed = case_in(world, mediators, "signed").subject
    with pytest.raises(ApiError) as refused:
        _extend(signed, mediators[0].user)
    assert refused.value.code == "labour_case_closed"


def test_only_the_desk_extends(world, mediators):
    mediation = case_in(world, mediators, "mediating").subject
    for who in (world.worker_a1.user, world.street_a_staff, world.admin_a1):
        with pytest.raises(ApiError) as refused:
            _extend(mediation, who)
        assert refused.value.status == 403
        page = world.client_for(who).post(f"/labour/cases/{mediation.pk}/extension/", {"days": 5, "reason": "x", "agreed_by": "y"})
        assert page.status_code == 404
        api = world.client_for(who).post(
            f"/api/v1/labour/cases/{mediation.pk}/extension", {"days": 5, "reason": "x", "agreed_by": "y"}, content_type="application/json"
        )
        assert api.status_code == 404
    assert MediationCase.objects.get(pk=mediation.pk).extended_days == 0


def test_the_api_and_the_page_extend(world, mediators):
    mediation = case_in(world, mediators, "mediating").subject
    client = world.client_for(mediators[0].user)
    url = f"/api/v1/labour/cases/{mediation.pk}/extension"
    bad = client.post(url, {"days": "十", "reason": "双方同意", "agreed_by": "双方"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "days" and "整数" in bad.json()["message"]
    missing = client.post(url, {"days": 3, "agreed_by": "双方"}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["field"] == "reason" and "延长理由" in missing.json()["message"]
    done = client.post(url, {"days": 3, "reason": "双方同意", "agreed_by": "双方"}, content_type="application/json")
    assert done.status_code == 201, done.content
    body = done.json()
    assert body["extended_days"] == 3 and body["case"]["clocks"][0]["days_left"] == 18
    page = client.post(f"/labour/cases/{mediation.pk}/extension/", {"days": 2, "reason": "再协商一次", "agreed_by": "双方"})
    assert page.status_code == 302
    assert MediationCase.objects.get(pk=mediation.pk).extended_days == 5
    shown = client.get(f"/labour/cases/{mediation.pk}/").content.decode()
    assert 'data-testid="extension"' in shown and "还可延长 10 日" in shown
