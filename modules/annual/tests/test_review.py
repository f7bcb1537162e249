"""The annual review against a hand-built year: every figure of the chapters with data is
compared with the value computed by hand from the rows below, the previous year's delta too;
chapters without rows say so; who sees which review; the PDF, the Word file, the API."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import review
from core.models import BackgroundJob
from engines.workflow.models import Case
from modules.annual import selectors
from modules.care.models import Wish, WishCampaign
from modules.fund.models import Application as FundApplication
from modules.fund.models import Beneficiary, Disbursement, Fund, Purpose, Refund
from modules.honours.models import Honour, Nomination
from modules.honours.process import KEY as HONOURS
from modules.labour.models import Consultation, DisputeType, LegalEvent, ModelUnit, Outcome
from modules.labour.tests.factories import mediation_case
from modules.learning.models import Attendance, StudySession
from modules.sortstats.services import rollups_rebuild
from modules.sortstats.tests import helpers as bags
from modules.stations.models import StationGrant
from modules.stations.tests.factories import make_station
from modules.studios.models import Application as StudioApplication
from modules.studios.models import Call as StudioCall
from modules.studios.process import KEY as STUDIOS

# A year far enough in the past that nothing else the fixtures make falls in it, whatever today is.
YEAR = timezone.localdate().year - 6
PREV = YEAR - 1


def at(year, month, day):
    return timezone.make_aware(dt.datetime(year, month, day, 10, 0))


def case(world, number, street, org, **kwargs):
    return mediation_case(number, org, street, **kwargs)


@pytest.fixture
def year_rows(world):
    """The hand-built year (and one row of the year before)."""
    # 重维权: 4 applications received in YEAR (3 in street A), 2 mediated with success in street A
    # (1,000.00 + 500.00 yuan agreed), 1 failed in street B, 1 still open; in PREV one success.
    case(
        world, "T-1", world.street_a, world.org_a1, received=at(YEAR, 3, 1), closed=at(YEAR, 3, 20), outcome=Outcome.SUCCESS, agreed=100_000
    )
    case(world, "T-2", world.street_a, world.org_a2, received=at(YEAR, 5, 1), closed=at(YEAR, 6, 1), outcome=Outcome.SUCCESS, agreed=50_000)
    case(world, "T-3", world.street_a, world.org_a1, received=at(YEAR, 11, 1))
    failed = [o for o in Outcome.values if o and o != Outcome.SUCCESS][0]
    case(world, "T-4", world.street_b, world.org_b1, received=at(YEAR, 7, 1), closed=at(YEAR, 8, 1), outcome=failed)
    case(world, "T-0", world.street_a, world.org_a1, received=at(PREV, 2, 1), closed=at(PREV, 3, 1), outcome=Outcome.SUCCESS, agreed=20_000)
    LegalEvent.objects.create(
        title="尊法守法·携手筑梦 1", held_on=dt.date(YEAR, 4, 1), place="会议室", attendance=30, organiser=world.org_a1
    )
    LegalEvent.objects.create(
        title="尊法守法·携手筑梦 2", held_on=dt.date(YEAR, 9, 1), place="会议室", attendance=20, organiser=world.org_a1
    )
    ModelUnit.objects.create(organisation=world.org_b1, year=YEAR, selected=True)
    ModelUnit.objects.create(organisation=world.org_a1, year=YEAR, selected=False)  # evaluated, not selected
    for day in (1, 2):
        Consultation.objects.create(at=at(YEAR, 6, day), topic=DisputeType.values[0], question="加班费怎么算")
    # 促建家: 3 stations built in YEAR (2 in street A), 1 in PREV (street B) whose construction money was
    # paid the year before it (so it is the base YEAR's new stations were built on); 2 of YEAR's funded
    # in YEAR with 10,000.00 each.
    a1 = make_station(world.district_staff, world.org_a1, built_year=YEAR)
    a2 = make_station(world.district_staff, world.org_a2, built_year=YEAR)
    make_station(world.district_staff, world.org_b1, built_year=YEAR)
    b_prev = make_station(world.district_staff, world.org_b1, built_year=PREV)
    StationGrant.objects.create(station=a1, year=YEAR, amount_fen=1_000_000)
    StationGrant.objects.create(station=a2, year=YEAR, amount_fen=1_000_000)
    StationGrant.objects.create(station=b_prev, year=PREV - 1, amount_fen=500_000)
    # 养习惯: 3 bags collected in YEAR (2 in street A, one of them sorted wrong), 3.0 kg weighed; 1 in PREV.
    p = bags.point(world.street_a, collectors=[world.collector_a])
    bags.scan(world.org_a1, point=p, collector=world.collector_a, when=at(YEAR, 2, 1), owner=world.worker_a1, grams=2000)
    bags.scan(world.org_a1, point=p, collector=world.collector_a, when=at(YEAR, 2, 2), owner=world.worker_a1_other, grade="wrong",
              category="other", grams=1000)  # fmt: skip
    bags.scan(world.org_b1, point=p, collector=world.collector_a, when=at(YEAR, 12, 30), owner=world.worker_b1)
    bags.scan(world.org_a1, point=p, collector=world.collector_a, when=at(PREV, 6, 1), owner=world.worker_a1, grams=500)
    rollups_rebuild()  # the sorting rollups (day, week, month and participation rows), as the scheduler keeps them
    # 微心愿: 3 wishes of YEAR's campaign (2 in street A): one fulfilled (200.00 yuan), one claimed, one rejected.
    campaign = WishCampaign.objects.create(year=YEAR, title="微心愿圆梦", opens_on=dt.date(YEAR, 1, 1), closes_on=dt.date(YEAR, 12, 31))
    for org, status, value in (
        (world.org_a1, Wish.Status.FULFILLED, 20_000),
        (world.org_a2, Wish.Status.CLAIMED, 10_000),
        (world.org_b1, Wish.Status.REJECTED, 5_000),
    ):
        Wish.objects.create(campaign=campaign, organisation=org, street=org.street, first_name="小王", story="想要一套书",
                            item="图书", value=value, contact_phone="13800000009", status=status)  # fmt: skip
    # 抗疫情: YEAR's fund paid 3 applications (2 in street A): 1,000,000.00 + 400,000.00 (慰问) and
    # 200,000.00 (复工), 50,000.00 of the first returned; 3 beneficiaries on the paid applications.
    fund = Fund.objects.create(name="疫情防控专项基金", year=YEAR, total_budget=500_000_000)
    care_, work_ = (Purpose.objects.create(fund=fund, name=n, initial_limit=200_000_000) for n in ("慰问防疫一线职工", "助力复工复产"))
    paid = []
    for n, (org, purpose, amount) in enumerate(
        ((world.org_a1, care_, 100_000_000), (world.org_a2, care_, 40_000_000), (world.org_b1, work_, 20_000_000))
    ):
        application = FundApplication.objects.create(
            fund=fund, purpose=purpose, organisation=org, street=org.street, title="慰问", amount=amount, committed=amount
        )
        Disbursement.objects.create(application=application, fund=fund, purpose=purpose, organisation=org, street=org.street,
                                    amount=amount, reference=f"P-{n}", paid_on=dt.date(YEAR, 3, 1 + n))  # fmt: skip
        paid.append(application)
    for n, application in enumerate(paid):
        Beneficiary.objects.create(application=application, purpose=application.purpose, name=f"职工{n}", id_tail="0001",
                                   person_key=f"k{n}", amount=1_000)  # fmt: skip
    Refund.objects.create(application=paid[0], fund=fund, purpose=care_, amount=5_000_000, reason="未用完", returned_on=dt.date(YEAR, 9, 1))
    # 强学习: 2 study sessions in YEAR (one in street B) with 3 attendances (2 of street A's workers).
    first = StudySession.objects.create(organisation=world.org_a1, title="中心组学习", held_at=at(YEAR, 4, 10))
    second = StudySession.objects.create(organisation=world.org_b1, title="专题培训", held_at=at(YEAR, 10, 10))
    Attendance.objects.create(session=first, member=world.worker_a1, organisation=world.org_a1)
    Attendance.objects.create(session=first, member=world.worker_a1_other, organisation=world.org_a1)
    Attendance.objects.create(session=second, member=world.worker_b1, organisation=world.org_b1)
    # 抓创新: YEAR's call got 3 applications (a draft does not count), 2 named — one in each street.
    from modules.studios import services as studio_services

    call = StudioCall.objects.create(year=YEAR, title="区级职工创新工作室", opens_on=dt.date(YEAR, 3, 1), closes_on=dt.date(YEAR, 4, 1),
                                     quota=5, rubric=studio_services.standard_rubric(actor=world.district_staff))  # fmt: skip
    for org, state in ((world.org_a1, "named"), (world.org_b1, "named"), (world.org_a2, "submitted"), (world.org_i1, "draft")):
        application = StudioApplication.objects.create(call=call, organisation=org, street=org.street, name=f"{org.name}工作室")
        Case.objects.create(process=STUDIOS, subject=application, state=state)
    # 树榜样: 3 national individuals (2 put forward by street A, 1 still a draft of street B: not
    # counted), 2 Beijing collectives from street B.
    DATES = {"opens_on": dt.date(YEAR, 3, 1), "closes_on": dt.date(YEAR, 4, 1)}
    national = Honour.objects.create(year=YEAR, name="全国先进工作者", level="national", kind="individual", places=5, **DATES)
    beijing = Honour.objects.create(year=YEAR, name="北京市模范集体", level="beijing", kind="collective", places=9, **DATES)
    for honour, org, unit, state in (
        (national, world.org_a1, world.street_a, "recommended"),
        (national, world.org_a2, world.street_a, "conferred"),
        (national, world.org_b1, world.street_b, "draft"),
        (beijing, world.org_b1, world.street_b, "approved"),
        (beijing, world.org_i1, world.street_b, "notice"),
    ):
        nomination = Nomination.objects.create(honour=honour, organisation=org, unit=unit, nominee_name=f"{org.name}推荐")
        Case.objects.create(process=HONOURS, subject=nomination, state=state)
    return world


def figures_of(viewer, year=YEAR, street=None):
    return review.figures(review.sections_for(year, viewer, street))


def test_every_figure_of_the_district_review_matches_the_hand_count(year_rows):
    world = year_rows
    f = figures_of(world.district_staff)
    expected = {
        "labour.received": 4,
        "labour.mediated": 2,
        "labour.recovered": 1500.0,
        "labour.consultations": 2,
        "labour.contracts": 0,
        "labour.model_units": 1,
        "labour.legal_events": 2,
        "labour.legal_attendance": 50,
        "stations.funded": 1,
        "stations.grants": 20000.0,
        "stations.inspected": 0,
        "stations.built": 3,
        "stations.total": 4,
        "sortstats.bags": 3,
        "sortstats.weight": 3.0,
        "sortstats.accuracy": 66.7,
        "sortstats.unions": 2,
        # worker_a1 took part the year before: 2 new in YEAR, 3 by its end
        "sortstats.new_workers": 2,
        "sortstats.workers": 3,
        "care.wishes_posted": 2,
        "care.wishes_claimed": 2,
        "care.wishes_fulfilled": 1,
        "care.wishes_value": 200.0,
        "fund.disbursed": 1_550_000.0,
        "fund.payments": 3,
        "fund.unions": 3,
        "fund.beneficiaries": 3,
        "learning.sessions": 2,
        "learning.attendances": 3,
        "studios.applied": 3,
        "studios.named": 2,
        "honours.national_individual": 2,
        "honours.beijing_collective": 2,
    }
    assert {k: f[k].value for k in expected} == expected
    # every other figure of the year is zero: no rows were made for them
    assert all(item.value == 0 for key, item in f.items() if key not in expected)


def test_previous_year_computed_the_same_way_gives_delta_and_percent(year_rows):
    f = figures_of(year_rows.district_staff)
    assert (f["labour.mediated"].previous, f["labour.mediated"].delta, f["labour.mediated"].percent) == (1, 1, 100.0)
    assert (f["labour.recovered"].previous, f["labour.recovered"].delta, f["labour.recovered"].percent) == (200.0, 1300.0, 650.0)
    assert (f["stations.built"].previous, f["stations.built"].delta, f["stations.built"].percent) == (1, 2, 200.0)
    assert (f["sortstats.bags"].previous, f["sortstats.weight"].previous, f["sortstats.weight"].delta) == (1, 0.5, 2.5)
    assert (f["sortstats.workers"].previous, f["sortstats.new_workers"].previous) == (1, 1)
    # nothing in the year before: no percentage from zero
    assert f["labour.legal_events"].previous == 0 and f["labour.legal_events"].percent is None
    assert (f["stations.grants"].previous, f["stations.grants"].percent) == (0.0, None)
    # a section with no data in the year before has no comparison at all
    earlier = figures_of(year_rows.district_staff, year=PREV)
    assert earlier["labour.mediated"].value == 1 and earlier["labour.mediated"].previous is None


def test_each_figure_links_to_the_list_behind_it(year_rows):
    world = year_rows
    f = figures_of(world.district_staff)
    assert f["labour.mediated"].url == f"/labour/cases/?closed={YEAR}&outcome=success"
    page = world.client_for(world.district_staff).get(f["labour.mediated"].url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "T-1" in text and "T-2" in text and "T-3" not in text and "T-4" not in text
    assert f["stations.built"].url.startswith("/stations/?year=")
    assert all(item.url for item in f.values())


def test_a_year_without_rows_says_no_data_instead_of_zeros(year_rows):
    data = selectors.review_for(year_rows.district_staff, YEAR, None)
    chapters = {c["key"]: c for c in data["chapters"]}
    assert [c["key"] for c in data["chapters"]] == review.CHAPTER_KEYS
    assert not chapters["rights"]["empty"] and not chapters["home"]["empty"]
    assert not chapters["habits"]["empty"] and not chapters["wishes"]["empty"] and not chapters["epidemic"]["empty"]
    assert not any(c["empty"] for c in data["chapters"])
    empty_year = selectors.review_for(year_rows.district_staff, YEAR - 3, None)
    assert all(c["empty"] for c in empty_year["chapters"])
    page = year_rows.client_for(year_rows.district_staff).get(f"/annual/?year={YEAR - 3}").content.decode()
    assert page.count('data-testid="no-data"') == 8


def test_a_street_sees_its_own_figures_and_nothing_else(year_rows):
    world = year_rows
    f = figures_of(world.street_a_staff, street=world.street_a)
    assert f["labour.received"].value == 3 and f["labour.mediated"].value == 2 and f["labour.model_units"].value == 0
    assert f["stations.built"].value == 2 and f["stations.funded"].value == 0 and f["stations.grants"].value == 20000.0
    assert (f["sortstats.bags"].value, f["sortstats.accuracy"].value, f["sortstats.workers"].value, f["sortstats.unions"].value) == (
        2,
        50.0,
        2,
        1,
    )
    assert f["sortstats.new_workers"].value == 1  # worker_a1 took part the year before
    assert (f["care.wishes_posted"].value, f["care.wishes_fulfilled"].value) == (2, 1)
    assert (f["fund.disbursed"].value, f["fund.payments"].value) == (1_350_000.0, 2)
    assert (f["learning.sessions"].value, f["learning.attendances"].value) == (1, 2)
    assert (f["studios.applied"].value, f["studios.named"].value) == (2, 1)
    assert (f["honours.national_individual"].value, f["honours.beijing_collective"].value) == (2, 0)
    client = world.client_for(world.street_a_staff)
    page = client.get(f"/annual/?year={YEAR}")
    assert page.status_code == 200 and "什刹海街道总工会" in page.content.decode()
    assert client.get(f"/annual/?year={YEAR}&street={world.street_b.pk}").status_code == 403
    # district staff choose any street
    district = world.client_for(world.district_staff).get(f"/annual/?year={YEAR}&street={world.street_b.pk}")
    assert district.status_code == 200 and "金融街街道总工会" in district.content.decode()


@pytest.mark.parametrize("who", ["worker_a1", "admin_a1", "collector_a", "inspector"])
def test_others_are_refused(world, who):
    assert world.client_for(getattr(world, who)).get(f"/annual/?year={YEAR}").status_code == 403
    assert world.client_for(getattr(world, who)).get(f"/api/v1/annual/review?year={YEAR}").status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get("/annual/").status_code == 302


def test_narrative_is_sanitised_and_its_fields_are_live(year_rows):
    world = year_rows
    client = world.client_for(world.district_staff)
    text = "一年来累计成功调解劳动争议案件{{fig:labour.mediated}}。<script>alert(1)</script>{{fig:nope.none}}"
    response = client.post(f"/annual/narrative/{YEAR}/rights/", {"text": text})
    assert response.status_code == 302
    page = client.get(f"/annual/?year={YEAR}").content.decode()
    assert f'一年来累计成功调解劳动争议案件<a class="annual-fig" href="/labour/cases/?closed={YEAR}&amp;outcome=success">2 件</a>' in page
    assert "<script>alert(1)" not in page and "未知数据项" in page
    # the figure is live: one more success and the narrative says 3
    case(world, "T-5", world.street_a, world.org_a1, received=at(YEAR, 9, 1), closed=at(YEAR, 9, 9), outcome=Outcome.SUCCESS, agreed=1)
    assert ">3 件</a>" in client.get(f"/annual/?year={YEAR}").content.decode()
    # street staff read it but may not write it
    street = world.client_for(world.street_a_staff)
    assert street.post(f"/annual/narrative/{YEAR}/rights/", {"text": "改写"}).status_code == 403
    assert "一年来累计成功调解劳动争议案件" in street.get(f"/annual/?year={YEAR}").content.decode()


def test_api_returns_the_review_and_422_on_a_bad_year(year_rows):
    client = year_rows.client_for(year_rows.district_staff)
    ok = client.get(f"/api/v1/annual/review?year={YEAR}")
    assert ok.status_code == 200
    body = ok.json()
    assert [c["key"] for c in body["chapters"]] == review.CHAPTER_KEYS
    rights = next(c for c in body["chapters"] if c["key"] == "rights")
    mediated = next(i for s in rights["sections"] for i in s["items"] if i["key"] == "labour.mediated")
    assert (mediated["value"], mediated["previous"], mediated["delta"]) == (2, 1, 1)
    for bad in ("abcd", "1800", "20201"):
        response = client.get(f"/api/v1/annual/review?year={bad}")
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_year" and response.json()["field"] == "year"
    assert client.get("/api/v1/annual/review?year=2020&street=999999").json()["code"] == "invalid_street"
    street = year_rows.client_for(year_rows.street_a_staff)
    assert street.get(f"/api/v1/annual/review?year={YEAR}").json()["street"]["name"] == "什刹海街道总工会"
    assert street.get(f"/api/v1/annual/review?year={YEAR}&street={year_rows.street_b.pk}").status_code == 403


def test_pdf_text_extracts_in_chinese_and_pages_render(year_rows, tmp_path):
    out = tmp_path / "review.pdf"
    call_command("annual_review", "--year", str(YEAR), "--format", "pdf", "--output", str(out), stdout=io.StringIO())
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True, check=True).stdout.decode()
    for heading in ("强学习", "抗疫情", "养习惯", "重维权", "促建家", "树榜样", "抓创新", "微心愿"):
        assert heading in text
    assert "成功调解劳动争议案件" in text and "新建成职工暖心驿站" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)


def test_word_file_opens_with_python_docx_and_holds_every_section(year_rows, tmp_path):
    """python-docx (a test dependency) reads the file core/docx.py writes, as Word users' tools do."""
    import docx

    out = tmp_path / "review.docx"
    call_command("annual_review", "--year", str(YEAR), "--format", "docx", "--output", str(out), stdout=io.StringIO())
    document = docx.Document(io.BytesIO(out.read_bytes()))
    assert "/word/styles.xml" in {str(part.partname) for part in document.part.package.iter_parts()}
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    texts = [text for _style, text in paragraphs]
    assert paragraphs[0][0] == "Title" and paragraphs[0][1].endswith(f"{YEAR}年度重点工作盘点")
    # the chapters in the article's order as Heading 1, each with its subtitle as Heading 2
    assert [text for style, text in paragraphs if style == "Heading 1"] == [str(h) for _k, h, _s in review.CHAPTERS]
    assert [text for style, text in paragraphs if style == "Heading 2"] == [str(s) for _k, _h, s in review.CHAPTERS]
    # every section of the review as Heading 3, in the order the review puts them
    sections = review.sections_for(YEAR, year_rows.district_staff)
    expected = [s.title for key in review.CHAPTER_KEYS for s in sections if s.chapter == key]
    assert [text for style, text in paragraphs if style == "Heading 3"] == expected
    # figures as list lines, with the change on the year before
    for line in ("· 成功调解劳动争议案件：2 件（上年 1 件，+100.0%）", "· 新建成职工暖心驿站：3 家（上年 1 家，+200.0%）",
                 "· 专项基金累计下拨：1,550,000 元", "· 微心愿圆梦：1 个", "· 命名区级职工创新工作室：2 个"):  # fmt: skip
        assert line in texts
    # a section without rows in the year says so under its heading
    assert texts[texts.index("职工心理援助") + 1] == "本年度无数据"


