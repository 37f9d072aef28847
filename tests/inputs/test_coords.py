"""Tests of GCJ-02 / BD-09 / WGS84 conversions (siting.inputs.coords)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from siting.errors import CRSError
from siting.inputs.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    normalise_crs_name,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

R = 6371008.8  # mean Earth radius, metres


def metres(lon1, lat1, lon2, lat2):
    """Haversine distance in metres (arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * R * np.arcsin(np.sqrt(a))


# Published pairs, googollee/eviltransform python/test.py (commit 3416646):
# (wgs lat, wgs lng, gcj lat, gcj lng) for Shanghai, Shenzhen and Beijing.
EVILTRANSFORM_PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]
# (Its BD-09 pairs disagree with its own bd2wgs by 5–40 m, so they are not used here.)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM_PAIRS)
def test_wgs_to_gcj_published_pairs(wlat, wlon, glat, glon):
    x, y = wgs84_to_gcj02(wlon, wlat)
    assert abs(x - glon) < 1e-7 and abs(y - glat) < 1e-7


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM_PAIRS)
def test_gcj_to_wgs_published_pairs_exact(wlat, wlon, glat, glon):
    x, y = gcj02_to_wgs84(glon, glat)
    # eviltransform's own exact test allows 0.5 m; our iteration lands within 1e-7 degrees
    assert abs(x - wlon) < 1e-7 and abs(y - wlat) < 1e-7


def test_wandergis_coordtransform_pairs():
    # wandergis/coordtransform test/app.js (commit 2423246), input (116.404, 39.915):
    gx, gy = wgs84_to_gcj02(116.404, 39.915)
    assert abs(gx - 116.41024449916938) < 1e-9 and abs(gy - 39.91640428150164) < 1e-9
    bx, by = gcj02_to_bd09(116.404, 39.915)
    assert abs(bx - 116.41036949371029) < 1e-9 and abs(by - 39.92133699351021) < 1e-9
    # their bd09->gcj02 is the closed-form approximation (error ~1e-7 deg); ours is iterated
    cx, cy = bd09_to_gcj02(116.404, 39.915)
    assert abs(cx - 116.39762729119315) < 1e-6 and abs(cy - 39.90865673957631) < 1e-6
    # their gcj02->wgs84 is the one-step approximation; ours must be within a few metres of it
    wx, wy = gcj02_to_wgs84(116.404, 39.915)
    assert metres(wx, wy, 116.39775550083061, 39.91359571849836) < 5


@pytest.fixture(scope="module")
def china_points():
    rng = np.random.default_rng(20240601)
    # mainland China, roughly: 98–123 E, 21–45 N (well inside the bounding box)
    lon = rng.uniform(98, 123, 5000)
    lat = rng.uniform(21, 45, 5000)
    return lon, lat


def test_offset_is_a_few_hundred_metres(china_points):
    lon, lat = china_points
    gx, gy = wgs84_to_gcj02(lon, lat)
    d = metres(lon, lat, gx, gy)
    assert d.min() > 1 and d.max() < 1000


def test_gcj_round_trip_under_one_metre(china_points):
    lon, lat = china_points
    gx, gy = wgs84_to_gcj02(lon, lat)
    wx, wy = gcj02_to_wgs84(gx, gy)
    assert np.max(np.abs(wx - lon)) < 1e-7 and np.max(np.abs(wy - lat)) < 1e-7
    assert metres(lon, lat, wx, wy).max() < 1.0


def test_bd_round_trips_under_one_metre(china_points):
    lon, lat = china_points
    bx, by = wgs84_to_bd09(lon, lat)
    wx, wy = bd09_to_wgs84(bx, by)
    assert metres(lon, lat, wx, wy).max() < 1.0
    gx, gy = gcj02_to_bd09(lon, lat)
    hx, hy = bd09_to_gcj02(gx, gy)
    assert np.max(np.abs(hx - lon)) < 1e-7 and np.max(np.abs(hy - lat)) < 1e-7


