"""The assignment core shared by the p-median and attendance models (private plumbing).

Both models are facility location with a value per (demand, site) pair: p-median minimises
``sum_i w_i d_i`` (distance to the station a resident is assigned to, or a penalty), attendance
maximises ``sum_i w_i f(d_i)``. Relative to a fallback per demand point (the penalty, or what
the existing stations already give), both become the same problem on a sparse matrix of
positive **gains** G (demand rows × candidate columns)::

    max  F(S) = sum_i max(0, max_{j in S} G_ij)   over sets S of at most p candidates
                                                  (and/or of cost at most B)

with the model objective ``base - F(S)`` (p-median) or ``base + F(S)`` (attendance). This module
holds, on that matrix and nothing dense:

* :func:`lazy_greedy` — greedy additions with lazy re-evaluation (F is monotone submodular:
  Nemhauser, Wolsey & Fisher 1978), gain per unit cost under a budget;
* :func:`interchange` — the fast vertex-substitution local search of Whitaker (1983, *INFOR*
  21(2):95–108) in the form of Resende & Werneck (2004, *J. Heuristics* 10:59–88): every swap
  (close r, open j) scored at once as ``insert_j - loss_r + extra_rj`` from the best and
  second-best open value of each row, non-interfering improving swaps applied per pass;
* :func:`lagrangian_bound` — the Lagrangian relaxation of the assignment rows
  (Cornuéjols, Fisher & Nemhauser 1977; Beasley 1993, *EJOR* 65:383–399), subgradient steps,
  a valid upper bound on F at every iteration;

The assignment MIP and the driver that runs heuristics, bound and MIP are in
:mod:`siting.optimize.assign_solve`.
"""

from __future__ import annotations

import heapq
import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger(__name__)

INF = np.inf
_EPS = 1e-9


