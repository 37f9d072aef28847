"""Benders decomposition of maximal covering on the site variables only (private plumbing of
:mod:`siting.optimize`; measured against the engine, not used by ``solver="auto"`` — see
docs/optimize.md, *Measured*).

After Cordeau, Furini & Ljubić (2019), "Benders decomposition for very large scale partial
set covering and maximal covering location problems", *European Journal of Operational
Research* 275(3):882–896. Maximal covering with p sites::

    max sum_i w_i z_i   s.t.  z_i <= sum_{j in N_i} y_j,  z_i <= 1,  sum_j y_j <= p,  y binary

Projecting out z gives the master ``max theta`` s.t. ``theta <= f(y) = sum_i w_i min(1,
sum_{j in N_i} y_j)``; f is concave, and for any point ``y*`` (fractional or integral) the
Benders cut (the subproblem's dual at ``y*``, the paper's eq. (8))::

    theta <= sum_{i: s_i >= 1} w_i + sum_j y_j * sum_{i in N_j, s_i < 1} w_i,
    s_i = sum_{j in N_i} y*_j

is valid and tight at ``y*``. There is one variable per site and one dense row per cut,
never a row per demand point. This module implements the paper's two phases as far as
HiGHS allows (it offers no lazy-constraint callback, so no branch-and-Benders-cut):

1. **the LP relaxation by a cutting-plane loop** on the master LP, with the in-out
   stabilisation of Ben-Ameur & Neto (2007) that the paper uses (cuts separated at a point
   between the LP solution and a core point); the master LP value is an upper bound at
   every iteration (a relaxation), the LP bound at the end;
2. **the master MIP** with the cuts found, solved by HiGHS; each integer solution is
   evaluated and cut, and the master solved again (an integer L-shaped loop) until the time
   is up or the master's bound meets the best plan. The master MIP's dual bound is an upper
   bound on the optimum (the master is a relaxation of the problem).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)


@dataclass
class BendersResult:
    """Best plan (model columns), its model weight, the best upper bound (model weight),
    the LP bound if phase 1 converged, counts and times."""

    cols: np.ndarray
    value: float
    bound: float
    lp_bound: float | None
    cuts: int
    lp_iterations: int
    mip_rounds: int
    seconds: float
    log: list = field(default_factory=list)


def benders_cut(A: sp.csc_matrix, w: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The Benders cut at ``y``: coefficients per site, constant, and ``f(y)`` (the covered
    weight with fractional coverage capped at 1)."""
    s = np.asarray(A @ y).reshape(-1)
    low = s < 1.0 - 1e-12
    coef = np.asarray(A.T @ np.where(low, w, 0.0)).reshape(-1)
    const = float(w[~low].sum())
    f = float(np.minimum(s, 1.0) @ w)
    return coef, const, f


