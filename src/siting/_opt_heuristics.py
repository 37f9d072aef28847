"""Greedy and interchange heuristics on sparse coverage (private plumbing).

All moves are evaluated with sparse matrix–vector products on the reduced model's CSR/CSC
arrays, so one pass costs O(pairs), never O(demand × sites).

* :func:`greedy_max_cover` — add the site with the largest uncovered weight (per unit cost
  under a budget) until p sites are open, the budget is spent or nothing gains.
* :func:`swap_max_cover` — Teitz & Bart (1968) style vertex substitution: repeatedly apply the
  best single exchange (close one open site, open one closed site) that raises the covered
  weight, until no exchange improves. The gain of every exchange is computed at once:
  ``delta(s, j) = gain_j - loss_s + corr[j, s]`` where ``gain_j`` is the uncovered weight j
  reaches, ``loss_s`` the weight only s covers and ``corr[j, s]`` the part of that weight j
  also reaches (``corr = A[U]ᵀ P``, U the singly covered rows, P their owner).
* :func:`greedy_target` — add by weight per cost until the needed weight is covered, then drop
  redundant sites (most expensive first).
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp

from ._opt_reduce import Reduced

logger = logging.getLogger(__name__)

_EPS = 1e-9


def _counts(red: Reduced, open_mask: np.ndarray) -> np.ndarray:
    return np.asarray(red.A @ open_mask.astype(np.int32)).reshape(-1)


def covered_weight(red: Reduced, open_cols: np.ndarray) -> float:
    """Covered weight in the model (without the offset) when ``open_cols`` and fixed are open."""
    mask = red.fixed.copy()
    mask[np.asarray(open_cols, dtype=np.int64)] = True
    return float(red.w[_counts(red, mask) > 0].sum())


def greedy_max_cover(red: Reduced, p: int | None, budget: float | None,
                     start: np.ndarray | None = None) -> np.ndarray:
    """Greedy additions (max marginal weight, per cost under a budget) from ``start``."""
    A = red.A
    At = A.T.tocsr()  # cols × rows
    mask = red.fixed.copy()
    if start is not None:
        mask[start] = True
    cnt = _counts(red, mask)
    unc_w = np.where(cnt == 0, red.w, 0.0)
    gain = np.asarray(At @ unc_w).reshape(-1)
    gain[mask] = -np.inf
    chosen = [] if start is None else list(np.asarray(start, dtype=np.int64))
    spent = float(red.cost[chosen].sum()) if chosen else 0.0
    cost = red.cost
    while p is None or len(chosen) < p:
        if budget is not None:
            ok = (cost <= budget - spent + _EPS) & np.isfinite(gain)
            if not ok.any():
                break
            ratio = np.where(ok, gain / np.maximum(cost, 1e-12), -np.inf)
            j = int(np.argmax(ratio))
        else:
            j = int(np.argmax(gain))
        if not gain[j] > 0:
            break
        chosen.append(j)
        spent += cost[j]
        mask[j] = True
        gain[j] = -np.inf
        rows = At.indices[At.indptr[j]:At.indptr[j + 1]]
        new = rows[cnt[rows] == 0]
        cnt[rows] += 1
        if new.size:
            dec = np.asarray(A[new].T @ red.w[new]).reshape(-1)
            gain -= dec
    sel = np.asarray(chosen, dtype=np.int64)
    if budget is not None and sel.size:
        # the ratio rule alone can be arbitrarily bad; compare with the best single site
        At_w = np.asarray(At @ np.where(_counts(red, red.fixed) == 0, red.w, 0.0)).reshape(-1)
        afford = np.flatnonzero((cost <= budget + _EPS) & ~red.fixed)
        if afford.size:
            b = afford[np.argmax(At_w[afford])]
            if At_w[b] > covered_weight(red, sel) - covered_weight(red, np.array([], int)):
                sel = greedy_max_cover(red, p, budget, start=np.array([b]))
    return sel


def swap_max_cover(red: Reduced, sel: np.ndarray, p: int | None, budget: float | None, *,
                   max_seconds: float | None = None, max_iter: int = 100_000) -> np.ndarray:
    """Best-improvement single exchanges (Teitz–Bart) until no exchange raises coverage."""
    A = red.A
    nc = red.n_cols
    At = A.T.tocsr()
    S = [int(s) for s in sel]
    cost = red.cost
    tol = _EPS * max(1.0, float(red.w.sum()))
    t0 = time.perf_counter()
    it = 0
    while it < max_iter:
        it += 1
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            logger.info("swap search stopped at its time limit after %d moves", it - 1)
            break
        mask = red.fixed.copy()
        mask[S] = True
        cnt = _counts(red, mask)
        gain = np.asarray(At @ np.where(cnt == 0, red.w, 0.0)).reshape(-1)
        gain[mask] = -np.inf
        spent = float(cost[S].sum()) if S else 0.0
        # opening one more site when p / budget leave room
        room_p = p is None or len(S) < p
        if room_p:
            ok = np.isfinite(gain) & (gain > tol)
            if budget is not None:
                ok &= cost <= budget - spent + _EPS
            if ok.any():
                S.extend(greedy_max_cover(red, p, None if budget is None else budget,
                                          start=np.asarray(S, dtype=np.int64))[len(S):].tolist())
                continue
        if not S:
            break
        Sarr = np.asarray(S, dtype=np.int64)
        AS = A[:, Sarr].tocsr()
        cntS = np.diff(AS.indptr)
        uniq = np.flatnonzero((cnt == 1) & (cntS == 1))
        owner = AS.indices[AS.indptr[uniq]]  # position in S
        loss = np.bincount(owner, weights=red.w[uniq], minlength=len(S))
        P = sp.csr_matrix((red.w[uniq], (np.arange(uniq.size), owner)), shape=(uniq.size, len(S)))
        corr = (A[uniq].T.tocsr() @ P).tocoo()  # cols × |S|
        j_c, s_c, v_c = corr.row, corr.col, corr.data
        ok_c = ~mask[j_c]
        if budget is not None:
            allow = budget - spent + cost[Sarr]  # largest cost of the incoming site, per s
            ok_c &= cost[j_c] <= allow[s_c] + _EPS
        best_val = np.full(len(S), -np.inf)
        best_j = np.full(len(S), -1, dtype=np.int64)
        if ok_c.any():
            vals = gain[j_c[ok_c]] + v_c[ok_c]
            order = np.lexsort((-vals, s_c[ok_c]))
            s_sorted = s_c[ok_c][order]
            first = np.ones(order.size, dtype=bool)
            first[1:] = s_sorted[1:] != s_sorted[:-1]
            best_val[s_sorted[first]] = vals[order][first]
            best_j[s_sorted[first]] = j_c[ok_c][order][first]
        # exchanges with a site that shares no singly covered row with s (corr = 0)
        cand = np.flatnonzero(np.isfinite(gain))
        if cand.size:
            order = cand[np.argsort(-gain[cand], kind="stable")]
            if budget is None:
                top = order[0]
                better = gain[top] > best_val
                best_val[better] = gain[top]
                best_j[better] = top
            else:
                pm = np.minimum.accumulate(cost[order])
                allow = budget - spent + cost[Sarr]
                pos = np.searchsorted(-pm, -(allow + _EPS), side="left")
                has = pos < order.size
                # prefix minimum changes exactly at the first affordable site in gain order
                js = np.where(has, order[np.minimum(pos, order.size - 1)], -1)
                gv = np.where(js >= 0, gain[np.maximum(js, 0)], -np.inf)
                better = gv > best_val
                best_val[better] = gv[better]
                best_j[better] = js[better]
        delta = best_val - loss
        t = int(np.argmax(delta))
        if not delta[t] > tol or best_j[t] < 0:
            break
        S[t] = int(best_j[t])
    logger.debug("swap search: %d passes", it)
    return np.asarray(S, dtype=np.int64)


def greedy_target(red: Reduced, need: float, count_only: bool) -> np.ndarray | None:
    """Cheapest-first greedy to cover ``need`` weight, then drop redundant sites.

    Returns None when even every candidate together does not cover ``need``.
    """
    if need <= _EPS:
        return np.zeros(0, dtype=np.int64)
    A = red.A
    At = A.T.tocsr()
    mask = red.fixed.copy()
    cnt = _counts(red, mask)
    covered = float(red.w[cnt > 0].sum())
    gain = np.asarray(At @ np.where(cnt == 0, red.w, 0.0)).reshape(-1)
    gain[mask] = -np.inf
    cost = np.ones(red.n_cols) if count_only else red.cost
    chosen: list[int] = []
    tol = _EPS * max(1.0, float(red.w.sum()))
    while covered < need - tol:
        ratio = np.where(gain > 0, gain / np.maximum(cost, 1e-12), -np.inf)
        j = int(np.argmax(ratio))
        if not gain[j] > 0:
            return None
        chosen.append(j)
        covered += gain[j]
        gain[j] = -np.inf
        rows = At.indices[At.indptr[j]:At.indptr[j + 1]]
        new = rows[cnt[rows] == 0]
        cnt[rows] += 1
        if new.size:
            gain -= np.asarray(A[new].T @ red.w[new]).reshape(-1)
    # drop redundant sites, the most expensive first
    for j in sorted(chosen, key=lambda c: -cost[c]):
        rows = At.indices[At.indptr[j]:At.indptr[j + 1]]
        lost = float(red.w[rows[cnt[rows] == 1]].sum())
        if covered - lost >= need - tol:
            chosen.remove(j)
            cnt[rows] -= 1
            covered -= lost
    return np.asarray(chosen, dtype=np.int64)


def cover_upper_bound(red: Reduced, sel: np.ndarray, p: int | None,
                      budget: float | None) -> float:
    """A valid upper bound on the model's covered weight (without the offset).

    Coverage is monotone submodular, so for any plan S and the optimum O,
    ``f(O) <= f(S) + sum_{j in O} gain_j(S)`` (Nemhauser, Wolsey & Fisher 1978). The sum is
    bounded by the p largest gains, and under a budget by the fractional knapsack over gains.
    """
    A = red.A
    mask = red.fixed.copy()
    mask[np.asarray(sel, dtype=np.int64)] = True
    cnt = _counts(red, mask)
    f = float(red.w[cnt > 0].sum())
    gain = np.asarray(A.T @ np.where(cnt == 0, red.w, 0.0)).reshape(-1)
    gain[mask] = 0.0
    bounds = [float(red.w.sum())]
    if p is not None:
        k = int(min(p, gain.size))
        top = np.partition(gain, gain.size - k)[gain.size - k:] if k > 0 else np.zeros(0)
        bounds.append(f + float(top.sum()))
    if budget is not None:
        cost = red.cost
        pos = gain > 0
        free = pos & (cost <= 0)
        b = f + float(gain[free].sum())
        paid = np.flatnonzero(pos & (cost > 0))
        order = paid[np.argsort(-(gain[paid] / cost[paid]), kind="stable")]
        cum = np.cumsum(cost[order])
        full = cum <= budget
        b += float(gain[order[full]].sum())
        nxt = int(full.sum())
        if nxt < order.size:
            left = budget - (cum[nxt - 1] if nxt > 0 else 0.0)
            b += float(gain[order[nxt]] * max(left, 0.0) / cost[order[nxt]])
        bounds.append(b)
    if p is None and budget is None:
        bounds.append(f + float(gain.sum()))
    return min(bounds)


def lagrangian_max_cover(red: Reduced, p: int, start: np.ndarray, *,
                         max_seconds: float | None = None, max_iter: int = 3000,
                         swap_every: int = 25) -> tuple[np.ndarray, float]:
    """Lagrangian relaxation of maximal covering with subgradient optimisation.

    Relaxing ``x_i <= sum_j a_ij y_j`` with multipliers ``0 <= lambda_i <= w_i`` leaves
    ``L(lambda) = sum_i (w_i - lambda_i) + (sum of the p largest r_j)``, ``r_j = sum_{i in
    col j} lambda_i`` (Galvão & ReVelle 1996, *EJOR* 88(1):114–123). ``min L`` equals the LP
    bound. Every ``swap_every`` iterations the subproblem's p sites (a feasible plan, usually
    poor alone) are improved by :func:`swap_max_cover`; the best plan is returned. Costs
    O(pairs) per iteration plus the swap searches.

    Returns
    -------
    (numpy.ndarray, float)
        The best plan found (columns) and the best Lagrangian upper bound (model weight, no
        offset).
    """
    A = red.A
    At = A.T.tocsr()
    w = red.w
    free = ~red.fixed
    base = _counts(red, red.fixed)
    best_S = np.asarray(start, dtype=np.int64)
    best_f = covered_weight(red, best_S)
    k = int(min(p, int(free.sum())))
    if k <= 0:
        return best_S, best_f
    lam = 0.5 * w
    ub = np.inf
    pi = 2.0
    stall = 0
    seen: set[bytes] = set()
    t0 = time.perf_counter()
    for it in range(max_iter):
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            break
        r = np.asarray(At @ lam).reshape(-1)
        r[~free] = -np.inf
        top = np.argpartition(-r, k - 1)[:k]
        top = top[r[top] > 0]
        x = (w - lam) > 0
        L = float((w - lam)[x].sum() + r[top].sum())
        # fixed columns cover their rows for free
        y = np.zeros(red.n_cols, dtype=np.int32)
        y[top] = 1
        cnt = np.asarray(A @ y).reshape(-1) + base
        if not np.isfinite(ub) or L < ub - 1e-9 * max(1.0, ub):
            ub = L
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                pi /= 2.0
                stall = 0
        if it % swap_every == swap_every - 1:
            key = np.sort(top).tobytes()
            if key not in seen:
                seen.add(key)
                left = None if max_seconds is None else \
                    max(0.0, max_seconds - (time.perf_counter() - t0))
                cand = swap_max_cover(red, top, p, None, max_seconds=left)
                fc = covered_weight(red, cand)
                if fc > best_f + 1e-9:
                    best_S, best_f = cand, fc
        g = x.astype(float) - cnt  # x_i - sum_j a_ij y_j
        g[(lam <= 0) & (g < 0)] = 0.0
        g[(lam >= w) & (g > 0)] = 0.0
        norm = float(g @ g)
        if norm <= 0 or pi < 1e-4 or ub - best_f <= 1e-9 * max(1.0, ub):
            break
        step = pi * (ub - best_f) / norm
        lam = np.clip(lam + step * g, 0.0, w)
    logger.info("lagrangian: %d iterations, plan %.6g, bound %.6g", it + 1, best_f, ub)
    return best_S, min(ub, float(w.sum()))
