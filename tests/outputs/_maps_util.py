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
