"""`siting serve` on a network with one-way streets (the drive profile): the live numbers follow
the residents' direction (residence to facility) and equal a fresh coverage after every step.

The network is the serve tests' generated city (synthetic, no real place) with a third of its
streets made one-way in a random direction; the run is given that network."""

from __future__ import annotations

import numpy as np
import pytest
from _serve_util import SCENARIO, assert_matches_fresh

from siting.network import Network, nearest
from siting.pipeline import run_scenario, synthetic_city
from siting.scenario import load_scenario
from siting.serve import WhatIf


def directed_city(spec: str = "synthetic:n=2000,seed=3", seed: int = 1) -> Network:
    c = synthetic_city(spec)
    rng = np.random.default_rng(seed)
    u, v = c.edge_u.copy(), c.edge_v.copy()
    flip = rng.random(len(u)) < 0.5
    u[flip], v[flip] = c.edge_v[flip], c.edge_u[flip]
    return Network.from_arrays(c.node_x, c.node_y, u, v, c.edge_length, crs=c.crs, oneway=rng.random(len(u)) < 0.33)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oneway")
    p = folder / "servecity.toml"
    p.write_text(SCENARIO.format(lang="en", extra="[travel]\nprofile = \"drive\"\n"), encoding="utf-8")
    sc = load_scenario(p)
    assert sc.directed
    return run_scenario(sc, network=directed_city())


def test_the_run_measures_residence_to_facility(run):
    net = run.network
    assert net.directed and net.info["oneway_edges"] > 0
    k = "pharmacy"
    fs = run.coverage.facility_snap[k]
    ds = run.extras["demand_snap"]
    limit = run.categories[0].metres(run.scenario.speed_mps) * 3
    to = nearest(net, fs, ds, limit=limit).distance
    back = nearest(net, fs, ds, limit=limit, direction="from_sources").distance
    np.testing.assert_allclose(run.coverage.residences[f"{k}_m"].to_numpy(), to, atol=1e-9)
    assert (np.abs(np.nan_to_num(to, posinf=1e9) - np.nan_to_num(back, posinf=1e9)) > 1).sum() > 50


def test_live_steps_on_one_way_streets_equal_fresh(run):
    w = WhatIf(run)
    assert_matches_fresh(w)
    rng = np.random.default_rng(9)
    r = w.residences
    for _ in range(12):
        op = rng.choice(["add", "add", "move", "remove", "off", "undo"])
        k = int(rng.integers(2))
        p = r.geometry.iloc[int(rng.integers(len(r)))]
        if op == "add":
            w.add(w.keys[k], [w.to_lonlat(p.x + 25.0, p.y)])
        elif op == "move" and w.stations:
            w.move(str(rng.choice(list(w.stations))), *w.to_lonlat(p.x, p.y - 25.0))
        elif op == "remove" and w.stations:
            w.remove(str(rng.choice(list(w.stations))))
        elif op == "off":
            w.set_facility(w.keys[k], int(rng.integers(len(w.fac_rows[k]))), False)
        elif op == "undo":
            w.undo()
        assert_matches_fresh(w)
