"""The dashboard's numbers against figures worked out by hand from the `november` data set (conftest).

Period 2–8 Nov 2026, district view:
  kitchen    #1 2000 g ok, #2 1000 g wrong, #6 3000 g ok, #7 1500 g ok → 4 bags, 7.5 kg, 3 correct
  recyclable #3  500 g ok                                             → 1 bag, 0.5 kg
  hazardous  #5  100 g wrong (battery, medicine)                      → 1 bag, 0.1 kg
  other      #4  unweighed ok                                         → 1 bag, 0 kg
  total 7 bags, 8.1 kg, 5 correct (71.4 %); previous period (26 Oct–1 Nov): kitchen #9, #10 → 2 bags, 3.0 kg.
"""

from datetime import date

import pytest

from core.errors import Forbidden
from modules.sortstats import selectors
from modules.sortstats.selectors import Filters

PERIOD = Filters(start=date(2026, 11, 2), end=date(2026, 11, 8))


def row(table, label):
    return next(r for r in table["rows"] if r[0] == label)


@pytest.mark.django_db
def test_volume_by_category_with_change_against_previous_period(november):
    t = selectors.volume_summary(november.world.district_staff, PERIOD)
    #                       bags kg  share% prev  change% prev kg  kg change%  accuracy%
    assert row(t, "厨余垃圾") == ["厨余垃圾", 4, 7.5, 57.1, 2, 100.0, 3.0, 150.0, 75.0]
    assert row(t, "可回收物") == ["可回收物", 1, 0.5, 14.3, 0, None, 0.0, None, 100.0]
    assert row(t, "有害垃圾") == ["有害垃圾", 1, 0.1, 14.3, 0, None, 0.0, None, 0.0]
    assert row(t, "其他垃圾") == ["其他垃圾", 1, 0.0, 14.3, 0, None, 0.0, None, 100.0]
    assert t["totals"] == {
        "bags": 7,
        "kg": 8.1,
        "previous_bags": 2,
        "previous_kg": 3.0,
        "change": 250.0,
        "change_kg": 170.0,
        "accuracy": 71.4,
    }
    assert t["top_category"] == "厨余垃圾"
    assert t["previous_period"] == "2026年10月26日至2026年11月1日"


@pytest.mark.django_db
def test_trend_by_day_and_by_week_respects_local_midnight(november):
    days = selectors.volume_trend(november.world.district_staff, PERIOD)
    assert len(days["buckets"]) == 7
    assert days["totals"] == [2, 2, 2, 0, 0, 0, 1]  # 2-8 Nov; #7 at 23:59 on the 8th, #8 at 00:00 on the 9th
    assert days["series"]["厨余垃圾"]["kg"] == [3.0, 0, 3.0, 0, 0, 0, 1.5]
    weeks = selectors.volume_trend(
        november.world.district_staff, Filters(start=date(2026, 10, 26), end=date(2026, 11, 15), granularity="week")
    )
    assert weeks["buckets"] == ["10月26日起一周", "11月2日起一周", "11月9日起一周"]
    assert weeks["totals"] == [2, 7, 1]
    months = selectors.volume_trend(
        november.world.district_staff, Filters(start=date(2026, 10, 1), end=date(2026, 11, 30), granularity="month")
    )
    assert months["totals"] == [1, 9]


@pytest.mark.django_db
def test_where_by_street_and_kind(november):
    w = november.world
    streets = selectors.volume_by_street(w.district_staff, PERIOD)
    # columns: street, kitchen, recyclable, hazardous, other, total, kg, top category
    assert row(streets, "什刹海街道总工会") == ["什刹海街道总工会", 2, 1, 0, 1, 4, 3.5, "厨余垃圾"]
    assert row(streets, "金融街街道总工会") == ["金融街街道总工会", 2, 0, 1, 0, 3, 4.6, "厨余垃圾"]
    kinds = selectors.volume_by_kind(w.district_staff, PERIOD)
    assert [r[0] for r in kinds["rows"]][:2] == ["企业", "园区"]  # most bags first
    assert {r[0] for r in kinds["rows"][2:]} == {"机关事业单位", "社区"}
    assert row(kinds, "园区")[1:6] == [1, 0, 1, 0, 2]


