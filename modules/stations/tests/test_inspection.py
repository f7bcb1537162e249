"""The yearly inspection: the inspector fills the checklist on site, a resend is harmless, a
failing item opens a fix task for the host that only the re-visit closes, staff approve and
lock the results, and the year's report comes out as xlsx and as a PDF that speaks Chinese."""

import io
import json
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import Conflict, Forbidden
from engines.review import services as review
from modules.stations import selectors, services
from modules.stations.models import InspectionAssignment, InspectionSubmission, StationTask
from modules.stations.tests.factories import make_station

ITEMS = [
    {"code": "sign", "title": "标识标牌", "weight": 20, "max_score": 10, "pass_score": 6},
    {"code": "hours", "title": "按时开放", "weight": 50, "max_score": 10, "pass_score": 6},
    {"code": "clean", "title": "环境整洁", "weight": 30, "max_score": 10, "pass_score": 6},
]
GOOD = {"sign": 9, "hours": 10, "clean": 8}  # 18 + 50 + 24 = 92 → 优秀
POOR = {"sign": 8, "hours": 7, "clean": 4}  # 16 + 35 + 12 = 63 → 合格, cleanliness fails


@pytest.fixture
def plan(world):
    rubric = review.rubric_create(actor=world.district_staff, key="stations.inspection.2020", name="2020年度检查标准", items=ITEMS)
    plan = services.plan_create(actor=world.district_staff, year=2020, name="2020年度驿站检查评估", rubric=rubric, fix_days=30)
    stations = [
        make_station(world.district_staff, world.org_a1, name="什刹海甲驿站"),
        make_station(world.district_staff, world.org_b1, name="金融街乙驿站"),
    ]
    services.plan_assign(actor=world.district_staff, plan=plan, stations=stations, inspector=world.inspector)
    return plan


def assignment(plan, n=0):
    return InspectionAssignment.objects.filter(plan=plan).order_by("pk")[n]


def test_only_district_plans_and_only_inspectors_are_assigned(world, plan):
    with pytest.raises(Forbidden):
        services.plan_create(actor=world.street_a_staff, year=2020, name="x", rubric=plan.rubric)
    with pytest.raises(services.Invalid):
        services.plan_assign(actor=world.district_staff, plan=plan, stations=[], inspector=world.collector_a)
    assert services.plan_assign(actor=world.district_staff, plan=plan, stations=[assignment(plan).station], inspector=world.inspector) == 0


def test_submit_scores_and_opens_fix_task(world, plan):
    a = assignment(plan)
    result = services.inspection_submit(
        actor=world.inspector, assignment=a, client_key="k-000000001", scores=POOR, notes={"clean": "垃圾未清理"}
    )
    a.refresh_from_db()
    assert a.state == "done" and a.evaluation.total == Decimal("63.00") and a.evaluation.grade == "合格"
    [task] = result.fix_tasks
    assert task.kind == "fix" and task.item_code == "clean" and task.state == "open" and task.detail == "垃圾未清理"
    assert task.deadline == timezone.localdate() + timedelta(days=30)
    assert "环境整洁" in task.title


def test_fix_task_shows_scores_as_people_write_them(world, plan):
    # Decimal.normalize() once made this "整改：环境整洁（5/1E+1 分）" (issue 18, item 3).
    a = assignment(plan)
    [task] = services.inspection_submit(
        actor=world.inspector, assignment=a, client_key="k-000000021", scores={**POOR, "clean": 5}
    ).fix_tasks
    assert task.title == "整改：环境整洁（5/10 分）"
    pages = [
        world.client_for(world.district_staff).get(reverse("stations:tasks")).content.decode(),
        world.client_for(world.inspector).get(reverse("stations:task", args=[task.pk])).content.decode(),
        world.client_for(world.district_staff).get(reverse("stations:detail", args=[a.station.pk])).content.decode(),
    ]
    assert "整改：环境整洁（5/10 分）" in pages[0] and "整改：环境整洁（5/10 分）" in pages[1]
    assert "5 / 10" in pages[2] and "66 分" in pages[2]  # 16 + 35 + 15: the total without trailing zeros
    assert not any("E+" in page for page in pages)
    fill = world.client_for(world.inspector).get(reverse("stations:inspect_fill", args=[assignment(plan, 1).pk])).content.decode()
    assert 'max="10"' in fill and "满分 10）" in fill


