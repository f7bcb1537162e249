"""Journey 2: the collector at a collection point picks 厨余垃圾 and scans three bags with a handheld
scanner (the scanner types the code and presses Enter), grades one 不合格 with a reason, and sees the
tally; the worker who owns the bags then sees their points and their place in the rankings move."""

import re
import time

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff, login_worker, uncollected_bags_of

pytestmark = pytest.mark.e2e
WORKER = "13800000001"


def _balance(worker) -> int:
    worker.goto("/bags/me/")
    return int(worker.page.locator(".big-number").first.inner_text().replace(",", ""))


def _my_score(worker) -> int:
    """The worker's own row on their union's weekly points board (0 when not on it yet)."""
    page = worker.page
    worker.goto("/bags/rankings/?period=week&metric=points")
    page.get_by_label("范围", exact=True).select_option(label="我所在的工会")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state("networkidle")
    me = page.locator("li.me .w-score")
    return int(re.sub(r"\D", "", me.first.inner_text())) if me.count() else 0


def test_collector_scans_three_bags_and_the_worker_sees_points_and_rank_move(phone, another, server):
    codes = uncollected_bags_of(server, WORKER, 3, top_up=True)
    assert len(codes) == 3, "the demo worker should have three bags to put out"
    worker = another("phone")
    login_worker(worker, WORKER)
    balance_before = _balance(worker)
    score_before = _my_score(worker)

    login_staff(phone, "collector")
    phone.goto("/bags/station/")
    page = phone.page
    page.get_by_role("button", name="厨余垃圾").click()
    assert page.get_by_role("button", name="厨余垃圾").get_attribute("aria-pressed") == "true"
    code_box = page.get_by_label("扫码枪扫码或输入编码后按回车")
    for n, code in enumerate(codes):
        if n == 2:
            page.locator("#grade").click()
            page.get_by_label("厨余带包装").check()
        code_box.click()
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        expect(page.locator("#t-bags")).to_have_text(str(n + 1))
    expect(page.locator("#t-pending")).to_have_text("0", timeout=20_000)
    expect(page.locator("#t-correct")).to_have_text("2")
    expect(page.locator("#t-wrong")).to_have_text("1")
    expect(page.locator("#recent li")).to_have_count(3)
    phone.shot("tally")
    phone.assert_clean()
    phone.assert_accessible()

    balance_after = _balance(worker)
    assert balance_after > balance_before, "two bags sorted right earn points"
    worker.shot("points-after")
    worker.assert_clean()
    deadline = time.time() + 20
    while (score := _my_score(worker)) <= score_before and time.time() < deadline:
        time.sleep(1)
    assert score > score_before, "the weekly board counts the new points"
    worker.shot("rankings-after")
    worker.assert_clean()
    worker.assert_accessible()
