"""Journey: money from the special fund to a front-line worker. The grassroots admin applies with
a list of beneficiaries and the signed document, the street reviews it, the district sees the
budget outlook and approves (the money is reserved), finance — another officer — records the payment with its
reference and date, the union confirms receipt and closes the application; the district finds
it on the traceability page."""

import secrets

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker
from modules.fund.tests.conftest import make_id

pytestmark = pytest.mark.e2e

TITLE = "旅程测试：慰问社区防疫一线职工"


def _run():
    """This run's own title, payment reference and beneficiaries: the journey runs once per phone
    browser on one demo server (and again on a reused one), and a person may receive the same
    purpose's money only once, so each run pays two people no run (nor the demo data) paid before.
    The demo's ID numbers are of people born 1960–2000; these were born 2001–2005."""
    token = secrets.token_hex(3)
    born = f"{2001 + secrets.randbelow(5)}{1 + secrets.randbelow(12):02d}{1 + secrets.randbelow(28):02d}"
    serial = secrets.randbelow(998)
    ids = (make_id(serial, born=born), make_id(serial + 1, born=born))
    return f"{TITLE}（{token}）", f"旅程-FK-{token}", ids


def _act(watched, button: str, comment: str = ""):
    page = watched.page
    if comment:
        page.get_by_label("意见").fill(comment)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已办理")).to_be_visible()


def _open(watched, title: str):
    watched.goto("/fund/")
    watched.page.get_by_role("link", name=title).first.click()
    watched.page.wait_for_load_state("networkidle")


def test_money_goes_from_the_budget_to_a_worker_who_confirms_receipt(desktop, another, server):
    title, reference, (id_1, id_2) = _run()
    page = desktop.page
    login_staff(desktop, "grassroots")
    desktop.goto("/fund/")
    page.get_by_role("link", name="新建资金申请").click()
    page.get_by_label("申请事由").fill(title)
    page.get_by_label("情况说明").fill("社区卡口值守一个月，申请慰问金。")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("受益人名单未填写")).to_be_visible()  # the page says what is missing
    page.locator("#rows").fill(f"周卫东,{id_1},800,社区防疫一线\n吴晓燕,{id_2},500,社区防疫一线,13800000902\n")
    page.get_by_role("button", name="保存名单").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("受益人名单已保存")).to_be_visible()
    page.get_by_label("上传附件").set_input_files(
        files=[{"name": "签字名单.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% signed list\n"}]
    )
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state("networkidle")
    desktop.shot("draft-ready")
    desktop.assert_accessible()
    _act(desktop, "提交申请")

    street = another("desktop")
    login_staff(street, "street")
    street.goto("/fund/")
    expect(street.page.get_by_role("heading", name="待我办理")).to_be_visible()
    _open(street, title)
    _act(street, "街道审核通过")

    district = another("desktop")
    login_staff(district, "district")
    _open(district, title)
    expect(district.page.get_by_text("审批前额度检查")).to_be_visible()
    district.shot("outlook")
    _act(district, "审批通过（预留资金）")
    # Maker–checker: the officer who approved cannot record the payment; finance does.
    expect(district.page.get_by_text("请由区总工会财务的另一位工作人员登记拨付")).to_be_visible()
    expect(district.page.get_by_label("付款凭证号")).to_have_count(0)
    district.assert_accessible()

    finance = another("desktop")
    login_staff(finance, "finance")
    _open(finance, title)
    finance.page.get_by_label("付款凭证号").fill(reference)
    finance.page.get_by_role("button", name="登记拨付 1,300.00 元").click()
    finance.page.wait_for_load_state("networkidle")
    expect(finance.page.get_by_text("拨付已登记")).to_be_visible()
    finance.shot("paid")
    finance.assert_accessible()

    page.reload()
    for name in ("周卫东", "吴晓燕"):
        page.get_by_label(f"确认领取 {name}").check()
    page.get_by_label("领取说明").fill("已签字领取")
    page.get_by_role("button", name="确认所选人员已领取").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("已确认领取")).to_be_visible()
    _act(desktop, "办结")
    expect(page.get_by_text("已办结").first).to_be_visible()
    desktop.shot("completed")

    district.goto("/fund/")
    district.page.get_by_role("link", name="常态化疫情防控专项资金").first.click()
    district.page.get_by_role("link", name="资金追溯").click()
    district.page.wait_for_load_state("networkidle")
    expect(district.page.get_by_text(reference)).to_be_visible()
    district.shot("trace")
    district.assert_accessible()
    for watched in (desktop, street, district, finance):
        watched.assert_clean()


def test_a_paid_worker_confirms_receipt_on_a_phone(phone):
    """Issue 23: the demo worker 13800000001 is on a paid list; on 我的补助 they see their own
    payment (masked like a receipt) and confirm it arrived (once: a rerun finds it confirmed)."""
    login_worker(phone, "13800000001", next_path="/fund/mine/")
    page = phone.page
    expect(page.get_by_test_id("benefit").first).to_be_visible()
    expect(page.get_by_text("张小明")).to_have_count(0)  # masked: 张*明
    expect(page.get_by_text("张*明").first).to_be_visible()
    confirm = page.get_by_role("button", name="确认已收到 800.00 元")
    if confirm.count():
        phone.shot("benefit-paid")
        confirm.first.click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_text("已确认收到，谢谢！")).to_be_visible()
    expect(page.get_by_text("已确认收到").first).to_be_visible()
    phone.shot("benefit-received")
    phone.assert_accessible()
    phone.assert_phone_friendly()
    phone.assert_clean()
