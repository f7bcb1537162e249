"""What staff see through the browser: the dashboard, chart JSON, downloads, the monthly PDF — and who may not."""

import csv
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

QUERY = "start=2026-11-02&end=2026-11-08"


def chart_url(key: str, query: str = QUERY) -> str:
    return reverse("api_v1:sortstats_chart", args=[key]) + "?" + query


@pytest.mark.django_db
def test_dashboard_page_renders_kpis_panels_and_config(november, django_assert_max_num_queries):
    client = november.world.client_for(november.world.district_staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("sortstats:dashboard") + "?" + QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "分类数据分析" in html and "厨余垃圾" in html and "71.4%" in html
    assert 'id="sortstats-config"' in html and "vendor/echarts.min.js" in html and "sortstats/dashboard.js" in html
    assert 'data-chart="heatmap"' in html and "<script>" not in html.replace('<script id="sortstats-config" type="application/json">', "")


@pytest.mark.django_db
def test_bad_filter_shows_the_field_and_reason(november):
    client = november.world.client_for(november.world.district_staff)
    response = client.get(reverse("sortstats:dashboard") + "?start=2026-11-09&end=2026-11-01")
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()
    api = client.get(chart_url("volume_trend", "start=bad"))
    assert api.status_code == 422 and api.json()["field"] == "start"
    assert client.get(chart_url("nope")).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key",
    [
        "volume_summary",
        "volume_trend",
        "volume_by_street",
        "volume_by_kind",
        "heatmap",
        "accuracy_by_category",
        "accuracy_by_street",
        "accuracy_by_kind",
        "accuracy_by_organisation",
        "wrong_reasons",
        "participation_by_organisation",
        "participation_by_street",
        "participation_trend",
        "throughput_points",
        "throughput_collectors",
        "anomalies",
    ],
)
def test_every_chart_answers_json_in_few_queries(november, key, django_assert_max_num_queries):
    client = november.world.client_for(november.world.street_a_staff)
    with django_assert_max_num_queries(12):
        response = client.get(chart_url(key))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["key"] == key and body["columns"] and isinstance(body["rows"], list)


@pytest.mark.django_db
def test_chart_json_matches_hand_figures(november):
    body = november.world.client_for(november.world.district_staff).get(chart_url("accuracy_by_street")).json()
    assert ["什刹海街道总工会", 4, 3, 1, 75.0] in body["rows"]


