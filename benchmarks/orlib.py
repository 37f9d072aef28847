"""The OR-Library p-median instances pmed1–pmed40 (Beasley 1985) and their published optima.

Each file is a graph: a first line ``n edges p``, then ``u v cost`` per undirected edge
(vertices 1..n). Every vertex is a demand point of weight 1 and a candidate site; distances are
shortest paths (scipy.sparse.csgraph). As the OR-Library notes say, an edge listed more than once
keeps its last cost.

Published optima (the instances' own ``pmedopt`` table): p-median from Beasley, J.E. (1985) "A note on
solving large p-median problems", *EJOR* 21:270–273; vertex p-center on the same graphs
from Daskin (1995) and Elloumi, Labbé & Pochet (2004), as tabulated by Pullan, W. (2008) "A
memetic genetic algorithm for the vertex p-center problem", *Evolutionary Computation*
16(3):417–436.

    python -m benchmarks.orlib --dir benchmarks/data/orlib --model p_median --time-limit 60

runs every ``pmedN.txt`` found in the folder (``tests/data/orlib`` holds pmed1–pmed5) and
prints objective, published optimum, status, gap and seconds, with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import numpy as np

#: pmedN -> optimal p-median objective (Beasley 1985).
PMEDIAN_OPT = dict(enumerate([
    5819, 4093, 4250, 3034, 1355, 7824, 5631, 4445, 2734, 1255, 7696, 6634, 4374, 2968, 1729,
    8162, 6999, 4809, 2845, 1789, 9138, 8579, 4619, 2961, 1828, 9917, 8307, 4498, 3033, 1989,
    10086, 9297, 4700, 3013, 10400, 9934, 5057, 11060, 9423, 5128], start=1))
#: pmedN -> optimal vertex p-center radius (Daskin 1995; Elloumi et al. 2004; Pullan 2008).
PCENTER_OPT = dict(enumerate([
    127, 98, 93, 74, 48, 84, 64, 55, 37, 20, 59, 51, 36, 26, 18, 47, 39, 28, 18, 13, 40, 38, 22,
    15, 11, 38, 32, 18, 13, 9, 30, 29, 15, 11, 30, 27, 15, 29, 23, 13], start=1))


def read_pmed(path: str | os.PathLike):
    """(distance matrix n×n, p) of an OR-Library pmed file (last cost of a repeated edge)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import shortest_path

    nums = Path(path).read_text().split()
    n, m, p = int(nums[0]), int(nums[1]), int(nums[2])
    e = np.array(nums[3:3 + 3 * m], dtype=np.int64).reshape(m, 3)
    cost: dict[tuple[int, int], int] = {}
    for u, v, c in e:
        a, b = (u - 1, v - 1) if u <= v else (v - 1, u - 1)
        cost[(a, b)] = int(c)  # the last occurrence wins
    keys = np.array(list(cost.keys()), dtype=np.int64)
    vals = np.array(list(cost.values()), dtype=float)
    G = sp.csr_matrix((vals, (keys[:, 0], keys[:, 1])), shape=(n, n))
    D = shortest_path(G, directed=False)
    return D, p


def problem_from_pmed(path: str | os.PathLike):
    """A :class:`siting.optimize.CoverageProblem` with every pair (all vertices, weight 1) and p."""
    from siting.optimize import CoverageProblem

    D, p = read_pmed(path)
    n = D.shape[0]
    ids = np.array([str(k + 1) for k in range(n)], dtype=object)
    i, j = np.nonzero(np.isfinite(D))
    return CoverageProblem.from_pairs(ids, np.ones(n), ids, np.ones(n), ids[i], ids[j], D[i, j],
                                      float(D[np.isfinite(D)].max()) + 1.0), p


def instance_number(path: str | os.PathLike) -> int:
    m = re.fullmatch(r"pmed(\d+)\.txt", Path(path).name)
    if not m:
        raise ValueError(f"{path}: not an OR-Library pmedN.txt file")
    return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    from siting.optimize import solve_p_center, solve_p_median

    ap = argparse.ArgumentParser(prog="python -m benchmarks.orlib", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default="tests/data/orlib", help="folder with pmedN.txt files")
    ap.add_argument("--model", choices=("p_median", "p_center", "both"), default="both")
    ap.add_argument("--solver", default="cbc")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", default=None, help="also write the rows as JSON lines to this file")
    a = ap.parse_args(argv)
    files = sorted(Path(a.dir).glob("pmed*.txt"), key=instance_number)
    models = ["p_median", "p_center"] if a.model == "both" else [a.model]
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| instance | n | p | model | objective | published | status | gap | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for f in files:
        k = instance_number(f)
        prob, p = problem_from_pmed(f)
        for model in models:
            t0 = time.perf_counter()
            if model == "p_median":
                plan = solve_p_median(prob, p, solver=a.solver, time_limit=a.time_limit)
                ref = PMEDIAN_OPT[k]
            else:
                plan = solve_p_center(prob, p, solver=a.solver, time_limit=a.time_limit)
                ref = PCENTER_OPT[k]
            secs = time.perf_counter() - t0
            row = {"instance": f.stem, "n": prob.n_demand, "p": p, "model": model,
                   "objective": plan.objective, "published": ref, "status": plan.status,
                   "gap": plan.gap, "seconds": round(secs, 2), "load1": os.getloadavg()[0]}
            rows.append(row)
            gap = "–" if plan.gap is None else f"{100 * plan.gap:.3f} %"
            print(f"| {f.stem} | {prob.n_demand} | {p} | {model} | {plan.objective:g} | {ref} | "
                  f"{plan.status} | {gap} | {secs:.1f} |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if a.out:
        with open(a.out, "a", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
    bad = [r for r in rows if r["status"] == "optimal" and abs(r["objective"] - r["published"]) > 1e-6]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
