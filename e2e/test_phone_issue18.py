"""Issue 18 on a 360×740 phone: log out on a shared handset, Chinese error pages and menus without
dead ends, a tab bar whose labels fit on one line, 我的数据 in words and cards, a scanned bag
explained before login, the station's live 今日已回收, and a station page under 100 KB of script
(the QR decoder is fetched only when the camera opens)."""

from __future__ import annotations

import re

import pytest
import segno
from playwright.sync_api import expect

from e2e.conftest import SCREENSHOTS, Watched, demo_bag_codes, login_staff, login_worker

pytestmark = pytest.mark.e2e
WORKER = "13800000002"  # 李华: no other journey logs in with this phone (codes are limited per hour)
CODE_LIKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _spare_bags(server, n: int) -> list[str]:
    """Unbound bags of the demo union from the end of the tour's list (the binding journey takes the first)."""
    codes = demo_bag_codes(server, 40)
    assert len(codes) >= n + 10, "the demo union should have spare bags"
    return codes[-n:]


# ---------------------------------------------------------------- 1. log out on a phone


def test_collector_logs_out_on_the_station_and_a_worker_logs_in_on_the_same_phone(phone):
    login_staff(phone, "collector")
    phone.goto("/bags/station/")
    page = phone.page
    logout = page.get_by_role("button", name="退出登录")
    expect(logout).to_be_visible()
    phone.shot("1-station-with-logout")
    logout.click()
    page.wait_for_load_state("networkidle")
    # logged out: the station sends to the login now
    phone.goto("/bags/station/")
    assert "/login/" in page.url
    login_worker(phone, WORKER)
    phone.goto("/bags/me/")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    assert "李华" in page.content() or page.locator(".big-number").count()
    phone.shot("1-worker-after-switch")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state("networkidle")
    phone.goto("/bags/me/")
    assert "/login/" in page.url
    phone.assert_clean()


# ---------------------------------------------------------------- 2. error pages and menus


