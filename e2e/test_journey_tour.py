"""The guided demo: a newcomer opens /tour/ from the home page, sees the logins of each role and the
demo bags' QR codes (inline SVG, printable), follows a bag link as a worker, then collects that bag as
the demo collector in a second window."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker

pytestmark = pytest.mark.e2e
WORKER = "13800000004"


def test_newcomer_follows_the_tour_from_scan_to_collection(desktop, another):
    page = desktop.page
    desktop.goto("/")
    page.get_by_role("link", name="演示导览").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/tour/")
    for login in ("district / demo12345", "collector / demo12345", "13800000001"):
        expect(page.locator("main")).to_contain_text(login)
    cards = page.locator(".tour-card")
    assert 1 <= cards.count() <= 5
    assert cards.first.locator("svg[role=img] title").count() == 1, "each QR is inline SVG with a text alternative"
    link = cards.first.locator("a").get_attribute("href")
    grouped = cards.first.locator(".tour-code").inner_text()
    code = grouped.replace("-", "")
    assert link.endswith("/b/" + code)
    desktop.shot("tour")
    desktop.assert_clean()
    desktop.assert_accessible()
    # A printout keeps the codes and drops the navigation.
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    assert cards.first.locator("svg").is_visible()
    page.emulate_media(media="screen")

    # "Scan this bag as a worker": the phone opens the link, logs in, the bag is bound.
    worker = another("phone")
    worker.page.goto(link)
    assert "/login/phone/" in worker.page.url
    login_worker(worker, WORKER, here=True)
    expect(worker.page.get_by_text("绑定成功")).to_be_visible()
    worker.shot("bound")
    worker.assert_clean()
    desktop.page.reload()
    expect(page.locator(".tour-code", has_text=grouped)).to_have_count(0)

    # "Then collect it as a collector": the station link of the tour, in a second window.
    collector = another("phone")
    login_staff(collector, "collector")
    collector.goto("/bags/station/")
    cp = collector.page
    cp.get_by_role("button", name="厨余垃圾").click()
    cp.get_by_label("扫码枪扫码或输入编码后按回车").fill(code)
    cp.keyboard.press("Enter")
    expect(cp.locator("#t-bags")).to_have_text("1")
    expect(cp.locator("#t-pending")).to_have_text("0", timeout=20_000)
    expect(cp.locator("#recent li").first).not_to_contain_text("不能")
    collector.assert_clean()
    worker.goto("/bags/me/")
    expect(worker.page.locator("main")).to_contain_text("本周投放")
    worker.assert_clean()
