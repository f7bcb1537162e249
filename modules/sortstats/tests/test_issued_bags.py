"""Bags available to a union in a month (issue 18, item 10b): the street PDF showed 发放袋数 0 and
使用÷发放 "—" for every union, because only batches made inside the month were counted and a
union's batch lasts it for months.

By hand, for the three months before the current one (M0, M1, M2 = last month):
- 北京某科技有限公司工会: 30 bags issued on the 10th of M0; 5 used in M1, 7 in M2
  → M1: 30 available, 5 used, 16.7 %; M2: 30 − 5 = 25 available, 7 used, 28.0 %.
- 柳荫街社区工会: 10 bags issued on the 12th of M2, 3 used in M2 → M2: 10 available, 3 used, 30.0 %.
"""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from modules.sortstats import selectors, services
from modules.sortstats.rollups import month_start, next_month
from modules.sortstats.selectors import Filters
from modules.sortstats.tests.helpers import at, collect, issue, point


def _months():
    m2 = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    m1 = month_start(m2 - timedelta(days=1))
    m0 = month_start(m1 - timedelta(days=1))
    return m0, m1, m2


def _month(first):
    return Filters(start=first, end=next_month(first) - timedelta(days=1))


@pytest.fixture
def stock(world):
    w = world
    m0, m1, m2 = _months()
    p = point(w.street_a, "什刹海一号收集点", [w.collector_a])
    bags = issue(w.org_a1, 30, when=at(m0.replace(day=10), 9))
    for i, bag in enumerate(bags[:5]):
        collect(bag, point=p, collector=w.collector_a, when=at(m1.replace(day=3 + i), 8))
    for i, bag in enumerate(bags[5:12]):
        collect(bag, point=p, collector=w.collector_a, when=at(m2.replace(day=2 + i), 8))
    community = issue(w.org_a2, 10, when=at(m2.replace(day=12), 9))
    for i, bag in enumerate(community[:3]):
        collect(bag, point=p, collector=w.collector_a, when=at(m2.replace(day=13 + i), 18))
    services.rollups_rebuild()
    return w


def _row(table, name):
    return next(r for r in table["rows"] if r[0] == name)


@pytest.mark.django_db
def test_available_bags_carry_over_from_earlier_batches(stock):
    m0, m1, m2 = _months()
    last = selectors.participation_by_organisation(stock.district_staff, _month(m2))
    assert last["columns"][5:] == ["可用袋数", "使用袋数", "使用÷可用（%）"]
    assert _row(last, "北京某科技有限公司工会")[5:] == [25, 7, 28.0]
    assert _row(last, "柳荫街社区工会")[5:] == [10, 3, 30.0]
    before = selectors.participation_by_organisation(stock.district_staff, _month(m1))
    assert _row(before, "北京某科技有限公司工会")[5:] == [30, 5, 16.7]
    street = selectors.participation_by_street(stock.district_staff, _month(m2))
    assert _row(street, "什刹海街道总工会")[5:] == [35, 10, 28.6]


@pytest.mark.django_db
def test_refresh_keeps_the_same_available_bags(stock):
    m0, m1, m2 = _months()
    services.rollups_refresh()
    last = selectors.participation_by_organisation(stock.district_staff, _month(m2))
    assert _row(last, "北京某科技有限公司工会")[5:] == [25, 7, 28.0]


@pytest.mark.django_db
def test_street_pdf_prints_the_available_bags(stock, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    m2 = _months()[2]
    client = stock.client_for(stock.street_a_staff)
    page = client.get(reverse("sortstats:report_pdf", args=[stock.street_a.pk, f"{m2.year}-{m2.month:02d}"]), follow=True)
    job = page.context["job"]
    path = tmp_path / "report.pdf"
    path.write_bytes(b"".join(client.get(reverse("core:job_download", args=[job.pk])).streaming_content))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.strip().endswith(("28.0", "30.0"))}
    assert lines["北京某科技有限公司工会"][-3:] == ["25", "7", "28.0"], text
    assert lines["柳荫街社区工会"][-3:] == ["10", "3", "30.0"], text
    assert "可用袋数" in text
