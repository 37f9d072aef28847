"""The live what-if measures compounds from their gates, as ``siting run`` does: by hand on three
compounds, and on the sample area (synthetic) against the run and against a fresh
:func:`siting.coverage.coverage` after a random sequence of operations; save and rerun."""

from __future__ import annotations

import json
import time

import geopandas as gpd
import numpy as np
import pytest
from _serve_util import assert_matches_fresh
from shapely.geometry import LineString, Point, box

from _util import ROOT
from siting.pipeline import run_scenario
from siting.scenario import load_scenario
from siting.serve import WhatIf
from siting.serve.files import save
from siting.serve.optimizer import Optimizer

CRS = "EPSG:32650"
X0, Y0 = 450_000.0, 4_417_000.0  # near 116.41°E, 39.90°N in UTM 50N

HAND = """
name = "gates"
title = "Three compounds (hand-made)"
lang = "en"
[network]
source = "roads.gpkg"
crs = "EPSG:32650"
[travel]
max_snap = "300 m"
[demand]
source = "xq.gpkg"
entrances = "gates.geojson"
[facilities]
source = "fac.geojson"
[categories]
use = ["pharmacy"]
complete_circle = ["pharmacy"]
[categories.overrides]
pharmacy = { threshold = "300 m" }
[map]
basemap = "none"
[output]
report = false
"""


def _xy(x, y):
    return X0 + x, Y0 + y


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """Streets every 100 m on [0, 600] × [0, 300] (local metres), a pharmacy P on the street x = 0
    at y = 150, and three compounds (户数 × 2.62 persons)::

        A  [110, 170] × [110, 190]   100 households; no street meets it: its inside point (140, 150),
                                     40 m from x = 100
        B  [310, 490] × [110, 190]   1,200 households; the street x = 400 crosses it: gates (400, 110)
                                     and (400, 190)
        C  [510, 590] × [110, 190]   50 households; one entrance at (510, 150), 10 m from x = 500
    """
    tmp = tmp_path_factory.mktemp("gates")
    lines = [LineString([_xy(0, y), _xy(600, y)]) for y in range(0, 301, 100)]
    lines += [LineString([_xy(x, 0), _xy(x, 300)]) for x in range(0, 601, 100)]
    gpd.GeoDataFrame({"name": [f"road {i}" for i in range(len(lines))]}, geometry=lines, crs=CRS).to_file(
        tmp / "roads.gpkg", driver="GPKG")
    boxes = [box(*_xy(110, 110), *_xy(170, 190)), box(*_xy(310, 110), *_xy(490, 190)), box(*_xy(510, 110), *_xy(590, 190))]
    gpd.GeoDataFrame({"id": ["A", "B", "C"], "name": ["A", "B", "C"], "households": [100, 1200, 50]}, geometry=boxes,
                     crs=CRS).to_file(tmp / "xq.gpkg", driver="GPKG")
    gpd.GeoDataFrame({"name": ["C west gate"]}, geometry=[Point(_xy(510, 150))], crs=CRS).to_crs(4326).to_file(
        tmp / "gates.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"fid": ["P"], "category": ["pharmacy"], "name": ["P"]}, geometry=[Point(_xy(0, 150))],
                     crs=CRS).to_crs(4326).to_file(tmp / "fac.geojson", driver="GeoJSON")
    (tmp / "gates.toml").write_text(HAND, encoding="utf-8")
    return run_scenario(load_scenario(tmp / "gates.toml"))


def _ll(w, x, y):
    return w.to_lonlat(*_xy(x, y))


