"""The demo seeder builds a believable district quickly: stations inside Xicheng, 2019/2020
builds with grants, the 2020 rubric and plan with a few inspections done and one fix task open."""

import random
from datetime import datetime
from zoneinfo import ZoneInfo

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from modules.stations.demo import seed_stations
from modules.stations.models import InspectionAssignment, Station, StationGrant, StationTask
from modules.stations.selectors import nearest_open_stations


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
