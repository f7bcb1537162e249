"""Map tiles by configuration, and where a stored (WGS-84) point is drawn on them.

``MAP_PROVIDER``:

- ``""`` (default): no base layer; the finder's map shows the stations and the worker only.
- ``xyz``: any OpenStreetMap-style ``{z}/{x}/{y}`` server in WGS-84 / Web Mercator (``MAP_TILE_URL``).
- ``tianditu``: 天地图, the state's map (CGCS2000, within centimetres of WGS-84), key ``TIANDITU_KEY``;
  the vector layer with its annotation layer on top.
- ``amap``: 高德 AMap/Gaode, whose tiles are drawn in GCJ-02: markers are moved into GCJ-02.

``MAP_TILE_URL`` replaces a provider's tile address (a local mirror, or the tests' fake tiles)
while keeping its coordinate system.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from core import geo

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)

PROVIDERS = {
    "xyz": {"url": "", "subdomains": "abc", "system": geo.WGS84, "attribution": "", "origins": []},
    "tianditu": {
        "url": TIANDITU.replace("{layer}", "vec"),
        "overlay": TIANDITU.replace("{layer}", "cva"),
        "subdomains": "01234567",
        "system": geo.WGS84,
        "attribution": "© 天地图 国家地理信息公共服务平台",
        "origins": ["https://*.tianditu.gov.cn"],
    },
    "amap": {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "subdomains": "1234",
        "system": geo.GCJ02,
        "attribution": "© 高德地图 AutoNavi",
        "origins": ["https://*.is.autonavi.com"],
    },
}


def provider_name(provider: str | None = None, tile_url: str | None = None) -> str:
    provider = (settings.MAP_PROVIDER if provider is None else provider or "").strip().lower()
    tile_url = settings.MAP_TILE_URL if tile_url is None else tile_url
    if not provider and tile_url:
        return "xyz"  # the configuration before providers: a plain tile address
    return provider if provider in PROVIDERS else ""


def tiles() -> dict:
    """What the page's map script needs: tile URL(s), subdomains, attribution, coordinate system."""
    name = provider_name()
    if not name:
        return {"provider": "", "url": "", "overlay": "", "subdomains": "", "attribution": "", "system": geo.WGS84}
    spec = PROVIDERS[name]
    url, overlay = settings.MAP_TILE_URL or spec["url"], "" if settings.MAP_TILE_URL else spec.get("overlay", "")
    if name == "tianditu":
        key = settings.TIANDITU_KEY
        if not key and not settings.MAP_TILE_URL:
            url = overlay = ""  # no key, no tiles: the map still shows the points
        url, overlay = url.replace("{key}", key), overlay.replace("{key}", key)
    return {
        "provider": name,
        "url": url,
        "overlay": overlay,
        "subdomains": spec["subdomains"] if "{s}" in url else "",
        "attribution": settings.MAP_TILE_ATTRIBUTION or spec["attribution"],
        "system": spec["system"],
    }


def display_point(lat: float, lng: float, system: str | None = None) -> tuple[float, float]:
    """A stored WGS-84 point in the tiles' system, rounded to 7 decimals (about a centimetre)."""
    system = system or tiles()["system"]
    d_lat, d_lng = geo.from_wgs84(lat, lng, system)
    return round(d_lat, 7), round(d_lng, 7)


def tile_origins(provider: str, tile_url: str, explicit: str = "") -> list[str]:
    """The image origins the Content-Security-Policy must allow (computed once, in settings)."""
    if explicit:
        return [explicit]
    if tile_url:
        parts = urlsplit(tile_url)
        host = "*." + parts.netloc.split(".", 1)[1] if "{s}" in parts.netloc and "." in parts.netloc else parts.netloc
        return [f"{parts.scheme}://{host}"] if parts.scheme and host else []
    name = provider_name(provider, tile_url)
    return list(PROVIDERS[name]["origins"]) if name else []
