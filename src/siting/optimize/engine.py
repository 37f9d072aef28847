"""The search, the bounds and the MIP working together (private plumbing of :mod:`siting.optimize`).

:func:`cover_engine` solves maximal covering with p new sites on a reduced model:

1. greedy, then the iterated local search of :mod:`siting.optimize.search` for a short
   warm-up (a few percent of the time limit);
2. the Lagrangian bound with reduced-cost fixing (:mod:`siting.optimize.bounds`): when it meets
   the plan, the plan is optimal and nothing else runs;
3. the MIP on the **restricted model** (fixed-closed sites removed, fixed-open sites forced,
   rows that can no longer change removed), started from the search's plan, in a thread or
   a child process (:mod:`siting.optimize.mip`), while the search keeps running in this
   process on the full model. Between slices of the search the two exchange plans: each MIP
   incumbent is handed to the search (which polishes it and continues from it when it is
   better) and each new best plan of the search is handed to the MIP as an incumbent.
   The run ends at the time limit, on ``cancel()``, when the MIP proves the restricted model
   optimal, or when a bound meets the plan. When the MIP cannot be started in the time left
   (or its first relaxation does not finish), the search keeps the whole budget.

The bound reported is the smaller of the Lagrangian bound and ``max(incumbent at fixing,
MIP bound of the restricted model)`` (see :mod:`siting.optimize.bounds` for why the
restricted bound holds for the whole model), rounded down with integral weights.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.optimize.reduce import Reduced

logger = logging.getLogger(__name__)

#: Share of the time limit for the warm-up search before the bound (at most WARMUP_MAX s).
WARMUP_SHARE = 0.1
WARMUP_MAX = 3.0
#: Share of the time limit the Lagrangian may use (at most LAGRANGIAN_MAX s).
LAGRANGIAN_SHARE = 0.15
LAGRANGIAN_MAX = 8.0
#: Seconds of search between two looks at the MIP.
SLICE = 0.2
#: The MIP runs beside the search only on a (fixed) model with at most this many nonzeros,
#: unless at least MIP_LONG seconds are left: on larger models HiGHS and CBC did not finish
#: the root relaxation within a minute on the benchmark instances, and the search needs the
#: machine more (docs/optimize.md).
MIP_MAX_NNZ = 150_000
MIP_LONG = 300.0
#: Seconds the search alone gets to find a plan with one station fewer (count targets)
#: before the full decision (bound, fixing, MIP) runs.
QUICK_DECISION = 1.0
#: Count targets under a time limit: while p - 1 exceeds the partial covering bound by more
#: than this share (and 2 sites), the decision "can p - 1 sites reach the target?" is left to
#: the search for the rest of the time — the maximal covering engine's bound cannot answer no.
HOPELESS_SHARE = 0.01
#: Seconds a time limit must leave for the LP relaxation beside the search on a model too
#: large for the MIP (HiGHS's interior point method: gen-D, 460 000 pairs, 14 s; the
#: 20 000-candidate city, 1 million pairs, 56 s at load 3).
LP_MIN_LEFT = 10.0


@dataclass
class EngineResult:
    """Outcome on the reduced model: open columns, model value (offset excluded) and bound
    (offset excluded, None when unknown), whether the bound is met, what ran."""

    cols: np.ndarray
    value: float
    bound: float | None
    optimal: bool
    solver: str
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def in_cost(self, scale: float) -> EngineResult:
        """This result of a count model in cost units, every new column costing ``scale``:
        value, bound and the bounds and plans in ``details`` multiplied by it."""
        from dataclasses import replace

        details = dict(self.details)
        for key in ("greedy", "lagrangian_bound", "lagrangian_heuristic", "mip_bound",
                    "lp_bound"):
            if isinstance(details.get(key), (int, float)):
                details[key] = float(details[key]) * scale
        return replace(self, value=self.value * scale,
                       bound=None if self.bound is None else self.bound * scale,
                       details=details)


def clock(deadline: float | None, cancel: Callable[[], bool] | None
          ) -> tuple[Callable[[], float], Callable[[], bool]]:
    """``(left, stopped)`` of an engine run: seconds left before ``deadline``
    (``time.perf_counter()`` seconds; infinite without one), and whether the time is up or
    ``cancel()`` asks to stop."""

    def left() -> float:
        return math.inf if deadline is None else deadline - time.perf_counter()

    def stopped() -> bool:
        return (cancel is not None and cancel()) or left() <= 0

    return left, stopped


def as_cancel(cancel: Any) -> Callable[[], bool] | None:
    """A cancel hook as a callable: a ``threading.Event`` (its ``is_set``), a callable, or None."""
    if cancel is None:
        return None
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    if callable(cancel):
        return cancel
    raise TypeError("cancel must be a threading.Event or a callable returning True to stop")


def cover_engine(red: Reduced, p: int, *, solver: str, time_limit: float | None,
                 gap: float | None, threads: int | None, cancel: Callable[[], bool] | None,
                 progress: Callable[[dict], None] | None = None, seed: int = 0,
                 t0: float | None = None, start: np.ndarray | None = None,
                 stop_at: float | None = None) -> EngineResult:
    """Maximal covering with at most p new sites (no budget); see the module docstring.

    ``start``: a first plan (model columns) instead of the greedy one. ``stop_at``: the
    decision version — stop as soon as a plan covers that much model weight, or as soon as a
    bound shows none can (fixings then use that value, not the incumbent)."""
    from siting.optimize.bounds import better_by, fix_with, lagrangian_cover, round_bound
    from siting.optimize.heuristics import covered_weight, greedy_max_cover
    from siting.optimize.jobs import lp_safe, search_beside_lp, start_job
    from siting.optimize.mip import HIGHS_THREAD_NNZ
    from siting.optimize.models import build, read_open, start_vector
    from siting.optimize.reduce import restrict
    from siting.optimize.search import CoverSearch
    from siting.optimize.search_pair import run_pair
    from siting.optimize.solvers import resolve_solver

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    details: dict[str, Any] = {}
    integral = bool(np.all(np.asarray(red.w) == np.round(red.w)))
    step = better_by(red)

    left, stopped = clock(deadline, cancel)

    if start is None:
        start = greedy_max_cover(red, p, None)
    cs = CoverSearch(red, p, start, seed=seed)
    details["greedy"] = float(covered_weight(red, start))
    if stop_at is not None:
        cs.ub = stop_at
    report = cs.reporter(progress, t0)

    # 1. a first bound from a short Lagrangian: small models are often proved here
    if stop_at is not None and cs.best_value >= stop_at - 1e-9 * max(1.0, stop_at):
        return _result(cs, red, float(red.w.sum()), step, "search", "", details, t0)

    def fix_level() -> float:
        return cs.best_value if stop_at is None else max(cs.best_value, stop_at - step)

    lag = lagrangian_cover(red, p, fix_level(), max_iter=300,
                           max_seconds=None if time_limit is None else 0.02 * time_limit)
    ub = round_bound(min(lag.bound, float(red.w.sum())), maximize=True, integral=integral)
    assert ub is not None
    cs.ub = ub if stop_at is None else min(ub, stop_at)
    if cs.best_value < ub - step + 1e-9 and not (stop_at is not None and ub < stop_at):
        # 2. warm-up search, then the Lagrangian again from its multipliers (fixings need a
        # good incumbent)
        if time_limit is None:
            cs.run(patience=max(60, 2 * p), max_kicks=20_000, cancel=cancel)
        else:
            cs.run(deadline=t0 + min(WARMUP_SHARE * time_limit, WARMUP_MAX),
                   patience=max(200, 4 * p), cancel=cancel)
        report("search")
        if cs.best_value < ub - step + 1e-9 and not stopped():
            lag_secs = None if time_limit is None else min(
                LAGRANGIAN_SHARE * time_limit, LAGRANGIAN_MAX, max(left(), 0.0))
            lag = lagrangian_cover(red, p, fix_level(), state=lag, max_seconds=lag_secs)
            ub = round_bound(min(lag.bound, float(red.w.sum())), maximize=True, integral=integral)
            assert ub is not None
            cs.ub = ub if stop_at is None else min(ub, stop_at)
    details.update(lagrangian_bound=min(lag.bound, float(red.w.sum())) + red.offset,
                   lagrangian_iterations=lag.iterations)
    mip_solver = resolve_solver(solver)
    used = "search"
    message = ""
    bound = ub
    if cs.best_value >= ub - step + 1e-9 or stopped() or (stop_at is not None and ub < stop_at):
        return _result(cs, red, bound, step, used, message, details, t0)
    inc_fix = fix_level()
    fix_with(red, p, lag, inc_fix)
    if lag.fix_closed.any() or lag.fix_open.any():
        sub, sub_cols, n_forced = restrict(red, lag.fix_closed, lag.fix_open)
    else:
        sub, sub_cols, n_forced = red, np.arange(red.n_cols), 0
    p_sub = p - n_forced
    details.update(fixed_closed=int(lag.fix_closed.sum()), fixed_open=int(lag.fix_open.sum()),
                   restricted_sites=int(sub.n_cols), restricted_rows=int(sub.n_rows),
                   restricted_pairs=int(sub.A.nnz))
    forced_cols = np.flatnonzero(lag.fix_open & ~np.asarray(red.fixed, bool))
    pos_in_sub = np.full(red.n_cols, -1, dtype=np.int64)
    pos_in_sub[sub_cols] = np.arange(sub_cols.size)

    def to_sub(cols: np.ndarray) -> np.ndarray:
        k = pos_in_sub[np.asarray(cols, dtype=np.int64)]
        return k[k >= 0][:max(p_sub, 0)]

    def from_sub(cols: np.ndarray) -> np.ndarray:
        return np.concatenate([sub_cols[np.asarray(cols, dtype=np.int64)], forced_cols])

    if p_sub <= 0 or sub.n_cols == 0:
        # everything is fixed: the forced sites are the only better plan there can be
        cs.offer(forced_cols)
        bound = min(ub, max(inc_fix, cs.best_value))
        return _result(cs, red, bound, step, "search", "", details, t0)
    # 3. the MIP on the restricted model beside the search
    too_big = sub.A.nnz > MIP_MAX_NNZ and left() < MIP_LONG
    built = None if too_big else build(sub, sense="max", p=p_sub)
    need = 0.5 if (built is not None and mip_solver == "highs"
                   and built.mip.A.nnz <= HIGHS_THREAD_NNZ) else 2.0
    if built is None or left() < need:
        lp = None

        def rest(end: float) -> None:  # the second core is free: a second search
            details.update(run_pair(cs, deadline=end, cancel=cancel, seed=seed + 1,
                                    on_exchange=lambda: report("search")))

        if built is None and deadline is not None and left() >= LP_MIN_LEFT:
            # the second core: the LP relaxation of the restricted model for a better bound
            def proves(b: float) -> bool:
                return max(inc_fix, b + sub.offset - red.offset) <= cs.best_value + step - 1e-9

            def run_until(end: float) -> bool:
                cs.run(deadline=end, cancel=cancel)
                report("search")
                return cs.best_value >= cs.ub - step + 1e-9  # the plan meets its bound

            lp = search_beside_lp(build(sub, sense="max", p=p_sub).mip, run_until, deadline,
                                  stopped, proves, details, slice_s=SLICE, rest=rest)
        elif deadline is not None:
            rest(deadline)
        report("search")
        message = ("the model is too large for the MIP in the time left: the plan is the local "
                   "search's, the bound the Lagrangian one" if built is None else
                   "no time was left for the MIP: the plan is the local search's")
        if lp is not None:
            b = max(inc_fix, lp_safe(lp, maximize=True) + sub.offset - red.offset)
            b = round_bound(b, maximize=True, integral=integral) or b
            details["lp_bound"] = b + red.offset
            if b < bound:
                bound = b
                message = ("the model is too large for the MIP in the time left: the plan is "
                           "the local search's, the bound its linear relaxation's")
        details["mip_skipped"] = message
        return _result(cs, red, bound, step, used, message, details, t0)
    sv = start_vector(built, sub, to_sub(cs.best()))
    job = start_job(built.mip, mip_solver, time_limit=None if deadline is None else
                    max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None else threads,
                    start=sv)
    used = mip_solver
    offered = cs.best_value
    mip_found = 0
    while True:
        if job.done() or stopped():
            break
        slice_end = time.perf_counter() + SLICE
        if deadline is not None:
            slice_end = min(slice_end, deadline)
        if stop_at is not None and cs.best_value >= stop_at - 1e-9 * max(1.0, stop_at):
            break
        if cs.best_value >= ub - step + 1e-9:
            job.wait(min(SLICE, max(left(), 0.0)))  # the search is done: let the MIP prove it
        else:
            cs.run(deadline=slice_end, cancel=cancel)
        for x in job.poll():
            cols = read_open(built, sub, x)
            if cols is not None and cs.offer(from_sub(cols)):
                mip_found += 1
                report(mip_solver)
        if cs.best_value > offered + 1e-9:
            offered = cs.best_value
            job.offer(start_vector(built, sub, to_sub(cs.best())))
            report("search")
        if job.bound is not None:
            b = max(inc_fix, job.bound + sub.offset - red.offset)
            if b <= cs.best_value + step - 1e-9 or (gap is not None and _rel(cs.best_value, b) <= gap):
                break
            if stop_at is not None and b < stop_at - 1e-9 * max(1.0, stop_at):
                break
    res = job.finish()
    if res.x is not None:
        cols = read_open(built, sub, res.x)
        if cols is not None and cs.offer(from_sub(cols)):
            mip_found += 1
    details.update(mip_status=res.status, mip_seconds=res.seconds, mip_incumbents_used=mip_found)
    if res.bound is not None:
        mip_bound = max(inc_fix, res.bound + sub.offset - red.offset)
        mip_bound = round_bound(mip_bound, maximize=True, integral=integral) or mip_bound
        details["mip_bound"] = mip_bound + red.offset
        bound = min(bound, mip_bound)
    message = res.message if res.status != "optimal" else ""
    return _result(cs, red, bound, step, used, message, details, t0)


def _rel(value: float, bound: float) -> float:
    den = max(abs(value), abs(bound), 1e-12)
    return max(0.0, (bound - value) / den)


def _result(cs, red: Reduced, bound: float, step: float, used: str, message: str,
            details: dict, t0: float) -> EngineResult:
    from siting.optimize.heuristics import covered_weight

    cs.polish()  # a last descent from the best plan (see CoverSearch.polish)
    cols = cs.best()
    value = float(covered_weight(red, cols))  # exact, from the matrix
    bound = max(bound, value)
    optimal = value >= bound - step + 1e-9
    details.update(search_kicks=cs.kicks, search_kicks_per_second=round(cs.kicks_per_second, 1),
                   seconds=time.perf_counter() - t0)
    return EngineResult(cols=cols, value=value, bound=bound, optimal=optimal, solver=used,
                        message=message, details=details)


def target_engine(red: Reduced, need: float, count: bool, *, solver: str,
                  time_limit: float | None, gap: float | None, threads: int | None,
                  cancel: Callable[[], bool] | None, lscp: bool = False,
                  progress: Callable[[dict], None] | None = None, seed: int = 0,
                  t0: float | None = None) -> EngineResult | None:
    """Target covering: cover at least ``need`` model weight at least cost (``count``: the
    fewest sites). None when no plan reaches the target.

    Both start with the target search and the partial covering Lagrangian
    (:func:`siting.optimize.partial.partial_bound`: coverage rows relaxed, the target row
    kept as a fractional knapsack; its maximum is the LP bound), rounded up with integral
    costs. Counts: then the decision "can p - 1 sites cover the target?" by
    :func:`cover_engine` with ``stop_at=need`` (search, Lagrangian bound and fixing, MIP),
    repeated while the answer is yes; a bound below the target for p - 1 sites proves p
    optimal. Costs: fixing from the Lagrangian and the MIP on the restricted model beside
    the search, as in :func:`cover_engine`. A target that needs every row covered goes to
    :func:`siting.optimize.engine_sc.set_cover_engine` instead (the caller decides).
    ``value`` is the plan's cost (or count), ``bound`` a lower bound on it."""
    from siting.optimize.bounds import round_bound
    from siting.optimize.partial import partial_bound
    from siting.optimize.search import CoverSearch, TargetSearch

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    cost = np.ones(red.n_cols) if count else np.asarray(red.cost, dtype=np.float64)
    free = ~np.asarray(red.fixed, bool)
    integral = count or bool(np.all(cost[free] == np.round(cost[free])))
    details: dict[str, Any] = {}

    left, stopped = clock(deadline, cancel)

    # the compiled greedy (least cost per newly covered weight) and a first descent
    ts = TargetSearch(red, need, cost, None, seed=seed,
                      first_descent=None if time_limit is None else WARMUP_SHARE * time_limit)
    if ts.best_cost is None:
        return None
    details["greedy"] = ts.best_cost
    if time_limit is None:
        ts.run(patience=200, max_kicks=20_000, cancel=cancel)
    else:
        ts.run(deadline=t0 + min(WARMUP_SHARE * time_limit, WARMUP_MAX), cancel=cancel)
    lag_secs = None if time_limit is None else min(LAGRANGIAN_SHARE * time_limit, LAGRANGIAN_MAX,
                                                    max(left(), 0.0))
    lb, fix_closed, _ = partial_bound(red, need, cost, ts.best_cost, max_seconds=lag_secs,
                                      max_iter=5000 if time_limit is None else 10 ** 7)
    lb_r = round_bound(lb, maximize=False, integral=integral)
    bound = -math.inf if lb_r is None else lb_r
    details["lagrangian_bound"] = lb
    used = "search"
    message = ""
    step = 1.0 - 1e-6 if integral else 1e-9 * max(1.0, float(cost[free].sum()))

    def finish(cols: np.ndarray, bnd: float) -> EngineResult:
        value = float(cost[np.asarray(cols, dtype=np.int64)].sum())
        bnd = min(bnd, value)
        details.update(search_kicks=ts.kicks, seconds=time.perf_counter() - t0)
        return EngineResult(cols=np.asarray(cols, dtype=np.int64), value=value, bound=bnd,
                            optimal=value <= bnd + step - 1e-9, solver=used, message=message,
                            details=details)

    best = ts.best()
    if count:
        k = best.size
        while k > 0 and not stopped() and float(k) > bound + step - 1e-9:
            # can k - 1 sites cover the target?  start from the plan without its least useful site
            mask = np.asarray(red.fixed, bool).copy()
            mask[best] = True
            cnt = np.asarray(red.A @ mask.astype(np.int32)).reshape(-1)
            loss = np.asarray(red.A[:, best].T @ np.where(cnt == 1, red.w, 0.0)).reshape(-1)
            start = np.delete(best, int(np.argmin(loss)))
            # a quick try with the search alone; the full decision (bound, fixing, MIP) only
            # when it does not find a plan and could prove something: its Lagrangian bound is
            # the LP bound of k - 1 sites, which cannot fall below the target while k - 1 is
            # well above the partial covering bound, so there the search keeps the time
            hopeless = deadline is not None and float(k - 1) > bound + max(
                2.0, HOPELESS_SHARE * max(bound, 1.0))
            quick = CoverSearch(red, k - 1, start, seed=seed, ub=need)
            if quick.best_value < need - 1e-9 * max(1.0, need):
                quick.run(deadline=time.perf_counter() + (QUICK_DECISION if deadline is None
                                                          else left() if hopeless
                                                          else min(QUICK_DECISION, left())),
                          cancel=cancel)
            if quick.best_value >= need - 1e-9 * max(1.0, need):
                details.setdefault("decisions", []).append([k - 1, "search"])
                best = quick.best()
                if ts.offer(best) and ts.best_cost is not None and ts.best_cost <= best.size:
                    best = ts.best()
                k = best.size
                if progress is not None:
                    progress({"seconds": time.perf_counter() - t0, "objective": float(k),
                              "source": "search"})
                continue
            if hopeless:
                break  # the search had the rest of the time
            er = cover_engine(red, k - 1, solver=solver, time_limit=None if deadline is None
                              else max(left(), 0.01), gap=None, threads=threads, cancel=cancel,
                              seed=seed, start=start, stop_at=need)
            details.setdefault("decisions", []).append(
                [k - 1, round(er.value + red.offset, 3), None if er.bound is None else
                 round(er.bound + red.offset, 3)])
            if er.solver != "search":
                used = er.solver
            if er.value >= need - 1e-9 * max(1.0, need):
                best = er.cols
                ts.offer(best)
                best = ts.best() if ts.best_cost is not None and ts.best_cost <= best.size \
                    else best
                k = best.size
                if progress is not None:
                    progress({"seconds": time.perf_counter() - t0, "objective": float(k),
                              "source": er.solver})
                continue
            if er.bound is not None and er.bound < need - 1e-9 * max(1.0, need):
                bound = max(bound, float(k))  # k - 1 sites cannot reach the target
            break
        return finish(best, bound)
    # costs: the MIP on the restricted model beside the target search
    if ts.best_cost is not None and ts.best_cost <= bound + step - 1e-9:
        return finish(best, bound)
    if stopped():
        return finish(best, bound)
    from siting.optimize.jobs import start_job
    from siting.optimize.mip import HIGHS_THREAD_NNZ
    from siting.optimize.models import build, read_open, start_vector
    from siting.optimize.reduce import restrict
    from siting.optimize.solvers import resolve_solver

    inc_fix = float(ts.best_cost if ts.best_cost is not None else math.inf)
    sub, sub_cols, _ = restrict(red, fix_closed, np.zeros(red.n_cols, bool),
                                dominance_cost=cost)
    details.update(fixed_closed=int(fix_closed.sum()), restricted_sites=int(sub.n_cols),
                   restricted_rows=int(sub.n_rows))
    need_sub = need - (sub.offset - red.offset)
    if float(sub.w.sum()) < need_sub - 1e-9 * max(1.0, need):
        # no plan cheaper than the incumbent exists
        return finish(best, max(bound, inc_fix))
    pos_in_sub = np.full(red.n_cols, -1, dtype=np.int64)
    pos_in_sub[sub_cols] = np.arange(sub_cols.size)
    mip_solver = resolve_solver(solver)
    built = build(sub, sense="min", need=need_sub, count_only=count,
                  lscp=lscp and abs(need_sub - float(sub.w.sum())) <= 1e-6 * max(1.0, need))
    lim = 0.5 if (mip_solver == "highs" and built.mip.A.nnz <= HIGHS_THREAD_NNZ) else 2.0
    if left() < lim:
        ts.run(deadline=deadline, cancel=cancel)
        message = "no time was left for the MIP: the plan is the local search's"
        return finish(ts.best(), bound)

    def sub_start() -> np.ndarray | None:
        cols = ts.best()
        k = pos_in_sub[cols]
        if np.any(k < 0):
            return None
        x = start_vector(built, sub, k)
        return x if built.mip.feasible(x) else None

    job = start_job(built.mip, mip_solver, time_limit=None if deadline is None else
                    max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None else threads,
                    start=sub_start())
    used = mip_solver
    offered = ts.best_cost
    while not job.done() and not stopped():
        slice_end = time.perf_counter() + SLICE
        if deadline is not None:
            slice_end = min(slice_end, deadline)
        ts.run(deadline=slice_end, cancel=cancel)
        for x in job.poll():
            cols = read_open(built, sub, x)
            if cols is not None:
                ts.offer(sub_cols[cols])
        if ts.best_cost is not None and (offered is None or ts.best_cost < offered - 1e-9):
            offered = ts.best_cost
            sv = sub_start()
            if sv is not None:
                job.offer(sv)
        if job.bound is not None and ts.best_cost is not None:
            b = min(inc_fix, job.bound)
            if b >= ts.best_cost - step + 1e-9:
                break
    res = job.finish()
    if res.x is not None:
        cols = read_open(built, sub, res.x)
        if cols is not None:
            ts.offer(sub_cols[cols])
    details.update(mip_status=res.status, mip_seconds=res.seconds)
    if res.bound is not None:
        mb = round_bound(min(inc_fix, res.bound), maximize=False, integral=integral)
        if mb is not None:
            details["mip_bound"] = mb
            bound = max(bound, mb)
    message = res.message if res.status != "optimal" else ""
    return finish(ts.best(), bound)


