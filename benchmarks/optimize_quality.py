"""Plan quality of ``siting.optimize`` under a time limit, on generated cities.

Builds large maximal-covering instances from :func:`siting.network.synthetic.generate_city` the way the
pipeline does (candidates = network nodes thinned to a spacing, sparse reachability by bounded
network searches, residences weighted by population), then

* ``reference``: long runs (HiGHS and CBC, ``--seconds`` each, default 900) whose best plan is
  the best-known value and whose best bound closes the gap as far as it can;
* ``limit``: repeated solves with a short limit (default 60 s), reporting the median plan
  value, its shortfall against the best known, and the wall time.

Run from the project root::

    python -m benchmarks.optimize_quality build
    python -m benchmarks.optimize_quality reference --instance A --solver highs --seconds 900
    python -m benchmarks.optimize_quality limit --instance A --solver cbc --seconds 60 --repeat 3

Instances are cached as ``.npz`` files under ``$SITING_BENCH_CACHE`` (default
``/tmp/siting-optimize-quality``); results are appended as JSON lines to ``results.jsonl``
there. The machine's load average is recorded with every run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("SITING_BENCH_CACHE", "/tmp/siting-optimize-quality"))

#: name -> (nodes, seed, candidate spacing m, reach m, p)
INSTANCES = {
    "A": (50_000, 1, 250.0, 500.0, 50),
    "B": (50_000, 1, 250.0, 500.0, 150),
    "C": (200_000, 2, 400.0, 500.0, 200),
    "D": (50_000, 3, 200.0, 800.0, 100),
}


def build_instance(name: str):
    """The instance's CoverageProblem and its p (cached on disk)."""
    from siting.optimize import CoverageProblem

    nodes, seed, spacing, within, p = INSTANCES[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"city{nodes}_s{seed}_sp{int(spacing)}_w{int(within)}.npz"
    if not path.exists():
        from siting.inputs import generate_candidates
        from siting.network import Network, pairs_within
        from siting.network.synthetic import generate_city

        t0 = time.perf_counter()
        city = generate_city(nodes, seed)
        net = Network.from_arrays(city.node_x, city.node_y, city.edge_u, city.edge_v,
                                  city.edge_length, crs=city.crs)
        cands = generate_candidates(net, spacing=spacing)
        res = city.residences
        csnap = net.snap(cands.geometry)
        dsnap = net.snap(res.geometry)
        pairs = pairs_within(net, csnap, dsnap, within)
        np.savez_compressed(
            path, demand=res["id"].astype(str).to_numpy().astype("U"),
            weight=res["population"].to_numpy(float),
            sites=cands["site_id"].astype(str).to_numpy().astype("U"),
            pd=pairs["target"].to_numpy(), ps=pairs["source"].to_numpy(),
            pm=pairs["metres"].to_numpy(), build_seconds=time.perf_counter() - t0)
    z = np.load(path, allow_pickle=False)
    demand, sites = z["demand"], z["sites"]
    problem = CoverageProblem.from_pairs(
        demand, z["weight"], sites, np.ones(sites.size), demand[z["pd"]], sites[z["ps"]],
        z["pm"], within)
    return problem, p


def _record(row: dict) -> None:
    row["load"] = os.getloadavg()
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "results.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


def run(name: str, solver: str, seconds: float, mode: str, warm: bool = True) -> dict:
    from siting.optimize import solve_max_cover

    problem, p = build_instance(name)
    t0 = time.perf_counter()
    plan = solve_max_cover(problem, p, solver=solver, time_limit=seconds, warm_start=warm)
    wall = time.perf_counter() - t0
    row = {"mode": mode, "instance": name, "solver": solver, "limit": seconds, "warm": warm,
           "status": plan.status, "objective": plan.objective, "bound": plan.bound,
           "gap": plan.gap, "heuristic": plan.heuristic_objective, "wall": wall,
           "sizes": dict(plan.sizes), "message": plan.message,
           "sites": list(plan.selected_sites)}
    _record(row)
    return row


def table() -> str:
    """Markdown table from ``results.jsonl``: best known per instance, median limited runs."""
    rows = [json.loads(line) for line in open(CACHE / "results.jsonl", encoding="utf-8")]
    out = ["| instance | best known | best bound | solver | limit | runs | median plan | "
           "shortfall | median wall s | load |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in INSTANCES:
        mine = [r for r in rows if r["instance"] == name and r["objective"] is not None]
        if not mine:
            continue
        best = max(r["objective"] for r in mine)
        bound = min((r["bound"] for r in mine if r["bound"] is not None), default=None)
        groups: dict = {}
        for r in mine:
            if r["mode"] == "limit":
                groups.setdefault((r["solver"], r["limit"], r.get("warm", True)), []).append(r)
        for (solver, limit, warm), rs in sorted(groups.items()):
            med = statistics.median(r["objective"] for r in rs)
            out.append(
                f"| {name} | {best:,.0f} | {bound:,.0f} | {solver}{'' if warm else ' (no start)'}"
                f" | {limit:g} | {len(rs)} | {med:,.0f} | {100 * (best - med) / best:.3f} % | "
                f"{statistics.median(r['wall'] for r in rs):.1f} | "
                f"{statistics.median(r['load'][0] for r in rs):.1f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["build", "reference", "limit", "table"])
    ap.add_argument("--instance", default="A", choices=sorted(INSTANCES))
    ap.add_argument("--solver", default="cbc", choices=["cbc", "highs"])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-start", action="store_true")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if a.what == "build":
        for name in INSTANCES:
            problem, p = build_instance(name)
            print(name, problem.n_demand, problem.n_sites, problem.cover.nnz, p)
    elif a.what == "table":
        print(table())
    else:
        for _ in range(a.repeat):
            run(a.instance, a.solver, a.seconds, a.what, warm=not a.no_start)


if __name__ == "__main__":
    main()
