"""The dashboard's default 本月 (issue 18, item 8), on a clock the test controls.

The clock is 4 March 2031, 15:30 in Beijing — far from any real date, so nothing here depends on
today. Before: 1–4 March was compared with the 4 days before it (25–28 February) and today, still
in progress, was drawn as a dive towards zero; the two per-union tables listed every union.
"""

import io
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import Organisation
from core.tests.factories import OrganisationFactory
from modules.sortstats import selectors, services
from modules.sortstats.selectors import Filters
from modules.sortstats.tests.helpers import SHANGHAI, at, bulk_scans, point

NOW = datetime(2031, 3, 4, 15, 30, tzinfo=SHANGHAI)
TODAY = NOW.date()


@pytest.fixture
def clock(monkeypatch):
    """Freeze Django's clock (``timezone.now``, hence localdate/localtime) at NOW."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def test_this_month_is_compared_with_the_same_elapsed_part_of_last_month(clock):
    month = Filters(start=date(2031, 3, 1), end=TODAY)
    compared = month.comparison()
    assert (compared.start, compared.end, compared.cutoff_hour) == (date(2031, 2, 1), date(2031, 2, 4), 15)
    assert selectors.period_label(compared) == "2031年2月1日至2031年2月4日15:00前"
    # a whole month chosen while it is under way: the same
    assert Filters(start=date(2031, 3, 1), end=date(2031, 3, 31)).comparison() == compared
    # the last 7 days: the 7 before them, cut at the same hour
    week = Filters(start=TODAY - timedelta(days=6), end=TODAY).comparison()
    assert (week.start, week.end, week.cutoff_hour) == (date(2031, 2, 19), date(2031, 2, 25), 15)
    # this year to date: last year to the same date and hour
    year = Filters(start=date(2031, 1, 1), end=TODAY).comparison()
    assert (year.start, year.end, year.cutoff_hour) == (date(2030, 1, 1), date(2030, 3, 4), 15)
    # a closed period keeps the period of the same length just before it
    closed = Filters(start=date(2031, 2, 1), end=date(2031, 2, 28)).comparison()
    assert (closed.start, closed.end, closed.cutoff_hour) == (date(2031, 1, 4), date(2031, 1, 31), None)


def test_a_longer_month_is_compared_with_all_of_a_shorter_one():
    late = datetime(2031, 3, 30, 9, 0, tzinfo=SHANGHAI)
    compared = Filters(start=date(2031, 3, 1), end=date(2031, 3, 30)).comparison(late)
    assert (compared.start, compared.end, compared.cutoff_hour) == (date(2031, 2, 1), date(2031, 2, 28), None)


@pytest.fixture
def march(world, clock):
    w = world
    p = point(w.street_a, "什刹海一号收集点", [w.collector_a])
    kw = dict(point=p, collector=w.collector_a, grams=1000)
    bulk_scans(w.org_a1, times=[at(date(2031, 3, 1), 10), at(date(2031, 3, 1), 11), at(TODAY, 9)], **kw)
    # the same elapsed part of February: 1st–3rd and the 4th before 15:00 → 3 bags, 3 kg
    bulk_scans(w.org_a1, times=[at(date(2031, 2, 1), 10), at(date(2031, 2, 1), 11), at(date(2031, 2, 4), 9)], **kw)
    bulk_scans(w.org_a1, times=[at(date(2031, 2, 4), 16)], point=p, collector=w.collector_a, grams=2000)  # after 15:00
    bulk_scans(w.org_a1, times=[at(date(2031, 2, 10), 10)] * 5, **kw)  # later in February
    bulk_scans(w.org_a1, times=[at(date(2031, 2, 26), 10)] * 6, **kw)  # the 4 days before 1 March
    services.rollups_rebuild()
    return w


@pytest.mark.django_db
def test_summary_compares_like_with_like(march):
    s = selectors.volume_summary(march.district_staff, Filters(start=date(2031, 3, 1), end=TODAY))
    # before: against 25–28 February (6 bags): 环比 -50%
    assert s["totals"]["bags"] == 3 and s["totals"]["previous_bags"] == 3 and s["totals"]["change"] == 0.0
    assert s["totals"]["previous_kg"] == 3.0 and s["to_date"] is True
    assert s["previous_period"] == "2031年2月1日至2031年2月4日15:00前"


@pytest.mark.django_db
def test_trend_marks_today_as_partial_and_stops_there(march):
    t = selectors.volume_trend(march.district_staff, Filters(start=date(2031, 3, 1), end=date(2031, 3, 31)))
    assert len(t["buckets"]) == 4 and t["partial_index"] == 3
    assert t["buckets"][-1] == "2031-03-04（进行中）" and t["totals"] == [2, 0, 0, 1]
    closed = selectors.volume_trend(march.district_staff, Filters(start=date(2031, 2, 1), end=date(2031, 2, 28)))
    assert closed["partial_index"] is None and len(closed["buckets"]) == 28


@pytest.mark.django_db
def test_dashboard_says_how_it_compares(march):
    client = march.client_for(march.district_staff)
    html = client.get(reverse("sortstats:dashboard")).content.decode()
    assert "对比上期：2031年2月1日至2031年2月4日15:00前" in html
    assert "环比取上期同样已过去的时段" in html and "环比 0.0%" in html


@pytest.fixture
def many_unions(world, clock):
    """55 unions of street A with 1…55 bags each on 2 March."""
    w = world
    p = point(w.street_a, "什刹海一号收集点", [w.collector_a])
    for i in range(55):
        org = OrganisationFactory(name=f"测试基层工会{i + 1:02d}", parent=w.street_a, street=w.street_a, kind=Organisation.Kind.ENTERPRISE)
        bulk_scans(org, point=p, collector=w.collector_a, times=[at(date(2031, 3, 2), 10)] * (i + 1))
    services.rollups_rebuild()
    return w


QUERY = "start=2031-03-01&end=2031-03-04"


@pytest.mark.django_db
def test_dashboard_union_tables_show_the_first_and_last_20(many_unions):
    client = many_unions.client_for(many_unions.district_staff)
    for key in selectors.UNION_TABLES:
        body = client.get(reverse("api_v1:sortstats_chart", args=[key]) + "?" + QUERY).json()
        # participation also lists the fixture's unions that have members but no bags
        assert len(body["rows"]) == 40 and body["total"] >= 55 and body["bottom_from"] == 20 and body["limited"] is True
    body = client.get(reverse("api_v1:sortstats_chart", args=["accuracy_by_organisation"]) + "?" + QUERY).json()
    names = [r[0] for r in body["rows"]]
    assert names[0] == "测试基层工会55" and names[19] == "测试基层工会36"
    assert names[20] == "测试基层工会20" and names[-1] == "测试基层工会01"
    html = client.get(reverse("sortstats:dashboard") + "?" + QUERY).content.decode()
    assert reverse("sortstats:unions", args=["__key__"]) in html  # the JS builds the "查看全部" link from it


@pytest.mark.django_db
def test_full_union_list_paginates_and_exports(many_unions):
    client = many_unions.client_for(many_unions.district_staff)
    url = reverse("sortstats:unions", args=["accuracy_by_organisation"])
    first = client.get(url + "?" + QUERY)
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.paginator.num_pages == 2
    html = first.content.decode()
    assert "测试基层工会55" in html and "第 1 / 2 页" in html and "下载全部（Excel）" in html
    second = client.get(url + "?" + QUERY + "&page=2")
    assert [r[0] for r in second.context["page"].object_list] == [f"测试基层工会{i:02d}" for i in range(5, 0, -1)]
    assert client.get(url + "?" + QUERY + "&page=banana").status_code == 200
    assert client.get(reverse("sortstats:unions", args=["heatmap"])).status_code == 404
    # the export holds every union
    job_page = client.get(reverse("sortstats:export", args=["accuracy_by_organisation", "xlsx"]) + "?" + QUERY, follow=True)
    xlsx = client.get(reverse("core:job_download", args=[job_page.context["job"].pk]))
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    names = [r[0] for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("测试基层工会")]
    assert len(names) == 55
    participation = client.get(reverse("sortstats:unions", args=["participation_by_organisation"]) + "?" + QUERY)
    assert participation.status_code == 200 and participation.context["page"].paginator.count >= 55
    assert client.get(url, HTTP_HOST="testserver").status_code == 200
    assert many_unions.client_for(many_unions.collector_a).get(url).status_code in (302, 403)
