"""Compounds (小区) as they come: households only, names kept, residents entering the streets
through entrances, else where the outline meets a street, else an inside point — the same rule
as ``siting check``; and population grids (GeoTIFF and grid CSV) give the same coverage."""

from __future__ import annotations

import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from test_rows import CRS, X0, Y0, grid_layer

from siting.coverage import coverage
from siting.errors import MissingDependency
from siting.inputs import Development, access_points, demand_from_file, entrances_from_file
from siting.network import Network
from siting.standards import resolve_categories


def _b(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """The 1 km street grid of test_rows (streets every 100 m)."""
    p = grid_layer(tmp_path_factory.mktemp("grid") / "roads.gpkg")
    return Network.from_gdf(gpd.read_file(p))


def compounds_file(tmp, with_population=False):
    """Three compounds::

        A  [110, 170] × [110, 190]   no street meets it: its inside point (140, 150), 40 m from x = 100
        B  [310, 490] × [110, 190]   the street x = 400 runs through it: crossings (400, 110), (400, 190)
        C  [510, 590] × [110, 190]   one gate at (510, 150), 10 m from the street x = 500
    """
    g = gpd.GeoDataFrame({"编号": ["A", "B", "C"], "名称": ["和平里", "阳光花园", "书香苑"], "户数": ["100", "1,200", "50"]},
                         geometry=[_b(110, 110, 170, 190), _b(310, 110, 490, 190), _b(510, 110, 590, 190)], crs=CRS)
    if with_population:
        g["人口"] = ["300", "", ""]
    g.to_file(tmp / "xq.gpkg", driver="GPKG")
    gpd.GeoDataFrame({"名称": ["书香苑西门"]}, geometry=[Point(X0 + 510, Y0 + 150)], crs=CRS).to_crs(4326).to_file(
        tmp / "gates.geojson", driver="GeoJSON")
    return tmp / "xq.gpkg", tmp / "gates.geojson"


def test_households_only_population_is_households_times_size(tmp_path):
    p, _ = compounds_file(tmp_path)
    d = demand_from_file(p, to_crs=CRS)
    assert d["name"].tolist() == ["和平里", "阳光花园", "书香苑"] and d["rid"].tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(d["households"], [100, 1200, 50])
    np.testing.assert_allclose(d["population"], [262, 3144, 131])  # × 2.62, China's 2020 census average
    assert d["population_estimated"].all() and not d["households_estimated"].any()
    np.testing.assert_allclose(demand_from_file(p, to_crs=CRS, household_size=3.0)["population"], [300, 3600, 150])
    # the polygons are kept (network CRS) beside the points the analysis uses
    assert d["footprint"].iloc[1].equals(_b(310, 110, 490, 190))
    assert d.geometry.iloc[0].within(d["footprint"].iloc[0])
    # a compound with a population keeps it; the others are estimated
    q, _ = compounds_file(tmp_path, with_population=True)
    d = demand_from_file(q, to_crs=CRS)
    np.testing.assert_allclose(d["population"], [300, 3144, 131])
    assert d["population_estimated"].tolist() == [False, True, True]


def test_access_points_entrances_boundary_inside(tmp_path, grid):
    p, gates = compounds_file(tmp_path)
    d = demand_from_file(p, to_crs=CRS)
    ent = entrances_from_file(gates, d)
    assert ent["rid"].tolist() == ["C"]
    acc = access_points(grid, d["footprint"], entrances=ent.geometry, entrance_owner=ent["owner"].to_numpy())
    assert acc["kind"].tolist() == ["interior", "boundary", "boundary", "entrance"]
    xy = np.c_[acc.geometry.x - X0, acc.geometry.y - Y0].round(6)
    np.testing.assert_allclose(xy[[0, 3]], [[140, 150], [510, 150]])
    np.testing.assert_allclose(sorted(map(tuple, xy[1:3])), [(400, 110), (400, 190)])
    # distances from the best access point to a pharmacy on the street x = 0 at y = 150 (by hand):
    #   A: 40 to x = 100, 50 to y = 100 or 200, 100 west, 50 along x = 0  = 240
    #   B: on the street already, 10 along x = 400 to y = 100, 400 west, 50   = 460
    #   C: 10 to x = 500, 50 to y = 100, 500 west, 50                        = 610
    fac = gpd.GeoDataFrame({"fid": ["P"], "category": ["pharmacy"]}, geometry=[Point(X0, Y0 + 150)], crs=CRS)
    snap = grid.snap(acc, 300)
    cov = coverage(grid, d, fac, resolve_categories(["pharmacy"]), demand_snap=snap, demand_owner=acc["owner"].to_numpy())
    np.testing.assert_allclose(cov.residences["pharmacy_m"], [240, 460, 610])
    assert cov.residences["name"].tolist() == ["和平里", "阳光花园", "书香苑"]
    np.testing.assert_allclose(cov.residences["snap_m"], [40, 0, 10])


def test_siting_check_uses_the_same_access_points(tmp_path, grid):
    from siting.check.development import _access_points

    p, gates = compounds_file(tmp_path)
    d = demand_from_file(p, to_crs=CRS)
    for i, kind in ((0, "interior"), (1, "boundary")):
        poly = gpd.GeoDataFrame({"households": [1]}, geometry=[d["footprint"].iloc[i]], crs=CRS)
        dev = Development(str(i), None, poly, None, 1.0, None)
        acc, k, _ = _access_points(dev, poly, grid, 300)
        run_acc = access_points(grid, d["footprint"].iloc[[i]])
        assert k == kind
        assert [g.equals(h) for g, h in zip(acc.geometry, run_acc.geometry)] == [True] * len(acc)
    ent = gpd.read_file(gates).to_crs(CRS)
    poly = gpd.GeoDataFrame({"households": [1]}, geometry=[d["footprint"].iloc[2]], crs=CRS)
    acc, k, _ = _access_points(Development("C", None, poly, ent, 1.0, None), poly, grid, 300)
    assert k == "entrances" and acc["label"].tolist() == ["书香苑西门"]
    assert acc.geometry.iloc[0].distance(Point(X0 + 510, Y0 + 150)) < 1e-6


def test_entrance_next_to_no_compound_is_a_bad_row(tmp_path):
    from siting.inputs import RejectedRows

    p, _ = compounds_file(tmp_path)
    d = demand_from_file(p, to_crs=CRS)
    pts = [Point(X0 + 510, Y0 + 150), Point(X0 + 150, Y0 + 105), Point(X0 + 900, Y0 + 900)]
    gpd.GeoDataFrame({"名称": ["a", "b", "far"]}, geometry=pts, crs=CRS).to_file(tmp_path / "g.gpkg", driver="GPKG")
    rej = RejectedRows()
    ent = entrances_from_file(tmp_path / "g.gpkg", d, rejected=rej)
    assert ent["rid"].tolist() == ["C", "A"]
    f = rej.frame()
    assert f["row"].tolist() == [3] and f["reason"].tolist() == ["entrance_outside"]


# ------------------------------------------------------------------------------------------------
# population grids
# ------------------------------------------------------------------------------------------------
def _grid_values():
    rng = np.random.default_rng(3)
    v = rng.integers(1, 60, size=(8, 9)).astype("float32")
    v[0, 0] = v[3, 4] = -9999.0  # nodata
    v[5, 5] = 0.0
    v[2, 7] = np.nan
    return v


def write_raster(path, crs, origin, cell):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import Affine

    v = _grid_values()
    with rasterio.open(path, "w", driver="GTiff", height=v.shape[0], width=v.shape[1], count=1, dtype="float32",
                       crs=crs, transform=Affine(cell, 0.0, origin[0], 0.0, -cell, origin[1]), nodata=-9999.0) as ds:
        ds.write(v, 1)
    return v


def test_raster_and_grid_csv_give_identical_coverage(tmp_path, grid):
    # a WGS84 grid like WorldPop's, over the street grid: 0.001° cells from (116.4125, 39.909)
    origin, cell = (116.4125, 39.909), 0.001
    v = write_raster(tmp_path / "pop.tif", "EPSG:4326", origin, cell)
    rows, cols = np.nonzero(np.nan_to_num(v, nan=0) > 0)
    csv = pd.DataFrame({"lon": [repr(float(origin[0] + (c + 0.5) * cell)) for c in cols],
                        "lat": [repr(float(origin[1] - (r + 0.5) * cell)) for r in rows], "pop": v[rows, cols]})
    csv.to_csv(tmp_path / "pop.csv", index=False)
    a = demand_from_file(tmp_path / "pop.tif", to_crs=CRS, bounds=grid.bounds)
    b = demand_from_file(tmp_path / "pop.csv", to_crs=CRS, bounds=grid.bounds)
    assert len(a) == len(b) == len(rows) == 72 - 4  # two nodata, one zero, one NaN cell skipped
    np.testing.assert_allclose(a["population"], b["population"])
    np.testing.assert_allclose(np.c_[a.geometry.x, a.geometry.y], np.c_[b.geometry.x, b.geometry.y], atol=1e-6)
    fac = gpd.GeoDataFrame({"fid": ["P", "S"], "category": ["pharmacy", "supermarket"]},
                           geometry=[Point(X0 + 300, Y0 + 400), Point(X0 + 700, Y0 + 600)], crs=CRS)
    cats = resolve_categories(["pharmacy", "supermarket"])
    ca, cb = coverage(grid, a, fac, cats), coverage(grid, b, fac, cats)
    pd.testing.assert_frame_equal(ca.categories, cb.categories)
    assert 0 < ca.share("pharmacy") < 1


def test_projected_raster_cell_centres_by_hand(tmp_path, grid):
    v = write_raster(tmp_path / "m.tif", CRS, (X0, Y0 + 800), 100.0)
    d = demand_from_file(tmp_path / "m.tif", to_crs=CRS)
    r0 = d.iloc[0]  # the first populated cell is row 1, column 2 (row 1, column 1 is nodata)
    assert r0["rid"] == "r1c2" and r0["population"] == v[0, 1]
    assert (r0.geometry.x, r0.geometry.y) == (X0 + 150.0, Y0 + 750.0)
    np.testing.assert_allclose(d["households"], d["population"] / 2.62)


def test_raster_without_rasterio_says_how_to_install(tmp_path, monkeypatch):
    write_raster(tmp_path / "m.tif", CRS, (X0, Y0 + 800), 100.0)
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(MissingDependency, match=r'pip install "siting\[raster\]"'):
        demand_from_file(tmp_path / "m.tif", to_crs=CRS)


def test_accessibility_and_indicators_measure_from_the_gates(tmp_path, grid):
    """2SFCA with a pharmacy at (0, 150), 8 minutes = 480 m at 1 m/s: from their best access points
    A (240 m) and B (460 m) are in its catchment, C (610 m) is not, so A and B get 1000 / (262 + 3144)
    pharmacies per 1000 residents and C none. Measured from B's inside point (400, 150), B would be
    50 + 400 + 50 = 500 m away and out of reach."""
    from siting.access import accessibility

    p, gates = compounds_file(tmp_path)
    d = demand_from_file(p, to_crs=CRS)
    ent = entrances_from_file(gates, d)
    acc = access_points(grid, d["footprint"], entrances=ent.geometry, entrance_owner=ent["owner"].to_numpy())
    fac = gpd.GeoDataFrame({"fid": ["P"], "category": ["pharmacy"]}, geometry=[Point(X0, Y0 + 150)], crs=CRS)
    cats = resolve_categories(["pharmacy"])
    snap, owner = grid.snap(acc, 300), acc["owner"].to_numpy()
    cov = coverage(grid, d, fac, cats, demand_snap=snap, demand_owner=owner)
    a = accessibility(grid, cov.residences, fac, cats, demand_snap=snap, demand_owner=owner)
    np.testing.assert_allclose(a.residences["pharmacy_access"], [1000 / 3406, 1000 / 3406, 0])
    no_gates = accessibility(grid, cov.residences, fac, cats)
    np.testing.assert_allclose(no_gates.residences["pharmacy_access"], [1000 / 262, 0, 0])
