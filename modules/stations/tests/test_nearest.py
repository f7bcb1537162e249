"""A courier at lunch time asks for the nearest open stations with hot food: order, open-now
boundaries (Asia/Shanghai), overnight hours and the service filter."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from modules.stations import hours
from modules.stations.selectors import haversine_m, nearest_open_stations
from modules.stations.tests.factories import make_station

SH = ZoneInfo("Asia/Shanghai")
MON_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=SH)  # a Monday


def at(weekday: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, 23 + weekday, hh, mm, tzinfo=SH)


def test_parse_and_format_hours():
    assert hours.parse_day("08:00-12:00，14:00-20:00") == [[480, 720], [840, 1200]]
    assert hours.parse_day("休息") == []
    assert hours.parse_day("22:00-06:00") == [[1320, 1800]]
    assert hours.parse_day("全天") == [[0, 1440]]
    assert hours.format_day([[1320, 1800]]) == "22:00-06:00"
    for bad in ("8点到9点", "25:00-26:00", "08:00-12:00,11:00-13:00"):
        with pytest.raises(hours.HoursError):
            hours.parse_day(bad)


def test_sunday_overnight_wraps_to_monday():
    week = hours.parse_week(["休息"] * 6 + ["22:00-02:00"])
    assert hours.slots(week) == [(0, 120), (6 * 1440 + 1320, 7 * 1440)]
    assert hours.is_open(week, at(0, 1, 59)) and not hours.is_open(week, at(0, 2, 0))
    assert hours.is_open(week, at(6, 22, 0)) and not hours.is_open(week, at(6, 21, 59))


def test_nearest_in_distance_order(world):
    near = make_station(world.admin_a1, world.org_a1, lat=39.9010, lng=116.3600)
    far = make_station(world.admin_a1, world.org_a1, lat=39.9300, lng=116.3600)
    mid = make_station(world.admin_a1, world.org_a1, lat=39.9100, lng=116.3600)
    found = nearest_open_stations(39.9000, 116.3600, MON_NOON, [], 10)
    assert [s.id for s in found] == [near.pk, mid.pk, far.pk]
    assert found[0].distance_m == pytest.approx(111.2, abs=1)
    assert [s.id for s in nearest_open_stations(39.9000, 116.3600, MON_NOON, [], 2)] == [near.pk, mid.pk]


def test_far_station_found_when_nothing_near(world):
    # beyond every search radius the whole district is searched
    only = make_station(world.admin_a1, world.org_a1, lat=40.04, lng=116.49)
    assert [s.id for s in nearest_open_stations(39.80, 116.25, MON_NOON, [], 3)] == [only.pk]


def test_open_now_at_boundaries(world):
    station = make_station(world.admin_a1, world.org_a1, hours=["08:00-12:00,14:00-20:00"] * 5 + ["休息", "休息"])
    ids = lambda when: [s.id for s in nearest_open_stations(39.90, 116.36, when, [], 5)]  # noqa: E731
    assert ids(at(0, 7, 59)) == []
    assert ids(at(0, 8, 0)) == [station.pk]
    assert ids(at(0, 11, 59)) == [station.pk]
    assert ids(at(0, 12, 0)) == []  # the lunch break
    assert ids(at(0, 14, 0)) == [station.pk]
    assert ids(at(0, 20, 0)) == []
    assert ids(at(5, 10, 0)) == []  # Saturday closed
    # the time zone is Shanghai's: 02:00 UTC Monday is 10:00 in Beijing
    assert ids(datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo("UTC"))) == [station.pk]


def test_overnight_hours(world):
    night = make_station(world.admin_a1, world.org_a1, hours=["22:00-06:00"] * 5 + ["休息", "休息"])
    ids = lambda when: [s.id for s in nearest_open_stations(39.90, 116.36, when, [], 5)]  # noqa: E731
    assert ids(at(0, 23, 30)) == [night.pk]
    assert ids(at(1, 5, 59)) == [night.pk]  # Monday's night, on Tuesday morning
    assert ids(at(0, 5, 0)) == []  # Monday early: Sunday was closed
    assert ids(at(5, 3, 0)) == [night.pk]  # Friday's night runs into Saturday
    assert ids(at(5, 23, 0)) == []


def test_services_filter_and_status(world):
    water = make_station(world.admin_a1, world.org_a1, services_=("water",))
    both = make_station(world.admin_a1, world.org_a1, services_=("water", "heating", "toilet"), lat=39.905)
    make_station(world.admin_a1, world.org_a1, services_=("water", "heating"), status="suspended")
    assert [s.id for s in nearest_open_stations(39.90, 116.36, MON_NOON, ["heating"], 5)] == [both.pk]
    assert [s.id for s in nearest_open_stations(39.90, 116.36, MON_NOON, ["water"], 5)] == [water.pk, both.pk]
    assert nearest_open_stations(39.90, 116.36, MON_NOON, ["first_aid"], 5) == []


def test_haversine():
    # Tiananmen to the Xidan crossing: about 1.9 km
    assert haversine_m(39.9087, 116.3975, 39.9075, 116.3746) == pytest.approx(1955, rel=0.02)
