"""Anomalies worth a look, on a planted example: a union's jump, a collector's jump, bags collected in
another street, and one worker's improbable day — each with its evidence."""

from datetime import date, timedelta

import pytest

from modules.sortstats import selectors, services
from modules.sortstats.selectors import Filters, jump_test
from modules.sortstats.tests.helpers import at, bulk_scans, point

END = date(2026, 11, 22)  # Sunday: the week tested is 16–22 November


@pytest.fixture
def planted(world):
    w = world
    p_a = point(w.street_a, "什刹海一号收集点", [w.collector_a])
    a = dict(point=p_a, collector=w.collector_a)
    for week in range(8, 0, -1):  # eight quiet weeks: 10 bags a week for each of the two unions
        wednesday = END - timedelta(days=7 * week + 4)
        bulk_scans(w.org_a1, **a, times=[at(wednesday, 9)] * 10)
        bulk_scans(w.org_a2, **a, times=[at(wednesday, 10)] * 10)
    this_wednesday = END - timedelta(days=4)
    bulk_scans(w.org_a1, **a, times=[at(this_wednesday, 9)] * 48)
    bulk_scans(w.org_a1, **a, times=[at(this_wednesday, 11)] * 12, owner=w.worker_a1)  # one worker, twelve bags in a day
    bulk_scans(w.org_a2, **a, times=[at(this_wednesday, 10)] * 10)
    bulk_scans(w.org_b1, **a, times=[at(END - timedelta(days=2), 8)] * 4)  # street B's park, collected in street A
    services.rollups_rebuild()
    return w


@pytest.mark.django_db
def test_planted_anomalies_are_listed_with_evidence(planted):
    w = planted
    a = selectors.anomalies(w.district_staff, Filters(start=date(2026, 11, 1), end=END))
    assert a["week"] == "2026年11月16日至2026年11月22日"

    [org] = a["organisation_jumps"]  # org_a2 kept its 10 a week: not listed
    assert (org["name"], org["current"], org["history"]) == ("北京某科技有限公司工会", 60, [10] * 8)
    assert (org["mean"], org["sd"], org["median"], org["mad"]) == (10.0, 0.0, 10, 0)
    assert org["threshold"] == pytest.approx(10 + 3 * 10**0.5, abs=0.1)

    [collector] = a["collector_jumps"]
    assert (collector["name"], collector["current"], collector["history"]) == ("collector_a", 74, [20] * 8)

    [cross] = a["cross_street"]
    assert (cross["organisation"], cross["organisation_street"], cross["point"], cross["point_street"], cross["bags"], cross["first"]) == (
        "金融街园区工会",
        "金融街街道总工会",
        "什刹海一号收集点",
        "什刹海街道总工会",
        4,
        "2026年11月20日",
    )

    [heavy] = a["member_daily"]
    assert (heavy["member"], heavy["organisation"], heavy["day"], heavy["bags"]) == (
        "张*明",
        "北京某科技有限公司工会",
        "2026年11月18日",
        12,
    )

    table = selectors.anomalies_table(w.district_staff, Filters(start=date(2026, 11, 1), end=END))
    assert [r[0] for r in table["rows"]] == ["基层工会投放量突增", "分拣员回收量突增", "跨街道投放", "单人单日袋数过多"]


@pytest.mark.django_db
def test_anomalies_are_scoped(planted):
    w = planted
    f = Filters(start=date(2026, 11, 1), end=END)
    b = selectors.anomalies(w.street_b_staff, f)
    assert b["organisation_jumps"] == [] and b["member_daily"] == []
    assert [r["organisation"] for r in b["cross_street"]] == ["金融街园区工会"]  # street B sees its union's bags collected elsewhere
    admin = selectors.anomalies(w.admin_a1, f)
    assert [r["name"] for r in admin["organisation_jumps"]] == ["北京某科技有限公司工会"] and admin["cross_street"] == []


def test_jump_rule_needs_both_the_mean_and_the_robust_rule():
    assert jump_test([10] * 8, 60, k=3, min_bags=20) is not None
    assert jump_test([10] * 8, 19, k=3, min_bags=20) is None  # below the minimum volume
    # One wild week in the history inflates the sd: the robust (median/MAD) rule still sees 60 as a jump,
    # but both must agree, so a history with a real spread is not flagged for an ordinary week.
    assert jump_test([10, 10, 10, 10, 10, 10, 10, 200], 60, k=3, min_bags=20) is None
    assert jump_test([30, 45, 38, 52, 41, 36, 48, 40], 55, k=3, min_bags=20) is None


def test_the_week_tested_is_the_last_complete_iso_week():
    from modules.sortstats.selectors import last_full_week

    assert last_full_week(date(2026, 11, 22)) == date(2026, 11, 16)  # a Sunday closes its own week
    assert last_full_week(date(2026, 11, 24)) == date(2026, 11, 16)  # on a Tuesday, last week is the last full one
    assert last_full_week(date(2026, 11, 16)) == date(2026, 11, 9)
