"""Essay calls judged anonymously on engines/review, the published collection, the library,
study sessions with attendance, and the figures for the annual review."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.attachments import attachment_add
from core.errors import ApiError
from engines.quiz.models import Attempt as QuizAttempt
from modules.learning import reports, selectors, services
from modules.learning.models import Award, Essay, EssayCall
from modules.learning.tests.conftest import make_contest

pytestmark = pytest.mark.django_db
BODY = "我在这家企业工作了十二年，从一名普通的装配工成长为班组长。工会组织的技能培训和读书会让我找到了方向。" * 2
MARKS = {"theme": 8, "content": 9, "structure": 7, "language": 8}


@pytest.fixture
def call(world, learning):
    return services.call_create(
        actor=world.district_staff,
        title="我与工会征文",
        topics=["我与工会", "劳动最光荣"],
        deadline=timezone.now() + dt.timedelta(days=10),
        judges=learning.judges[:2],
    )


def submit(member, call, title="我与工会的故事", body=BODY):
    return services.essay_submit(actor=member.user, call=call, topic="我与工会", title=title, body=body)


def test_rich_text_is_sanitised_and_a_member_has_one_entry(world, call):
    essay = submit(world.worker_a1, call, body=f"<p>{BODY}</p><script>alert(1)</script><p onclick='x()'>好</p><img src=x>")
    assert "<script" not in essay.body and "onclick" not in essay.body and "<img" not in essay.body and "<p>好</p>" in essay.body
    revised = submit(world.worker_a1, call, title="改过的题目")
    assert revised.pk == essay.pk and Essay.objects.count() == 1 and revised.code == essay.code
    with pytest.raises(ApiError) as short:
        submit(world.worker_b1, call, body="太短了")
    assert short.value.code == "body_too_short" and short.value.field == "body"
    with pytest.raises(ApiError) as late:
        services.essay_submit(actor=world.worker_b1.user, call=call, topic="我与工会", title="迟到", body=BODY, now=call.deadline)
    assert late.value.code == "call_closed"


def test_judges_never_see_the_author_and_see_others_only_after_their_own(world, learning, call):
    essay = submit(world.worker_a1, call)
    attachment_add(actor=world.worker_a1.user, owner=essay, upload=SimpleUploadedFile("附件.pdf", b"%PDF-1.4\n"))
    services.call_close(actor=world.district_staff, call=call)
    essay.refresh_from_db()
    first, second = learning.judges[:2]
    services.essay_score(actor=second, essay=essay, scores=MARKS, comment="结构清楚")
    page = world.client_for(first).get(f"/learning/judge/essays/{essay.pk}/").content.decode()
    assert essay.code in page and "张小明" not in page and world.org_a1.name not in page
    assert "提交自己的评分后才能看到" in page and "结构清楚" not in page
    response = world.client_for(first).post(
        f"/learning/judge/essays/{essay.pk}/", {f"score_{k}": v for k, v in MARKS.items()} | {"comment": "好"}
    )
    assert response.status_code == 302
    page = world.client_for(first).get(f"/learning/judge/essays/{essay.pk}/").content.decode()
    assert "结构清楚" in page and "评委" in page and "judge_1" not in page
    assert "张小明" not in str(world.client_for(first).get("/api/v1/learning/judge/essays").json())
    outsider = learning.judges[2]
    assert world.client_for(outsider).get(f"/learning/judge/essays/{essay.pk}/").status_code == 404
    with pytest.raises(ApiError):
        services.essay_score(actor=outsider, essay=essay, scores=MARKS)


def test_out_of_range_marks_are_refused_by_the_rubric_engine(world, learning, call):
    essay = submit(world.worker_a1, call)
    services.call_close(actor=world.district_staff, call=call)
    essay.refresh_from_db()
    response = world.client_for(learning.judges[0]).post(
        f"/api/v1/learning/judge/essays/{essay.pk}/scores", {"scores": MARKS | {"theme": 11}}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["field"] == "scores.theme"


def test_awards_publish_and_the_collection_pdf(world, learning, call):
    a = submit(world.worker_a1, call, title="第一篇好文章")
    b = submit(world.worker_b1, call, title="第二篇好文章")
    services.call_close(actor=world.district_staff, call=call)
    for essay in (a, b):
        essay.refresh_from_db()
        for judge in learning.judges[:2]:
            services.essay_score(actor=judge, essay=essay, scores=MARKS)
    with pytest.raises(ApiError):
        services.call_publish(actor=world.district_staff, call=call)  # no awards yet
    services.essay_award(actor=world.district_staff, essay=a, award=Award.FIRST)
    with pytest.raises(ApiError):
        services.essay_award(actor=world.admin_b1, essay=a, award=Award.SECOND)
    services.call_publish(actor=world.district_staff, call=call)
    a.refresh_from_db()
    assert a.evaluation.is_locked
    response = world.client_for(world.worker_b1).get(f"/learning/essays/{call.pk}/collection.pdf")
    assert response["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(response.content)
            f.flush()
            text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True).stdout.decode()
        assert "第一篇好文章" in text and "一等奖" in text and "张*明" in text and "第二篇好文章" not in text


def test_study_sessions_record_attendance_per_organisation(world):
    session = services.session_create(
        actor=world.admin_a1, organisation=world.org_a1, title="学习工会法", held_at=timezone.now() - dt.timedelta(days=1)
    )
    assert services.attendance_record(actor=world.admin_a1, session=session, member_ids=[world.worker_a1.pk, world.worker_a1_other.pk]) == 2
    assert services.attendance_record(actor=world.admin_a1, session=session, member_ids=[world.worker_a1.pk]) == 0
    with pytest.raises(ApiError) as refused:
        services.attendance_record(actor=world.admin_a1, session=session, member_ids=[world.worker_b1.pk])
    assert refused.value.code == "member_out_of_scope"
    with pytest.raises(ApiError):
        services.attendance_record(actor=world.admin_b1, session=session, member_ids=[world.worker_a1.pk])
    with pytest.raises(ApiError):
        services.session_create(actor=world.admin_b1, organisation=world.org_a1, title="x", held_at=timezone.now())


def test_participation_and_the_review_section_computed_by_hand(world, learning, call):
    year = timezone.localdate().year
    now = timezone.now()
    held = max(now - dt.timedelta(hours=1), timezone.make_aware(dt.datetime(year, 1, 1, 9)))
    s1 = services.session_create(actor=world.admin_a1, organisation=world.org_a1, title="学习一", held_at=held)
    s2 = services.session_create(actor=world.admin_b1, organisation=world.org_b1, title="学习二", held_at=held)
    services.attendance_record(actor=world.admin_a1, session=s1, member_ids=[world.worker_a1.pk, world.worker_a1_other.pk])
    services.attendance_record(actor=world.admin_b1, session=s2, member_ids=[world.worker_b1.pk])
    QuizAttempt.objects.create(
        campaign=learning.contest.campaign, member=world.worker_b1, organisation=world.org_b1, day=timezone.localdate(), question_ids=[],
        started_at=held,
    )  # fmt: skip
    submit(world.worker_a1, call)
    by_org = {r["name"]: r for r in selectors.participation(year, world.district_staff, "organisation")}
    assert (by_org[world.org_a1.name]["sessions"], by_org[world.org_a1.name]["attendances"], by_org[world.org_a1.name]["essays"]) == (
        1,
        2,
        1,
    )
    assert (by_org[world.org_b1.name]["attendances"], by_org[world.org_b1.name]["contest"]) == (1, 1)
    by_street = {r["name"]: r for r in selectors.participation(year, world.district_staff, "street")}
    assert by_street[world.street_a.name]["total"] == 3 and by_street[world.street_b.name]["total"] == 2
    assert [r["name"] for r in selectors.participation(year, world.admin_b1, "organisation")] == [world.org_b1.name]
    section = selectors.review_section(year if call.deadline.year == year else call.deadline.year, world.district_staff)
    items = {label: value for label, value, _unit in section["items"]}
    assert items["收到征文"] == 1 and items["开展征文活动"] == 1
    this_year = dict((label, value) for label, value, _unit in selectors.review_section(year, world.district_staff)["items"])
    assert this_year["中心组学习等学习活动"] == 2 and this_year["参加学习人次"] == 3
    assert reports.participation_xlsx(year, world.district_staff, "street").startswith(b"PK")


def test_materials_by_topic_with_a_document(world):
    material = services.material_create(actor=world.district_staff, title="工会法全文", kind="document", topic="工会法")
    attachment_add(actor=world.district_staff, owner=material, upload=SimpleUploadedFile("工会法.pdf", b"%PDF-1.4\n"))
    with pytest.raises(ApiError) as refused:
        services.material_create(actor=world.district_staff, title="视频", kind="video", topic="工会法", url="javascript:alert(1)")
    assert refused.value.field == "url"
    page = world.client_for(world.worker_b1).get("/learning/materials/?topic=工会法").content.decode()
    assert "工会法全文" in page
    assert "工会法.pdf" in world.client_for(world.worker_b1).get(f"/learning/materials/{material.pk}/").content.decode()


def test_staff_pages_answer(world, learning, call):
    client = world.client_for(world.district_staff)
    for url in ("/learning/staff/", "/learning/staff/contests/new/", "/learning/staff/essays/new/", f"/learning/staff/essays/{call.pk}/",
                "/learning/staff/materials/new/", "/learning/staff/sessions/new/", "/learning/staff/banks/import/", "/learning/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    assert client.get(f"/learning/contests/{learning.contest.pk}/ranking.xlsx").content.startswith(b"PK")
    bad = client.post("/learning/staff/banks/import/", {"name": "x", "file": SimpleUploadedFile("b.csv", "编号,题型\n".encode())})
    assert bad.status_code == 422 and "缺少列" in bad.content.decode()
    made = client.post("/learning/staff/essays/new/", {"title": "新征文", "topics": "主题一\n主题二", "deadline": "2000-01-01T00:00"})
    assert made.status_code == 200 and "截止时间必须晚于开始时间" in made.content.decode()
    assert EssayCall.objects.count() == 1


def test_members_sign_in_to_a_session_by_its_code_on_the_day(world):
    session = services.session_create(actor=world.admin_a1, organisation=world.org_a1, title="学习工会法", held_at=timezone.now())
    staff_page = world.client_for(world.admin_a1).get(f"/learning/staff/sessions/{session.pk}/").content.decode()
    assert "<svg" in staff_page and f"/learning/sessions/{session.pk}/checkin/" in staff_page
    client = world.client_for(world.worker_a1)
    assert client.post(f"/learning/sessions/{session.pk}/checkin/").status_code == 302
    assert client.post(f"/learning/sessions/{session.pk}/checkin/").status_code == 302
    assert session.attendances.count() == 1 and session.attendances.get().organisation == world.org_a1
    assert world.client_for(world.worker_b1).post(f"/learning/sessions/{session.pk}/checkin/").status_code == 404
    with pytest.raises(ApiError) as late:
        services.attendance_checkin(actor=world.worker_a1_other.user, session=session, now=timezone.now() + dt.timedelta(days=2))
    assert late.value.code == "checkin_closed"


def test_a_member_s_own_data_export_lists_their_learning(world, learning, call):
    from core.privacy import member_data_export

    services.contest_start(actor=world.worker_a1.user, contest=learning.contest)
    submit(world.worker_a1, call, title="我的征文题目")
    sections = {s["title"]: s["rows"] for s in member_data_export(world.worker_a1)["sections"]}
    rows = sections["强学习：我的竞赛、征文和学习记录"]
    assert [r["类别"] for r in rows] == ["知识竞赛", "征文"] and "我的征文题目" in rows[1]["名称"]


def test_the_worker_home_lists_reachable_activities_in_few_queries(world, learning, call, django_assert_max_num_queries):
    other = make_contest(world.admin_b1, learning.bank, organisation=world.org_b1)
    client = world.client_for(world.worker_a1)
    with django_assert_max_num_queries(14):
        page = client.get("/learning/").content.decode()
    assert learning.contest.name in page and call.title in page and f"/learning/contests/{other.pk}/" not in page
