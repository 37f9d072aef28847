"""Capacitated target covering solved by search, bounds and the MIP (private plumbing of
:mod:`siting.optimize`; the search, the flow evaluator and the maximal covering engine are in
:mod:`siting.optimize.engine_cap`).

Model (Pirkul & Schilling 1991, *Management Science* 37(2):233–248, with a coverage target
as in :func:`siting.optimize.solve_target`)::

    min  sum_{j not in E} c_j y_j           (c_j = 1 when minimising the count)
    s.t. sum_i w_i sum_j a_ij >= need,  sum_j a_ij <= 1,  sum_i h_i a_ij <= Q_j y_j,
         a_ij <= y_j,  y_j = 1 for j in E,  y binary,  0 <= a_ij <= 1

* **Count**: decisions "can k - 1 sites serve the need?" by
  :func:`~siting.optimize.engine_cap.cap_cover_engine` with ``stop_at`` (search, capacity and
  Lagrangian bounds, fixing, MIP), repeated while the answer is yes; a bound below the need
  proves k. The first lower bound is :func:`count_bound`.
* **Cost**: the search drops sites while the need is met and exchanges a site for a cheaper
  one that keeps it met (ranked by the exchange scores, valued exactly by the flow); then the
  MIP from that plan when the model is small enough (the sizes of :mod:`siting.optimize.engine`).
  The first lower bound is :func:`cost_bound` (the LP of the capacity bound).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from siting.optimize.capflow import CapFlow
from siting.optimize.engine_cap import (
    EXACT,
    SLICE,
    TOP_IN,
    CapResult,
    _spare_count,
    _swap_scores,
    cap_cover_engine,
)
from siting.optimize.plan import Plan, plan_capacitated
from siting.optimize.reduce import Reduced


# ---------------------------------------------------------------------------------- targets
def count_bound(red: Reduced, v: np.ndarray, need: float) -> int:
    """Fewest new sites whose capacity bound reaches ``need`` (a lower bound on the count)."""
    fixed = np.asarray(red.fixed, bool)
    vf = np.cumsum(np.sort(v[~fixed])[::-1])
    short = need - float(v[fixed].sum()) - 1e-9 * max(1.0, need)
    if short <= 0:
        return 0
    return int(np.searchsorted(vf, short)) + 1


def cost_bound(red: Reduced, v: np.ndarray, need: float) -> float:
    """Least cost of serving ``need`` when site j serves up to ``v_j`` and may be opened in
    part (the LP of the capacity bound: a fractional knapsack, cheapest per weight first)."""
    fixed = np.asarray(red.fixed, bool)
    short = need - float(v[fixed].sum()) - 1e-9 * max(1.0, need)
    if short <= 0:
        return 0.0
    free = np.flatnonzero(~fixed & (v > 0))
    c = np.asarray(red.cost, float)[free]
    order = np.argsort(c / v[free], kind="stable")
    got = np.cumsum(v[free][order])
    k = int(np.searchsorted(got, short))
    if k >= order.size:
        return math.inf
    before = got[k - 1] if k else 0.0
    return float(c[order[:k]].sum() + c[order[k]] * (short - before) / v[free][order[k]])


def cap_target_engine(red: Reduced, need: float, count: bool, *, solver: str,
                      time_limit: float | None, gap: float | None, threads: int | None,
                      cancel: Callable[[], bool] | None,
                      progress: Callable[[dict], None] | None = None, seed: int = 0,
                      t0: float | None = None) -> CapResult | None:
    """Capacitated target covering: serve at least ``need`` model weight at least cost (or
    with the fewest new sites); None when the greedy finds no plan (the caller then settles
    feasibility with the MIP). See the module docstring."""
    from siting.optimize.bounds import round_bound
    from siting.optimize.engine import clock
    from siting.optimize.starts import greedy_capacitated

    t0 = time.perf_counter() if t0 is None else t0
    deadline = None if time_limit is None else t0 + float(time_limit)
    got = greedy_capacitated(red, None, None, need=need, count_only=count)
    if got is None:
        return None
    cost = np.ones(red.n_cols) if count else np.asarray(red.cost, float)
    free = ~np.asarray(red.fixed, bool)
    integral = count or bool(np.all(cost[free] == np.round(cost[free])))
    step = 1.0 - 1e-6 if integral else 1e-9 * max(1.0, float(cost[free].sum()))
    tol = 1e-9 * max(1.0, need)
    flow = CapFlow(red)
    v = flow.site_bounds()
    details: dict[str, Any] = {"greedy": float(cost[got[0]].sum())}
    lb = float(count_bound(red, v, need)) if count else cost_bound(red, v, need)
    bound = round_bound(lb, maximize=False, integral=integral)
    bound = -math.inf if bound is None else bound
    details["capacity_bound"] = bound

    left, stopped = clock(deadline, cancel)

    def mask(cols) -> np.ndarray:
        m = red.fixed.astype(np.uint8)
        m[np.asarray(cols, dtype=np.int64)] = 1
        return m

    def feasible(cols) -> bool:
        return flow.value(mask(cols)) >= need - tol

    best = _drop_descent(flow, red, np.asarray(got[0], np.int64), cost, need - tol, mask)
    used = "search"
    message = ""

    def tell(source: str) -> None:
        if progress is not None:
            progress({"seconds": time.perf_counter() - t0,
                      "objective": float(cost[best].sum()), "source": source})

    tell("search")
    if count:
        k = best.size
        while k > 0 and not stopped() and float(k) > bound + step - 1e-9:
            m = mask(best)
            flow.value(m)
            served = flow.served_by(m)[best]
            start = np.delete(best, int(np.argmin(served)))
            er = cap_cover_engine(red, k - 1, solver=solver, time_limit=None if deadline is None
                                  else max(left(), 0.01), gap=None, threads=threads,
                                  cancel=cancel, seed=seed, start=start, stop_at=need)
            details.setdefault("decisions", []).append(
                [k - 1, round(er.value, 3), None if er.bound is None else round(er.bound, 3)])
            if er.solver != "search":
                used = er.solver
            if er.value >= need - tol:
                best = _drop_descent(flow, red, er.cols, cost, need - tol, mask)
                k = best.size
                tell(er.solver)
                continue
            if er.bound is not None and er.bound < need - tol:
                bound = max(bound, float(k))  # k - 1 sites cannot serve the need
            break
    else:
        best = _cheaper_descent(flow, red, best, cost, need - tol, mask, deadline, cancel)
        tell("search")
        mb = _target_mip(red, need, best, cost, flow, solver=solver, left=left, gap=gap,
                         threads=threads, stopped=stopped, details=details)
        if mb is not None:
            used, cols, mip_bound = mb
            if cols is not None and feasible(cols) and cost[cols].sum() < cost[best].sum() - 1e-9:
                best = _drop_descent(flow, red, cols, cost, need - tol, mask)
                tell(used)
            if mip_bound is not None:
                rb = round_bound(mip_bound, maximize=False, integral=integral)
                bound = max(bound, rb if rb is not None else mip_bound)
            if details.get("mip_status") not in (None, "optimal"):
                message = str(details.get("mip_message", ""))
    value = float(cost[best].sum())
    m = mask(best)
    flow.value(m)
    frac = flow.fractions(m)
    bound = min(bound, value)
    details.update(evaluations=flow.evaluations, seconds=time.perf_counter() - t0)
    return CapResult(cols=best, frac=frac, value=value, bound=bound,
                     optimal=value <= bound + step - 1e-9, solver=used, message=message,
                     details=details)


def _drop_descent(flow: CapFlow, red: Reduced, cols: np.ndarray, cost: np.ndarray,
                  need: float, mask: Callable) -> np.ndarray:
    """Drop sites, dearest first (then least served), while the need stays served."""
    cols = np.asarray(cols, np.int64)
    changed = True
    while changed and cols.size:
        changed = False
        m = mask(cols)
        flow.value(m)
        served = flow.served_by(m)[cols]
        for a in np.lexsort((served, -cost[cols])):
            trial = np.delete(cols, a)
            if flow.value(mask(trial)) >= need:
                cols = trial
                changed = True
                break
    return cols


def _cheaper_descent(flow: CapFlow, red: Reduced, cols: np.ndarray, cost: np.ndarray,
                     need: float, mask: Callable, deadline: float | None,
                     cancel: Callable[[], bool] | None) -> np.ndarray:
    """Exchange a site for a cheaper one while the need stays served (ranked by the exchange
    estimate of :func:`~siting.optimize.engine_cap._swap_scores`, valued exactly), dropping
    sites whenever one can go."""
    fs = np.zeros(red.n_rows)
    while cols.size and (deadline is None or time.perf_counter() < deadline) \
            and not (cancel is not None and cancel()):
        m = mask(cols)
        value = flow.value(m)
        g = flow.gains_in(m).copy()
        g[np.asarray(red.fixed, bool)] = -1.0
        cnt = np.zeros(red.n_rows, np.int64)
        _spare_count(flow.cp, flow.cr, m, flow.resid, cnt)
        ins = np.flatnonzero(g > 0)
        if ins.size == 0:
            break
        ins = ins[np.argsort(-g[ins] / np.maximum(cost[ins], 1e-12))[:TOP_IN]].astype(np.int64)
        score = np.empty((cols.size, ins.size))
        _swap_scores(flow.cp, flow.cr, flow.cq, flow.sr, flow.h, flow.d, flow.w, flow.cap,
                     flow.x, flow.f, cols, ins, cnt, flow.resid, fs, score)
        saving = cost[cols][:, None] - cost[ins][None, :]
        ok = saving > 1e-9
        cand = np.argwhere(ok)
        if cand.size == 0:
            break
        # moves whose estimate keeps the need, by saving, then the rest by their estimate
        keyv = np.where(value + score[ok] >= need, saving[ok], -np.inf)
        order = np.lexsort((-score[ok], -keyv))[:EXACT * 3]
        moved = False
        for q in order:
            a, b = cand[q]
            trial = cols.copy()
            trial[a] = ins[b]
            if flow.value(mask(trial)) >= need:
                cols = _drop_descent(flow, red, trial, cost, need, mask)
                moved = True
                break
        if not moved:
            break
    return cols


def _target_mip(red: Reduced, need: float, best: np.ndarray, cost: np.ndarray, flow: CapFlow,
                *, solver: str, left: Callable[[], float], gap: float | None,
                threads: int | None, stopped: Callable[[], bool], details: dict):
    """The least-cost capacitated target MIP from the search's plan, when it is small enough;
    (solver, its plan's columns or None, its bound) or None when it did not run."""
    from siting.optimize.engine import MIP_LONG, MIP_MAX_NNZ
    from siting.optimize.jobs import start_job
    from siting.optimize.models import build, read_open, start_vector
    from siting.optimize.solvers import resolve_solver

    if 4 * red.A.nnz + 2 * red.n_cols > MIP_MAX_NNZ and left() < MIP_LONG:
        details["mip_skipped"] = "the model is too large for the MIP in the time left"
        return None
    if left() < 1.0:
        return None
    mip_solver = resolve_solver(solver)
    built = build(red, sense="min", need=need, capacitated=True)
    m = red.fixed.astype(np.uint8)
    m[best] = 1
    flow.value(m)
    x0 = start_vector(built, red, best, flow.fractions(m))
    job = start_job(built.mip, mip_solver, time_limit=None if not math.isfinite(left())
                    else max(left() - 0.1, 0.2), gap=gap, threads=1 if threads is None
                    else threads, start=x0 if built.mip.feasible(x0) else None)
    while not job.done() and not stopped():
        job.wait(SLICE)
        job.poll()
        if job.bound is not None and job.bound >= float(cost[best].sum()) - 1e-9:
            break
    res = job.finish()
    details.update(mip_status=res.status, mip_seconds=res.seconds, mip_message=res.message)
    cols = read_open(built, red, res.x)
    if res.bound is not None:
        details["mip_bound"] = res.bound
    return mip_solver, cols, res.bound


def engine_status(optimal: bool, time_limit, cancel, message: str) -> tuple[str, str]:
    """Plan status and message of an engine's outcome."""
    cancelled = cancel is not None and cancel()
    status = "optimal" if optimal else (
        "time_limit" if time_limit is not None or cancelled else "heuristic")
    if cancelled and status != "optimal":
        message = "stopped on request: the plan is the best found, see gap"
    elif status == "time_limit":
        message = (message + "; " if message else "") + (
            "the time limit ended the search: the plan is the best found, see gap")
    return status, message


def cap_plan(problem, red, ce, model, kind, time_limit, cancel, backend, t0, *,
             reachable=None, msg="") -> Plan:
    """The :class:`~siting.optimize.plan.Plan` of a capacitated engine's outcome."""
    status, m2 = engine_status(ce.optimal, time_limit, cancel, ce.message)
    details = dict(ce.details)
    lag = kind == "cover" or bool(details.get("decisions"))  # targets by cost: none ran
    details["ran"] = ["search", "capacity bound"] + (["lagrangian"] if lag else []) + (
        [ce.solver] if ce.solver != "search" else [])
    return plan_capacitated(problem, red, ce.cols, ce.frac, status=status, model=model,
                            kind=kind, bound=ce.bound, solver=backend,
                            seconds=time.perf_counter() - t0, message=msg or m2,
                            reachable=reachable, details=details,
                            heur=details.get("greedy"))
