"""Heuristic starts for the capacitated and multi-category models (private plumbing).

Both give a feasible plan before any solver runs, so that a time limit always has a plan to
return and the solver gets a MIP start.

* :func:`greedy_capacitated` — add the station that would serve the most weight with its
  capacity (each station fills its capacity with the unserved residences in reach, best
  weight per household first: the fractional knapsack, or whole residences only with
  single assignment), until p stations / the budget / the needed weight is reached. The
  assignment it builds meets ``sum_j a_ij <= 1``, ``sum_i h_i a_ij <= Q_j y_j`` and
  ``a_ij <= y_j`` by construction. One pass costs O(pairs) (segment sums over the pairs
  sorted by station, then by weight per household).
* :func:`greedy_multi` — greedy over moves "open category c at site s" (opening the partner
  category too when c must be co-located with it): free moves first (the station is already
  built or counted), then the best gain per new station (p), per cost (budget, targets).
"""

from __future__ import annotations

import logging

import numpy as np

from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)

_EPS = 1e-9


class _CapState:
    """Unserved share per row and the pair order (by column, then weight per household)."""

    def __init__(self, red: Reduced, single: bool):
        A = red.A.tocsr()
        self.red = red
        self.single = single
        self.row_of = np.repeat(np.arange(red.n_rows), np.diff(A.indptr))
        self.col_of = A.indices.astype(np.int64)
        h = np.asarray(red.h, float)
        dens = red.w[self.row_of] / np.maximum(h[self.row_of], 1e-12)
        self.order = np.lexsort((-dens, self.col_of))  # pairs by column, densest first
        self.oc = self.col_of[self.order]
        self.orow = self.row_of[self.order]
        self.starts = np.searchsorted(self.oc, np.arange(red.n_cols + 1))
        self.h = h
        self.cap = np.asarray(red.cap, float)
        self.rem = np.ones(red.n_rows)
        self.frac = np.zeros(A.nnz)

    def take(self):
        """Per sorted pair, the share of the row's remaining demand each column would take."""
        size = self.h[self.orow] * self.rem[self.orow]
        if self.single:
            size = np.where(self.rem[self.orow] >= 1 - _EPS, size, np.inf)
        cs = np.cumsum(np.where(np.isfinite(size), size, 0.0))
        base = np.concatenate([[0.0], cs])[self.starts[:-1]]
        within = cs - base[self.oc]
        before = within - np.where(np.isfinite(size), size, 0.0)
        capc = self.cap[self.oc]
        if self.single:
            # whole residences, in order, while they fit (a residence that does not fit ends it)
            fits = np.isfinite(size) & (within <= capc + _EPS)
            # stop at the first one that does not fit within each column
            bad = ~fits & np.isfinite(size)
            bad_cum = np.cumsum(bad)
            bad_base = np.concatenate([[0], bad_cum])[self.starts[:-1]]
            t = (fits & (bad_cum - bad_base[self.oc] == 0)).astype(float)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                part = np.where(size > 0, (capc - before) / size, 1.0)
            t = np.clip(part, 0.0, 1.0)
            t[self.rem[self.orow] <= _EPS] = 0.0
        return t

    def gains(self, t):
        v = self.red.w[self.orow] * self.rem[self.orow] * t
        return np.bincount(self.oc, weights=v, minlength=self.red.n_cols)

    def open(self, j: int, t) -> None:
        s, e = self.starts[j], self.starts[j + 1]
        rows = self.orow[s:e]
        share = self.rem[rows] * t[s:e]
        self.frac[self.order[s:e]] += share
        self.rem[rows] = np.maximum(self.rem[rows] - share, 0.0)

    def served(self) -> float:
        return float((self.red.w * (1.0 - self.rem)).sum())


