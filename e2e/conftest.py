"""Browser journeys: the platform runs as the demo does (fresh SQLite, demo data) on a free port,
driven by Playwright with Debian's Chromium. Phone journeys use a 360×740 touch viewport."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "e2e" / "screenshots"
FAILURES = ROOT / "e2e" / "failures"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}

pytestmark = pytest.mark.e2e

# E2E_CLOCK="2027-03-14 03:30 +0800" (any date `date -d` reads): the platform's processes (migrate,
# seed_demo, the dev server, every manage.py call) run with their clock moved there by libfaketime
# and running on from there, all by the same offset, so a journey meets the demo as it is built on
# that date and at that hour. Chromium and this process keep the machine's clock: a journey that
# needs the platform's date asks platform_today(). Opt-in, for finding date- and hour-bound journeys.
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
BEIJING = ZoneInfo("Asia/Shanghai")


def _clock_offset() -> int:
    moved = os.environ.get("E2E_CLOCK", "").strip()
    if not moved:
        return 0
    epoch = subprocess.run(["date", "-d", moved, "+%s"], capture_output=True, text=True, check=True).stdout
    return int(epoch) - int(time.time())


CLOCK_OFFSET = _clock_offset()


def clock_env(env: dict) -> dict:
    """``env`` with the moved clock (E2E_CLOCK) for a platform process; unchanged when it is not set."""
    if not CLOCK_OFFSET:
        return env
    if not Path(LIBFAKETIME).exists():
        pytest.fail(f"E2E_CLOCK needs libfaketime ({LIBFAKETIME}): run `make e2e-deps`")
    preload = " ".join(filter(None, [LIBFAKETIME, env.get("LD_PRELOAD", "")]))
    # A relative offset, not an absolute start: every process (seed_demo, then the server, then each
    # manage.py call) shares one clock that keeps running, instead of each starting over at E2E_CLOCK.
    # The monotonic clock is left alone (Python's timed waits count on it; scripts/test_clock.sh); with
    # libfaketime 0.9.10 that makes time.sleep() fail (EINVAL) in a moved process, a loud failure, not a hang.
    return {**env, "LD_PRELOAD": preload, "FAKETIME": f"{CLOCK_OFFSET:+d}", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def platform_now() -> datetime:
    """The platform's time now in Beijing (moved by E2E_CLOCK when it is set)."""
    return datetime.fromtimestamp(time.time() + CLOCK_OFFSET, BEIJING)


def clock_browser(context):
    """With E2E_CLOCK, the browser's clock (its pages' Date and timers, through Playwright's clock,
    not libfaketime) agrees with the platform's and runs on, as a phone's clock agrees with the
    server's: the scan page stamps each scan with the phone's time, and the server refuses a scan
    stamped days away from its own. Nothing changes without E2E_CLOCK. Returns ``context``."""
    if CLOCK_OFFSET:
        context.clock.install(time=time.time() + CLOCK_OFFSET)
    return context


def platform_today() -> date:
    """The platform's date (Beijing, TIME_ZONE), not this machine's: they differ 16:00–24:00 UTC."""
    return platform_now().date()


# Workers open the platform by scanning a QR code with WeChat. WeChat's in-app browser is Chromium
# (X5/XWEB) with two differences a page meets: its user agent (the server offers the WeChat login on
# it) and a window.open that opens nothing. So the phone journeys run once, in plain Chromium, with
# every phone watched for window.open (Watched.assert_clean fails a page that calls it, as WeChat
# would leave it dead); test_wechat.py checks what only WeChat does (its login, its back button, its
# camera, every phone page of the journeys answered to WeChat's user agent, with its quirks on), and
# a module naming PHONE_BROWSERS (bag binding: a bag's QR code scanned in WeChat) runs in both.
# E2E_PHONE_BROWSERS="chromium,wechat" replays every phone journey in both, as the suite once did.
ALL_PHONE_BROWSERS = ("chromium", "wechat")
PHONE_BROWSERS = [b for b in os.environ.get("E2E_PHONE_BROWSERS", "chromium").split(",") if b]
# WeChat 8.0 on Android (the X5/XWEB webview): the user agent the server sees.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
# The in-app browser's quirks a page must live with: window.open opens nothing (WeChat drops it),
# so a page that relies on it is caught (the count is checked by Watched.assert_clean).
WECHAT_QUIRKS = """(() => { window.__wechat_open_calls = 0;
  window.open = function () { window.__wechat_open_calls += 1; return null; }; })();"""
