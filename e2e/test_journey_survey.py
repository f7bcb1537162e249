"""Journey: a courier answers the working-conditions survey on a phone (skip logic appears as
they answer, a wrong answer is named by the server and fixed), then district staff see the
answers in the outdoor-worker service plan, the charts and a cross-tab."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff

pytestmark = pytest.mark.e2e

# A worker answers the survey once: the journey's run in each phone browser (on the same server)
# has its own worker.
WORKER = {
    "chromium": "13800000003",  # 王芳 (the quiz journey uses this phone too, once per phone browser)
    "wechat": "13800000005",  # 陈静 (the phone-pages and honours modules log in with it too)
}


def _q(page, name):
    return page.locator(f'[data-q="{name}"]')


def test_a_courier_answers_on_a_phone_and_staff_see_the_charts(worker_phone, desktop):
    phone = worker_phone.page
    worker_phone.goto("/care/outdoor/courier/")
    phone.get_by_test_id("start-survey").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_role("heading", name="快递小哥工作状况调查")).to_be_visible()
    expect(_q(phone, "injury_paid")).to_be_hidden()  # asked only of those injured
    _q(phone, "platform").get_by_label("美团").check()
    _q(phone, "age").locator("input").fill("28")
    _q(phone, "hours").locator("input").fill("30")  # the server will refuse it
    _q(phone, "income").locator("input").fill("7500")
    _q(phone, "contract").get_by_label("没签").check()
    _q(phone, "insurance").get_by_label("医疗保险").check()
    _q(phone, "injured").get_by_label("是").check()
    expect(_q(phone, "injury_paid")).to_be_visible()  # the page's script shows it at once
    _q(phone, "injury_paid").get_by_label("自己").check()
    _q(phone, "rest_place").get_by_label("路边").check()
    _q(phone, "station_known").get_by_label("否").check()
    expect(_q(phone, "station_use")).to_be_hidden()
    _q(phone, "needs").get_by_label("更多休息场所").check()
    _q(phone, "needs").get_by_label("法律援助").check()
    worker_phone.shot("form-filled")
    phone.get_by_test_id("submit").click()
    phone.wait_for_load_state("networkidle")
    expect(_q(phone, "hours").get_by_role("alert")).to_have_text("每天工作小时数应在 0 到 24 之间")
    expect(_q(phone, "injury_paid")).to_be_visible()  # the server kept the answers and the skip logic
    worker_phone.shot("hours-refused")
    worker_phone.assert_accessible()
    _q(phone, "hours").locator("input").fill("11")
    phone.get_by_test_id("submit").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_test_id("thanks")).to_contain_text("提交成功")
    worker_phone.shot("thanks")
    worker_phone.goto("/care/outdoor/courier/")
    expect(phone.get_by_text("您已填写，谢谢参与！")).to_be_visible()

    page = desktop.page
    login_staff(desktop, "district")
    desktop.goto("/care/outdoor/")
    expect(page.get_by_role("heading", name="户外劳动者服务计划")).to_be_visible()
    expect(page.get_by_test_id("figure-station_unknown")).to_be_visible()
    expect(page.get_by_role("link", name="驿站台账")).to_be_visible()
    desktop.shot("service-plan")
    desktop.assert_accessible()
    page.get_by_role("link", name="全部统计与图表").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#chart-platform svg")).to_be_visible()  # ECharts drew the chart
    expect(page.locator("#chart-trend svg")).to_be_visible()  # two waves: the trend
    expect(page.get_by_test_id("result-injury_paid")).to_contain_text("自己")
    desktop.shot("results-charts")
    desktop.assert_accessible()
    page.get_by_role("link", name="交叉分析").click()
    page.wait_for_load_state("networkidle")
    page.locator("select[name=row]").select_option("platform")
    page.locator("select[name=col]").select_option("rest_place")
    page.get_by_role("button", name="分析").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("crosstab")).to_contain_text("美团")
    desktop.shot("crosstab")
