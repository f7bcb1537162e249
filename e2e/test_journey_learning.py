"""Journey: 强学习. A member takes the running knowledge contest on a phone (the questions keep
their order on a reload, the server's clock runs), a judge scores an essay without ever seeing its
author and only then sees the other judges' totals, and anyone downloads the published collection."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker

pytestmark = pytest.mark.e2e
WORKER = "13800000004"
CONTEST = "职工法律与安全知识竞赛"


def test_a_member_takes_the_contest_and_a_judge_scores_an_essay(phone, another):
    page = phone.page
    login_worker(phone, WORKER)
    phone.goto("/learning/")
    page.get_by_role("link", name=CONTEST).click()
    page.wait_for_load_state("networkidle")
    phone.assert_accessible()
    start, resume = page.get_by_role("button", name="开始答题"), page.get_by_role("link", name="继续答题")
    if start.count():
        start.click()
    elif resume.count():
        resume.click()
    else:  # a run again on the same server: the attempt is over, its result page stays
        page.goto(page.url + "take/")
    page.wait_for_load_state("networkidle")
    if not page.get_by_text("答题结束").count():
        expect(page.get_by_role("timer")).to_contain_text("剩余")
        first = page.locator("article h2").inner_text()
        page.reload()
        expect(page.locator("article h2")).to_have_text(first)  # the same question after a reload
        phone.shot("contest-question")
        phone.assert_accessible()
    for _ in range(20):
        if page.get_by_text("答题结束").count():
            break
        page.locator("input[name=choice]").first.check()
        page.get_by_role("button", name="提交答案").click()
        page.wait_for_load_state("networkidle")
    expect(page.get_by_text("答题结束")).to_be_visible()
    expect(page.get_by_text("得分")).to_be_visible()
    phone.shot("contest-result")
    phone.assert_phone_friendly()
    page.get_by_role("link", name="团体排名").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("table")).to_be_visible()
    phone.shot("team-ranking")

    judge = another("phone")
    login_staff(judge, "judge1")
    judge.goto("/learning/judge/")
    jp = judge.page
    jp.locator("li.card", has_text="待评分").first.get_by_role("link").click()
    jp.wait_for_load_state("networkidle")
    expect(jp.get_by_text("提交自己的评分后才能看到其他评委的评分")).to_be_visible()
    code = jp.locator("p.muted", has_text="作品编号").inner_text()
    assert "Z0" in code
    judge.assert_accessible()
    for mark, field in zip(("8", "9", "7.5", "8"), jp.locator("input[type=number]").all(), strict=True):
        field.fill(mark)
    jp.get_by_label("评语").fill("主题鲜明，感情真挚。")
    jp.get_by_role("button", name="提交评分").click()
    jp.wait_for_load_state("networkidle")
    expect(jp.get_by_text("评分已保存")).to_be_visible()
    expect(jp.locator("#others")).to_contain_text("评委")
    expect(jp.locator("#others")).to_contain_text("我的总分")
    judge.shot("judge-scored")

    visitor = another("phone")
    visitor.goto("/learning/")
    visitor.page.get_by_role("link", name="“我与工会”职工征文").click()
    link = visitor.page.get_by_role("link", name="下载优秀作品集（PDF）")
    expect(link).to_be_visible()
    pdf = visitor.page.request.get(visitor.server.url(link.get_attribute("href")))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    visitor.shot("collection")
    for watched in (phone, judge, visitor):
        watched.assert_clean()