def test_three_compounds_by_hand(hand):
    """Walks from the best access point, snap included (metres):

    * start (P only): A 40 + 50 to y = 100 + 100 west + 50 along x = 0 = 240; B 10 along x = 400 to
      y = 100 + 400 west + 50 = 460; C 10 + 50 + 500 + 50 = 610. Covered (300 m): A only.
    * a station S at (400, 300): B through its north gate 110 (the south one 190); C 10 + 50 to
      (500, 200) + 100 west + 100 north = 260; A keeps P (240; S is 40 + 50 + 300 + 100 = 490).
    * S moved to (400, 0): B 110 through its south gate now (north 190), C 10 + 50 + 100 + 100 = 260.
    * P switched off: A walks to S, 40 + 50 + 300 + 100 = 490, no longer covered.
    """
    w = WhatIf(hand)
    pop = np.array([262.0, 3144.0, 131.0])
    np.testing.assert_allclose(w.pop, pop)
    assert w.downer is not None and len(w.dsnap) == 4  # A inside, B two crossings, C its entrance
    st = w.states[0]
    np.testing.assert_allclose(st.distance, [240, 460, 610], atol=1e-6)
    s = w.summary()["categories"][0]
    assert s["share"] == pytest.approx(262 / 3537, abs=1e-12) == hand.coverage.share("pharmacy")
    b_gates = np.flatnonzero(w.downer == 1)
    from siting.network import snapped_xy

    gy = snapped_xy(w.net, w.dsnap)[1]
    north = b_gates[np.argmax(gy[b_gates])]
    assert gy[north] - Y0 == pytest.approx(190, abs=1e-6)

    a = w.add("pharmacy", [_ll(w, 400, 300)])
    sid = a["added"][0]
    np.testing.assert_allclose(st.distance, [240, 110, 260], atol=1e-6)
    assert a["changes"][0]["idx"] == [1, 2]  # A did not change
    assert a["summary"]["categories"][0]["share"] == pytest.approx(1.0, abs=1e-12)
    assert a["summary"]["categories"][0]["newly_covered_residences"] == 2
    assert a["summary"]["categories"][0]["newly_covered_population"] == pytest.approx(3275.0)
    assert a["summary"]["complete"]["share"] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(sorted(st.target_distance[b_gates]), [110, 190], atol=1e-6)
    assert st.target_distance[north] == pytest.approx(110, abs=1e-6)
    assert a["stations"][0]["serves_population"] == pytest.approx(3275.0)
    assert_matches_fresh(w, a["summary"])

    m = w.move(sid, *_ll(w, 400, 0))
    np.testing.assert_allclose(st.distance, [240, 110, 260], atol=1e-6)
    assert st.target_distance[north] == pytest.approx(190, abs=1e-6)  # B now walks out of its south gate
    assert_matches_fresh(w, m["summary"])

    f = w.set_facility("pharmacy", 0, False)
    np.testing.assert_allclose(st.distance, [490, 110, 260], atol=1e-6)
    c = f["summary"]["categories"][0]
    assert c["share"] == pytest.approx(3275 / 3537, abs=1e-12)
    assert c["lost_residences"] == 1 and c["lost_population"] == pytest.approx(262.0)
    assert f["changes"][0]["idx"] == [0] and f["changes"][0]["cov"] == "0"
    assert_matches_fresh(w, f["summary"])

    w.undo()
    np.testing.assert_allclose(st.distance, [240, 110, 260], atol=1e-6)
    r = w.remove(sid)
    np.testing.assert_allclose(st.distance, [240, 460, 610], atol=1e-6)
    assert r["summary"]["categories"][0]["share"] == pytest.approx(262 / 3537, abs=1e-12)
    assert_matches_fresh(w, r["summary"])


def test_no_fallback_is_logged(hand, caplog):
    with caplog.at_level("WARNING"):
        WhatIf(hand)
    assert not [r for r in caplog.records if "gate" in r.getMessage()]


@pytest.mark.slow
def test_best_next_station_counts_the_gates(hand, tmp_path):
    """The optimizer's pairs run from the access points: with P on, its best next station covers B
    and C (3,275 persons, e.g. the node (400, 200): B's north gate 10 m, C 10 + 50 + 100 = 160 m),
    the gain the brute force over the same candidates through the live engine finds."""
    w = WhatIf(hand)
    opt = Optimizer(w, tmp_path / "work")
    opt.start("pharmacy", 1, 20.0)
    t0 = time.time()
    while opt.status()["state"] not in ("done", "failed", "cancelled") and time.time() - t0 < 120:
        time.sleep(0.1)
    s = opt.status()
    assert s["state"] == "done" and s["status"] == "optimal", s
    base = w.summary()["categories"][0]["covered_population"]
    best = 0.0
    for g in opt._candidates(0).geometry:
        best = max(best, w.add("pharmacy", [w.to_lonlat(g.x, g.y)])["summary"]["categories"][0]["covered_population"] - base)
        w.undo()
    assert best == pytest.approx(3275.0) and s["newly_covered_population"] == pytest.approx(best)
    a = w.add("pharmacy", [(x["lon"], x["lat"]) for x in s["suggestions"]], origin="optimizer")
    assert a["summary"]["categories"][0]["covered_population"] - base == pytest.approx(best)