@pytest.mark.django_db
def test_export_xlsx_opens_and_csv_rows(november):
    client = november.world.client_for(november.world.district_staff)
    # The workbook is made by a background job (tests run it at once): its page offers the file.
    page = client.get(reverse("sortstats:export", args=["volume_summary", "xlsx"]) + "?" + QUERY, follow=True)
    job = page.context["job"]
    assert job.status == "done" and "下载文件" in page.content.decode() and job.title.startswith("导出图表数据：")
    xlsx = client.get(reverse("core:job_download", args=[job.pk]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    # asked again within minutes: the same job, not a second one
    again = client.get(reverse("sortstats:export", args=["volume_summary", "xlsx"]) + "?" + QUERY)
    assert again["Location"] == reverse("core:job_detail", args=[job.pk])
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    header = values.index(
        [
            "分类",
            "袋数",
            "重量（千克）",
            "袋数占比（%）",
            "上期袋数",
            "袋数环比（%）",
            "上期重量（千克）",
            "重量环比（%）",
            "分类准确率（%）",
        ]
    )
    assert values[header + 1][:3] == ["厨余垃圾", 4, 7.5]
    csv_response = client.get(reverse("sortstats:export", args=["heatmap", "csv"]) + "?" + QUERY)
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["星期", "0时"] and len(rows) == 8
    assert rows[1][0] == "周一" and rows[1][1 + 8] == "2"
    assert client.get(reverse("sortstats:export", args=["volume_summary", "pdf"])).status_code == 404
    assert client.get(reverse("sortstats:export", args=["volume_summary", "csv"]) + "?kind=spaceship").status_code == 400


@pytest.mark.django_db
def test_monthly_street_pdf_prints_chinese_on_one_page(november, tmp_path):
    w = november.world
    client = w.client_for(w.street_a_staff)
    index = client.get(reverse("sortstats:reports") + "?month=2026-11")
    assert index.status_code == 200 and "什刹海街道总工会" in index.content.decode() and "金融街街道总工会" not in index.content.decode()
    page = client.get(reverse("sortstats:report_pdf", args=[w.street_a.pk, "2026-11"]), follow=True)
    job = page.context["job"]
    assert job.status == "done" and "月报已生成" in page.content.decode()
    response = client.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert "什刹海街道总工会" in text and "垃圾分类数据月报" in text and "厨余垃圾" in text and "2026年11月" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert client.get(reverse("sortstats:report_pdf", args=[w.street_b.pk, "2026-11"])).status_code == 403
    assert client.get(reverse("sortstats:report_pdf", args=[w.street_a.pk, "2026-13"])).status_code == 404


@pytest.mark.django_db
def test_who_may_not_see(november):
    w = november.world
    url = reverse("sortstats:dashboard")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and reverse("core:login") in anonymous["Location"]
    assert Client().get(chart_url("volume_summary")).status_code == 401
    for user in (w.collector_a, w.inspector, w.worker_a1):
        client = w.client_for(user)
        assert client.get(url).status_code == 403
        assert client.get(chart_url("volume_summary")).json()["code"] == "forbidden"
        assert client.get(reverse("sortstats:export", args=["volume_summary", "csv"])).status_code == 403
    assert w.client_for(w.admin_a1).get(reverse("sortstats:report_pdf", args=[w.street_a.pk, "2026-11"])).status_code == 403


@pytest.mark.django_db
def test_anomalies_page(november, django_assert_max_num_queries):
    client = november.world.client_for(november.world.district_staff)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("sortstats:anomalies") + "?" + QUERY)
    assert response.status_code == 200
    assert "没有发现投放量突增的基层工会" in response.content.decode()


@pytest.mark.django_db
def test_rebuild_button_is_for_district_staff_only(november):
    w = november.world
    assert w.client_for(w.street_a_staff).post(reverse("sortstats:rebuild")).status_code == 403
    response = w.client_for(w.district_staff).post(reverse("sortstats:rebuild"))
    assert response.status_code == 302
    from core.models import AuditLog

    assert AuditLog.objects.filter(action="sortstats.rebuild", actor=w.district_staff).exists()


@pytest.mark.django_db
def test_nav_item_and_dashboard_card(november):
    from modules.sortstats.hooks import month_card

    w = november.world
    page = w.client_for(w.district_staff).get(reverse("core:dashboard")).content.decode()
    assert "分类数据分析" in page and "本月回收垃圾袋" in page

    class Request:
        user = w.worker_a1.user

    assert month_card(Request()) is None


@pytest.mark.django_db
def test_demo_seeder_rebuilds_rollups(november):
    from core.registry import registry
    from modules.sortstats.models import OrgDay

    OrgDay.objects.all().delete()
    seeder = next(s for s in registry.demo_seeders if s.name == "分类数据汇总")
    assert seeder.order == 60

    class Ctx:
        notes: list = []

    seeder.func(Ctx())
    assert OrgDay.objects.filter(day=date(2026, 11, 2)).exists() and "分类数据汇总" in Ctx.notes[0]


@pytest.mark.django_db
def test_anomalies_api(november):
    body = november.world.client_for(november.world.district_staff).get("/api/v1/sortstats/anomalies?" + QUERY)
    assert body.status_code == 200
    data = body.json()
    assert data["week"] == "2026年11月2日至2026年11月8日" and data["organisation_jumps"] == [] and data["settings"]["k"] == 3.0