# The same watch on a plain Chromium phone, window.open left working: a journey that calls it fails
# in Chromium as it would in WeChat.
WINDOW_OPEN_WATCH = """(() => { window.__wechat_open_calls = 0; const open = window.open;
  window.open = function (...args) { window.__wechat_open_calls += 1; return open.apply(this, args); }; })();"""


def phone_options(phone_browser: str, **extra) -> dict:
    return {**PHONE, **({"user_agent": WECHAT_UA} if phone_browser == "wechat" else {}), **extra}


def new_phone_context(browser, phone_browser: str, **extra):
    context = clock_browser(browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **phone_options(phone_browser, **extra)))
    context.add_init_script(WECHAT_QUIRKS if phone_browser == "wechat" else WINDOW_OPEN_WATCH)
    return context


def pytest_generate_tests(metafunc):
    """The phone browsers a module's phone journeys run in: E2E_PHONE_BROWSERS (plain Chromium unless
    it says otherwise), or the module's own ``PHONE_BROWSERS``, whichever names more."""
    if "phone_browser" in metafunc.fixturenames:
        own = getattr(metafunc.module, "PHONE_BROWSERS", ())
        browsers = [b for b in ALL_PHONE_BROWSERS if b in PHONE_BROWSERS or b in own]
        metafunc.parametrize("phone_browser", browsers, indirect=True, scope="module")


@pytest.fixture(scope="module")
def phone_browser(request) -> str:
    """ "chromium" or "wechat": the phone journeys of a module run once in each it names."""
    return request.param