def test_one_step_inverse_is_worse_than_ours(china_points):
    """The iteration matters: the naive inverse errs by metres, ours by < 1 cm."""
    from siting.inputs.coords import _gcj_offset

    lon, lat = china_points
    gx, gy = wgs84_to_gcj02(lon, lat)
    dx, dy = _gcj_offset(gx, gy)
    naive = metres(lon, lat, gx - dx, gy - dy)
    ours = metres(lon, lat, *gcj02_to_wgs84(gx, gy))
    assert naive.max() > 0.5
    assert ours.max() < 0.01


def test_outside_china_unchanged():
    lon = np.array([-0.1276, 2.3522, -74.006, 151.2093, 139.9])
    lat = np.array([51.5072, 48.8566, 40.7128, -33.8688, 60.0])
    assert not in_china(lon, lat).any()
    for f in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84):
        x, y = f(lon, lat)
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)


def test_mixed_and_shapes():
    lon = np.array([[116.4, -0.1], [121.5, 2.35]])
    lat = np.array([[39.9, 51.5], [31.2, 48.9]])
    x, _ = gcj02_to_wgs84(lon, lat)
    assert x.shape == (2, 2)
    assert x[0, 1] == -0.1 and x[1, 1] == 2.35
    assert x[0, 0] != 116.4
    x, _ = wgs84_to_gcj02(116.4, 39.9)
    assert np.ndim(x) == 0


def test_nan_passes_through():
    x, _ = gcj02_to_wgs84(np.array([116.4, np.nan]), np.array([39.9, np.nan]))
    assert np.isfinite(x[0]) and np.isnan(x[1])


def test_to_wgs84_geodataframe_points_and_polygons():
    gx, gy = wgs84_to_gcj02(np.array([116.40, 116.41]), np.array([39.90, 39.91]))
    pts = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(gx[0], gy[0]), Point(gx[1], gy[1])],
                           crs="EPSG:4326")
    out = to_wgs84(pts, crs="GCJ-02")
    assert out.crs.to_epsg() == 4326
    assert list(out["name"]) == ["a", "b"]
    assert abs(out.geometry.x.iloc[0] - 116.40) < 1e-7 and abs(out.geometry.y.iloc[1] - 39.91) < 1e-7
    assert pts.geometry.x.iloc[0] == gx[0]  # input untouched

    ring = [(116.40, 39.90), (116.42, 39.90), (116.42, 39.92), (116.40, 39.90)]
    bx, by = wgs84_to_bd09(np.array([p[0] for p in ring]), np.array([p[1] for p in ring]))
    poly = gpd.GeoSeries([Polygon(list(zip(bx, by)))], crs="EPSG:4326")
    back = to_wgs84(poly, crs="baidu")
    coords = np.asarray(back.iloc[0].exterior.coords)
    np.testing.assert_allclose(coords, np.array(ring), atol=1e-7)


def test_to_wgs84_arrays_and_errors():
    x, y = to_wgs84((np.array([116.41024449916938]), np.array([39.91640428150164])), crs="gcj02")
    assert abs(x[0] - 116.404) < 1e-7 and abs(y[0] - 39.915) < 1e-7
    with pytest.raises(CRSError, match="gcj02"):
        to_wgs84((x, y), crs="mars2000")
    with pytest.raises(CRSError, match="bd09mc"):
        normalise_crs_name("bd09mc")
    proj = gpd.GeoDataFrame(geometry=[Point(500000, 4400000)], crs="EPSG:32650")
    with pytest.raises(CRSError, match="projected"):
        to_wgs84(proj, crs="gcj02")


def test_crs_aliases():
    assert normalise_crs_name("Amap") == "gcj02"
    assert normalise_crs_name("GCJ-02") == "gcj02"
    assert normalise_crs_name("BD09LL") == "bd09"
    assert normalise_crs_name("EPSG:4326") == "wgs84"
