"""The Lagrangian bound of the capacitated maximal covering model, and fixing from it
(private plumbing of :mod:`siting.optimize`).

Relaxing the assignment rows ``sum_j a_ij <= 1`` of the capacitated MCLP (Pirkul & Schilling
1991, *Management Science* 37(2):233–248, who bound it the same way) with multipliers
``lambda_i >= 0`` splits the model by site::

    L(lambda) = sum_i lambda_i + sum_{j in E} v_j(lambda) + (sum of the p largest v_j(lambda))
    v_j(lambda) = max { sum_i (w_i - lambda_i) a_ij : sum_i h_i a_ij <= Q_j, 0 <= a_ij <= 1 }

``v_j`` is a fractional knapsack (rows by ``(w_i - lambda_i) / h_i``, rows with ``h_i = 0``
free), so ``L(lambda)`` is an upper bound for every ``lambda >= 0``; its minimum is the LP bound
of the model. Subgradient ``g_i = 1 - sum_{j chosen} a_ij`` with Polyak steps towards the
incumbent, compiled. A site j not among the p chosen, forced open, costs ``v_(p) - v_j``:
when ``L - v_(p) + v_j`` is below what a better plan must serve, j is fixed closed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from siting.optimize.bounds import timed_chunks
from siting.optimize.reduce import Reduced


@njit(cache=True)
def _knap(cp, cr, h, w, cap, lam, j, buf_k, buf_r):
    """v_j(lambda); the rows and fractions are left in buf_k / buf_r (count returned)."""
    m = 0
    for t in range(cp[j], cp[j + 1]):
        k = cr[t]
        pk = w[k] - lam[k]
        if pk > 0.0:
            buf_k[m] = k
            buf_r[m] = np.inf if h[k] <= 0.0 else pk / h[k]
            m += 1
    order = np.argsort(-buf_r[:m])
    rem = cap[j]
    v = 0.0
    n = 0
    ks = buf_k[:m].copy()
    for z in range(m):
        k = ks[order[z]]
        if h[k] <= 0.0:
            a = 1.0
        elif rem <= 1e-12:
            break
        else:
            a = rem / h[k] if h[k] > rem else 1.0
            rem -= a * h[k]
        v += (w[k] - lam[k]) * a
        buf_k[n] = k
        buf_r[n] = a
        n += 1
    return v, n


@njit(cache=True)
def _evaluate(cp, cr, h, w, cap, lam, fixed, p, v, chosen, g, buf_k, buf_r):
    """L(lambda), the chosen columns and the subgradient g."""
    nc = cp.size - 1
    L = 0.0
    for i in range(lam.size):
        L += lam[i]
        g[i] = 1.0
    for j in range(nc):
        v[j], _ = _knap(cp, cr, h, w, cap, lam, j, buf_k, buf_r)
        chosen[j] = 0
    free_v = np.empty(nc)
    nf = 0
    for j in range(nc):
        if fixed[j]:
            chosen[j] = 1
            L += v[j]
        else:
            free_v[nf] = v[j]
            nf += 1
    kth = -np.inf
    if p > 0 and nf > 0:
        srt = np.sort(free_v[:nf])
        kk = min(p, nf)
        kth = srt[nf - kk]
        taken = 0
        for z in range(nf - 1, nf - kk - 1, -1):
            if srt[z] > 0.0:
                L += srt[z]
        # choose exactly the p largest (ties by index)
        for j in range(nc):
            if not fixed[j] and v[j] > kth and taken < kk:
                chosen[j] = 1
                taken += 1
        for j in range(nc):
            if not fixed[j] and v[j] == kth and taken < kk and v[j] > 0.0:
                chosen[j] = 1
                taken += 1
    for j in range(nc):
        if chosen[j]:
            _, n = _knap(cp, cr, h, w, cap, lam, j, buf_k, buf_r)
            for z in range(n):
                g[buf_k[z]] -= buf_r[z]
    return L, kth


@njit(cache=True)
def _run(iters, cp, cr, h, w, cap, lam, best_lam, fixed, p, target, theta0, out, v, chosen, g,
         buf_k, buf_r):
    best = out[0]
    theta = theta0
    stall = 0
    for it in range(iters):
        L, _ = _evaluate(cp, cr, h, w, cap, lam, fixed, p, v, chosen, g, buf_k, buf_r)
        if L < best - 1e-9 * max(1.0, abs(L)):
            best = L
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                theta *= 0.5
                stall = 0
        if best <= target or theta < 1e-4:
            out[0] = best
            out[1] = it + 1
            out[2] = theta
            return
        nrm = 0.0
        for i in range(lam.size):
            gi = g[i]
            if lam[i] <= 0.0 and gi > 0.0:
                gi = 0.0  # projected: lambda stays at 0
            g[i] = gi
            nrm += gi * gi
        if nrm <= 1e-18:
            out[0] = best
            out[1] = it + 1
            out[2] = theta
            return
        step = theta * (L - target) / nrm
        if step <= 0.0:
            step = theta * 1e-3 * max(1.0, abs(L)) / nrm
        for i in range(lam.size):
            x = lam[i] - step * g[i]
            if x < 0.0:
                x = 0.0
            elif x > w[i]:
                x = w[i]
            lam[i] = x
    out[0] = best
    out[1] = iters
    out[2] = theta


class CapBound:
    """The Lagrangian of the capacitated model: ``bound`` (served weight), best multipliers
    (``start``: first multipliers, e.g. ``w`` minus the uncapacitated Lagrangian's)."""

    def __init__(self, red: Reduced, p: int, *, start: np.ndarray | None = None):
        assert red.h is not None and red.cap is not None
        C = red.A.tocsc()
        C.sort_indices()
        self.cp = C.indptr.astype(np.int64)
        self.cr = C.indices.astype(np.int64)
        self.h = np.asarray(red.h, np.float64)
        self.w = np.asarray(red.w, np.float64)
        self.cap = np.maximum(np.asarray(red.cap, np.float64), 0.0)
        self.fixed = np.asarray(red.fixed, np.uint8)
        self.p = int(p)
        self.lam = 0.5 * self.w if start is None else np.clip(
            np.asarray(start, np.float64), 0.0, self.w)
        self.best_lam = self.lam.copy()
        self.bound = math.inf
        self.theta = 2.0
        self.iterations = 0
        longest = int(np.diff(self.cp).max()) if self.cp.size > 1 else 0
        self._bk = np.zeros(max(longest, 1), np.int64)
        self._br = np.zeros(max(longest, 1))
        self._v = np.zeros(self.cp.size - 1)
        self._ch = np.zeros(self.cp.size - 1, np.uint8)
        self._g = np.zeros(self.w.size)

    def improve(self, incumbent: float, *, max_seconds: float | None, max_iter: int = 10 ** 6
                ) -> float:
        """Subgradient steps towards ``incumbent`` until ``max_seconds`` / ``max_iter``, or
        until the bound meets the incumbent; the best bound so far."""
        def step(n: int, done: int) -> int:
            out = np.array([self.bound, 0.0, self.theta])
            _run(n, self.cp, self.cr, self.h, self.w, self.cap, self.lam, self.best_lam,
                 self.fixed, self.p, float(incumbent), self.theta, out, self._v, self._ch,
                 self._g, self._bk, self._br)
            self.bound = min(self.bound, float(out[0]))
            self.theta = float(out[2])
            self.iterations += int(out[1])
            return int(out[1])

        timed_chunks(step, max_iter, max_seconds, first=2, most=200)
        return self.bound

    def fix_closed(self, need: float) -> np.ndarray:
        """Columns that no plan serving at least ``need`` can open (from the best multipliers,
        their own bound recomputed)."""
        L, kth = _evaluate(self.cp, self.cr, self.h, self.w, self.cap, self.best_lam,
                           self.fixed, self.p, self._v, self._ch, self._g, self._bk, self._br)
        self.bound = min(self.bound, float(L))
        v = self._v
        base = max(float(kth), 0.0) if math.isfinite(kth) else 0.0
        free = self.fixed == 0
        return free & (self._ch == 0) & (L - base + np.maximum(v, 0.0) < need)
