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

from ._errors import InputError, Problems
from ._opt_plan import Plan, nearest_assignment, rel_gap
from ._opt_models import new_var
from ._opt_problem import CoverageProblem
from ._opt_reduce import reduce_problem
from ._opt_solvers import _check_limits, check_solver, run_mip

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
    solver: str = "cbc",
    time_limit: float | None = None,
    gap: float | None = None,
    reduce: bool = True,
    threads: int | None = None,
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
    solver, time_limit, gap, reduce, threads
        As in :func:`solve_max_cover`. Reductions here are existing-coverage removal and row
        merging per category (no dominance: the shared site cost breaks it).

    Returns
    -------
    Plan
        ``objective`` is the total cost (targets mode) or the weighted covered sum (cover
        mode); ``categories`` holds per-category ``selected``, ``covered_weight``,
        ``total_weight`` and ``share``; ``assignment`` has a ``category`` column.
    """
    import pulp

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
    cw = {c: 1.0 for c in cats}
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

    prob = pulp.LpProblem("siting_multi", pulp.LpMinimize if targets else pulp.LpMaximize)
    z = {k: new_var(prob, f"z{k}", 0, 1, "Binary") for k in range(len(sites)) if not built_arr[k]}
    y: dict[str, list] = {}
    x: dict[str, list] = {}
    obj_terms: list = []
    cost_terms: list = []
    for ci, c in enumerate(cats):
        r = reds[c]
        P = problems[c]
        y[c] = [new_var(prob, f"y{ci}_{j}", 1 if r.fixed[j] else 0, 1, "Binary")
                for j in range(r.n_cols)]
        x[c] = [new_var(prob, f"x{ci}_{i}", 0, 1) for i in range(r.n_rows)]
        ind, ptr = r.A.indices, r.A.indptr
        for i in range(r.n_rows):
            terms = [(x[c][i], 1.0)] + [(y[c][j], -1.0) for j in ind[ptr[i]:ptr[i + 1]]]
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms),
                                                 pulp.LpConstraintLE, f"c{ci}_{i}", 0))
        for j in range(r.n_cols):
            if r.fixed[j]:
                continue
            k = seen[P.site_ids[r.col_site[j]]]
            cost_terms.append((y[c][j], float(r.cost[j])))
            if k in z:
                prob.addConstraint(y[c][j] <= z[k], f"z{ci}_{j}")
        cov = [(x[c][i], float(r.w[i])) for i in range(r.n_rows)]
        if targets:
            if c in targets:
                need = targets[c] * r.total - r.offset - 1e-9 * max(r.total, 1.0)
                if need > 0:
                    prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(cov),
                                                         pulp.LpConstraintGE, f"t{ci}", need))
        else:
            obj_terms.extend((v, cw[c] * w) for v, w in cov)
    cost_terms.extend((z[k], float(F[k])) for k in z)
    for a, b in colocate:
        ra, rb, Pa, Pb = reds[a], reds[b], problems[a], problems[b]
        b_col = {Pb.site_ids[rb.col_site[j]]: j for j in range(rb.n_cols)}
        b_exist = set(Pb.site_ids[Pb.existing])
        for j in range(ra.n_cols):
            if ra.fixed[j]:
                continue
            sid = Pa.site_ids[ra.col_site[j]]
            if sid in b_exist:
                continue
            if sid in b_col:
                prob.addConstraint(y[a][j] <= y[b][b_col[sid]], f"co_{a}_{b}_{j}")
            else:
                y[a][j].upBound = 0
    if targets:
        prob.setObjective(pulp.LpAffineExpression(cost_terms))
    else:
        prob.setObjective(pulp.LpAffineExpression(obj_terms))
        if p is not None:
            prob.addConstraint(pulp.lpSum(z.values()) <= p, "p")
        if budget is not None:
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(cost_terms),
                                                 pulp.LpConstraintLE, "budget", float(budget)))
    out = run_mip(prob, solver, time_limit=time_limit, gap=gap, warm=False, threads=threads)
    seconds = time.perf_counter() - t0
    if not out.has_solution:
        status = "infeasible" if out.status == "infeasible" else "time_limit"
        msg = ("no plan meets the targets with the co-location rules: relax them or add sites"
               if status == "infeasible" else "no plan found within the time limit: raise it")
        return _multi_plan(problems, reds, {c: np.zeros(0, int) for c in cats}, sites, F,
                           built_arr, cw, status=status, objective_kind="none", bound=out.bound,
                           solver=solver, seconds=seconds, sizes=sizes, message=msg)
    open_cols = {c: np.flatnonzero([(v.varValue or 0) > 0.5 and not reds[c].fixed[j]
                                    for j, v in enumerate(y[c])]) for c in cats}
    bound = out.bound
    if bound is not None and not targets:
        bound += sum(cw[c] * reds[c].offset for c in cats)
    status = "optimal" if out.status == "optimal" else "time_limit"
    return _multi_plan(problems, reds, open_cols, sites, F, built_arr, cw, status=status,
                       objective_kind="cost" if targets else "cover", bound=bound,
                       solver=solver, seconds=seconds, sizes=sizes, message="")


def _multi_plan(problems, reds, open_cols, sites, F, built_arr, cw, *, status, objective_kind,
                bound, solver, seconds, sizes, message) -> Plan:
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
        solver=solver, message=message, categories=per,
    )