def test_html_command_and_street_option(year_rows, tmp_path):
    out = tmp_path / "review.html"
    call_command(
        "annual_review", "--year", str(YEAR), "--street", "什刹海街道总工会", "--format", "html", "--output", str(out), stdout=io.StringIO()
    )
    html = out.read_text(encoding="utf-8")
    assert "什刹海街道总工会" in html and "重维权" in html


def test_download_buttons_run_a_background_job(year_rows):
    client = year_rows.client_for(year_rows.district_staff)
    response = client.post("/annual/export/", {"year": YEAR, "format": "pdf"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job = BackgroundJob.objects.get(kind="annual_review")
    assert job.status == BackgroundJob.Status.DONE, job.result
    assert job.output_file.name.endswith(".pdf")
    assert client.post("/annual/export/", {"year": YEAR, "format": "docx"}).status_code == 302
    assert BackgroundJob.objects.filter(kind="annual_review", status="done").count() == 2
    # a worker cannot start one
    assert year_rows.client_for(year_rows.worker_a1).post("/annual/export/", {"year": YEAR, "format": "pdf"}).status_code == 403


def test_the_page_carries_chart_data_for_its_script(year_rows):
    page = year_rows.client_for(year_rows.district_staff).get(f"/annual/?year={YEAR}").content.decode()
    assert 'src="/static/annual/review.js"' in page or "annual/review.js" in page
    start = page.index('<script id="annual-charts" type="application/json">') + len('<script id="annual-charts" type="application/json">')
    charts = json.loads(page[start : page.index("</script>", start)])
    assert {c["id"] for c in charts} == {
        "chart-labour",
        "chart-stations",
        "chart-sortstats",
        "chart-care",
        "chart-honours",
        "chart-fund",
        "chart-learning",
        "chart-studios",
    }


def test_the_narrative_editor_lists_the_live_fields_and_refuses_bad_input(year_rows):
    client = year_rows.client_for(year_rows.district_staff)
    page = client.get(f"/annual/narrative/{YEAR}/rights/").content.decode()
    assert "{{fig:labour.mediated}}" in page and "data-richtext" in page
    assert client.get(f"/annual/narrative/{YEAR}/nochapter/").status_code == 404
    too_long = client.post(f"/annual/narrative/{YEAR}/intro/", {"text": "字" * 20_001})
    assert too_long.status_code == 200 and "正文最长" in too_long.content.decode()
    from modules.annual.models import Narrative

    assert not Narrative.objects.filter(year=YEAR, chapter="intro").exists()
    assert client.post(f"/annual/narrative/{YEAR}/intro/", {"text": "<p>导语：成功调解{{fig:labour.mediated}}</p>"}).status_code == 302
    assert "导语：成功调解" in client.get(f"/annual/?year={YEAR}").content.decode()


def test_a_stale_narrative_form_does_not_overwrite_a_newer_text(year_rows):
    from modules.annual.models import Narrative

    first, second = (year_rows.client_for(year_rows.district_staff) for _ in range(2))
    assert first.post(f"/annual/narrative/{YEAR}/home/", {"text": "第一版", "version": ""}).status_code == 302
    version = Narrative.objects.get(year=YEAR, chapter="home").version
    assert first.post(f"/annual/narrative/{YEAR}/home/", {"text": "第二版", "version": version}).status_code == 302
    stale = second.post(f"/annual/narrative/{YEAR}/home/", {"text": "旧表单", "version": version})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert "第二版" in Narrative.objects.get(year=YEAR, chapter="home").text
