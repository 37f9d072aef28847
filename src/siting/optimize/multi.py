"""Several service categories on shared sites (comprehensive stations); private plumbing.

The public entry point is :func:`solve_multi`, re-exported by :mod:`siting.optimize`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from siting.errors import InputError, Problems
from siting.optimize.engine import as_cancel
from siting.optimize.mip import SparseMIP
from siting.optimize.multi_stack import (
    allowed_categories,
    category_needs,
    open_columns,
    prune,
    run_stacked,
    stack,
    stack_problem,
)
from siting.optimize.plan import Plan, nearest_assignment, rel_gap
from siting.optimize.problem import CoverageProblem
from siting.optimize.reduce import reduce_problem
from siting.optimize.solvers import _check_limits, check_solver, resolve_solver, run_mip
from siting.optimize.starts import greedy_multi

__all__ = ["solve_multi"]

logger = logging.getLogger(__name__)


def solve_multi(
    problems: Mapping[str, CoverageProblem],
    *,
    site_costs: Mapping[str, float] | None = None,
    targets: Mapping[str, float] | None = None,
    p: int | None = None,
    budget: float | None = None,
    category_weights: Mapping[str, float] | None = None,
    colocate: Sequence[tuple[str, str]] = (),
    solver: str = "auto",
    time_limit: float | None = None,
    gap: float | None = None,
    reduce: bool = True,
    threads: int | None = None,
    cancel: Any = None,
    progress: Any = None,
    _joint_mip: bool = False,
) -> Plan:
    """Site several categories at once; a site may host several (a comprehensive station).

    Each category c has its own :class:`CoverageProblem` (its demand, pairs and threshold);
    sites are matched across categories by id. A site's ``costs`` in category c is the extra
    cost of hosting c there (0 if none); ``site_costs`` is the one-off cost of building the
    station at all. A site already existing in any category is already built (no site cost).
    Co-location ``(a, b)`` allows category a only where b is open ("a health station only
    beside elderly care"). Multi-service extension of maximal covering / set covering (Church &
    ReVelle 1974; Toregas et al. 1971) with the co-location rows of hierarchical/multi-service
    siting models (Moore & ReVelle 1982, *Management Science* 28(7):775–780).

    Variables z_s (station built at s), y_cs (category c opened at s), x_ci (row i of c
    covered)::

        targets mode:  min  sum_s F_s z_s + sum_c sum_s c_cs y_cs
                       s.t. sum_i w_ci x_ci >= t_c W_c         for each c with a target t_c
        cover mode:    max  sum_c v_c sum_i w_ci x_ci
                       s.t. sum_s z_s <= p,  sum_s F_s z_s + sum_cs c_cs y_cs <= B
        both:          x_ci <= sum_{s in N_ci} y_cs,  y_cs <= z_s,
                       y_as <= y_bs for each co-location pair (a, b),
                       existing y_cs = 1 and z_s = 1 at no cost, binaries y, z; 0 <= x <= 1

    Which path solves it (``Plan.details["path"]``):

    * ``"stations"`` — when no category has a cost on new sites (all ``costs`` 0), or in
      cover mode with p and no budget (category costs do not enter), opening every allowed
      category at a built station is never worse, and the model is one column per station:
      ``max sum_c v_c sum_i w_ci x_ci`` / ``min sum_s F_s z_s`` with
      ``x_ci <= sum_{s in N_ci, c allowed at s} z_s``, where "c allowed at s" is the greatest
      fixpoint of the co-location rules (``allowed_a(s) = existing_a(s) or (candidate_a(s) and
      allowed_b(s))``; see :mod:`siting.optimize.multi_stack`). It runs on the
      single-category engines: p only → search + Lagrangian + HiGHS (as
      :func:`solve_max_cover`); a budget → the budget engine; targets that all need a
      category's full reachable share → the set covering engine (counts when all station
      costs are equal); a single binding share target → the target engine.
    * ``"joint_mip"`` — otherwise (several binding share targets, or category costs in
      targets mode or under a budget): the MIP above with CBC/HiGHS, started from the greedy
      plan (co-location chains opened together) with what the targets do not need closed.

    Parameters
    ----------
    problems : mapping
        Category name to its coverage problem.
    site_costs : mapping, optional
        Site id to the station's build cost; every site must be listed when given.
    targets : mapping, optional
        Category to target share in (0, 1]: minimise total cost to reach all of them.
    p, budget : optional
        Cover mode: largest number of new stations (new sites, not categories) and total cost.
    category_weights : mapping, optional
        Cover mode: weight v_c of each category's covered weight (default 1).
    colocate : sequence of (a, b)
        Category a may open only where category b is open (existing or new).
    solver, time_limit, gap, reduce, threads, cancel, progress
        As in :func:`solve_max_cover` (``progress`` is called by the station path only).
        Reductions on the joint MIP are existing-coverage removal and row merging per
        category (no dominance: the shared site cost breaks it); the station-level model is
        reduced like a single category (dominance included).
    _joint_mip : bool
        Private: force the joint MIP (for comparisons in the benchmarks and tests).

    Returns
    -------
    Plan
        ``objective`` is the total cost (targets mode) or the weighted covered sum (cover
        mode, existing coverage included); ``bound`` is in the same units;
        ``categories`` holds per-category ``selected``, ``covered_weight``, ``total_weight``
        and ``share``; ``assignment`` has a ``category`` column. ``solver`` says what ran
        (``"search"``, ``"search+highs"``, or the MIP back end ``"highs"``/``"cbc"``);
        ``details`` has ``path``, ``ran``, ``engine`` and the engine's figures.
    """
    solver = check_solver(solver)
    _check_limits(time_limit, gap)
    cats = list(problems)
    pr = Problems("solve_multi")
    if not cats:
        raise InputError("problems is empty: give one CoverageProblem per category")
    for c in cats:
        if not isinstance(problems[c], CoverageProblem):
            pr.add(f"problems[{c!r}] is not a CoverageProblem: build it with from_pairs")
    pr.raise_if_any()
    sites: list[str] = []
    seen: dict[str, int] = {}
    built_site: list[bool] = []
    for c in cats:
        P = problems[c]
        for sid, ex in zip(P.site_ids, P.existing):
            k = seen.get(sid)
            if k is None:
                seen[sid] = len(sites)
                sites.append(sid)
                built_site.append(bool(ex))
            elif ex:
                built_site[k] = True
    built_arr = np.asarray(built_site, dtype=bool)
    F = np.zeros(len(sites))
    if site_costs is not None:
        missing = [s for s in sites if s not in site_costs]
        if missing:
            pr.add(f"site_costs lacks {len(missing)} site(s) ({', '.join(map(repr, missing[:5]))})"
                   ": give every site a build cost (0 for none)")
        unknown = [s for s in site_costs if s not in seen]
        if unknown:
            pr.add(f"site_costs names {len(unknown)} site(s) in no category "
                   f"({', '.join(map(repr, unknown[:5]))}): remove them or add them")
        for s, v in site_costs.items():
            if s in seen:
                try:
                    fv = float(v)
                except (TypeError, ValueError):
                    fv = float("nan")
                if not (np.isfinite(fv) and fv >= 0):
                    pr.add(f"site cost of {s!r} is {v!r}: give a non-negative number")
                else:
                    F[seen[s]] = fv
    F = np.where(built_arr, 0.0, F)
    for a, b in colocate:
        for x in (a, b):
            if x not in problems:
                pr.add(f"colocate names category {x!r}, not one of {cats}: fix the name")
    targets = dict(targets or {})
    for c, t in targets.items():
        if c not in problems:
            pr.add(f"targets names category {c!r}, not one of {cats}")
        elif not isinstance(t, (int, float)) or not 0 < t <= 1:
            pr.add(f"target of {c!r} = {t!r} must be a share in (0, 1]")
    cw = dict.fromkeys(cats, 1.0)
    for c, v in (category_weights or {}).items():
        if c not in problems:
            pr.add(f"category_weights names category {c!r}, not one of {cats}")
        elif not isinstance(v, (int, float)) or v < 0:
            pr.add(f"category weight of {c!r} = {v!r} must be non-negative")
        else:
            cw[c] = float(v)
    if targets and (p is not None or budget is not None):
        pr.add("give either targets (least cost) or p/budget (most coverage), not both")
    if not targets and p is None and budget is None:
        pr.add("give targets, or p and/or budget")
    n_new_sites = int((~built_arr).sum())
    if p is not None and (isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1):
        pr.add(f"p = {p!r} must be a whole number of new stations, at least 1")
    elif p is not None and p > n_new_sites and n_new_sites > 0:
        pr.add(f"p = {p} is larger than the {n_new_sites} sites not yet built: lower p")
    pr.raise_if_any()
    if budget is not None:
        cheapest = min((F[seen[s]] + P.costs[j] for c in cats for P in [problems[c]]
                        for j, s in enumerate(P.site_ids) if not P.existing[j]), default=0.0)
        if not budget >= 0 or budget < cheapest:
            raise InputError(f"budget = {budget!r} is below the cheapest new service "
                             f"({cheapest:g}): raise the budget")
    unreachable = [(c, t, problems[c].reachable_share()) for c, t in targets.items()
                   if t > problems[c].reachable_share() + 1e-9]

    reds = {c: reduce_problem(problems[c], reduce=reduce, dominance=False) for c in cats}
    sizes: dict[str, int] = {}
    for r in reds.values():
        for k, v in r.sizes.items():
            sizes[k] = sizes.get(k, 0) + int(v)
    t0 = time.perf_counter()
    if unreachable:
        text = "; ".join(f"{c}: target {t:.4g} but at most {r:.4f}" for c, t, r in unreachable)
        return _multi_plan(problems, reds, {c: np.zeros(0, int) for c in cats}, sites, F,
                           built_arr, cw, status="infeasible", objective_kind="cost",
                           bound=None, solver=solver, seconds=0.0, sizes=sizes,
                           message=f"targets cannot be reached ({text}): lower them or add sites")

    col_station = {c: np.array([seen[problems[c].site_ids[reds[c].col_site[j]]]
                                for j in range(reds[c].n_cols)], dtype=np.int64) for c in cats}
    partner: dict[str, list] = {}
    for a, b in colocate:
        ra, rb, Pa, Pb = reds[a], reds[b], problems[a], problems[b]
        b_col = {Pb.site_ids[rb.col_site[j]]: j for j in range(rb.n_cols)}
        b_exist = set(Pb.site_ids[Pb.existing])
        cols_b = np.full(ra.n_cols, -2, dtype=np.int64)
        for j in range(ra.n_cols):
            if ra.fixed[j]:
                continue
            sid = Pa.site_ids[ra.col_site[j]]
            if sid in b_exist:
                continue
            cols_b[j] = b_col.get(sid, -1)
        partner.setdefault(a, []).append((b, cols_b))
    needs = None
    if targets:
        needs = {c: targets[c] * reds[c].total - reds[c].offset - 1e-9 * max(reds[c].total, 1.0)
                 for c in targets}
    cancel_f = as_cancel(cancel)
    station_of = {c: np.array([seen[s] for s in problems[c].site_ids], dtype=np.int64)
                  for c in cats}
    cand_at = {c: np.zeros(len(sites), bool) for c in cats}
    exist_at = {c: np.zeros(len(sites), bool) for c in cats}
    for c in cats:
        ex = np.asarray(problems[c].existing, bool)
        cand_at[c][station_of[c][~ex]] = True
        exist_at[c][station_of[c][ex]] = True
    allowed = allowed_categories(cats, cand_at, exist_at, colocate)
    cat_costs = any(bool(np.any(problems[c].costs[~problems[c].existing] > 0)) for c in cats)
    common = dict(problems=problems, reds=reds, cats=cats, sites=sites, F=F, built=built_arr,
                  cw=cw, colocate=colocate, col_station=col_station, station_of=station_of,
                  allowed=allowed, sizes=sizes)
    if not _joint_mip and (not cat_costs or (not targets and budget is None)):
        plan = _stacked_plan(common, targets=targets, needs=needs, p=p, budget=budget,
                             solver=solver, time_limit=time_limit, gap=gap, reduce=reduce,
                             threads=threads, cancel=cancel_f, progress=progress, t0=t0)
        if plan is not None:
            return plan
    # the joint MIP: several share targets (several knapsack rows), or category costs under a
    # budget or in targets mode; started from the greedy plan with what it does not need closed
    heur = greedy_multi(reds, cats, col_station, built_arr, F, cw, p=p, budget=budget,
                        needs=needs, partner=partner)
    if heur is not None:
        heur = prune(reds, cats, col_station, len(sites), built_arr, F, colocate, heur, cw,
                     needs)
    mip, lay = _build_multi(reds, cats, col_station, built_arr, F, cw, p=p, budget=budget,
                            needs=needs, partner=partner)
    start = None if heur is None else _multi_start(reds, cats, col_station, built_arr, lay, heur)
    left = None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - t0))
    out = run_mip(mip, solver, time_limit=left, gap=gap, threads=threads, start=start,
                  cancel=cancel_f)
    seconds = time.perf_counter() - t0
    # a start the model rejects is never returned (it would break a rule)
    heur_obj = None if start is None or not mip.feasible(start) else mip.objective(start)
    use_heur = heur is not None and heur_obj is not None and (
        out.x is None or out.objective is None or (heur_obj > out.objective + 1e-9 * max(1.0, abs(heur_obj))
                          if not targets else heur_obj < out.objective - 1e-9 * max(1.0, abs(heur_obj))))
    if out.x is None and heur is None:
        status = "infeasible" if out.status == "infeasible" else "time_limit"
        msg = ("no plan meets the targets with the co-location rules: relax them or add sites"
               if status == "infeasible" else
               out.message or "no plan found within the time limit: raise it")
        return _multi_plan(problems, reds, {c: np.zeros(0, int) for c in cats}, sites, F,
                           built_arr, cw, status=status, objective_kind="none", bound=out.bound,
                           solver=resolve_solver(solver), seconds=seconds, sizes=sizes,
                           message=msg, details={"path": "joint_mip", "mip_status": out.status})
    if use_heur:
        assert heur is not None
        open_cols = heur
    else:
        assert out.x is not None  # no solution and no heuristic plan returned above
        open_cols = {c: np.flatnonzero((out.x[lay["y"][c]:lay["y"][c] + reds[c].n_cols] > 0.5)
                                       & ~reds[c].fixed) for c in cats}
    open_cols = prune(reds, cats, col_station, len(sites), built_arr, F, colocate, open_cols,
                      cw, needs)
    bound = out.bound
    if bound is not None and not targets:
        bound += sum(cw[c] * reds[c].offset for c in cats)
    if out.status == "optimal":
        status = "optimal"
    elif out.status == "infeasible" and heur is None:
        status = "infeasible"
    elif out.x is None and time_limit is None:
        status = "heuristic"
    else:
        status = "time_limit"
    msg = out.message
    if cancel_f is not None and cancel_f() and status != "optimal":
        msg = "stopped on request: the plan is the best found, see gap"
    if status == "time_limit" and not msg:
        msg = "the time limit ended the search: the plan is the best found, see gap"
    backend = resolve_solver(solver)
    details = {"path": "joint_mip", "ran": ["greedy", backend], "mip_status": out.status,
               "heuristic_kept": bool(use_heur)}
    return _multi_plan(problems, reds, open_cols, sites, F, built_arr, cw, status=status,
                       objective_kind="cost" if targets else "cover", bound=bound,
                       solver=backend, seconds=seconds, sizes=sizes, message=msg,
                       details=details)


def _build_multi(reds, cats, col_station, built_arr, F, cw, *, p, budget, needs, partner):
    """The multi-category model as a SparseMIP; returns it and the column layout."""
    zs = np.flatnonzero(~built_arr)
    z_of = np.full(built_arr.size, -1, dtype=np.int64)
    z_of[zs] = np.arange(zs.size)
    off = zs.size
    lay: dict[str, Any] = {"z": 0, "nz": zs.size, "z_of": z_of, "y": {}, "x": {}}
    for c in cats:
        lay["y"][c] = off
        off += reds[c].n_cols
        lay["x"][c] = off
        off += reds[c].n_rows
    n = off
    R: list[np.ndarray] = []
    C: list[np.ndarray] = []
    V: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    nrow = 0
    col_lo = np.zeros(n)
    col_hi = np.ones(n)
    integer = np.ones(n, dtype=bool)
    c_obj = np.zeros(n)
    cost_vec = np.zeros(n)
    cost_vec[:zs.size] = F[zs]
    names = {}

    def rows(r, cidx, v):
        R.append(np.asarray(r, np.int64) + nrow)
        C.append(np.asarray(cidx, np.int64))
        V.append(np.asarray(v, float))

    for c in cats:
        r = reds[c]
        y0, x0 = lay["y"][c], lay["x"][c]
        integer[x0:x0 + r.n_rows] = False
        col_lo[y0:y0 + r.n_cols] = r.fixed
        free = ~r.fixed
        cost_vec[y0:y0 + r.n_cols] = np.where(free, r.cost, 0.0)
        if needs is None:
            c_obj[x0:x0 + r.n_rows] = cw[c] * r.w
        A = r.A.tocoo()
        # x_ci - sum_j a_ij y_cj <= 0
        rows(np.concatenate([np.arange(r.n_rows), A.row]),
             np.concatenate([x0 + np.arange(r.n_rows), y0 + A.col]),
             np.concatenate([np.ones(r.n_rows), -np.ones(A.nnz)]))
        lo.append(np.full(r.n_rows, -np.inf))
        hi.append(np.zeros(r.n_rows))
        nrow += r.n_rows
        # y_cj - z_s <= 0 for new columns at stations not built
        js = np.flatnonzero(free & (z_of[col_station[c]] >= 0))
        k = np.arange(js.size)
        rows(np.concatenate([k, k]), np.concatenate([y0 + js, z_of[col_station[c][js]]]),
             np.concatenate([np.ones(js.size), -np.ones(js.size)]))
        lo.append(np.full(js.size, -np.inf))
        hi.append(np.zeros(js.size))
        nrow += js.size
        if needs is not None and c in needs and needs[c] > 0:
            names[f"t:{c}"] = nrow
            rows(np.zeros(r.n_rows), x0 + np.arange(r.n_rows), r.w)
            lo.append(np.array([needs[c]]))
            hi.append(np.array([np.inf]))
            nrow += 1
    for a, lst in partner.items():
        for b, cols_b in lst:
            ya, yb = lay["y"][a], lay["y"][b]
            forbid = np.flatnonzero(cols_b == -1)
            col_hi[ya + forbid] = 0.0
            js = np.flatnonzero(cols_b >= 0)
            k = np.arange(js.size)
            rows(np.concatenate([k, k]), np.concatenate([ya + js, yb + cols_b[js]]),
                 np.concatenate([np.ones(js.size), -np.ones(js.size)]))
            lo.append(np.full(js.size, -np.inf))
            hi.append(np.zeros(js.size))
            nrow += js.size
    if needs is None:
        if p is not None:
            names["p"] = nrow
            rows(np.zeros(zs.size), np.arange(zs.size), np.ones(zs.size))
            lo.append(np.array([-np.inf]))
            hi.append(np.array([float(p)]))
            nrow += 1
        if budget is not None:
            nzc = np.flatnonzero(cost_vec)
            names["budget"] = nrow
            rows(np.zeros(nzc.size), nzc, cost_vec[nzc])
            lo.append(np.array([-np.inf]))
            hi.append(np.array([float(budget)]))
            nrow += 1
    else:
        c_obj = cost_vec
    M = sp.csc_matrix((np.concatenate(V), (np.concatenate(R), np.concatenate(C))),
                      shape=(nrow, n))
    mip = SparseMIP(c=c_obj, A=M, row_lo=np.concatenate(lo), row_hi=np.concatenate(hi),
                    col_lo=col_lo, col_hi=col_hi, integer=integer, maximize=needs is None,
                    names=names)
    return mip, lay


def _multi_start(reds, cats, col_station, built_arr, lay, open_cols) -> np.ndarray:
    n = lay["x"][cats[-1]] + reds[cats[-1]].n_rows
    x = np.zeros(n)
    for c in cats:
        r = reds[c]
        mask = r.fixed.copy()
        mask[open_cols[c]] = True
        y0, x0 = lay["y"][c], lay["x"][c]
        x[y0:y0 + r.n_cols] = mask
        cnt = np.asarray(r.A @ mask.astype(np.int32)).reshape(-1)
        x[x0:x0 + r.n_rows] = cnt > 0
        st = col_station[c][open_cols[c]]
        zi = lay["z_of"][st]
        x[zi[zi >= 0]] = 1.0
    return x


def _multi_plan(problems, reds, open_cols, sites, F, built_arr, cw, *, status, objective_kind,
                bound, solver, seconds, sizes, message, details=None) -> Plan:
    per: dict[str, dict[str, Any]] = {}
    frames = []
    total_cost = 0.0
    new_sites: set[str] = set()
    covered = total = weighted = 0.0
    idx = {s: k for k, s in enumerate(sites)}
    for c, P in problems.items():
        r = reds[c]
        sel = np.sort(r.col_site[open_cols[c]])
        sel = sel[~P.existing[sel]]
        cov_mask = P.covered_by(sel)
        cwt = float(P.weights[cov_mask].sum())
        per[c] = {"selected": tuple(P.site_ids[sel]), "covered_weight": cwt,
                  "total_weight": P.total_weight,
                  "share": 1.0 if P.total_weight <= 0 else cwt / P.total_weight}
        total_cost += float(P.costs[sel].sum())
        new_sites.update(P.site_ids[sel])
        covered += cwt
        total += P.total_weight
        weighted += cw[c] * cwt
        df = nearest_assignment(P, sel)
        df.insert(0, "category", c)
        frames.append(df)
    total_cost += float(sum(F[idx[s]] for s in new_sites if not built_arr[idx[s]]))
    if status == "infeasible" or objective_kind == "none":
        objective = None
    else:
        objective = total_cost if objective_kind == "cost" else weighted
    if objective is not None and bound is not None:
        bound = max(bound, objective) if objective_kind == "cover" else min(bound, objective)
    existing = tuple(s for s, b in zip(sites, built_arr) if b)
    return Plan(
        status=status, model="multi", objective=objective, bound=bound,
        gap=rel_gap(objective, bound), selected_sites=tuple(sorted(new_sites)),
        existing_sites=existing, covered_weight=covered, total_weight=total, cost=total_cost,
        assignment=pd.concat(frames, ignore_index=True), sizes=sizes, solve_seconds=seconds,
        solver=solver, message=message, categories=per, details=dict(details or {}),
    )


def _stacked_plan(m: dict[str, Any], *, targets, needs, p, budget, solver, time_limit, gap,
                  reduce, threads, cancel, progress, t0) -> Plan | None:
    """The station-level model on the single-category engines (:mod:`.multi_stack`); None
    when it is not exact here (several partial share targets: the joint MIP runs)."""
    from siting.optimize.covering import _dominance_pays

    problems, cats, built, F = m["problems"], m["cats"], m["built"], m["F"]
    n_st = len(m["sites"])
    count_unit = None
    need = None

    def no_plan(message: str) -> Plan:
        return _multi_plan(problems, m["reds"], {c: np.zeros(0, int) for c in cats}, m["sites"],
                           F, built, m["cw"], status="infeasible", objective_kind="none",
                           bound=None, solver="search", seconds=time.perf_counter() - t0,
                           sizes=m["sizes"], message=message, details={"path": "stations"})

    def stacked(row_cats, scale):
        return stack_problem(problems, row_cats, m["station_of"], n_st, built, F,
                             m["allowed"], scale)

    if not targets:
        mode = "budget" if budget is not None else "cover"
        row_cats = list(cats)
        scale = m["cw"]
        prob, rows = stacked(row_cats, scale)
    else:
        scale = dict.fromkeys(cats, 1.0)
        prob, rows = stacked(list(targets), scale)
        cn = category_needs(prob, rows, problems, targets)
        short = [c for c, d in cn.items() if d["need"] > d["reach"] + 1e-9 * max(1.0, d["reach"])]
        if short:
            return no_plan(f"no plan meets the targets with the co-location rules ({', '.join(short)} "
                           "cannot reach its target): relax the rules, lower the target or add sites")
        row_cats = [c for c in targets if cn[c]["need"] > 0]
        full = all(cn[c]["need"] > cn[c]["reach"] - 0.5 * cn[c]["min_w"] for c in row_cats)
        if not row_cats:
            mode = "none"
        elif full:
            mode = "set_cover"
        elif len(row_cats) == 1:
            mode = "target"
        else:
            return None
        if mode != "none" and row_cats != list(targets):
            prob, rows = stacked(row_cats, scale)
        if mode == "set_cover":  # rows no station reaches need no cover (reduce=False keeps them)
            prob.weights[np.diff(prob.cover.indptr) == 0] = 0.0
    res = None
    stations = np.zeros(0, np.int64)
    sizes = dict(m["sizes"])
    if mode != "none":
        dom = reduce and _dominance_pays(prob, time_limit)
        use_cost = budget is not None or bool(targets)
        if targets:
            free = ~np.asarray(prob.existing, bool)
            fc = np.asarray(F)[free]
            if fc.size == 0 or np.ptp(fc) == 0:
                count_unit = float(fc[0]) if fc.size else 1.0
                use_cost = False  # equal station costs: the fewest stations
        st = stack(prob, rows, reduce=reduce, use_cost=use_cost, dominance=dom)
        if mode == "target":
            c = row_cats[0]
            tot = problems[c].total_weight
            need = targets[c] * tot - st.red.offset - 1e-9 * max(tot, 1.0)
        res = run_stacked(st, mode, p=p, budget=budget, need=need, count_unit=count_unit,
                          solver=solver, time_limit=time_limit, gap=gap, threads=threads,
                          cancel=cancel, progress=progress, t0=t0)
        if res is None:
            return no_plan("no plan meets the targets with the co-location rules: relax them "
                           "or add sites")
        stations = res.stations
        sizes = dict(st.red.sizes)
    open_cols = open_columns(m["reds"], cats, m["col_station"], stations, built, m["allowed"])
    open_cols = prune(m["reds"], cats, m["col_station"], n_st, built, F, m["colocate"],
                      open_cols, m["cw"], needs)
    cancelled = cancel is not None and cancel()
    status = "optimal" if res is None or res.optimal else (
        "time_limit" if time_limit is not None or cancelled else "heuristic")
    msg = "" if res is None else res.message
    if cancelled and status != "optimal":
        msg = "stopped on request: the plan is the best found, see gap"
    elif status == "time_limit":
        msg = (msg + "; " if msg else "") + ("the time limit ended the search: the plan is the "
                                             "best found, see gap")
    ran = [] if res is None else res.ran
    extra = [r for r in ran if r not in ("search", "lagrangian", "submodular bound")]
    details = {} if res is None else dict(res.details)
    details.update(path="stations", engine=mode, ran=ran, count_unit=count_unit,
                   stacked_categories=list(row_cats) if mode != "none" else [])
    return _multi_plan(problems, m["reds"], open_cols, m["sites"], F, built, m["cw"],
                       status=status, objective_kind="cost" if targets else "cover",
                       bound=0.0 if res is None else res.bound,
                       solver="+".join(["search", *extra]), seconds=time.perf_counter() - t0,
                       sizes=sizes, message=msg, details=details)
