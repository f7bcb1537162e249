"""Objections taken during the public notice (社会公示): the district's desk and decision — upheld
withdraws the nominee from the notice, dismissed keeps them there; the reason is recorded and the
objector told; only district staff decide (page, service and API)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import Conflict, Forbidden, Invalid
from core.models import AuditLog
from core.notifications import inbox
from engines.workflow.models import Event
from modules.honours import selectors, services
from modules.honours.models import Objection
from modules.honours.tests.conftest import submitted

pytestmark = pytest.mark.django_db


def in_notice(world, honour, **kwargs):
    nomination = submitted(world, honour, **kwargs)
    services.nomination_transition(actor=world.street_a_staff, nomination=nomination, name="recommend")
    for name in ("review", "approve", "publish"):
        services.nomination_transition(actor=world.district_staff, nomination=nomination, name=name)
    return nomination


def lodge(world, nomination, text="事迹材料中的抢修次数与实际情况不符，请核实。"):
    return services.objection_lodge(actor=world.worker_b1.user, nomination=nomination, text=text)


def state(nomination):
    return services.case_of(nomination).state


def test_an_upheld_objection_withdraws_the_nominee_and_tells_the_objector(world, honour):
    nomination = in_notice(world, honour, member=world.worker_a1)
    objection = lodge(world, nomination)
    before = inbox(world.worker_b1.user).count()
    services.objection_resolve(
        actor=world.district_staff, objection=objection, outcome=Objection.Outcome.UPHELD, resolution="经核实，抢修次数确有虚报。"
    )
    objection.refresh_from_db()
    assert objection.outcome == "upheld" and objection.resolution == "经核实，抢修次数确有虚报。"
    assert objection.resolved_by == world.district_staff and objection.resolved_at is not None
    assert state(nomination) == "withdrawn_after_notice"
    assert nomination not in selectors.in_notice()
    event = Event.objects.filter(case=services.case_of(nomination), transition="withdraw").get()
    assert "抢修次数确有虚报" in event.comment
    told = inbox(world.worker_b1.user)
    assert told.count() == before + 1
    assert "异议成立" in told.first().title and "确有虚报" in told.first().body
    # the nominee is told too (through the workflow's notification)
    assert any("不予授予" in n.title or "公示" in n.title for n in inbox(world.worker_a1.user))
    assert AuditLog.objects.filter(action="honours.objection_resolve").exists()


def test_a_dismissed_objection_keeps_the_notice_and_tells_the_objector(world, honour):
    nomination = in_notice(world, honour)
    objection = lodge(world, nomination)
    services.objection_resolve(actor=world.district_staff, objection=objection, outcome="dismissed", resolution="经核实，事迹属实。")
    assert state(nomination) == "notice"
    assert "异议不成立" in inbox(world.worker_b1.user).first().title


def test_a_decision_needs_a_reason_and_a_valid_outcome_and_is_taken_once(world, honour):
    objection = lodge(world, in_notice(world, honour))
    with pytest.raises(Invalid) as no_reason:
        services.objection_resolve(actor=world.district_staff, objection=objection, outcome="dismissed", resolution="  ")
    assert no_reason.value.code == "honours_required"
    with pytest.raises(Invalid) as bad:
        services.objection_resolve(actor=world.district_staff, objection=objection, outcome="maybe", resolution="理由")
    assert bad.value.code == "honours_outcome_invalid"
    services.objection_resolve(actor=world.district_staff, objection=objection, outcome="dismissed", resolution="经核实，事迹属实。")
    with pytest.raises(Conflict):
        services.objection_resolve(actor=world.district_staff, objection=objection, outcome="upheld", resolution="再议")
    objection.refresh_from_db()
    assert objection.outcome == "dismissed"


def test_only_district_staff_decide(world, honour):
    nomination = in_notice(world, honour)
    objection = lodge(world, nomination)
    for actor in (world.street_a_staff, world.admin_a1, world.worker_a1.user):
        with pytest.raises(Forbidden):
            services.objection_resolve(actor=actor, objection=objection, outcome="upheld", resolution="不应被接受")
    objection.refresh_from_db()
    assert objection.outcome == "open" and state(nomination) == "notice"


def test_the_desk_lists_open_objections_and_decides_through_the_form(world, honour):
    nomination = in_notice(world, honour, name="李desk")
    objection = lodge(world, nomination)
    district = world.client_for(world.district_staff)
    page = district.get(reverse("honours:objections"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "李desk" in html and "抢修次数与实际情况不符" in html and "style=" not in html
    response = district.post(
        reverse("honours:objection_resolve", args=[objection.pk]),
        {"outcome": "upheld", "resolution": "经核实属实，撤出公示。", "back": "desk"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("honours:objections")
    assert state(nomination) == "withdrawn_after_notice"
    assert "李desk" not in district.get(reverse("honours:objections")).content.decode()


def test_the_desk_is_refused_to_everyone_but_the_district(world, honour):
    lodge(world, in_notice(world, honour, name="王secret"))
    for user in (world.street_a_staff, world.street_b_staff, world.admin_a1, world.worker_b1.user):
        response = world.client_for(user).get(reverse("honours:objections"))
        assert response.status_code in (403, 404)
        assert "王secret" not in response.content.decode()
    assert Client().get(reverse("honours:objections")).status_code == 302


def test_the_api_lists_and_decides_with_json_errors(world, honour):
    nomination = in_notice(world, honour)
    objection = lodge(world, nomination)
    url = f"/api/v1/honours/objections/{objection.pk}/decision"
    district = world.client_for(world.district_staff)
    listed = district.get("/api/v1/honours/objections")
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["items"]] == [objection.pk]
    bad = district.post(url, {"outcome": "perhaps", "resolution": "理由"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "honours_outcome_invalid"
    street = world.client_for(world.street_a_staff)
    refused = street.post(url, {"outcome": "upheld", "resolution": "街道不能处理"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "honours_forbidden"
    assert street.get("/api/v1/honours/objections").status_code == 403
    missing = district.post(
        "/api/v1/honours/objections/999999/decision", {"outcome": "upheld", "resolution": "x"}, content_type="application/json"
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    done = district.post(url, {"outcome": "upheld", "resolution": "经核实属实。"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["nomination_state"] == "withdrawn_after_notice" and done.json()["outcome"] == "upheld"
    again = district.post(url, {"outcome": "dismissed", "resolution": "再议"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "honours_objection_resolved"
