"""Journey: the annual review (年度重点工作盘点). District staff open last year's review of the demo
district, see the article's chapters in order with charts, click the figure of disputes mediated
with success and land on the list of exactly those cases; the PDF download runs as a job."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff

pytestmark = pytest.mark.e2e

CHAPTERS = ["强学习", "抗疫情", "养习惯", "重维权", "促建家", "树榜样", "抓创新", "微心愿"]


def test_district_staff_open_the_review_and_follow_a_figure_to_its_list(desktop, server):
    page = desktop.page
    login_staff(desktop, "district")
    desktop.goto("/annual/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("年度重点工作盘点")
    headings = page.locator(".annual-chapter h2")
    expect(headings).to_have_count(len(CHAPTERS))
    for i, title in enumerate(CHAPTERS):
        expect(headings.nth(i)).to_contain_text(title)
    # the labour chapter draws its chart (ECharts, from the page's JSON, no inline script)
    expect(page.locator("#chart-labour svg").first).to_be_visible()
    desktop.shot("review")
    desktop.assert_accessible()

    figure = page.locator('[data-figure="labour.mediated"] a.annual-value')
    count = int(figure.inner_text().replace(",", ""))
    assert count > 0
    figure.click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/labour/cases/\?closed=\d{4}&outcome=success"))
    expect(page.get_by_test_id("case-filter")).to_contain_text("调解成功")
    expect(page.get_by_role("heading", level=1)).to_have_text("调解案件")
    assert page.locator("table tbody tr").count() > 0
    desktop.shot("figure-list")

    desktop.goto("/annual/")
    page.get_by_role("button", name="下载PDF").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/jobs/\d+/"))
    expect(page.get_by_role("link", name=re.compile("下载"))).to_be_visible(timeout=30_000)
    desktop.shot("pdf-job")
    desktop.assert_clean()
