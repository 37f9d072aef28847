"""p-median (and p-center, attendance) at city scale: model size, time to optimum or gap in 60 s.

The instance: a generated city (:func:`siting.network.synthetic.generate_city`, **synthetic, no real
place**) with about 100 000 residential compounds (weights = population) and 20 000 candidate
sites on random street nodes, every (candidate, residence) pair within ``--within`` metres of
walking from bounded network searches (``siting.network.pairs_within``; sparse, never a matrix).
It is built once and cached as an ``.npz`` under ``$SITING_BENCH_CACHE`` (default
``/tmp/siting-location``).

Then ``solve_p_median(problem, p, time_limit=60)``: the table gives the pairs, the MIP size it
would have (columns = sites + pairs, rows = residences + pairs + 1), whether it was built (see
``siting.optimize.assign_solve.MIP_MAX_PAIRS``), the status, objective, bound, gap, the wall
time and the 1-minute load average before and after (the machine is shared).

    python -m benchmarks.location build                    # the instance (minutes, once)
    python -m benchmarks.location run --p 200 --solver cbc --time-limit 60
    python -m benchmarks.location run --model p_center --p 200
    python -m benchmarks.location run --quick              # a 20k-node city, 2k candidates

Results are appended as JSON lines to ``results.jsonl`` in the cache folder and printed as a
Markdown row.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("SITING_BENCH_CACHE", "/tmp/siting-location"))


def build(n_nodes: int, n_res: int, n_cand: int, within: float, seed: int = 0) -> Path:
    """The cached instance file (built when missing)."""
    import shapely

    from siting.network import Network, pairs_within
    from siting.network.synthetic import generate_city

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"city{n_nodes}_r{n_res}_c{n_cand}_w{int(within)}_s{seed}.npz"
    if path.exists():
        return path
    t0 = time.perf_counter()
    city = generate_city(n_nodes, seed=seed)
    net = Network.from_arrays(city.node_x, city.node_y, city.edge_u, city.edge_v, city.edge_length,
                              crs=city.crs)
    res = city.residences
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(res), size=min(n_res, len(res)), replace=False))
    res = res.iloc[keep]
    cand = np.sort(rng.choice(net.n_nodes, size=min(n_cand, net.n_nodes), replace=False))
    cx, cy = np.asarray(net.x)[cand], np.asarray(net.y)[cand]
    dsnap = net.snap(res.geometry)
    csnap = net.snap(shapely.points(cx, cy))
    t1 = time.perf_counter()
    pr = pairs_within(net, csnap, dsnap, within, progress=True)
    t2 = time.perf_counter()
    np.savez_compressed(
        path, weight=res["population"].to_numpy(float), n_sites=np.array(cand.size),
        ps=pr["source"].to_numpy(np.int64), pd=pr["target"].to_numpy(np.int64),
        pm=pr["metres"].to_numpy(float), n_nodes=np.array(net.n_nodes), within=np.array(within),
        build_s=np.array(t1 - t0), pairs_s=np.array(t2 - t1))
    logging.getLogger("benchmarks").info("instance %s: %d residences, %d candidates, %d pairs (%.0f s)",
                                         path.name, len(res), cand.size, len(pr), t2 - t0)
    return path


def problem(path: Path):
    from siting.optimize import CoverageProblem

    z = np.load(path)
    w = z["weight"]
    ns = int(z["n_sites"])
    dem = np.array([f"r{k}" for k in range(w.size)], dtype=object)
    sites = np.array([f"s{k}" for k in range(ns)], dtype=object)
    return CoverageProblem.from_pairs(dem, w, sites, np.ones(ns), dem[z["pd"]], sites[z["ps"]], z["pm"],
                                      float(z["within"])), z


def run(a: argparse.Namespace) -> dict:
    from siting.optimize import solve_attendance, solve_p_center, solve_p_median

    path = build(a.nodes, a.residences, a.candidates, a.within, a.seed)
    prob, z = problem(path)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    if a.model == "p_median":
        plan = solve_p_median(prob, a.p, solver=a.solver, time_limit=a.time_limit)
    elif a.model == "p_center":
        plan = solve_p_center(prob, a.p, solver=a.solver, time_limit=a.time_limit)
    else:
        plan = solve_attendance(prob, a.p, solver=a.solver, time_limit=a.time_limit, decay="linear")
    wall = time.perf_counter() - t0
    pairs = int(prob.cover.nnz)
    row = {
        "model": a.model, "solver": a.solver, "time_limit": a.time_limit, "p": a.p,
        "nodes": int(z["n_nodes"]), "residences": prob.n_demand, "candidates": prob.n_sites,
        "within_m": a.within, "pairs": pairs, "mip_cols": prob.n_sites + pairs,
        "mip_rows": prob.n_demand + pairs + 1, "mip_built": bool(plan.details.get("mip_built", False)),
        "status": plan.status, "objective": plan.objective, "bound": plan.bound, "gap": plan.gap,
        "mean_distance": plan.details.get("mean_distance"), "wall_s": round(wall, 1),
        "load1_before": load0, "load1_after": os.getloadavg()[0], "solver_used": plan.solver,
        "message": plan.message,
    }
    with open(CACHE / "results.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.location", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("build", "run"))
    ap.add_argument("--nodes", type=int, default=330_000, help="street nodes of the generated city")
    ap.add_argument("--residences", type=int, default=100_000)
    ap.add_argument("--candidates", type=int, default=20_000)
    ap.add_argument("--within", type=float, default=1000.0, help="maximum walk of the pairs, m")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", choices=("p_median", "p_center", "attendance"), default="p_median")
    ap.add_argument("--p", type=int, default=200)
    ap.add_argument("--solver", default="cbc")
    ap.add_argument("--time-limit", dest="time_limit", type=float, default=60.0)
    ap.add_argument("--quick", action="store_true", help="a 20k-node city, 2k candidates, p = 20")
    a = ap.parse_args(argv)
    if a.quick:
        a.nodes, a.residences, a.candidates, a.p = 20_000, 100_000, 2_000, 20
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if a.command == "build":
        print(build(a.nodes, a.residences, a.candidates, a.within, a.seed))
        return 0
    r = run(a)
    gap = "–" if r["gap"] is None else f"{100 * r['gap']:.3f} %"
    print("| model | solver | residences | candidates | pairs | MIP cols × rows (built) | status | objective | gap | "
          "wall s | load 1 min |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {r['model']} p={r['p']} | {r['solver']} | {r['residences']:,} | {r['candidates']:,} | {r['pairs']:,} | "
          f"{r['mip_cols']:,} × {r['mip_rows']:,} ({'yes' if r['mip_built'] else 'no'}) | {r['status']} | "
          f"{'–' if r['objective'] is None else format(r['objective'], '.6g')} | {gap} | {r['wall_s']} | "
          f"{r['load1_before']:.2f} → {r['load1_after']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