@pytest.mark.django_db
def test_when_weekday_by_hour(november):
    h = selectors.heatmap(november.world.district_staff, PERIOD)
    monday, tuesday, wednesday, sunday = h["rows"][0], h["rows"][1], h["rows"][2], h["rows"][6]
    assert monday[0] == "周一" and monday[1 + 8] == 2 and sum(monday[1:]) == 2
    assert tuesday[1 + 19] == 2 and wednesday[1 + 7] == 2 and sunday[1 + 23] == 1
    assert sum(sum(r[1:]) for r in h["rows"]) == 7


@pytest.mark.django_db
def test_accuracy_by_category_street_kind_and_organisation(november):
    w = november.world
    assert row(selectors.accuracy_by_category(w.district_staff, PERIOD), "厨余垃圾") == ["厨余垃圾", 4, 3, 1, 75.0]
    streets = selectors.accuracy_by_street(w.district_staff, PERIOD)
    assert row(streets, "什刹海街道总工会") == ["什刹海街道总工会", 4, 3, 1, 75.0]
    assert row(streets, "金融街街道总工会") == ["金融街街道总工会", 3, 2, 1, 66.7]
    kinds = selectors.accuracy_by_kind(w.district_staff, PERIOD)
    assert row(kinds, "企业") == ["企业", 3, 2, 1, 66.7]
    assert row(kinds, "园区") == ["园区", 2, 1, 1, 50.0]
    orgs = selectors.accuracy_by_organisation(w.district_staff, PERIOD)
    assert orgs["rows"][0] == ["北京某科技有限公司工会", 3, 2, 1, 66.7]
    assert row(orgs, "某中学工会") == ["某中学工会", 1, 1, 0, 100.0]


@pytest.mark.django_db
def test_most_common_wrong_sort_reasons(november):
    t = selectors.wrong_reasons(november.world.district_staff, PERIOD)
    assert t["total"] == 3
    assert sorted(t["rows"]) == sorted([["厨余未沥干", 1, 33.3], ["电池混投", 1, 33.3], ["过期药品混投", 1, 33.3]])
    previous = selectors.wrong_reasons(november.world.district_staff, PERIOD.previous())
    assert previous["rows"] == [["未注明原因", 1, 100.0]]  # #10 was graded wrong without a reason


@pytest.mark.django_db
def test_participation_new_participants_and_bags_issued_vs_used(november):
    w = november.world
    orgs = selectors.participation_by_organisation(w.district_staff, PERIOD)
    assert orgs["month"] == "2026年11月"
    # members, participants, rate, new, issued, used, usage
    assert row(orgs, "北京某科技有限公司工会") == ["北京某科技有限公司工会", 2, 2, 100.0, 2, 15, 5, 33.3]
    assert row(orgs, "金融街园区工会") == ["金融街园区工会", 1, 1, 100.0, 0, 2, 2, 100.0]  # worker_b1 began in October
    assert row(orgs, "柳荫街社区工会") == ["柳荫街社区工会", 0, 0, None, 0, 1, 1, 100.0]
    streets = selectors.participation_by_street(w.district_staff, PERIOD)
    assert row(streets, "什刹海街道总工会") == ["什刹海街道总工会", 2, 2, 100.0, 2, 16, 6, 37.5]
    assert row(streets, "金融街街道总工会") == ["金融街街道总工会", 1, 1, 100.0, 0, 3, 3, 100.0]
    trend = selectors.participation_trend(w.district_staff, PERIOD)
    assert trend["rows"][-2] == ["2026年10月", 3, 1, 33.3, 1, 1, 1, 100.0]


