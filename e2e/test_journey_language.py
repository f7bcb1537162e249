"""Journey 6: the language switches between Chinese and English on one page and back."""

import pytest

from e2e.conftest import login_staff

pytestmark = pytest.mark.e2e


def test_staff_switches_language_on_the_dashboard_and_back(desktop):
    login_staff(desktop, "district")
    page = desktop.page
    assert page.get_by_role("heading", name="工作台").is_visible()
    desktop.shot("zh")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="中文").is_visible()
    desktop.shot("en")
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="工作台").is_visible()
    desktop.assert_clean()
    desktop.assert_accessible()


def test_home_page_on_a_phone_shows_both_ways_in(phone):
    phone.goto("/")
    page = phone.page
    assert page.get_by_role("link", name="职工手机号登录").is_visible()
    phone.shot("home")
    phone.assert_clean()
    phone.assert_accessible()
