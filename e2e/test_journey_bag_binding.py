"""Journey 1: a worker scans a new bag's QR code (its /b/<code> link), logs in with a one-time code
sent to their phone, and the bag is bound to them; they land on their points page."""

import pytest

from e2e.conftest import demo_bag_codes

pytestmark = pytest.mark.e2e
# A bag's QR code is scanned with WeChat more than with anything else: this journey runs in WeChat's
# in-app browser too (conftest's phone_browser), not only in plain Chromium.
PHONE_BROWSERS = ("chromium", "wechat")


def test_worker_binds_a_bag_from_its_link_after_phone_login(phone, server):
    code = demo_bag_codes(server, 1)[0]
    page = phone.page
    phone.goto(f"/b/{code}")
    # Not logged in: the bag link sends the worker to the phone login and back.
    assert "/login/phone/" in page.url
    phone.shot("login")
    phone.assert_accessible()
    page.get_by_label("手机号").fill("13800000001")
    before = server.otp_count("13800000001")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("验证码").fill(server.otp_for("13800000001", after=before))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    assert "/bags/me/" in page.url
    assert page.get_by_text("绑定成功").is_visible()
    assert page.get_by_role("heading", name="积分余额").is_visible()
    phone.shot("bound")
    phone.assert_clean()
    phone.assert_accessible()
    # The bag is theirs now: opening the link again says so instead of binding again.
    phone.goto(f"/b/{code}")
    page.wait_for_load_state("networkidle")
    assert code not in demo_bag_codes(server, 20)
    phone.shot("mine")
    phone.assert_clean()
