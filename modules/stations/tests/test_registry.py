"""Staff keep the registry: who sees which stations (district all, street its street, a
grassroots admin its own hosted stations), edits with status history, grants in fen, figures."""

import pytest
from django.urls import reverse

from core.errors import Forbidden, Invalid
from modules.stations import selectors, services
from modules.stations.models import Station, StationStatusChange
from modules.stations.tests.factories import make_station


@pytest.fixture
def stations(world):
    return {
        "a1": make_station(world.district_staff, world.org_a1, name="甲驿站"),
        "a2": make_station(world.district_staff, world.org_a2, name="乙驿站"),
        "b1": make_station(world.district_staff, world.org_b1, name="丙驿站"),
        # hosted by a union under the industry union, located in street B
        "i1": make_station(world.district_staff, world.org_i1, name="丁驿站"),
    }


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("district_staff", {"a1", "a2", "b1", "i1"}),
        ("street_a_staff", {"a1", "a2"}),
        ("street_b_staff", {"b1", "i1"}),
        ("admin_a1", {"a1"}),
        ("admin_b1", {"b1"}),
        ("collector_a", set()),
        ("inspector", set()),
    ],
)
def test_scoping_matrix(world, stations, user, visible):
    names = {k for k, s in stations.items() if s in selectors.stations_visible_to(getattr(world, user))}
    assert names == visible


def test_list_page_scoped_and_query_bounded(world, stations, django_assert_max_num_queries):
    client = world.client_for(world.street_a_staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("stations:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "甲驿站" in body and "乙驿站" in body and "丙驿站" not in body
    assert client.get(reverse("stations:detail", args=[stations["b1"].pk])).status_code == 403
    assert world.client_for(world.admin_a1).get(reverse("stations:detail", args=[stations["a2"].pk])).status_code == 403
    assert world.client_for(world.worker_a1).get(reverse("stations:list")).status_code == 403


def test_grassroots_admin_creates_only_for_own_union(world):
    with pytest.raises(Invalid) as error:
        make_station(world.admin_a1, world.org_b1)
    assert error.value.field == "host"
    station = make_station(world.admin_a1, world.org_a1)
    assert station.street == world.street_a
    with pytest.raises(Forbidden):
        services.station_set_status(actor=world.admin_b1, station=station, status="closed", reason="x")


def test_create_through_the_form_and_field_errors(world):
    client = world.client_for(world.admin_a1)
    data = {
        "name": "新驿站",
        "host": world.org_a1.pk,
        "kind": "shop",
        "address": "西城区某路1号",
        "lat": "39.93",
        "lng": "116.38",
        "services": ["water", "toilet"],
        "capacity": "6",
        **{f"hours_{d}": "08:00-20:00" for d in range(7)},
    }
    bad = client.post(reverse("stations:create"), {**data, "hours_2": "早上八点"})
    assert bad.status_code == 200 and "周三的开放时间" in bad.content.decode()
    far = client.post(reverse("stations:create"), {**data, "lat": "31.2"})
    assert "不在西城区范围内" in far.content.decode()
    ok = client.post(reverse("stations:create"), data)
    station = Station.objects.get(name="新驿站")
    assert ok.status_code == 302 and station.service_codes == ["water", "toilet"]
    assert station.open_slots.count() == 7


def test_status_history_and_hours_change(world):
    station = make_station(world.district_staff, world.org_a1, status="building")
    with pytest.raises(Invalid):
        services.station_set_status(actor=world.street_a_staff, station=station, status="open", reason="")
    services.station_set_status(actor=world.street_a_staff, station=station, status="open", reason="验收合格")
    change = StationStatusChange.objects.filter(station=station).first()
    assert (change.from_status, change.to_status, change.by, change.reason) == ("building", "open", world.street_a_staff, "验收合格")
    station.refresh_from_db()
    assert station.built_year is not None


def test_grants_in_fen_and_figures(world, stations):
    services.grant_add(actor=world.district_staff, station=stations["a1"], year=2020, amount_fen=1_000_050)
    services.grant_add(actor=world.district_staff, station=stations["a1"], year=2019, amount_fen=500_000)
    services.grant_add(actor=world.district_staff, station=stations["b1"], year=2020, amount_fen=300_000)
    with pytest.raises(Forbidden):
        services.grant_add(actor=world.admin_a1, station=stations["a1"], year=2020, amount_fen=100)
    with pytest.raises(Invalid):
        services.grant_add(actor=world.district_staff, station=stations["a1"], year=2020, amount_fen=0)
    figs = selectors.figures(world.district_staff)
    assert {r["year"]: (r["amount"], r["stations"]) for r in figs["grants"]} == {2019: (500_000, 1), 2020: (1_300_050, 2)}
    assert {r["street__name"]: r["total"] for r in figs["by_street"]} == {"什刹海街道总工会": 2, "金融街街道总工会": 2}
    street_figs = selectors.figures(world.street_a_staff)
    assert {r["year"]: r["amount"] for r in street_figs["grants"]} == {2019: 500_000, 2020: 1_000_050}
    page = world.client_for(world.district_staff).get(reverse("stations:figures"))
    assert "13,000.50" in page.content.decode()
    xlsx = world.client_for(world.district_staff).get(reverse("stations:figures") + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_staff_api_is_scoped(world, stations, django_assert_max_num_queries):
    client = world.client_for(world.street_b_staff)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/stations/staff/stations").json()
    assert {s["name"] for s in body["items"]} == {"丙驿站", "丁驿站"}
    assert world.client_for(world.worker_a1).get("/api/v1/stations/staff/stations").status_code == 403


def test_annual_review_section(world, stations):
    from modules.stations.cards import review_section

    services.grant_add(actor=world.district_staff, station=stations["a1"], year=2020, amount_fen=1_000_000)
    Station.objects.filter(pk=stations["b1"].pk).update(built_year=2020)
    items = {str(label): value for label, value, _unit in review_section(2020, world.district_staff)["items"]}
    assert items["获资助驿站"] == 1 and items["资助金额"] == 10_000 and items["当年新建驿站"] == 1
    assert review_section(2020, world.street_b_staff)["items"][0][1] == 0
