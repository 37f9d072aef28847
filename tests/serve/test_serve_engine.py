"""The live what-if state: every operation equals a recomputation from scratch; save, rerun, export."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from _serve_util import assert_matches_fresh, city_run

from siting.errors import InputError
from siting.serve import WhatIf
from siting.serve.files import export, save
from siting.serve.optimizer import Optimizer


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return city_run(tmp_path_factory.mktemp("city"))


def _lonlat(w, k=0, rng=None, far=True):
    """A residence's position nudged 30 m, as map coordinates: the farthest from every facility when ``far``."""
    r = w.residences
    d = w.states[k].distance
    i = int(np.argmax(np.where(np.isfinite(d), d, 1e9))) if far else int(rng.integers(len(r)))
    p = r.geometry.iloc[i]
    return w.to_lonlat(p.x + 30.0, p.y)


def test_start_equals_the_run(run):
    w = WhatIf(run)
    assert_matches_fresh(w)
    s = w.summary()
    assert [c["share"] for c in s["categories"]] == [c["share_start"] for c in s["categories"]]
    assert s["categories"][0]["share"] == pytest.approx(run.coverage.share("pharmacy"), abs=1e-12)


def test_add_move_remove_undo_each_equal_fresh(run):
    w = WhatIf(run)
    before = w.summary()["categories"][0]["share"]
    a = w.add("pharmacy", [_lonlat(w)])
    sid = a["added"][0]
    c = assert_matches_fresh(w, a["summary"])
    after = a["summary"]["categories"][0]
    assert after["share"] > before and after["newly_covered_residences"] > 0
    assert after["newly_covered_population"] == pytest.approx(
        float(w.pop[c.residences["pharmacy_covered"].to_numpy() & ~w.start_covered[0]].sum()))
    # the changes name exactly the residences whose distance changed
    ch = a["changes"][0]
    assert ch["cat"] == 0 and len(ch["idx"]) == len(ch["min"]) == len(ch["cov"])
    lon, lat = w.to_lonlat(w.stations[sid].x + 120.0, w.stations[sid].y - 80.0)
    m = w.move(sid, lon, lat)
    assert_matches_fresh(w, m["summary"])
    assert [s["id"] for s in m["stations"]] == [sid]
    r = w.remove(sid)
    assert_matches_fresh(w, r["summary"])
    assert r["summary"]["categories"][0]["share"] == pytest.approx(before, abs=1e-12)
    u = w.undo()  # the station is back where it was moved to
    assert_matches_fresh(w, u["summary"])
    assert w.stations[sid].x == pytest.approx(w.to_xy(lon, lat)[0])
    w.undo()  # back before the move
    assert_matches_fresh(w)
    w.undo()  # no station
    assert not w.stations and w.summary()["categories"][0]["share"] == pytest.approx(before, abs=1e-12)
    assert w.undo()["changes"] == []  # nothing left to undo


def test_switch_facility_off_and_on(run):
    w = WhatIf(run)
    k = 1
    # the facility serving most residents
    n0 = len(w.fac_rows[k])
    served = np.bincount(w.states[k].source[(w.states[k].source >= 0) & w.covered[k]], minlength=n0)[:n0]
    j = int(np.argmax(served))
    a = w.set_facility("elderly_care", j, False)
    assert_matches_fresh(w, a["summary"])
    assert a["summary"]["categories"][k]["lost_residences"] == int(served[j]) - 0 or a["summary"]["categories"][k]["lost_residences"] > 0
    assert a["off"][0]["index"] == j
    b = w.set_facility("elderly_care", j, True)
    assert_matches_fresh(w, b["summary"])
    assert b["off"] == [] and b["summary"]["categories"][k]["lost_residences"] == 0
    w.set_facility("elderly_care", j, False)
    w.undo()
    assert_matches_fresh(w)
    assert not w.off


def test_random_sequence_stays_exact(run):
    w = WhatIf(run)
    rng = np.random.default_rng(3)
    for _ in range(25):
        op = rng.choice(["add", "add", "move", "remove", "off", "undo"])
        k = int(rng.integers(2))
        key = w.keys[k]
        if op == "add":
            w.add(key, [_lonlat(w, k, rng, far=False) for _ in range(int(rng.integers(1, 3)))])
        elif op == "move" and w.stations:
            sid = str(rng.choice(list(w.stations)))
            w.move(sid, *_lonlat(w, 0, rng, far=False))
        elif op == "remove" and w.stations:
            w.remove(str(rng.choice(list(w.stations))))
        elif op == "off":
            w.set_facility(key, int(rng.integers(len(w.fac_rows[k]))), False)
        elif op == "undo":
            w.undo()
        assert_matches_fresh(w)


def test_bad_requests_name_the_fix(run):
    w = WhatIf(run)
    with pytest.raises(InputError, match="use one of pharmacy, elderly_care"):
        w.add("bakery", [(0.0, 0.0)])
    with pytest.raises(InputError, match="not on the map"):
        w.remove("p999")
    with pytest.raises(InputError, match="1 to 50 points"):
        w.add("pharmacy", [])
    with pytest.raises(InputError, match="does not exist"):
        w.set_facility("pharmacy", 10_000, False)
    with pytest.raises(InputError, match="longitude/latitude"):
        w.to_xy(200.0, 10.0)


