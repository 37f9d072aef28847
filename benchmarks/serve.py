"""Benchmark of ``siting serve``: click-to-updated-numbers server time (add, move, remove, switch off).

    python -m benchmarks.serve                 # the demo (Helsinki) and a generated city of ~300k residences
    python -m benchmarks.serve --quick         # a 2k-node generated city, 20 clicks (the smoke test)
    python -m benchmarks.serve --sizes demo --clicks 200
    python -m benchmarks.serve --sizes 100000 --gates 0,3   # the same city, residences as points and with 3 gates each

For each case the scenario is loaded once (``run_scenario``, no plan), then ``--clicks`` operations
are timed two ways: *engine* — the :class:`siting.serve.WhatIf` call that computes the changed
residences and the new summary (what the server spends per click, the ``server_ms`` of every
answer); *http* — the whole request on a loopback uvicorn server (JSON encoding and parsing
included; no browser). Clicks land 30 m beside random residences, in the category with the most
facilities (the 15-minute-city question "and if we put one here?"). Goal: under 100 ms at 300k.

``--gates N`` gives every residence N access points instead of its own point (synthetic gates, evenly
spaced on a 40 m circle around it, as a compound's gates are): the live state then tracks every
access point and takes each residence's best, as with compounds (:mod:`siting.inputs.access`);
comparing ``--gates 0,3`` on one city measures what that bookkeeping costs.

The generated city is **synthetic** (:func:`siting.network.synthetic.generate_city`, no real place).
Results: ``benchmarks/results/serve-<timestamp>.json`` and ``benchmarks/results/latest-serve.md``.
Load average is recorded beside every figure (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

_SYNTH = """
name = "{name}"
title = "Synthetic city (generated, not a real place)"
[network]
source = "synthetic:n={n},seed=1"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["convenience_store", "supermarket", "fresh_market", "pharmacy", "health_station", "elderly_care",
       "kindergarten", "post_parcel"]
