"""A tiny hand-made run for the map and report tests (no OSM parsing, a second to build).

A 6 × 6 street grid, 100 m blocks, in UTM 50N near 38° N, 117° E (inside China, so the GCJ-02
shift applies). Residences on a diagonal; two pharmacies (one named with HTML that must show as
text, one with a long Chinese name) and one supermarket; one proposed pharmacy.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.coverage import coverage
from siting.network import Network
from siting.results import RunResult
from siting.scenario import Scenario

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 4_200_000.0
EVIL = "<script>alert(1)</script>"
LONG_ZH = "社区卫生服务站（" + "很长的名字" * 8 + "）"


def grid_network(n: int = 6, step: float = 100.0) -> Network:
    """An ``n × n`` grid of nodes ``step`` metres apart, edges between 4-neighbours."""
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = X0 + jj.ravel() * step
    y = Y0 + ii.ravel() * step
    idx = np.arange(n * n).reshape(n, n)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    return Network.from_arrays(x, y, u, v, crs=CRS)


def tiny_run(lang: str = "en", *, basemap: str = "osm", n_res: int = 12, plan: bool = True) -> RunResult:
    """The tiny run (see the module docstring)."""
    sc = Scenario.model_validate({
        "name": "tiny", "title": f"Tiny <b>test</b> {EVIL} 测试", "lang": lang,
        "categories": {"use": ["pharmacy", "supermarket"], "complete_circle": ["pharmacy", "supermarket"],
                       "overrides": {"pharmacy": {"threshold": "250 m"}, "supermarket": {"threshold": "300 m"}}},
        "map": {"category": "pharmacy", "basemap": basemap},
    })
    cats = sc.resolved_categories()
    net = grid_network()
    t = np.linspace(10, 490, n_res)
    demand = gpd.GeoDataFrame(
        {"rid": [f"r{i}" for i in range(n_res)], "population": np.arange(1, n_res + 1) * 10.0,
         "households": np.arange(1, n_res + 1) * 4.0},
        geometry=gpd.points_from_xy(X0 + t, Y0 + t + 3.0), crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {"fid": ["f1", "f2", "f3"], "category": ["pharmacy", "pharmacy", "supermarket"],
         "name": [EVIL, LONG_ZH, "Super & Co"]},
        geometry=gpd.points_from_xy([X0 + 0, X0 + 500, X0 + 250], [Y0 + 0, Y0 + 500, Y0 + 0]), crs=CRS,
    )
    snap = net.snap(demand, 150.0)
    cov = coverage(net, demand, fac, cats, speed_mps=1.0, max_snap=150.0, demand_snap=snap)
    extras: dict = {"demand_snap": snap}
    if plan:
        prop = gpd.GeoDataFrame(
            {"site_id": [f"site{EVIL}"], "category": ["pharmacy"], "newly_covered_population": [123.0],
             "newly_covered_residences": [3], "cost": [1.0], "floor_area_m2": [200.0]},
            geometry=gpd.points_from_xy([X0 + 250], [Y0 + 250]), crs=CRS,
        )
        before = cov.share("pharmacy")
        extras["proposed"] = prop
        extras["tables"] = {"plan_coverage": pd.DataFrame([{
            "category": "pharmacy", "share_before": before, "share_after": min(1.0, before + 0.2), "new_stations": 1,
            "cost": 1.0, "status": "optimal", "objective": 1.0, "bound": 1.0, "gap": 0.0, "solver": "cbc",
            "solve_seconds": 0.01, "message": "",
        }])}
    return RunResult(sc, net, cats, demand, fac, cov, {}, [f"note with {EVIL}"], extras)


def threshold_run(lang: str = "en", *, stray: bool = False, footprints: bool = False) -> RunResult:
    """A 10 × 10 grid (100 m blocks) with one pharmacy at the south-west corner, threshold 8 min
    (480 m at 1 m/s), and four residents whose walks are known by hand:

    ====  ==============  =========  ==============================================
    rid   position (m)    walk (m)   class against 8 min (480 m; 1.5 × = 720 m)
    ====  ==============  =========  ==============================================
    in    (300, 0)        300        within the threshold (5.0 min)
    just  (500, 52)       552        just beyond (9.2 min)
    far   (500, 300)      800        far (13.3 min)
    none  (900, 900)      1800       none within 3 × 480 = 1440 m
    ====  ==============  =========  ==============================================

    Every point lies on a street (no snapping distance). The supermarket (300 m threshold) is at
    the north-east corner. ``stray``: a second pharmacy 40 km away, off the network (the map must
    not frame on it). ``footprints``: each resident is a 20 m square compound with a name.
    """
    sc = Scenario.model_validate({
        "name": "thresholds", "title": "Thresholds", "lang": lang,
        "network": {"source": "synthetic:n=100,seed=0"}, "demand": {"source": "synthetic"},
        "facilities": {"source": "synthetic"},
        "categories": {"use": ["pharmacy", "supermarket"], "complete_circle": ["pharmacy", "supermarket"],
                       "overrides": {"pharmacy": {"threshold": "8 min"}, "supermarket": {"threshold": "300 m"}}},
        "map": {"category": "pharmacy", "basemap": "none"},
    })
    cats = sc.resolved_categories()
    net = grid_network(10, 100.0)
    xy = np.array([(300, 0), (500, 52), (500, 300), (900, 900)], dtype=float)
    names = ["in", "just", "far", "none"]
    demand = gpd.GeoDataFrame(
        {"rid": names, "population": [100.0, 200.0, 300.0, 400.0], "households": [40.0, 80.0, 120.0, 160.0]},
        geometry=gpd.points_from_xy(X0 + xy[:, 0], Y0 + xy[:, 1]), crs=CRS,
    )
    if footprints:
        from shapely.geometry import box

        demand["footprint"] = gpd.GeoSeries([box(X0 + x - 10, Y0 + y + 2, X0 + x + 10, Y0 + y + 22) for x, y in xy], crs=CRS)
        demand["name"] = [f"{n}小区" for n in ("阳光", "和平", "幸福", "远郊")]
    fx = [0.0, 900.0] + ([40_000.0] if stray else [])
    fy = [0.0, 900.0] + ([40_000.0] if stray else [])
    fac = gpd.GeoDataFrame(
        {"fid": ["p1", "s1"] + (["p_far"] if stray else []), "category": ["pharmacy", "supermarket"] + (["pharmacy"] if stray else []),
         "name": ["Pharmacy One", "Super"] + (["Stray pharmacy"] if stray else [])},
        geometry=gpd.points_from_xy(X0 + np.array(fx), Y0 + np.array(fy)), crs=CRS,
    )
    snap = net.snap(demand, 150.0)
    cov = coverage(net, demand, fac, cats, speed_mps=1.0, max_snap=150.0, demand_snap=snap)
    return RunResult(sc, net, cats, demand, fac, cov, {}, [], {"demand_snap": snap})


def plan_run_two(lang: str = "en") -> RunResult:
    """The tiny run with proposed pharmacies and supermarkets: one site with both, one with a pharmacy
    only, one with a supermarket only."""
    run = tiny_run(lang)
    prop = gpd.GeoDataFrame(
        {"site_id": ["both", "both", "ph", "su"], "category": ["pharmacy", "supermarket", "pharmacy", "supermarket"],
         "newly_covered_population": [50.0, 60.0, 20.0, 30.0], "newly_covered_residences": [2, 3, 1, 1],
         "cost": [1.0, 1.0, 1.0, 1.0], "floor_area_m2": [200.0, 300.0, 200.0, 300.0]},
        geometry=gpd.points_from_xy([X0 + 250, X0 + 250, X0 + 100, X0 + 400], [Y0 + 250, Y0 + 250, Y0 + 400, Y0 + 100]),
        crs=CRS,
    )
    extras = dict(run.extras)
    extras["proposed"] = prop
    return RunResult(run.scenario, run.network, run.categories, run.demand, run.facilities, run.coverage, {}, run.notes, extras)
