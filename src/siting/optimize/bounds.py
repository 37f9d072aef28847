"""Bounds and variable fixing for the covering models (private plumbing of :mod:`siting.optimize`).

* :func:`lagrangian_cover` — the Lagrangian relaxation of maximal covering (Galvão & ReVelle
  1996, *European Journal of Operational Research* 88(1):114–123): relaxing
  ``x_i <= sum_{j in N_i} y_j`` with multipliers ``0 <= lambda_i <= w_i`` leaves
  ``L(lambda) = sum_i (w_i - lambda_i)^+ + sum_{j in E} r_j + (sum of the p largest r_j)``,
  ``r_j = sum_{i in col j} lambda_i``, an upper bound for every lambda whose minimum is the LP
  bound. Subgradient optimisation with Polyak steps towards the incumbent, compiled.
* **Reduced-cost fixing** (the Lagrangian form of the LP test, e.g. Beasley 1993, *Lagrangean
  relaxation*, in Reeves (ed.), *Modern Heuristic Techniques*): for a multiplier vector with
  bound L, forcing a site j that is not among the p chosen open costs ``r_(p) - r_j`` (it
  replaces the p-th largest); when ``L - (r_(p) - r_j)`` is below the value a better plan must
  reach, no plan with j open beats the incumbent and j is fixed closed. Likewise a chosen site
  whose closing costs more than the gap is fixed open. With integral weights a better plan
  must reach ``incumbent + 1``. Every multiplier vector visited is tested, so fixings
  accumulate; the optimum is the better of the incumbent and the optimum of the model with
  the fixings, so a bound of the fixed model (or the incumbent) bounds the whole model.
* Target and set covering have their own relaxations: :mod:`siting.optimize.partial` (the
  partial covering Lagrangian) and :mod:`siting.optimize.setcover` (Beasley's).
* :func:`round_bound` — integer objectives get integer bounds: a count of 82.7 stations is 83,
  a covered population of 10 511.4 with integral weights is 10 511.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)


@njit(cache=True)
def _topk_threshold(r, free, k):
    """Values of the k-th and (k+1)-th largest r over free columns (-inf when missing)."""
    m = 0
    for j in range(r.size):
        if free[j]:
            m += 1
    vals = np.empty(m)
    q = 0
    for j in range(r.size):
        if free[j]:
            vals[q] = r[j]
            q += 1
    vals.sort()
    kth = vals[m - k] if k >= 1 and m >= k else -np.inf
    k1 = vals[m - k - 1] if m >= k + 1 else -np.inf
    return kth, k1


@njit(cache=True)
def _lagr_cover(iters, p, lb, need, cp, cr, w, fixed, lam, best_lam, out, fix_closed,
                fix_open, pi0):
    """Subgradient iterations for maximal covering. ``out``: [0] best bound, [1] iterations.
    ``need``: the value a better plan must reach (for the fixing tests)."""
    n = cp.size - 1
    m = w.size
    free = fixed == 0
    nfree = 0
    for j in range(n):
        if free[j]:
            nfree += 1
    k = min(p, nfree)
    r = np.zeros(n)
    cnt = np.zeros(m)
    g = np.zeros(m)
    pi = pi0
    stall = 0
    ub = out[0]
    it = 0
    for it in range(iters):  # noqa: B007 (the count is returned)
        for j in range(n):
            s = 0.0
            for a in range(cp[j], cp[j + 1]):
                s += lam[cr[a]]
            r[j] = s
        kth, k1 = _topk_threshold(r, free, k)
        L = 0.0
        for i in range(m):
            d = w[i] - lam[i]
            if d > 0:
                L += d
        for j in range(n):
            if not free[j]:
                L += r[j]
        # the k largest free r (ties at the threshold filled in index order)
        for i in range(m):
            cnt[i] = 0.0
        taken = 0
        above = 0
        for j in range(n):
            if free[j] and r[j] > kth:
                above += 1
        need_eq = k - above
        for j in range(n):
            if not free[j]:
                use = True
            elif r[j] > kth and r[j] > 0:
                use = True
            elif r[j] == kth and need_eq > 0 and r[j] > 0:
                use = True
                need_eq -= 1
            else:
                use = False
            if use:
                if free[j]:
                    L += r[j]
                    taken += 1
                for a in range(cp[j], cp[j + 1]):
                    cnt[cr[a]] += 1.0
        if L < ub:
            ub = L
            stall = 0
            for i in range(m):
                best_lam[i] = lam[i]
        else:
            stall += 1
            if stall >= 20:
                pi *= 0.5
                stall = 0
        # fixing tests for this multiplier vector
        if k > 0 and kth > -np.inf:
            for j in range(n):
                if not free[j] or fix_closed[j] or fix_open[j]:
                    continue
                rj = r[j] if r[j] > 0 else 0.0
                chosen = r[j] > kth or (r[j] == kth and r[j] > 0)
                if not chosen:
                    base = kth if kth > 0 else 0.0
                    if L - base + rj < need:
                        fix_closed[j] = True
                else:
                    repl = k1 if k1 > 0 else 0.0
                    if L - rj + repl < need:
                        fix_open[j] = True
        nrm = 0.0
        for i in range(m):
            x = 1.0 if w[i] - lam[i] > 0 else 0.0
            gi = x - cnt[i]
            if lam[i] <= 0 and gi < 0:
                gi = 0.0
            if lam[i] >= w[i] and gi > 0:
                gi = 0.0
            g[i] = gi
            nrm += gi * gi
        if nrm <= 0 or pi < 1e-4 or ub - lb <= 1e-9 * max(1.0, ub):
            break
        step = pi * (ub - lb) / nrm
        for i in range(m):
            v = lam[i] + step * g[i]
            if v < 0:
                v = 0.0
            elif v > w[i]:
                v = w[i]
            lam[i] = v
    out[0] = ub
    out[1] = it + 1


@dataclass
class CoverBound:
    """State of the maximal covering Lagrangian: best bound (model weight, offset excluded),
    best multipliers and the fixings found (model columns)."""

    bound: float
    lam: np.ndarray
    fix_closed: np.ndarray
    fix_open: np.ndarray
    iterations: int = 0
    seconds: float = 0.0


def _integral(x: np.ndarray) -> bool:
    return bool(x.size == 0 or (np.all(np.isfinite(x)) and np.all(x == np.round(x))
                                and float(np.abs(x).sum()) < 2 ** 52))


def better_by(red: Reduced) -> float:
    """How much a plan must gain to be better: 1 with integral weights, else a tolerance."""
    return 1.0 - 1e-6 if _integral(np.asarray(red.w)) else 1e-9 * max(1.0, float(red.w.sum()))


def timed_chunks(step: Callable[[int, int], int], max_iter: int, max_seconds: float | None, *,
                 first: int = 5, most: int = 500) -> int:
    """Run a compiled subgradient kernel in chunks of about 50 ms, never far past ``max_seconds``.

    ``step(n, done)`` runs at most ``n`` iterations (``done`` have run before) and returns how
    many it ran; fewer than asked means it converged. Stops at ``max_iter`` iterations, at
    ``max_seconds`` (wall seconds, None = no limit) or at convergence; returns the iterations run.
    ``first`` iterations make the first chunk, ``most`` is the largest (slow kernels: smaller).
    """
    t0 = time.perf_counter()
    done = 0
    chunk = first
    while done < max_iter:
        t1 = time.perf_counter()
        n_it = min(chunk, max_iter - done)
        ran = step(n_it, done)
        done += ran
        if ran < n_it:
            break
        now = time.perf_counter()
        if max_seconds is not None and now - t0 > max_seconds:
            break
        rate = n_it / max(now - t1, 1e-6)
        target = 0.05 if max_seconds is None else max(0.005, min(0.05, max_seconds - (now - t0)))
        chunk = int(max(1, min(most, rate * target)))
    return done


def lagrangian_cover(red: Reduced, p: int, incumbent: float, *, state: CoverBound | None = None,
                     max_iter: int = 3000, max_seconds: float | None = None) -> CoverBound:
    """Lagrangian bound and fixings for maximal covering with p new sites; ``incumbent`` is the
    best plan's model weight. Continues from ``state`` when given (warm multipliers)."""
    from siting.optimize.search import _INT

    n = red.n_cols
    C = red.A.tocsc()
    C.sort_indices()
    cp, cr = C.indptr.astype(_INT), C.indices.astype(_INT)
    w = np.asarray(red.w, dtype=np.float64)
    fixed = np.asarray(red.fixed, dtype=np.uint8)
    if state is None:
        # the bound belongs to the multipliers kept with it: start from none (infinite), so
        # that ``bound == L(lam)`` always holds (the fixing tests rely on it)
        state = CoverBound(bound=math.inf, lam=0.5 * w, fix_closed=np.zeros(n, bool),
                           fix_open=np.zeros(n, bool))
    lam = state.lam.copy()
    best_lam = state.lam.copy()
    out = np.array([state.bound, 0.0])
    need = incumbent + better_by(red)
    t0 = time.perf_counter()

    def step(n_it: int, done: int) -> int:
        _lagr_cover(n_it, int(p), float(incumbent), need, cp, cr, w, fixed,
                    lam, best_lam, out, state.fix_closed, state.fix_open, 2.0 if done == 0
                    else 1.0)
        return int(out[1])

    done = timed_chunks(step, max_iter, max_seconds)
    state.bound = min(state.bound, float(out[0]))
    state.lam = best_lam
    state.iterations += done
    state.seconds += time.perf_counter() - t0
    logger.debug("lagrangian: %d iterations, bound %.6g (incumbent %.6g), %d sites fixed closed, "
                "%d open", done, state.bound, incumbent, int(state.fix_closed.sum()),
                int(state.fix_open.sum()))
    return state


