"""Exact value of a set of open sites in the capacitated maximal covering model (private
plumbing of :mod:`siting.optimize`), and the cheap move scores of its local search.

The capacitated MCLP of Pirkul & Schilling (1991, *Management Science* 37(2):233–248), with
the open set fixed, is a transportation problem. Writing ``f_ij = h_i a_ij`` (households of
demand i served by site j, on stored pairs only) and ``d_i = w_i / h_i`` (weight per
household)::

    max  sum_i d_i sum_j f_ij
    s.t. sum_j f_ij <= h_i          for every demand row i
         sum_i f_ij <= Q_j          for every open site j (closed sites: 0)
         f_ij >= 0

The vectors ``(x_i = sum_j f_ij)`` that some flow realises form a polymatroid (the source
side of a flow network: its rank ``r(S)`` is the max flow from the rows in S; Megiddo 1974,
*Mathematical Programming* 7:97–107, "Optimal flows in networks with multiple sources and
sinks"), and a linear objective with non-negative weights is maximised over a polymatroid by
the greedy algorithm (Edmonds 1970, *Combinatorial Structures and their Applications*,
pp. 69–87): take the rows by decreasing ``d_i`` and give each the largest amount that can
still be routed, ``x_i = r(T ∪ {i}) - r(T)``. That amount is found by augmenting paths from
row i alone in the residual network of the flow so far (the earlier rows keep their amounts;
their flow may be rerouted). So :func:`cap_value` is exact, and with equal ``d_i`` it is
plain max flow (the tests compare it with HiGHS on the LP and with networkx's max flow).

Speed: a row first takes what the open sites in its reach have left (no search); only when
they are full does a breadth-first search look for an augmenting path. A search that fails
leaves a set of rows and sites closed in the residual network with every site full; no later
path can leave it, so its nodes are marked dead and never searched again. Only the pairs of
the open sites are touched (a few thousand for 50 stations); nothing is dense.

Rows with ``h_i = 0`` use no capacity: they count in full when any open site reaches them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from siting.optimize.reduce import Reduced

_INT = np.int64
_EPS = 1e-9


@njit(cache=True)
def _flow(rp, rc, cp, cr, cq, order, h, d, w, cap, is_open, f, x, resid, stamp_r, stamp_c,
          dead_r, dead_c, lev_r, ptr_r, lev_c, ptr_c, path, pq, queue, mark, eps):
    """Greedy-augmenting exact evaluation; fills f (per CSR pair), x (per row, households
    served, or 1 for a served row with h = 0), resid (capacity left per column); returns the
    value."""
    nr = rp.size - 1
    nc = cp.size - 1
    for q in range(f.size):
        f[q] = 0.0
    for i in range(nr):
        x[i] = 0.0
        dead_r[i] = 0
        mark[i] = 0
        stamp_r[i] = 0
    for j in range(nc):
        resid[j] = cap[j] if is_open[j] else 0.0
        dead_c[j] = 0
        stamp_c[j] = 0
        if is_open[j]:
            for t in range(cp[j], cp[j + 1]):
                mark[cr[t]] = 1
    stamp = 0
    value = 0.0
    for oi in range(nr):
        i = order[oi]
        if mark[i] == 0:
            continue
        if h[i] <= 0.0:
            x[i] = 1.0
            value += w[i]
            continue
        r = h[i]
        # 1. direct: the open sites in reach with capacity left
        for q in range(rp[i], rp[i + 1]):
            j = rc[q]
            if is_open[j] and resid[j] > eps:
                t = r if r < resid[j] else resid[j]
                f[q] += t
                resid[j] -= t
                r -= t
                if r <= eps:
                    break
        # 2. augmenting paths through rows already served, in phases (Dinic 1970 from the
        # one source i): a breadth-first search labels levels up to the first level with a
        # site that has capacity left, then depth-first pushes along rising levels (each
        # node's arc pointer only moves forward) until the phase is blocked
        while r > eps:
            stamp += 1
            stamp_r[i] = stamp
            lev_r[i] = 0
            ptr_r[i] = rp[i]
            queue[0] = i
            head = 0
            tail = 1
            top = -1  # level of the first site with capacity left
            while head < tail:
                u = queue[head]
                head += 1
                if u < nr:
                    if top >= 0 and lev_r[u] + 1 > top:
                        continue
                    for q in range(rp[u], rp[u + 1]):
                        j = rc[q]
                        if is_open[j] == 0 or dead_c[j] or stamp_c[j] == stamp:
                            continue
                        stamp_c[j] = stamp
                        lev_c[j] = lev_r[u] + 1
                        ptr_c[j] = cp[j]
                        if resid[j] > eps:
                            top = lev_c[j]
                        else:
                            queue[tail] = nr + j
                            tail += 1
                else:
                    j = u - nr
                    if top >= 0:
                        continue
                    for t in range(cp[j], cp[j + 1]):
                        k = cr[t]
                        if f[cq[t]] <= eps or dead_r[k] or stamp_r[k] == stamp:
                            continue
                        stamp_r[k] = stamp
                        lev_r[k] = lev_c[j] + 1
                        ptr_r[k] = rp[k]
                        queue[tail] = k
                        tail += 1
            if top < 0:
                # closed and full: no later path gets out of it
                for t in range(tail):
                    u = queue[t]
                    if u < nr:
                        dead_r[u] = 1
                    else:
                        dead_c[u - nr] = 1
                break
            # depth-first pushes: path[0] = i, then (column, row) pairs; pq holds the pair of
            # each step (forward: row -> column; reverse: column -> row)
            depth = 0
            path[0] = i
            while r > eps:
                u = path[depth]
                if depth % 2 == 0:
                    moved = False
                    while ptr_r[u] < rp[u + 1]:
                        q = ptr_r[u]
                        j = rc[q]
                        if is_open[j] and stamp_c[j] == stamp and lev_c[j] == lev_r[u] + 1 \
                                and dead_c[j] == 0:
                            depth += 1
                            path[depth] = j
                            pq[depth] = q
                            moved = True
                            break
                        ptr_r[u] += 1
                    if not moved:
                        lev_r[u] = -10  # blocked in this phase
                        if depth == 0:
                            break
                        depth -= 1
                        if depth % 2 == 0:
                            ptr_r[path[depth]] += 1
                        else:
                            ptr_c[path[depth]] += 1
                    continue
                j = u
                if resid[j] > eps:
                    # augment along the path
                    delta = r if r < resid[j] else resid[j]
                    for z in range(2, depth + 1, 2):
                        if f[pq[z]] < delta:
                            delta = f[pq[z]]
                    for z in range(1, depth + 1):
                        if z % 2 == 1:
                            f[pq[z]] += delta
                        else:
                            f[pq[z]] -= delta
                    resid[j] -= delta
                    r -= delta
                    # back to the column before the first reverse arc now empty, or, when
                    # none is, to the row before the site (which is full unless r is 0)
                    cut = -1
                    for z in range(2, depth + 1, 2):
                        if f[pq[z]] <= eps:
                            cut = z - 1
                            break
                    depth = depth - 1 if cut < 0 else cut
                    continue
                moved = False
                if lev_c[j] < top:
                    while ptr_c[j] < cp[j + 1]:
                        t = ptr_c[j]
                        k = cr[t]
                        if f[cq[t]] > eps and stamp_r[k] == stamp \
                                and lev_r[k] == lev_c[j] + 1 and dead_r[k] == 0:
                            depth += 1
                            path[depth] = k
                            pq[depth] = cq[t]
                            moved = True
                            break
                        ptr_c[j] += 1
                if not moved:
                    lev_c[j] = -10
                    depth -= 1
                    if depth % 2 == 0:
                        ptr_r[path[depth]] += 1
                    else:
                        ptr_c[path[depth]] += 1
        x[i] = h[i] - r
        value += d[i] * x[i]
    return value


@njit(cache=True)
def _column_gain(j, sp_, sr, h, d, w, cap, x, fs, eps):
    """The weight column j would serve alone from what is unserved — households ``h - x``,
    plus ``fs`` freed elsewhere — as a fractional knapsack of its rows, densest first (``sr``
    holds each column's rows by decreasing d; rows with h = 0 come first, served whole)."""
    rem = cap[j]
    g = 0.0
    for t in range(sp_[j], sp_[j + 1]):
        k = sr[t]
        if h[k] <= 0.0:
            if x[k] <= 0.0:
                g += w[k]
            continue
        if rem <= eps:
            break  # rows with h = 0 come first in each column (infinite density)
        u = h[k] - x[k] + fs[k]
        if u > eps:
            tk = u if u < rem else rem
            g += d[k] * tk
            rem -= tk
    return g


@njit(cache=True)
def _gains_in(sp_, sr, h, d, w, cap, x, is_open, gain, eps):
    """Per closed column: the weight it would serve alone from what is unserved
    (:func:`_column_gain`); -1 for open columns."""
    none_freed = np.zeros(h.size)
    for j in range(sp_.size - 1):
        gain[j] = -1.0 if is_open[j] else _column_gain(j, sp_, sr, h, d, w, cap, x,
                                                        none_freed, eps)


@njit(cache=True)
def _served_by(cp, cr, cq, f, d, h, is_open, out):
    """Weight each open column serves (rows with h = 0 are left out: they use no capacity)."""
    for j in range(cp.size - 1):
        out[j] = 0.0
        if is_open[j]:
            for t in range(cp[j], cp[j + 1]):
                k = cr[t]
                if h[k] > 0.0 and f[cq[t]] > 0.0:
                    out[j] += d[k] * f[cq[t]]


class CapFlow:
    """The capacitated model's data in the arrays the kernels use, and their scratch space.

    ``value(open_mask)`` is the exact served weight of the sites in ``open_mask`` (fixed
    sites must be included); afterwards ``f`` (households per stored pair, CSR order of
    ``red.A``), ``x`` and ``resid`` describe the optimal assignment."""

    def __init__(self, red: Reduced):
        assert red.h is not None and red.cap is not None
        A = red.A.tocsr()
        A.sort_indices()
        nr, nc = A.shape
        self.red = red
        self.nr, self.nc = int(nr), int(nc)
        self.rp = A.indptr.astype(_INT)
        self.rc = A.indices.astype(_INT)
        nnz = int(A.nnz)
        row_of = np.repeat(np.arange(nr, dtype=_INT), np.diff(self.rp))
        by_col = np.lexsort((row_of, self.rc))
        self.cp = np.searchsorted(self.rc[by_col], np.arange(nc + 1)).astype(_INT)
        self.cr = row_of[by_col]
        self.cq = by_col.astype(_INT)
        self.h = np.asarray(red.h, np.float64)
        self.w = np.asarray(red.w, np.float64)
        self.cap = np.maximum(np.asarray(red.cap, np.float64), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.d = np.where(self.h > 0, self.w / np.where(self.h > 0, self.h, 1.0), np.inf)
        # rows by decreasing weight per household (rows with h = 0 first), ties by index
        self.order = np.lexsort((np.arange(nr), -self.d)).astype(_INT)
        dens = self.d[self.cr]
        srt = np.lexsort((-dens, self.rc[by_col]))
        self.sr = self.cr[srt]
        self.f = np.zeros(nnz)
        self.x = np.zeros(nr)
        self.resid = np.zeros(nc)
        self._ir = [np.zeros(nr, _INT) for _ in range(5)]
        self._ic = [np.zeros(nc, _INT) for _ in range(4)]
        self.queue = np.zeros(nr + nc + 1, _INT)
        self._path = np.zeros(nr + nc + 2, _INT)
        self._pq = np.zeros(nr + nc + 2, _INT)
        self.mark = np.zeros(nr, np.uint8)
        self.dead_r = np.zeros(nr, np.uint8)
        self.dead_c = np.zeros(nc, np.uint8)
        self.gain = np.zeros(nc)
        self.served = np.zeros(nc)
        self.evaluations = 0

    def value(self, is_open: np.ndarray) -> float:
        """Exact served weight (model weight) with the columns in ``is_open`` (uint8) open."""
        sr_, sc_, lr, pr = self._ir[0], self._ic[0], self._ir[1], self._ir[2]
        lc, pc = self._ic[1], self._ic[2]
        self.evaluations += 1
        return float(_flow(self.rp, self.rc, self.cp, self.cr, self.cq, self.order, self.h,
                           self.d, self.w, self.cap, is_open, self.f, self.x, self.resid, sr_,
                           sc_, self.dead_r, self.dead_c, lr, pr, lc, pc, self._path,
                           self._pq, self.queue, self.mark, _EPS))

    def gains_in(self, is_open: np.ndarray) -> np.ndarray:
        """After :meth:`value`: what each closed column would serve alone from the unserved
        households (an estimate of opening it; -1 for open columns)."""
        _gains_in(self.cp, self.sr, self.h, self.d, self.w, self.cap, self.x, is_open,
                  self.gain, _EPS)
        return self.gain

    def served_by(self, is_open: np.ndarray) -> np.ndarray:
        """After :meth:`value`: weight each open column serves in the optimal assignment."""
        _served_by(self.cp, self.cr, self.cq, self.f, self.d, self.h, is_open, self.served)
        return self.served

    def fractions(self, is_open: np.ndarray) -> np.ndarray:
        """After :meth:`value`: the assignment a_ij per stored pair (CSR order of ``red.A``):
        households served over households; a served row with h = 0 goes whole to its first
        open site."""
        row_of = np.repeat(np.arange(self.nr), np.diff(self.rp))
        hr = self.h[row_of]
        frac = np.where(hr > 0, self.f / np.where(hr > 0, hr, 1.0), 0.0)
        zero = np.flatnonzero((self.h <= 0) & (self.x > 0))
        for i in zero:
            for q in range(self.rp[i], self.rp[i + 1]):
                if is_open[self.rc[q]]:
                    frac[q] = 1.0
                    break
        return np.clip(frac, 0.0, 1.0)

    def site_bounds(self) -> np.ndarray:
        """Per column, the most weight it can serve on its own: its capacity filled with the
        densest households in reach (plus its rows with h = 0). The served weight of any open
        set is at most the sum of these over the set."""
        nothing = np.zeros(self.nr)
        none_open = np.zeros(self.nc, np.uint8)
        g = np.zeros(self.nc)
        _gains_in(self.cp, self.sr, self.h, self.d, self.w, self.cap, nothing, none_open, g,
                  _EPS)
        return g
