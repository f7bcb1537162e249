"""Pages people like to use on a cheap phone: little JavaScript (< 100 KB), nothing jumps while
loading, every control in the main content is a 44 px tap target, nothing wider than 360 px, and
the points page still works with JavaScript off."""

import pytest

from e2e.conftest import DESKTOP, PHONE, Watched, clock_browser

pytestmark = pytest.mark.e2e
WORKER = "13800000005"
WORKER_PAGES = [
    "/bags/me/",
    "/bags/rankings/",
    "/bags/rankings/unions/",
    "/knowledge/guide/",
    "/knowledge/guide/?q=电池",
    "/knowledge/quiz/",
    "/prizes/",
    "/prizes/my/",
]
FINDER = "/stations/find/"


@pytest.mark.parametrize("path", WORKER_PAGES)
def test_worker_page_is_light_stable_tappable_and_fits_360px(worker_phone, path):
    worker_phone.goto(path)
    measured = worker_phone.assert_phone_friendly(max_js=100_000)
    worker_phone.shot(path.strip("/").replace("/", "_").replace("?q=", "-") or "home")
    worker_phone.assert_clean()
    worker_phone.assert_accessible()
    print(f"{path}: {measured['js_decoded']} B JS decoded, {measured['js_transferred']} B transferred, CLS {measured['cls']:.3f}")


def test_station_finder_fits_360px_and_is_tappable(worker_phone):
    worker_phone.goto(FINDER)
    measured = worker_phone.assert_phone_friendly(max_js=10**7)
    worker_phone.assert_clean()
    worker_phone.assert_accessible()
    print(f"{FINDER}: {measured['js_decoded']} B JS decoded ({measured['scripts']})")


def test_station_finder_stays_under_100_kb_of_javascript(worker_phone):
    # Leaflet (147 KB) loads only when the worker taps "在地图上查看".
    worker_phone.goto(FINDER)
    assert worker_phone.measure()["js_decoded"] < 100_000


def test_points_page_shows_points_with_javascript_off(browser, server, worker_state):
    context = browser.new_context(locale="zh-CN", storage_state=worker_state, java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(server.url("/bags/me/"))
    assert page.get_by_role("heading", name="积分余额").is_visible()
    assert page.locator(".big-number").first.inner_text().strip().replace(",", "").isdigit()
    page.goto(server.url("/bags/rankings/"))
    assert page.locator("ol.w-board li, .empty").count() > 0
    context.close()


def test_collector_station_fits_a_phone(phone):
    from e2e.conftest import login_staff

    login_staff(phone, "collector")
    phone.goto("/bags/station/")
    measured = phone.measure()
    assert measured["scroll_width"] <= 360
    assert measured["cls"] < 0.01
    assert not measured["small_targets"], measured["small_targets"]
    phone.assert_clean()
    phone.assert_accessible()


def test_worker_pages_also_read_well_on_a_desktop(request, browser, server, worker_state):
    """The same pages on a computer (a union office's PC): clean, no sideways scroll, screenshots for review."""
    context = clock_browser(browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", storage_state=worker_state, **DESKTOP))
    watched = Watched(context.new_page(), server, f"{request.node.name}-desktop")
    try:
        for path in [*WORKER_PAGES, FINDER]:
            watched.goto(path)
            watched.page.wait_for_load_state("networkidle")
            assert watched.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
            watched.shot(path.strip("/").replace("/", "_").replace("?q=", "-"))
        watched.assert_clean()
    except AssertionError:
        watched.save_failure()
        raise
    finally:
        context.close()
