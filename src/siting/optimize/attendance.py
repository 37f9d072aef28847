"""Maximum attendance with distance decay (ArcGIS "Maximize Attendance").

Private module; :func:`solve_attendance` is re-exported from :mod:`siting.optimize`.
"""

from __future__ import annotations

import logging

import numpy as np

from siting.decay import Decay, make_decay
from siting.errors import InputError
from siting.optimize.assign_solve import solve_gains
from siting.optimize.median import check_capacities, check_goal, gains_matrix, pair_rows
from siting.optimize.plan import Plan, fractional_assignment, nearest_assignment, rel_gap
from siting.optimize.problem import CoverageProblem
from siting.optimize.solvers import _check_limits, check_solver

__all__ = ["solve_attendance"]

logger = logging.getLogger(__name__)


def solve_attendance(
    problem: CoverageProblem,
    p: int | None = None,
    *,
    budget: float | None = None,
    decay: Decay | str = "linear",
    capacitated: bool = False,
    single_assignment: bool = False,
    solver: str = "cbc",
    time_limit: float | None = None,
    gap: float | None = None,
    warm_start: bool = True,
    threads: int | None = None,
    use_mip: bool = True,
) -> Plan:
    """Maximum attendance: open at most p new stations (and/or spend at most a budget) so that
    the demand that attends, falling with the walk by a decay function f, is largest.

    Each resident uses the nearest open station, and a share f(d) of its weight attends —
    the "maximum attendance" location model of Holmes, Williams & Brown (1972, *Geographical
    Analysis* 4(3):258–266), the problem ArcGIS Network Analyst solves as "Maximize
    Attendance". f is 1 at distance 0, decreasing, 0 beyond its cutoff (at most the maximum
    distance of the pairs), see :mod:`siting.decay`: linear, exponential, Gaussian, power with
    cutoff, step. With f_ij = f(d_ij) and the notation of :func:`solve_p_median`::

        max   sum_i w_i sum_{j in N_i} f_ij x_ij
        s.t.  sum_{j in N_i} x_ij <= 1                 for every i
              x_ij <= y_j                              for every stored pair
              sum_{j not in E} y_j <= p,  sum_{j not in E} c_j y_j <= B
              y_j = 1 for j in E;  y_j in {0,1};  x_ij >= 0

    As f decreases with distance, the optimum sends each resident to its nearest open station
    (the closest-assignment rule holds without extra rows). Uncapacitated, the existing
    stations leave the model: a resident's fallback is ``max f`` over the existing stations in
    reach, and only candidate pairs that beat it are kept.

    Capacitated variant (``capacitated=True``): the attending households fill the station,
    ``sum_i h_i f_ij x_ij <= Q_j y_j`` (existing stations with their capacity); fractional
    unless ``single_assignment=True``.

    Solved like :func:`solve_p_median` (greedy + fast interchange, Lagrangian bound, MIP when
    it fits).

    Parameters
    ----------
    decay : Decay or str
        A :class:`siting.decay.Decay` (its cutoff at most ``problem.within``), or a kind whose
        cutoff is ``problem.within`` (``"linear"``, ``"binary"``, ``"gaussian_dai"``; kinds with
        parameters need a Decay from :func:`siting.decay.make_decay`).

    Other parameters are those of :func:`solve_p_median`.

    Returns
    -------
    Plan
        ``objective``: attending weight (people-equivalents), existing stations included;
        ``bound``: an upper bound; ``details``: ``decay`` (kind, parameters, formula),
        ``attendance_share``, ``covered_weight`` within reach.
    """
    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    check_goal(problem, p, budget)
    within = problem.within
    f = make_decay(decay, within) if isinstance(decay, str) else decay
    if not isinstance(f, Decay):
        raise InputError(f"decay = {decay!r} must be a siting.decay.Decay or a kind name")
    if f.cutoff > within * (1 + 1e-9):
        raise InputError(f"the decay cutoff {f.cutoff:g} is beyond the maximum distance {within:g} "
                         "of the pairs: lower the cutoff, or build the problem with a larger within")
    if capacitated:
        check_capacities(problem, "attendance model")
    A = problem.cover
    rows = pair_rows(problem)
    fij = f(problem.distance)
    w = problem.weights
    ex = problem.existing
    if capacitated:
        assert problem.households is not None
        cols = np.arange(problem.n_sites)
        g = gains_matrix(problem, w[rows] * fij, np.ones(fij.size, bool), cols,
                         fixed=ex.copy(), cap_coef=problem.households[rows] * fij)
        base = 0.0
    else:
        fall = np.zeros(problem.n_demand)
        on_ex = ex[A.indices]
        if on_ex.any():
            np.maximum.at(fall, rows[on_ex], fij[on_ex])
        cols = np.flatnonzero(~ex)
        g = gains_matrix(problem, w[rows] * (fij - fall[rows]), ~on_ex, cols)
        base = float((w * fall).sum())
    logger.info("attendance (%s): %d demand rows x %d columns, %d pairs", f.kind, g.n_rows,
                g.n_cols, g.nnz)
    out = solve_gains(g, p, budget, solver=solver, time_limit=time_limit, gap=gap,
                      threads=threads, single_assignment=single_assignment,
                      warm_start=warm_start, use_mip=use_mip, base=base, sign=1)
    sel = np.sort(g.col_site[out.open_cols])
    sel = sel[~ex[sel]]
    if capacitated:
        G = g.G
        r = np.repeat(np.arange(g.n_rows), np.diff(G.indptr))
        assignment, served = fractional_assignment(problem, g.row_demand[r],
                                                   g.col_site[G.indices], out.x)
        covered_w = float((w * served).sum())
    else:
        assignment = nearest_assignment(problem, sel)
        covered_w = float(w[assignment["covered"].to_numpy(dtype=bool)].sum())
    objective = base + out.value
    bound = max(base + out.bound, objective)
    total = problem.total_weight
    details = {
        "decay": f.to_dict(), "within": within,
        "attendance_share": objective / total if total > 0 else None,
        "reached_weight": covered_w, "pairs": g.nnz,
        "lagrangian_bound": base + out.lagrangian if g.nnz else None,
        "mip_built": out.mip_built,
    }
    model = "capacitated_attendance" if capacitated else "attendance"
    return Plan(
        status=out.status, model=model, objective=objective, bound=bound,
        gap=rel_gap(objective, bound), selected_sites=tuple(problem.site_ids[sel]),
        existing_sites=tuple(problem.site_ids[ex]), covered_weight=covered_w,
        total_weight=total, cost=float(problem.costs[sel].sum()), assignment=assignment,
        sizes={"rows_before": problem.n_demand, "cols_before": problem.n_sites,
               "pairs_before": int(A.nnz), "rows_after": g.n_rows, "cols_after": g.n_cols,
               "pairs_after": g.nnz},
        solve_seconds=out.seconds, solver=out.solver, message=out.message,
        heuristic_objective=base + out.heuristic_value, details=details,
    )
