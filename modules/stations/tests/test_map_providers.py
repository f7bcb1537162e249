"""Issue 26: tile providers by configuration; stations stored in WGS-84, drawn in the tiles' system;
coordinates picked in AMap (GCJ-02) or Baidu (BD-09) converted on the way in."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from core import geo, maps
from modules.stations import importing
from modules.stations.models import Station
from modules.stations.tests.factories import make_station
from modules.stations.tests.test_import import row, sheet

WGS = (39.9400, 116.3800)


def _map_data(client=None, **params) -> dict:
    body = (client or Client()).get(reverse("stations:find"), params).content.decode()
    return json.loads(body.split('id="st-map-data" type="application/json">')[1].split("</script>")[0])


@pytest.fixture
def station(world):
    return make_station(world.district_staff, world.org_a1, name="参照驿站", lat=WGS[0], lng=WGS[1], hours=["全天"] * 7)


def test_no_provider_means_no_tiles_and_wgs84_points(world, station, settings):
    settings.MAP_PROVIDER, settings.MAP_TILE_URL = "", ""
    data = _map_data()
    assert data["tiles"]["url"] == "" and data["tiles"]["system"] == "wgs84"
    assert (data["stations"][0]["lat"], data["stations"][0]["lng"]) == WGS


def test_xyz_keeps_wgs84(world, station, settings):
    settings.MAP_PROVIDER, settings.MAP_TILE_URL = "xyz", "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    data = _map_data()
    assert data["tiles"]["url"].startswith("https://{s}.tile.example.org") and data["tiles"]["subdomains"] == "abc"
    assert (data["stations"][0]["lat"], data["stations"][0]["lng"]) == WGS


def test_tianditu_uses_the_key_and_wgs84(world, station, settings):
    settings.MAP_PROVIDER, settings.MAP_TILE_URL, settings.TIANDITU_KEY = "tianditu", "", "tk-abc123"
    data = _map_data()
    assert "tianditu.gov.cn/vec_w/wmts" in data["tiles"]["url"] and "tk=tk-abc123" in data["tiles"]["url"]
    assert "cva_w" in data["tiles"]["overlay"] and data["tiles"]["system"] == "wgs84"
    assert (data["stations"][0]["lat"], data["stations"][0]["lng"]) == WGS
    settings.TIANDITU_KEY = ""
    assert _map_data()["tiles"]["url"] == ""  # no key: no tiles, the points still drawn


def test_amap_moves_the_markers_into_gcj02(world, station, settings):
    settings.MAP_PROVIDER, settings.MAP_TILE_URL = "amap", ""
    data = _map_data(lat="39.9401", lng="116.3801")
    assert "autonavi.com" in data["tiles"]["url"] and data["tiles"]["system"] == "gcj02"
    point = (data["stations"][0]["lat"], data["stations"][0]["lng"])
    assert geo.distance_m(*point, *geo.wgs84_to_gcj02(*WGS)) < 0.05
    assert geo.distance_m(*point, *WGS) > 300  # really moved: Beijing's offset is hundreds of metres
    origin = data["origin"]
    assert geo.distance_m(origin["lat"], origin["lng"], *geo.wgs84_to_gcj02(39.9401, 116.3801)) < 0.05


def test_csp_allows_the_providers_tiles():
    assert maps.tile_origins("amap", "") == ["https://*.is.autonavi.com"]
    assert maps.tile_origins("tianditu", "") == ["https://*.tianditu.gov.cn"]
    assert maps.tile_origins("", "https://tiles.example.org/{z}/{x}/{y}.png") == ["https://tiles.example.org"]
    assert maps.tile_origins("", "") == []


@pytest.mark.parametrize("named,convert", [("高德", geo.wgs84_to_gcj02), ("BD-09", geo.wgs84_to_bd09), ("WGS-84", lambda a, b: (a, b))])
def test_import_converts_picked_coordinates_by_the_column(world, named, convert):
    picked = convert(39.9300, 116.3800)
    values = row(world, "拾取驿站", lat=picked[0])
    values[7] = picked[1]
    from modules.stations.reports import EXPORT_HEADERS

    header = [*EXPORT_HEADERS, "坐标系"]
    result = importing.import_stations(actor=world.street_a_staff, upload=_sheet_with(header, [[*values, named]]))
    assert result.ok, result.errors
    s = Station.objects.get(name="拾取驿站")
    assert geo.distance_m(s.lat, s.lng, 39.9300, 116.3800) < 1.0


def test_import_converts_by_the_forms_choice_and_refuses_an_unknown_system(world):
    picked = geo.wgs84_to_bd09(39.9300, 116.3800)
    values = row(world, "百度驿站", lat=picked[0])
    values[7] = picked[1]
    result = importing.import_stations(actor=world.street_a_staff, upload=sheet([values]), crs="bd09")
    assert result.ok
    s = Station.objects.get(name="百度驿站")
    assert geo.distance_m(s.lat, s.lng, 39.9300, 116.3800) < 1.0
    from modules.stations.reports import EXPORT_HEADERS

    bad = importing.import_stations(
        actor=world.street_a_staff, upload=_sheet_with([*EXPORT_HEADERS, "坐标系"], [[*row(world, "错"), "墨卡托"]])
    )
    assert not bad.ok and bad.errors[0][1] == "坐标系" and "无效" in bad.errors[0][2]


def test_the_form_converts_an_amap_pick(world):
    client = world.client_for(world.admin_a1)
    lat, lng = geo.wgs84_to_gcj02(39.9300, 116.3800)
    data = {
        "name": "高德拾取驿站",
        "host": world.org_a1.pk,
        "kind": "shop",
        "address": "西城区某路1号",
        "lat": f"{lat:.6f}",
        "lng": f"{lng:.6f}",
        "crs": "gcj02",
        "capacity": "6",
        **{f"hours_{d}": "08:00-20:00" for d in range(7)},
    }
    assert client.post(reverse("stations:create"), data).status_code == 302
    s = Station.objects.get(name="高德拾取驿站")
    assert geo.distance_m(s.lat, s.lng, 39.9300, 116.3800) < 0.2  # 6 decimals typed ≈ 0.1 m


def _sheet_with(header, rows):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("stations.xlsx", out.getvalue())