def greedy_capacitated(red: Reduced, p: int | None, budget: float | None, *,
                       single: bool = False, need: float | None = None,
                       count_only: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    """A feasible capacitated plan: open columns and the fraction served per stored pair.

    Max-cover mode (``need`` None): up to p stations / within the budget, largest served
    weight each step (per cost under a budget). Target mode: least cost (or count) per
    served weight until ``need`` is served; None when the candidates cannot serve it.
    """
    st = _CapState(red, single)
    for j in np.flatnonzero(red.fixed):
        st.open(int(j), st.take())
    cost = np.ones(red.n_cols) if count_only else np.asarray(red.cost, float)
    is_open = red.fixed.copy()
    chosen: list[int] = []
    spent = 0.0
    tol = _EPS * max(1.0, float(red.w.sum()))
    while True:
        if need is not None and st.served() >= need - tol:
            break
        if need is None and p is not None and len(chosen) >= p:
            break
        t = st.take()
        g = st.gains(t)
        g[is_open] = -np.inf
        if budget is not None:
            g[cost > budget - spent + _EPS] = -np.inf
        if need is not None or budget is not None:
            score = np.where(g > tol, g / np.maximum(cost, 1e-12), -np.inf)
        else:
            score = g
        best_j = int(np.argmax(score))
        if not g[best_j] > tol:
            break
        st.open(best_j, t)
        is_open[best_j] = True
        chosen.append(best_j)
        spent += cost[best_j]
    if need is not None and st.served() < need - tol:
        return None
    return np.asarray(chosen, dtype=np.int64), st.frac


def capacitated_value(red: Reduced, frac: np.ndarray) -> float:
    """Served weight of a pair-fraction assignment."""
    A = red.A
    row_of = np.repeat(np.arange(red.n_rows), np.diff(A.indptr))
    served = np.minimum(np.bincount(row_of, weights=frac, minlength=red.n_rows), 1.0)
    return float((red.w * served).sum())


# ---------------------------------------------------------------------------------- multi
def greedy_multi(reds: dict, cats: list, col_station: dict, built: np.ndarray, F: np.ndarray,
                 cw: dict, *, p: int | None, budget: float | None, needs: dict | None,
                 partner: dict) -> dict | None:
    """Greedy plan for :func:`siting.optimize.solve_multi`: open columns per category.

    ``col_station[c]`` maps category c's model columns to station indices, ``built`` marks
    stations already built (no station cost, not counted in p), ``F`` station costs,
    ``partner[c]`` lists ``(b, cols_b)`` for each co-location rule (c, b): ``cols_b[j]`` is
    b's column at the station of c's column j, ``-2`` when b already exists there and ``-1``
    when b cannot open there (c may then not open at j). A move opens every category the
    rules require at that station, through chains (a beside b, b beside c). Returns None in
    targets mode when the greedy cannot meet every target.
    """
    req = _requirements(cats, partner)
    At = {c: reds[c].A.T.tocsr() for c in cats}
    cnt = {c: np.asarray(reds[c].A @ reds[c].fixed.astype(np.int32)).reshape(-1) for c in cats}
    is_open = {c: reds[c].fixed.copy() for c in cats}
    station_open = built.copy()
    covered = {c: float(reds[c].w[cnt[c] > 0].sum()) for c in cats}
    spent = 0.0
    n_new = 0
    tol = 1e-9

    def met(needs: dict) -> bool:
        return all(covered[c] >= needs[c] - 1e-6 * max(1.0, abs(needs[c])) for c in needs)

    while not (needs is not None and met(needs)):
        raw = {c: np.asarray(At[c] @ np.where(cnt[c] == 0, reds[c].w, 0.0)).reshape(-1)
               for c in cats}
        val = {}
        for c in cats:
            if needs is not None:
                left = max(needs[c] - covered[c], 0.0) if c in needs else 0.0
                val[c] = np.minimum(raw[c], left) / max(reds[c].total, 1e-12)
            else:
                val[c] = cw[c] * raw[c]
        best = None
        best_key = None
        for c in cats:
            r = reds[c]
            g = np.where(is_open[c], 0.0, val[c])
            extra = np.asarray(r.cost, float).copy()
            allowed = ~is_open[c]
            members = []
            for b, cols_b in req[c]:
                jb = np.asarray(cols_b)
                allowed &= jb != -1
                need_b = jb >= 0
                jbc = np.maximum(jb, 0)
                need_b &= ~is_open[b][jbc]
                g = g + np.where(need_b, val[b][jbc], 0.0)
                extra = extra + np.where(need_b, reds[b].cost[jbc], 0.0)
                members.append((b, jb, need_b))
            st = col_station[c]
            new_station = ~station_open[st]
            extra = extra + np.where(new_station, F[st], 0.0)
            ok = allowed & (g > tol)
            if p is not None and n_new >= p:
                ok &= ~new_station
            if budget is not None:
                ok &= spent + extra <= budget + 1e-9
            if not ok.any():
                continue
            if needs is None and budget is None:
                price = new_station.astype(float)
            else:
                price = extra
            free_move = price <= 0
            score = np.where(free_move, g, g / np.maximum(price, 1e-12))
            # free moves first, then the best gain per price
            for flag in (True, False):
                m = ok & (free_move == flag)
                if m.any():
                    j = int(np.flatnonzero(m)[np.argmax(score[m])])
                    key = (flag, float(score[j]))
                    if best_key is None or key > best_key:
                        mv = [(c, j)] + [(b, int(jb[j])) for b, jb, nb in members if nb[j]]
                        best_key, best = key, (mv, int(st[j]), bool(new_station[j]),
                                               float(extra[j]))
                    break
        if best is None:
            break
        mv, s, is_new_station, extra_cost = best
        for cc, jj in mv:
            is_open[cc][jj] = True
            rows = At[cc].indices[At[cc].indptr[jj]:At[cc].indptr[jj + 1]]
            newly = rows[cnt[cc][rows] == 0]
            covered[cc] += float(reds[cc].w[newly].sum())
            cnt[cc][rows] += 1
        if is_new_station:
            station_open[s] = True
            n_new += 1
        spent += extra_cost
    if needs is not None and not met(needs):
        return None
    return {c: np.flatnonzero(is_open[c] & ~reds[c].fixed) for c in cats}


def _requirements(cats: list, partner: dict) -> dict:
    """Per category c, ``(b, cols_b)`` for every category b the rules require beside c,
    directly or through a chain: ``cols_b[j]`` is b's column at the station of c's column j,
    ``-2`` when nothing is required there (b, or a category on the way, already exists) and
    ``-1`` when b cannot open there."""
    out = {}
    for c in cats:
        got: dict = {}
        todo = [(b, np.asarray(cols, dtype=np.int64)) for b, cols in partner.get(c, [])]
        while todo:
            b, arr = todo.pop()
            if b == c:
                continue
            old = got.get(b)
            if old is not None:
                merged = np.where((old == -1) | (arr == -1), -1, np.maximum(old, arr))
                if np.array_equal(merged, old):
                    continue
                arr = merged
            got[b] = arr
            for d, cols_d in partner.get(b, []):
                cd = np.asarray(cols_d, dtype=np.int64)
                todo.append((d, np.where(arr >= 0, cd[np.maximum(arr, 0)], arr)))
        out[c] = list(got.items())
    return out
