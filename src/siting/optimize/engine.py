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
                 t0: float | None = None) -> EngineResult:
    """Maximal covering with at most p new sites (no budget); see the module docstring."""
    from siting.optimize.bounds import better_by, fix_with, lagrangian_cover, round_bound
    from siting.optimize.heuristics import covered_weight, greedy_max_cover
    from siting.optimize.models import build, read_open, start_vector
    from siting.optimize.reduce import restrict
    from siting.optimize.search import CoverSearch
    from siting.optimize.solvers import resolve_solver

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    details: dict[str, Any] = {}
    integral = bool(np.all(np.asarray(red.w) == np.round(red.w)))
    step = better_by(red)

    def left() -> float:
        return math.inf if deadline is None else deadline - time.perf_counter()

    def stopped() -> bool:
        return (cancel is not None and cancel()) or left() <= 0

    start = greedy_max_cover(red, p, None)
    cs = CoverSearch(red, p, start, seed=seed)
    details["greedy"] = float(covered_weight(red, start))
    best_seen = [cs.best_value]

    def report(source: str) -> None:
        if progress is not None and cs.best_value > best_seen[0]:
            best_seen[0] = cs.best_value
            progress({"seconds": time.perf_counter() - t0, "objective": cs.best_value + red.offset,
                      "source": source})

    # 1. warm-up search
    if time_limit is None:
        cs.run(patience=max(60, 2 * p), max_kicks=20_000, cancel=cancel)
    else:
        cs.run(deadline=t0 + min(WARMUP_SHARE * time_limit, WARMUP_MAX), cancel=cancel)
    report("search")
    # 2. bound and fixing
    lag_secs = None if time_limit is None else min(LAGRANGIAN_SHARE * time_limit, LAGRANGIAN_MAX,
                                                    max(left(), 0.0))
    lag = lagrangian_cover(red, p, cs.best_value, max_seconds=lag_secs)
    ub = round_bound(lag.bound, maximize=True, integral=integral)
    assert ub is not None
    cs.ub = ub
    details.update(lagrangian_bound=lag.bound + red.offset,
                   lagrangian_iterations=lag.iterations)
    mip_solver = resolve_solver(solver)
    used = "search"
    message = ""
    bound = ub
    if cs.best_value >= ub - step + 1e-9 or stopped():
        return _result(cs, red, bound, step, used, message, details, t0)
    inc_fix = cs.best_value
    fix_with(red, p, lag, inc_fix)
    sub, sub_cols, n_forced = restrict(red, lag.fix_closed, lag.fix_open)
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
    from siting.optimize.jobs import start_job
    from siting.optimize.mip import HIGHS_THREAD_NNZ

    built = build(sub, sense="max", p=p_sub)
    need = 0.5 if (mip_solver == "highs" and built.mip.A.nnz <= HIGHS_THREAD_NNZ) else 2.0
    if left() < need:
        cs.run(deadline=deadline, cancel=cancel)
        report("search")
        message = "no time was left for the MIP: the plan is the local search's"
        return _result(cs, red, bound, step, used, message, details, t0)
    sv = start_vector(built, sub, to_sub(cs.best()))
    job = start_job(built.mip, mip_solver, time_limit=None if deadline is None else
                    max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None else threads,
                    start=sv)
    used = mip_solver
    offered = cs.best_value
    mip_found = 0
    while True:
        if job.done():
            break
        if stopped():
            break
        slice_end = time.perf_counter() + SLICE
        if deadline is not None:
            slice_end = min(slice_end, deadline)
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
    if res.status == "optimal":
        bound = min(bound, max(inc_fix, cs.best_value))
    message = res.message if res.status != "optimal" else ""
    return _result(cs, red, bound, step, used, message, details, t0)


def _rel(value: float, bound: float) -> float:
    den = max(abs(value), abs(bound), 1e-12)
    return max(0.0, (bound - value) / den)


def _result(cs, red: Reduced, bound: float, step: float, used: str, message: str,
            details: dict, t0: float) -> EngineResult:
    from siting.optimize.heuristics import covered_weight

    cols = cs.best()
    value = float(covered_weight(red, cols))  # exact, from the matrix
    bound = max(bound, value)
    optimal = value >= bound - step + 1e-9
    details.update(search_kicks=cs.kicks, search_kicks_per_second=round(cs.kicks_per_second, 1),
                   seconds=time.perf_counter() - t0)
    return EngineResult(cols=cols, value=value, bound=bound, optimal=optimal, solver=used,
                        message=message, details=details)