@pytest.mark.django_db
def test_throughput_per_point_and_collector(november):
    w = november.world
    points = selectors.throughput_points(w.district_staff, PERIOD)
    # point, street, bags, kg, accuracy, days, bags/day, collectors
    assert points["rows"] == [
        ["什刹海一号收集点", "什刹海街道总工会", 5, 6.5, 80.0, 3, 1.7, 1],
        ["金融街一号收集点", "金融街街道总工会", 2, 1.6, 50.0, 2, 1.0, 1],
    ]
    collectors = selectors.throughput_collectors(w.district_staff, PERIOD)
    assert [r[:3] for r in collectors["rows"]] == [["collector_a", 5, 6.5], ["collector_b", 2, 1.6]]


@pytest.mark.django_db
def test_filters_street_kind_category(november):
    w = november.world
    by_street_b = selectors.volume_summary(w.district_staff, Filters(start=PERIOD.start, end=PERIOD.end, street_id=w.street_b.pk))
    assert by_street_b["totals"]["bags"] == 3  # includes the industry union's school located in street B
    parks = selectors.volume_summary(w.district_staff, Filters(start=PERIOD.start, end=PERIOD.end, kind="park"))
    assert parks["totals"]["bags"] == 2
    kitchen = selectors.volume_trend(w.district_staff, Filters(start=PERIOD.start, end=PERIOD.end, category="kitchen"))
    assert list(kitchen["series"]) == ["厨余垃圾"] and kitchen["totals"] == [2, 0, 1, 0, 0, 0, 1]


@pytest.mark.django_db
def test_scope_per_role(november):
    w = november.world
    bags = lambda user: selectors.volume_summary(user, PERIOD)["totals"]["bags"]  # noqa: E731
    assert bags(w.district_staff) == 7
    assert bags(w.street_a_staff) == 4
    assert bags(w.street_b_staff) == 2  # the school belongs to the industry union, not to street B's union
    assert bags(w.admin_a1) == 3
    assert bags(w.admin_b1) == 2
    assert [r[0] for r in selectors.accuracy_by_organisation(w.admin_a1, PERIOD)["rows"]] == ["北京某科技有限公司工会"]
    assert sum(sum(r[1:]) for r in selectors.heatmap(w.admin_a1, PERIOD)["rows"]) == 3
    assert [r[0] for r in selectors.participation_by_organisation(w.street_a_staff, PERIOD)["rows"]] == [
        "北京某科技有限公司工会",
        "柳荫街社区工会",
    ]
    assert [r[0] for r in selectors.throughput_points(w.street_b_staff, PERIOD)["rows"]] == ["金融街一号收集点"]
    for user in (w.collector_a, w.inspector, w.worker_a1.user):
        with pytest.raises(Forbidden):
            selectors.volume_summary(user, PERIOD)


@pytest.mark.django_db
def test_street_filter_outside_scope_is_refused(november):
    from django.http import QueryDict

    from core.errors import Invalid

    w = november.world
    with pytest.raises(Invalid) as error:
        selectors.parse_filters(QueryDict(f"street={w.street_b.pk}"), w.street_a_staff)
    assert error.value.field == "street"
    assert selectors.parse_filters(QueryDict(f"street={w.street_a.pk}&month=2026-11"), w.street_a_staff).end == date(2026, 11, 30)


def test_split_period_into_whole_months_and_edge_days():
    def split(f):
        return selectors.split_period(f, today=date(2027, 1, 10))

    assert split(Filters(start=date(2026, 10, 15), end=date(2026, 12, 3))) == (
        [date(2026, 11, 1)],
        [(date(2026, 10, 15), date(2026, 10, 31)), (date(2026, 12, 1), date(2026, 12, 3))],
    )
    assert split(Filters(start=date(2026, 1, 1), end=date(2026, 12, 31)))[0] == [date(2026, m, 1) for m in range(1, 13)]
    assert split(Filters(start=date(2026, 1, 1), end=date(2026, 12, 31)))[1] == []
    assert split(Filters(start=date(2026, 11, 2), end=date(2026, 11, 8))) == ([], [(date(2026, 11, 2), date(2026, 11, 8))])
    # the current month is never read from the month tables
    assert selectors.split_period(Filters(start=date(2026, 10, 1), end=date(2026, 11, 30)), today=date(2026, 11, 24)) == (
        [date(2026, 10, 1)],
        [(date(2026, 11, 1), date(2026, 11, 30))],
    )


