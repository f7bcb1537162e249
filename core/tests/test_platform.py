"""The platform around the pages: deploy settings, languages, health, API docs offline, audit log, dashboard."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from core.audit import audit
from core.models import AuditLog, CoverageUnit, Organisation, PersonalDataAccess
from core.tests.factories import OrganisationFactory

ROOT = Path(settings.BASE_DIR)


def test_production_settings_pass_check_deploy_with_zero_warnings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "unionhub.example.cn",
        "UNIONHUB_VAR_DIR": str(tmp_path),
        # a real gateway is required (core/tests/test_sms_policy.py); this stands in for one
        "SMS_BACKEND": "core.tests.sms_gateway.GatewayForTests",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_refuses_a_short_secret(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "short", "UNIONHUB_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_healthz_reports_the_database(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.json()["database"] in {"sqlite", "postgresql"}
    assert Client().post("/healthz").status_code == 405


def test_chinese_by_default_and_english_on_request(world):
    client = world.client_for(world.street_a_staff)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'lang="zh-hans"' in page and "工作台" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("core:dashboard")})
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'lang="en"' in page and "Dashboard" in page and "Sign out" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get(reverse("core:dashboard")).content.decode()


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(world):
    client = world.client_for(world.street_a_staff)
    page = client.get(reverse("core:dashboard"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page and "工作台" in page
    anonymous = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous["Content-Language"] == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = client.get(reverse("core:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="en"' in page and "Dashboard" in page
    client.cookies["django_language"] = "fr"  # a language we do not offer falls back to Chinese
    assert 'lang="zh-hans"' in client.get(reverse("core:dashboard")).content.decode()


def test_dates_are_shown_the_chinese_way(world):
    world.org_a1.founded_on = date(2020, 12, 31)
    world.org_a1.save()
    page = world.client_for(world.admin_a1).get(reverse("core:org_detail", args=[world.org_a1.pk])).content.decode()
    assert "2020年12月31日" in page


def test_api_docs_load_nothing_from_a_cdn(db):
    page = Client().get("/api/v1/docs").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(url.startswith("/static/") for url in urls), urls
    raw = Client().get("/api/v1/openapi.json").content

    def no_duplicate_keys(pairs):
        keys = [key for key, _value in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys in the OpenAPI document: {keys}"
        return dict(pairs)

    spec = json.loads(raw, object_pairs_hook=no_duplicate_keys)  # swagger-ui refuses duplicated keys
    assert spec["paths"]["/api/v1/members/import"]


def test_dashboard_shows_core_cards_in_scope(world):
    CoverageUnit.objects.create(name="甲社区", kind="community", street=world.street_a, union=world.org_a2)
    CoverageUnit.objects.create(name="乙楼宇", kind="building", street=world.street_a)
    CoverageUnit.objects.create(name="丙园区", kind="park", street=world.street_b, union=world.org_b1)
    cards = {c["title"]: c for c in world.client_for(world.street_a_staff).get(reverse("core:dashboard")).context["cards"]}
    assert cards["基层工会数"]["value"] == "2"
    assert cards["在册会员"]["value"] == "2"
    assert cards["园区·社区·楼宇建会覆盖率"]["value"] == "50.0%"
    cards = {c["title"]: c for c in world.client_for(world.district_staff).get(reverse("core:dashboard")).context["cards"]}
    assert cards["基层工会数"]["value"] == "4" and cards["在册会员"]["value"] == "3"


def test_list_pages_stay_within_a_query_budget(world, django_assert_max_num_queries):
    for i in range(30):
        CoverageUnit.objects.create(name=f"楼宇{i}", kind="building", street=world.street_a if i % 2 else world.street_b)
        audit(actor=world.street_a_staff, action="organisation.update", obj=world.org_a1)
        PersonalDataAccess.objects.create(viewer=world.admin_a1, member=world.worker_a1, field="phone")
    client = world.client_for(world.district_staff)
    for url in [
        reverse("core:coverage"),
        reverse("core:audit"),
        reverse("core:audit") + "?tab=access",
        reverse("core:tokens"),
        reverse("core:member_detail", args=[world.worker_a1.pk]),
    ]:
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


def test_coverage_report_and_export(world):
    CoverageUnit.objects.create(name="甲社区", kind="community", street=world.street_a, union=world.org_a2)
    CoverageUnit.objects.create(name="乙社区", kind="community", street=world.street_a)
    CoverageUnit.objects.create(name="丙园区", kind="park", street=world.street_b, union=world.org_b1)
    OrganisationFactory(
        name="新公司工会", parent=world.street_a, street=world.street_a, ownership="non_public", founded_on=date(2025, 5, 1)
    )
    OrganisationFactory(
        name="老公司工会", parent=world.street_a, street=world.street_a, ownership="non_public", founded_on=date(2019, 5, 1)
    )
    OrganisationFactory(name="国企工会", parent=world.street_b, street=world.street_b, ownership="state", founded_on=date(2025, 5, 1))
    client = world.client_for(world.district_staff)
    report = client.get(reverse("core:coverage"), {"year": 2025}).context["report"]
    row_a = next(r for r in report["rows"] if r["street"] == world.street_a)
    community = next(k for k in row_a["kinds"] if k["kind"] == "community")
    assert (community["total"], community["covered"], community["percent"]) == (2, 1, 50.0)
    assert row_a["new_non_public"] == 1 and report["new_non_public"] == 1
    assert (report["total"], report["covered"]) == (3, 2)
    export = client.get(reverse("core:coverage_export"), {"year": 2025})
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "街道" and "2025年非公企业新建工会" in rows[0]
    line_a = next(r for r in rows if r[0] == world.street_a.name)
    assert line_a[-1] == 1
    assert client.get(reverse("core:coverage"), {"year": "abc"}).status_code == 200


def test_coverage_unit_form_validates(world):
    client = world.client_for(world.street_a_staff)
    response = client.post(
        reverse("core:coverage_unit_create"), {"name": "丁楼宇", "kind": "building", "street": world.street_a.pk, "union": world.org_b1.pk}
    )
    assert response.status_code == 200 and "union" in response.context["form"].errors
    response = client.post(reverse("core:coverage_unit_create"), {"name": "丁楼宇", "kind": "building", "street": world.street_a.pk})
    assert response.status_code == 302
    response = client.post(reverse("core:coverage_unit_create"), {"name": "丁楼宇", "kind": "building", "street": world.street_a.pk})
    assert "同名" in " ".join(response.context["form"].errors["name"])
    assert AuditLog.objects.filter(action="coverage.create").count() == 1


def test_audit_page_for_district_staff_only_with_filters(world):
    for i in range(60):
        audit(actor=world.street_a_staff, action="organisation.update", obj=world.org_a1, changes={"name": [str(i), str(i + 1)]})
    audit(actor=world.admin_b1, action="member.create", obj=world.worker_b1)
    PersonalDataAccess.objects.create(viewer=world.admin_a1, member=world.worker_a1, field="phone", context="roster")
    client = world.client_for(world.district_staff)
    page = client.get(reverse("core:audit"))
    assert page.context["page"].paginator.count == 61 and len(page.context["page"].object_list) == 50
    assert client.get(reverse("core:audit"), {"actor": "admin_b1"}).context["page"].paginator.count == 1
    assert client.get(reverse("core:audit"), {"action": "member"}).context["page"].paginator.count == 1
    assert client.get(reverse("core:audit"), {"date_from": "2099-01-01"}).context["page"].paginator.count == 0
    assert client.get(reverse("core:audit"), {"date_from": "not-a-date"}).status_code == 200
    access = client.get(reverse("core:audit"), {"tab": "access"})
    assert access.context["page"].paginator.count == 1 and "张小明" in access.content.decode()
    for user in (world.street_a_staff, world.admin_a1, world.collector_a):
        assert world.client_for(user).get(reverse("core:audit")).status_code == 403


def test_admin_is_scoped(world):
    client = world.client_for(world.street_b_staff)
    response = client.get("/admin/core/organisation/")
    assert response.status_code == 200
    names = {o.name for o in response.context["cl"].result_list}
    assert world.org_b1.name in names and world.org_a1.name not in names
    assert client.get(f"/admin/core/member/{world.worker_a1.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/core/member/", {"q": "王芳"}).status_code == 200


def test_pages_fit_a_phone_and_have_no_inline_script(world):
    client = world.client_for(world.district_staff)
    for url in [
        reverse("core:org_detail", args=[world.district.pk]),
        reverse("core:roster", args=[world.org_a1.pk]),
        reverse("core:coverage"),
        reverse("core:tokens"),
        reverse("core:audit"),
        reverse("core:member_detail", args=[world.worker_a1.pk]),
    ]:
        page = client.get(url).content.decode()
        assert 'name="viewport"' in page
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page), url
        assert " onclick=" not in page and ' style="' not in page, url


def test_admin_edits_stay_in_scope_and_are_audited(world):
    client = world.client_for(world.street_a_staff)
    url = f"/admin/core/member/{world.worker_a1.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    data = {
        "name": "张小明",
        "organisation": world.org_b1.pk,
        "phone": world.worker_a1.phone,
        "employee_no": "",
        "gender": "",
        "tags": "[]",
        "status": "active",
        "joined_on": "2024-01-01",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "organisation" in refused.context["adminform"].form.errors
    data["organisation"] = world.org_a2.pk
    assert client.post(url, data).status_code == 302
    assert Organisation.objects.get(pk=world.org_a2.pk).member_count == 1
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 1
    assert AuditLog.objects.filter(action="admin.change", object_id=str(world.worker_a1.pk)).exists()
    listing = client.get("/admin/core/member/").content.decode()
    assert "138****0001" in listing and "13800000001" not in listing