def test_save_and_siting_run_give_the_same_numbers(run, tmp_path):
    from siting.cli import main

    w = WhatIf(run)
    w.add("pharmacy", [_lonlat(w)])
    w.add("elderly_care", [_lonlat(w, 1)])
    w.set_facility("pharmacy", 0, False)
    paths = save(w, tmp_path / "out", "meeting1")
    assert paths["scenario"] == (tmp_path / "out" / "meeting1" / "scenario.toml").resolve()
    text = paths["stations"].read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,category,categories,cost,lon,lat")
    assert "[optimize]" not in paths["scenario"].read_text(encoding="utf-8")
    rc = main(["-q", "run", str(paths["scenario"]), "--out", str(tmp_path / "rerun"), "--map", str(tmp_path / "rerun.html"),
               "--no-progress"])
    assert rc == 0
    got = json.loads((tmp_path / "rerun" / "summary.json").read_text(encoding="utf-8"))
    shares = {c["category"]: c["share"] for c in got["coverage"]}
    s = w.summary()
    for c in s["categories"]:
        assert shares[c["key"]] == pytest.approx(c["share"], abs=1e-12), c["key"]
    assert got["complete_circle_share"] == pytest.approx(s["complete"]["share"], abs=1e-12)
    # the stations file is a candidates file siting reads
    from siting.inputs import candidates_from_file

    cands = candidates_from_file(paths["stations"], to_crs=run.network.crs, known_categories=w.keys)
    assert sorted(cands["site_id"]) == sorted(w.stations)


def test_save_refuses_names_that_leave_the_folder(run, tmp_path):
    w = WhatIf(run)
    for bad in ("../x", "a/b", ".hidden", "", "x" * 65, "a b"):
        with pytest.raises(InputError, match="letters, digits"):
            save(w, tmp_path / "out", bad)
    assert not (tmp_path / "x").exists() and not any((tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else True


def test_export_writes_what_siting_run_writes(run, tmp_path):
    w = WhatIf(run)
    w.add("pharmacy", [_lonlat(w)])
    paths = export(w, tmp_path, "exp")
    folder = tmp_path / "exp"
    assert (folder / "map.html").is_file() and (folder / "out" / "summary.json").is_file()
    assert (folder / "out" / "servecity-exp.gpkg").is_file()
    got = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    shares = {c["category"]: c["share"] for c in got["coverage"]}
    assert shares["pharmacy"] == pytest.approx(w.summary()["categories"][0]["share"], abs=1e-12)
    assert paths["run_map"] == folder / "map.html"
    html = (folder / "map.html").read_text(encoding="utf-8")
    assert "<b>&</b>" not in html  # the title from data is escaped


def _wait(opt, states=("done", "failed", "cancelled"), timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        s = opt.status()
        if s["state"] in states:
            return s
        time.sleep(0.1)
    raise AssertionError(f"optimizer still {opt.status()}")


@pytest.mark.slow
def test_optimizer_best_next_station_is_the_brute_force_best(run, tmp_path):
    w = WhatIf(run)
    opt = Optimizer(w, tmp_path / "work")
    s = opt.start("elderly_care", 1, 20.0)
    assert s["state"] == "preparing" and s["time_limit"] == 20.0
    s = _wait(opt)
    assert s["state"] == "done", s
    assert len(s["suggestions"]) == 1 and s["status"] == "optimal"
    gain = s["newly_covered_population"]
    # brute force over the same candidate sites: add each, measure, undo
    cands = opt._candidates(1)
    base = w.summary()["categories"][1]["covered_population"]
    best = 0.0
    for g in cands.geometry:
        lon, lat = w.to_lonlat(g.x, g.y)
        best = max(best, w.add("elderly_care", [(lon, lat)])["summary"]["categories"][1]["covered_population"] - base)
        w.undo()
    assert gain == pytest.approx(best, rel=1e-9)
    a = w.add("elderly_care", [(x["lon"], x["lat"]) for x in s["suggestions"]], origin="optimizer")
    assert a["summary"]["categories"][1]["covered_population"] - base == pytest.approx(gain, rel=1e-9)
    assert_matches_fresh(w, a["summary"])
    assert not any((tmp_path / "work").iterdir())  # the exchange files are gone


@pytest.mark.slow
def test_optimizer_cancel_ends_the_solver_process(run, tmp_path):
    import os

    w = WhatIf(run)
    opt = Optimizer(w, tmp_path / "work")
    opt.start("pharmacy", 5, 300.0)
    t0 = time.time()
    while opt._proc is None and opt.status()["state"] != "done" and time.time() - t0 < 60:
        time.sleep(0.02)
    proc = opt._proc
    s = opt.cancel()
    assert s["state"] in ("cancelled", "done")
    if proc is not None:
        assert proc.poll() is not None  # ended, not left running
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
    with pytest.raises(InputError, match="1 to 50"):
        opt.start("pharmacy", 0, 10.0)
