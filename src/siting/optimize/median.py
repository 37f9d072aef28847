"""The p-median model: least total walking, weighted by people (ArcGIS "Minimize Impedance").

Private module; :func:`solve_p_median` is re-exported from :mod:`siting.optimize`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.errors import InputError
from siting.optimize.assign import Gains
from siting.optimize.assign_solve import solve_gains
from siting.optimize.plan import Plan, fractional_assignment, nearest_assignment, rel_gap
from siting.optimize.problem import CoverageProblem
from siting.optimize.solvers import _check_limits, check_solver

__all__ = ["check_goal", "solve_p_median"]

logger = logging.getLogger(__name__)


def check_goal(problem: CoverageProblem, p: Any, budget: Any) -> None:
    """p and/or budget: whole and within the candidates; a budget that buys at least one."""
    if p is None and budget is None:
        raise InputError("give p (number of new stations) or budget (or both)")
    n_cand = problem.n_candidates
    if p is not None:
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
            raise InputError(f"p = {p!r} must be a whole number of new stations, at least 1")
        if p > n_cand:
            raise InputError(f"p = {p} is larger than the {n_cand} candidate site(s) not yet "
                             "built: lower p or add candidates")
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, float, np.integer, np.floating)) \
                or not math.isfinite(budget) or budget < 0:
            raise InputError(f"budget = {budget!r} must be a non-negative number")
        cand = problem.costs[~problem.existing]
        if cand.size and budget < cand.min():
            raise InputError(f"budget = {budget:g} is below the cheapest candidate site "
                             f"({cand.min():g}): raise the budget or add cheaper candidates")


def check_capacities(problem: CoverageProblem, what: str) -> None:
    missing = [n for n, v in (("households", problem.households),
                              ("capacity", problem.capacity)) if v is None]
    if missing:
        raise InputError(
            f"the capacitated {what} needs " + " and ".join(missing) + ": pass households= "
            "(per demand point) and capacity= (households per site, see "
            "capacity_from_floor_area) to CoverageProblem.from_pairs")


def pair_rows(problem: CoverageProblem) -> np.ndarray:
    """Demand index of every stored pair (CSR order of ``problem.cover``)."""
    A = problem.cover
    return np.repeat(np.arange(problem.n_demand), np.diff(A.indptr))


def gains_matrix(problem: CoverageProblem, pair_gain: np.ndarray, keep: np.ndarray,
                 columns: np.ndarray, *, fixed: np.ndarray | None = None,
                 cap_coef: np.ndarray | None = None) -> Gains:
    """A :class:`Gains` from per-pair gains (CSR order of ``problem.cover``) on the kept pairs
    whose site is among ``columns`` (site indices, in column order)."""
    A = problem.cover
    rows = pair_rows(problem)
    col_of_site = np.full(problem.n_sites, -1, dtype=np.int64)
    col_of_site[columns] = np.arange(columns.size)
    c = col_of_site[A.indices]
    m = keep & (c >= 0) & (pair_gain > 0)
    r_used, r_idx = np.unique(rows[m], return_inverse=True)
    G = sp.csr_matrix((pair_gain[m], (r_idx, c[m])), shape=(r_used.size, columns.size))
    coef = None
    if cap_coef is not None:
        # csr_matrix sorts by (row, col) as the pairs already are (rows sorted, cols sorted)
        coef = cap_coef[m]
    fixed_mask = np.zeros(columns.size, dtype=bool) if fixed is None else fixed
    cap = None
    if cap_coef is not None:
        assert problem.capacity is not None
        cap = problem.capacity[columns]
    return Gains(G=G, row_demand=r_used, col_site=columns, cost=problem.costs[columns],
                 fixed=fixed_mask, cap_coef=coef, cap=cap)


def solve_p_median(
    problem: CoverageProblem,
    p: int | None = None,
    *,
    budget: float | None = None,
    penalty: float | None = None,
    capacitated: bool = False,
    single_assignment: bool = False,
    solver: str = "cbc",
    time_limit: float | None = None,
    gap: float | None = None,
    warm_start: bool = True,
    threads: int | None = None,
    use_mip: bool = True,
) -> Plan:
    """p-median: open at most p new stations (and/or spend at most a budget) so that the total
    walking distance, weighted by people, to the station each resident uses is least
    (Hakimi 1964, *Operations Research* 12(3):450–459; the integer program of ReVelle & Swain
    1970, *Geographical Analysis* 2(1):30–42). ArcGIS calls it "Minimize Impedance".

    The model stays on the sparse pairs within ``problem.within`` (the maximum distance). A
    resident with no open station within it is counted at ``penalty`` (default: the maximum
    distance itself, so the objective is ``sum_i w_i min(d_i, within)``, a lower bound of the
    true walk for those beyond); ``Plan.details`` and ``message`` say how many and at what
    distance. With demand rows i (weight w_i), sites j (cost c_j), N_i the sites within
    reach, d_ij the walk, P the penalty, E the existing stations::

        min   sum_i w_i ( sum_{j in N_i} d_ij x_ij + P u_i )
        s.t.  sum_{j in N_i} x_ij + u_i = 1            for every i
              x_ij <= y_j                              for every stored pair
              sum_{j not in E} y_j <= p                (p given)
              sum_{j not in E} c_j y_j <= B            (budget given)
              y_j = 1 for j in E;  y_j in {0,1};  x_ij, u_i >= 0

    Since P >= every stored d_ij, each resident goes to the nearest open station in reach.
    Uncapacitated, the existing stations leave the model: each resident's fallback becomes
    ``min(P, walk to the nearest existing station)`` and only pairs shorter than it are kept.

    Capacitated variant (``capacitated=True``; households h_i, capacity Q_j in households):
    ``sum_i h_i x_ij <= Q_j y_j`` for every site (existing ones included, with their capacity).
    The assignment is fractional (a residence may be split, each part counted by its walk)
    unless ``single_assignment=True``; who cannot be served within capacity counts at P.

    Solution: a lazy greedy and the fast interchange of Whitaker (1983) / Resende & Werneck
    (2004) give the start; a Lagrangian relaxation of the assignment rows (Beasley 1993) gives
    a bound at the cost of a few passes over the pairs; the MIP (CBC or HiGHS) is run from the
    start when the model is small enough (:data:`siting.optimize.assign.MIP_MAX_PAIRS`), else
    the heuristic plan is returned with the Lagrangian bound and its gap.

    Parameters
    ----------
    problem : CoverageProblem
        Demand, sites and pairs within the maximum distance (``problem.within``).
    p : int, optional
        Largest number of new stations.
    budget : float, optional
        Largest total cost of the new stations.
    penalty : float, optional
        Distance (unit of the pairs) at which a resident with no open station in reach counts;
        at least ``problem.within``. Default ``problem.within``.
    capacitated, single_assignment : bool
        See above (need ``households`` and ``capacity`` in the problem).
    solver : {"cbc", "highs"}
    time_limit : float, optional
        Seconds for heuristics, bound and solver together; a time limit returns the best plan
        with status ``"time_limit"`` and its gap.
    gap : float, optional
        Relative gap at which the search may stop.
    warm_start : bool
        Run the heuristics first and give their plan to the solver.
    threads : int, optional
    use_mip : bool
        False: heuristics and Lagrangian bound only (status ``"heuristic"`` unless the bound
        proves the plan optimal).

    Returns
    -------
    Plan
        ``objective``: total person-distance (e.g. person-metres); ``bound``: a lower bound;
        ``details``: ``mean_distance``, ``penalty``, ``unassigned_weight``, ``unassigned_share``,
        ``within``, ``pairs``, ``lagrangian_bound``.
    """
    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    check_goal(problem, p, budget)
    within = problem.within
    P = within if penalty is None else penalty
    if not (isinstance(P, (int, float, np.floating, np.integer)) and math.isfinite(P)
            and P >= within - 1e-9):
        raise InputError(f"penalty = {penalty!r} must be a distance at least the maximum distance "
                         f"{within:g} (a resident without a station in reach walks at least that far)")
    P = float(P)
    if capacitated:
        check_capacities(problem, "p-median")
    A = problem.cover
    rows = pair_rows(problem)
    d = problem.distance
    w = problem.weights
    ex = problem.existing
    if capacitated:
        assert problem.households is not None
        cols = np.arange(problem.n_sites)
        g = gains_matrix(problem, w[rows] * (P - d), np.ones(d.size, bool), cols,
                         fixed=ex.copy(), cap_coef=problem.households[rows])
        base = float((w * P).sum())
    else:
        fall = np.full(problem.n_demand, P)
        on_ex = ex[A.indices]
        if on_ex.any():
            np.minimum.at(fall, rows[on_ex], d[on_ex])
        cols = np.flatnonzero(~ex)
        g = gains_matrix(problem, w[rows] * (fall[rows] - d), ~on_ex, cols)
        base = float((w * fall).sum())
    logger.info("p-median: %d demand rows x %d columns, %d pairs (of %d), penalty %g",
                g.n_rows, g.n_cols, g.nnz, A.nnz, P)
    out = solve_gains(g, p, budget, solver=solver, time_limit=time_limit, gap=gap,
                      threads=threads, single_assignment=single_assignment,
                      warm_start=warm_start, use_mip=use_mip, base=base, sign=-1)
    sel = np.sort(g.col_site[out.open_cols])
    sel = sel[~ex[sel]]
    if capacitated:
        G = g.G
        r = np.repeat(np.arange(g.n_rows), np.diff(G.indptr))
        assignment, served = fractional_assignment(problem, g.row_demand[r],
                                                   g.col_site[G.indices], out.x)
        objective = base - out.value  # = sum w d x + P sum w (1 - served)
        covered_w = float((w * served).sum())
    else:
        assignment = nearest_assignment(problem, sel)
        dist = assignment["distance"].to_numpy(dtype=float)
        ok = np.isfinite(dist)
        objective = float((w[ok] * dist[ok]).sum() + P * w[~ok].sum())
        covered_w = float(w[ok].sum())
    bound = base - out.bound
    bound = min(bound, objective)
    total = problem.total_weight
    unassigned = max(total - covered_w, 0.0)
    msg = out.message
    if unassigned > 1e-9 * max(total, 1.0):
        share = unassigned / total if total > 0 else 0.0
        note = (f"{unassigned:,.0f} of {total:,.0f} people-equivalents ({share:.1%}) have no open "
                f"station within {within:g}" + (" or none with capacity left" if capacitated else "")
                + f": they are counted at the penalty distance {P:g}")
        msg = f"{note}; {msg}" if msg else note
    details = {
        "mean_distance": objective / total if total > 0 else None,
        "penalty": P, "within": within, "unassigned_weight": unassigned,
        "unassigned_share": unassigned / total if total > 0 else 0.0,
        "pairs": g.nnz, "lagrangian_bound": base - out.lagrangian if g.nnz else None,
        "mip_built": out.mip_built,
    }
    model = "capacitated_p_median" if capacitated else "p_median"
    return Plan(
        status=out.status, model=model, objective=objective, bound=bound,
        gap=rel_gap(objective, bound), selected_sites=tuple(problem.site_ids[sel]),
        existing_sites=tuple(problem.site_ids[ex]), covered_weight=covered_w,
        total_weight=total, cost=float(problem.costs[sel].sum()), assignment=assignment,
        sizes={"rows_before": problem.n_demand, "cols_before": problem.n_sites,
               "pairs_before": int(A.nnz), "rows_after": g.n_rows, "cols_after": g.n_cols,
               "pairs_after": g.nnz},
        solve_seconds=out.seconds, solver=out.solver, message=msg,
        heuristic_objective=base - out.heuristic_value, details=details,
    )
