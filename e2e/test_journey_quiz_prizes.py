"""Journey 3: a worker looks up where a battery goes, takes the daily quiz, and spends points on a
prize; the union office (the demo `grassroots` login operates its pickup place) scans the pickup code
and hands the prize over."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker

pytestmark = pytest.mark.e2e
WORKER = "13800000003"
PRIZE = "可降解垃圾袋（3 卷）"


def test_worker_guide_quiz_prize_then_office_hands_it_over(phone, another):
    page = phone.page
    login_worker(phone, WORKER)

    # The guide: typing 电池 finds where batteries go.
    phone.goto("/knowledge/guide/")
    page.get_by_label("物品名称").fill("电池")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#k-results")).to_contain_text("有害垃圾")
    expect(page.locator("#k-results")).to_contain_text("电池")
    phone.shot("guide")
    phone.assert_clean()
    phone.assert_accessible()

    # The daily quiz: start it and answer every question.
    phone.goto("/knowledge/quiz/")
    start = page.get_by_role("button", name="开始今日答题")
    if start.count():
        start.click()
        page.wait_for_load_state("networkidle")
    for _ in range(20):
        form = page.locator("article.k-q form").first
        if not form.count():
            break
        form.locator("input[name=choice]").first.check()
        question = form.locator("xpath=ancestor::article").get_attribute("id")
        form.get_by_role("button", name="提交答案").click()
        expect(page.locator(f"#{question}")).to_have_class(re.compile("k-answered"))
    page.reload()
    expect(page.get_by_text("本次题目已全部作答")).to_be_visible()
    phone.shot("quiz")
    phone.assert_clean()
    phone.assert_accessible()

    # A prize: pick the union office as the pickup place, confirm, get a pickup code.
    phone.goto("/prizes/")
    phone.assert_accessible()
    balance = int(page.get_by_test_id("balance").inner_text().replace(",", ""))
    page.get_by_role("link", name=PRIZE).click()
    place = page.get_by_label("选择取货点")
    # all_inner_texts() does not wait: the prize page (and its list of places) must be there first
    expect(place.locator("option", has_text="办公室").first).to_be_attached()
    office = next(o for o in place.locator("option").all_inner_texts() if "办公室" in o)
    place.select_option(label=office)
    page.get_by_role("button", name="兑换").click()
    page.get_by_role("button", name=re.compile("确认兑换")).click()
    page.wait_for_load_state("networkidle")
    code = page.get_by_test_id("pickup-code").inner_text().strip()
    assert code
    phone.shot("pickup-code")
    phone.assert_clean()
    phone.assert_accessible()
    phone.goto("/prizes/")
    assert int(page.get_by_test_id("balance").inner_text().replace(",", "")) == balance - 15

    # The union office scans (types) the code at its desk.
    office_desk = another("phone")
    login_staff(office_desk, "grassroots")
    office_desk.goto("/prizes/pickup/")
    desk = office_desk.page
    picker = desk.get_by_label("当前取货点")
    if picker.count() and picker.evaluate("e => e.tagName") == "SELECT":
        picker.select_option(label=office)
    desk.get_by_label("取货码").fill(code)
    desk.get_by_role("button", name="核销", exact=True).click()
    desk.wait_for_load_state("networkidle")
    expect(desk.get_by_test_id("pickup-ok")).to_contain_text(PRIZE)
    office_desk.shot("handed-over")
    office_desk.assert_clean()
    office_desk.assert_accessible()

    # The worker's ticket now says it was picked up.
    page.goto(page.url.split("/prizes/")[0] + "/prizes/my/")
    expect(page.locator("main")).to_contain_text("已领取")
