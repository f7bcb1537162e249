"""Issue 26: WeChat's in-app browser: Chromium with its own user agent and a window.open that
opens nothing. The phone journeys run in plain Chromium, every phone watched for window.open (see
``phone_browser`` in conftest); these are the things only WeChat does: its web login through an
OAuth redirect (cookies must survive the way back from another site), its back button, the camera
behind a file input, and every page the phone journeys open, answered to WeChat's user agent and
loading clean with its quirks on.

A bag's QR code scanned in WeChat landing on the bag page is the bag-binding journey in its
WeChat run (test_journey_bag_binding.py[wechat])."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import Watched, login_staff, login_worker, new_phone_context
from e2e.test_pages_phone import WORKER_PAGES

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


# The pages the phone journeys open (e2e/test_journey_*.py, test_pages_phone.py, test_phone_issue18.py),
# by who opens them. The journeys walk through them in plain Chromium; here WeChat opens each one.
JOURNEY_PAGES = {
    "anonymous": [
        "/",
        "/login/phone/",
        "/stations/find/",
        "/care/wishes/",
        "/honours/notice/",
        "/studios/notice/",
        "/learning/",
    ],
    "worker": [
        *WORKER_PAGES,
        "/bags/rankings/?period=week&metric=points",
        "/learning/",
        "/honours/learn/",
        "/labour/me/",
        "/labour/handbook/?q=加班费",
        "/care/wishes/",
        "/care/wishes/new/",
        "/care/outdoor/courier/",
        "/stations/find/",
        "/fund/mine/",
        "/me/data/",
    ],
    "collector": ["/bags/station/"],
    "grassroots": ["/prizes/pickup/"],
}
PAGES_WORKER = "13800000005"  # 陈静: the phone-pages module logs in with it once too


@pytest.mark.parametrize("who", list(JOURNEY_PAGES))
def test_the_journeys_phone_pages_answer_wechat_and_load_clean(wechat, who):
    """What the journeys' run in WeChat checked beyond the pages' use by plain Chromium: the server
    answers WeChat's user agent on each page (nothing refused, nothing broken) and no page breaks
    on WeChat's quirks (no console error, no failed request, no window.open)."""
    page = wechat.page
    if who == "worker":
        login_worker(wechat, PAGES_WORKER)
    elif who != "anonymous":
        login_staff(wechat, who)
    for path in JOURNEY_PAGES[who]:
        response = wechat.goto(path)
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status < 400, (path, response and response.status)
        expect(page.locator("main")).to_be_visible()
        if path == "/login/phone/":
            expect(page.get_by_role("link", name="微信一键登录")).to_be_visible()  # offered in WeChat only
        try:
            wechat.assert_clean()
        except AssertionError as error:
            raise AssertionError(f"{path} in WeChat: {error}") from None
