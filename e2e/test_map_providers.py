"""Issue 26: on each tile provider, a known station's marker sits on its reference position.

The tiles are fake and local (no network): Playwright answers every tile request with a PNG that
has a red cross where the reference point falls in the provider's own system — the published
GCJ-02 coordinates on AMap's tiles, WGS-84 on OSM-style and Tianditu's. The marker must be within
a few pixels of that cross's pixel, computed from the tile grid independently of Leaflet.

The server is pytest-django's live server (in this process), so each provider is one settings
change; the tile addresses are same-origin (the page's CSP allows only the site's own images).
"""

from __future__ import annotations

import io
import math
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from e2e.conftest import CHROMIUM, PHONE
from modules.stations.tests.factories import make_station

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The published pair (wandergis/coordtransform's reference values): WGS-84 → GCJ-02.
WGS = (39.915, 116.404)
GCJ = (39.91640428150164, 116.41024449916938)
ZOOM_TILE = 256

PROVIDERS = {
    "xyz": ("/__tiles__/osm/{z}/{x}/{y}.png", WGS),
    "tianditu": ("/__tiles__/tianditu/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}", WGS),
    "amap": ("/__tiles__/amap/appmaptile?x={x}&y={y}&z={z}", GCJ),
}


def world_pixel(lat: float, lng: float, z: int) -> tuple[float, float]:
    """Web Mercator (the grid of all three providers): the point's pixel in the whole world at zoom z."""
    scale = ZOOM_TILE * 2**z
    x = (lng + 180.0) / 360.0 * scale
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale
    return x, y


def tile_xyz(url: str) -> tuple[int, int, int]:
    if m := re.search(r"/(\d+)/(\d+)/(\d+)\.png", url):
        z, x, y = map(int, m.groups())
        return z, x, y
    q = dict(re.findall(r"([A-Za-z]+)=(\d+)", url))
    if "TILEMATRIX" in q:
        return int(q["TILEMATRIX"]), int(q["TILECOL"]), int(q["TILEROW"])
    return int(q["z"]), int(q["x"]), int(q["y"])


def fake_tile(reference):
    def handler(route):
        z, x, y = tile_xyz(route.request.url)
        img = Image.new("RGB", (ZOOM_TILE, ZOOM_TILE), (236, 240, 236))
        draw = ImageDraw.Draw(img)
        draw.rectangle([0, 0, ZOOM_TILE - 1, ZOOM_TILE - 1], outline=(200, 205, 200))
        px, py = world_pixel(*reference, z)
        lx, ly = px - x * ZOOM_TILE, py - y * ZOOM_TILE
        if 0 <= lx < ZOOM_TILE and 0 <= ly < ZOOM_TILE:
            draw.line([lx - 12, ly, lx + 12, ly], fill=(255, 0, 0), width=2)
            draw.line([lx, ly - 12, lx, ly + 12], fill=(255, 0, 0), width=2)
        out = io.BytesIO()
        img.save(out, "PNG")
        route.fulfill(body=out.getvalue(), content_type="image/png")

    return handler


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database work
    # (the live server's data) is synchronous and safe here.
    mp = pytest.MonkeyPatch()
    mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()
    mp.undo()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_station_marker_sits_on_its_reference_position(provider, chromium, live_server, world, settings):
    path, reference = PROVIDERS[provider]
    settings.MAP_PROVIDER, settings.MAP_TILE_URL, settings.TIANDITU_KEY = provider, live_server.url + path, "tk-test"
    make_station(world.district_staff, world.org_a1, name="天安门参照驿站", lat=WGS[0], lng=WGS[1], hours=["全天"] * 7)
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: r.url.startswith("http") and not r.url.startswith(live_server.url) and outside.append(r.url))
    page.route("**/__tiles__/**", fake_tile(reference))
    # the finder, from the station itself (one station on the map: Leaflet centres it at zoom 15)
    page.goto(f"{live_server.url}/stations/find/?lat={WGS[0]}&lng={WGS[1]}")
    page.get_by_role("button", name="在地图上查看").click()
    marker = page.locator("#st-map path.leaflet-interactive[stroke='#c8102e']").first
    expect(marker).to_be_attached()
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('#st-map img.leaflet-tile-loaded').length > 0")
    box = marker.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # where the tiles put the reference point: the tile holding it, plus the offset inside it
    tiles = page.eval_on_selector_all(
        "#st-map img.leaflet-tile-loaded",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.src, r.x, r.y, r.width]; })",
    )
    spots = []
    for src, tx, ty, width in tiles:
        z, x, y = tile_xyz(src)
        px, py = world_pixel(*reference, z)
        lx, ly = px - x * ZOOM_TILE, py - y * ZOOM_TILE
        if 0 <= lx < ZOOM_TILE and 0 <= ly < ZOOM_TILE:
            spots.append((tx + lx * width / ZOOM_TILE, ty + ly * width / ZOOM_TILE))
    assert spots, f"no loaded tile holds the reference point: {[t[0] for t in tiles][:4]}"
    off = math.dist(centre, spots[0])
    page.screenshot(path=f"e2e/screenshots/map-provider-{provider}.png")
    assert off <= 3, f"{provider}: marker {centre} is {off:.1f} px from the reference {spots[0]}"
    assert not outside, outside[:3]
    context.close()
