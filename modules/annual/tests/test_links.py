"""Every figure of a populated review links to a list of that year (not a programme's home page),
the list answers district staff, and a bad year on such a list is told, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from core import review
from modules.annual import selectors
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


def _links_in_main(page: str) -> list[str]:
    main = page[page.index("<main") : page.index("</main>")]
    hrefs = {unescape(h) for h in re.findall(r'href="([^"]+)"', main)}
    return sorted(h for h in hrefs if h.startswith("/"))


@pytest.fixture
def counselling(year_rows):  # noqa: F811
    """One counselling session attended in YEAR by a worker of street A (the counselling figures show)."""
    from core.tests.factories import UserFactory
    from modules.care import services as care
    from modules.care.models import Booking, ImpactAssessment

    world = year_rows
    counsellor = care.counsellor_create(actor=world.district_staff, user=UserFactory(username="counsellor"), name="林老师")
    care.assessment_record(
        actor=world.district_staff, purpose="目的", risks="风险", measures="措施", retention_days=30, consent_text="告知书"
    )
    when = timezone.make_aware(dt.datetime(YEAR, 6, 1, 10))
    Booking.objects.create(member=world.worker_a1, organisation=world.org_a1, counsellor=counsellor, starts_at=when, mode="online",
                           status=Booking.Status.ATTENDED, consent_at=when, assessment=ImpactAssessment.objects.get(),
                           erase_after=when + dt.timedelta(days=30))  # fmt: skip
    return world


@pytest.mark.parametrize("who", ["street_a_staff", "street_b_staff"])
def test_every_link_the_review_shows_street_staff_opens_for_them(counselling, who):
    """A street's review links only to pages its staff can open: the counselling figures (a district
    page) link to their own place in the review, the labour statistics to the street's own statistics."""
    world = counselling
    user = getattr(world, who)
    street = getattr(world, who.replace("_staff", ""))
    client = world.client_for(user)
    response = client.get("/annual/", {"year": YEAR})
    assert response.status_code == 200
    links = _links_in_main(response.content.decode())
    data = selectors.review_for(user, YEAR, street)
    shown = {f.url for c in data["chapters"] for s in c["sections"] if not s.empty for f in s.items}
    assert shown <= set(links)
    refused = []
    for link in links:
        status = client.get(link).status_code
        if status != 200:
            refused.append((link, status))
    assert not refused
    counselling_url = data["figures"]["care.counselling"].url
    assert counselling_url == f"/annual/?year={YEAR}&street={street.pk}#section-care_counselling"
    assert data["figures"]["labour.recovered"].url == f"/labour/stats/?year={YEAR}"
    if who == "street_a_staff":  # street A's session shows, with its link
        assert data["figures"]["care.counselling"].value == 1 and counselling_url in links
        assert 'id="section-care_counselling"' in response.content.decode()


def test_district_staff_keep_the_counselling_page(counselling):
    figures = selectors.review_for(counselling.district_staff, YEAR)["figures"]
    assert figures["care.counselling"].url == f"/care/staff/counselling/?year={YEAR}" and figures["care.counselling"].value == 1
