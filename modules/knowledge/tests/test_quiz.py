"""Daily quizzes and contests: server-checked answers, points once, server-side time."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import ApiError
from engines.ledger.models import Entry
from engines.ledger.selectors import balance_of
from modules.knowledge.models import Answer, Attempt, Campaign
from modules.knowledge.services import answer_submit, attempt_start
from modules.knowledge.tests.conftest import right_answer, wrong_answer

pytestmark = pytest.mark.django_db


def key():
    return uuid.uuid4().hex


def test_a_worker_takes_the_daily_quiz_and_gets_points_once(world, daily):
    client = world.client_for(world.worker_a1)
    page = client.get(reverse("knowledge:daily"))
    assert "开始今日答题" in page.content.decode()
    client.post(reverse("knowledge:daily_start"))
    attempt = Attempt.objects.get(member=world.worker_a1)
    assert len(attempt.question_ids) == 5
    qid = attempt.question_ids[0]
    form = {"question": qid, "choice": right_answer(qid), "client_key": key()}
    first = client.post(reverse("knowledge:answer", args=[attempt.pk]), form, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "回答正确" in first.content.decode() and "+2 积分" in first.content.decode()
    retry = client.post(reverse("knowledge:answer", args=[attempt.pk]), form, HTTP_HX_REQUEST="true")
    assert retry.status_code == 200  # the same client key: the same result, nothing new
    assert Answer.objects.filter(attempt=attempt).count() == 1
    assert balance_of(world.worker_a1.pk) == 2
    entry = Entry.objects.get(account__member_id=world.worker_a1.pk)
    assert entry.reason == "knowledge.quiz" and entry.source.startswith("knowledge.answer:")


def test_the_page_never_carries_the_answer_before_it_is_given(world, daily):
    client = world.client_for(world.worker_a1)
    client.post(reverse("knowledge:daily_start"))
    attempt = Attempt.objects.get(member=world.worker_a1)
    from modules.knowledge.models import Question

    body = client.get(reverse("knowledge:daily")).content.decode()
    for q in Question.objects.filter(pk__in=attempt.question_ids):
        if q.explanation:
            assert q.explanation not in body
    assert "k-right" not in body
    api = client.get("/api/v1/knowledge/quiz/daily").json()
    assert all("result" not in q or q["result"] is None for q in api["attempt"]["questions"])
    assert all(set(q) >= {"id", "text", "options"} and "correct" not in q for q in api["attempt"]["questions"])


def test_starting_twice_keeps_the_same_questions_and_clock(world, daily):
    # Noon, so the five minutes between the two starts never cross midnight (it failed at 23:57).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    first = attempt_start(campaign=daily, member=world.worker_a1, now=noon)
    second = attempt_start(campaign=daily, member=world.worker_a1, now=noon + dt.timedelta(minutes=5))
    assert first.pk == second.pk and first.question_ids == second.question_ids and first.started_at == second.started_at


def test_a_wrong_answer_earns_nothing_and_shows_the_explanation(world, daily):
    attempt = attempt_start(campaign=daily, member=world.worker_a1)
    qid = attempt.question_ids[0]
    result = answer_submit(attempt_id=attempt.pk, member=world.worker_a1, question_id=qid, chosen=wrong_answer(qid), client_key=key())
    assert not result.answer.is_correct and result.answer.points == 0
    assert balance_of(world.worker_a1.pk) == 0
    with pytest.raises(ApiError) as again:
        answer_submit(attempt_id=attempt.pk, member=world.worker_a1, question_id=qid, chosen=right_answer(qid), client_key=key())
    assert again.value.code == "already_answered"


def test_a_question_cannot_be_farmed_across_campaigns_on_the_same_day(world, daily, contest):
    attempt = attempt_start(campaign=daily, member=world.worker_a1)
    qid = attempt.question_ids[0]
    answer_submit(attempt_id=attempt.pk, member=world.worker_a1, question_id=qid, chosen=right_answer(qid), client_key=key())
    contest.questions_per_attempt = 47
    contest.save()
    other = attempt_start(campaign=contest, member=world.worker_a1)
    assert qid in other.question_ids
    result = answer_submit(attempt_id=other.pk, member=world.worker_a1, question_id=qid, chosen=right_answer(qid), client_key=key())
    assert result.answer.is_correct and not result.answer.credited and result.answer.points == 0
    assert balance_of(world.worker_a1.pk) == 2
    # the next day the same question may earn again
    tomorrow = timezone.now() + dt.timedelta(days=1)
    next_day = attempt_start(campaign=daily, member=world.worker_a1, now=tomorrow)
    assert next_day.pk != attempt.pk
    later = next_day.question_ids[0]
    answer_submit(
        attempt_id=next_day.pk, member=world.worker_a1, question_id=later, chosen=right_answer(later), client_key=key(), now=tomorrow
    )
    assert balance_of(world.worker_a1.pk) == 4


def test_multiple_choice_needs_exactly_the_right_set(world, bank):
    from modules.knowledge.models import Question

    multi = Question.objects.filter(bank=bank, kind="multiple").first()
    campaign = Campaign.objects.create(
        name="多选", kind="daily", bank=bank, questions_per_attempt=1, starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    Question.objects.exclude(pk=multi.pk).update(is_active=False)
    attempt = attempt_start(campaign=campaign, member=world.worker_a1)
    partial = answer_submit(attempt_id=attempt.pk, member=world.worker_a1, question_id=multi.pk, chosen=multi.correct[:1], client_key=key())
    assert not partial.answer.is_correct


def test_contest_time_is_kept_by_the_server(world, contest):
    started = timezone.now()
    attempt = attempt_start(campaign=contest, member=world.worker_a1, now=started)
    assert attempt.deadline == started + dt.timedelta(seconds=120)
    q1, q2 = attempt.question_ids[:2]
    in_time = answer_submit(
        attempt_id=attempt.pk,
        member=world.worker_a1,
        question_id=q1,
        chosen=right_answer(q1),
        client_key=key(),
        now=started + dt.timedelta(seconds=60),
    )
    assert in_time.answer.in_time and in_time.answer.points == 5
    late = answer_submit(
        attempt_id=attempt.pk,
        member=world.worker_a1,
        question_id=q2,
        chosen=right_answer(q2),
        client_key=key(),
        now=started + dt.timedelta(seconds=121),
    )
    assert not late.answer.in_time and late.answer.points == 0
    attempt.refresh_from_db()
    assert attempt.correct == 1 and attempt.elapsed_ms == 60_000
    assert balance_of(world.worker_a1.pk) == 5
    # restarting does not reset the clock
    assert attempt_start(campaign=contest, member=world.worker_a1, now=started + dt.timedelta(seconds=200)).deadline == attempt.deadline


def test_contest_window_is_enforced(world, bank):
    now = timezone.now()
    later = Campaign.objects.create(
        name="未开始", kind="contest", bank=bank, starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=2)
    )
    over = Campaign.objects.create(
        name="已结束", kind="contest", bank=bank, starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1)
    )
    closing = Campaign.objects.create(
        name="快结束",
        kind="contest",
        bank=bank,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(seconds=30),
        time_limit_seconds=600,
    )
    for campaign, code in ((later, "campaign_not_started"), (over, "campaign_ended")):
        with pytest.raises(ApiError) as error:
            attempt_start(campaign=campaign, member=world.worker_a1)
        assert error.value.code == code
    assert attempt_start(campaign=closing, member=world.worker_a1, now=now).deadline == closing.ends_at
    client = world.client_for(world.worker_b1)
    refused = client.post(f"/api/v1/knowledge/contests/{over.pk}/start", content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "campaign_ended"


def test_bad_answers_name_the_field(world, daily):
    client = world.client_for(world.worker_a1)
    attempt = client.post("/api/v1/knowledge/quiz/daily/start", content_type="application/json").json()
    url = f"/api/v1/knowledge/attempts/{attempt['id']}/answers"
    qid = attempt["questions"][0]["id"]
    cases = [
        ({"question_id": qid, "chosen": [9], "client_key": key()}, 422, "chosen"),
        ({"question_id": qid, "chosen": [], "client_key": key()}, 422, "chosen"),
        ({"question_id": qid, "chosen": [0], "client_key": "x"}, 422, "client_key"),
        ({"question_id": 999999, "chosen": [0], "client_key": key()}, 422, "question_id"),
        ({"question_id": "abc", "chosen": [0], "client_key": key()}, 422, "question_id"),
    ]
    for body, status, field in cases:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == status and response.json()["field"] == field, (body, response.json())
    garbage = client.post(url, "not json", content_type="application/json")
    assert garbage.status_code in (400, 422)
    other = world.client_for(world.worker_b1)
    stolen = other.post(url, {"question_id": qid, "chosen": [0], "client_key": key()}, content_type="application/json")
    assert stolen.status_code == 404
    assert Client().get("/api/v1/knowledge/quiz/daily").status_code == 401
    staff = world.client_for(world.street_a_staff).get("/api/v1/knowledge/quiz/daily")
    assert staff.status_code == 403 and staff.json()["code"] == "not_a_member"


def test_api_answer_is_idempotent_with_the_client_key(world, daily):
    client = world.client_for(world.worker_a1)
    attempt = client.post("/api/v1/knowledge/quiz/daily/start", content_type="application/json").json()
    qid = attempt["questions"][0]["id"]
    body = {"question_id": qid, "chosen": right_answer(qid), "client_key": key()}
    url = f"/api/v1/knowledge/attempts/{attempt['id']}/answers"
    first = client.post(url, body, content_type="application/json").json()
    second = client.post(url, body, content_type="application/json").json()
    assert first["result"]["is_correct"] and not first["replayed"] and second["replayed"]
    assert Entry.objects.filter(account__member_id=world.worker_a1.pk).count() == 1
    reused = client.post(url, {**body, "question_id": attempt["questions"][1]["id"]}, content_type="application/json")
    assert reused.status_code == 409 and reused.json()["field"] == "client_key"


def test_anonymous_workers_are_sent_to_the_phone_login(world, daily):
    response = Client().get(reverse("knowledge:daily"))
    assert response.status_code == 302 and reverse("core:worker_login") in response["Location"] and "next=" in response["Location"]
    staff = world.client_for(world.street_a_staff).get(reverse("knowledge:daily"))
    assert staff.status_code == 403


def test_page_flow_without_javascript(world, contest):
    client = world.client_for(world.worker_a1)
    page = client.get(reverse("knowledge:contest", args=[contest.pk]))
    assert "开始答题" in page.content.decode()
    client.post(reverse("knowledge:contest_start", args=[contest.pk]))
    attempt = Attempt.objects.get(member=world.worker_a1, campaign=contest)
    qid = attempt.question_ids[0]
    response = client.post(
        reverse("knowledge:answer", args=[attempt.pk]), {"question": qid, "choice": right_answer(qid), "client_key": key()}
    )
    assert response.status_code == 302
    page = client.get(reverse("knowledge:contest", args=[contest.pk])).content.decode()
    assert "回答正确" in page and "+5 积分" in page
    missing = client.post(
        reverse("knowledge:answer", args=[attempt.pk]), {"question": attempt.question_ids[1], "client_key": key()}, follow=True
    )
    assert "请选择答案" in missing.content.decode()


def test_ranking_masks_names_and_respects_consent(world, contest):
    world.worker_a1.ranking_consent = True
    world.worker_a1.save()
    for member, n_right in ((world.worker_a1, 2), (world.worker_b1, 3)):
        attempt = attempt_start(campaign=contest, member=member)
        for i, qid in enumerate(attempt.question_ids[:3]):
            chosen = right_answer(qid) if i < n_right else wrong_answer(qid)
            answer_submit(attempt_id=attempt.pk, member=member, question_id=qid, chosen=chosen, client_key=key())
    body = world.client_for(world.worker_a1).get(reverse("knowledge:contest_ranking", args=[contest.pk])).content.decode()
    assert "张*明" in body and "张小明" not in body
    assert "匿名职工" in body and "王芳" not in body and "王*" not in body
    assert "第 2 名" in body
    api = Client().get(f"/api/v1/knowledge/contests/{contest.pk}/ranking").json()
    assert [r["name"] for r in api["rows"]] == ["匿名职工", "张*明"] and api["mine"] is None


def _took_part(member, campaign):
    attempt = attempt_start(campaign=campaign, member=member)
    qid = attempt.question_ids[0]
    answer_submit(attempt_id=attempt.pk, member=member, question_id=qid, chosen=right_answer(qid), client_key=key())


def test_participation_is_scoped_to_the_staff_viewer(world, daily):
    _took_part(world.worker_a1, daily)
    _took_part(world.worker_b1, daily)
    from modules.knowledge.selectors import campaign_participation

    def seen(user):
        figures = campaign_participation(viewer=user, campaign=daily, day=timezone.localdate())
        return {r["organisation"]: (r["participants"], r["members"]) for r in figures["rows"]}, figures

    district, totals = seen(world.district_staff)
    assert district[world.org_a1.name] == (1, 2) and district[world.org_b1.name] == (1, 1) and totals["participants"] == 2
    street_a, totals = seen(world.street_a_staff)
    assert world.org_b1.name not in street_a and street_a[world.org_a1.name] == (1, 2) and totals["share"] == 50.0
    admin_a1, _ = seen(world.admin_a1)
    assert set(admin_a1) == {world.org_a1.name}
    api = world.client_for(world.street_b_staff).get(f"/api/v1/knowledge/campaigns/{daily.pk}/participation").json()
    assert [r["organisation"] for r in api["rows"]] == [world.org_b1.name]
    worker = world.client_for(world.worker_a1).get(f"/api/v1/knowledge/campaigns/{daily.pk}/participation")
    assert worker.status_code == 403


def test_staff_pages_and_dashboard_card(world, daily, contest, django_assert_max_num_queries):
    _took_part(world.worker_a1, daily)
    client = world.client_for(world.street_a_staff)
    home = client.get(reverse("knowledge:staff_home"))
    assert home.status_code == 200 and "每日答题" in home.content.decode()
    with django_assert_max_num_queries(12):
        detail = client.get(reverse("knowledge:staff_campaign", args=[daily.pk]))
    assert world.org_a1.name in detail.content.decode() and world.org_b1.name not in detail.content.decode()
    bad_day = client.get(reverse("knowledge:staff_campaign", args=[daily.pk]), {"day": "2026-13-45"})
    assert bad_day.status_code == 200 and "日期格式" in bad_day.content.decode()
    assert client.get(reverse("knowledge:staff_campaign", args=[contest.pk])).status_code == 200
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert "今日答题参与" in dashboard
    assert world.client_for(world.worker_a1).get(reverse("knowledge:staff_home")).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_credit_once(world, daily):
    attempt = attempt_start(campaign=daily, member=world.worker_a1)
    qid = attempt.question_ids[0]
    same_key = key()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def submit(client_key):
        try:
            barrier.wait()
            results.append(
                answer_submit(
                    attempt_id=attempt.pk, member=world.worker_a1, question_id=qid, chosen=right_answer(qid), client_key=client_key
                )
            )
        except ApiError as error:
            errors.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(k,)) for k in (same_key, same_key, key(), key())]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Answer.objects.filter(attempt=attempt, question_id=qid).count() == 1
    assert Entry.objects.filter(account__member_id=world.worker_a1.pk).count() == 1
    assert balance_of(world.worker_a1.pk) == 2
    assert len(results) + len(errors) == 4 and set(errors) <= {"already_answered"}
