"""The stations' part of ``seed_demo --year-like-2020`` and of the annual review, read as the seed
article says: 904 stations whose construction money was paid before the year (the base), all 904
visited from October in the year's inspection and evaluation, 332 new ones built in the year —
1,236 by its end. Counted here straight from the rows, not through the review's code."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.demo.context import SCALES, DemoContext
from core.demo.tree import seed_tree
from core.errors import Invalid
from engines.review import services as review
from modules.stations import services
from modules.stations.demo import seed_stations, seed_year
from modules.stations.models import InspectionAssignment, InspectionPlan, InspectionSubmission, Station, StationGrant
from modules.stations.review import review_section
from modules.stations.tests.factories import make_station
from modules.stations.tests.test_inspection import GOOD, ITEMS, POOR

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2020


def _base_ids(year):
    """Built before the year, with money granted in a year before it — by hand from the rows."""
    funded = {g.station_id for g in StationGrant.objects.all() if g.year < year}
    return {s.pk for s in Station.objects.all() if s.built_year is not None and s.built_year < year and s.pk in funded}


def _inspected(year):
    return InspectionAssignment.objects.filter(plan__year=year, state="done")


@pytest.mark.slow  # 1,176 stations and 901 inspections through the services; make test-pg runs it, and the
# SQLite runs seed the same year through seed_demo --year-like-2020 (modules/annual/tests/test_year_like_2020.py)
@pytest.mark.django_db(transaction=False)
def test_the_year_seeder_builds_on_904_funded_before_inspects_them_from_october_and_adds_332():
    """On top of the platform's own demo (60 stations at tiny scale, 38 of 2019 and 22 of 2020, a 2020
    plan with 3 inspections done): the seeder counts what is there and tops up through the services."""
    ctx = DemoContext(scale=SCALES["tiny"], rng=random.Random(2020), progress=False)
    seed_tree(ctx)
    seed_stations(ctx)
    before = Station.objects.count()
    demo_done = set(_inspected(YEAR).values_list("pk", flat=True))
    assert len(demo_done) == 3

    seed_year(ctx, YEAR)

    base = _base_ids(YEAR)
    assert len(base) == 904
    assert Station.objects.filter(built_year=YEAR).count() == 332
    assert Station.objects.filter(built_year__lte=YEAR).count() == 1236 == before - 2 + (904 - 38) + (332 - 22)
    # the new stations came through station_create: their opening slots and status history exist
    new = Station.objects.filter(name__contains=f"{YEAR}驿站")
    assert new.count() == 1236 - 60
    assert all(s.open_slots.exists() and s.status_changes.filter(to_status="open").exists() for s in new[:50])
    # 904 stations visited in the year's plan (one plan: the demo's, reused), each through inspection_submit
    assert InspectionPlan.objects.filter(year=YEAR).count() == 1
    done = _inspected(YEAR)
    assert done.values("station").distinct().count() == 904
    seeded = done.exclude(pk__in=demo_done)
    assert seeded.count() == 901
    assert set(seeded.values_list("station_id", flat=True)) <= base
    for a in seeded.select_related("evaluation"):
        visited = a.visited_at.astimezone(SHANGHAI)
        assert (visited.year, visited.month >= 10) == (YEAR, True), visited
        assert a.evaluation is not None and a.evaluation.total is not None
    assert InspectionSubmission.objects.filter(assignment__in=seeded).count() == 901
    # a second run adds nothing
    counts = (Station.objects.count(), StationGrant.objects.count(), InspectionAssignment.objects.count(), done.count())
    seed_year(ctx, YEAR)
    assert (Station.objects.count(), StationGrant.objects.count(), InspectionAssignment.objects.count(), done.count()) == counts


def test_the_review_states_base_inspections_new_and_total_with_lists_behind_them(world):
    """Hand-made: 3 stations built in 2019 (2 funded in 2018/2019, 1 never), 1 built in 2020 and funded
    in 2020 (not in the base), 1 built in 2021 with 2019 money (not built before 2020); 2 visited in
    2020's plan (one of them a 2020 station), a third assigned but not visited."""
    staff = world.district_staff
    s1 = make_station(staff, world.org_a1, built_year=2019, name="基础甲驿站")
    s2 = make_station(staff, world.org_b1, built_year=2019, name="基础乙驿站")
    s3 = make_station(staff, world.org_a2, built_year=2019, name="无经费驿站")
    s4 = make_station(staff, world.org_a1, built_year=2020, name="新建丙驿站")
    s5 = make_station(staff, world.org_a1, built_year=2021, name="后建丁驿站")
    for station, year in ((s1, 2018), (s2, 2019), (s4, 2020), (s5, 2019)):
        services.grant_add(actor=staff, station=station, year=year, amount_fen=1_000_000)
    rubric = review.rubric_create(actor=staff, key="stations.inspection.2020", name="2020年度检查标准", items=ITEMS)
    plan = services.plan_create(actor=staff, year=2020, name="2020年度检查评估", rubric=rubric)
    services.plan_assign(actor=staff, plan=plan, stations=[s1, s4, s3], inspector=world.inspector)
    for n, station in enumerate((s1, s4)):
        a = InspectionAssignment.objects.get(plan=plan, station=station)
        services.inspection_submit(
            actor=world.inspector,
            assignment=a,
            client_key=f"review-test-{n}",
            scores=GOOD,
            visited_at=dt.datetime(2020, 10, 12 + n, 10, tzinfo=SHANGHAI),
        )
    section = review_section(2020, staff)
    f = {i.key: i for i in section.items}
    assert (f["stations.funded"].value, f["stations.inspected"].value, f["stations.built"].value, f["stations.total"].value) == (2, 2, 1, 4)
    assert (
        section.summary == "在2家（上一年度前已拨付建设经费）的基础上，今年新建成职工暖心驿站1家，截至年底共4家；年度检查评估走访调研2家。"
    )
    client = world.client_for(staff)
    expected = {
        "stations.funded": {"基础甲驿站", "基础乙驿站"},
        "stations.inspected": {"基础甲驿站", "新建丙驿站"},
        "stations.built": {"新建丙驿站"},
        "stations.total": {"基础甲驿站", "基础乙驿站", "无经费驿站", "新建丙驿站"},
    }
    names = {s.name for s in (s1, s2, s3, s4, s5)}
    for key, want in expected.items():
        assert "2020" in f[key].url, f[key].url
        page = client.get(f[key].url).content.decode()
        assert {n for n in names if f">{n}</a>" in page} == want, key
    # street A's review: its own stations only (甲, 无经费 and 丙 are street A's; 乙 is street B's)
    a = {i.key: i.value for i in review_section(2020, staff, street=world.street_a).items}
    assert (a["stations.funded"], a["stations.inspected"], a["stations.built"], a["stations.total"]) == (1, 2, 1, 3)
    # the annual review page says it in the article's words
    page = client.get(reverse("annual:review"), {"year": 2020}).content.decode()
    assert "在2家（上一年度前已拨付建设经费）的基础上，今年新建成职工暖心驿站1家" in page


