"""“企业关爱职工·职工热爱企业” model units: the district selects the year's units (best bargaining
evaluations offered first), revokes a title with its reason; the public roll and the API show
only the units holding the title."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import ApiError
from core.models import AuditLog
from modules.labour import selectors, services
from modules.labour.models import ModelUnit

DIMENSIONS = ("representatives", "procedure", "organisation", "content", "effect")


def _evaluated(world, org, score, year):
    today = timezone.localdate()
    contract = services.contract_register(
        actor=world.district_staff,
        organisation=org,
        data={
            "title": f"{org.name}集体合同",
            "signed_on": today,
            "starts_on": today,
            "ends_on": today + timedelta(days=700),
            "covered_workers": 80,
        },
    )
    services.contract_evaluate(actor=world.district_staff, contract=contract, year=year, scores=dict.fromkeys(DIMENSIONS, score))
    return contract


def test_the_district_selects_from_the_best_evaluations_and_revokes_with_a_reason(world):
    year = timezone.localdate().year - 1
    _evaluated(world, world.org_a1, 9, year)
    _evaluated(world, world.org_b1, 7, year)
    assert [c["organisation"] for c in selectors.model_unit_candidates(year)] == [world.org_a1, world.org_b1]

    unit = services.model_unit_select(actor=world.district_staff, organisation=world.org_a1, year=year, citation="工资年增 8%")
    assert unit.selected and unit.score == Decimal("90.00")  # the best evaluation of the year by default
    assert [c["organisation"] for c in selectors.model_unit_candidates(year)] == [world.org_b1]
    with pytest.raises(ApiError) as refused:
        services.model_unit_select(actor=world.district_staff, organisation=world.org_a1, year=year, citation="再次")
    assert refused.value.code == "labour_model_unit_exists"

    services.model_unit_revoke(actor=world.district_staff, unit=unit, reason="发生拖欠工资群体性争议")
    unit.refresh_from_db()
    assert not unit.selected and unit.revoked_at and unit.revoke_reason == "发生拖欠工资群体性争议"
    assert list(selectors.model_units_public(year)) == []
    assert list(selectors.model_units_of_year(year)) == [unit]  # the district still sees it, with the reason
    assert AuditLog.objects.filter(action="labour.model_unit_revoke").exists()
    with pytest.raises(ApiError) as refused:
        services.model_unit_revoke(actor=world.district_staff, unit=unit, reason="再撤")
    assert refused.value.status == 409
    # Selected again later in the year: the title is back and the revocation cleared.
    again = services.model_unit_select(actor=world.district_staff, organisation=world.org_a1, year=year, citation="整改到位", score="88")
    assert again.pk == unit.pk and again.selected and again.revoked_at is None and again.score == Decimal("88.00")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"citation": ""}, "citation"),
        ({"score": "一百"}, "score"),
        ({"score": "101"}, "score"),
        ({"year": "abc"}, "year"),
        ({"year": timezone.localdate().year + 5}, "year"),
    ],
)
def test_bad_selections_are_refused_with_the_field(world, extra, field):
    data = {"organisation": world.org_a1, "year": timezone.localdate().year, "citation": "事迹", "score": None}
    data.update(extra)
    with pytest.raises(ApiError) as refused:
        services.model_unit_select(actor=world.district_staff, **data)
    assert refused.value.status == 422 and refused.value.field == field
    assert not ModelUnit.objects.exists()


def test_a_street_cannot_be_a_model_unit_and_only_the_district_selects_or_revokes(world):
    year = timezone.localdate().year
    with pytest.raises(ApiError) as refused:
        services.model_unit_select(actor=world.district_staff, organisation=world.street_a, year=year, citation="事迹")
    assert refused.value.field == "organisation"
    for who in (world.street_a_staff, world.admin_a1, world.worker_a1.user):
        with pytest.raises(ApiError) as refused:
            services.model_unit_select(actor=who, organisation=world.org_a1, year=year, citation="事迹")
        assert refused.value.status == 403
    unit = services.model_unit_select(actor=world.district_staff, organisation=world.org_a1, year=year, citation="事迹")
    for who in (world.street_a_staff, world.admin_a1):
        with pytest.raises(ApiError):
            services.model_unit_revoke(actor=who, unit=unit, reason="x")
        assert world.client_for(who).get("/labour/model-units/").status_code == 403
        assert world.client_for(who).post(f"/labour/model-units/{unit.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert ModelUnit.objects.get(pk=unit.pk).selected


def test_the_pages_and_the_public_roll(world):
    year = timezone.localdate().year - 1
    _evaluated(world, world.org_a1, 8, year)
    client = world.client_for(world.district_staff)
    page = client.get(f"/labour/model-units/?year={year}")
    assert page.status_code == 200 and world.org_a1.name in page.content.decode()  # a candidate
    bad = client.post(f"/labour/model-units/?year={year}", {"organisation": world.org_a1.pk, "year": year, "citation": "", "score": ""})
    assert bad.status_code == 200 and not ModelUnit.objects.exists()
    done = client.post(
        f"/labour/model-units/?year={year}", {"organisation": world.org_a1.pk, "year": year, "citation": "关爱职工事迹", "score": ""}
    )
    assert done.status_code == 302
    unit = ModelUnit.objects.get()
    assert unit.score == Decimal("80.00")
    public = world.client_for(world.worker_b1).get("/labour/model-units/public/").content.decode()
    assert world.org_a1.name in public and "关爱职工事迹" in public
    api = client.get(f"/api/v1/labour/model-units?year={year}").json()
    assert [(u["organisation"], u["year"], u["score"]) for u in api["items"]] == [(world.org_a1.name, year, 80.0)]
    refused = client.post(f"/labour/model-units/{unit.pk}/revoke/", {"reason": ""})
    assert refused.status_code == 302 and ModelUnit.objects.get().selected  # a reason is required
    client.post(f"/labour/model-units/{unit.pk}/revoke/", {"reason": "年度复核不合格"})
    assert world.org_a1.name not in world.client_for(world.worker_b1).get("/labour/model-units/public/").content.decode()
    assert client.get(f"/api/v1/labour/model-units?year={year}").json()["items"] == []
    assert "年度复核不合格" in client.get(f"/labour/model-units/?year={year}").content.decode()
