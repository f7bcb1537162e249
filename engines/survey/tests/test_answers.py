"""Answering: skip logic, required and constraints on the server; anonymous answers that lead
back to nobody; one answer per person; quotas; results, cross-tabs, trends and the export."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.errors import ApiError
from engines.survey import export, selectors, services
from engines.survey.models import Answer, Participation, Quota, Response, Survey

from .conftest import make_survey

GOOD = {"works": "yes", "hours": "9", "income": "6.5", "needs": ["rest", "legal"], "since": "2020-03-01", "note": "多建驿站"}


def submit(world, survey, who, answers):
    return services.response_submit(actor=who.user if hasattr(who, "user") else who, survey=survey, answers=answers)


def test_an_anonymous_answer_stores_no_person_and_no_time_of_day(world, survey):
    response = submit(world, survey, world.worker_a1, GOOD)
    row = Response.objects.get(pk=response.pk)
    assert row.respondent_id is None and row.organisation_id is None and row.submitted_at is None
    assert row.submitted_on is not None and row.data["needs"] == "rest legal"
    # the person is known to have taken part, and nothing links them to the answer
    participation = Participation.objects.get(survey=survey)
    assert participation.user_id == world.worker_a1.user_id
    assert {f.name for f in Participation._meta.get_fields()} == {"id", "survey", "user"}
    assert len(str(row.pk)) == 36  # a random key: its order says nothing about when
    with pytest.raises(ApiError) as again:
        submit(world, survey, world.worker_a1, GOOD)
    assert again.value.code == "survey_already_answered"
    assert Response.objects.filter(survey=survey).count() == 1


def test_an_identified_answer_keeps_its_respondent_once(world, book):
    survey = make_survey(world, book, anonymous=False)
    response = submit(world, survey, world.worker_a1, GOOD)
    assert response.respondent_id == world.worker_a1.user_id and response.organisation_id == world.org_a1.pk
    assert not Participation.objects.exists()
    with pytest.raises(ApiError) as again:
        submit(world, survey, world.worker_a1, {"works": "no"})
    assert again.value.code == "survey_already_answered"


def test_skip_logic_drops_answers_to_questions_not_asked(world, survey):
    response = submit(world, survey, world.worker_a1, {"works": "no", "hours": "30"})
    assert response.data == {"works": "no"}  # hours was not asked: neither required nor checked, and dropped
    assert set(Answer.objects.filter(response=response).values_list("question", "value")) == {("works", "no")}


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({}, "works", "此题必答"),
        ({"works": "yes"}, "hours", "此题必答"),
        ({"works": "yes", "hours": "25"}, "hours", "小时数应在 0 到 24 之间"),
        ({"works": "yes", "hours": "nine"}, "hours", "请填写整数"),
        ({"works": "maybe"}, "works", "请从选项中选择一项"),
        ({"works": "no", "income": "1e9"}, "income", "请填写数字"),
        ({"works": "no", "needs": ["rest", "legal", "health"]}, "needs", "最多选两项"),
        ({"works": "no", "needs": ["fly"]}, "needs", "所选项不在选项中"),
        ({"works": "no", "since": "2020-02-30"}, "since", "请填写日期（年-月-日）"),
    ],
)
def test_wrong_answers_are_refused_with_the_question_and_the_reason(world, survey, answers, field, message):
    with pytest.raises(ApiError) as caught:
        submit(world, survey, world.worker_a1, answers)
    assert caught.value.code == "survey_answer_invalid" and caught.value.extra["errors"][field] == message
    assert not Response.objects.exists() and not Participation.objects.exists()


def test_a_closed_or_draft_survey_takes_no_answers(world, book):
    survey = make_survey(world, book, status=Survey.Status.DRAFT)
    with pytest.raises(ApiError) as caught:
        submit(world, survey, world.worker_a1, GOOD)
    assert caught.value.code == "survey_closed"


def test_a_street_survey_is_for_the_street_s_members(world, book):
    survey = make_survey(world, book, organisation=world.street_a)
    submit(world, survey, world.worker_a1, GOOD)
    with pytest.raises(ApiError) as caught:
        submit(world, survey, world.worker_b1, GOOD)
    assert caught.value.status == 403


def test_quotas_refuse_answers_once_full(world, survey):
    services.quota_set(actor=world.district_staff, survey=survey, question="works", value="yes", limit=1)
    submit(world, survey, world.worker_a1, GOOD)
    with pytest.raises(ApiError) as caught:
        submit(world, survey, world.worker_a1_other, GOOD)
    assert caught.value.code == "survey_quota_full"
    assert not Participation.objects.filter(user=world.worker_a1_other.user).exists()  # may answer later, differently
    submit(world, survey, world.worker_a1_other, {"works": "no"})
    services.quota_set(actor=world.district_staff, survey=survey, limit=2)
    with pytest.raises(ApiError) as caught:
        submit(world, survey, world.worker_b1, {"works": "no"})
    assert caught.value.code == "survey_quota_full"
    assert Quota.objects.get(survey=survey, question="works").filled == 1


def test_quota_input_is_checked(world, survey):
    for kwargs, field in (
        ({"question": "hours", "value": "1", "limit": 5}, "question"),
        ({"question": "works", "value": "x", "limit": 5}, "value"),
        ({"limit": 0}, "limit"),
    ):
        with pytest.raises(ApiError) as caught:
            services.quota_set(actor=world.district_staff, survey=survey, **kwargs)
        assert caught.value.field == field
    with pytest.raises(ApiError):
        services.quota_set(actor=world.admin_b1, survey=survey, limit=5)


def _answer_three(world, survey):
    submit(world, survey, world.worker_a1, GOOD)
    submit(world, survey, world.worker_a1_other, {"works": "yes", "hours": "12", "needs": ["rest"], "income": "8"})
    submit(world, survey, world.worker_b1, {"works": "no", "needs": ["health"]})


def test_results_count_by_hand(world, survey):
    _answer_three(world, survey)
    result = selectors.results(survey)
    assert result["total"] == 3
    works = selectors.question_result(result, "works")
    assert [(r["value"], r["count"], r["share"]) for r in works["rows"]] == [("yes", 2, 66.7), ("no", 1, 33.3)]
    needs = selectors.question_result(result, "needs")
    assert needs["answered"] == 3 and [(r["value"], r["count"]) for r in needs["rows"]] == [("rest", 2), ("legal", 1), ("health", 1)]
    hours = selectors.question_result(result, "hours")
    assert (hours["answered"], hours["mean"], hours["median"], hours["min"], hours["max"]) == (2, 10.5, 10.5, 9.0, 12.0)
    assert selectors.question_result(result, "note")["samples"] == ["多建驿站"]
    table = selectors.crosstab(survey, "works", "needs")
    assert table["columns"] == ["休息场所", "法律援助", "体检"]
    assert [r["counts"] for r in table["rows"]] == [[2, 1, 0], [0, 0, 1]]
    with pytest.raises(ApiError):
        selectors.crosstab(survey, "works", "hours")


def test_a_second_wave_gives_a_trend(world, book, survey):
    _answer_three(world, survey)
    wave2 = make_survey(world, book)
    assert (wave2.series, wave2.wave) == (survey.series, 2)
    submit(world, wave2, world.worker_a1, {"works": "no"})
    trend = selectors.trend(wave2, "works")
    assert trend["waves"] == ["第1轮", "第2轮"]
    assert trend["lines"][0] == {"label": "是", "values": [66.7, 0.0]}


def test_the_export_has_kobotoolbox_s_columns(world, survey):
    _answer_three(world, survey)
    sheet = load_workbook(io.BytesIO(export.workbook_bytes(survey))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:8] == ["g1/works", "g1/hours", "income", "needs", "needs/rest", "needs/legal", "needs/health", "since"]
    assert header[9:] == export.META and header[9] == "_id"
    by_works = {r[0]: r for r in rows[1:]}
    assert len(rows) == 4
    first = next(r for r in rows[1:] if r[1] == 9)
    assert first[3:7] == ("rest legal", 1, 1, 0) and first[2] == 6.5
    assert first[header.index("_submitted_by")] in ("", None)  # anonymous
    assert len(first[header.index("_submission_time")]) == 10  # the date alone
    assert by_works


def test_staff_pages_show_results_charts_and_crosstab(world, survey):
    _answer_three(world, survey)
    client = world.client_for(world.district_staff)
    page = client.get(reverse("survey:detail", args=[survey.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "survey/results.js" in body and "vendor/echarts.min.js" in body and "66.7%" in body
    config = json.loads(body.split('id="survey-results" type="application/json">')[1].split("</script>")[0])
    assert config["charts"][0] == {"id": "works", "kind": "bar", "labels": ["是", "否"], "values": [2, 1]}
    page = client.get(reverse("survey:crosstab", args=[survey.pk]), {"row": "works", "col": "needs"})
    assert page.status_code == 200 and "休息场所" in page.content.decode()
    page = client.get(reverse("survey:crosstab", args=[survey.pk]), {"row": "works", "col": "nothing"})
    assert page.status_code == 200 and "交叉分析只能用单选题或多选题" in page.content.decode()
    page = client.get(reverse("survey:export", args=[survey.pk]))
    assert page.status_code == 200 and page["Content-Type"].startswith("application/vnd.openxml")
    assert world.client_for(world.street_b_staff).get(reverse("survey:detail", args=[survey.pk])).status_code == 404


def test_the_import_page_lists_a_bad_workbook_s_problems(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from engines.survey.testing import workbook

    client = world.client_for(world.district_staff)
    bad = workbook([{"type": "integer", "name": "n", "label": "数", "relevant": "${x} = 1"}])
    page = client.post(
        reverse("survey:import"),
        {"workbook": SimpleUploadedFile("bad.xlsx", bad), "owner": "tests", "organisation": world.district.pk, "anonymous": "on"},
    )
    assert page.status_code == 200
    assert "工作表「survey」第 2 行「relevant」列：引用了不存在的题目 ${x}" in page.content.decode()
    assert not Survey.objects.exists()


def test_the_import_page_creates_a_survey(world, book):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = world.client_for(world.district_staff)
    page = client.post(
        reverse("survey:import"),
        {"workbook": SimpleUploadedFile("t.xlsx", book), "owner": "tests", "organisation": world.district.pk, "anonymous": "on"},
    )
    survey = Survey.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("survey:detail", args=[survey.pk])
    assert survey.anonymous and survey.status == Survey.Status.DRAFT and survey.created_by == world.district_staff


def test_the_phone_form_applies_skip_logic_on_the_server(world, survey):
    client = world.client_for(world.worker_a1)
    url = reverse("survey:answer", args=[survey.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-q="hours" hidden' in body and "survey/form.js" in body
    # without the page's script: "hours" was not on the screen, so the form comes back with it
    page = client.post(url, {"works": "yes", "_shown": "intro,g1,works,income,needs,since,note,"})
    body = page.content.decode()
    assert page.status_code == 200 and "新增了 1 道题" in body and 'data-q="hours" hidden' not in body
    assert not Response.objects.exists()
    page = client.post(url, {"works": "yes", "hours": "30"})
    body = page.content.decode()
    assert page.status_code == 422 and "小时数应在 0 到 24 之间" in body and 'data-q="hours" hidden' not in body
    page = client.post(url, {"works": "yes", "hours": "8", "needs": ["rest"]})
    assert page.status_code == 302 and page["Location"] == reverse("survey:thanks", args=[survey.pk])
    assert Response.objects.get().data == {"works": "yes", "hours": "8", "needs": "rest"}
    page = client.get(url)
    assert "您已经填写过这份问卷" in page.content.decode()
    mine = client.get(reverse("survey:mine")).content.decode()
    assert "已填写" in mine


def test_the_api_submits_and_reads(world, survey):
    client = world.client_for(world.worker_a1)
    base = f"/api/v1/surveys/{survey.pk}"
    form = client.get(base).json()
    assert form["title"] == "测试问卷" and form["questions"][2]["name"] == "works"
    assert [s["id"] for s in client.get("/api/v1/surveys/open").json()] == [survey.pk]
    bad = client.post(f"{base}/responses", {"answers": {"works": "yes"}}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "survey_answer_invalid" and bad.json()["errors"] == {"hours": "此题必答"}
    ok = client.post(f"{base}/responses", {"answers": {"works": "yes", "hours": 8, "needs": ["rest"]}}, content_type="application/json")
    assert ok.status_code == 201
    again = client.post(f"{base}/responses", {"answers": {"works": "no"}}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "survey_already_answered"
    assert client.get(f"{base}/results").status_code == 404
    staff = world.client_for(world.district_staff)
    assert staff.get(f"{base}/results").json()["total"] == 1
    table = staff.get(f"{base}/crosstab", {"row": "works", "col": "needs"}).json()
    assert table["rows"][0]["counts"] == [1, 0, 0]
    assert staff.get(f"{base}/crosstab", {"row": "works", "col": "x"}).status_code == 422


def test_paper_answers_are_checked_and_stored_without_a_person(world, survey):
    assert services.responses_enter(actor=world.district_staff, survey=survey, rows=[GOOD, {"works": "no"}]) == 2
    assert Response.objects.filter(respondent__isnull=True).count() == 2
    with pytest.raises(ApiError) as caught:
        services.responses_enter(actor=world.district_staff, survey=survey, rows=[GOOD, {"works": "yes"}])
    assert caught.value.message == "第 2 份：hours 此题必答"
    assert Response.objects.count() == 2


def test_my_data_export_has_identified_answers_and_only_the_fact_of_anonymous_ones(world, book, survey):
    from engines.survey.privacy import answers_section

    identified = make_survey(world, book, anonymous=False)
    submit(world, identified, world.worker_a1, {"works": "no", "note": "实名建议"})
    submit(world, survey, world.worker_a1, {"works": "no", "note": "匿名建议"})
    title, rows = answers_section(world.worker_a1)
    text = json.dumps(rows, ensure_ascii=False)
    assert title == "问卷调查：我的答卷" and len(rows) == 2
    assert "实名建议" in text and "匿名建议" not in text and "匿名问卷：答卷不与您关联" in text


def test_hot_paths_keep_their_query_counts(world, survey, django_assert_max_num_queries):
    _answer_three(world, survey)
    staff = world.client_for(world.district_staff)
    staff.get(reverse("survey:list"))  # the session and roles, loaded once
    with django_assert_max_num_queries(8):
        assert staff.get(reverse("survey:list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert staff.get(reverse("survey:detail", args=[survey.pk])).status_code == 200
    with django_assert_max_num_queries(9):
        assert staff.get(reverse("survey:detail", args=[survey.pk])).status_code == 200  # kept: no grouping again
    worker = world.client_for(world.worker_a1_other)
    worker.get("/api/v1/surveys/open")
    with django_assert_max_num_queries(14):
        response = worker.post(f"/api/v1/surveys/{survey.pk}/responses", {"answers": {"works": "no"}}, content_type="application/json")
    assert response.status_code == 409  # answered in _answer_three
