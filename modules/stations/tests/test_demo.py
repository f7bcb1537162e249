"""The demo seeder builds a believable district quickly: stations inside Xicheng, 2019/2020
builds with grants, the 2020 rubric and plan with a few inspections done and one fix task open."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from modules.stations.demo import seed_stations
from modules.stations.models import InspectionAssignment, Station, StationGrant, StationTask
from modules.stations.selectors import match_places, nearest_open_stations


def test_seeder(db):
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(2020), progress=False)
    seed_tree(ctx)
    seed_stations(ctx)
    stations = Station.objects.all()
    assert stations.filter(built_year=2020).count() == 22 and stations.filter(built_year=2019).count() == 38
    assert all(39.86 <= s.lat <= 39.96 and 116.32 <= s.lng <= 116.40 for s in stations)
    assert StationGrant.objects.filter(year=2020).values("station").distinct().count() == 60
    assert InspectionAssignment.objects.filter(inspector=ctx.users["inspector"], state="done").count() == 3
    assert StationTask.objects.filter(kind="fix", state="open").count() == 1
    assert StationTask.objects.filter(kind="problem").count() == 1
    assert len(nearest_open_stations(39.91, 116.36, datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("Asia/Shanghai")), [], 5)) == 5


@pytest.mark.parametrize("seed", [2020, 7, 11])
def test_a_typed_street_finds_an_open_station_of_that_street_at_every_hour(db, seed):
    """Each street's anchor station is open all day near the street's centre: the worker who types
    月坛 at 3 a.m. or at noon, on any weekday, gets a 月坛 station first (the browser journey asks
    exactly this, at whatever hour CI runs, on a demo whose draws shift with the date it is built)."""
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(seed), progress=False)
    seed_tree(ctx)
    seed_stations(ctx)
    place = match_places("月坛")[0]
    monday = datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
    for hour in range(0, 7 * 24, 3):
        near = nearest_open_stations(place["lat"], place["lng"], monday + timedelta(hours=hour), [], 10)
        assert near and "月坛" in near[0].name + near[0].address, (hour, near[:1])
    three_am = monday + timedelta(hours=3)
    for street in ctx.streets:
        found = match_places(street.name.replace("街道总工会", ""))
        near = nearest_open_stations(found[0]["lat"], found[0]["lng"], three_am, [], 10)
        assert any(s.name.startswith(street.name.replace("街道总工会", "")) for s in near), street.name
