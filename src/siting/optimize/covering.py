"""Propose new service stations: covering integer programs on sparse reachability.

Build a :class:`CoverageProblem` from long-format (demand, site, distance) pairs, then call one
model function. Each returns an immutable :class:`Plan` that carries its own status, objective,
bound and gap; a time limit returns the best plan found and never raises.

=========================  ==============================================================
function                   question it answers
=========================  ==============================================================
:func:`solve_max_cover`    with p new stations and/or a budget, cover the most people
                           (Church & ReVelle 1974); ``capacitated=True`` adds capacities
:func:`solve_target`       the cheapest (or fewest) new stations that cover a target share
:func:`solve_set_cover`    the fewest/cheapest stations that cover everyone (Toregas 1971)
:func:`solve_multi`        several categories at once on shared sites, with co-location
:func:`greedy`             greedy + Teitz–Bart swap plan (no solver) with a valid bound
:func:`frontier`           covered share versus number of new stations, 1..k
=========================  ==============================================================

Existing sites are open at zero cost and never counted in p or the budget. Solvers: ``"cbc"``
(bundled with pulp, default) and ``"highs"`` (highspy). Before the MIP runs, a greedy plan
improved by swaps is computed on sparse vectors and handed to the solver as a MIP start; the
better of the heuristic and the MIP is returned. See ``docs/optimize.md``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from siting.errors import InputError
from siting.optimize.engine import as_cancel
from siting.optimize.engine_cap import cap_cover_engine
from siting.optimize.engine_capt import cap_plan, cap_target_engine, engine_status
from siting.optimize.heuristics import (
    cover_upper_bound,
    covered_weight,
    greedy_max_cover,
    greedy_target,
    swap_max_cover,
)
from siting.optimize.models import build, read_assignment, read_open, start_vector
from siting.optimize.plan import Plan, plan_capacitated, plan_from_open
from siting.optimize.problem import CoverageProblem
from siting.optimize.reduce import reduce_problem
from siting.optimize.solvers import _check_limits, check_solver, resolve_solver, run_mip
from siting.optimize.starts import capacitated_value, greedy_capacitated

__all__ = ["greedy", "solve_max_cover", "solve_set_cover", "solve_target"]

logger = logging.getLogger(__name__)

#: Share of the time limit the heuristics (swap search, Lagrangian) may use before the MIP.
HEURISTIC_TIME_SHARE = 0.4
#: Seconds the Lagrangian heuristic may use when no time limit is given.
HEURISTIC_SECONDS_DEFAULT = 10.0
#: Capacitated models with fractional assignment run engine_cap; False: greedy + MIP (benchmarks)
CAPACITATED_ENGINE = True


# ---------------------------------------------------------------------------------- checks
def _check_p_budget(problem: CoverageProblem, p: Any, budget: Any, *, required: bool) -> None:
    if p is None and budget is None:
        if required:
            raise InputError("give p (number of new stations) or budget (or both)")
        return
    n_cand = problem.n_candidates
    if p is not None:
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
            raise InputError(f"p = {p!r} must be a whole number of new stations, at least 1")
        if p > n_cand:
            raise InputError(
                f"p = {p} is larger than the {n_cand} candidate site(s) not yet built: "
                "lower p or add candidates"
            )
    if budget is not None:
        if not isinstance(budget, (int, float, np.floating, np.integer)) or not budget >= 0:
            raise InputError(f"budget = {budget!r} must be a non-negative number")
        cand = problem.costs[~problem.existing]
        if cand.size and budget < cand.min():
            raise InputError(
                f"budget = {budget:g} is below the cheapest candidate site ({cand.min():g}): "
                "raise the budget or add cheaper candidates"
            )


def _check_capacitated(problem: CoverageProblem) -> None:
    missing = [n for n, v in (("households", problem.households),
                              ("capacity", problem.capacity)) if v is None]
    if missing:
        raise InputError(
            "the capacitated model needs " + " and ".join(missing) + ": pass households= "
            "(per demand point) and capacity= (households per site, see "
            "capacity_from_floor_area) to CoverageProblem.from_pairs"
        )


def _common(solver: str, time_limit: Any, gap: Any) -> str:
    s = check_solver(solver)
    _check_limits(time_limit, gap)
    return s


#: Dominance costs a sparse product of the coverage matrix with itself (seconds at a million
#: pairs): with less than DOMINANCE_MIN_LIMIT seconds and more pairs than DOMINANCE_MAX_PAIRS it
#: is skipped (the optimum is the same either way).
DOMINANCE_MIN_LIMIT = 10.0
DOMINANCE_MAX_PAIRS = 300_000


def _dominance_pays(problem: CoverageProblem, time_limit: float | None) -> bool:
    return not (time_limit is not None and time_limit < DOMINANCE_MIN_LIMIT
                and problem.cover.nnz > DOMINANCE_MAX_PAIRS)


def _remaining(time_limit: float | None, t0: float) -> float | None:
    if time_limit is None:
        return None
    return max(0.2, time_limit - (time.perf_counter() - t0))


# ---------------------------------------------------------------------------------- models
def solve_max_cover(
    problem: CoverageProblem,
    p: int | None = None,
    *,
    budget: float | None = None,
    capacitated: bool = False,
    single_assignment: bool = False,
    solver: str = "auto",
    time_limit: float | None = None,
    gap: float | None = None,
    reduce: bool = True,
    warm_start: bool = True,
    threads: int | None = None,
    cancel: Any = None,
    progress: Any = None,
) -> Plan:
    """Maximal covering: open at most p new stations (and/or spend at most a budget) so that
    the covered weight is largest (Church & ReVelle 1974, *Papers of the Regional Science
    Association* 32:101–118).

    Formulation, with demand rows i (weight w_i), candidate sites j (cost c_j), N_i the sites
    within reach of i (``distance <= within``), E the existing sites::

        max   sum_i w_i x_i
        s.t.  x_i <= sum_{j in N_i} y_j          for every demand row i
              sum_{j not in E} y_j <= p          (when p is given)
              sum_{j not in E} c_j y_j <= B      (when budget is given)
              y_j = 1 for j in E;  y_j in {0,1};  0 <= x_i <= 1

    Capacitated variant (``capacitated=True``; households h_i, capacity Q_j in households),
    a fractional assignment a_ij of demand i to an open station j in reach (Pirkul &
    Schilling 1991, *Management Science* 37(2):233–248, the capacitated MCLP)::

        max   sum_i w_i sum_{j in N_i} a_ij
        s.t.  sum_{j in N_i} a_ij <= 1                 for every i
              sum_{i: j in N_i} h_i a_ij <= Q_j y_j    for every j
              a_ij <= y_j,  p / budget rows as above,  0 <= a_ij <= 1

    With fractional assignment a residence may be split between stations and counts by the
    share it is served; ``single_assignment=True`` makes a_ij binary (one station each).
    With p and fractional assignment it runs :mod:`siting.optimize.engine_cap` (exact flow
    value per open set, local search, bounds, MIP beside); otherwise greedy and MIP.

    Parameters
    ----------
    problem : CoverageProblem
        Demand, sites and pairs in reach.
    p : int, optional
        Largest number of new stations (existing ones are not counted).
    budget : float, optional
        Largest total cost of the new stations (same currency as the site costs).
    capacitated : bool
        Use capacities (needs ``households`` and ``capacity`` in the problem).
    single_assignment : bool
        Capacitated only: each residence is served whole by one station.
    solver : {"auto", "highs", "cbc"}
        MIP solver; ``"auto"`` (default) picks HiGHS (CBC only without highspy). The plan's
        ``solver`` says which back end it was, ``details["ran"]`` what ran.
    time_limit : float, optional
        Seconds for the search, the bounds, model building and solver together; the call
        returns within a fraction of a second after it with the best plan found and status
        ``"time_limit"`` (never an error).
    gap : float, optional
        Relative optimality gap at which the solver may stop (e.g. 0.001).
    reduce : bool
        Apply the reductions of ``docs/optimize.md`` (never changes the optimum).
    warm_start : bool
        Run the local search first and beside the solver (default). ``False`` solves the MIP
        alone, from no start (for checking the solvers).
    threads : int, optional
        Solver threads (the local search uses one more).
    cancel : threading.Event or callable, optional
        Checked by the search and the solver loop; when set (returns True) the solve stops
        within a fraction of a second and returns the best plan so far (status
        ``"time_limit"``, message "stopped on request").
    progress : callable, optional
        Called with ``{"seconds", "objective", "source"}`` each time a better plan is found.

    Returns
    -------
    Plan
        ``objective`` and ``covered_weight`` are the covered weight, existing coverage
        included; ``bound`` is an upper bound on it.
    """
    solver = _common(solver, time_limit, gap)
    _check_p_budget(problem, p, budget, required=True)
    if capacitated:
        _check_capacitated(problem)
    return _max_cover(problem, p, budget, capacitated, single_assignment, solver, time_limit,
                      gap, reduce, warm_start, threads, as_cancel(cancel), progress)


def _equal_cost(red) -> float | None:
    """The common cost of the model's new columns when they all cost the same (> 0)."""
    c = np.asarray(red.cost, dtype=np.float64)[~np.asarray(red.fixed, bool)]
    if c.size == 0 or not c[0] > 0 or not np.all(c == c[0]):
        return None
    return float(c[0])


