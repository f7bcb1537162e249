"""Journey: a micro-wish comes true. A worker posts a wish on their phone, their union verifies it,
the district publishes it, a donor finds it on the public list (unclaimed, highlighted), claims it,
sees the contact once the union confirms, delivers with a photo, and the worker confirms."""

import io
import secrets

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker

pytestmark = pytest.mark.e2e

ITEM = "旅程测试的一盒彩笔"


def _item(phone_browser: str) -> str:
    """The wish's item, its own on every run: the module runs once per phone browser on one demo
    server (and again on a reused one), and each run must find only the wish it posted."""
    return f"{ITEM}（{phone_browser}·{secrets.token_hex(3)}）"


def _png(tmp_path):
    from PIL import Image

    path = tmp_path / "delivered.png"
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 16, 46)).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return str(path)


def _done(watched, button: str, value: str | None = None):
    page = watched.page
    (page.locator(f"button[value='{value}']") if value else page.get_by_role("button", name=button, exact=True)).click()
    page.wait_for_load_state("networkidle")


def test_a_wish_is_posted_verified_claimed_and_fulfilled(phone, another, server, tmp_path, phone_browser):
    item = _item(phone_browser)
    worker = phone
    login_worker(worker, "13800000002")
    worker.goto("/care/wishes/new/")
    page = worker.page
    page.get_by_label("心愿物品").fill(item)
    page.get_by_label("价值（元）").fill("80")
    page.get_by_label("公开称呼（如：小明、王阿姨）").fill("小华")
    page.get_by_label("公开的心愿故事").fill("女儿喜欢画画，想要一盒彩笔。")
    page.get_by_label("心愿人同意公开上述称呼与心愿故事").check()
    worker.shot("wish-form")
    worker.assert_accessible()
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("wish-status")).to_have_text("待基层核实")
    wish_url = page.url

    union = another("desktop")
    login_staff(union, "grassroots")
    union.goto("/care/staff/wishes/?status=posted")
    union.page.get_by_role("link", name=f"小华：{item}").click()
    union.page.wait_for_load_state("networkidle")
    _done(union, "核实通过", "verify")
    expect(union.page.get_by_test_id("wish-status")).to_have_text("已核实待发布")

    district = another("desktop")
    login_staff(district, "district")
    district.goto("/care/staff/wishes/?status=verified")
    district.page.get_by_role("link", name=f"小华：{item}").click()
    district.page.wait_for_load_state("networkidle")
    _done(district, "发布", "publish")
    expect(district.page.get_by_test_id("wish-status")).to_have_text("待认领")

    donor = another("phone")
    donor.goto("/care/wishes/")
    card = donor.page.locator(".wish-open", has_text=item)
    expect(card).to_be_visible()  # unclaimed: highlighted on the public list
    expect(donor.page.get_by_text("李华")).to_have_count(0)  # the wisher's name is never public
    donor.shot("open-wishes")
    donor.assert_accessible()
    login_staff(donor, "donor")
    donor.goto("/care/wishes/")
    donor.page.get_by_role("link", name=f"小华：{item}").click()
    donor.page.wait_for_load_state("networkidle")
    donor.page.get_by_test_id("claim").click()
    donor.page.wait_for_load_state("networkidle")
    expect(donor.page.get_by_text("认领成功")).to_be_visible()

    union.page.reload()
    _done(union, "确认认领", "confirm_claim")

    donor.goto("/care/my/contributions/")
    donor.page.get_by_role("link", name=f"小华：{item}").click()
    donor.page.wait_for_load_state("networkidle")
    donor.page.get_by_test_id("show-contact").click()
    donor.page.wait_for_load_state("networkidle")
    expect(donor.page.get_by_test_id("contact")).to_contain_text("13800000002")
    donor.page.set_input_files("#photo", _png(tmp_path))
    donor.page.get_by_test_id("deliver").click()
    donor.page.wait_for_load_state("networkidle")
    expect(donor.page.get_by_text("已送达").first).to_be_visible()
    donor.shot("delivered")

    worker.page.goto(wish_url)
    worker.page.wait_for_load_state("networkidle")
    worker.page.get_by_test_id("received").click()
    worker.page.wait_for_load_state("networkidle")
    expect(worker.page.get_by_test_id("wish-status")).to_have_text("已圆梦")
    worker.shot("fulfilled")
    worker.assert_phone_friendly()


def test_a_member_of_the_public_logs_in_by_phone_and_claims_a_wish(phone, server):
    """Issue 22: "the public with a phone login". A phone on no roster logs in from the wish's page
    (a code by SMS, a minimal account), claims the wish and finds it under 我的爱心认领 — then
    gives it back, so the demo's open wishes stay open for the next run."""
    public_phone = f"136{secrets.randbelow(10**8):08d}"
    page = phone.page
    phone.goto("/care/wishes/")
    page.locator(".wish-open a").first.click()
    page.wait_for_load_state("networkidle")
    heading = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="爱心人士手机号登录").click()
    page.wait_for_load_state("networkidle")
    phone.shot("donor-login")
    phone.assert_accessible()
    login_worker(phone, public_phone, here=True, consent=True)  # a first login: the privacy notice's consent
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)  # back on the wish
    page.get_by_label("捐赠人或单位名称（可选）").fill("热心市民")
    page.get_by_test_id("claim").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("认领成功")).to_be_visible()
    page.get_by_role("link", name=heading).click()
    page.wait_for_load_state("networkidle")
    phone.shot("public-claim")
    phone.assert_phone_friendly()
    _done(phone, "退回认领", "give_back")
    phone.assert_clean()
