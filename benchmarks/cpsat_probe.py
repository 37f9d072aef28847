"""Probe: OR-Tools CP-SAT on the maximal covering cases of ``optimize_quality`` (not a back end of
siting; kept to rerun the measurement behind that decision, see docs/optimize.md).

    pip install ortools
    python -m benchmarks.cpsat_probe --case gen-A --seconds 60 [--workers 2]

The reduced model of siting (same reductions), Boolean y (sites) and x (demand rows),
``x_i <= sum_{j in N_i} y_j``, ``sum y <= p``, maximise ``sum w_i x_i`` (integral weights), the
greedy plan as a hint. Prints the value and bound CP-SAT reports, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def main(argv: list[str] | None = None) -> None:
    from ortools.sat.python import cp_model

    from benchmarks.optimize_quality import CASES, problem_of
    from siting.optimize.heuristics import greedy_max_cover
    from siting.optimize.reduce import reduce_problem

    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default="gen-A")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    instance, model, par = CASES[a.case]
    if model != "max_cover":
        raise SystemExit("the probe covers the maximal covering cases only")
    problem = problem_of(instance)
    p = int(par)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    red = reduce_problem(problem, use_cost=False)
    A = red.A.tocsr()
    m = cp_model.CpModel()
    y = [m.NewBoolVar(f"y{j}") for j in range(red.n_cols)]
    x = [m.NewBoolVar(f"x{i}") for i in range(red.n_rows)]
    for i in range(red.n_rows):
        m.Add(x[i] <= sum(y[j] for j in A.indices[A.indptr[i]:A.indptr[i + 1]]))
    m.Add(sum(y) <= p)
    w = np.rint(red.w).astype(int)
    m.Maximize(sum(int(w[i]) * x[i] for i in range(red.n_rows)))
    g = set(greedy_max_cover(red, p, None).tolist())
    for j in range(red.n_cols):
        m.AddHint(y[j], 1 if j in g else 0)
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.1, a.seconds - (time.perf_counter() - t0))
    s.parameters.num_search_workers = a.workers
    st = s.Solve(m)
    print(json.dumps({"case": a.case, "status": s.StatusName(st),
                      "objective": s.ObjectiveValue() + red.offset,
                      "bound": s.BestObjectiveBound() + red.offset,
                      "wall_s": time.perf_counter() - t0, "loadavg_1min_before": load}))


if __name__ == "__main__":
    main()