def test_resend_with_same_client_key_is_idempotent(world, plan):
    a = assignment(plan)
    first = services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000002", scores=POOR)
    again = services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000002", scores=GOOD)
    assert not first.replayed and again.replayed
    a.refresh_from_db()
    assert a.evaluation.total == Decimal("63.00")  # the resend changed nothing
    assert InspectionSubmission.objects.count() == 1 and StationTask.objects.filter(kind="fix").count() == 1
    with pytest.raises(Conflict):
        services.inspection_submit(actor=world.inspector, assignment=assignment(plan, 1), client_key="k-000000002", scores=GOOD)


def test_api_submit_and_resend(world, plan):
    a = assignment(plan)
    client = world.client_for(world.inspector)
    url = reverse("api_v1:stations_inspection_submit", args=[a.pk])
    body = {"client_key": "phone-abc-123", "scores": GOOD, "notes": {}, "comment": "很好", "photos": [{"data": PNG_B64, "item": "sign"}]}
    first = client.post(url, json.dumps(body), content_type="application/json")
    assert first.status_code == 201 and first.json()["total"] == 92.0 and first.json()["grade"] == "优秀"
    second = client.post(url, json.dumps(body), content_type="application/json")
    assert second.status_code == 200 and second.json()["replayed"] is True
    assert a.photos.count() == 1
    detail = world.client_for(world.street_a_staff).get(reverse("stations:detail", args=[a.station_id])).content.decode()
    assert "检查照片" in detail and "92 分" in detail
    bad = client.post(
        reverse("api_v1:stations_inspection_submit", args=[assignment(plan, 1).pk]),
        json.dumps({**body, "client_key": "phone-abc-456", "scores": {"sign": 11, "hours": 1, "clean": 1}}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "scores.sign"
    # the refused submission left no trace: the same key can be sent again once corrected
    fixed = client.post(
        reverse("api_v1:stations_inspection_submit", args=[assignment(plan, 1).pk]),
        json.dumps({**body, "client_key": "phone-abc-456", "photos": []}),
        content_type="application/json",
    )
    assert fixed.status_code == 201
    other = world.client_for(world.street_a_staff).post(
        url, json.dumps({**body, "client_key": "zzz-0000001"}), content_type="application/json"
    )
    assert other.status_code == 403


def test_fix_task_lifecycle(world, plan):
    a = assignment(plan)
    [task] = services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000003", scores=POOR).fix_tasks
    # the host works on it, but cannot close it itself
    services.task_set_state(actor=world.admin_a1, task=task, state="in_progress", note="已安排保洁")
    with pytest.raises(Conflict) as error:
        services.task_set_state(actor=world.admin_a1, task=task, state="resolved", note="好了")
    assert error.value.code == "fix_needs_revisit"
    with pytest.raises(Forbidden):
        services.task_set_state(actor=world.admin_b1, task=task, state="open")
    with pytest.raises(Forbidden):
        services.fix_task_revisit(actor=world.admin_a1, task=task, passed=True, note="自查")
    # the re-visit: not yet, then done
    services.fix_task_revisit(actor=world.inspector, task=task, passed=False, note="仍有油污")
    task.refresh_from_db()
    assert task.state == "open" and "复查未通过" in task.resolution
    services.fix_task_revisit(actor=world.inspector, task=task, passed=True, note="已清理干净")
    task.refresh_from_db()
    assert task.state == "resolved" and task.resolved_by == world.inspector
    with pytest.raises(Conflict):
        services.fix_task_revisit(actor=world.inspector, task=task, passed=True, note="again")
    # a new visit with the same failure opens a new task, the closed one stays closed
    services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000004", scores=POOR)
    assert StationTask.objects.filter(kind="fix", state="open").count() == 1


def test_revisit_through_the_page(world, plan):
    a = assignment(plan)
    [task] = services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000005", scores=POOR).fix_tasks
    client = world.client_for(world.inspector)
    page = client.get(reverse("stations:task", args=[task.pk]))
    assert page.status_code == 200 and "复查" in page.content.decode()
    client.post(reverse("stations:task", args=[task.pk]), {"action": "revisit", "passed": "1", "note": "整改到位"})
    task.refresh_from_db()
    assert task.state == "resolved"
    assert world.client_for(world.street_b_staff).get(reverse("stations:task", args=[task.pk])).status_code == 403


def test_approval_locks_results(world, plan):
    a = assignment(plan)
    services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000006", scores=GOOD)
    with pytest.raises(Forbidden):
        services.inspection_approve(actor=world.street_a_staff, plan=plan)
    assert services.inspection_approve(actor=world.district_staff, plan=plan) == 1
    with pytest.raises(Conflict) as error:
        services.inspection_submit(actor=world.inspector, assignment=a, client_key="k-000000007", scores=POOR)
    assert error.value.code == "evaluation_locked"
    a.refresh_from_db()
    assert a.evaluation.total == Decimal("92.00") and a.evaluation.is_locked
    page = world.client_for(world.inspector).get(reverse("stations:inspect_fill", args=[a.pk]))
    assert "已审定，不能修改" in page.content.decode() and "st-inspect-form" not in page.content.decode()


def test_inspector_pages(world, plan, django_assert_max_num_queries):
    client = world.client_for(world.inspector)
    with django_assert_max_num_queries(14):
        home = client.get(reverse("stations:inspect"))
    assert home.status_code == 200 and "什刹海甲驿站" in home.content.decode()
    a = assignment(plan)
    page = client.get(reverse("stations:inspect_fill", args=[a.pk])).content.decode()
    assert 'id="st-inspect-config"' in page and "<script>" not in page
    # without JavaScript the form posts to the page itself
    key = "nojs-000000001"
    form = {"client_key": key, "score_sign": "9", "score_hours": "10", "score_clean": "8", "comment": ""}
    assert client.post(reverse("stations:inspect_fill", args=[a.pk]), form).status_code == 302
    assert client.post(reverse("stations:inspect_fill", args=[a.pk]), form).status_code == 302
    assert InspectionSubmission.objects.filter(client_key=key).count() == 1
    assert world.client_for(world.collector_a).get(reverse("stations:inspect")).status_code == 403
    assert world.client_for(world.district_staff).get(reverse("stations:inspect_fill", args=[a.pk])).status_code == 403


def test_results_by_street_and_kind(world, plan):
    services.inspection_submit(actor=world.inspector, assignment=assignment(plan, 0), client_key="k-000000008", scores=GOOD)
    services.inspection_submit(actor=world.inspector, assignment=assignment(plan, 1), client_key="k-000000009", scores=POOR)
    results = selectors.plan_results(world.district_staff, plan)
    assert results["by_street"]["什刹海街道总工会"]["mean"] == 92.0
    assert results["by_street"]["金融街街道总工会"]["grades"]["合格"] == 1
    assert results["by_kind"]["shop"]["mean"] == 77.5 and results["done"] == 2
    assert set(selectors.plan_results(world.street_a_staff, plan)["by_street"]) == {"什刹海街道总工会"}


def test_year_report_xlsx_and_pdf(world, plan):
    services.inspection_submit(actor=world.inspector, assignment=assignment(plan, 0), client_key="k-000000010", scores=GOOD)
    client = world.client_for(world.district_staff)
    url = reverse("stations:plan", args=[plan.pk])
    xlsx = client.get(url + "?format=xlsx")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()]
    assert rows[0][:3] == ["序号", "驿站名称", "所属街道"]
    assert {r[1]: (r[7], r[8]) for r in rows[1:]} == {"什刹海甲驿站": (92.0, "优秀"), "金融街乙驿站": (None, None)}
    pdf = client.get(url + "?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "暖心驿站检查评估报告" in text and "什刹海甲驿站" in text and "优秀" in text and "92.00" in text


def test_pdf_falls_back_to_built_in_cjk_font(world, plan, settings):
    from core.pdf import cjk_font
    from modules.stations import reports

    settings.PDF_CJK_FONT_PATHS = ["/nonexistent/font.ttc"]
    cjk_font.cache_clear()
    try:
        assert cjk_font() == "STSong-Light"
        pdf = reports.plan_report_pdf(
            plan, selectors.plan_assignments(world.district_staff, plan), selectors.plan_results(world.district_staff, plan), "西城区总工会"
        )
        assert pdf[:4] == b"%PDF"
    finally:
        cjk_font.cache_clear()


PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def test_plan_and_task_pages_bounded_queries(world, plan, django_assert_max_num_queries):
    services.inspection_submit(actor=world.inspector, assignment=assignment(plan, 0), client_key="k-000000011", scores=POOR)
    services.inspection_submit(actor=world.inspector, assignment=assignment(plan, 1), client_key="k-000000012", scores=POOR)
    client = world.client_for(world.district_staff)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("stations:plan", args=[plan.pk]))
    assert page.status_code == 200 and '<td class="num">63</td>' in page.content.decode()
    with django_assert_max_num_queries(10):
        tasks = client.get(reverse("stations:tasks"))
    assert tasks.content.decode().count("整改：环境整洁") == 2
    assert world.client_for(world.street_b_staff).get(reverse("stations:tasks")).content.decode().count("整改：环境整洁") == 1