@pytest.mark.parametrize("bad", ["abcd", "1800", "2020.5", "99999999999999999999"])
def test_a_bad_funded_before_or_inspected_is_told_not_a_500(world, bad):
    make_station(world.district_staff, world.org_a1, built_year=2019)
    client = world.client_for(world.district_staff)
    for name in ("funded_before", "inspected"):
        response = client.get(reverse("stations:list"), {name: bad})
        assert response.status_code == 200
        assert "年度：应为" in response.content.decode()
    api = client.get("/api/v1/stations/staff/stations", {"funded_before": bad})
    assert api.status_code == 422


def test_the_api_filters_the_review_lists_too(world):
    staff = world.district_staff
    s1 = make_station(staff, world.org_a1, built_year=2019)
    make_station(staff, world.org_a1, built_year=2019)
    services.grant_add(actor=staff, station=s1, year=2019, amount_fen=100)
    rows = world.client_for(staff).get("/api/v1/stations/staff/stations", {"funded_before": 2020, "until": 2019}).json()
    assert [r["id"] for r in rows["items"]] == [s1.pk]


@pytest.fixture
def plan(world):
    rubric = review.rubric_create(actor=world.district_staff, key="stations.inspection.2020", name="2020年度检查标准", items=ITEMS)
    plan = services.plan_create(actor=world.district_staff, year=2020, name="2020年度检查评估", rubric=rubric, fix_days=30)
    services.plan_assign(
        actor=world.district_staff, plan=plan, stations=[make_station(world.district_staff, world.org_a1)], inspector=world.inspector
    )
    return plan


def test_a_checklist_sent_later_keeps_its_visit_and_the_fix_period_runs_from_it(world, plan):
    a = InspectionAssignment.objects.get(plan=plan)
    visit = dt.datetime(2020, 11, 3, 15, 30, tzinfo=SHANGHAI)
    [task] = services.inspection_submit(
        actor=world.inspector, assignment=a, client_key="later-0001", scores=POOR, visited_at=visit
    ).fix_tasks
    a.refresh_from_db()
    assert a.visited_at == visit and a.state == "done"
    assert task.deadline == dt.date(2020, 12, 3)


@pytest.mark.parametrize(
    "visited, code",
    [
        (lambda: timezone.now() + dt.timedelta(hours=1), "visited_at_future"),
        (lambda: dt.datetime(2019, 12, 31, 23, 0, tzinfo=SHANGHAI), "visited_at_before_plan"),
        (lambda: "2020-11-03", "visited_at"),
    ],
)
def test_a_visit_in_the_future_or_before_the_plan_year_is_refused_and_changes_nothing(world, plan, visited, code):
    a = InspectionAssignment.objects.get(plan=plan)
    with pytest.raises(Invalid) as error:
        services.inspection_submit(actor=world.inspector, assignment=a, client_key="later-0002", scores=GOOD, visited_at=visited())
    assert error.value.code == code and error.value.field == "visited_at"
    a.refresh_from_db()
    assert a.state == "pending" and a.visited_at is None and not InspectionSubmission.objects.filter(assignment=a).exists()