@dataclass(eq=False)
class Gains:
    """Positive gains on the sparse pairs, and the columns' data.

    ``G`` is CSR (model rows × columns), all stored values > 0. ``row_demand`` maps a row to
    its demand index, ``col_site`` a column to its site index. ``fixed`` marks columns that are
    always open (existing stations kept in a capacitated model). ``cap_coef`` (aligned with
    ``G.data``) and ``cap`` are the capacity rows' coefficients and right-hand sides.
    """

    G: sp.csr_matrix
    row_demand: np.ndarray
    col_site: np.ndarray
    cost: np.ndarray
    fixed: np.ndarray
    cap_coef: np.ndarray | None = None
    cap: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.G.sort_indices()
        self._rows = np.repeat(np.arange(self.G.shape[0]), np.diff(self.G.indptr))
        self._csc = self.G.tocsc()
        self._csc.sort_indices()

    @property
    def n_rows(self) -> int:
        return int(self.G.shape[0])

    @property
    def n_cols(self) -> int:
        return int(self.G.shape[1])

    @property
    def nnz(self) -> int:
        return int(self.G.nnz)

    def value(self, open_cols) -> float:
        """F(S) for a set of open columns (fixed columns always count as open)."""
        g1, _, _ = self.best_two(self.mask(open_cols))
        return float(g1.sum())

    def mask(self, open_cols) -> np.ndarray:
        m = self.fixed.copy()
        m[np.asarray(open_cols, dtype=np.int64)] = True
        return m

    def best_two(self, open_mask: np.ndarray):
        """Per row: the best open gain (0 if none), its column (-1), the second best gain."""
        G = self.G
        nr = self.n_rows
        g1 = np.zeros(nr)
        c1 = np.full(nr, -1, dtype=np.int64)
        g2 = np.zeros(nr)
        if G.nnz == 0:
            return g1, c1, g2
        on = open_mask[G.indices]
        vals = np.where(on, G.data, 0.0)
        starts = G.indptr[:-1]
        nonempty = np.diff(G.indptr) > 0
        red = np.maximum.reduceat(vals, np.minimum(starts, vals.size - 1))
        g1[nonempty] = red[nonempty]
        is_best = on & (vals >= g1[self._rows]) & (vals > 0)
        first = np.flatnonzero(is_best)
        if first.size:
            r = self._rows[first]
            keep = np.ones(first.size, dtype=bool)
            keep[1:] = r[1:] != r[:-1]
            first, r = first[keep], r[keep]
            c1[r] = G.indices[first]
            vals2 = vals.copy()
            vals2[first] = 0.0
            red2 = np.maximum.reduceat(vals2, np.minimum(starts, vals.size - 1))
            g2[nonempty] = red2[nonempty]
        return g1, c1, g2

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and gains of column ``j``."""
        C = self._csc
        a, b = C.indptr[j], C.indptr[j + 1]
        return C.indices[a:b], C.data[a:b]


# ------------------------------------------------------------------------------------ greedy
def lazy_greedy(g: Gains, p: int | None, budget: float | None) -> np.ndarray:
    """Open columns one at a time, each time the largest gain (per unit cost under a budget),
    with lazy re-evaluation of stale gains. Returns the free columns opened (sorted)."""
    best = np.zeros(g.n_rows)
    for jf in np.flatnonzero(g.fixed):
        rows, vals = g.column(int(jf))
        np.maximum.at(best, rows, vals)
    free = ~g.fixed
    col_sum = np.asarray(g.G.sum(axis=0)).reshape(-1)
    use_ratio = budget is not None
    cost = np.maximum(g.cost, 0.0)

    def key(gain: float, j: int) -> float:
        if not use_ratio:
            return gain
        return gain / cost[j] if cost[j] > 0 else gain * 1e12

    heap: list[tuple[float, int]] = [(-key(float(col_sum[j]), int(j)), int(j))
                                     for j in np.flatnonzero(free) if col_sum[j] > 0]
    heapq.heapify(heap)
    chosen: list[int] = []
    spent = 0.0
    while heap and (p is None or len(chosen) < p):
        _, j = heapq.heappop(heap)
        if budget is not None and spent + cost[j] > budget + 1e-9:
            continue  # never affordable again: the budget only shrinks
        rows, vals = g.column(j)
        gain = float(np.maximum(vals - best[rows], 0.0).sum())
        if gain <= _EPS:
            continue
        k = key(gain, j)
        if heap and k < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-k, j))
            continue
        chosen.append(j)
        spent += cost[j]
        np.maximum.at(best, rows, vals)
    sel = np.array(sorted(chosen), dtype=np.int64)
    if budget is not None and free.any():
        # the best single affordable column guards the ratio rule's worst case
        ok = np.flatnonzero(free & (cost <= budget + 1e-9))
        if ok.size:
            base = g.value(np.zeros(0, dtype=np.int64))
            single = max(ok, key=lambda j: g.value([j]))
            if g.value([single]) - base > g.value(sel) - base + _EPS:
                sel = np.array([single], dtype=np.int64)
    return sel


# ------------------------------------------------------------------------------- interchange
def interchange(g: Gains, start: np.ndarray, p: int | None, budget: float | None, *,
                max_seconds: float | None = None) -> np.ndarray:
    """Improve an open set by swaps (close r, open j) until none improves F; with room left
    under p or the budget, the best single insertion is also a move. Returns the free open
    columns (sorted). Stops early after ``max_seconds``."""
    t0 = time.perf_counter()
    G = g.G
    nc = g.n_cols
    free = ~g.fixed
    cost = g.cost
    open_ = g.mask(start)
    rows_all = g._rows
    total = max(float(G.data.sum()), 1.0)
    passes = 0
    while True:
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            logger.debug("interchange: stopped by its time limit after %d passes", passes)
            break
        passes += 1
        g1, c1, g2 = g.best_two(open_)
        v = G.data
        cols = G.indices
        ins = np.bincount(cols, weights=np.maximum(v - g1[rows_all], 0.0), minlength=nc)
        ins[open_] = -INF
        has = c1 >= 0
        loss = np.bincount(c1[has], weights=(g1 - g2)[has], minlength=nc).astype(float)
        removable = open_ & free
        n_open_free = int(removable.sum())
        spent = float(cost[removable].sum())
        slack_p = None if p is None else p - n_open_free
        slack_b = None if budget is None else budget - spent
        # extra_rj over pairs whose row's best open column is r and G_ij > g2_i
        m = has[rows_all] & (v > g2[rows_all] + _EPS) & ~open_[cols]
        r_of = c1[rows_all[m]]
        extra_val = np.minimum(v[m], g1[rows_all[m]]) - g2[rows_all[m]]
        E = sp.csr_matrix((extra_val, (r_of, cols[m])), shape=(nc, nc))
        E.sum_duplicates()
        er = np.repeat(np.arange(nc), np.diff(E.indptr))
        ej = E.indices
        cand_r = [er]
        cand_j = [ej]
        cand_d = [ins[ej] - loss[er] + E.data]
        # the best pair with no extra term: largest insertion gain, smallest loss
        ok_j = np.flatnonzero(~open_ & np.isfinite(ins))
        ok_r = np.flatnonzero(removable)
        if ok_j.size and ok_r.size:
            if budget is None:
                jb = ok_j[np.argmax(ins[ok_j])]
                rb = ok_r[np.argmin(loss[ok_r])]
                cand_r.append(np.array([rb]))
                cand_j.append(np.array([jb]))
                cand_d.append(np.array([ins[jb] - loss[rb] + E[rb, jb]]))
            else:
                order = ok_j[np.argsort(-ins[ok_j])]
                for rb in ok_r:
                    room = slack_b + cost[rb]
                    fit = order[cost[order] <= room + 1e-9]
                    if fit.size:
                        jb = fit[0]
                        cand_r.append(np.array([rb]))
                        cand_j.append(np.array([jb]))
                        cand_d.append(np.array([ins[jb] - loss[rb] + E[rb, jb]]))
        R = np.concatenate(cand_r)
        J = np.concatenate(cand_j)
        D = np.concatenate(cand_d)
        if slack_b is not None and R.size:
            feas = cost[J] - cost[R] <= slack_b + 1e-9
            R, J, D = R[feas], J[feas], D[feas]
        if R.size:
            feas = removable[R] & ~open_[J]
            R, J, D = R[feas], J[feas], D[feas]
        # a pure insertion when p / the budget leave room
        room_insert = (slack_p is None or slack_p > 0)
        best_ins = None
        if room_insert and ok_j.size:
            cj = ok_j if slack_b is None else ok_j[cost[ok_j] <= slack_b + 1e-9]
            if cj.size:
                jb = cj[np.argmax(ins[cj])]
                if ins[jb] > _EPS * total:
                    best_ins = int(jb)
        improving = D > _EPS * total
        if best_ins is not None and (not improving.any() or ins[best_ins] >= D.max()):
            open_[best_ins] = True
            continue
        if not improving.any():
            break
        R, J, D = R[improving], J[improving], D[improving]
        order = np.argsort(-D)[: max(8, 2 * max(n_open_free, 1))]
        touched = np.zeros(g.n_rows, dtype=bool)
        used = np.zeros(nc, dtype=bool)
        rows_of_r: dict[int, np.ndarray] = {}
        applied = 0
        for k in order:
            r, j = int(R[k]), int(J[k])
            if used[r] or used[j]:
                continue
            rr = rows_of_r.get(r)
            if rr is None:
                rr = np.flatnonzero(c1 == r)
                rows_of_r[r] = rr
            rj, _ = g.column(j)
            if applied and (touched[rr].any() or touched[rj].any()):
                continue
            if budget is not None and applied:
                spent_now = float(cost[open_ & free].sum())
                if spent_now - cost[r] + cost[j] > budget + 1e-9:
                    continue
            open_[r] = False
            open_[j] = True
            used[r] = used[j] = True
            touched[rr] = True
            touched[rj] = True
            applied += 1
            if budget is not None:
                break  # one swap per pass under a budget (costs interact)
    sel = np.flatnonzero(open_ & free)
    logger.debug("interchange: %d passes, F = %.6g", passes, g.value(sel))
    return sel


# ------------------------------------------------------------------------------- Lagrangian
def _best_y(rho: np.ndarray, free: np.ndarray, cost: np.ndarray, p: int | None,
            budget: float | None) -> tuple[float, np.ndarray]:
    """max sum rho_j y_j over free columns with |y| <= p and/or fractional cost <= budget;
    returns the value (a valid bound on the integer problem) and a 0/1 choice for the
    subgradient."""
    idx = np.flatnonzero(free & (rho > 0))
    if idx.size == 0:
        return 0.0, np.zeros(0, dtype=np.int64)
    vals = []
    picks = []
    if p is not None:
        top = idx[np.argsort(-rho[idx])][:p]
        vals.append(float(rho[top].sum()))
        picks.append(top)
    if budget is not None:
        c = cost[idx]
        zero = idx[c <= 0]
        pos = idx[c > 0]
        order = pos[np.argsort(-(rho[pos] / cost[pos]))]
        cum = np.cumsum(cost[order])
        k = int(np.searchsorted(cum, budget, side="right"))
        v = float(rho[zero].sum() + rho[order[:k]].sum())
        if k < order.size:
            left = budget - (cum[k - 1] if k else 0.0)
            v += float(rho[order[k]] * max(left, 0.0) / cost[order[k]])
        vals.append(v)
        picks.append(np.concatenate([zero, order[:k]]))
    if p is None and budget is None:
        return float(rho[idx].sum()), idx
    k = int(np.argmin(vals))
    return vals[k], picks[k]


def lagrangian_bound(g: Gains, p: int | None, budget: float | None, lower: float,
                     start_lambda: np.ndarray | None = None, *,
                     max_seconds: float = 5.0, max_iter: int = 5000) -> float:
    """Upper bound on max F by subgradient optimisation of the Lagrangian dual.

    ``L(lam) = sum_i lam_i + sum_{j fixed} rho_j + max_{y} sum_{j free} rho_j y_j`` with
    ``rho_j = sum_i max(0, G_ij - lam_i)``, lam >= 0: every L(lam) bounds F from above.
    ``lower`` is the best known F (the step size aims at it).
    """
    t0 = time.perf_counter()
    G = g.G
    if G.nnz == 0:
        return 0.0
    rows = g._rows
    cols = G.indices
    v = G.data
    nc = g.n_cols
    free = ~g.fixed
    lam = (np.asarray(start_lambda, float).copy() if start_lambda is not None
           else np.asarray(G.max(axis=1).toarray()).reshape(-1))
    best = INF
    theta = 2.0
    stall = 0
    it = 0
    for it in range(max_iter):  # noqa: B007 (reported after the loop)
        red = np.maximum(v - lam[rows], 0.0)
        rho = np.bincount(cols, weights=red, minlength=nc)
        val, pick = _best_y(rho, free, g.cost, p, budget)
        L = float(lam.sum() + rho[g.fixed].sum() + val)
        if not np.isfinite(best) or L < best - 1e-12 * max(abs(best), 1.0):
            best = L
            stall = 0
        else:
            stall += 1
            if stall >= 15:
                theta /= 2.0
                stall = 0
        if best - lower <= 1e-9 * max(abs(lower), 1.0) or theta < 1e-4:
            break
        if time.perf_counter() - t0 > max_seconds:
            break
        yo = g.fixed.copy()
        yo[pick] = True
        assigned = np.bincount(rows, weights=((red > 0) & yo[cols]).astype(float),
                               minlength=g.n_rows)
        s = 1.0 - assigned
        s = np.where((lam <= 0) & (s > 0), 0.0, s)  # projected: lam stays >= 0
        norm = float(s @ s)
        if norm <= 0:
            break
        step = theta * max(L - lower, 1e-9 * max(abs(L), 1.0)) / norm
        lam = np.maximum(lam - step * s, 0.0)
    logger.debug("Lagrangian bound %.6g after %d iterations (%.2f s)", best, it + 1,
                time.perf_counter() - t0)
    return float(best)