# Sums layout shifts not caused by input (CLS); an init script, not an inline page script, so the CSP is untouched.
CLS_OBSERVER = """(() => { window.__cls = 0; try { new PerformanceObserver((list) => {
  for (const e of list.getEntries()) { if (!e.hadRecentInput) window.__cls += e.value; } }).observe({type: 'layout-shift', buffered: true});
} catch (e) {} })();"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, base_url: str, log_path: Path, var_dir: Path, env: dict):
        self.base_url = base_url
        self.log_path = log_path
        self.var_dir = var_dir
        self.env = env

    def url(self, path: str) -> str:
        return self.base_url + path

    def otp_count(self, phone: str) -> int:
        return len(self._otp_pattern(phone).findall(self.log_path.read_text(encoding="utf-8", errors="replace")))

    @staticmethod
    def _otp_pattern(phone: str):
        return re.compile(re.escape(phone) + r"[：:].*?(\d{6})")

    def otp_for(self, phone: str, timeout: float = 10, after: int = 0) -> str:
        """The one-time code the console SMS backend printed in the server log (as the demo user reads it);
        ``after``: how many codes for this phone were already there (so an older one is never taken)."""
        deadline = time.time() + timeout
        pattern = self._otp_pattern(phone)
        while time.time() < deadline:
            found = pattern.findall(self.log_path.read_text(encoding="utf-8", errors="replace"))
            if len(found) > after:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no one-time code for {phone} in the server log")

    def manage(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout


class _Demo:
    """The demo the journeys run against, built by manage.py (migrate, seed_demo, startup) into a
    fresh var dir with its fake WeChat; ``start()`` builds it on a thread of its own, so that the
    build runs while the rest of the suite does (see pytest_collection_finish)."""

    def __init__(self):
        self.var_dir = Path(tempfile.mkdtemp(prefix="uh-e2e-"))
        self.wechat = fake_wechat()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(
            # WeChat's OAuth endpoints, faked on this machine; the authorize page on "localhost", another
            # site than the platform's 127.0.0.1, so the way back is a cross-site redirect as in WeChat.
            WECHAT_APP_ID=FAKE_WECHAT_APP_ID,
            WECHAT_APP_SECRET="e2e-wechat-secret",
            WECHAT_API_BASE=self.wechat.url,
            WECHAT_AUTHORIZE_URL=self.wechat.url.replace("127.0.0.1", "localhost") + "/connect/oauth2/authorize",
        )
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            DEBUG="1",
            UNIONHUB_VAR_DIR=str(self.var_dir),
            MEDIA_ROOT=str(self.var_dir / "media"),
            TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
            SMS_BACKEND="core.sms.ConsoleSmsBackend",
            MAP_TILE_URL="",
            # each phone journey logs its worker in once per phone browser (plain Chromium and WeChat,
            # when E2E_PHONE_BROWSERS names both)
            OTP_MAX_PER_PHONE_PER_HOUR=str(5 * len(ALL_PHONE_BROWSERS)),
            # every browser of the run asks from 127.0.0.1: the per-address limit (30 an hour) would stop
            # the journeys after the first thirty logins, so it is the whole run's worth here
            OTP_MAX_PER_IP_PER_HOUR=str(60 * len(ALL_PHONE_BROWSERS)),
            PYTHONUNBUFFERED="1",
        )
        self.env = clock_env(env)
        self.port = _free_port()
        self.srv = Server(f"http://127.0.0.1:{self.port}", self.var_dir / "server.log", self.var_dir, self.env)
        self.srv.wechat = self.wechat
        self._built = None
        self._step = None
        self._stopped = False

    def _build(self) -> None:
        for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo", "--scale", "tiny", "--no-progress"), ("startup",)):
            if self._stopped:
                raise AssertionError("the e2e demo build was stopped")
            self._step = subprocess.Popen(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            try:
                out, err = self._step.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                self._step.kill()
                out, err = self._step.communicate()
            if self._step.returncode != 0:
                raise AssertionError(f"manage.py {' '.join(args)} failed:\n{out}\n{err}")

    def start(self) -> _Demo:
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="e2e-demo")
        self._built = pool.submit(self._build)
        pool.shutdown(wait=False)
        return self

    def wait(self) -> Server:
        if self._built is None:
            self._build()
        else:
            self._built.result()
        return self.srv

    def remove(self) -> None:
        if self._built is not None:
            self._stopped = True  # a run stopped early (-x, Ctrl-C) does not wait for the whole build
            if self._step is not None and self._step.poll() is None:
                self._step.kill()
            self._built.exception()  # never delete the var dir under a build still running
        self.wechat.stop()
        shutil.rmtree(self.var_dir, ignore_errors=True)


_demo_building: list[_Demo] = []


def pytest_collection_finish(session):
    """When the run holds browser journeys, the demo they need is built from here on, while the tests
    collected before them run: the build (about a minute and a half of migrations and seeding, in
    processes of its own) takes the machine's other core instead of holding up the first journey."""
    if os.environ.get("E2E_BASE_URL") or session.config.option.collectonly:
        return
    if any(item.get_closest_marker("e2e") and "server" in getattr(item, "fixturenames", ()) for item in session.items):
        _demo_building.append(_Demo().start())


def pytest_sessionfinish(session):
    while _demo_building:  # started, but no journey came to use it (stopped early, -x)
        _demo_building.pop().remove()


