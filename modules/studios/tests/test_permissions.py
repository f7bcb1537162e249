"""Every transition × every role, on real cases (engines.workflow.testing), and the pages' and
API's scoping: a union sees its own, a street its area, an expert only what is assigned."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from core.errors import ApiError
from engines.workflow.models import Case
from engines.workflow.testing import transition_matrix
from modules.studios import services
from modules.studios.models import Application
from modules.studios.process import KEY, PROCESS
from modules.studios.tests.conftest import complete_data, draft, scored, to_expert_review


def test_every_transition_by_every_role(world, studios):
    # A complete, scored application: the guards pass wherever a role may act, so the matrix
    # shows permissions only.
    base = scored(world, studios, to_expert_review(world, studios))

    def make_case(state):
        case = Case.objects.get(object_id=base.pk, process=KEY)
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        return case

    actors = {
        "grassroots_own": world.admin_a1,
        "grassroots_other": world.admin_b1,
        "street_own": world.street_a_staff,
        "street_other": world.street_b_staff,
        "district": world.district_staff,
        "expert": studios.expert_1,
        "collector": world.collector_a,
        "worker": world.worker_a1.user,
    }
    cells = transition_matrix(PROCESS, make_case=make_case, actors=actors)
    allowed = {(state, name, who) for (state, name, who), ok in cells.items() if ok}
    expected = {
        ("draft", "submit", "grassroots_own"),
        ("returned", "submit", "grassroots_own"),
        *{("submitted", t, "street_own") for t in ("return", "reject", "pass")},
        *{("expert_review", t, "district") for t in ("approve", "decline")},
        ("approved", "publish", "district"),
        *{("notice", t, "district") for t in ("name", "withdraw")},
        ("named", "revoke", "district"),
    }
    assert allowed == expected
    assert len(cells) == sum(len([t for t in PROCESS.transitions_from(s.key) if not t.system]) for s in PROCESS.states) * len(actors)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_overrun_the_quota(world, studios):
    applications = [scored(world, studios, to_expert_review(world, studios, f"工作室{i}")) for i in range(5)]
    barrier = threading.Barrier(len(applications))
    outcomes = []

    def approve(application):
        try:
            barrier.wait()
            services.application_transition(actor=world.district_staff, application=application, name="approve")
            outcomes.append("ok")
        except ApiError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "ok", "workflow_incomplete", "workflow_incomplete", "workflow_incomplete"]
    assert Case.objects.filter(process=KEY, state="approved").count() == studios.call.quota


def test_pages_show_each_role_only_its_part(world, studios):
    own = draft(world, studios)
    services.application_transition(actor=world.admin_a1, application=own, name="submit")
    other = services.application_create(actor=world.admin_b1, call=studios.call, organisation=world.org_b1, data=complete_data("乙工作室"))
    url = reverse("studios:home")

    def names(user):
        page = world.client_for(user).get(url)
        assert page.status_code == 200
        return {a.name for a in page.context["page"].object_list}

    assert names(world.admin_a1) == {own.name}
    assert names(world.street_a_staff) == {own.name}
    assert names(world.district_staff) == {own.name, other.name}
    assert world.client_for(world.street_a_staff).get(url).context["waiting"] == [own]
    for outsider in (world.collector_a, world.worker_a1.user, studios.expert_1):
        assert world.client_for(outsider).get(url).status_code == 403
    detail = reverse("studios:application", args=[other.pk])
    assert world.client_for(world.admin_a1).get(detail).status_code == 404
    assert world.client_for(world.street_a_staff).get(detail).status_code == 404
    assert world.client_for(world.district_staff).get(detail).status_code == 200


def test_a_street_reviews_through_the_page_and_a_stale_page_is_told(world, studios):
    application = draft(world, studios)
    services.application_transition(actor=world.admin_a1, application=application, name="submit")
    client = world.client_for(world.street_a_staff)
    page = client.get(reverse("studios:application", args=[application.pk])).content.decode()
    assert "初审通过" in page and "退回修改" in page and "办理记录" in page
    act = reverse("studios:transition", args=[application.pk])
    assert client.post(act, {"transition": "pass", "expected_state": "submitted"}).status_code == 302
    again = client.post(act, {"transition": "return", "comment": "晚了", "expected_state": "submitted"}, follow=True)
    assert "该事项已被他人处理" in again.content.decode()


def test_the_application_form_shows_the_field_and_the_reason(world, studios):
    client = world.client_for(world.admin_a1)
    url = reverse("studios:application_new") + f"?call={studios.call.pk}"
    bad = client.post(url, {"name": "", "field": "technology", "results": "专利，没有年份"})
    assert bad.status_code == 200
    assert "第 1 行应为：类别，名称，年份" in bad.content.decode()
    good = client.post(url, {"name": "新工作室", "field": "technology", "team": "甲，技师\n乙", "results": "专利，一种装置，2024"})
    assert good.status_code == 302
    created = Application.objects.get(name="新工作室")
    assert created.team == [{"name": "甲", "role": "技师"}, {"name": "乙", "role": ""}]
    page = client.get(reverse("studios:application", args=[created.pk])).content.decode()
    assert "提交前还需完善" in page and "团队不少于 5 人（现有 2 人）" in page


def test_the_expert_scores_on_a_phone_page(world, studios):
    application = to_expert_review(world, studios)
    assignment = services.expert_assign(actor=world.district_staff, application=application, expert=studios.expert_1)
    client = world.client_for(studios.expert_1)
    url = reverse("studios:expert_review", args=[assignment.pk])
    first = client.get(url).content.decode()
    assert "我声明无利益冲突" in first and application.summary not in first  # nothing before the declaration
    client.post(url, {"action": "declare"})
    form = client.get(url).content.decode()
    assert application.summary in form and "提交自己的评分后，才能看到其他专家的平均分" in form
    bad = client.post(url, {"action": "score", "score_leader": "11"}).content.decode()
    assert "超出" in bad or "满分" in bad or "不能" in bad
    client.post(url, {"action": "score", **{f"score_{c}": "8" for c in ("leader", "results", "team", "facilities", "management")}})
    done = client.get(url).content.decode()
    assert "全部专家平均总分 80.00" in done
    assert world.client_for(studios.expert_2).get(url).status_code == 404


def test_the_district_ranking_page_costs_a_fixed_number_of_queries(world, studios, django_assert_max_num_queries):
    for i in range(4):
        scored(world, studios, to_expert_review(world, studios, f"工作室{i}"))
    client = world.client_for(world.district_staff)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("studios:call", args=[studios.call.pk]))
    assert page.status_code == 200 and "名额线" in page.content.decode()


def test_the_api_lists_scoped_applications_and_moves_them(world, studios):
    application = draft(world, studios)
    api = "/api/v1/studios"
    own = world.client_for(world.admin_a1)
    assert [a["name"] for a in own.get(f"{api}/applications").json()["items"]] == [application.name]
    assert world.client_for(world.admin_b1).get(f"{api}/applications").json()["items"] == []
    assert world.client_for(world.admin_b1).get(f"{api}/applications/{application.pk}").status_code == 404
    moved = own.post(f"{api}/applications/{application.pk}/transitions", {"name": "submit"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["state"] == "submitted" and moved.json()["state_label"] == "待初审"
    refused = own.post(f"{api}/applications/{application.pk}/transitions", {"name": "pass"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "workflow_forbidden"
    wrong_type = own.patch(f"{api}/applications/{application.pk}", {"team": "不是名单"}, content_type="application/json")
    assert wrong_type.status_code == 422
    submitted = own.patch(f"{api}/applications/{application.pk}", {"summary": "改"}, content_type="application/json")
    assert submitted.status_code == 409 and submitted.json()["code"] == "studios_not_editable"
    created = own.post(
        f"{api}/applications",
        {"call_id": studios.call.pk, "organisation_id": world.org_a1.pk, **complete_data("接口工作室")},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["state"] == "draft"
    duplicate = own.post(
        f"{api}/applications",
        {"call_id": studios.call.pk, "organisation_id": world.org_a1.pk, "name": "接口工作室"},
        content_type="application/json",
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "name"


def test_the_ranking_exports_and_the_meeting_pack_prints_in_chinese(world, studios, tmp_path):
    import io
    import subprocess

    from openpyxl import load_workbook

    first = scored(world, studios, to_expert_review(world, studios, '=HYPERLINK("x")工作室'))
    scored(world, studios, to_expert_review(world, studios, "乙工作室", organisation=world.org_b1, admin=world.admin_b1), marks=(6, 7))
    client = world.client_for(world.district_staff)
    book = client.get(reverse("studios:call_export", args=[studios.call.pk, "xlsx"]))
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet.cell(row=3, column=2).data_type == "s"  # a name beginning with "=" is not a formula
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("名次", "工作室名称")
    assert rows[2][1] == first.name and rows[2][4] == 80.0  # kept as typed, stored as text and rows[3][1] == "乙工作室"
    pack = client.get(reverse("studios:call_export", args=[studios.call.pk, "pdf"]))
    assert pack.status_code == 200 and pack.content[:4] == b"%PDF"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pack.content, capture_output=True, check=True).stdout.decode()
    assert "审定会议材料" in text and "乙工作室" in text and "建议命名" in text
    assert world.client_for(world.street_a_staff).get(reverse("studios:call_export", args=[studios.call.pk, "xlsx"])).status_code == 403
    assert client.get(reverse("studios:call_export", args=[studios.call.pk, "doc"])).status_code == 404


def test_the_union_attaches_its_certificates_and_only_those_who_may_see_the_application_download_them(world, studios, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.attachments import attachments_of

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    application = draft(world, studios)
    admin = world.client_for(world.admin_a1)
    pdf = SimpleUploadedFile("专利证书.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    admin.post(reverse("studios:attachment_upload", args=[application.pk]), {"file": pdf})
    fake = SimpleUploadedFile("证书.pdf", b"MZ not a pdf", content_type="application/pdf")
    refused = admin.post(reverse("studios:attachment_upload", args=[application.pk]), {"file": fake}, follow=True)
    assert "只能上传 PDF" in refused.content.decode()
    page = admin.get(reverse("studios:application", args=[application.pk])).content.decode()
    assert "专利证书.pdf" in page and "上传附件" in page
    (attachment,) = attachments_of(application)
    download = reverse("core:attachment_download", args=[attachment.pk])
    assert world.client_for(world.street_b_staff).get(download).status_code == 404
    services.application_transition(actor=world.admin_a1, application=application, name="submit")
    # Submitted: the union can no longer add or remove files; the street reviewing it downloads them.
    assert "上传附件" not in admin.get(reverse("studios:application", args=[application.pk])).content.decode()
    assert world.client_for(world.street_a_staff).get(download).status_code == 200
    services.application_transition(actor=world.street_a_staff, application=application, name="pass")
    assignment = services.expert_assign(actor=world.district_staff, application=application, expert=studios.expert_1)
    assert world.client_for(studios.expert_1).get(download).status_code == 404  # not before the declaration
    services.assignment_declare_no_conflict(actor=studios.expert_1, assignment=assignment)
    assert world.client_for(studios.expert_1).get(download).status_code == 200
