"""The p-center model: the shortest longest walk ("who is left farthest out").

Private module; :func:`solve_p_center` is re-exported from :mod:`siting.optimize`.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from siting.optimize.median import check_goal, pair_rows
from siting.optimize.mip import SparseMIP
from siting.optimize.plan import Plan, nearest_assignment, rel_gap
from siting.optimize.problem import CoverageProblem
from siting.optimize.solvers import _check_limits, check_solver, run_mip

__all__ = ["solve_p_center"]

logger = logging.getLogger(__name__)


def _greedy_cover(M: sp.csr_matrix, cost: np.ndarray, count_only: bool, p: int | None,
                  budget: float | None) -> np.ndarray | None:
    """Greedy set cover of every row of M (cheapest per newly covered row); None when it
    needs more than p stations or more than the budget."""
    import heapq

    nr, nc = M.shape
    C = M.tocsc()
    uncovered = np.ones(nr, dtype=bool)
    left = nr
    chosen: list[int] = []
    spent = 0.0
    unit = np.ones(nc) if count_only else np.maximum(cost, 1e-12)
    deg = np.diff(C.indptr).astype(float)
    # lazy evaluation: a column's count of uncovered rows only falls as rows get covered
    heap = [(-deg[j] / unit[j], int(j)) for j in np.flatnonzero(deg > 0)]
    heapq.heapify(heap)
    while left > 0:
        if not heap:
            return None
        _, j = heapq.heappop(heap)
        rows = C.indices[C.indptr[j]:C.indptr[j + 1]]
        gain = float(np.count_nonzero(uncovered[rows]))
        if gain <= 0:
            continue
        if heap and gain / unit[j] < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-gain / unit[j], j))
            continue
        chosen.append(j)
        spent += cost[j]
        if (p is not None and len(chosen) > p) or (budget is not None and spent > budget + 1e-9):
            return None
        left -= int(gain)
        uncovered[rows] = False
    return np.array(sorted(chosen), dtype=np.int64)


def _packing_bound(M: sp.csr_matrix, cost: np.ndarray) -> tuple[int, float]:
    """Lower bounds on any cover of the rows of M: residents no two of whom share a candidate
    each need their own station (a greedy packing, fewest candidates first), so the cover has
    at least that many stations, costing at least the sum of their cheapest candidates."""
    C = M.tocsc()
    deg = np.diff(M.indptr)
    blocked = np.zeros(M.shape[0], dtype=bool)
    count, cost_lb = 0, 0.0
    for i in np.argsort(deg, kind="stable"):
        if blocked[i]:
            continue
        cols = M.indices[M.indptr[i]:M.indptr[i + 1]]
        count += 1
        cost_lb += float(cost[cols].min()) if cols.size else 0.0
        for j in cols:
            blocked[C.indices[C.indptr[j]:C.indptr[j + 1]]] = True
    return count, cost_lb


def _farthest_first(r_p: np.ndarray, c_p: np.ndarray, d_p: np.ndarray, act: np.ndarray,
                    start: np.ndarray, col_of: np.ndarray, cost: np.ndarray, p: int | None,
                    budget: float | None) -> np.ndarray:
    """A quick plan: again and again, open the candidate nearest to the resident who walks
    farthest now (Gonzalez 1985's farthest-first rule on candidate sites), within p / the
    budget. ``start`` is the walk to the nearest existing station (inf if none). Returns the
    candidate columns opened."""
    order = np.argsort(r_p, kind="stable")
    rows_sorted = r_p[order]
    n = act.size
    ptr = np.searchsorted(rows_sorted, np.arange(n + 1))
    dn = start.copy()
    dn[~act] = -np.inf
    is_cand = col_of[c_p] >= 0
    best_c = np.full(n, np.inf)  # the walk to the nearest candidate: no plan does better
    np.minimum.at(best_c, r_p[is_cand], d_p[is_cand])
    opened: list[int] = []
    spent = 0.0
    blocked = np.zeros(n, dtype=bool)  # only the budget blocks a resident that could improve
    cand_k = np.flatnonzero(is_cand)
    by_col = cand_k[np.argsort(col_of[c_p[cand_k]], kind="stable")]
    col_ptr = np.searchsorted(col_of[c_p[by_col]], np.arange(int(col_of.max()) + 2))
    while p is None or len(opened) < p:
        cand_rows = np.where(blocked | (dn <= best_c), -np.inf, dn)
        i = int(np.argmax(cand_rows))
        if cand_rows[i] == -np.inf:
            break
        k = order[ptr[i]:ptr[i + 1]]
        k = k[is_cand[k]]
        if budget is not None:
            k = k[cost[col_of[c_p[k]]] <= budget - spent + 1e-9]
        k = k[d_p[k] < dn[i]]
        if k.size == 0:
            blocked[i] = True  # no affordable candidate brings this resident closer
            continue
        j = int(col_of[c_p[k[np.argmin(d_p[k])]]])
        opened.append(j)
        spent += float(cost[j])
        m = by_col[col_ptr[j]:col_ptr[j + 1]]
        np.minimum.at(dn, r_p[m], d_p[m])
        dn[~act] = -np.inf
        blocked[:] = False
    return np.array(sorted(set(opened)), dtype=np.int64)


def solve_p_center(
    problem: CoverageProblem,
    p: int | None = None,
    *,
    budget: float | None = None,
    solver: str = "cbc",
    time_limit: float | None = None,
    threads: int | None = None,
) -> Plan:
    """p-center: open at most p new stations (and/or spend at most a budget) so that the
    longest walk any resident (weight > 0) has to the nearest open station is shortest
    (Hakimi 1964/1965; the vertex p-center).

    Formulation of Elloumi, Labbé & Pochet (2004, *INFORMS J. Computing* 16(1):84–94): with
    D_1 < D_2 < ... < D_K the distinct walks of the stored pairs, z_k = 1 when the radius is at
    least D_k, and N_i(D) the sites within D of resident i::

        min   D_1 + sum_{k>=2} (D_k - D_{k-1}) z_k
        s.t.  z_k + sum_{j in N_i(<D_k)} y_j >= 1     for every i and k >= 2
              sum_{j not in E} y_j <= p;  sum_{j not in E} c_j y_j <= B
              z_k >= z_{k+1};  y_j = 1 for j in E;  y, z in {0,1}

    Its optimum is the smallest D_k at which every resident can be reached within D_k by p
    stations, i.e. at which the set covering problem ``sum_{j in N_i(D_k)} y_j >= 1`` for all
    i has a solution with at most p new stations (or cost at most B). siting finds that k by
    bisection over the sorted distances (Minieka 1970, *SIAM Review* 12(1):138–139; Daskin
    1995, *Network and Discrete Location*, ch. 5), each step decided exactly: by a greedy cover
    when it fits within p, by a packing of residents no two of whom share a candidate when
    there are more than p of them (each needs its own station), else by the covering MIP. A
    farthest-first plan (Gonzalez 1985) gives the first incumbent. Existing stations are open
    and cover what they reach.

    The dual question — the fewest (or cheapest) stations so that nobody walks more than D —
    is the set covering model: build the problem with ``within = D`` and call
    :func:`siting.optimize.solve_set_cover`.

    Residents that no site reaches within ``problem.within`` cannot be brought within any
    radius the pairs know: they are left out of the objective and reported in ``message`` and
    ``details["unreached_weight"]``. When p stations cannot bring every other resident within
    ``problem.within``, the plan is ``"infeasible"`` (raise p or the maximum distance).

    Parameters
    ----------
    problem : CoverageProblem
    p : int, optional
        Largest number of new stations.
    budget : float, optional
        Largest total cost of the new stations.
    solver : {"cbc", "highs"}
    time_limit : float, optional
        Seconds for the whole search. When it runs out the plan is the best radius found
        (status ``"time_limit"``) and ``bound`` the smallest radius not yet ruled out.
    threads : int, optional

    Returns
    -------
    Plan
        ``objective``: the longest walk to the nearest open station (unit of the pairs);
        ``bound``: a lower bound on it; ``details``: ``radius``, ``unreached_weight``,
        ``set_cover_solves``, ``radii_candidates``.
    """
    solver = check_solver(solver)
    _check_limits(time_limit, None)
    check_goal(problem, p, budget)
    t0 = time.perf_counter()
    A = problem.cover
    rows = pair_rows(problem)
    d = problem.distance
    w = problem.weights
    ex = problem.existing
    active = w > 0
    reach = np.diff(A.indptr) > 0
    unreached = active & ~reach
    unreached_w = float(w[unreached].sum())
    act = active & reach
    keep = act[rows]
    r_p, c_p, d_p = rows[keep], A.indices[keep], d[keep]
    cand_cols = np.flatnonzero(~ex)
    col_of = np.full(problem.n_sites, -1, dtype=np.int64)
    col_of[cand_cols] = np.arange(cand_cols.size)
    count_only = budget is None
    cost = problem.costs[cand_cols]
    solves = 0
    radii = np.unique(d_p)

    def empty_plan(status: str, message: str, bound: float | None) -> Plan:
        return _plan(problem, np.zeros(0, np.int64), status, None, bound, solver, t0, message,
                     unreached_w, solves, radii.size)

    if not act.any():
        return _plan(problem, np.zeros(0, np.int64), "optimal", 0.0, 0.0, "none", t0,
                     "no resident with weight is in reach of any site: nothing to do",
                     unreached_w, 0, 0)
    nearest_any = np.full(problem.n_demand, np.inf)
    np.minimum.at(nearest_any, r_p, d_p)
    r_lb = float(nearest_any[act].max())
    lo = int(np.searchsorted(radii, r_lb - 1e-12))
    hi = radii.size - 1

    def feasible(r: float) -> tuple[bool, bool, np.ndarray | None]:
        """(decided, feasible, candidate columns opened) for radius r."""
        nonlocal solves
        inside = d_p <= r + 1e-9
        by_ex = np.zeros(problem.n_demand, dtype=bool)
        m_ex = inside & ex[c_p]
        by_ex[r_p[m_ex]] = True
        need = act & ~by_ex
        if not need.any():
            return True, True, np.zeros(0, np.int64)
        m = inside & need[r_p] & ~ex[c_p]
        ur, ri = np.unique(r_p[m], return_inverse=True)
        if ur.size < int(need.sum()):
            return True, False, None  # some resident has no candidate within r
        M = sp.csr_matrix((np.ones(int(m.sum())), (ri, col_of[c_p[m]])),
                          shape=(ur.size, cand_cols.size))
        M.sum_duplicates()
        M.data[:] = 1.0
        g = _greedy_cover(M, cost, count_only, p, budget)
        if g is not None:
            return True, True, g
        n_pack, cost_pack = _packing_bound(M, cost)
        if (p is not None and n_pack > p) or (budget is not None and cost_pack > budget + 1e-9):
            return True, False, None  # proved without a MIP: too many residents far apart
        solves += 1
        used = np.flatnonzero(np.diff(M.tocsc().indptr) > 0)
        Mu = M[:, used].tocsc()
        nrow, ncol = Mu.shape
        c = np.ones(ncol) if count_only else cost[used].astype(float)
        blocks = [Mu]
        lo_r = [np.ones(nrow)]
        hi_r = [np.full(nrow, np.inf)]
        if p is not None and not count_only:
            blocks.append(sp.csc_matrix(np.ones((1, ncol))))
            lo_r.append(np.array([-np.inf]))
            hi_r.append(np.array([float(p)]))
        mip = SparseMIP(c=c, A=sp.vstack(blocks, format="csc"), row_lo=np.concatenate(lo_r),
                        row_hi=np.concatenate(hi_r), col_lo=np.zeros(ncol), col_hi=np.ones(ncol),
                        integer=np.ones(ncol, bool), maximize=False)
        limit_v = float(p) if count_only else float(budget)  # type: ignore[arg-type]
        remaining = None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - t0))
        out = run_mip(mip, solver, time_limit=remaining, gap=None, threads=threads)
        if out.status == "infeasible":
            return True, False, None
        if out.x is not None and out.objective is not None and out.objective <= limit_v + 1e-6:
            return True, True, used[np.flatnonzero(out.x > 0.5)]
        if out.status == "optimal":
            return True, False, None
        if out.bound is not None and out.bound > limit_v + 1e-6:
            return True, False, None
        return False, False, None

    def radius_of(open_cols: np.ndarray) -> float:
        sel = cand_cols[open_cols]
        mask = ex.copy()
        mask[sel] = True
        dn = np.full(problem.n_demand, np.inf)
        mm = mask[c_p]
        np.minimum.at(dn, r_p[mm], d_p[mm])
        return float(dn[act].max())

    # a quick incumbent first (farthest-first): when it brings everyone within reach, the
    # bisection starts below its radius and a time limit still has a plan to return
    start_d = np.full(problem.n_demand, np.inf)
    on_ex = ex[c_p]
    if on_ex.any():
        np.minimum.at(start_d, r_p[on_ex], d_p[on_ex])
    quick = _farthest_first(r_p, c_p, d_p, act, start_d, col_of, cost, p, budget)
    best: np.ndarray | None
    if np.isfinite(radius_of(quick)):
        decided, ok, best = True, True, quick
    else:
        decided, ok, best = feasible(float(radii[hi]))
    if not decided:
        return empty_plan("time_limit", "the time limit ended the search before any plan was "
                          "found: raise it", float(radii[lo]))
    if not ok or best is None:
        return empty_plan(
            "infeasible",
            f"{'p' if budget is None else 'the budget'} cannot bring every resident within the "
            f"maximum distance {problem.within:g} of a station: raise p or the budget, or build "
            "the problem with a larger maximum distance", None)
    hi = int(np.searchsorted(radii, radius_of(best) - 1e-12))
    status = "optimal"
    message = ""
    while lo < hi:
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            status = "time_limit"
            break
        mid = (lo + hi) // 2
        decided, ok, sel = feasible(float(radii[mid]))
        if not decided:
            status = "time_limit"
            break
        if ok and sel is not None:
            best = sel
            hi = min(mid, int(np.searchsorted(radii, radius_of(sel) - 1e-12)))
        else:
            lo = mid + 1
    if status == "time_limit":
        message = "the time limit ended the bisection: the plan is the best radius found, see gap"
    radius = radius_of(best)
    bound = float(radii[lo]) if status != "optimal" else radius
    return _plan(problem, cand_cols[best], status, radius, min(bound, radius), solver, t0,
                 message, unreached_w, solves, radii.size)


def _plan(problem: CoverageProblem, sel: np.ndarray, status: str, objective: float | None,
          bound: float | None, solver: str, t0: float, message: str, unreached_w: float,
          solves: int, n_radii: int) -> Plan:
    sel = np.sort(np.asarray(sel, dtype=np.int64))
    assignment = nearest_assignment(problem, sel)
    covered = assignment["covered"].to_numpy(dtype=bool)
    total = problem.total_weight
    if unreached_w > 0:
        note = (f"{unreached_w:,.0f} of {total:,.0f} people-equivalents have no site within the "
                f"maximum distance {problem.within:g}: they are left out of the longest walk")
        message = f"{note}; {message}" if message else note
    details = {"radius": objective, "within": problem.within, "unreached_weight": unreached_w,
               "set_cover_solves": solves, "radii_candidates": n_radii}
    return Plan(
        status=status, model="p_center", objective=objective, bound=bound,
        gap=rel_gap(objective, bound), selected_sites=tuple(problem.site_ids[sel]),
        existing_sites=tuple(problem.site_ids[problem.existing]),
        covered_weight=float(problem.weights[covered].sum()), total_weight=total,
        cost=float(problem.costs[sel].sum()), assignment=assignment,
        sizes={"rows_before": problem.n_demand, "cols_before": problem.n_sites,
               "pairs_before": int(problem.cover.nnz), "rows_after": problem.n_demand,
               "cols_after": problem.n_candidates, "pairs_after": int(problem.cover.nnz)},
        solve_seconds=time.perf_counter() - t0, solver=solver if solves else "greedy+bisection",
        message=message, details=details,
    )