@pytest.mark.django_db
def test_long_period_reads_month_tables_plus_edge_days(november):
    """1 Oct – 8 Nov: October (closed) from the month tables, 1–8 November from day and week rows: #1–#7, #9, #10."""
    from modules.sortstats.models import BranchMonthCat

    assert BranchMonthCat.objects.filter(month=date(2026, 10, 1)).exists()
    w = november.world
    f = Filters(start=date(2026, 10, 1), end=date(2026, 11, 8))
    t = selectors.volume_summary(w.district_staff, f)
    assert [r[1] for r in t["rows"]] == [6, 1, 1, 1] and t["totals"]["kg"] == 11.1
    assert sum(sum(r[1:]) for r in selectors.heatmap(w.district_staff, f)["rows"]) == 9
    assert selectors.wrong_reasons(w.district_staff, f)["total"] == 4
    assert row(selectors.accuracy_by_organisation(w.district_staff, f), "北京某科技有限公司工会") == [
        "北京某科技有限公司工会",
        4,
        3,
        1,
        75.0,
    ]
    assert row(selectors.accuracy_by_street(w.street_a_staff, f), "什刹海街道总工会") == ["什刹海街道总工会", 5, 4, 1, 80.0]
    assert selectors.volume_summary(w.admin_b1, f)["totals"]["bags"] == 3


def test_split_weeks():
    assert selectors.split_weeks(date(2026, 11, 1), date(2026, 11, 24)) == (
        [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)],
        [(date(2026, 11, 1), date(2026, 11, 1)), (date(2026, 11, 23), date(2026, 11, 24))],
    )
    assert selectors.split_weeks(date(2026, 11, 3), date(2026, 11, 8)) == ([], [(date(2026, 11, 3), date(2026, 11, 8))])


@pytest.mark.django_db
def test_union_figures_from_week_tables_match(november):
    """2–15 Nov for a union admin: two whole ISO weeks, read from OrgWeek; the same answer as by hand."""
    w = november.world
    f = Filters(start=date(2026, 11, 1), end=date(2026, 11, 15))
    t = selectors.volume_summary(w.admin_a1, f)
    assert [r[1] for r in t["rows"]] == [4, 1, 0, 0] and t["totals"]["kg"] == 5.5 and t["totals"]["accuracy"] == 80.0
    assert row(selectors.accuracy_by_organisation(w.district_staff, f), "北京某科技有限公司工会") == [
        "北京某科技有限公司工会",
        5,
        4,
        1,
        80.0,
    ]