def fix_with(red: Reduced, p: int, state: CoverBound, incumbent: float) -> None:
    """Repeat the fixing tests with the best multipliers and a (better) incumbent."""
    from siting.optimize.search import _INT

    C = red.A.tocsc()
    fixed = np.asarray(red.fixed, bool)
    free = ~fixed
    r = np.asarray(C.T @ state.lam).reshape(-1)
    k = int(min(p, int(free.sum())))
    if k <= 0:
        return
    rf = np.sort(r[free])
    kth = rf[-k]
    k1 = rf[-k - 1] if rf.size > k else -math.inf
    need = incumbent + better_by(red)
    # L(lam) recomputed from the multipliers themselves (never a bound of other multipliers)
    w = np.asarray(red.w, float)
    top = rf[-k:]
    L = float(np.maximum(w - state.lam, 0.0).sum() + r[fixed].sum() + top[top > 0].sum())
    chosen = r >= kth
    base = max(kth, 0.0)
    repl = max(k1, 0.0)
    closed = free & ~chosen & (L - base + np.maximum(r, 0.0) < need)
    opened = free & chosen & (L - np.maximum(r, 0.0) + repl < need)
    state.fix_closed |= closed
    state.fix_open |= opened & ~state.fix_closed
    del _INT


def round_bound(bound: float | None, *, maximize: bool, integral: bool) -> float | None:
    """An integer objective's bound rounded to the next integer it implies."""
    if bound is None or not math.isfinite(bound) or not integral:
        return bound
    return float(math.floor(bound + 1e-6)) if maximize else float(math.ceil(bound - 1e-6))
