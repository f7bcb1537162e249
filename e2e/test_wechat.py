"""Issue 26: WeChat's in-app browser. Every phone journey already runs a second time as WeChat
(``phone_browser`` in conftest: its user agent, a window.open that opens nothing); these are the
things only WeChat does: its web login through an OAuth redirect (cookies must survive the way
back from another site), its back button, and the camera behind a file input.

A bag's QR code scanned in WeChat landing on the bag page is the bag-binding journey in its
WeChat run (test_journey_bag_binding.py[wechat])."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import Watched, login_worker, new_phone_context

pytestmark = pytest.mark.e2e
WORKER = "13800000004"  # 赵强: the tour logs in with it once per phone browser; two more here


@pytest.fixture
def wechat(request, browser, server):
    context = new_phone_context(browser, "wechat")
    watched = Watched(context.new_page(), server, f"{request.node.name}-wechat")
    yield watched
    context.close()


def test_wechat_login_checks_the_phone_once_then_logs_in_alone(wechat, server):
    page = wechat.page
    seen = []
    page.on("request", lambda r: r.is_navigation_request() and seen.append(r.url))
    wechat.goto("/login/phone/?next=/bags/me/")
    page.get_by_role("link", name="微信一键登录").click()
    page.wait_for_load_state("networkidle")
    # through WeChat's (fake) authorize page on another site and back to the callback
    assert any(u.startswith("http://localhost:") and "/connect/oauth2/authorize" in u for u in seen), seen
    assert any("/login/wechat/callback/" in u for u in seen)
    expect(page.locator("main")).to_contain_text("首次使用微信登录")  # the session survived the way back
    expect(page.get_by_test_id("wechat-pending")).to_be_visible()
    wechat.shot("first-time")
    login_worker(wechat, WORKER, here=True)
    assert "/bags/me/" in page.url
    expect(page.locator("main")).to_contain_text("积分余额")
    expect(page.get_by_text("已绑定微信")).to_be_visible()
    # a new WeChat session (the webview's cookies are gone): WeChat alone logs the worker in
    page.context.clear_cookies()
    codes_before = server.otp_count(WORKER)
    wechat.goto("/login/phone/?next=/bags/me/")
    page.get_by_role("link", name="微信一键登录").click()
    # (the browser keeps the authorize URL's "#wechat_redirect" through the redirects, as WeChat's does)
    page.wait_for_url(re.compile(r"/bags/me/(#.*)?$"))
    expect(page.locator("main")).to_contain_text("积分余额")
    assert server.otp_count(WORKER) == codes_before  # no SMS this time
    wechat.shot("second-time")
    wechat.assert_clean()


def test_wechat_back_button_and_camera(wechat, server):
    page = wechat.page
    login_worker(wechat, WORKER, next_path="/bags/me/")
    assert "/bags/me/" in page.url
    wechat.goto("/stations/find/")
    page.locator(".st-list .st-item h2 a").first.click()
    page.wait_for_load_state("networkidle")
    station_url = page.url
    page.get_by_role("link", name="反映问题").click()
    page.wait_for_load_state("networkidle")
    # WeChat offers the camera (and the album) only for an image-only file input
    inputs = page.locator("input[type=file]")
    assert inputs.count() >= 1
    for i in range(inputs.count()):
        assert "image/*" in (inputs.nth(i).get_attribute("accept") or ""), inputs.nth(i).evaluate("e => e.outerHTML")
    # WeChat's back button is the history: each step back is a page that answers, never a resubmitted form
    for expected in (station_url, "/stations/find/", "/bags/me/"):
        response = page.go_back()
        page.wait_for_load_state("networkidle")
        assert expected in page.url, (expected, page.url)
        assert response is None or response.status < 400
        expect(page.locator("main")).to_be_visible()
    wechat.assert_clean()
