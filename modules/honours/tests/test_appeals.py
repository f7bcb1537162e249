"""Competition appeals (申诉): the entrant sees their place and score on a phone page and appeals;
the district decides (page and API) and the entrant is told; nobody else sees or appeals."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import RoleAssignment
from core.notifications import inbox
from core.tests.factories import UserFactory
from modules.honours import services_craft
from modules.honours.models import Appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world):
    competition = services_craft.competition_create(actor=world.district_staff, title="电工比武", year=2030, theory_weight=30)
    a = services_craft.entrant_add(actor=world.admin_a1, competition=competition, member=world.worker_a1)
    b = services_craft.entrant_add(actor=world.admin_b1, competition=competition, member=world.worker_b1)
    judge = UserFactory(username="judge1", display_name="裁判一")
    RoleAssignment.objects.create(user=judge, role=RoleAssignment.Role.EXPERT, organisation=world.district)
    services_craft.judge_add(actor=world.district_staff, competition=competition, user=judge)
    services_craft.score_submit(actor=judge, entrant=a, theory=80, practice=90)  # 87
    services_craft.score_submit(actor=judge, entrant=b, theory=100, practice=80)  # 86
    return competition, a, b


def test_the_entrant_sees_their_place_and_appeals_from_the_phone_page(world, scored):
    competition, a, b = scored
    phone = world.client_for(world.worker_b1)
    page = phone.get(reverse("honours:my_competitions")).content.decode()
    assert "电工比武" in page and "第 2 名" in page and "86.00" in page and "style=" not in page
    response = phone.post(reverse("honours:my_competitions"), {"entrant": b.pk, "text": "实操第三项计时有误，请复核录像。"})
    assert response.status_code == 302
    appeal = Appeal.objects.get(entrant=b)
    assert "计时有误" in phone.get(reverse("honours:my_competitions")).content.decode()
    # another worker cannot appeal someone else's entry, even by posting its id
    assert phone.post(reverse("honours:my_competitions"), {"entrant": a.pk, "text": "替别人申诉一下可以吗？？？"}).status_code == 404
    assert Appeal.objects.filter(entrant=a).count() == 0
    # the district records the decision on the competition page; the entrant is told
    district = world.client_for(world.district_staff)
    district.post(
        reverse("honours:competition", args=[competition.pk]),
        {"action": "appeal", "appeal": appeal.pk, "upheld": "0", "resolution": "复核录像，计时无误"},
    )
    appeal.refresh_from_db()
    assert appeal.outcome == "dismissed" and appeal.resolved_by == world.district_staff
    assert "申诉不成立" in inbox(world.worker_b1.user).first().title


def test_the_page_is_for_members_only(world, scored):
    assert world.client_for(world.street_a_staff).get(reverse("honours:my_competitions")).status_code == 403
    assert Client().get(reverse("honours:my_competitions")).status_code == 302
    other = world.client_for(world.worker_a1_other).get(reverse("honours:my_competitions")).content.decode()
    assert "电工比武" not in other


def test_the_api_lodges_and_decides_appeals_with_json_errors(world, scored):
    _competition, a, b = scored
    mine = world.client_for(world.worker_a1)
    results = mine.get("/api/v1/honours/competitions/mine").json()
    assert [(r["place"], r["entrants"], r["total"]) for r in results] == [(1, 2, "87.00")]
    url = f"/api/v1/honours/entrants/{a.pk}/appeals"
    short = mine.post(url, {"text": "太短"}, content_type="application/json")
    assert short.status_code == 422 and short.json()["code"] == "honours_appeal_short"
    stranger = world.client_for(world.worker_b1).post(url, {"text": "替别人申诉一下可以吗？？？"}, content_type="application/json")
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    lodged = mine.post(url, {"text": "理论卷第 12 题答案有争议，请复核。"}, content_type="application/json")
    assert lodged.status_code == 201 and lodged.json()["outcome"] == "open"
    decision = f"/api/v1/honours/appeals/{lodged.json()['id']}/decision"
    street = world.client_for(world.street_a_staff).post(
        decision, {"outcome": "upheld", "resolution": "x"}, content_type="application/json"
    )
    assert street.status_code == 403 and street.json()["code"] == "honours_forbidden"
    district = world.client_for(world.district_staff)
    bad = district.post(decision, {"outcome": "perhaps", "resolution": "复核"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "honours_outcome_invalid"
    done = district.post(decision, {"outcome": "upheld", "resolution": "第 12 题按两种答案给分"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["outcome"] == "upheld"
    again = district.post(decision, {"outcome": "dismissed", "resolution": "再议"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "honours_appeal_resolved"
    assert "申诉成立" in inbox(world.worker_a1.user).first().title