[output]
report = false
"""


def _load(case: str, work: Path):
    from siting.pipeline import run_scenario
    from siting.scenario import load_scenario

    if case == "demo":
        sc = load_scenario(ROOT / "scenarios" / "demo.toml", overrides={"optimize": None})
    else:
        n = {"300k": 900_000, "quick": 2_000}.get(case) or int(case.rstrip("n"))
        p = work / f"{case}.toml"
        p.write_text(_SYNTH.format(name=f"bench_{case}", n=n), encoding="utf-8")
        sc = load_scenario(p)
    t0 = time.perf_counter()
    res = run_scenario(sc)
    return res, time.perf_counter() - t0


def _with_gates(res, n_gates: int):
    """The run with every residence entering the streets through ``n_gates`` access points on a 40 m
    circle around it (synthetic gates; the coverage of the run itself is left as it was: the live
    state measures the gates from scratch)."""
    import dataclasses

    import shapely

    r = res.coverage.residences
    x, y = shapely.get_x(r.geometry.values), shapely.get_y(r.geometry.values)
    owner = np.repeat(np.arange(len(r)), n_gates)
    a = np.tile(np.arange(n_gates) * 2 * np.pi / n_gates, len(r))
    pts = shapely.points(x[owner] + 40.0 * np.cos(a), y[owner] + 40.0 * np.sin(a))
    snap = res.network.snap(pts, res.scenario.max_snap_m)
    return dataclasses.replace(res, extras={**res.extras, "demand_snap": snap, "demand_owner": owner})


def _stats(xs: list[float]) -> dict:
    a = np.asarray(xs) * 1000
    return {"n": len(xs), "median_ms": round(float(np.median(a)), 2), "p90_ms": round(float(np.percentile(a, 90)), 2),
            "max_ms": round(float(a.max()), 2), "mean_ms": round(float(a.mean()), 2)}


def bench_case(case: str, clicks: int, work: Path, gates: int = 0, loaded: tuple | None = None) -> dict:
    """Time ``clicks`` operations of each kind on one case (engine and HTTP); ``gates`` access points
    per residence (0: the residences' own points)."""
    from siting.serve import WhatIf
    from siting.serve.app import create_app

    res, load_s = loaded if loaded is not None else _load(case, work)
    if gates:
        res = _with_gates(res, gates)
    t0 = time.perf_counter()
    w = WhatIf(res)
    state_s = time.perf_counter() - t0
    counts = [len(r) for r in w.fac_rows]
    k = int(np.argmax(counts))
    key = w.keys[k]
    rng = np.random.default_rng(0)
    r = w.residences.geometry
    pts = [w.to_lonlat(r.iloc[i].x + 30.0, r.iloc[i].y) for i in rng.integers(len(r), size=clicks)]
    times: dict[str, list[float]] = {"add": [], "move": [], "remove": [], "switch_off": [], "undo": []}
    changed = []
    for lon, lat in pts:
        t = time.perf_counter()
        a = w.add(key, [(lon, lat)])
        times["add"].append(time.perf_counter() - t)
        changed.append(sum(len(c["idx"]) for c in a["changes"]))
        sid = a["added"][0]
        lon2, lat2 = w.to_lonlat(w.stations[sid].x + 100.0, w.stations[sid].y)
        t = time.perf_counter()
        w.move(sid, lon2, lat2)
        times["move"].append(time.perf_counter() - t)
        t = time.perf_counter()
        w.remove(sid)
        times["remove"].append(time.perf_counter() - t)
        j = int(rng.integers(counts[k]))
        if w.res.coverage.facility_snap[key].reachable[j]:
            t = time.perf_counter()
            w.set_facility(key, j, False)
            times["switch_off"].append(time.perf_counter() - t)
            t = time.perf_counter()
            w.undo()
            times["undo"].append(time.perf_counter() - t)
    # the peer: what a tool without incremental updates pays per click, a fresh bounded search of the
    # category from all its facilities to every access point (the search siting run makes per category)
    from siting.network.reach import nearest

    fresh = []
    for _ in range(max(3, min(10, clicks // 10))):
        t = time.perf_counter()
        nearest(w.net, w.res.coverage.facility_snap[key], w.dsnap, limit=3.0 * float(w.threshold[k]))  # WhatIf's search_factor
        fresh.append(time.perf_counter() - t)
    # the same clicks over HTTP on a loopback uvicorn
    import socket
    import threading
    import urllib.request

    import uvicorn

    app = create_app(w, out_dir=work / "out", page="")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    th = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    while not server.started:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    def post(path: str, body: dict) -> dict:
        req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read())

    http: dict[str, list[float]] = {"add": [], "remove": []}
    bytes_add = []
    for lon, lat in pts:
        t = time.perf_counter()
        a = post("/api/add", {"category": key, "points": [{"lat": lat, "lon": lon}]})
        http["add"].append(time.perf_counter() - t)
        bytes_add.append(len(json.dumps(a)))
        t = time.perf_counter()
        post("/api/remove", {"id": a["added"][0]})
        http["remove"].append(time.perf_counter() - t)
    server.should_exit = True
    th.join(timeout=30)
    sock.close()
    return {
        "case": case, "gates": gates, "access_points": int(len(w.dsnap)), "residences": int(len(w.pop)), "nodes": int(res.network.n_nodes), "category": key,
        "threshold_m": float(w.threshold[k]), "facilities": counts[k], "categories": len(w.keys),
        "load_s": round(load_s, 2), "state_s": round(state_s, 2),
        "engine": {op: _stats(v) for op, v in times.items() if v},
        "fresh_search": _stats(fresh),
        "http": {op: _stats(v) for op, v in http.items()},
        "changed_residences_median": int(statistics.median(changed)) if changed else 0,
        "answer_bytes_median": int(statistics.median(bytes_add)) if bytes_add else 0,
        "loadavg_1min": os.getloadavg()[0],
    }


def _markdown(result: dict) -> str:
    m = result["machine"]
    lines = [f"# siting serve: click-to-updated-numbers ({result['created']})", "",
             f"{m['cores']} cores, {m['cpu']}, Python {m['python']}; load average (1 min) at the end of each case in the table. "
             "Server time: the engine call per click (what every answer reports as `server_ms`), and the whole request "
             "on loopback uvicorn. Medians (p90) over the clicks. Generated cities are synthetic, no real place.", "",
             "**fresh search** = the peer: one bounded multi-source search of the category from scratch (what a tool "
             "without incremental updates, or a rerun, pays per click, for the distances alone: no shares, no answer); "
             "**ratio** = fresh search / engine median (> 1: the live update is faster).", "",
             "| case | residences (access points) | nodes | category (facilities) | op | engine median (p90) ms | http median (p90) ms "
             "| fresh search median ms | ratio | load |",
             "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    def ratio(fresh: float | str, engine: float) -> str:
        if not isinstance(fresh, float) or engine <= 0:
            return ""
        x = fresh / engine
        return f"{x:.0f}×" if x >= 10 else f"{x:.2f}×"

    def label(c: dict) -> str:
        return c["case"] + (f" + {c['gates']} gates" if c.get("gates") else "")

    for c in result["cases"]:
        for op in ("add", "move", "remove", "switch_off", "undo"):
            e = c["engine"].get(op)
            h = c["http"].get(op)
            if e is None:
                continue
            hs = "" if h is None else f"{h['median_ms']} ({h['p90_ms']})"
            pts = c.get("access_points", c["residences"])
            fs = c["fresh_search"]["median_ms"] if "fresh_search" in c else ""
            lines.append(f"| {label(c)} | {c['residences']:,} ({pts:,}) | {c['nodes']:,} | {c['category']} ({c['facilities']:,}) | "
                         f"{op} | {e['median_ms']} ({e['p90_ms']}) | {hs} | {fs} | {ratio(fs, e['median_ms'])} | {c['loadavg_1min']:.2f} |")
    lines += ["", "Load once per case: " + "; ".join(f"{label(c)} run {c['load_s']} s + live state {c['state_s']} s, "
                                                     f"{c['changed_residences_median']} residences changed per add (median), "
                                                     f"answer {c['answer_bytes_median']:,} bytes" for c in result["cases"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the serve benchmark; write JSON and markdown into ``--results-dir``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="demo,300k", help="comma list: demo, 300k (a ~900k-node city), or a node count")
    ap.add_argument("--clicks", type=int, default=100, help="operations of each kind per case")
    ap.add_argument("--quick", action="store_true", help="a 2k-node generated city, 20 clicks")
    ap.add_argument("--gates", default="0", help="comma list of access points per residence (0 = its own point), e.g. 0,3")
    ap.add_argument("--results-dir", default=str(ROOT / "benchmarks" / "results"))
    a = ap.parse_args(argv)
    sizes = ["quick"] if a.quick else [s.strip() for s in a.sizes.split(",") if s.strip()]
    clicks = 20 if a.quick else a.clicks
    out = Path(a.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    cases = []
    with tempfile.TemporaryDirectory(prefix="siting-bench-serve-") as tmp:
        gate_counts = [int(g) for g in a.gates.split(",") if g.strip()]
        for s in sizes:
            loaded = _load(s, Path(tmp))
            for g in gate_counts:
                print(f"serve benchmark: {s}" + (f" + {g} gates" if g else "") + " ...", flush=True)
                c = bench_case(s, clicks, Path(tmp), gates=g, loaded=loaded)
                print(f"  add: engine {c['engine']['add']['median_ms']} ms, http {c['http']['add']['median_ms']} ms (median); "
                      f"remove: engine {c['engine']['remove']['median_ms']} ms (load {c['loadavg_1min']:.2f})", flush=True)
                cases.append(c)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {"created": stamp, "machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                                            "python": platform.python_version()}, "cases": cases}
    (out / f"serve-{stamp}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out / "latest-serve.md").write_text(_markdown(result), encoding="utf-8")
    print(f"wrote {out / 'latest-serve.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
