"""The capacitated maximal covering and target models solved by search, bounds and the MIP
together (private plumbing of :mod:`siting.optimize`).

Model (Pirkul & Schilling 1991, *Management Science* 37(2):233–248; the formulation is on
:func:`siting.optimize.solve_max_cover`): households h_i, capacity Q_j in households,
fractional assignment a_ij on the stored pairs. For a fixed set of open sites the best
assignment is a transportation problem whose exact value :class:`~siting.optimize.capflow.CapFlow`
computes by greedy augmenting paths (see :mod:`siting.optimize.capflow` for the proof).

:class:`CapSearch` — local search on the open set. After each exact evaluation the moves are
ranked cheaply from the optimal flow:

* ``gain[j]`` — what closed site j would serve alone from the unserved households (its
  capacity filled densest first);
* ``served[s]`` — what open site s serves;
* for the exchange "close s, open j": ``g(j | s) - loss(s)``, ``loss(s)`` the weight s serves
  to rows that no other open site with capacity left reaches (the others are counted as
  moving there), ``g(j | s)`` the knapsack of j over the unserved households plus those lost
  ones. An estimate (the rerouting it assumes may not fit); the few best pairs are valued
  exactly by the flow.

The best exactly valued exchange is taken while it improves; at a local optimum an iterated
local search kick (close k sites, the weakest of a random sample, open k among the best
gains; the sites closed are tabu during the descent that follows; k grows after failures and
returns to 1 after an improvement) restarts from the best plan, as in the adaptive ILS of
Máximo, Cordeau & Nascimento (2023, *ITOR*, doi:10.1111/itor.13245) for the uncapacitated
model. The Python side runs the kernels in slices, checking the clock, ``cancel`` and the
MIP's incumbents between them.

Bounds (upper, on the served weight of any plan with p new sites):

* the capacitated Lagrangian of :mod:`siting.optimize.capbound` (the assignment rows
  relaxed; its minimum is the LP bound);
* the uncapacitated Lagrangian bound of :func:`siting.optimize.bounds.lagrangian_cover`
  (capacities only lower what a set of sites serves);
* the **capacity bound**: the fixed sites' and the p largest ``v_j`` summed, ``v_j`` the most
  site j can serve alone (:meth:`CapFlow.site_bounds`), since a plan serves at most the sum
  of what its sites could serve each on its own;
* the MIP's bound, when the MIP runs.

Sites whose forced opening leaves the capacity bound (or the Lagrangian one, by its
reduced-cost test) below the incumbent are fixed closed, and the MIP (HiGHS, or CBC) runs
on the model without them beside the search when it is small enough (the sizes and times of
:mod:`siting.optimize.engine`), started from the search's plan, exchanging incumbents.

Target models (the fewest or cheapest stations serving a need) are in
:mod:`siting.optimize.engine_capt`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numba import njit

from siting.optimize.capbound import CapBound
from siting.optimize.capflow import CapFlow, _column_gain
from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)

#: Closed sites (by gain) and exchanges (by score) looked at, and valued exactly, per step.
TOP_IN = 30
EXACT = 6
#: Seconds between two looks at the MIP.
SLICE = 0.2


@dataclass
class CapResult:
    """Outcome of a capacitated engine: open columns, the assignment per stored pair, the
    model value (served weight, or cost / count for targets), a bound, what ran."""

    cols: np.ndarray
    frac: np.ndarray
    value: float
    bound: float | None
    optimal: bool
    solver: str
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@njit(cache=True)
def _spare_count(cp, cr, is_open, resid, cnt):
    """cnt[i] = open sites in reach of row i with capacity left."""
    for i in range(cnt.size):
        cnt[i] = 0
    for j in range(cp.size - 1):
        if is_open[j] and resid[j] > 1e-9:
            for t in range(cp[j], cp[j + 1]):
                cnt[cr[t]] += 1


@njit(cache=True)
def _swap_scores(cp, cr, cq, sr, h, d, w, cap, x, f, outs, ins, cnt, resid, fs, score):
    """score[a, b]: the exchange "close outs[a], open ins[b]" estimated from the flow (see the
    module docstring). Households of outs[a] that another open site with capacity left
    reaches are counted as kept (moved there), the others as lost unless ins[b] takes them."""
    for a in range(outs.size):
        s = outs[a]
        own = 1 if resid[s] > 1e-9 else 0
        loss = 0.0
        for t in range(cp[s], cp[s + 1]):
            k = cr[t]
            fk = f[cq[t]]
            if fk > 0.0 and h[k] > 0.0 and cnt[k] - own <= 0:
                fs[k] = fk
                loss += d[k] * fk
        for b in range(ins.size):
            score[a, b] = _column_gain(ins[b], cp, sr, h, d, w, cap, x, fs, 1e-9) - loss
        for t in range(cp[s], cp[s + 1]):
            fs[cr[t]] = 0.0


class CapSearch:
    """Iterated local search for capacitated maximal covering with at most p new sites."""

    def __init__(self, red: Reduced, p: int, start: np.ndarray, *, seed: int = 0,
                 flow: CapFlow | None = None, ub: float | None = None):
        self.red = red
        self.flow = CapFlow(red) if flow is None else flow
        self.p = int(p)
        self.fixed = np.asarray(red.fixed, bool)
        self.free = np.flatnonzero(~self.fixed)
        self.rng = np.random.default_rng(seed)
        self.ub = math.inf if ub is None else float(ub)
        self.tol = 1e-9 * max(1.0, float(red.w.sum()))
        self.kicks = 0
        self.moves = 0
        self._fs = np.zeros(red.n_rows)
        self._cnt = np.zeros(red.n_rows, np.int64)
        self.tabu = np.zeros(red.n_cols, np.int64)
        self.cur = self._mask(start)
        self.cur_value = self.flow.value(self.cur)
        self.best_value = -math.inf
        self.best_mask = self.cur.copy()
        self._fill()
        self._keep()
        self.k = 1

    # ------------------------------------------------------------------ state
    def _mask(self, cols) -> np.ndarray:
        m = self.fixed.astype(np.uint8)
        m[np.asarray(cols, dtype=np.int64)] = 1
        return m

    def best(self) -> np.ndarray:
        """Open non-fixed columns of the best plan."""
        return np.flatnonzero(self.best_mask.astype(bool) & ~self.fixed)

    def best_frac(self) -> np.ndarray:
        """The assignment of the best plan (per stored pair), from a fresh exact evaluation."""
        self.flow.value(self.best_mask)
        return self.flow.fractions(self.best_mask)

    def _keep(self) -> bool:
        if self.cur_value > self.best_value + self.tol:
            self.best_value = self.cur_value
            self.best_mask = self.cur.copy()
            return True
        return False

    def offer(self, cols: np.ndarray) -> bool:
        """A plan from elsewhere (the MIP): kept, and searched from, when it is better."""
        m = self._mask(cols)
        if int(m[self.free].sum()) > self.p:
            return False
        v = self.flow.value(m)
        if v > self.best_value + self.tol:
            self.cur, self.cur_value = m, v
            self._fill()
            self._keep()
            return True
        self.flow.value(self.cur)
        return False

    def _fill(self) -> None:
        """Open sites while fewer than p are open and one adds something (the best gain)."""
        while int(self.cur[self.free].sum()) < self.p:
            g = self.flow.gains_in(self.cur)
            g[self.fixed] = -1.0
            j = int(np.argmax(g))
            if not g[j] > self.tol:
                break
            self.cur[j] = 1
            self.cur_value = self.flow.value(self.cur)

    # ------------------------------------------------------------------ moves
    def _descend(self, deadline: float | None, it: int) -> None:
        """Best exactly valued exchange while it improves (flow state = current plan)."""
        fl = self.flow
        while deadline is None or time.perf_counter() < deadline:
            if self.cur_value >= self.ub - self.tol:
                return
            outs = np.flatnonzero(self.cur.astype(bool) & ~self.fixed)
            if outs.size == 0:
                return
            g = fl.gains_in(self.cur).copy()
            g[self.fixed] = -1.0
            g[self.tabu > it] = -1.0
            n_in = min(TOP_IN, int((g > 0).sum()))
            if n_in == 0:
                return
            ins = np.argpartition(-g, n_in - 1)[:n_in].astype(np.int64)
            _spare_count(fl.cp, fl.cr, self.cur, fl.resid, self._cnt)
            score = np.empty((outs.size, ins.size))
            _swap_scores(fl.cp, fl.cr, fl.cq, fl.sr, fl.h, fl.d, fl.w, fl.cap, fl.x, fl.f,
                         outs.astype(np.int64), ins, self._cnt, fl.resid, self._fs, score)
            flat = np.argsort(-score, axis=None)[:EXACT]
            best_v, best_mv = self.cur_value + self.tol, None
            for q in flat:
                a, b = divmod(int(q), ins.size)
                s, j = int(outs[a]), int(ins[b])
                self.cur[s], self.cur[j] = 0, 1
                v = fl.value(self.cur)
                self.cur[s], self.cur[j] = 1, 0
                if v > best_v:
                    best_v, best_mv = v, (s, j)
            if best_mv is None:
                fl.value(self.cur)
                return
            s, j = best_mv
            self.cur[s], self.cur[j] = 0, 1
            self.cur_value = fl.value(self.cur)
            self.moves += 1

    def _kick(self, it: int) -> None:
        """Close k weak open sites, open k sites among the best gains (randomised)."""
        fl = self.flow
        outs = np.flatnonzero(self.cur.astype(bool) & ~self.fixed)
        if outs.size == 0:
            return
        k = min(self.k, outs.size)
        served = fl.served_by(self.cur)[outs]
        sample = self.rng.choice(outs.size, size=min(outs.size, 3 * k), replace=False)
        close = outs[sample[np.argsort(served[sample])[:k]]]
        self.cur[close] = 0
        self.tabu[close] = it + 1 + 2 * k
        fl.value(self.cur)
        for _ in range(k):
            g = fl.gains_in(self.cur).copy()
            g[self.fixed] = -1.0
            g[self.tabu > it] = -1.0
            pos = np.flatnonzero(g > 0)
            if pos.size == 0:
                break
            top = pos[np.argsort(-g[pos])[:max(3, 2 * k)]]
            j = int(self.rng.choice(top))
            self.cur[j] = 1
            fl.value(self.cur)
        self.cur_value = fl.value(self.cur)
        self._fill()

    def run(self, *, deadline: float | None = None, patience: int | None = None,
            cancel: Callable[[], bool] | None = None) -> None:
        """Descend, then kick and descend until the deadline, ``cancel``, the bound, or
        ``patience`` kicks without improvement (no deadline: 50 + 2p)."""
        if patience is None and deadline is None:
            patience = 50 + 2 * self.p
        since = 0
        while True:
            it = self.kicks
            self._descend(deadline, it)
            self._keep()
            if self.best_value >= self.ub - self.tol:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            if cancel is not None and cancel():
                return
            if patience is not None and since >= patience:
                return
            # restart from the best plan, kicked
            self.cur = self.best_mask.copy()
            self.cur_value = self.flow.value(self.cur)
            before = self.best_value
            self.kicks += 1
            self._kick(self.kicks)
            self._descend(deadline, self.kicks)
            if self._keep() or self.best_value > before + self.tol:
                self.k = 1
                since = 0
            else:
                self.k = min(self.k + 1, max(1, min(10, self.p // 2 or 1)))
                since += 1
            self.cur = self.best_mask.copy()
            self.cur_value = self.flow.value(self.cur)


# ---------------------------------------------------------------------------------- bounds
def capacity_bound(red: Reduced, v: np.ndarray, p: int) -> float:
    """The fixed sites' and the p largest free ``v_j`` summed (module docstring)."""
    fixed = np.asarray(red.fixed, bool)
    vf = np.sort(v[~fixed])[::-1]
    return float(v[fixed].sum() + vf[:max(p, 0)].sum())


