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

from siting.optimize.reduce import Reduced

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
    """Teitz–Bart exchanges (close one open site, open one closed site) until none improves.

    Every pass scores all exchanges at once from per-site vectors (O(pairs), see the module
    docstring), then applies, best first, every improving exchange whose two sites touch no
    demand row touched by an exchange already applied in the pass: the gain of such an
    exchange depends only on the rows of its two sites, so it is still exact. With a budget
    one exchange is applied per pass (exchanges then interact through the budget).
    """
    A = red.A
    nc = red.n_cols
    prow = np.repeat(np.arange(red.n_rows), np.diff(A.indptr))
    pcol = A.indices.astype(np.int64)
    At = A.T.tocsr()
    w = red.w
    cost = red.cost
    is_open = red.fixed.copy()
    S = [int(s) for s in sel]
    is_open[S] = True
    tol = _EPS * max(1.0, float(w.sum()))
    t0 = time.perf_counter()
    moves = 0
    it = 0
    while it < max_iter:
        it += 1
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            logger.debug("swap search stopped at its time limit after %d moves", moves)
            break
        o = is_open[pcol]
        cnt = np.bincount(prow, weights=o, minlength=red.n_rows)
        unc = cnt < 0.5
        gain = np.bincount(pcol, weights=np.where(unc[prow], w[prow], 0.0), minlength=nc)
        gain[is_open] = -np.inf
        spent = float(cost[S].sum()) if S else 0.0
        room_p = p is None or len(S) < p
        if room_p:
            ok = np.isfinite(gain) & (gain > tol)
            if budget is not None:
                ok &= cost <= budget - spent + _EPS
            if ok.any():
                S.extend(greedy_max_cover(red, p, budget, start=np.asarray(S, dtype=np.int64))
                         [len(S):].tolist())
                is_open[S] = True
                continue
        if not S:
            break
        Sarr = np.asarray(S, dtype=np.int64)
        single = np.abs(cnt - 1.0) < 0.5
        owner = np.bincount(prow, weights=np.where(o, pcol, 0), minlength=red.n_rows)
        owner = np.rint(owner).astype(np.int64)
        srows = np.flatnonzero(single)
        loss = np.bincount(owner[srows], weights=w[srows], minlength=nc)
        k = np.flatnonzero(single[prow] & ~o)
        key = pcol[k] * nc + owner[prow[k]]
        uk, inv = np.unique(key, return_inverse=True)
        corr = np.bincount(inv, weights=w[prow[k]], minlength=uk.size)
        j_c, s_c = uk // nc, uk % nc
        if budget is not None:
            allow = budget - spent + cost  # largest incoming cost when s leaves
            okc = cost[j_c] <= allow[s_c] + _EPS
            j_c, s_c, corr = j_c[okc], s_c[okc], corr[okc]
        vals = gain[j_c] + corr
        best_val = np.full(nc, -np.inf)
        best_j = np.full(nc, -1, dtype=np.int64)
        if vals.size:
            order = np.lexsort((-vals, s_c))
            s_sorted = s_c[order]
            first = np.ones(order.size, dtype=bool)
            first[1:] = s_sorted[1:] != s_sorted[:-1]
            best_val[s_sorted[first]] = vals[order][first]
            best_j[s_sorted[first]] = j_c[order][first]
        # exchanges with a site sharing no singly covered row with s (corr = 0)
        cand = np.flatnonzero(np.isfinite(gain))
        if cand.size:
            order = cand[np.argsort(-gain[cand], kind="stable")]
            if budget is None:
                top = order[0]
                better = gain[top] > best_val[Sarr]
                best_val[Sarr[better]] = gain[top]
                best_j[Sarr[better]] = top
            else:
                pm = np.minimum.accumulate(cost[order])
                allow = budget - spent + cost[Sarr]
                pos = np.searchsorted(-pm, -(allow + _EPS), side="left")
                has = pos < order.size
                js = np.where(has, order[np.minimum(pos, order.size - 1)], -1)
                gv = np.where(js >= 0, gain[np.maximum(js, 0)], -np.inf)
                better = gv > best_val[Sarr]
                best_val[Sarr[better]] = gv[better]
                best_j[Sarr[better]] = js[better]
        delta = best_val[Sarr] - loss[Sarr]
        good = np.flatnonzero((delta > tol) & (best_j[Sarr] >= 0))
        if not good.size:
            break
        good = good[np.argsort(-delta[good], kind="stable")]
        if budget is not None:
            good = good[:1]
        touched = np.zeros(red.n_rows, dtype=bool)
        used = set()
        pos_of = {s: t for t, s in enumerate(S)}
        applied = 0
        for t in good:
            s_out, j_in = int(Sarr[t]), int(best_j[Sarr[t]])
            if j_in in used:
                continue
            rows = np.concatenate([At.indices[At.indptr[s_out]:At.indptr[s_out + 1]],
                                   At.indices[At.indptr[j_in]:At.indptr[j_in + 1]]])
            if touched[rows].any():
                continue
            touched[rows] = True
            used.add(j_in)
            S[pos_of[s_out]] = j_in
            is_open[s_out] = False
            is_open[j_in] = True
            applied += 1
        moves += applied
    logger.debug("swap search: %d passes, %d exchanges", it, moves)
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
                         lagrangian_share: float = 0.4,
                         seed: int = 0) -> tuple[np.ndarray, float]:
    """Lagrangian relaxation of maximal covering with subgradient optimisation.

    Relaxing ``x_i <= sum_j a_ij y_j`` with multipliers ``0 <= lambda_i <= w_i`` leaves
    ``L(lambda) = sum_i (w_i - lambda_i) + (sum of the p largest r_j)``, ``r_j = sum_{i in
    col j} lambda_i`` (Galvão & ReVelle 1996, *EJOR* 88(1):114–123). ``min L`` equals the LP
    bound. The subgradient phase (O(pairs) per iteration) uses at most ``lagrangian_share``
    of ``max_seconds``; the subproblem's p sites with the best true coverage (a feasible
    plan) are then improved by :func:`swap_max_cover`, and the rest of the time goes to
    :func:`perturb_search` from the best plan. The best plan is returned.

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
    top_f, top_S = -1.0, None
    t0 = time.perf_counter()
    lag_secs = None if max_seconds is None else lagrangian_share * max_seconds
    it = -1
    for it in range(max_iter):  # noqa: B007 (the count is logged after the loop)
        if lag_secs is not None and time.perf_counter() - t0 > lag_secs:
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
        f_top = float(w[cnt > 0].sum())
        if f_top > top_f:
            top_f, top_S = f_top, top
        g = x.astype(float) - cnt  # x_i - sum_j a_ij y_j
        g[(lam <= 0) & (g < 0)] = 0.0
        g[(lam >= w) & (g > 0)] = 0.0
        norm = float(g @ g)
        if norm <= 0 or pi < 1e-4 or ub - best_f <= 1e-9 * max(1.0, ub):
            break
        step = pi * (ub - best_f) / norm
        lam = np.clip(lam + step * g, 0.0, w)
    if top_S is not None:
        left = None if max_seconds is None else \
            max(0.0, max_seconds - (time.perf_counter() - t0))
        cand = swap_max_cover(red, top_S, p, None, max_seconds=left)
        fc = covered_weight(red, cand)
        if fc > best_f + 1e-9:
            best_S, best_f = cand, fc
    logger.debug("lagrangian: %d iterations, plan %.6g, bound %.6g", it + 1, best_f, ub)
    if max_seconds is not None:
        left = max_seconds - (time.perf_counter() - t0)
        if left > 0 and ub - best_f > 1e-9 * max(1.0, ub):
            best_S, best_f = perturb_search(red, p, best_S, max_seconds=left, seed=seed)
    return best_S, min(ub, float(w.sum()))


def perturb_search(red: Reduced, p: int, start: np.ndarray, *, max_seconds: float,
                   seed: int = 0, patience: int = 200) -> tuple[np.ndarray, float]:
    """Iterated local search: close a few random open sites near each other, refill
    greedily, swap to a local optimum; keep the better plan (a kick of 2 to p/10 sites).
    Stops at ``max_seconds`` or after ``patience`` kicks in a row without improvement."""
    rng = np.random.default_rng(seed)
    best_S = np.asarray(start, dtype=np.int64)
    best_f = covered_weight(red, best_S)
    if best_S.size < 2:
        return best_S, best_f
    At = red.A.T.tocsr()
    A = red.A
    t0 = time.perf_counter()
    tries = improved = since = 0
    while time.perf_counter() - t0 < max_seconds and since < patience:
        tries += 1
        since += 1
        k = int(rng.integers(2, max(3, best_S.size // 10) + 1))
        # a cluster: a random open site and the open sites sharing rows with its neighbours
        s0 = int(rng.choice(best_S))
        rows = At.indices[At.indptr[s0]:At.indptr[s0 + 1]]
        near = np.unique(A[rows].indices) if rows.size else np.zeros(0, np.int64)
        near_rows = np.unique(At[near].indices) if near.size else rows
        close = np.intersect1d(np.unique(A[near_rows].indices), best_S)
        pool = close if close.size >= k else best_S
        out = rng.choice(pool, size=min(k, pool.size), replace=False)
        keep = np.setdiff1d(best_S, out)
        cand = greedy_max_cover(red, p, None, start=keep)
        left = max_seconds - (time.perf_counter() - t0)
        cand = swap_max_cover(red, cand, p, None, max_seconds=max(left, 0.0))
        fc = covered_weight(red, cand)
        if fc > best_f + 1e-9 * max(1.0, best_f):
            best_S, best_f = cand, fc
            improved += 1
            since = 0
    logger.debug("perturbation search: %d kicks, %d improved, plan %.6g", tries, improved, best_f)
    return best_S, best_f
