"""Journey: a nomination and a course. The grassroots admin fills a nomination form and submits
it; the street recommends it within its places (the live quota panel on the page); the district
reviews, decides and publishes the public notice, where the public sees the nominee. A worker
enrols on an on-site session from the phone and shows the check-in QR; the district checks the
trainee in with the code and issues the certificate. District staff uphold an objection on their
desk and the nominee leaves the public notice; a worker appeals a competition score from the phone,
the district upholds it with a corrected score and the phone shows the new place."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff

pytestmark = pytest.mark.e2e

# The journey runs once per phone browser on the same server: each run enrols its own worker (a
# worker enrolled once is not offered the place again) and nominates its own person, who takes one
# of the street's places — the first a front-line worker, the second a technical one, the mix the
# street's last places are kept for (the demo street has two places left, see honours/demo.py).
WORKER = {
    "chromium": "13800000004",  # 赵强: the tour journey is the only other one logging in with this phone
    "wechat": "13800000005",  # 陈静: the phone-pages module logs in with it too, once per phone browser
}
NOMINEES = {
    "chromium": ("旅程测试王师傅", "电力抢修班班长", "frontline", "疫情期间坚守抢修一线，带领班组完成抢修任务三百余次，群众公认。"),
    "wechat": ("旅程测试李工", "继电保护技术员", "technical", "主持继电保护装置改造，攻克检修难题十余项，获实用新型专利两项。"),
}


def _act(watched, button: str):
    page = watched.page
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已办理")).to_be_visible()


def _open(watched, nominee: str):
    watched.goto("/honours/")
    watched.page.get_by_role("link", name=nominee).first.click()
    watched.page.wait_for_load_state("networkidle")


def test_a_nomination_goes_to_the_public_notice(desktop, another, server, phone_browser):
    nominee, job, category, deeds = NOMINEES[phone_browser]
    page = desktop.page
    login_staff(desktop, "grassroots")
    desktop.goto("/honours/")
    page.get_by_role("link", name="推荐", exact=True).first.click()
    page.locator("#id_nominee_name").fill(nominee)
    page.locator("#id_job_title").fill(job)
    page.locator("#id_category").select_option(category)
    page.locator("#id_deeds").fill(deeds)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("须本人同意公示")).to_be_visible()  # the page says what is missing
    desktop.shot("draft-with-problems")
    desktop.assert_accessible()
    page.get_by_role("link", name="修改推荐表").click()
    page.locator("#id_consent_to_notice").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    _act(desktop, "提交推荐")

    street = another("desktop")
    login_staff(street, "street")
    _open(street, nominee)
    expect(street.page.get_by_text("名额与比例（实时）").first).to_be_visible()
    _act(street, "街道/行业推荐")
    street.shot("recommended-with-quota-panel")

    district = another("desktop")
    login_staff(district, "district")
    _open(district, nominee)
    _act(district, "评审通过")
    _act(district, "审定")
    _act(district, "发布公示")
    district.shot("published")
    district.assert_accessible()

    public = another("phone")
    public.goto("/honours/notice/")
    expect(public.page.get_by_text(nominee)).to_be_visible()
    public.shot("notice")
    public.assert_phone_friendly()
    for watched in (desktop, street, district, public):
        watched.assert_clean()


def test_a_worker_enrols_checks_in_by_qr_and_gets_a_certificate(worker_phone, another, server):
    phone = worker_phone
    phone.goto("/honours/learn/")
    phone.page.get_by_role("link", name="古建瓦作技艺提升班").click()
    phone.page.wait_for_load_state("networkidle")
    expect(phone.page.get_by_text("西城区职工服务中心")).to_be_visible()
    phone.shot("course")
    phone.page.get_by_role("button", name="报名").last.click()
    phone.page.wait_for_load_state("networkidle")
    expect(phone.page.get_by_text("报名成功")).to_be_visible()
    phone.page.get_by_role("link", name="签到码 / 放弃名额").first.click()
    phone.page.wait_for_load_state("networkidle")
    expect(phone.page.locator(".qr svg")).to_be_visible()
    phone.shot("check-in-qr")
    phone.assert_phone_friendly()
    token = phone.page.url.rstrip("/").rsplit("/", 1)[-1]

    desk = another("desktop")
    login_staff(desk, "district")
    desk.goto("/honours/courses/")
    desk.page.get_by_role("link", name="古建瓦作技艺提升班").click()
    desk.page.get_by_role("link", name="西城区职工服务中心").click()
    desk.page.wait_for_load_state("networkidle")
    desk.page.get_by_label("签到码（扫码枪或摄像头）").fill(token)
    desk.page.get_by_role("button", name="签到", exact=True).click()
    desk.page.wait_for_load_state("networkidle")
    expect(desk.page.get_by_text("签到成功")).to_be_visible()
    desk.page.get_by_role("button", name="发证").click()
    desk.page.wait_for_load_state("networkidle")
    expect(desk.page.get_by_text("证书已发放")).to_be_visible()
    desk.shot("checked-in-and-certified")
    desk.assert_accessible()

    phone.page.reload()
    expect(phone.page.get_by_text("已签到")).to_be_visible()
    for watched in (phone, desk):
        watched.assert_clean()


# The demo notice has two nominees with an open objection each (honours/demo.py): each phone
# browser's run upholds the oldest one still open, so the two runs never decide the same one.
def test_the_district_upholds_an_objection_and_the_nominee_leaves_the_notice(desktop, another, server):
    page = desktop.page
    login_staff(desktop, "district")
    desktop.goto("/")
    page.locator("nav.topnav").get_by_role("link", name="公示异议").click()  # the menu leads to the desk
    page.wait_for_load_state("networkidle")
    card = page.locator("li.card").first
    nominee = card.locator("strong a").inner_text().strip()

    public = another("phone")
    public.goto("/honours/notice/")
    expect(public.page.get_by_text(nominee, exact=True)).to_be_visible()

    card.get_by_label("处理结果").select_option("upheld")
    card.get_by_label("处理说明").fill("经核实，推荐材料与台账不符，异议成立，撤出公示。")
    card.get_by_role("button", name="提交处理结果").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("异议已处理")).to_be_visible()
    desktop.shot("objection-upheld")
    desktop.assert_accessible()

    public.page.reload()
    expect(public.page.get_by_text(nominee, exact=True)).to_have_count(0)
    public.shot("notice-without-nominee")
    for watched in (desktop, public):
        watched.assert_clean()


# Each run's worker (see WORKER) is a demo entrant near the bottom of the field; the corrected
# score puts them first (the second run's a little higher, so its worker takes first place from the first).
CORRECTED = {"chromium": "96", "wechat": "97"}


def test_an_entrant_appeals_and_the_upheld_appeal_shows_the_new_place(worker_phone, another, server, phone_browser):
    phone = worker_phone
    phone.goto("/honours/learn/")
    phone.page.locator(".m-more summary").click()  # the phone menu: 更多 → 我的竞赛
    phone.page.get_by_role("link", name="我的竞赛").click()
    phone.page.wait_for_load_state("networkidle")
    card = phone.page.locator("li.card", has_text="西城区电工技能比武")
    expect(card).to_contain_text("名（共")
    expect(card).not_to_contain_text("第 1 名")
    reason = f"实操第二项计时器故障，成绩少记，请复核录像（{phone_browser}）。"
    card.get_by_text("对成绩提出申诉").click()
    card.get_by_label("申诉内容（事实和理由）").fill(reason)
    card.get_by_role("button", name="提交申诉").click()
    phone.page.wait_for_load_state("networkidle")
    expect(phone.page.get_by_text("申诉已提交")).to_be_visible()
    phone.shot("appeal-lodged")

    district = another("desktop")
    login_staff(district, "district")
    district.goto("/honours/competitions/")
    district.page.get_by_role("link", name="西城区电工技能比武").first.click()
    district.page.wait_for_load_state("networkidle")
    appeal = district.page.locator("div.card", has_text=reason)
    appeal.get_by_label("处理说明").fill("复核录像，计时器故障属实，按录像重新计分。")
    appeal.get_by_label("更正后总分（申诉成立且需改分时填写，留空不改成绩）").fill(CORRECTED[phone_browser])
    appeal.get_by_role("button", name="成立", exact=True).click()
    district.page.wait_for_load_state("networkidle")
    expect(district.page.get_by_text("申诉已处理")).to_be_visible()
    expect(district.page.locator("div.card", has_text=reason)).to_contain_text("名次：第")
    district.shot("appeal-upheld-reranked")
    district.assert_accessible()

    phone.page.reload()
    card = phone.page.locator("li.card", has_text="西城区电工技能比武")
    expect(card).to_contain_text("第 1 名（共")
    expect(card).to_contain_text(f"总分 {CORRECTED[phone_browser]}.00")
    expect(card).to_contain_text("申诉成立")
    phone.shot("new-place")
    phone.assert_phone_friendly()
    for watched in (phone, district):
        watched.assert_clean()