def _status_of(out, time_limit: float | None, *, can_be_infeasible: bool = True,
               have_plan: bool = False) -> str:
    """Plan status from a MIP outcome. ``can_be_infeasible`` False (maximal covering, whose
    empty plan is always feasible) or ``have_plan`` (a checked feasible plan is in hand) turn
    a solver's "infeasible" — CBC's preprocessing out of time says so — into ``time_limit``
    (``heuristic`` without a limit)."""
    if out.status == "optimal":
        return "optimal"
    if out.status == "infeasible" and can_be_infeasible and not have_plan:
        return "infeasible"
    if time_limit is None and (out.x is None or out.status == "infeasible"):
        return "heuristic"  # the solver ended without a plan and without a limit: a crash
    return "time_limit"


def _limit_message(out, status: str) -> str:
    if out.message:
        return out.message + "; the plan is the best found, see gap"
    if status == "time_limit":
        return "the time limit ended the search: the plan is the best found, see gap"
    if status == "heuristic":
        return "the solver returned no plan: this is the heuristic plan, see gap"
    return ""


def _max_cover(problem, p, budget, capacitated, single, solver, time_limit, gap, reduce,
               warm_start, threads, cancel=None, progress=None) -> Plan:
    model = "capacitated_max_cover" if capacitated else "max_cover"
    t0 = time.perf_counter()
    red = reduce_problem(problem, reduce=reduce, capacitated=capacitated,
                         use_cost=budget is not None,
                         dominance=_dominance_pays(problem, time_limit))
    backend = resolve_solver(solver)
    if warm_start and red.n_cols and not capacitated:
        from siting.optimize.engine import budget_engine, cover_engine

        if budget is None:
            er = cover_engine(red, int(p), solver=solver, time_limit=time_limit, gap=gap,
                              threads=threads, cancel=cancel, progress=progress, t0=t0)
        else:
            er = budget_engine(red, None if p is None else int(p), float(budget),
                               solver=solver, time_limit=time_limit, gap=gap, threads=threads,
                               cancel=cancel, progress=progress, t0=t0)
        cancelled = cancel is not None and cancel()
        if er.optimal:
            status = "optimal"
        elif time_limit is not None or cancelled:
            status = "time_limit"
        else:
            status = "heuristic"
        msg = er.message
        if cancelled and status != "optimal":
            msg = "stopped on request: the plan is the best found, see gap"
        elif status == "time_limit" and not msg:
            msg = "the time limit ended the search: the plan is the best found, see gap"
        elif status == "time_limit":
            msg = msg + "; the plan is the best found, see gap"
        details = dict(er.details)
        details["ran"] = ["search", "lagrangian" if budget is None else "submodular bound"] + (
            [er.solver] if er.solver != "search" else [])
        bound = None if er.bound is None else red.offset + er.bound
        return plan_from_open(problem, red, er.cols, status=status, model=model, kind="cover",
                               bound=bound, solver=backend, seconds=time.perf_counter() - t0,
                               message=msg, heur=red.offset + details.get("greedy", 0.0),
                               details=details)
    if warm_start and red.n_cols and capacitated and not single and budget is None \
            and CAPACITATED_ENGINE:
        ce = cap_cover_engine(red, int(p), solver=solver, time_limit=time_limit, gap=gap,
                              threads=threads, cancel=cancel, progress=progress, t0=t0)
        return cap_plan(problem, red, ce, model, "cover", time_limit, cancel, backend, t0)
    heur = heur_frac = None
    heur_f = None
    if warm_start and red.n_cols and capacitated:
        got = greedy_capacitated(red, p, budget, single=single)
        if got is not None:
            heur, heur_frac = got
            heur_f = capacitated_value(red, heur_frac)
            logger.info("capacitated greedy: %d stations serve %.6g", heur.size, heur_f)
    elif warm_start and red.n_cols:
        h_secs = (HEURISTIC_SECONDS_DEFAULT if time_limit is None
                  else HEURISTIC_TIME_SHARE * time_limit)
        heur = greedy_max_cover(red, p, budget)
        heur = swap_max_cover(red, heur, p, budget, max_seconds=h_secs)
        logger.info("greedy + swap: %d stations cover %.6g", heur.size,
                    red.offset + covered_weight(red, heur))
        heur_f = red.offset + covered_weight(red, heur)
    built = build(red, sense="max", p=p, budget=budget, capacitated=capacitated,
                  single_assignment=single)
    start = None if heur is None else start_vector(built, red, heur, heur_frac)
    out = run_mip(built.mip, solver, time_limit=_remaining(time_limit, t0), gap=gap,
                  threads=threads, start=start, cancel=cancel)
    seconds = time.perf_counter() - t0
    mip_open = read_open(built, red, out.x)
    # a maximal covering model is never infeasible (open nothing new)
    status = _status_of(out, time_limit, can_be_infeasible=False)
    if capacitated:
        frac = read_assignment(built, red, out.x)
        sel = mip_open
        if heur is not None and heur_f is not None and (frac is None or out.objective is None
                                                        or heur_f > out.objective + 1e-9 * max(red.total, 1)):
            sel, frac = heur, heur_frac
        msg = "" if frac is not None else "no plan found within the time limit: raise it"
        msg = msg or _limit_message(out, status)
        if out.x is None and heur is not None:
            status = "time_limit" if status == "optimal" else status
        return plan_capacitated(
            problem, red, sel if sel is not None else np.zeros(0, int), frac,
            status=status, model=model, kind="cover", bound=out.bound, solver=backend,
            seconds=seconds, message=msg)
    bound = None if out.bound is None else out.bound + red.offset
    if heur is not None:
        sub = red.offset + cover_upper_bound(red, heur, p, budget)
        bound = sub if bound is None else min(bound, sub)
    best = mip_open if mip_open is not None else np.zeros(0, dtype=np.int64)
    if heur is not None and (mip_open is None or covered_weight(red, heur)
                             > covered_weight(red, mip_open) + 1e-9 * max(red.total, 1)):
        best = heur
    msg = _limit_message(out, status)
    if mip_open is None and heur is None and status != "optimal":
        msg = "no plan found within the time limit (existing sites only): raise it"
    return plan_from_open(problem, red, best, status=status, model=model, kind="cover",
                           bound=bound, solver=backend, seconds=seconds, message=msg,
                           heur=heur_f)


