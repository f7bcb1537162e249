"""Every figure of a populated review links to a list of that year (not a programme's home page),
the list answers district staff, and a bad year on such a list is told, never a 500."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from core import review
from modules.annual.tests.test_review import YEAR, year_rows  # noqa: F401 (the hand-built year)


def _carries_year(url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    values = [v for vs in query.values() for v in vs]
    return any(v == str(YEAR) or v.startswith(f"{YEAR}-") for v in values)


def test_every_figure_links_to_a_list_of_its_year_that_answers_district_staff(year_rows):  # noqa: F811
    world = year_rows
    figures = review.figures(review.sections_for(YEAR, world.district_staff))
    client = world.client_for(world.district_staff)
    assert figures
    for key, figure in figures.items():
        assert figure.url and _carries_year(figure.url), (key, figure.url)
        response = client.get(figure.url)
        assert response.status_code == 200, (key, figure.url, response.status_code)


def test_the_year_filters_narrow_the_lists(year_rows):  # noqa: F811
    world = year_rows
    client = world.client_for(world.district_staff)
    figures = review.figures(review.sections_for(YEAR, world.district_staff))
    # the stations built in the year, and all built by its end (one more, built the year before)
    built = client.get(figures["stations.built"].url).content.decode()
    total = client.get(figures["stations.total"].url).content.decode()
    assert built.count("<tr") + 1 == total.count("<tr")
    # the studios' applications of the year: the year before has none
    assert "工作室" in client.get(f"/studios/?year={YEAR}").content.decode()
    named = client.get(figures["studios.named"].url).content.decode()
    assert world.org_a1.name in named and world.org_a2.name not in named


@pytest.mark.parametrize(
    "path",
    [
        "/care/staff/wishes/",
        "/care/loans/",
        "/care/staff/counselling/",
        "/care/outdoor/",
        "/fund/",
        "/honours/",
        "/honours/courses/",
        "/honours/craft/",
        "/honours/craft/needs/",
        "/knowledge/staff/",
        "/labour/consultations/",
        "/labour/bargaining/",
        "/prizes/manage/redemptions/",
        "/stations/",
        "/stations/plans/",
        "/studios/",
    ],
)
@pytest.mark.parametrize("bad", ["abcd", "1800", "99999999999999999999", "2020.5"])
def test_a_bad_year_is_told_by_field_not_a_500(world, path, bad):
    response = world.client_for(world.district_staff).get(
        path, {"year": bad, "until": bad, "funded": bad, "funded_before": bad, "inspected": bad}
    )
    assert response.status_code == 200, (path, bad)
    assert "年度：应为" in response.content.decode()