@pytest.fixture(scope="session")
def server():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make e2e-deps` (scripts/test_deps.sh)")
    if os.environ.get("E2E_BASE_URL"):
        # Local iteration against a demo server already running with the e2e settings (the journeys pick
        # unbound bags and fresh data as they go, so they can run again on the same database).
        var_dir = Path(os.environ["E2E_VAR_DIR"])
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DEBUG="1", UNIONHUB_VAR_DIR=str(var_dir))
        env = clock_env(env)
        yield Server(os.environ["E2E_BASE_URL"], Path(os.environ["E2E_SERVER_LOG"]), var_dir, env)
        return
    demo = _demo_building.pop() if _demo_building else _Demo()
    try:
        srv = demo.wait()
        log = open(srv.log_path, "w", encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{demo.port}"],
            cwd=ROOT,
            env=dict(demo.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_up(srv.base_url + "/healthz", proc)
            yield srv
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
            log.close()
    finally:
        demo.remove()


FAKE_WECHAT_APP_ID = "wxe2e0000000000001"
FAKE_OPENID = "o_e2e_wechat_worker"


def fake_wechat():
    """WeChat's web authorisation, faked: the authorize page sends the browser straight back with a
    fresh code (the WeChat user has agreed), the token endpoint turns a code once into the openid."""
    import secrets as _secrets
    from urllib.parse import urlencode

    from core.tests.fake_http import FakeServer

    codes: dict[str, str] = {}

    def answer(request):
        q = request.query
        if request.path == "/connect/oauth2/authorize":
            code = _secrets.token_urlsafe(8)
            codes[code] = FAKE_OPENID
            return 302, b"", {"Location": q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})}
        if request.path == "/sns/oauth2/access_token" and q.get("appid") == FAKE_WECHAT_APP_ID:
            openid = codes.pop(q.get("code", ""), None)
            if openid:
                return 200, {"access_token": "AT", "expires_in": 7200, "refresh_token": "RT", "openid": openid, "scope": "snsapi_base"}
        return 200, {"errcode": 40029, "errmsg": "invalid code"}

    return FakeServer(answer=answer).start()


def _wait_until_up(url: str, proc, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("the e2e server exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the e2e server did not answer /healthz in time")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


# axe-core for the accessibility checks: a test-only asset, installed by `npm ci` (frontend's
# devDependencies) and never copied into static/, answered by the test browser itself.
AXE_SOURCE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__e2e__/axe.min.js"

MEASURE_JS = """() => {
  const scripts = performance.getEntriesByType('resource')
    .filter((e) => e.initiatorType === 'script' || /\\.m?js(\\?|$)/.test(e.name))
    .filter((e) => !e.name.includes('/axe.min.js'));
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1; };
  const targets = [...document.querySelectorAll(
      'main a[href], main button, main summary, main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main label:has(input[type=checkbox]), main label:has(input[type=radio])')]
    .filter(visible)
    .filter((el) => !el.closest('.leaflet-container'))
    .filter((el) => getComputedStyle(el).display !== 'inline');
  const small = targets.filter((el) => el.getBoundingClientRect().height < 44)
    .map((el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} "${(el.textContent || el.name || '').trim().slice(0, 12)}" ${Math.round(el.getBoundingClientRect().height)}px`);
  return {
    js_decoded: scripts.reduce((n, e) => n + (e.decodedBodySize || 0), 0),
    js_transferred: scripts.reduce((n, e) => n + (e.transferSize || 0), 0),
    scripts: scripts.map((e) => [e.name.split('/').pop(), e.decodedBodySize]),
    cls: window.__cls || 0,
    scroll_width: document.documentElement.scrollWidth,
    viewport_width: window.innerWidth,
    small_targets: [...new Set(small)],
  };
}"""


class Watched:
    """A page whose console errors and failed requests are collected, to assert there are none."""

    def __init__(self, page, server: Server, name: str):
        self.page = page
        self.server = server
        self.name = re.sub(r"[^\w.-]+", "_", name).strip("_")
        self.console_errors: list[str] = []
        self.failed_requests: list[str] = []
        self.console_log: list[str] = []
        # Map tiles are allowed to fail: tests run with no network by design.
        page.on("console", self._on_console)
        page.on("requestfailed", lambda r: self._failed(r.url, r.failure or "failed"))
        page.on("response", lambda r: r.status >= 400 and not self._expected_4xx(r) and self._failed(r.url, str(r.status)))
        self.allowed_4xx: set[str] = set()

    def _on_console(self, msg):
        self.console_log.append(f"[{msg.type}] {msg.text}")
        if msg.type == "error" and not self._is_tile(msg.text):
            self.console_errors.append(msg.text)

    def _expected_4xx(self, response) -> bool:
        return any(part in response.url for part in self.allowed_4xx)

    @staticmethod
    def _is_tile(text: str) -> bool:
        return "tile" in text.lower()

    def _failed(self, url: str, why: str):
        # An aborted request is one the page itself cancelled (htmx replacing a search still in
        # flight by the next keystroke's, a navigation away): not a failure of the server.
        if "ERR_ABORTED" in why:
            return
        if self.server.base_url in url and not self._is_tile(url):
            self.failed_requests.append(f"{why} {url}")

    def goto(self, path: str):
        return self.page.goto(self.server.url(path))

    def shot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self):
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.failed_requests, f"failed requests: {self.failed_requests}"
        opened = self.page.evaluate("window.__wechat_open_calls || 0")
        assert not opened, f"the page called window.open {opened}×: WeChat's in-app browser opens nothing"

    def assert_accessible(self):
        """axe-core finds no serious or critical violation.

        axe is a test tool, so the platform does not serve it (frontend/copy-assets.mjs leaves it
        out of static/): the browser's own request for it is answered from frontend/node_modules
        by Playwright. A same-origin URL keeps the page's CSP (script-src 'self') as it is.
        """
        self.page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE_SOURCE, content_type="application/javascript"))
        self.page.add_script_tag(url=AXE_URL)
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, "axe violations:\n" + "\n".join(bad)

    def measure(self) -> dict:
        """What a phone user feels: JavaScript bytes (decoded and transferred), layout shift, page width,
        and the controls in the main content smaller than a 44 px tap target (in-text links excepted)."""
        self.page.wait_for_load_state("networkidle")
        return self.page.evaluate(MEASURE_JS)

    def assert_phone_friendly(self, max_js: int = 100_000) -> dict:
        m = self.measure()
        assert m["js_decoded"] < max_js, f"{m['js_decoded']} bytes of JavaScript: {m['scripts']}"
        assert m["cls"] < 0.01, f"layout shift {m['cls']}"
        assert m["scroll_width"] <= m["viewport_width"], f"horizontal scroll: {m['scroll_width']} px wide"
        assert not m["small_targets"], f"tap targets under 44 px: {m['small_targets']}"
        return m

    def save_failure(self):
        FAILURES.mkdir(parents=True, exist_ok=True)
        try:
            (FAILURES / f"{self.name}.html").write_text(self.page.content(), encoding="utf-8")
            self.page.screenshot(path=str(FAILURES / f"{self.name}.png"), full_page=True)
        except Exception:  # the page may be gone; the console log below still helps
            pass
        (FAILURES / f"{self.name}.console.log").write_text(
            "\n".join(self.console_log + ["-- failed requests --", *self.failed_requests]), encoding="utf-8"
        )


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash.setdefault(_failed_key, report.failed)


_failed_key = pytest.StashKey[bool]()


def _page_fixture(request, browser, server, options: dict, kind: str, phone_browser: str = ""):
    if phone_browser:
        context = new_phone_context(browser, phone_browser)
        kind = f"{kind}-{phone_browser}"
    else:
        context = clock_browser(browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options))
    context.set_default_timeout(15_000)
    context.add_init_script(CLS_OBSERVER)
    page = context.new_page()
    watched = Watched(page, server, f"{request.node.name}-{kind}")
    yield watched
    if request.node.stash.get(_failed_key, False):
        watched.save_failure()
    context.close()


@pytest.fixture
def another(request, browser, server, phone_browser):
    """A second (third…) person in the same journey: ``another("phone")`` or ``another("desktop")``."""
    opened = []

    def make(kind: str = "phone", **extra):
        if kind == "phone":
            context = new_phone_context(browser, phone_browser, **extra)
        else:
            context = clock_browser(browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **{**DESKTOP, **extra}))
        context.set_default_timeout(15_000)
        context.add_init_script(CLS_OBSERVER)
        watched = Watched(context.new_page(), server, f"{request.node.name}-{kind}{len(opened) + 2}")
        opened.append((context, watched))
        return watched

    yield make
    for context, watched in opened:
        if request.node.stash.get(_failed_key, False):
            watched.save_failure()
        context.close()


@pytest.fixture
def phone(request, browser, server, phone_browser):
    yield from _page_fixture(request, browser, server, PHONE, "phone", phone_browser)


@pytest.fixture
def desktop(request, browser, server):
    yield from _page_fixture(request, browser, server, DESKTOP, "desktop")


def login_staff(watched: Watched, username: str, password: str = "demo12345"):
    watched.goto("/login/")
    watched.page.get_by_label("用户名").fill(username)
    watched.page.get_by_label("密码").fill(password)
    watched.page.get_by_role("button", name="登录").click()
    watched.page.wait_for_load_state("networkidle")


def login_worker(watched: Watched, phone_number: str, next_path: str = "", here: bool = False, consent: bool = False):
    """Phone one-time-code login; ``here``: the login page is already open (a link sent the worker there);
    ``consent``: tick the privacy notice's consent (the public donors' login asks it on a first login)."""
    if not here:
        watched.goto("/login/phone/" + (f"?next={next_path}" if next_path else ""))
    watched.page.get_by_label("手机号").fill(phone_number)
    before = watched.server.otp_count(phone_number)
    watched.page.get_by_role("button", name="获取验证码").click()
    code = watched.server.otp_for(phone_number, after=before)
    watched.page.get_by_label("验证码").fill(code)
    if consent:
        watched.page.get_by_label("我已阅读并同意《爱心人士隐私说明》").check()
    watched.page.get_by_role("button", name="登录").click()
    watched.page.wait_for_load_state("networkidle")


def json_of(text: str):
    return json.loads(text)


def demo_bag_codes(server: Server, limit: int = 5) -> list[str]:
    """Codes of the demo union's unbound, uncollected bags, as the tour page lists them."""
    out = server.manage(
        "shell", "--no-imports", "-c", f"from modules.bags.tour import tour_bags; print(' '.join(c for c, _ in tour_bags({limit})))"
    )
    return out.strip().splitlines()[-1].split() if out.strip() else []


