"""Issue 26: WGS-84 / GCJ-02 / BD-09 against published reference points, and round trips < 1 m."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import geo

# The reference values published with wandergis/coordtransform (also the test data of hutool's
# CoordinateUtil), for the point lng 116.404, lat 39.915 (Tiananmen, Beijing).
LAT, LNG = 39.915, 116.404


def close(a, b, tol=1e-9):
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


def test_forward_formulas_match_the_published_values():
    assert close(geo.wgs84_to_gcj02(LAT, LNG), (39.91640428150164, 116.41024449916938))
    assert close(geo.gcj02_to_bd09(LAT, LNG), (39.92133699351021, 116.41036949371029))


def test_the_one_step_inverses_match_the_published_values():
    assert close(geo.bd09_to_gcj02_approx(LAT, LNG), (39.90865673957631, 116.39762729119315))


def test_the_exact_inverses_are_within_a_metre_of_the_published_approximations():
    # the published gcj02->wgs84 is one step of the iteration (error of metres at most)
    assert geo.distance_m(*geo.gcj02_to_wgs84(LAT, LNG), 39.91359571849836, 116.39775550083061) < 5
    assert geo.distance_m(*geo.bd09_to_gcj02(LAT, LNG), 39.90865673957631, 116.39762729119315) < 1


def test_outside_china_nothing_moves():
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert geo.gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


def test_the_offset_in_beijing_is_the_known_few_hundred_metres():
    moved = geo.distance_m(LAT, LNG, *geo.wgs84_to_gcj02(LAT, LNG))
    assert 400 < moved < 700


@settings(max_examples=300, deadline=None)
@given(st.floats(18.2, 53.0), st.floats(74.0, 134.5))
def test_round_trips_are_within_a_metre(lat, lng):
    for system in (geo.GCJ02, geo.BD09):
        back = geo.to_wgs84(*geo.from_wgs84(lat, lng, system), system)
        assert geo.distance_m(lat, lng, *back) < 1.0
        forth = geo.from_wgs84(*geo.to_wgs84(lat, lng, system), system)
        assert geo.distance_m(lat, lng, *forth) < 1.0


@pytest.mark.parametrize("system", geo.SYSTEMS)
def test_xicheng_round_trip_is_millimetres(system):
    lat, lng = 39.9123, 116.3661
    back = geo.to_wgs84(*geo.from_wgs84(lat, lng, system), system)
    assert geo.distance_m(lat, lng, *back) < 0.001