def budget_engine(red: Reduced, p: int | None, budget: float, *, solver: str,
                  time_limit: float | None, gap: float | None, threads: int | None,
                  cancel: Callable[[], bool] | None,
                  progress: Callable[[dict], None] | None = None, seed: int = 0,
                  t0: float | None = None) -> EngineResult:
    """Maximal covering under a budget (and at most p new sites when p is given): the
    budget-aware search of :mod:`siting.optimize.search` with the submodular bound, and the
    MIP beside it as in :func:`cover_engine` (no fixing: the Lagrangian here is the
    cardinality one)."""
    from siting.optimize.bounds import better_by, round_bound
    from siting.optimize.heuristics import cover_upper_bound, covered_weight, greedy_max_cover
    from siting.optimize.jobs import start_job
    from siting.optimize.mip import HIGHS_THREAD_NNZ
    from siting.optimize.models import build, read_open, start_vector
    from siting.optimize.search import CoverSearch
    from siting.optimize.search_pair import run_pair
    from siting.optimize.solvers import resolve_solver

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    integral = bool(np.all(np.asarray(red.w) == np.round(red.w)))
    step = better_by(red)
    details: dict[str, Any] = {}

    left, stopped = clock(deadline, cancel)

    start = greedy_max_cover(red, p, budget)
    details["greedy"] = float(covered_weight(red, start))
    cs = CoverSearch(red, p, start, seed=seed, budget=budget)
    report = cs.reporter(progress, t0)
    if time_limit is None:
        cs.run(patience=200, max_kicks=20_000, cancel=cancel)
    else:
        cs.run(deadline=t0 + min(WARMUP_SHARE * time_limit, WARMUP_MAX), patience=400,
               cancel=cancel)
    sb = round_bound(cover_upper_bound(red, cs.best(), p, budget), maximize=True,
                     integral=integral)
    bound = float(red.w.sum()) if sb is None else sb
    cs.ub = bound
    details["submodular_bound"] = bound + red.offset
    mip_solver = resolve_solver(solver)
    used = "search"
    message = ""
    if cs.best_value >= bound - step + 1e-9 or stopped():
        return _result(cs, red, bound, step, used, message, details, t0)
    too_big = red.A.nnz > MIP_MAX_NNZ and left() < MIP_LONG
    built = None if too_big else build(red, sense="max", p=p, budget=budget)
    need = 0.5 if (built is not None and mip_solver == "highs"
                   and built.mip.A.nnz <= HIGHS_THREAD_NNZ) else 2.0
    if built is None or left() < need:
        if deadline is not None:  # the second core is free: a second search
            details.update(run_pair(cs, deadline=deadline, cancel=cancel, seed=seed + 1,
                                    on_exchange=lambda: report("search")))
        message = ("the model is too large for the MIP in the time left: the plan is the local "
                   "search's" if built is None else
                   "no time was left for the MIP: the plan is the local search's")
        details["mip_skipped"] = message
        sb = round_bound(cover_upper_bound(red, cs.best(), p, budget), maximize=True,
                         integral=integral)
        return _result(cs, red, min(bound, sb if sb is not None else bound), step, used,
                       message, details, t0)
    job = start_job(built.mip, mip_solver, time_limit=None if deadline is None else
                    max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None else threads,
                    start=start_vector(built, red, cs.best()))
    used = mip_solver
    offered = cs.best_value
    while not job.done() and not stopped():
        slice_end = time.perf_counter() + SLICE
        if deadline is not None:
            slice_end = min(slice_end, deadline)
        cs.run(deadline=slice_end, cancel=cancel)
        for x in job.poll():
            cols = read_open(built, red, x)
            if cols is not None:
                cs.offer(cols)
        if cs.best_value > offered + 1e-9:
            offered = cs.best_value
            job.offer(start_vector(built, red, cs.best()))
            report("search")
        if job.bound is not None and job.bound + 0.0 <= cs.best_value + step - 1e-9:
            break
    res = job.finish()
    if res.x is not None:
        cols = read_open(built, red, res.x)
        if cols is not None:
            cs.offer(cols)
    details.update(mip_status=res.status, mip_seconds=res.seconds)
    if res.bound is not None:
        mb = round_bound(res.bound, maximize=True, integral=integral)
        if mb is not None:
            details["mip_bound"] = mb + red.offset
            bound = min(bound, mb)
    message = res.message if res.status != "optimal" else ""
    return _result(cs, red, bound, step, used, message, details, t0)
