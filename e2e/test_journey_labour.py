"""Journey: the union's mediation desk. A worker walks in and applies orally; the mediator writes it
down on the spot, takes the case, records the session, drafts the agreement, the three signatures
are recorded and the agreement is printed as PDF. The worker follows their own case and its 15-day
clock on the phone and looks up 加班费 in the handbook; a monitoring point's red report opens a
visit task for the street."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker, platform_today

pytestmark = pytest.mark.e2e


def _click(watched, name: str):
    watched.page.get_by_role("button", name=name, exact=True).click()
    watched.page.wait_for_load_state("networkidle")


def test_an_oral_application_ends_in_a_signed_agreement(desktop, another, server):
    page = desktop.page
    login_staff(desktop, "mediator")
    desktop.goto("/labour/cases/new/")
    page.locator("#id_dispute_type").select_option("wages")
    page.locator("#id_application_text").fill("单位拖欠两个月工资共 9600 元，申请支付。")
    page.locator("#id_worker_name").fill("旅程职工")
    page.locator("#id_worker_phone").fill("13900000099")
    page.locator("#id_employer_name").fill("旅程测试餐饮有限公司")
    page.locator("#id_amount_claimed").fill("9600")
    page.locator("#id_mediator").select_option(label="调解员甲")
    desktop.assert_accessible()
    _click(desktop, "登记")
    expect(page.get_by_test_id("case-state")).to_have_text("已登记待受理")
    expect(page.get_by_text("口头申请，当场记录")).to_be_visible()
    expect(page.get_by_test_id("clocks")).to_contain_text("剩 15 天")
    _click(desktop, "受理")
    expect(page.get_by_test_id("case-state")).to_have_text("调解中")
    # The parties agree to give mediation five more days: the clock moves with them.
    page.locator("#id_days").fill("5")
    page.locator("#id_agreed_by").fill("旅程职工、单位人事")
    page.locator("#id_reason").fill("双方同意延长，以便单位核对工资表")
    _click(desktop, "登记延长")
    expect(page.get_by_test_id("clocks")).to_contain_text("剩 20 天")
    expect(page.get_by_test_id("timeline")).to_contain_text("调解期限延长 5 日")

    page.locator("#id_attendees").fill("旅程职工、单位人事、调解员甲")
    page.locator("#id_notes").fill("单位认可欠薪，同意一次性支付。")
    _click(desktop, "保存调解记录")
    page.locator("#id_amount_agreed").fill("9600")
    page.locator("#id_text").fill("被申请人于七日内一次性支付申请人工资 9600 元。")
    _click(desktop, "保存协议内容")
    _click(desktop, "达成协议")
    expect(page.get_by_test_id("case-state")).to_have_text("已达成协议待签字")
    for party in ("worker", "employer", "mediator"):
        page.get_by_test_id(f"sign-{party}").click()
        page.wait_for_load_state("networkidle")
    _click(desktop, "协议生效（三方签字）")
    expect(page.get_by_test_id("case-state")).to_have_text("协议生效待履行")
    expect(page.get_by_test_id("timeline")).to_contain_text("调解会")
    desktop.shot("signed-agreement")
    pdf = page.request.get(desktop.server.url(page.get_by_test_id("pdf").get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    desktop.assert_clean()


def test_the_worker_sees_their_clock_and_searches_the_handbook(phone, server):
    login_worker(phone, "13800000001", next_path="/labour/me/")
    phone.goto("/labour/me/")
    card = phone.page.get_by_test_id("my-case").first
    expect(card).to_contain_text("调解中")
    expect(card).to_contain_text("调解期限（15日）")
    expect(card).to_contain_text("剩 9 天")
    phone.shot("my-case-clock")
    phone.assert_accessible()
    phone.goto("/labour/handbook/?q=加班费")
    expect(phone.page.get_by_test_id("article").first).to_be_visible()
    expect(phone.page.locator("mark").first).to_be_visible()
    phone.shot("handbook-search")
    phone.assert_phone_friendly()
    phone.assert_clean()


def test_a_red_monthly_report_opens_a_visit_task(desktop, server):
    page = desktop.page
    login_staff(desktop, "grassroots")
    desktop.goto("/labour/monitoring/")
    page.locator("section").filter(has_text="未报送").get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    last_month = (platform_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    page.locator("#id_period").fill(last_month.isoformat())
    page.locator("#id_headcount").fill("120")
    page.locator("#id_wage_arrears").fill("180000")
    page.locator("#id_wage_arrears_workers").fill("15")
    _click(desktop, "报送")
    expect(page.get_by_text("风险等级：红色（预警）")).to_be_visible()
    expect(page.get_by_test_id("risk").first).to_have_text("红色（预警）")
    desktop.shot("red-report")
    _click(desktop, "退出")  # the district's officer takes the same desk (a signed-in user is sent past /login/)
    login_staff(desktop, "district")
    desktop.goto("/labour/monitoring/")
    expect(page.get_by_role("link", name="红色预警").first).to_be_visible()
    desktop.assert_clean()


def test_the_statistics_page_draws_its_charts(desktop, server):
    page = desktop.page
    login_staff(desktop, "mediator")
    desktop.goto("/labour/stats/")
    for chart in ("chart-by-type", "chart-by-outcome", "chart-by-month"):
        expect(page.locator(f"#{chart} svg")).to_be_visible()
    desktop.shot("statistics-charts")
    desktop.assert_accessible()
    desktop.assert_clean()
