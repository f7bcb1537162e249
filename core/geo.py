"""Coordinates in China: WGS-84 (GPS, Tianditu's CGCS2000 within centimetres), GCJ-02 (AMap/Gaode,
Tencent maps: the state's obfuscated system) and BD-09 (Baidu: GCJ-02 shifted once more).

The platform stores WGS-84. A map drawn on GCJ-02 tiles needs its markers moved into GCJ-02, and a
point picked in AMap's or Baidu's coordinate picker (拾取坐标系统) comes in GCJ-02 or BD-09 and is
moved back on import. The forward formulas are the published ones; there is no closed inverse, so
the way back is a fixed-point iteration until the forward image is within 1e-10 degrees (about
0.01 mm) of the given point. Outside mainland China's bounding box GCJ-02 equals WGS-84.
"""

from __future__ import annotations

import math

WGS84, GCJ02, BD09 = "wgs84", "gcj02", "bd09"
SYSTEMS = (WGS84, GCJ02, BD09)

# Krasovsky 1940, the ellipsoid of the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def out_of_china(lat: float, lng: float) -> bool:
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _delta_lat(x: float, y: float) -> float:
    d = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return d


def _delta_lng(x: float, y: float) -> float:
    d = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return d


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if out_of_china(lat, lng):
        return lat, lng
    d_lat = _delta_lat(lng - 105.0, lat - 35.0)
    d_lng = _delta_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lng + d_lng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02_approx(lat: float, lng: float) -> tuple[float, float]:
    """The published one-step inverse (good to a few decimetres): the iteration's first guess."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def _invert(forward, lat: float, lng: float, guess: tuple[float, float]) -> tuple[float, float]:
    g_lat, g_lng = guess
    for _ in range(30):
        f_lat, f_lng = forward(g_lat, g_lng)
        e_lat, e_lng = f_lat - lat, f_lng - lng
        if abs(e_lat) < 1e-10 and abs(e_lng) < 1e-10:
            break
        g_lat, g_lng = g_lat - e_lat, g_lng - e_lng
    return g_lat, g_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    if out_of_china(lat, lng):
        return lat, lng
    return _invert(wgs84_to_gcj02, lat, lng, (lat, lng))


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    return _invert(gcj02_to_bd09, lat, lng, bd09_to_gcj02_approx(lat, lng))


def wgs84_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def bd09_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


_TO_WGS84 = {WGS84: lambda lat, lng: (lat, lng), GCJ02: gcj02_to_wgs84, BD09: bd09_to_wgs84}
_FROM_WGS84 = {WGS84: lambda lat, lng: (lat, lng), GCJ02: wgs84_to_gcj02, BD09: wgs84_to_bd09}


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    return _TO_WGS84[system](lat, lng)


def from_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    return _FROM_WGS84[system](lat, lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


_ALIASES = {
    WGS84: ("wgs84", "wgs-84", "wgs 84", "gps", "cgcs2000", "天地图", "北斗"),
    GCJ02: ("gcj02", "gcj-02", "gcj", "高德", "amap", "gaode", "火星", "腾讯"),
    BD09: ("bd09", "bd-09", "bd09ll", "百度", "baidu"),
}


def parse_system(text: str) -> str | None:
    """A coordinate system named as people name it ("高德", "GCJ-02", "百度坐标"…); None if unknown."""
    t = (text or "").strip().lower().replace("坐标系", "").replace("坐标", "").strip()
    for system, names in _ALIASES.items():
        if any(t == n or t.startswith(n) for n in names):
            return system
    return None


def to_wgs84_rounded(lat, lng, system: str):
    """Convert a picked point to WGS-84 for storage (7 decimals, about a centimetre); non-numbers pass."""
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        return lat, lng
    w_lat, w_lng = to_wgs84(lat_f, lng_f, system)
    return round(w_lat, 7), round(w_lng, 7)
