"""Exact reductions and the Lagrangian bound of set covering (private plumbing of
:mod:`siting.optimize`).

The model (location set covering, Toregas et al. 1971)::

    min  sum_j c_j y_j   s.t.  sum_{j in N_i} y_j >= 1  (every row i),   y_j in {0, 1}

* :func:`reduce_cover` — the classical exact reductions, iterated to a fixpoint (e.g. Beasley
  1987, *EJOR* 31(1):85–93; Beasley 1990, *Naval Research Logistics* 37(1):151–164):

  1. **essential columns** — a row with one candidate forces it open; the rows it covers
     are satisfied and removed;
  2. **row dominance** — a row whose candidate set contains another row's set is satisfied
     by every plan that satisfies the smaller one: removed (equal sets: the higher index);
  3. **column dominance** — a column whose rows are a subset of another column's rows at no
     lower cost is never needed: removed (equal rows and cost: the higher index). With
     ``rows_only`` (partial covering, where rows carry weights and need not all be covered)
     only this one is applied.

  Every removed row has a kept row it contains and every removed column a kept column that
  dominates it (the relations are strict orders), so the optimum is unchanged. The subset
  tests are compiled (numba) on the sparse arrays: for a set S, every superset contains S's
  element of fewest occurrences, so only the sets through that element are compared, by a
  merge of sorted indices — never a dense matrix nor the rows × rows product.

* :func:`lagrangian_set_cover` — the Lagrangian relaxation of Beasley (1990): relaxing the
  cover rows with multipliers ``u_i >= 0`` gives ``L(u) = sum_i u_i + sum_j min(0, c_j -
  sum_{i in N_j} u_i)``, a lower bound for every u whose maximum is the LP bound.
  Subgradient optimisation (``g_i = 1 - sum_{j in N_i} y_j(u)``, Polyak steps towards the
  incumbent, the step halved after 20 iterations without improvement, Beasley's rule of
  zeroing subgradient components that cannot change ``u``), compiled. **Lagrangian
  reduced-cost fixing**: with rc_j = c_j - sum u_i, a column with ``L + rc_j >= UB`` (UB
  the incumbent, integral costs: no better plan forces it open) is fixed closed; one with
  ``L - rc_j >= UB`` (rc_j < 0) is fixed open. Integral costs round the bound up.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from siting.optimize.bounds import timed_chunks

logger = logging.getLogger(__name__)

_INT = np.int64


@njit(cache=True)
def _subset_of(ap, ai, a, bp, bi, b):
    """Whether sorted set a (of CSR ap, ai) is a subset of sorted set b (of bp, bi)."""
    x, xe = ap[a], ap[a + 1]
    y, ye = bp[b], bp[b + 1]
    if xe - x > ye - y:
        return False
    while x < xe:
        v = ai[x]
        while y < ye and bi[y] < v:
            y += 1
        if y == ye or bi[y] != v:
            return False
        x += 1
        y += 1
    return True


@njit(cache=True)
def _rarest(sp_, si, tp, a):
    """The element of set ``a`` (CSR ``sp_, si``) that lies in the fewest sets (transpose
    pointers ``tp``): the shortest list to search for a set containing a."""
    best = -1
    bestn = 1 << 62
    for x in range(sp_[a], sp_[a + 1]):
        e = si[x]
        c = tp[e + 1] - tp[e]
        if c < bestn:
            bestn = c
            best = e
    return best


@njit(cache=True)
def _superset_rows(sp_, si, tp, ti, dead):
    """Mark (``dead``) every set that contains another set: for each live set a, the sets
    through a's rarest element with at least a's size are tested; a strict superset is
    removed, an equal set only when its index is higher. ``sp_, si``: sets (CSR, sorted);
    ``tp, ti``: the transpose (element -> sets, sorted)."""
    n = sp_.size - 1
    for a in range(n):
        if dead[a]:
            continue
        la = sp_[a + 1] - sp_[a]
        if la == 0:
            continue
        best = _rarest(sp_, si, tp, a)
        for y in range(tp[best], tp[best + 1]):
            b = ti[y]
            if b == a or dead[b]:
                continue
            lb = sp_[b + 1] - sp_[b]
            if lb < la or (lb == la and b < a):
                continue
            if _subset_of(sp_, si, a, sp_, si, b):
                dead[b] = True


@njit(cache=True)
def _dominated_cols(cp, ci, rp, ri, cost, dead):
    """Mark (``dead``) every column whose rows lie in another column's rows at no higher
    cost: k dominates j when rows(j) ⊆ rows(k), c_k <= c_j and (c_k < c_j or |rows(k)| >
    |rows(j)| or k < j) — a strict order, so every dead column has a live dominator.
    ``cp, ci``: columns (CSC, sorted rows); ``rp, ri``: rows (CSR, sorted columns)."""
    n = cp.size - 1
    for j in range(n):
        lj = cp[j + 1] - cp[j]
        if lj == 0:
            dead[j] = True
            continue
        best = _rarest(cp, ci, rp, j)
        for y in range(rp[best], rp[best + 1]):
            k = ri[y]
            if k == j or cost[k] > cost[j]:
                continue
            lk = cp[k + 1] - cp[k]
            if lk < lj:
                continue
            if not (cost[k] < cost[j] or lk > lj or k < j):
                continue
            if _subset_of(cp, ci, j, cp, ci, k):
                dead[j] = True
                break


@dataclass
class CoverReduction:
    """What :func:`reduce_cover` kept: rows and columns of the input that remain, columns
    forced open, and the counts of each reduction."""

    rows: np.ndarray
    cols: np.ndarray
    forced: np.ndarray
    stats: dict


def _csr(A: sp.spmatrix) -> sp.csr_matrix:
    A = sp.csr_matrix(A, dtype=bool)
    A.sort_indices()
    return A


def reduce_cover(A: sp.spmatrix, cost: np.ndarray, *, rows_only: bool = False,
                 max_rounds: int = 50) -> CoverReduction:
    """Exact set covering reductions to a fixpoint (see the module docstring).

    ``A``: rows × columns, a row's nonzeros its candidate columns; ``cost`` per column.
    ``rows_only=True`` (partial covering): column dominance only, no row is removed and no
    column forced. Returns the indices of the rows and columns of ``A`` left and of the
    columns forced open (each a column of ``A``)."""
    A = _csr(A)
    cost = np.asarray(cost, dtype=np.float64)
    rows = np.arange(A.shape[0])
    cols = np.arange(A.shape[1])
    forced: list[np.ndarray] = []
    stats = {"essential": 0, "rows_dominated": 0, "cols_dominated": 0, "rounds": 0}
    cur = A
    for _ in range(max_rounds):
        stats["rounds"] += 1
        changed = False
        if not rows_only:
            # 1. essential columns
            rl = np.diff(cur.indptr)
            single = np.flatnonzero(rl == 1)
            if single.size:
                ess = np.unique(cur.indices[cur.indptr[single]])
                forced.append(cols[ess])
                stats["essential"] += int(ess.size)
                mark = np.zeros(cur.shape[1], np.int32)
                mark[ess] = 1
                hit = np.asarray(cur @ mark).reshape(-1) > 0
                keep_c = np.ones(cur.shape[1], bool)
                keep_c[ess] = False
                cur = _csr(cur[~hit][:, keep_c])
                rows, cols = rows[~hit], cols[keep_c]
                changed = True
            # 2. row dominance
            if cur.shape[0]:
                T = _csr(cur.T)
                dead = np.zeros(cur.shape[0], np.bool_)
                _superset_rows(cur.indptr.astype(_INT), cur.indices.astype(_INT),
                               T.indptr.astype(_INT), T.indices.astype(_INT), dead)
                if dead.any():
                    stats["rows_dominated"] += int(dead.sum())
                    cur = _csr(cur[~dead])
                    rows = rows[~dead]
                    changed = True
        # 3. column dominance (and empty columns)
        if cur.shape[1]:
            C = _csr(cur.T)  # columns as sets of rows
            dead = np.zeros(cur.shape[1], np.bool_)
            _dominated_cols(C.indptr.astype(_INT), C.indices.astype(_INT),
                            cur.indptr.astype(_INT), cur.indices.astype(_INT),
                            cost[cols], dead)
            if dead.any():
                stats["cols_dominated"] += int(dead.sum())
                cur = _csr(cur[:, ~dead])
                cols = cols[~dead]
                changed = True
        if not changed or rows_only:
            break
    f = np.concatenate(forced) if forced else np.zeros(0, np.int64)
    stats.update(rows_left=int(rows.size), cols_left=int(cols.size), pairs_left=int(cur.nnz))
    logger.debug("set cover reductions: %s", stats)
    return CoverReduction(rows=rows, cols=cols, forced=np.sort(f), stats=stats)


# ---------------------------------------------------------------------------------- Lagrangian
@njit(cache=True)
def _lagr_sc(iters, ub, cp, ci, rp, ri, cost, u, best_u, out, fix_closed, fix_open,
             gap_need, pi0):
    """Subgradient iterations of Beasley's set covering Lagrangian. ``out``: [0] best bound,
    [1] iterations, [2] final step parameter. ``gap_need``: a column whose forcing lifts
    the bound to at least this is fixed (closed, or open for a chosen one)."""
    n = cp.size - 1
    m = rp.size - 1
    rc = np.zeros(n)
    cnt = np.zeros(m)
    g = np.zeros(m)
    lb = out[0]
    pi = pi0
    stall = 0
    it = 0
    for it in range(iters):  # noqa: B007 (the count is returned)
        L = 0.0
        for i in range(m):
            L += u[i]
            cnt[i] = 0.0
        for j in range(n):
            s = 0.0
            for a in range(cp[j], cp[j + 1]):
                s += u[ci[a]]
            d = cost[j] - s
            rc[j] = d
            if d < 0:
                L += d
                for a in range(cp[j], cp[j + 1]):
                    cnt[ci[a]] += 1.0
        if L > lb:
            lb = L
            stall = 0
            for i in range(m):
                best_u[i] = u[i]
        else:
            stall += 1
            if stall >= 20:
                pi *= 0.5
                stall = 0
        for j in range(n):
            if fix_closed[j] or fix_open[j]:
                continue
            d = rc[j]
            if d >= 0:
                if L + d >= gap_need:
                    fix_closed[j] = True
            elif L - d >= gap_need:
                fix_open[j] = True
        nrm = 0.0
        for i in range(m):
            gi = 1.0 - cnt[i]
            if u[i] <= 0 and gi < 0:
                gi = 0.0
            g[i] = gi
            nrm += gi * gi
        if nrm <= 0:
            # y(u) covers every row exactly once: L(u) is the cost of a cover, optimal
            lb = max(lb, L)
            break
        if pi < 1e-4 or ub - lb <= 1e-9 * max(1.0, abs(ub)):
            break
        target = ub if ub > L else L + 1e-3 * max(1.0, abs(L))
        step = pi * (1.05 * target - L) / nrm
        for i in range(m):
            v = u[i] + step * g[i]
            u[i] = v if v > 0 else 0.0
    out[0] = lb
    out[1] = it + 1
    out[2] = pi


@njit(cache=True)
def _lagr_cover_heuristic(cp, ci, rp, ri, cost, u, cols_out):
    """Beasley's (1990) Lagrangian heuristic: the columns of negative reduced cost at ``u``,
    then for each row left uncovered its column of least reduced cost, then redundant
    columns dropped (least attractive first). Writes the columns into ``cols_out`` and
    returns (count, cost)."""
    n = cp.size - 1
    m = rp.size - 1
    rc = np.empty(n)
    for j in range(n):
        s = 0.0
        for a in range(cp[j], cp[j + 1]):
            s += u[ci[a]]
        rc[j] = cost[j] - s
    sel = np.zeros(n, np.bool_)
    cnt = np.zeros(m, np.int64)
    for j in range(n):
        if rc[j] < 0:
            sel[j] = True
            for a in range(cp[j], cp[j + 1]):
                cnt[ci[a]] += 1
    for i in range(m):
        if cnt[i] > 0:
            continue
        best = -1
        bv = np.inf
        for a in range(rp[i], rp[i + 1]):
            j = ri[a]
            if rc[j] < bv:
                bv = rc[j]
                best = j
        sel[best] = True
        for a in range(cp[best], cp[best + 1]):
            cnt[ci[a]] += 1
    # drop redundant columns, the largest reduced cost (least attractive) first
    order = np.argsort(-rc)
    k = 0
    total = 0.0
    for q in range(n):
        j = order[q]
        if not sel[j]:
            continue
        red = True
        for a in range(cp[j], cp[j + 1]):
            if cnt[ci[a]] < 2:
                red = False
                break
        if red:
            sel[j] = False
            for a in range(cp[j], cp[j + 1]):
                cnt[ci[a]] -= 1
    for j in range(n):
        if sel[j]:
            cols_out[k] = j
            k += 1
            total += cost[j]
    return k, total


@dataclass
class SetCoverBound:
    """State of the set covering Lagrangian: best lower bound (raw, not rounded), its
    multipliers, the columns fixed closed / open."""

    bound: float
    u: np.ndarray
    fix_closed: np.ndarray
    fix_open: np.ndarray
    iterations: int = 0
    seconds: float = 0.0
    pi: float = 2.0
    #: the best cover Beasley's Lagrangian heuristic found (columns, cost), when asked
    cover: np.ndarray | None = None
    cover_cost: float = math.inf


def set_cover_lower(A: sp.spmatrix, cost: np.ndarray, u: np.ndarray) -> float:
    """``L(u) = sum u_i + sum_j min(0, c_j - sum_{i in N_j} u_i)``: a lower bound on the
    least cost cover of ``A`` for every ``u >= 0`` (in cost units)."""
    u = np.maximum(np.asarray(u, float), 0.0)
    r = np.asarray(sp.csc_matrix(A, dtype=np.float64).T @ u).reshape(-1)
    return float(u.sum() + np.minimum(0.0, np.asarray(cost, float) - r).sum())


def lagrangian_set_cover(A: sp.spmatrix, cost: np.ndarray, incumbent: float | None, *,
                         state: SetCoverBound | None = None, max_iter: int = 5000,
                         max_seconds: float | None = None, heuristic: bool = False
                         ) -> SetCoverBound:
    """Beasley's Lagrangian lower bound for covering every row of ``A`` at least cost, and
    the reduced-cost fixings against ``incumbent`` (see the module docstring). Continues
    from ``state`` (warm multipliers; its fixings accumulate) when given."""
    A = _csr(A)
    C = _csr(A.T)
    cost = np.asarray(cost, dtype=np.float64)
    m, n = A.shape
    integral = bool(np.all(cost == np.round(cost)))
    if state is None:
        # Beasley's start: u_i = min over the row's columns of c_j / |N_j|
        cl = np.maximum(np.diff(C.indptr), 1)
        ratio = cost / cl
        u0 = np.full(m, np.inf)
        rr = np.repeat(np.arange(m), np.diff(A.indptr))
        np.minimum.at(u0, rr, ratio[A.indices])
        u0[~np.isfinite(u0)] = 0.0
        state = SetCoverBound(bound=-math.inf, u=u0, fix_closed=np.zeros(n, bool),
                              fix_open=np.zeros(n, bool))
    gap_need, ub_steps = fixing_levels(incumbent, cost, integral)
    u = state.u.copy()
    best_u = state.u.copy()
    out = np.array([state.bound, 0.0, state.pi])
    cp, ci = C.indptr.astype(_INT), C.indices.astype(_INT)
    rp, ri = A.indptr.astype(_INT), A.indices.astype(_INT)
    buf = np.zeros(n, dtype=_INT)
    t0 = time.perf_counter()
    pi = state.pi

    def step(n_it: int, done: int) -> int:
        nonlocal pi
        _lagr_sc(n_it, ub_steps, cp, ci, rp, ri, cost, u, best_u, out, state.fix_closed,
                 state.fix_open, gap_need, pi)
        pi = float(out[2])
        if heuristic:  # Beasley's Lagrangian heuristic at the current multipliers
            kk, cc = _lagr_cover_heuristic(cp, ci, rp, ri, cost, u, buf)
            if cc < state.cover_cost:
                state.cover_cost = float(cc)
                state.cover = buf[:kk].copy()
        return int(out[1])

    done = timed_chunks(step, max_iter, max_seconds)
    return keep_state(state, out, best_u, done, pi, t0, "set cover", incumbent)


def fixing_levels(incumbent: float | None, cost: np.ndarray, integral: bool
                  ) -> tuple[float, float]:
    """``(gap_need, ub_steps)`` of the covering Lagrangians: the bound a column's forcing must
    reach for the column to be fixed (no plan cheaper than ``incumbent`` — by at least 1 with
    integral costs — has it that way; infinite without an incumbent), and the target of the
    subgradient steps (the incumbent, else the cost of every column plus one)."""
    if incumbent is None or not math.isfinite(incumbent):
        return math.inf, float(np.sum(cost)) + 1.0
    ub = float(incumbent)
    return (ub - 1.0 + 1e-6 if integral else ub - 1e-9 * max(1.0, abs(ub))), ub


def keep_state(state: SetCoverBound, out: np.ndarray, best: np.ndarray, done: int, pi: float,
               t0: float, what: str, incumbent: float | None) -> SetCoverBound:
    """Fold a run of a covering Lagrangian kernel (``out``: [0] best bound, ``best`` its
    multipliers, ``done`` iterations, ``pi`` the last step parameter, started at ``t0``) into
    ``state`` and log it; returns ``state``."""
    if out[0] > state.bound:
        state.bound = float(out[0])
        state.u = best
    state.fix_open &= ~state.fix_closed
    state.iterations += done
    state.seconds += time.perf_counter() - t0
    state.pi = max(pi, 0.05)
    logger.debug("%s lagrangian: %d iterations, bound %.6g (incumbent %s), %d fixed closed, "
                "%d open", what, done, state.bound, incumbent, int(state.fix_closed.sum()),
                int(state.fix_open.sum()))
    return state


def fix_set_cover(A: sp.spmatrix, cost: np.ndarray, u: np.ndarray, incumbent: float
                  ) -> tuple[float, np.ndarray, np.ndarray]:
    """The reduced-cost tests for one multiplier vector against ``incumbent``: ``(L(u),
    closed, open)`` — columns no plan cheaper than the incumbent can open / can leave
    closed (integral costs: cheaper by at least 1)."""
    cost = np.asarray(cost, float)
    u = np.maximum(np.asarray(u, float), 0.0)
    r = np.asarray(sp.csc_matrix(A, dtype=np.float64).T @ u).reshape(-1)
    rc = cost - r
    L = float(u.sum() + np.minimum(0.0, rc).sum())
    need, _ = fixing_levels(incumbent, cost, bool(np.all(cost == np.round(cost))))
    closed = (rc >= 0) & (L + rc >= need)
    opened = (rc < 0) & (L - rc >= need)
    return L, closed, opened


def submodel(red, rows: np.ndarray, cols: np.ndarray, forced: np.ndarray):
    """The :class:`~siting.optimize.reduce.Reduced` model of ``red`` kept by a set covering
    reduction: rows ``rows`` and columns ``cols`` of ``red``; the weight of the other rows
    (covered by every feasible plan, or by the ``forced`` columns) goes to ``offset``."""
    from siting.optimize.reduce import Reduced

    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    A = _csr(red.A.tocsr()[rows][:, cols])
    new_of_old = np.full(red.n_rows, -1, dtype=np.int64)
    new_of_old[rows] = np.arange(rows.size)
    old = red.row_of_demand
    row_of = np.where(old >= 0, new_of_old[np.maximum(old, 0)], -1)
    w = np.asarray(red.w, float)
    offset = red.offset + float(w.sum() - w[rows].sum())
    sizes = dict(red.sizes)
    sizes.update(rows_sc=int(rows.size), cols_sc=int(cols.size), pairs_sc=int(A.nnz),
                 forced_sc=int(np.asarray(forced).size))
    return Reduced(A=A, w=w[rows].copy(), h=None if red.h is None else red.h[rows].copy(),
                   col_site=red.col_site[cols], fixed=np.zeros(cols.size, dtype=bool),
                   cost=red.cost[cols], cap=None if red.cap is None else red.cap[cols],
                   row_of_demand=row_of, offset=offset, total=red.total, sizes=sizes)
