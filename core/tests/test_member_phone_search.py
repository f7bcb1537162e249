"""Issue 29 finding 3: a masked phone cannot be completed through member search, and phone searches are logged.

Matching phone suffixes of four digits or more turned ``138****0001`` into the whole number in
a couple of dozen searches (extend the known suffix one digit at a time), and nothing was
logged. Now only a whole number finds a phone; such a search is personal-data access
(``PersonalDataAccess``, field ``phone_search``) and is rate-limited per staff account.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from core.models import PersonalDataAccess


def _api_ids(client, org, q):
    response = client.get("/api/v1/members/", {"organisation_id": org.pk, "q": q})
    assert response.status_code == 200, response.content
    return [m["id"] for m in response.json()["items"]]


def _page_ids(client, org, q):
    response = client.get(reverse("core:roster", args=[org.pk]), {"q": q})
    assert response.status_code == 200
    return [row["member"].pk for row in response.context["rows"]]


@pytest.mark.parametrize("search", [_api_ids, _page_ids], ids=["api", "roster_page"])
def test_the_digits_after_the_mask_cannot_be_completed(world, search):
    """The attack of the report: the masked 138****0001, its hidden digits guessed from the right."""
    client = world.client_for(world.admin_a1)
    target = world.worker_a1  # 13800000001, shown as 138****0001
    known = "0001"
    for _position in range(4):  # the four hidden digits
        hits = [d for d in "0123456789" if target.pk in search(client, world.org_a1, d + known)]
        assert hits == [], f"the suffix {known} was extended by {hits}"
        known = "0" + known
    assert not PersonalDataAccess.objects.exists()  # partial numbers are no phone search


@pytest.mark.parametrize("search", [_api_ids, _page_ids], ids=["api", "roster_page"])
def test_a_search_by_a_whole_number_finds_the_member_and_is_logged(world, search):
    client = world.client_for(world.admin_a1)
    assert search(client, world.org_a1, "13800000001") == [world.worker_a1.pk]
    logged = PersonalDataAccess.objects.get()
    assert (logged.viewer, logged.member, logged.field) == (world.admin_a1, world.worker_a1, "phone_search")
    assert "13800000001" not in logged.context and "138****0001" in logged.context
    # a number outside the viewer's scope finds nobody, and the attempt is logged too
    assert search(client, world.org_a1, "13900000009") == []
    assert PersonalDataAccess.objects.filter(field="phone_search", member=None).count() == 1


@override_settings(MEMBER_PHONE_SEARCHES_PER_HOUR=3)
def test_phone_searches_are_rate_limited_per_staff_account(world):
    client = world.client_for(world.admin_a1)
    for n in range(3):
        assert client.get("/api/v1/members/", {"q": f"1390000000{n}"}).status_code == 200
    response = client.get("/api/v1/members/", {"q": "13900000009"})
    assert response.status_code == 429 and response.json()["code"] == "search_rate_limited"
    page = client.get(reverse("core:roster", args=[world.org_a1.pk]), {"q": "13800000001"})
    assert page.status_code == 200 and "按手机号搜索过于频繁" in page.content.decode() and page.context["q"] == "13800000001"
    # names still search freely
    assert client.get("/api/v1/members/", {"q": "张小"}).status_code == 200
    assert PersonalDataAccess.objects.filter(field="phone_search").count() == 3
