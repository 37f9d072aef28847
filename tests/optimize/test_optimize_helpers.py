"""Shared helpers for the optimize tests: small random instances and brute-force optima."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from siting.optimize import CoverageProblem


def random_instance(seed: int, nd: int = 24, ns: int = 8, radius: float = 0.32, *,
                    n_existing: int = 1, dup: bool = True) -> CoverageProblem:
    """Random geometric instance in a 1000 m square; some demand points share a location
    (so rows merge) and costs are small integers (so ties and dominance occur)."""
    rng = np.random.default_rng(seed)
    pts = rng.random((nd, 2))
    if dup:
        pts[nd // 2:] = pts[: nd - nd // 2]  # duplicated locations, different weights
    sites = rng.random((ns, 2))
    w = rng.integers(1, 40, nd).astype(float)
    hh = rng.integers(1, 20, nd).astype(float)
    cost = rng.integers(1, 6, ns).astype(float)
    cap = rng.integers(10, 60, ns).astype(float)
    ex = np.zeros(ns, dtype=bool)
    ex[:n_existing] = True
    d = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
    i, j = np.nonzero(d <= radius * 1.3)  # some pairs beyond `within`: must be ignored
    return CoverageProblem.from_pairs(
        [f"d{k}" for k in range(nd)], w, [f"s{k}" for k in range(ns)], cost,
        [f"d{k}" for k in i], [f"s{k}" for k in j], d[i, j] * 1000.0, radius * 1000.0,
        households=hh, capacity=cap, existing=ex,
    )


def candidate_subsets(problem: CoverageProblem, max_size: int | None = None):
    cand = np.flatnonzero(~problem.existing)
    top = len(cand) if max_size is None else min(max_size, len(cand))
    for r in range(top + 1):
        yield from itertools.combinations(cand.tolist(), r)


def covered(problem: CoverageProblem, subset) -> float:
    return float(problem.weights[problem.covered_by(np.asarray(subset, dtype=int))].sum())


def brute_max_cover(problem, p=None, budget=None) -> float:
    best = 0.0
    for s in candidate_subsets(problem, p):
        if budget is not None and problem.costs[list(s)].sum() > budget + 1e-9:
            continue
        best = max(best, covered(problem, s))
    return best


def brute_target(problem, target, count=False) -> float | None:
    best = None
    need = target * problem.total_weight - 1e-9
    for s in candidate_subsets(problem):
        c = float(len(s)) if count else float(problem.costs[list(s)].sum())
        if (best is None or c < best) and covered(problem, s) >= need:
            best = c
    return best


def capacitated_value(problem, subset) -> float:
    """Largest served weight with these sites open, by a transportation LP (scipy, not pulp)."""
    open_ = np.zeros(problem.n_sites, dtype=bool)
    open_[list(subset)] = True
    open_ |= problem.existing
    A = problem.cover.tocoo()
    m = open_[A.col]
    r, c = A.row[m], A.col[m]
    if r.size == 0:
        return 0.0
    n = r.size
    obj = -problem.weights[r]
    rows_d = np.zeros((problem.n_demand, n))
    rows_d[r, np.arange(n)] = 1.0
    rows_s = np.zeros((problem.n_sites, n))
    rows_s[c, np.arange(n)] = problem.households[r]
    A_ub = np.vstack([rows_d, rows_s])
    b_ub = np.concatenate([np.ones(problem.n_demand), problem.capacity])
    res = linprog(obj, A_ub=A_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    assert res.status == 0
    return float(-res.fun)


def brute_capacitated(problem, p) -> float:
    return max(capacitated_value(problem, s) for s in candidate_subsets(problem, p))