def benders_max_cover(red: Reduced, p: int, *, time_limit: float, start: np.ndarray | None = None,
                      lp_share: float = 0.5, alpha: float = 0.5, threads: int = 1
                      ) -> BendersResult:
    """Maximal covering with p new sites by Benders decomposition (module docstring).

    ``start``: a plan (model columns) whose cut is added first and which is the incumbent.
    ``lp_share``: share of ``time_limit`` for phase 1. Requires ``red.fixed`` all False."""
    import highspy

    t0 = time.perf_counter()
    deadline = t0 + float(time_limit)
    A = sp.csr_matrix(red.A, dtype=np.float64)
    Acsc = A.tocsc()
    w = np.asarray(red.w, float)
    n = red.n_cols
    if np.any(red.fixed):
        raise ValueError("benders_max_cover needs a model without fixed columns")
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    # columns: y_0..y_{n-1}, theta
    h.addVars(n + 1, np.r_[np.zeros(n), 0.0], np.r_[np.ones(n), float(w.sum())])
    h.changeColsCost(n + 1, np.arange(n + 1, dtype=np.int32), np.r_[np.zeros(n), -1.0])
    h.addRow(-inf, float(p), n, np.arange(n, dtype=np.int32), np.ones(n))
    best_cols = np.zeros(0, np.int64)
    best_val = 0.0
    cuts = 0
    log: list = []

    def add_cut(y: np.ndarray) -> float:
        nonlocal cuts
        coef, const, f = benders_cut(Acsc, w, y)
        nz = np.flatnonzero(coef)
        # theta - sum coef_j y_j <= const
        idx = np.r_[nz, n].astype(np.int32)
        val = np.r_[-coef[nz], 1.0]
        h.addRow(-inf, const, idx.size, idx, val)
        cuts += 1
        return f

    def take(cols: np.ndarray) -> None:
        nonlocal best_cols, best_val
        y = np.zeros(n)
        y[cols] = 1.0
        f = add_cut(y)
        if f > best_val:
            best_val, best_cols = f, np.sort(cols)

    if start is not None and len(start):
        take(np.asarray(start, dtype=np.int64)[:p])
    # phase 1: the LP by stabilised cutting planes
    core = np.full(n, min(1.0, p / max(n, 1)))
    ub = float(w.sum())
    lp_bound = None
    it = 0
    lp_end = t0 + lp_share * float(time_limit)
    while time.perf_counter() < lp_end:
        h.setOptionValue("time_limit", max(0.05, lp_end - time.perf_counter()))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        it += 1
        sol = np.asarray(h.getSolution().col_value)
        y, theta = sol[:n], sol[n]
        ub = min(ub, theta)
        f_y = benders_cut(Acsc, w, y)[2]
        if theta <= f_y + 1e-7 * max(1.0, abs(theta)):
            lp_bound = theta
            break
        # in-out: separate at a point between the LP solution and the core point; when that
        # cut does not cut off the LP point, cut at the LP point itself
        ysep = alpha * y + (1 - alpha) * core
        coef, const, _ = benders_cut(Acsc, w, ysep)
        if theta > const + float(coef @ y) + 1e-7 * max(1.0, abs(theta)):
            add_cut(ysep)
        else:
            add_cut(y)
        core = 0.5 * core + 0.5 * y
        # the LP point rounded (p largest) is a plan
        top = np.argsort(-y, kind="stable")[:p]
        val = float(w[np.asarray(A[:, top].sum(axis=1)).reshape(-1) > 0].sum())
        if val > best_val:
            take(top)
        if it % 10 == 0:
            log.append((round(time.perf_counter() - t0, 2), it, cuts, ub, best_val))
    # phase 2: the master MIP with the cuts, re-solved after each integer solution is cut
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                            np.full(n, highspy.HighsVarType.kInteger))
    h.setOptionValue("mip_rel_gap", 0.0)
    rounds = 0
    while time.perf_counter() < deadline - 0.2 and ub > best_val + 1e-9:
        h.setOptionValue("time_limit", max(0.1, deadline - time.perf_counter()))
        y0 = np.zeros(n + 1)
        y0[best_cols] = 1.0
        y0[n] = best_val
        h.setSolution(highspy.HighsSolution())  # clear
        sol0 = highspy.HighsSolution()
        sol0.col_value = list(y0)
        h.setSolution(sol0)
        h.run()
        rounds += 1
        info = h.getInfo()
        st = h.getModelStatus()
        if st == highspy.HighsModelStatus.kOptimal:
            ub = min(ub, -float(info.objective_function_value))
        elif math.isfinite(info.mip_dual_bound):
            ub = min(ub, -float(info.mip_dual_bound))
        if info.primal_solution_status != 2:  # no feasible solution
            break
        y = np.round(np.asarray(h.getSolution().col_value)[:n])
        cols = np.flatnonzero(y > 0.5)
        before = best_val
        take(cols)
        log.append((round(time.perf_counter() - t0, 2), "mip", rounds, cuts, ub, best_val))
        if st != highspy.HighsModelStatus.kOptimal:
            break
        if best_val <= before and -float(info.objective_function_value) <= best_val + 1e-9:
            break
    ub = max(ub, best_val)
    return BendersResult(cols=best_cols, value=best_val, bound=ub, lp_bound=lp_bound, cuts=cuts,
                         lp_iterations=it, mip_rounds=rounds,
                         seconds=time.perf_counter() - t0, log=log)
