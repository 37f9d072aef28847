"""Set covering: reductions, Beasley's Lagrangian and the MIP beside the search (private
plumbing of :mod:`siting.optimize`).

:func:`set_cover_engine` solves ``min sum_j c_j y_j`` subject to every row of a reduced model
being covered (``c_j = 1`` for the fewest stations):

1. the exact reductions of :func:`siting.optimize.setcover.reduce_cover` (essential columns,
   row dominance, column dominance, to a fixpoint) — the rest works on the smaller model;
2. a first plan: the compiled target search (greedy, descent); then the row weighting local
   search RWLS of Gao, Weise & Li (2015, *EJOR* 246(3):750–761;
   :mod:`siting.optimize.search_rwls`), which keeps a set one column short of (with costs:
   cheaper than) the best cover and lets rows that stay uncovered weigh more until a better
   cover appears (on the 20 000-candidate benchmark city it needs 764 stations where the
   earlier decisions "can k − 1 sites cover every row?" by the maximal covering search ended
   at 808 after 60 s). With costs it ranks columns by score per cost; a model with free
   (zero-cost) sites keeps the target search's iterated local search;
3. Beasley's Lagrangian lower bound (:func:`siting.optimize.setcover.lagrangian_set_cover`)
   with reduced-cost fixing against the incumbent, rounded up with integral costs; when it
   meets the plan the plan is optimal;
4. the model with the fixings (closed columns removed, open ones forced, reduced again) given
   to HiGHS with the search's plan as a start, beside the search, exchanging plans as in
   :func:`siting.optimize.engine.cover_engine`. The optimum is the better of the incumbent at
   fixing and the optimum of the fixed model, so ``min(incumbent at fixing, MIP bound of the
   fixed model + forced cost)`` is a lower bound of the whole model.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from siting.optimize.engine import (
    LAGRANGIAN_MAX,
    LAGRANGIAN_SHARE,
    LP_MIN_LEFT,
    MIP_LONG,
    MIP_MAX_NNZ,
    SLICE,
    WARMUP_MAX,
    WARMUP_SHARE,
    EngineResult,
    clock,
)
from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)

#: Without a time limit the row weighting search stops after this many steps per column
#: without a smaller cover (between 10 000 and 1 000 000 steps; about 3 s on the
#: 20 000-candidate benchmark city, milliseconds on small models).
PATIENCE_PER_COLUMN = 50
#: Set covering models above this many nonzeros go to HiGHS in a child process: in a thread
#: HiGHS answered a stop request only 2.9 s late on the reduced gen5k set cover (37 810
#: nonzeros, inside its primal heuristics), and a thread cannot be killed.
SC_THREAD_NNZ = 5_000


class _CoverSearch:
    """The cheapest (or fewest, unit ``cost``) columns covering every row: the target search
    for a first plan, then the row weighting local search (:mod:`siting.optimize.search_rwls`)
    from it. ``cost`` must be positive."""

    def __init__(self, red: Reduced, need: float, cost: np.ndarray, seed: int,
                 first_descent: float | None):
        from siting.optimize.search import TargetSearch
        from siting.optimize.search_rwls import RowWeightingSearch

        self.red = red
        self.seed = seed
        self.cost = np.asarray(cost, dtype=np.float64)
        ts = TargetSearch(red, need, self.cost, None, seed=seed, first_descent=first_descent)
        self.rw = None if ts.best_cost is None else RowWeightingSearch(
            red.A, ts.best(), cost=self.cost, seed=seed)
        self.lb = -math.inf
        self.restarts = 0

    @property
    def best_cost(self) -> float | None:
        return None if self.rw is None else self.rw.best_cost

    def best(self) -> np.ndarray:
        assert self.rw is not None
        return self.rw.best()

    @property
    def kicks(self) -> int:
        return 0 if self.rw is None else self.rw.steps

    def offer(self, cols: np.ndarray) -> bool:
        """Continue from a cover found elsewhere (the MIP, the Lagrangian heuristic) when it
        is cheaper; False when it is not cheaper or not a cover."""
        from siting.optimize.search_rwls import RowWeightingSearch

        cols = np.unique(np.asarray(cols, dtype=np.int64))
        c = float(self.cost[cols].sum())
        if self.rw is not None and c >= self.rw.best_cost - 1e-9 * max(1.0, c):
            return False
        mask = np.zeros(self.red.n_cols, np.int32)
        mask[cols] = 1
        if np.any(np.asarray(self.red.A @ mask).reshape(-1) == 0):
            return False
        self.restarts += 1
        self.rw = RowWeightingSearch(self.red.A, cols, cost=self.cost,
                                     seed=self.seed + self.restarts)
        return True

    def run(self, *, deadline: float | None, cancel: Callable[[], bool] | None = None) -> None:
        """Search until ``deadline`` (or the bound ``lb`` is met); without a deadline until
        :data:`PATIENCE_PER_COLUMN` steps per column bring no cheaper cover."""
        if self.rw is None:
            return
        patience = max(10_000, min(1_000_000, PATIENCE_PER_COLUMN * self.red.n_cols))
        self.rw.run(deadline=deadline, lb=self.lb, cancel=cancel,
                    patience=patience if deadline is None else None)


def set_cover_engine(red: Reduced, count: bool, *, solver: str, time_limit: float | None,
                     gap: float | None, threads: int | None,
                     cancel: Callable[[], bool] | None,
                     progress: Callable[[dict], None] | None = None, seed: int = 0,
                     t0: float | None = None) -> EngineResult | None:
    """Cover every row of ``red`` at least cost (``count``: the fewest columns); see the
    module docstring. ``value`` and ``bound`` are in cost (count) units; ``cols`` columns of
    ``red``. None when some row has no column (cannot happen after the reach check)."""
    from siting.optimize.bounds import round_bound
    from siting.optimize.search import TargetSearch
    from siting.optimize.setcover import (
        fix_set_cover,
        lagrangian_set_cover,
        reduce_cover,
        submodel,
    )

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    cost_all = np.ones(red.n_cols) if count else np.asarray(red.cost, dtype=np.float64)
    free = ~np.asarray(red.fixed, bool)
    if np.any(red.w <= 0):
        # rows without weight need no cover
        pos = np.flatnonzero(red.w > 0)
        red = submodel(red, pos, np.arange(red.n_cols), np.zeros(0, np.int64))
    if np.any(~free):
        # existing sites kept as columns (reduce=False): their rows are covered
        fixed_cols = np.flatnonzero(~free)
        hit = np.asarray(red.A[:, fixed_cols].sum(axis=1)).reshape(-1) > 0
        base_rows = np.flatnonzero(~hit)
        base_cols = np.flatnonzero(free)
        red = submodel(red, base_rows, base_cols, np.zeros(0, np.int64))
        cost_all = cost_all[base_cols]
    else:
        base_cols = np.arange(red.n_cols)
    integral = bool(np.all(cost_all == np.round(cost_all)))
    step = 1.0 - 1e-6 if integral else 1e-9 * max(1.0, float(cost_all.sum()))
    # the search the engine runs when the reductions leave a model: row weighting for
    # positive costs, the target search's iterated local search when some site is free
    row_weighting = bool(count or np.all(cost_all > 0))
    details: dict[str, Any] = {"search": "row_weighting" if row_weighting else "target_ils"}

    left, stopped = clock(deadline, cancel)

    if np.any(np.diff(red.A.tocsr().indptr) == 0):
        return None
    # 1. reductions
    rc = reduce_cover(red.A, cost_all)
    details["set_cover_reductions"] = dict(rc.stats)
    forced = rc.forced
    forced_cost = float(cost_all[forced].sum())
    sub = submodel(red, rc.rows, rc.cols, forced)
    csub = cost_all[rc.cols]

    def to_red(cols_sub: np.ndarray) -> np.ndarray:
        return base_cols[np.concatenate([rc.cols[np.asarray(cols_sub, dtype=np.int64)],
                                         forced])]

    used = "search"
    message = ""

    def finish(cols_sub: np.ndarray, bnd: float) -> EngineResult:
        cols = np.sort(to_red(cols_sub))
        value = float(csub[np.asarray(cols_sub, dtype=np.int64)].sum() + forced_cost)
        bnd = min(bnd, value)
        details.update(seconds=time.perf_counter() - t0)
        return EngineResult(cols=cols, value=value, bound=bnd,
                            optimal=value <= bnd + step - 1e-9, solver=used, message=message,
                            details=details)

    if sub.n_rows == 0:
        return finish(np.zeros(0, np.int64), forced_cost)
    need = float(sub.w.sum()) * (1.0 - 1e-12)
    # 2. first plan
    first = None if time_limit is None else WARMUP_SHARE * time_limit
    ts: Any
    if row_weighting:
        ts = _CoverSearch(sub, need, np.ones(sub.n_cols) if count else csub, seed, first)
    else:
        ts = TargetSearch(sub, need, csub, None, seed=seed, first_descent=first)
    if ts.best_cost is None:
        return None
    details["greedy"] = float(ts.best_cost) + forced_cost

    def search(until: float | None) -> None:
        # without a time limit the search stops on a plateau (never runs unbounded)
        if until is None and not row_weighting:
            ts.run(patience=200, max_kicks=20_000, cancel=cancel)
        else:
            ts.run(deadline=until, cancel=cancel)

    search(None if time_limit is None else t0 + min(WARMUP_SHARE * time_limit, WARMUP_MAX))
    # 3. the Lagrangian bound with fixing
    lag_secs = None if time_limit is None else min(LAGRANGIAN_SHARE * time_limit,
                                                    LAGRANGIAN_MAX, max(left(), 0.0))
    lag = lagrangian_set_cover(sub.A, csub, float(ts.best_cost), max_seconds=lag_secs,
                               max_iter=5000 if time_limit is None else 1_000_000,
                               heuristic=True)
    if lag.cover is not None and ts.offer(lag.cover):
        details["lagrangian_heuristic"] = lag.cover_cost + forced_cost
    lb = round_bound(lag.bound + forced_cost, maximize=False, integral=integral)
    bound = -math.inf if lb is None else lb
    details.update(lagrangian_bound=lag.bound + forced_cost,
                   lagrangian_iterations=lag.iterations)
    ts.lb = bound - forced_cost
    if float(ts.best_cost) + forced_cost <= bound + step - 1e-9 or stopped():
        return finish(ts.best(), bound)
    # more search while the bound is not met, before the fixing (a better incumbent fixes more)
    if time_limit is not None:
        search(t0 + 2 * min(WARMUP_SHARE * time_limit, WARMUP_MAX))
    inc_fix = float(ts.best_cost)
    _, closed, opened = fix_set_cover(sub.A, csub, lag.u, inc_fix)
    closed |= lag.fix_closed
    opened |= lag.fix_open & ~closed
    details.update(fixed_closed=int(closed.sum()), fixed_open=int(opened.sum()))
    # the fixed model: closed out, opened forced, reduced again
    A = sub.A.tocsr()
    hit_open = np.asarray(A @ opened.astype(np.int32)).reshape(-1) > 0
    keep_c = np.flatnonzero(~closed & ~opened)
    rows_left = np.flatnonzero(~hit_open)
    A2 = A[rows_left][:, keep_c]
    if np.any(np.diff(A2.tocsr().indptr) == 0):
        # a row no column outside the fixings reaches: no plan beats the incumbent
        return finish(ts.best(), inc_fix + forced_cost)
    rc2 = reduce_cover(A2, csub[keep_c])
    fix_cols = np.concatenate([np.flatnonzero(opened), keep_c[rc2.forced]])
    fix_cost = float(csub[fix_cols].sum())
    sub2 = submodel(sub, rows_left[rc2.rows], keep_c[rc2.cols], fix_cols)
    c2 = csub[keep_c[rc2.cols]]
    sub2_cols = keep_c[rc2.cols]
    details.update(restricted_sites=int(sub2.n_cols), restricted_rows=int(sub2.n_rows),
                   restricted_pairs=int(sub2.A.nnz))
    if sub2.n_rows == 0:
        # the fixings decide everything: fix_cols is the only plan that can beat the incumbent
        ts.offer(fix_cols)
        return finish(ts.best(), min(inc_fix, fix_cost) + forced_cost)
    # 4. the MIP on the fixed model beside the search
    from siting.optimize.jobs import start_job
    from siting.optimize.models import build, read_open
    from siting.optimize.solvers import resolve_solver

    mip_solver = resolve_solver(solver)
    too_big = sub2.A.nnz > MIP_MAX_NNZ and left() < MIP_LONG
    sub2_cost = Reduced(A=sub2.A, w=sub2.w, h=sub2.h, col_site=sub2.col_site,
                        fixed=sub2.fixed, cost=c2, cap=None,
                        row_of_demand=sub2.row_of_demand, offset=sub2.offset,
                        total=sub2.total, sizes=sub2.sizes)

    def build_fixed():
        return build(sub2_cost, sense="min", need=float(sub2.w.sum()), count_only=count,
                     lscp=True)

    built = None if too_big else build_fixed()
    lim = 0.5 if (built is not None and mip_solver == "highs"
                  and built.mip.A.nnz <= SC_THREAD_NNZ) else 2.0
    if built is None or left() < lim:
        message = ("the fixed model is too large for the MIP in the time left: the plan is the "
                   "local search's, the bound the Lagrangian one" if built is None else
                   "no time was left for the MIP: the plan is the local search's")
        if built is None and deadline is not None and left() >= LP_MIN_LEFT:
            # the second core: the LP relaxation of the fixed model for a better bound
            from siting.optimize.jobs import lp_safe, search_beside_lp

            def whole(b: float) -> float:
                return min(inc_fix, lp_safe(b, maximize=False) + fix_cost) + forced_cost

            def run_until(end: float) -> bool:
                search(end)
                return float(ts.best_cost) + forced_cost <= bound + step - 1e-9

            lp = search_beside_lp(build_fixed().mip, run_until, deadline, stopped,
                                  lambda b: float(ts.best_cost) + forced_cost
                                  <= whole(b) + step - 1e-9, details)
            if lp is not None:
                b = round_bound(whole(lp), maximize=False, integral=integral)
                if b is not None:
                    details["lp_bound"] = b
                    if b > bound:
                        bound = b
                        message = ("the fixed model is too large for the MIP in the time "
                                   "left: the plan is the local search's, the bound its "
                                   "linear relaxation's")
        else:
            search(deadline)
        details["mip_skipped"] = message
        return finish(ts.best(), bound)
    pos2 = np.full(sub.n_cols, -1, dtype=np.int64)
    pos2[sub2_cols] = np.arange(sub2_cols.size)

    def sub_start() -> np.ndarray | None:
        cols = ts.best()
        k = pos2[cols]
        inside = k[k >= 0]
        x = np.zeros(built.mip.n_cols)
        x[inside] = 1.0
        return x if built.mip.feasible(x) else None

    def from_mip(x: np.ndarray) -> np.ndarray | None:
        cols = read_open(built, sub2, x)
        return None if cols is None else np.concatenate([sub2_cols[cols], fix_cols])

    job = start_job(built.mip, mip_solver, time_limit=None if deadline is None else
                    max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None else threads,
                    start=sub_start(), thread_max_nnz=SC_THREAD_NNZ)
    used = mip_solver
    offered = ts.best_cost
    mip_found = 0
    while not job.done() and not stopped():
        slice_end = time.perf_counter() + SLICE
        if deadline is not None:
            slice_end = min(slice_end, deadline)
        if float(ts.best_cost) + forced_cost <= bound + step - 1e-9:
            job.wait(min(SLICE, max(left(), 0.0)))
        else:
            ts.run(deadline=slice_end, cancel=cancel)
        for x in job.poll():
            cols = from_mip(x)
            if cols is not None and ts.offer(cols):
                mip_found += 1
        if ts.best_cost is not None and (offered is None or ts.best_cost < offered - 1e-9):
            offered = ts.best_cost
            if progress is not None:
                progress({"seconds": time.perf_counter() - t0,
                          "objective": float(ts.best_cost) + forced_cost, "source": "search"})
            sv = sub_start()
            if sv is not None:
                job.offer(sv)
        if job.bound is not None:
            b = min(inc_fix, job.bound + fix_cost)
            if b >= float(ts.best_cost) - step + 1e-9:
                break
    res = job.finish()
    if res.x is not None:
        cols = from_mip(res.x)
        if cols is not None and ts.offer(cols):
            mip_found += 1
    details.update(mip_status=res.status, mip_seconds=res.seconds, mip_incumbents_used=mip_found)
    if res.bound is not None:
        mb = round_bound(min(inc_fix, res.bound + fix_cost) + forced_cost, maximize=False,
                         integral=integral)
        if mb is not None:
            details["mip_bound"] = mb
            bound = max(bound, mb)
    message = res.message if res.status != "optimal" else ""
    return finish(ts.best(), bound)