def test_access_denied_is_a_chinese_phone_page_with_a_way_home_and_the_menu_has_no_dead_ends(phone):
    login_staff(phone, "grassroots")
    page = phone.page
    phone.goto("/dashboard/")
    menu = page.locator("nav.topnav").inner_text()
    for forbidden in ("建会覆盖", "收集点", "积分规则"):
        assert forbidden not in menu, f"the grassroots admin's menu offers {forbidden}"
    phone.allowed_4xx.add("/coverage/")
    response = phone.goto("/coverage/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="没有权限打开这个页面")).to_be_visible()
    home = page.get_by_role("link", name="返回首页")
    expect(home).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert "Forbidden" not in page.content()
    phone.shot("2-403")
    phone.assert_accessible()
    home.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/dashboard/")
    # the browser logs the expected 403 itself
    phone.console_errors = [e for e in phone.console_errors if "status of 403" not in e]
    phone.assert_clean()


# ---------------------------------------------------------------- 5. the tab bar

TAB_LINES = """() => [...document.querySelectorAll('.m-tabbar .m-tab')].map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  const box = el.getBoundingClientRect();
  const text = range.getBoundingClientRect();
  return {label: el.textContent.trim(), lines: tops.size, text_height: text.height,
          line_height: parseFloat(getComputedStyle(el).lineHeight), clipped: el.scrollWidth > el.clientWidth + 0.5,
          left: box.left, right: box.right};
})"""


def _viewport_shot(watched: Watched, label: str) -> None:
    """What the phone shows (the tab bar is fixed to the bottom of the screen, not of the page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(SCREENSHOTS / f"{watched.name}-{label}.png"))


def _assert_tabs_fit(page, language: str):
    tabs = page.evaluate(TAB_LINES)
    assert 2 <= len(tabs) <= 5, f"{language}: {len(tabs)} tabs"
    for tab in tabs:
        assert tab["lines"] == 1, f"{language}: {tab['label']!r} wraps onto {tab['lines']} lines"
        assert tab["text_height"] <= tab["line_height"] + 1, f"{language}: {tab['label']!r} is taller than one line: {tab}"
        assert not tab["clipped"], f"{language}: {tab['label']!r} is cut off"
        assert 0 <= tab["left"] and tab["right"] <= 360, f"{language}: {tab['label']!r} is off-screen"
    assert page.evaluate("document.querySelector('.m-tabbar').scrollWidth") <= 360
    return tabs


def test_tab_bar_has_five_tabs_at_most_each_label_on_one_line_in_chinese_and_english(worker_phone):
    page = worker_phone.page
    worker_phone.goto("/bags/me/")
    tabs = _assert_tabs_fit(page, "zh")
    assert [t["label"] for t in tabs][-1].startswith("更多")
    _viewport_shot(worker_phone, "5-tabbar-zh")
    # 更多 by keyboard: focus, Enter opens the sheet, its links work, Escape closes it
    summary = page.locator(".m-more > summary")
    summary.focus()
    page.keyboard.press("Enter")
    sheet = page.locator(".m-more-sheet")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("link", name="我的数据")).to_be_visible()
    _viewport_shot(worker_phone, "5-more-open-zh")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    summary.click()
    sheet.get_by_role("link", name="我的数据").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/me/data/")
    assert page.locator(".m-more > summary[data-current]").count() == 1
    # English
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    worker_phone.goto("/bags/me/")
    tabs = _assert_tabs_fit(page, "en")
    assert tabs[-1]["label"].startswith("More")
    _viewport_shot(worker_phone, "5-tabbar-en")
    page.locator(".m-more > summary").click()
    _viewport_shot(worker_phone, "5-more-open-en")
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state("networkidle")
    worker_phone.assert_clean()


# ---------------------------------------------------------------- 6. 我的数据

RECORD_WRONG_SORT = """
import uuid
from core.models import Member, User
from modules.bags import services
member = Member.objects.get(phone='{phone}')
services.bag_bind(actor=member.user, code='{code}')
collector = User.objects.get(username='collector')
point = collector.collection_points.first()
r = services.collection_record(actor=collector, item=services.ScanIn(client_id=str(uuid.uuid4()), code='{code}',
    point_id=point.pk, category='kitchen', grade='wrong', reasons=['mixed_other', 'mixed_kitchen']))
print('OK' if r.ok else r.message)
"""


def test_my_data_shows_names_not_codes_and_fits_360px(worker_phone, server):
    code = _spare_bags(server, 4)[0]
    out = server.manage("shell", "--no-imports", "-c", RECORD_WRONG_SORT.format(phone=WORKER, code=code))
    assert out.strip().splitlines()[-1] == "OK", out
    page = worker_phone.page
    worker_phone.goto("/me/data/")
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    assert "混入其他垃圾" in text and "混入厨余垃圾" in text
    assert not CODE_LIKE.findall(text), f"raw codes on the page: {CODE_LIKE.findall(text)}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # every cell of the bag table is on screen (cards, no hidden columns)
    offscreen = page.evaluate("""() => [...document.querySelectorAll('main td')]
        .filter((td) => { const r = td.getBoundingClientRect(); return r.width > 0 && (r.right > 360.5 || r.left < 0); }).length""")
    assert offscreen == 0
    worker_phone.shot("6-my-data")
    worker_phone.assert_clean()
    worker_phone.assert_accessible()


# ---------------------------------------------------------------- 7. a bag scanned while logged out


def test_a_bag_scanned_while_logged_out_is_named_on_the_login_and_bound_after_it(phone, server):
    code = _spare_bags(server, 4)[1]
    grouped = "-".join(code[i : i + 4] for i in range(0, len(code), 4))
    union = server.manage(
        "shell", "--no-imports", "-c", f"from core.models import Member; print(Member.objects.get(phone='{WORKER}').organisation.name)"
    ).strip()
    page = phone.page
    phone.goto(f"/b/{code}")
    note = page.get_by_test_id("login-note")
    expect(note.get_by_role("heading", name="登录后绑定这个垃圾袋")).to_be_visible()
    expect(note).to_contain_text(union)
    expect(note).to_contain_text(grouped)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.shot("7-login-note")
    phone.page.get_by_label("手机号").fill(WORKER)
    before = server.otp_count(WORKER)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_test_id("login-note")).to_contain_text(grouped)  # the code step still says it
    page.get_by_label("验证码").fill(server.otp_for(WORKER, after=before))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("绑定成功")).to_be_visible()
    phone.shot("7-bound")
    phone.goto(f"/b/{code}")
    expect(page.get_by_text("这个垃圾袋已绑定到您名下")).to_be_visible()
    phone.assert_clean()


# ---------------------------------------------------------------- W + 10(a): the station's weight and its live tally


def _js_listener(page):
    scripts: list[tuple[str, int]] = []

    def on_response(response):
        if response.request.resource_type == "script" or response.url.split("?")[0].endswith(".js"):
            try:
                size = len(response.body())
            except Exception:  # a redirect or an aborted response has no body
                size = 0
            scripts.append((response.url, size))

    page.on("response", on_response)
    return scripts


def _today(page) -> int:
    return int(page.locator(".today-n .n-bags").first.inner_text())


@pytest.mark.parametrize(("path", "who"), [("/bags/station/", "collector"), ("/prizes/pickup/", "grassroots")])
def test_scan_pages_load_under_100_kb_of_script_and_no_decoder(phone, path, who):
    scripts = _js_listener(phone.page)
    login_staff(phone, who)
    scripts.clear()
    phone.goto(path)
    phone.page.wait_for_load_state("networkidle")
    total = sum(size for _url, size in scripts)
    assert not [u for u, _ in scripts if "jsQR" in u], scripts
    assert total < 100_000, f"{total} bytes of script: {scripts}"
    measured = phone.measure()
    assert measured["js_transferred"] < 100_000 and measured["scroll_width"] <= 360
    print(f"{path}: {total} B of script on load ({[u.rsplit('/', 1)[-1] for u, _ in scripts]})")
    phone.assert_clean()


# A camera for a headless browser: getUserMedia answers a canvas stream that shows a QR code.
FAKE_CAMERA = """(() => {
  const qr = %s;
  const fake = () => new Promise((resolve) => {
    const canvas = document.createElement('canvas');
    canvas.width = 480; canvas.height = 480;
    const ctx = canvas.getContext('2d');
    const img = new Image();
    img.onload = () => {
      const draw = () => { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 480, 480); ctx.drawImage(img, 40, 40, 400, 400); };
      draw(); setInterval(draw, 100);
      resolve(canvas.captureStream(10));
    };
    img.src = qr;
  });
  delete window.BarcodeDetector;  // exercise the fallback decoder (Chromium on Linux has none anyway)
  if (!navigator.mediaDevices) Object.defineProperty(navigator, 'mediaDevices', {value: {}});
  navigator.mediaDevices.getUserMedia = fake;
})();"""


def test_station_camera_fetches_the_decoder_on_demand_and_the_today_tally_moves(phone, server):
    first, second = _spare_bags(server, 4)[2:4]
    qr = segno.make(server.url(f"/b/{first}"), error="m").png_data_uri(scale=8, border=4)
    phone.page.context.add_init_script(FAKE_CAMERA % ("'" + qr + "'"))
    scripts = _js_listener(phone.page)
    login_staff(phone, "collector")
    page = phone.page
    phone.goto("/bags/station/")
    page.wait_for_load_state("networkidle")
    assert not [u for u, _ in scripts if "jsQR" in u]
    page.get_by_role("button", name="厨余垃圾").click()
    today = _today(page)
    # the camera: the decoder arrives only now, reads the code, the scan is acknowledged, the tally moves
    page.get_by_role("button", name="摄像头扫码").click()
    expect(page.locator("#recent li")).to_have_count(1, timeout=15_000)
    assert [u for u, _ in scripts if "jsQR" in u], "opening the camera fetches the fallback decoder"
    expect(page.locator("#t-pending")).to_have_text("0", timeout=15_000)
    expect(page.locator(".today-n .n-bags").first).to_have_text(str(today + 1))
    page.get_by_role("button", name="关闭摄像头").click()
    phone.shot("10a-camera-scan")
    # offline: the scan waits in the queue, the tally waits too; back online it is sent and counted
    page.context.set_offline(True)
    box = page.get_by_label("扫码枪扫码或输入编码后按回车")
    box.click()
    page.keyboard.type(second)
    page.keyboard.press("Enter")
    expect(page.locator("#t-pending")).to_have_text("1")
    assert _today(page) == today + 1
    phone.shot("10a-offline-queued")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#t-pending")).to_have_text("0", timeout=15_000)
    expect(page.locator(".today-n .n-bags").first).to_have_text(str(today + 2))
    phone.shot("10a-online-sent")
    # the server agrees: a reload shows the same count
    phone.goto("/bags/station/")
    assert _today(page) == today + 2