def _drop_cols(red: Reduced, keep: np.ndarray) -> Reduced:
    """The capacitated model on the columns ``keep`` only (rows they do not reach dropped)."""
    A = red.A.tocsr()[:, keep].tocsr()
    rows = np.flatnonzero(np.diff(A.indptr) > 0)
    assert red.h is not None and red.cap is not None
    return replace(red, A=A[rows].tocsr(), w=red.w[rows], h=red.h[rows],
                   col_site=red.col_site[keep], fixed=red.fixed[keep], cost=red.cost[keep],
                   cap=red.cap[keep], row_of_demand=np.full(red.row_of_demand.size, -1))


def cap_cover_engine(red: Reduced, p: int, *, solver: str, time_limit: float | None,
                     gap: float | None, threads: int | None,
                     cancel: Callable[[], bool] | None,
                     progress: Callable[[dict], None] | None = None, seed: int = 0,
                     t0: float | None = None, start: np.ndarray | None = None,
                     stop_at: float | None = None) -> CapResult:
    """Capacitated maximal covering with at most p new sites; see the module docstring.

    ``stop_at``: the decision version — stop once a plan serves that much model weight, or
    once a bound shows none can."""
    from siting.optimize.bounds import better_by, fix_with, lagrangian_cover
    from siting.optimize.engine import (
        LAGRANGIAN_MAX,
        LAGRANGIAN_SHARE,
        MIP_LONG,
        MIP_MAX_NNZ,
        WARMUP_MAX,
        WARMUP_SHARE,
        clock,
    )
    from siting.optimize.solvers import resolve_solver
    from siting.optimize.starts import greedy_capacitated

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    details: dict[str, Any] = {}

    left, stopped = clock(deadline, cancel)

    if start is None:
        got = greedy_capacitated(red, p, None)
        start = np.zeros(0, np.int64) if got is None else got[0]
    flow = CapFlow(red)
    cs = CapSearch(red, p, start, seed=seed, flow=flow)
    details["greedy"] = cs.best_value
    v = flow.site_bounds()
    ub = min(capacity_bound(red, v, p), float(red.w.sum()))
    details["capacity_bound"] = ub
    cs.ub = ub if stop_at is None else min(ub, stop_at)
    step = cs.tol
    reported = [cs.best_value]

    def report(source: str) -> None:
        if progress is not None and cs.best_value > reported[0] + step:
            reported[0] = cs.best_value
            progress({"seconds": time.perf_counter() - t0, "objective": cs.best_value,
                      "source": source})

    def done(bound: float) -> bool:
        if stop_at is not None:
            return cs.best_value >= stop_at - step or bound < stop_at - step
        return cs.best_value >= bound - step

    def finish(bound: float, used: str, message: str) -> CapResult:
        cols = cs.best()
        frac = cs.best_frac()
        value = float(flow.value(cs.best_mask))
        bound = max(bound, value)
        details.update(search_kicks=cs.kicks, search_moves=cs.moves,
                       evaluations=flow.evaluations, seconds=time.perf_counter() - t0)
        return CapResult(cols=cols, frac=frac, value=value, bound=bound,
                         optimal=value >= bound - step, solver=used, message=message,
                         details=details)

    if done(ub):
        return finish(ub, "search", "")
    # warm-up search, then the Lagrangian (uncapacitated: valid, and its fixings too)
    if time_limit is None:
        cs.run(patience=30 + p, cancel=cancel)
    else:
        cs.run(deadline=t0 + min(WARMUP_SHARE * time_limit, WARMUP_MAX), cancel=cancel)
    report("search")
    lag_secs = None if time_limit is None else min(LAGRANGIAN_SHARE * time_limit,
                                                    LAGRANGIAN_MAX, max(left(), 0.0))
    level = cs.best_value if stop_at is None else max(cs.best_value, stop_at - 2 * step)
    # the Lagrangian bounds the uncapacitated coverage, integral with integral weights: a
    # better capacitated plan covers at least floor(level) + 1 there, not level + 1
    lag_level = math.floor(level) if better_by(red) >= 0.5 else level
    lag = lagrangian_cover(red, p, lag_level, max_iter=3000,
                           max_seconds=None if lag_secs is None else 0.2 * lag_secs)
    details["lagrangian_bound"] = lag.bound
    ub = min(ub, lag.bound)
    # the capacitated Lagrangian (assignment rows relaxed; its minimum is the LP bound),
    # started from the uncapacitated multipliers: w - lambda prices the same rows, and its
    # value there is at most the uncapacitated bound (each site's knapsack is at most its sum)
    cb = CapBound(red, p, start=np.asarray(red.w, float) - lag.lam)
    cb.improve(level, max_seconds=None if lag_secs is None else 0.8 * lag_secs,
               max_iter=3000 if lag_secs is None else 10 ** 6)
    details.update(capacitated_lagrangian_bound=cb.bound,
                   capacitated_lagrangian_iterations=cb.iterations)
    ub = min(ub, cb.bound)
    cs.ub = ub if stop_at is None else min(ub, stop_at)
    if done(ub) or stopped():
        return finish(ub, "search", "")
    # fixings: capacity bound with the site forced open, the Lagrangian's reduced costs
    level = cs.best_value if stop_at is None else max(cs.best_value, stop_at - 2 * step)
    fix_with(red, p, lag, math.floor(level) if better_by(red) >= 0.5 else level)
    free = ~np.asarray(red.fixed, bool)
    vf = np.sort(v[free])[::-1]
    pth = vf[p - 1] if 0 < p <= vf.size else 0.0
    closed = free & (capacity_bound(red, v, p) - pth + v < level + step) & (v < pth)
    closed |= lag.fix_closed & free
    closed |= cb.fix_closed(level + step)
    ub = min(ub, cb.bound)
    keep = np.flatnonzero(~closed)
    details["fixed_closed"] = int(closed.sum())
    sub = _drop_cols(red, keep) if closed.any() else red
    from siting.optimize.jobs import start_job
    from siting.optimize.mip import HIGHS_THREAD_NNZ
    from siting.optimize.models import build, read_open, start_vector

    n_pairs = int(sub.A.nnz)
    est_nnz = 4 * n_pairs + 2 * sub.n_cols
    mip_solver = resolve_solver(solver)
    built = None
    if est_nnz <= MIP_MAX_NNZ or left() >= MIP_LONG:
        built = build(sub, sense="max", p=p, capacitated=True)
    need = 0.5 if (built is not None and mip_solver == "highs"
                   and built.mip.A.nnz <= HIGHS_THREAD_NNZ) else 2.0
    details.update(restricted_sites=int(sub.n_cols), restricted_pairs=n_pairs)
    if built is None or left() < need:
        cs.run(deadline=deadline, cancel=cancel)
        report("search")
        message = ("the model is too large for the MIP in the time left: the plan is the local "
                   "search's, the bound the capacity / Lagrangian one" if built is None else
                   "no time was left for the MIP: the plan is the local search's")
        details["mip_skipped"] = message
        return finish(ub, "search", message)
    pos = np.full(red.n_cols, -1, np.int64)
    pos[keep] = np.arange(keep.size)
    sub_flow = CapFlow(sub) if sub is not red else flow

    def sub_start() -> np.ndarray | None:
        cols = pos[cs.best()]
        if np.any(cols < 0):
            return None
        m = sub.fixed.astype(np.uint8)
        m[cols] = 1
        sub_flow.value(m)
        x = start_vector(built, sub, cols, sub_flow.fractions(m))
        return x if built.mip.feasible(x) else None

    inc_fix = level
    job = start_job(built.mip, mip_solver, time_limit=None if deadline is None else
                    max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None else threads,
                    start=sub_start())
    offered = cs.best_value
    mip_found = 0
    bound = ub
    while not job.done() and not stopped():
        slice_end = time.perf_counter() + SLICE
        if deadline is not None:
            slice_end = min(slice_end, deadline)
        if done(bound):
            break
        if cs.best_value >= cs.ub - step:
            job.wait(min(SLICE, max(left(), 0.0)))
        else:
            cs.run(deadline=slice_end, cancel=cancel)
        for xs in job.poll():
            cols = read_open(built, sub, xs)
            if cols is not None and cs.offer(keep[cols]):
                mip_found += 1
                report(mip_solver)
        if cs.best_value > offered + step:
            offered = cs.best_value
            sv = sub_start()
            if sv is not None:
                job.offer(sv)
            report("search")
        if job.bound is not None:
            bound = min(ub, max(inc_fix, job.bound))
            if gap is not None and cs.best_value >= (1 - gap) * bound:
                break
    res = job.finish()
    if res.x is not None:
        cols = read_open(built, sub, res.x)
        if cols is not None and cs.offer(keep[cols]):
            mip_found += 1
    details.update(mip_status=res.status, mip_seconds=res.seconds, mip_incumbents_used=mip_found)
    if res.bound is not None:
        mb = max(inc_fix, res.bound)
        details["mip_bound"] = mb
        bound = min(ub, mb)
    if res.status == "optimal":
        bound = min(bound, max(inc_fix, float(res.objective or 0.0), cs.best_value))
    return finish(bound, mip_solver, res.message if res.status != "optimal" else "")
