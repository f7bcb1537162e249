"""Journey: a district worker innovation studio, from the union's online application to the public
notice. The grassroots admin applies, the street returns it for changes and then passes it, two
experts declare no conflict and score on their phones (the running total moves as they type), the
district approves within the quota and publishes the notice."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff

pytestmark = pytest.mark.e2e

# The journey runs once per phone browser on the same server, and a union may not apply twice under
# one name in a call: each run applies for its own studio.
NAMES = {"chromium": "旅程测试技能创新工作室", "wechat": "旅程测试数字检修创新工作室"}


def _act(watched, button: str, comment: str = ""):
    page = watched.page
    if comment:
        page.get_by_label("意见").fill(comment)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已办理")).to_be_visible()


def _open_application(watched, name: str):
    watched.goto("/studios/")
    watched.page.get_by_role("link", name=name).first.click()
    watched.page.wait_for_load_state("networkidle")


def _score(watched, name: str, expert: str, marks: list[str]):
    page = watched.page
    login_staff(watched, expert)
    watched.goto("/studios/expert/")
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="我声明无利益冲突").click()
    page.wait_for_load_state("networkidle")
    inputs = page.locator("input[data-weight]")
    for index, mark in enumerate(marks):
        inputs.nth(index).fill(mark)
    expect(page.locator("#running-total")).not_to_have_text("—")
    watched.shot(f"score-{expert}")
    page.get_by_role("button", name="提交评分").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("全部专家平均总分")).to_be_visible()


def test_an_application_goes_from_draft_to_public_notice(desktop, another, server, phone_browser):
    name = NAMES[phone_browser]
    page = desktop.page
    login_staff(desktop, "grassroots")
    desktop.goto("/studios/")
    page.get_by_role("link", name="新建申报").first.click()
    page.wait_for_load_state("networkidle")  # the editor has replaced its textarea
    page.locator("#id_name").fill(name)
    page.locator("#id_leader_name").fill("周师傅")
    page.locator("#id_leader_title").fill("高级技师")
    page.locator("#id_leader_honours").fill("北京大工匠")
    page.locator("#id_team").fill("甲，技师\n乙，技师\n丙，技师\n丁，技师\n戊，技术员\n己，技术员")
    page.locator("#id_results").fill("专利，一种快速检修工装，2025")
    # The description is rich text: typed into the editor, then made bold with its toolbar.
    editor = page.get_by_role("textbox", name="工作室简介")
    editor.click()
    editor.press_sequentially("围绕设备检修开展技术攻关。")
    editor.press("ControlOrMeta+a")
    page.get_by_role("button", name="加粗").click()
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("须同意公示")).to_be_visible()  # the page says what is still missing
    expect(page.locator("dd b", has_text="围绕设备检修开展技术攻关。")).to_be_visible()  # kept bold, sanitised
    desktop.shot("draft-with-problems")
    desktop.assert_accessible()
    page.get_by_role("link", name="修改申报").click()
    page.wait_for_load_state("networkidle")
    page.locator("#id_consent_to_notice").check()
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    _act(desktop, "提交申报")

    street = another("desktop")
    login_staff(street, "street")
    street.goto("/studios/")
    expect(street.page.get_by_role("heading", name="待我初审")).to_be_visible()
    _open_application(street, name)
    _act(street, "退回修改", "请补充成果的证明材料编号")

    desktop.page.reload()
    expect(page.get_by_text("请补充成果的证明材料编号")).to_be_visible()  # the reason is on the timeline
    page.get_by_role("link", name="修改申报").click()
    page.wait_for_load_state("networkidle")  # the editor has replaced its textarea
    editor = page.get_by_role("textbox", name="工作室简介")
    editor.click()
    editor.press("End")
    editor.press_sequentially("专利号 ZL2025xxxx。")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    _act(desktop, "提交申报")

    street.page.reload()
    _act(street, "初审通过")

    district = another("desktop")
    login_staff(district, "district")
    _open_application(district, name)
    for expert in ("评审专家甲", "评审专家乙"):
        district.page.get_by_label("分配专家").select_option(label=expert)
        district.page.get_by_role("button", name="分配", exact=True).click()
        district.page.wait_for_load_state("networkidle")
    expect(district.page.get_by_text("待声明")).to_have_count(2)

    _score(another("phone"), name, "expert", ["9", "8.5", "8", "8", "9"])
    _score(another("phone"), name, "expert2", ["8", "8", "8.5", "7", "8"])

    district.page.reload()
    _act(district, "审定拟命名")
    _act(district, "发布公示")
    district.shot("published")
    district.assert_accessible()

    public = another("phone")
    public.goto("/studios/notice/")
    expect(public.page.get_by_text(name)).to_be_visible()
    public.shot("notice")
    public.assert_phone_friendly()
    for watched in (desktop, street, district, public):
        watched.assert_clean()