# ------------------------------------------------------------------------------------------------
# the sample area (synthetic, Chinese conventions): 12 compounds, entrances, outline crossings
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample():
    return run_scenario(load_scenario(ROOT / "scenarios" / "sample_cn.toml", overrides={"optimize": None}))


def test_sample_cn_starts_at_the_runs_numbers(sample):
    w = WhatIf(sample)
    assert w.downer is not None and len(w.dsnap) > len(w.pop)  # several access points for some compounds
    s = w.summary()
    for c in s["categories"]:
        assert c["share"] == sample.coverage.share(c["key"]), c["key"]
        assert c["share_start"] == c["share"]
    assert s["categories"][0]["key"] == "convenience_store" and s["categories"][0]["share"] == pytest.approx(0.3446, abs=1e-4)
    cov = sample.coverage.residences
    for k, key in enumerate(w.keys):
        np.testing.assert_array_equal(w.states[k].distance, cov[f"{key}_m"].to_numpy())
        np.testing.assert_array_equal(w.covered[k], cov[f"{key}_covered"].to_numpy())
    assert s["complete"]["share"] == pytest.approx(sample.coverage.complete_share, abs=1e-12)


def _near_gate(w, rng):
    """Map coordinates 20-120 m from a random access point (where gates matter)."""
    from siting.network import snapped_xy

    x, y = snapped_xy(w.net, w.dsnap)
    ok = np.flatnonzero(np.isfinite(x))
    i = int(rng.choice(ok))
    a, r = rng.uniform(0, 2 * np.pi), rng.uniform(20, 120)
    return w.to_lonlat(x[i] + r * np.cos(a), y[i] + r * np.sin(a))


def test_sample_cn_random_operations_equal_a_fresh_coverage(sample, tmp_path):
    w = WhatIf(sample)
    rng = np.random.default_rng(12)
    ops = []
    for _ in range(25):
        op = str(rng.choice(["add", "add", "move", "remove", "off", "on", "undo"]))
        k = int(rng.integers(len(w.keys)))
        key = w.keys[k]
        if op == "add":
            w.add(key, [_near_gate(w, rng) for _ in range(int(rng.integers(1, 3)))])
        elif op == "move" and w.stations:
            w.move(str(rng.choice(sorted(w.stations))), *_near_gate(w, rng))
        elif op == "remove" and w.stations:
            w.remove(str(rng.choice(sorted(w.stations))))
        elif op in ("off", "on"):
            on = np.flatnonzero(sample.coverage.facility_snap[key].reachable)
            if len(on):
                w.set_facility(key, int(rng.choice(on)), op == "on")
        elif op == "undo":
            w.undo()
        ops.append(op)
        assert_matches_fresh(w)
    assert {"add", "move", "remove", "off"} <= set(ops)
    assert any(s["share"] != s["share_start"] for s in w.summary()["categories"])
    # the page catches up with every residence that differs from the start
    got = {ch["cat"]: ch["idx"] for ch in w.state()["changes"]}
    for k in range(len(w.keys)):
        differ = (w.states[k].distance != w.start_distance[k]) | (w.covered[k] != w.start_covered[k])
        assert got.get(k, []) == np.flatnonzero(differ).tolist()


def test_sample_cn_save_and_siting_run_give_the_same_numbers(sample, tmp_path):
    from siting.cli import main

    w = WhatIf(sample)
    rng = np.random.default_rng(5)
    w.add("convenience_store", [_near_gate(w, rng)])
    w.add("health_station", [_near_gate(w, rng), _near_gate(w, rng)])
    w.set_facility("supermarket", int(np.flatnonzero(sample.coverage.facility_snap["supermarket"].reachable)[0]), False)
    paths = save(w, tmp_path / "out", "gates")
    text = paths["scenario"].read_text(encoding="utf-8")
    assert str((ROOT / "scenarios" / "sample_cn" / "entrances.geojson").resolve()) in text
    rc = main(["-q", "run", str(paths["scenario"]), "--out", str(tmp_path / "rerun"), "--map", str(tmp_path / "rerun.html"),
               "--no-progress"])
    assert rc == 0
    got = json.loads((tmp_path / "rerun" / "summary.json").read_text(encoding="utf-8"))
    shares = {c["category"]: c["share"] for c in got["coverage"]}
    s = w.summary()
    assert any(c["share"] != c["share_start"] for c in s["categories"])
    for c in s["categories"]:
        assert shares[c["key"]] == pytest.approx(c["share"], abs=1e-12), c["key"]
    assert got["complete_circle_share"] == pytest.approx(s["complete"]["share"], abs=1e-12)
