"""Articles, the back office and the hot pages' query budgets."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from modules.knowledge.models import Article, Attempt, GuideItem
from modules.knowledge.tests.conftest import right_answer

pytestmark = pytest.mark.django_db


def test_workers_read_published_articles_only(world):
    shown = Article.objects.create(title="奶茶怎么扔", body="第一段。\n\n第二段。")
    hidden = Article.objects.create(title="草稿", body="未发布", is_published=False)
    client = Client()
    listing = client.get(reverse("knowledge:articles")).content.decode()
    assert "奶茶怎么扔" in listing and "草稿" not in listing
    page = client.get(reverse("knowledge:article", args=[shown.pk])).content.decode()
    assert page.count("<p>第") == 2
    assert client.get(reverse("knowledge:article", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("knowledge:articles"), {"page": "abc"}).status_code == 200


def test_district_staff_edit_the_guide_in_the_back_office_and_it_is_audited(world, guide):
    client = world.client_for(world.district_staff)
    world.district_staff.is_staff = True
    world.district_staff.save()
    response = client.post(
        reverse("admin:knowledge_guideitem_add"),
        {"name": "旧雨伞骨架", "aliases": "雨伞架", "category": "recyclable", "tip": "拆下伞布后投入可回收物", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    item = GuideItem.objects.get(name="旧雨伞骨架")
    assert item.initials == "jysgj|ysj"
    assert AuditLog.objects.filter(action="knowledge.guideitem_create", object_id=str(item.pk), actor=world.district_staff).exists()
    assert Client().get(reverse("knowledge:guide"), {"q": "ysj"}).content.decode().count("旧雨伞骨架") >= 1
    street = world.client_for(world.street_a_staff)
    world.street_a_staff.is_staff = True
    world.street_a_staff.save()
    assert street.get(reverse("admin:knowledge_guideitem_changelist")).status_code == 403


def test_an_htmx_answer_also_refreshes_the_score(world, daily):
    client = world.client_for(world.worker_a1)
    client.post(reverse("knowledge:daily_start"))
    attempt = Attempt.objects.get(member=world.worker_a1)
    qid = attempt.question_ids[0]
    body = client.post(
        reverse("knowledge:answer", args=[attempt.pk]),
        {"question": qid, "choice": right_answer(qid), "client_key": uuid.uuid4().hex},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'id="k-score" hx-swap-oob="true"' in body and "1 / 5" in body


def test_hot_pages_stay_within_their_query_budget(world, guide, daily, django_assert_max_num_queries):
    client = Client()
    client.get("/api/v1/knowledge/guide/search", {"q": "dc"})  # builds the index once
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/knowledge/guide/search", {"q": "dianchi"}).status_code == 200
    worker = world.client_for(world.worker_a1)
    worker.post(reverse("knowledge:daily_start"))
    with django_assert_max_num_queries(12):
        assert worker.get(reverse("knowledge:daily")).status_code == 200
    with django_assert_max_num_queries(10):
        assert worker.get("/api/v1/knowledge/quiz/daily").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/knowledge/guide/99999999999999999999999/",
        "/knowledge/articles/99999999999999999999999/",
        "/knowledge/contests/99999999999999999999999/",
        "/knowledge/contests/99999999999999999999999/ranking/",
        "/api/v1/knowledge/guide/items/99999999999999999999999",
        "/api/v1/knowledge/contests/99999999999999999999999/ranking",
        "/knowledge/guide/?q=" + "电" * 500,
        "/api/v1/knowledge/guide/search?q=%00%01",
    ],
)
def test_junk_in_urls_never_makes_a_500(world, guide, url):
    # 400: a NUL character is refused at the door (core.middleware.RejectNulBytesMiddleware).
    assert Client().get(url).status_code in (200, 400, 404, 422)


def test_junk_posts_never_make_a_500(world, daily):
    client = world.client_for(world.worker_a1)
    client.post(reverse("knowledge:daily_start"))
    attempt = Attempt.objects.get(member=world.worker_a1)
    url = reverse("knowledge:answer", args=[attempt.pk])
    for form in (
        {},
        {"question": "x"},
        {"question": "99999999999999999999999", "choice": "0", "client_key": uuid.uuid4().hex},
        {"question": attempt.question_ids[0], "choice": ["a", "-1"], "client_key": uuid.uuid4().hex},
    ):
        assert client.post(url, form).status_code == 302
        assert client.post(url, form, HTTP_HX_REQUEST="true").status_code in (200, 422)
    assert client.post("/knowledge/quiz/attempts/99999999999999999999999/answer/", {}).status_code == 404
    api = client.post(
        f"/api/v1/knowledge/attempts/{attempt.pk}/answers",
        {"question_id": 10**30, "chosen": [0], "client_key": uuid.uuid4().hex},
        content_type="application/json",
    )
    assert api.status_code == 422


def test_staff_compose_questions_and_campaigns_with_field_errors(world, bank):
    world.district_staff.is_staff = True
    world.district_staff.save()
    client = world.client_for(world.district_staff)
    bad_question = client.post(
        reverse("admin:knowledge_question_add"),
        {
            "bank": bank.pk,
            "kind": "single",
            "text": "电池属于？",
            "options": '["其他垃圾", "有害垃圾"]',
            "correct": "[0, 1]",
            "explanation": "",
            "difficulty": 2,
            "marks": 1,
            "is_active": "on",
        },
    )
    assert bad_question.status_code == 200 and "单选题和判断题只能有一个正确选项" in bad_question.content.decode()
    # The contest opens a month from now, whatever today is, so it is always "upcoming".
    opens = timezone.localdate() + timedelta(days=30)
    good_question = client.post(
        reverse("admin:knowledge_question_add"),
        {
            "bank": bank.pk,
            "kind": "true_false",
            "text": "纽扣电池属于有害垃圾。",
            "options": '["正确", "错误"]',
            "correct": "[0]",
            "explanation": "含重金属",
            "difficulty": 2,
            "marks": 1,
            "is_active": "on",
        },
    )
    assert good_question.status_code == 302
    contest = {
        "name": "春季竞赛",
        "kind": "contest",
        "bank": bank.pk,
        "is_active": "on",
        "questions_per_attempt": 10,
        "points_per_correct": 5,
        "time_limit_seconds": 300,
        "starts_at_0": opens.isoformat(),
        "starts_at_1": "09:00:00",
    }
    no_end = client.post(reverse("admin:knowledge_campaign_add"), contest)
    assert no_end.status_code == 200 and "竞赛必须设置结束时间" in no_end.content.decode()
    created = client.post(
        reverse("admin:knowledge_campaign_add"), {**contest, "ends_at_0": (opens + timedelta(days=1)).isoformat(), "ends_at_1": "09:00:00"}
    )
    assert created.status_code == 302
    assert AuditLog.objects.filter(action="knowledge.campaign_create").exists()
    listing = Client().get("/api/v1/knowledge/contests").json()
    assert [c["name"] for c in listing["upcoming"]] == ["春季竞赛"]