def uncollected_bags_of(server: Server, phone_number: str, limit: int = 3, top_up: bool = False) -> list[str]:
    """Codes of bags bound to the worker with this phone and not collected yet; ``top_up``: bind
    unbound demo bags to the worker first when fewer are left (a journey's second phone browser
    finds the bags the first one collected gone)."""
    if top_up:
        server.manage(
            "shell",
            "--no-imports",
            "-c",
            "from core.services import worker_user_for_phone; from modules.bags.models import Bag; "
            "from modules.bags.services.binding import bag_bind; from modules.bags.tour import tour_bags; "
            f"u = worker_user_for_phone('{phone_number}'); "
            f"short = {limit} - Bag.objects.filter(owner__phone='{phone_number}', collected_at__isnull=True).count(); "
            "[bag_bind(actor=u, code=c) for c, _ in tour_bags(max(short, 0))]",
        )
    out = server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from modules.bags import codes; from modules.bags.models import Bag; "
        f"print(' '.join(codes.encode(pk) for pk in Bag.objects.filter(owner__phone='{phone_number}', "
        f"collected_at__isnull=True).order_by('pk').values_list('pk', flat=True)[:{limit}]))",
    )
    return out.strip().splitlines()[-1].split() if out.strip() else []


def worker_phone_number(module, phone_browser: str) -> str:
    """The phone of the module's ``WORKER`` for this phone browser."""
    worker = module.WORKER
    return worker[phone_browser] if isinstance(worker, dict) else worker


@pytest.fixture(scope="module")
def worker_state(request, browser, server, tmp_path_factory, phone_browser):
    """One login per test module (and phone browser) for the phone named by the module's ``WORKER``
    (the one-time codes a phone may ask for are limited per hour, so each module logs its own worker in).
    ``WORKER`` may name a phone per phone browser ({"chromium": …, "wechat": …}): a journey that
    changes its worker for good (enrols on a course, answers a survey once) runs again on the same
    server with another worker."""
    phone_number = worker_phone_number(request.module, phone_browser)
    context = new_phone_context(browser, phone_browser)
    watched = Watched(context.new_page(), server, f"{request.module.__name__.rsplit('.', 1)[-1]}-worker-login")
    login_worker(watched, phone_number)
    path = tmp_path_factory.mktemp("state") / "worker.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


@pytest.fixture
def worker_phone(request, browser, server, worker_state, phone_browser):
    """A phone already logged in as the module's ``WORKER``."""
    context = new_phone_context(browser, phone_browser, storage_state=worker_state)
    context.add_init_script(CLS_OBSERVER)
    watched = Watched(context.new_page(), server, f"{request.node.name}-phone")
    yield watched
    context.close()