def solve_target(
    problem: CoverageProblem,
    target: float,
    *,
    minimize: str = "cost",
    capacitated: bool = False,
    single_assignment: bool = False,
    on_unreachable: str = "infeasible",
    solver: str = "auto",
    time_limit: float | None = None,
    gap: float | None = None,
    reduce: bool = True,
    warm_start: bool = True,
    threads: int | None = None,
    cancel: Any = None,
    progress: Any = None,
) -> Plan:
    """Target covering: the cheapest (or fewest) new stations so that the covered share of
    the weight reaches ``target``, existing stations counted as built.

    A share-constrained set covering model, the partial covering form of the location set
    covering problem (Toregas, Swain, ReVelle & Bergman 1971, *Operations Research*
    19(6):1363–1373; partial covering as in Daskin & Owen 1999, *Socio-Economic Planning
    Sciences* 33(1)). With W the total weight::

        min   sum_{j not in E} c_j y_j            (c_j = 1 with minimize="count")
        s.t.  x_i <= sum_{j in N_i} y_j           for every demand row i
              sum_i w_i x_i >= target * W
              y_j = 1 for j in E;  y_j in {0,1};  0 <= x_i <= 1

    ``target = 1`` is the classical LSCP and is solved with its own rows
    ``sum_{j in N_i} y_j >= 1`` (see :func:`solve_set_cover`). ``capacitated=True`` uses the
    assignment variables of :func:`solve_max_cover` and requires
    ``sum_i w_i sum_j a_ij >= target * W`` (solved by :mod:`siting.optimize.engine_capt`).

    When the target cannot be reached (the candidates and existing sites together cover less),
    ``on_unreachable="infeasible"`` (default) returns a plan with status ``"infeasible"``, no
    new sites and ``reachable_share`` set to the largest share any plan reaches;
    ``on_unreachable="max"`` instead solves for that largest share at least cost (the status
    is then the solver's and ``message`` says the target was lowered).

    Parameters
    ----------
    target : float
        Share of the total weight to cover, in (0, 1].
    minimize : {"cost", "count"}
        Minimise the total build cost or the number of new stations.
    on_unreachable : {"infeasible", "max"}
        What to do when ``target`` is out of reach.

    Other parameters are those of :func:`solve_max_cover`.

    Returns
    -------
    Plan
        ``objective`` is the cost (or count) of the new stations, ``bound`` a lower bound on it.
    """
    solver = _common(solver, time_limit, gap)
    if not isinstance(target, (int, float)) or not 0 < target <= 1:
        raise InputError(f"target = {target!r} must be a share in (0, 1], e.g. 0.8 for 80 %")
    if minimize not in ("cost", "count"):
        raise InputError(f"minimize = {minimize!r} must be 'cost' or 'count'")
    if on_unreachable not in ("infeasible", "max"):
        raise InputError(f"on_unreachable = {on_unreachable!r} must be 'infeasible' or 'max'")
    if capacitated:
        _check_capacitated(problem)
    kind = "count" if minimize == "count" else "cost"
    tol = 1e-9
    reach = problem.reachable_share()
    msg = ""
    if target > reach + tol and not capacitated:
        if on_unreachable == "infeasible":
            red = reduce_problem(problem, reduce=False)
            return plan_from_open(
                problem, red, np.zeros(0, dtype=np.int64), status="infeasible",
                model="target_cover", kind=kind, bound=None, solver=solver, seconds=0.0,
                reachable=reach,
                message=(f"target {target:.4g} cannot be reached: existing and candidate sites "
                         f"together cover at most {reach:.4f} of the weight; lower the target "
                         "or add candidate sites"))
        msg = f"target {target:.4g} lowered to the largest reachable share {reach:.4f}"
        target = reach
    model = ("capacitated_target_cover" if capacitated
             else "set_cover" if target >= 1 - tol else "target_cover")
    t0 = time.perf_counter()
    red = reduce_problem(problem, reduce=reduce, capacitated=capacitated,
                         use_cost=kind == "cost",
                         dominance=_dominance_pays(problem, time_limit))
    need = target * red.total - red.offset - tol * max(red.total, 1.0)
    if need <= 0 and not capacitated:
        return plan_from_open(problem, red, np.zeros(0, dtype=np.int64), status="optimal",
                               model=model, kind=kind, bound=0.0, solver=solver, seconds=0.0,
                               reachable=reach, message="existing sites already reach the target")
    cancel = as_cancel(cancel)
    backend = resolve_solver(solver)
    if warm_start and not capacitated and red.n_cols:
        er: Any
        wpos = red.w[red.w > 0]
        # equal costs (every candidate costs the same, the default): the fewest sites, in the
        # count engines (their searches and decisions), the values scaled back to cost
        scale = _equal_cost(red) if kind == "cost" else None
        count = kind == "count" or scale is not None
        if wpos.size and need > float(red.w.sum()) - 0.5 * float(wpos.min()):
            # every row with weight must be covered: set covering (reductions, its own bound)
            from siting.optimize.engine_sc import set_cover_engine

            er = set_cover_engine(red, count, solver=solver, time_limit=time_limit,
                                  gap=gap, threads=threads, cancel=cancel, progress=progress,
                                  t0=t0)
        else:
            from siting.optimize.engine import target_engine

            er = target_engine(red, need, count, solver=solver,
                               time_limit=time_limit, gap=gap, threads=threads, cancel=cancel,
                               progress=progress, t0=t0)
        if er is not None and scale is not None:
            er = er.in_cost(scale)
        if er is not None:
            status, m2 = engine_status(er.optimal, time_limit, cancel, er.message)
            details = dict(er.details)
            details["ran"] = ["search", "lagrangian"] + ([er.solver] if er.solver != "search"
                                                         else [])
            return plan_from_open(problem, red, er.cols, status=status, model=model, kind=kind,
                                   bound=er.bound, solver=backend,
                                   seconds=time.perf_counter() - t0, reachable=reach,
                                   message=msg or m2, heur=details.get("greedy"),
                                   details=details)
    if warm_start and capacitated and not single_assignment and red.n_cols \
            and CAPACITATED_ENGINE:
        ce = cap_target_engine(red, max(need, 0.0), kind == "count", solver=solver, gap=gap,
                               time_limit=time_limit, threads=threads, cancel=cancel,
                               progress=progress, t0=t0)
        if ce is not None:  # else the MIP settles whether the target can be served
            return cap_plan(problem, red, ce, model, kind, time_limit, cancel, backend, t0,
                            reachable=reach, msg=msg)
    heur = heur_frac = None
    if warm_start and not capacitated:
        heur = greedy_target(red, need, kind == "count")
    elif warm_start and red.n_cols:
        got = greedy_capacitated(red, None, None, single=single_assignment,
                                 need=target * red.total - tol * max(red.total, 1.0),
                                 count_only=kind == "count")
        if got is not None:
            heur, heur_frac = got
    lscp = model == "set_cover"
    built = build(red, sense="min", need=need, count_only=kind == "count",
                  capacitated=capacitated, single_assignment=single_assignment, lscp=lscp)
    start = None if heur is None else start_vector(built, red, heur, heur_frac)
    out = run_mip(built.mip, solver, time_limit=_remaining(time_limit, t0), gap=gap,
                  threads=threads, start=start)
    seconds = time.perf_counter() - t0
    mip_open = read_open(built, red, out.x)
    cost = np.ones(red.n_cols) if kind == "count" else red.cost
    if capacitated:
        if out.status == "infeasible" and heur is None:
            best = _max_cover(problem, None, None, True, single_assignment, solver, time_limit,
                              gap, reduce, False, threads)
            reach_c = best.share
            if on_unreachable == "max":
                return solve_target(problem, max(reach_c - 1e-9, 1e-12), minimize=minimize,
                                    capacitated=True, single_assignment=single_assignment,
                                    solver=solver, time_limit=time_limit, gap=gap,
                                    reduce=reduce, threads=threads)
            return plan_capacitated(
                problem, red, np.zeros(0, int), None, status="infeasible", model=model,
                kind=kind, bound=None, solver=solver, seconds=seconds, reachable=reach_c,
                message=(f"target {target:.4g} cannot be reached with these capacities: at "
                         f"most {reach_c:.4f}; lower the target or add capacity"))
        frac = read_assignment(built, red, out.x)
        sel = mip_open
        if heur is not None and (frac is None or
                                 cost[heur].sum() < cost[mip_open].sum() - 1e-9):
            sel, frac = heur, heur_frac
        status = _status_of(out, time_limit, have_plan=heur is not None)
        return plan_capacitated(
            problem, red, sel if sel is not None else np.zeros(0, int), frac,
            status=status, model=model, kind=kind, bound=out.bound, solver=backend,
            seconds=seconds, reachable=reach,
            message=msg or ("no plan found within the time limit: raise it" if frac is None
                            else _limit_message(out, status)))
    best_open = mip_open
    if heur is not None and (best_open is None or cost[heur].sum() < cost[best_open].sum() - 1e-9):
        best_open = heur
    status = _status_of(out, time_limit, have_plan=heur is not None)
    if best_open is None:
        status = "time_limit" if status != "infeasible" else status
        msg = msg or out.message or "no plan found within the time limit: raise it"
        return plan_from_open(problem, red, np.zeros(0, dtype=np.int64), status=status,
                               model=model, kind=kind, bound=out.bound, solver=solver,
                               seconds=seconds, reachable=reach, message=msg, no_plan=True)
    if status == "infeasible":  # cannot happen after the reach check with a plan in hand
        status = "time_limit"
    heur_obj = None if heur is None else float(cost[heur].sum())
    return plan_from_open(problem, red, best_open, status=status, model=model, kind=kind,
                           bound=out.bound, solver=solver, seconds=seconds, reachable=reach,
                           message=msg or _limit_message(out, status), heur=heur_obj)


