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


@pytest.fixture
def three(world, scored):
    """a 87, b 86 and c 86: places 1, 2, 2 (equal totals share a place)."""
    competition, a, b = scored
    c = services_craft.entrant_add(actor=world.admin_a1, competition=competition, member=world.worker_a1_other)
    judge = competition.judges.get().user
    services_craft.score_submit(actor=judge, entrant=c, theory=100, practice=80)  # 86
    assert _places(competition) == {a.pk: 1, b.pk: 2, c.pk: 2}
    return competition, a, b, c


def _places(competition) -> dict[int, int | None]:
    return {e.pk: e.place for e in services_craft.ranking(competition)}


def _appeal(entrant, text="实操第三项计时有误，请复核录像。"):
    return Appeal.objects.create(entrant=entrant, text=text)


def test_an_upheld_appeal_with_a_corrected_score_reranks_everyone_and_tells_them(world, three):
    competition, a, b, c = three
    appeal = _appeal(b)
    district = world.client_for(world.district_staff)
    response = district.post(
        reverse("honours:competition", args=[competition.pk]),
        {"action": "appeal", "appeal": appeal.pk, "upheld": "1", "resolution": "复核录像，计时多记 3 秒", "score": "87"},
    )
    assert response.status_code == 302
    # b now ties a for first; the next place is skipped, as in the original ranking (1, 1, 3)
    assert _places(competition) == {a.pk: 1, b.pk: 1, c.pk: 3}
    appeal.refresh_from_db()
    assert appeal.outcome == "upheld" and appeal.resolved_at is not None
    assert (str(appeal.previous_total), str(appeal.corrected_total), appeal.previous_place, appeal.new_place) == ("86.00", "87.00", 2, 1)
    b.refresh_from_db()
    b.evaluation.refresh_from_db()
    assert str(b.evaluation.total) == "86.00"  # the judges' sheets are never edited; the correction sits beside them
    told = inbox(world.worker_b1.user).first()
    assert "申诉成立" in told.title and "第 2 名变为第 1 名" in told.body
    assert "第 2 名 → 第 3 名" in inbox(world.worker_a1_other.user).first().title
    assert not inbox(world.worker_a1.user).exists()  # a's place did not move
    page = district.get(reverse("honours:competition", args=[competition.pk])).content.decode()
    assert "申诉更正" in page and "86.00 → 87.00" in page
    mine = world.client_for(world.worker_b1).get(reverse("honours:my_competitions")).content.decode()
    assert "第 1 名（共 3 人） · 总分 87.00" in mine and "第 2 名 → 第 1 名" in mine
    from core.models import AuditLog

    entry = AuditLog.objects.filter(action="honours.appeal_resolve").latest("pk")
    assert entry.changes["place"] == [2, 1] and entry.changes["moved"] == {str(b.pk): [2, 1], str(c.pk): [2, 3]}


def test_the_api_corrects_a_score_and_answers_the_new_place(world, three):
    competition, a, b, c = three
    appeal = _appeal(c)
    done = world.client_for(world.district_staff).post(
        f"/api/v1/honours/appeals/{appeal.pk}/decision",
        {"outcome": "upheld", "resolution": "理论卷漏判一题", "score": 90.5},
        content_type="application/json",
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["corrected_total"], body["previous_total"], body["previous_place"], body["new_place"]) == ("90.50", "86.00", 2, 1)
    assert _places(competition) == {a.pk: 2, b.pk: 3, c.pk: 1}
    results = world.client_for(world.worker_a1_other).get("/api/v1/honours/competitions/mine").json()
    assert [(r["place"], r["total"]) for r in results] == [(1, "90.50")]


def test_a_dismissed_appeal_changes_nothing(world, three):
    competition, a, b, c = three
    appeal = _appeal(b)
    before = _places(competition)
    district = world.client_for(world.district_staff)
    url = f"/api/v1/honours/appeals/{appeal.pk}/decision"
    # a corrected score with a dismissal is refused, not silently dropped
    refused = district.post(url, {"outcome": "dismissed", "resolution": "计时无误", "score": "90"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "honours_score_not_upheld" and refused.json()["field"] == "score"
    appeal.refresh_from_db()
    assert appeal.outcome == "open"
    done = district.post(url, {"outcome": "dismissed", "resolution": "复核录像，计时无误"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["corrected_total"] is None and done.json()["new_place"] is None
    assert _places(competition) == before
    b.refresh_from_db()
    assert b.corrected_total is None
    assert not inbox(world.worker_a1_other.user).exists()


@pytest.mark.parametrize("score", ["abc", "101", "-1", "87.123", "NaN", "1e3", True, [1]])
def test_a_bad_score_is_a_422_with_a_code_and_nothing_moves(world, three, score):
    competition, _a, b, _c = three
    appeal = _appeal(b)
    before = _places(competition)
    response = world.client_for(world.district_staff).post(
        f"/api/v1/honours/appeals/{appeal.pk}/decision",
        {"outcome": "upheld", "resolution": "复核", "score": score},
        content_type="application/json",
    )
    assert response.status_code == 422
    # the service's own code, or the schema's for a value of the wrong JSON type; both name the field
    assert response.json()["code"] in ("honours_score_invalid", "invalid") and "score" in (response.json()["field"] or "")
    appeal.refresh_from_db()
    assert appeal.outcome == "open" and _places(competition) == before


def test_a_bad_score_on_the_page_comes_back_beside_its_field(world, three):
    competition, _a, b, _c = three
    appeal = _appeal(b)
    response = world.client_for(world.district_staff).post(
        reverse("honours:competition", args=[competition.pk]),
        {"action": "appeal", "appeal": appeal.pk, "upheld": "1", "resolution": "复核录像", "score": "一百"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index(f'id="score-{appeal.pk}"') - 300 :]
    assert "has-error" in field[:300] and "更正后的总分须为 0 至 100 之间的数" in field[:800]
    assert 'value="一百"' in field[:400] and 'value="复核录像"' in html
    appeal.refresh_from_db()
    assert appeal.outcome == "open"


def test_deciding_twice_is_a_409_and_keeps_the_first_correction(world, three):
    competition, a, b, c = three
    appeal = _appeal(b)
    district = world.client_for(world.district_staff)
    url = f"/api/v1/honours/appeals/{appeal.pk}/decision"
    assert (
        district.post(url, {"outcome": "upheld", "resolution": "改分", "score": "88"}, content_type="application/json").status_code == 200
    )
    again = district.post(url, {"outcome": "upheld", "resolution": "再改", "score": "70"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "honours_appeal_resolved"
    b.refresh_from_db()
    assert str(b.corrected_total) == "88.00" and _places(competition)[b.pk] == 1
    # the page says so too, without a 500
    page = district.post(
        reverse("honours:competition", args=[competition.pk]),
        {"action": "appeal", "appeal": appeal.pk, "upheld": "1", "resolution": "再改", "score": "70"},
        follow=True,
    )
    assert page.status_code == 200 and "该申诉已处理" in page.content.decode()
