"""Journey 4: a worker looks for the nearest rest station that is open now. There are no map tiles
(an intranet with no map service): the list of stations still answers, by the phone's position or
by a street typed in."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
# 西单, inside 西城区
HERE = {"latitude": 39.9075, "longitude": 116.3740}


def test_worker_finds_the_nearest_open_station_by_position_without_map_tiles(another):
    worker = another("phone", geolocation=HERE, permissions=["geolocation"])
    page = worker.page
    outside = []
    page.on("request", lambda r: r.url.startswith("http") and worker.server.base_url not in r.url and outside.append(r.url))
    worker.goto("/stations/find/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("未配置地图底图")).to_be_visible()
    page.get_by_role("button", name="用我的位置查找").click()
    page.wait_for_url("**lat=*")
    page.wait_for_load_state("networkidle")
    first = page.locator(".st-list .st-item").first
    expect(first).to_contain_text("开放中")
    expect(first).to_contain_text("步行约")
    expect(page.locator("main")).to_contain_text("距离从")
    assert not outside, f"requests leaving the site: {outside[:3]}"
    worker.shot("by-position")
    # The map (Leaflet) loads only when asked for, and draws the stations with no tiles at all.
    page.get_by_role("button", name="在地图上查看").click()
    expect(page.locator("#st-map .leaflet-interactive").first).to_be_attached()
    assert page.locator("#st-map .leaflet-interactive").count() >= 2
    worker.shot("map-without-tiles")
    worker.assert_clean()
    worker.assert_accessible()


def test_worker_types_a_street_and_gets_stations_there(phone):
    page = phone.page
    phone.goto("/stations/find/")
    page.get_by_label("或输入街道、地址、地标").fill("月坛")
    page.get_by_role("button", name="查找", exact=True).click()
    page.wait_for_load_state("networkidle")
    items = page.locator(".st-list .st-item")
    assert items.count() > 0
    expect(items.first).to_contain_text("开放中")
    expect(items.first).to_contain_text("月坛")
    expect(page.locator("main")).not_to_contain_text("没有找到")
    phone.shot("by-street")
    phone.assert_clean()
    phone.assert_accessible()