def solve_set_cover(problem: CoverageProblem, **kwargs: Any) -> Plan:
    """Location set covering (Toregas et al. 1971): cover all demand at least cost.

    ``solve_target(problem, 1.0, **kwargs)``; the model is::

        min  sum_{j not in E} c_j y_j   s.t.  sum_{j in N_i} y_j >= 1  for every i with w_i > 0

    Demand no site can reach makes it infeasible: the plan then reports ``reachable_share``.
    """
    return solve_target(problem, 1.0, **kwargs)


# ---------------------------------------------------------------------------------- heuristics
def greedy(problem: CoverageProblem, p: int | None = None, *, budget: float | None = None,
           target: float | None = None, minimize: str = "cost", swap: bool = True,
           reduce: bool = True, time_limit: float | None = None) -> Plan:
    """A plan from heuristics alone: greedy, improved by Teitz–Bart swaps (no MIP solver).

    With ``p``/``budget`` (maximal covering): add the site with the largest newly covered
    weight (per unit cost under a budget; the best single affordable site is also tried),
    then exchange one open for one closed site while that raises coverage (Teitz & Bart 1968,
    *Operations Research* 16(5):955–961). The bound is the submodular bound
    ``f(S) + sum of the p largest marginal gains`` (fractional knapsack under a budget).
    With ``target``: cheapest-per-weight additions until the target share is met, then
    redundant sites dropped (no bound).

    Returns
    -------
    Plan
        Status ``"heuristic"``, solver ``"greedy"`` or ``"greedy+swap"``.
    """
    t0 = time.perf_counter()
    name = "greedy+swap" if swap else "greedy"
    if target is not None:
        if not isinstance(target, (int, float)) or not 0 < target <= 1:
            raise InputError(f"target = {target!r} must be a share in (0, 1]")
        kind = "count" if minimize == "count" else "cost"
        red = reduce_problem(problem, reduce=reduce, use_cost=kind == "cost")
        need = target * red.total - red.offset - 1e-9 * max(red.total, 1.0)
        sel = greedy_target(red, need, kind == "count")
        if sel is None:
            return plan_from_open(
                problem, red, np.zeros(0, dtype=np.int64), status="infeasible",
                model="target_cover", kind=kind, bound=None, solver=name,
                seconds=time.perf_counter() - t0, reachable=problem.reachable_share(),
                message=f"target {target:.4g} cannot be reached with these candidates")
        return plan_from_open(problem, red, sel, status="heuristic", model="target_cover",
                               kind=kind, bound=None, solver=name,
                               seconds=time.perf_counter() - t0,
                               reachable=problem.reachable_share())
    _check_p_budget(problem, p, budget, required=True)
    red = reduce_problem(problem, reduce=reduce, use_cost=budget is not None)
    sel = greedy_max_cover(red, p, budget)
    if swap:
        sel = swap_max_cover(red, sel, p, budget, max_seconds=time_limit)
    bound = red.offset + cover_upper_bound(red, sel, p, budget)
    return plan_from_open(problem, red, sel, status="heuristic", model="max_cover",
                           kind="cover", bound=bound, solver=name,
                           seconds=time.perf_counter() - t0)