@pytest.mark.django_db
def test_throughput_over_closed_months_counts_each_working_day_once(world):
    """September to 8 November: October is read from the month table, the edges from day rows.

    Hand count. Point A (collectors a and x): Sep 30 a kitchen; Oct 5 a kitchen + x other (one
    day, two collectors); Oct 6 a kitchen ×2 (one wrong); Oct 31 x recyclable; Nov 2 a kitchen.
    → 7 bags, 6 correct, working days Sep 30, Oct 5, 6, 31, Nov 2 = 5; collectors 2.
    Collector a: Sep 30, Oct 5, Oct 6 ×2, Nov 2 = 5 bags on 4 days at 1 point; x: 2 bags, 2 days.
    Kitchen only: point A 5 bags (4 correct) on Sep 30, Oct 5, 6, Nov 2 = 4 days.
    """
    from django.contrib.auth import get_user_model

    from core.models import RoleAssignment
    from modules.sortstats import services
    from modules.sortstats.tests.helpers import at, point, scan

    x = get_user_model().objects.create(username="collector_x", display_name="分拣员X")
    RoleAssignment.objects.create(user=x, role=RoleAssignment.Role.COLLECTOR, organisation=world.street_a)
    p = point(world.street_a, "什刹海二号收集点", [world.collector_a, x])
    a = dict(point=p, collector=world.collector_a)
    scan(world.org_a1, **a, when=at(date(2026, 9, 30), 9), category="kitchen", grams=1000)
    scan(world.org_a1, **a, when=at(date(2026, 10, 5), 9), category="kitchen", grams=1000)
    scan(world.org_a1, point=p, collector=x, when=at(date(2026, 10, 5), 18), category="other", grams=500)
    scan(world.org_a1, **a, when=at(date(2026, 10, 6), 8), category="kitchen", grams=1000)
    scan(world.org_a1, **a, when=at(date(2026, 10, 6), 9), category="kitchen", grade="wrong", grams=1000)
    scan(world.org_a1, point=p, collector=x, when=at(date(2026, 10, 31), 23, 30), category="recyclable", grams=500)
    scan(world.org_a1, **a, when=at(date(2026, 11, 2), 9), category="kitchen", grams=1000)
    services.rollups_rebuild()
    period = Filters(start=date(2026, 9, 15), end=date(2026, 11, 8))
    points = selectors.throughput_points(world.district_staff, period)
    assert points["rows"] == [["什刹海二号收集点", "什刹海街道总工会", 7, 6.0, 85.7, 5, 1.4, 2]]
    collectors = {r[0]: r[1:] for r in selectors.throughput_collectors(world.district_staff, period)["rows"]}
    assert collectors["collector_a"] == [5, 5.0, 80.0, 4, 1.2, 1]
    assert collectors["分拣员X"] == [2, 1.0, 100.0, 2, 1.0, 1]
    kitchen = selectors.throughput_points(world.district_staff, Filters(start=period.start, end=period.end, category="kitchen"))
    assert kitchen["rows"][0][2:6] == [5, 5.0, 80.0, 4]
    # the heatmap reads October from the all-categories month table: Mon 9h = 5 Oct + 2 Nov, …
    cells = {(r[0], h): v for r in selectors.heatmap(world.district_staff, period)["rows"] for h, v in enumerate(r[1:]) if v}
    assert cells == {("周一", 9): 2, ("周一", 18): 1, ("周二", 8): 1, ("周二", 9): 1, ("周三", 9): 1, ("周六", 23): 1}
    kitchen_cells = sum(
        sum(r[1:]) for r in selectors.heatmap(world.district_staff, Filters(start=period.start, end=period.end, category="kitchen"))["rows"]
    )
    assert kitchen_cells == 5


@pytest.mark.django_db
def test_throughput_of_the_month_to_date_reads_the_running_month_row(november):
    """Periods reaching today read November from PointMonth (kept to date by the refresh).

    Hand count, point A: Nov 1, 2, 2 (wrong), 3, 3, 4, 9 → 7 bags, 8.5 kg, 6 correct, 5 days.
    Point B: Nov 4 (wrong), 8 → 2 bags, 1.6 kg, 2 days; with 30 Oct (wrong, 2 kg) → 3 bags, 3 days.
    """
    w = november.world
    month = selectors.throughput_points(w.district_staff, Filters(start=date(2026, 11, 1), end=date(2026, 11, 30)))
    assert month["rows"] == [
        ["什刹海一号收集点", "什刹海街道总工会", 7, 8.5, 85.7, 5, 1.4, 1],
        ["金融街一号收集点", "金融街街道总工会", 2, 1.6, 50.0, 2, 1.0, 1],
    ]
    last_days = selectors.throughput_points(w.district_staff, Filters(start=date(2026, 10, 25), end=date(2026, 11, 30)))
    assert last_days["rows"][1] == ["金融街一号收集点", "金融街街道总工会", 3, 3.6, 33.3, 3, 1.0, 1]
