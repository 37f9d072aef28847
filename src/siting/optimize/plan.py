"""The :class:`Plan` result of :mod:`siting.optimize` and how it is assembled (private)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.optimize.problem import CoverageProblem
from siting.optimize.reduce import Reduced

__all__ = ["Plan"]

STATUSES = ("optimal", "time_limit", "infeasible", "heuristic")


@dataclass(frozen=True, eq=False)
class Plan:
    """A proposed set of new stations, with the solver's own account of how good it is.

    Attributes
    ----------
    status : str
        ``"optimal"`` (proved optimal within the requested relative gap), ``"time_limit"``
        (the best plan found when the time ran out — heuristic or MIP, whichever is better),
        ``"infeasible"`` (no plan meets the constraints; see ``message`` and
        ``reachable_share``) or ``"heuristic"`` (greedy + swap only, no solver run).
    model : str
        ``"max_cover"``, ``"target_cover"``, ``"set_cover"``, ``"multi"``, ``"p_median"``,
        ``"p_center"``, ``"attendance"``, each with a ``"capacitated_"`` prefix when
        capacities bind.
    objective : float or None
        Max-cover models: covered weight (people-equivalents), existing coverage included.
        Target models: total cost (or count) of the new stations. p-median: total
        person-distance (minimised); p-center: the longest walk (minimised); attendance:
        decayed demand reached (maximised). None when there is no plan.
    bound : float or None
        The best bound known on the objective (solver bound, or the submodular bound for
        heuristic plans): an upper bound when maximising, a lower bound when minimising.
    gap : float or None
        Relative gap ``|bound - objective| / max(|objective|, |bound|)``.
    selected_sites : tuple of str
        Ids of the new stations (existing sites are never listed here).
    existing_sites : tuple of str
        Ids of the sites already built, counted as open.
    covered_weight, total_weight : float
        Weight covered by existing plus new stations, and the weight of all demand.
    cost : float
        Build cost of the new stations.
    assignment : pandas.DataFrame
        Long format, one row per (demand, station) assignment: ``demand_id``, ``site_id``
        (``""`` when uncovered), ``distance`` (unit of ``within``), ``fraction`` served,
        ``covered``; multi-category plans add ``category``. Uncapacitated plans assign each
        demand point to its nearest open station in reach.
    sizes : mapping
        ``rows_before``, ``cols_before``, ``pairs_before`` and the same ``_after`` reduction.
    solve_seconds : float
        Wall time of heuristics, model building and solver (reductions excluded).
    solver : str
        ``"cbc"``, ``"highs"``, ``"greedy"`` or ``"greedy+swap"``.
    message : str
        A sentence for the planner (why infeasible, what the time limit left open).
    reachable_share : float or None
        Target models: the largest covered share any plan can reach with these candidates.
    categories : mapping
        Multi-category plans: per category ``selected``, ``covered_weight``, ``total_weight``.
    heuristic_objective : float or None
        The objective of the greedy start, for comparison with the search and the solver.
    details : mapping
        Model-specific figures: p-median ``mean_distance``, ``penalty``, ``unassigned_weight``;
        p-center ``radius`` and ``unreached_weight``; attendance ``decay`` and ``attendance_share``
        (see each model's docstring). Covering models: what ran and what it found: ``ran``
        (e.g. ``["search", "lagrangian", "highs"]``), ``lagrangian_bound``, ``mip_bound``,
        ``mip_status``, ``fixed_closed`` / ``fixed_open`` (sites fixed by reduced-cost fixing),
        ``restricted_sites``, ``search_kicks`` and more.
    """

    status: str
    model: str
    objective: float | None
    bound: float | None
    gap: float | None
    selected_sites: tuple[str, ...]
    existing_sites: tuple[str, ...]
    covered_weight: float
    total_weight: float
    cost: float
    assignment: pd.DataFrame
    sizes: Mapping[str, int]
    solve_seconds: float
    solver: str
    message: str = ""
    reachable_share: float | None = None
    categories: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    heuristic_objective: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Covered share of the total weight (0–1)."""
        return 1.0 if self.total_weight <= 0 else self.covered_weight / self.total_weight

    @property
    def n_new(self) -> int:
        """Number of new stations."""
        return len(self.selected_sites)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no assignment table)."""
        return {
            "status": self.status,
            "model": self.model,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "selected_sites": list(self.selected_sites),
            "n_new": self.n_new,
            "existing_sites": list(self.existing_sites),
            "covered_weight": _num(self.covered_weight),
            "total_weight": _num(self.total_weight),
            "share": _num(self.share),
            "cost": _num(self.cost),
            "sizes": {k: int(v) for k, v in self.sizes.items()},
            "solve_seconds": _num(self.solve_seconds),
            "solver": self.solver,
            "message": self.message,
            "reachable_share": _num(self.reachable_share),
            "heuristic_objective": _num(self.heuristic_objective),
            "categories": {
                c: {k: (list(v) if isinstance(v, tuple) else _num(v)) for k, v in d.items()}
                for c, d in self.categories.items()
            },
            "details": {k: _plain(v) for k, v in self.details.items()},
        }


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _num(v)
    return v


def _num(v: Any) -> Any:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def rel_gap(objective: float | None, bound: float | None) -> float | None:
    """Relative gap between an objective and a bound (0 when equal)."""
    if objective is None or bound is None:
        return None
    den = max(abs(objective), abs(bound))
    if den <= 1e-12:
        return 0.0
    return max(0.0, abs(bound - objective) / den)


def nearest_assignment(problem: CoverageProblem, open_sites: np.ndarray) -> pd.DataFrame:
    """Each demand point to its nearest open station in reach (``open_sites``: site indices)."""
    mask = problem.existing.copy()
    mask[np.asarray(open_sites, dtype=np.int64)] = True
    A = problem.cover
    rows = np.repeat(np.arange(problem.n_demand), np.diff(A.indptr))
    m = mask[A.indices]
    r, c, d = rows[m], A.indices[m], problem.distance[m]
    order = np.lexsort((d, r))
    r, c, d = r[order], c[order], d[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    site = np.full(problem.n_demand, "", dtype=object)
    dist = np.full(problem.n_demand, np.nan)
    site[r[first]] = problem.site_ids[c[first]]
    dist[r[first]] = d[first]
    covered = site != ""
    return pd.DataFrame({
        "demand_id": problem.demand_ids.astype(object),
        "site_id": site,
        "distance": dist,
        "fraction": covered.astype(float),
        "covered": covered,
    })


def pair_distance(problem: CoverageProblem, d: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Distances of the (demand index, site index) pairs, looked up in the sorted CSR."""
    A = problem.cover
    ns = problem.n_sites
    keys = np.repeat(np.arange(problem.n_demand, dtype=np.int64), np.diff(A.indptr)) * ns \
        + A.indices.astype(np.int64)
    q = d.astype(np.int64) * ns + s.astype(np.int64)
    pos = np.searchsorted(keys, q)
    return problem.distance[np.minimum(pos, keys.size - 1)] if keys.size else np.zeros(q.size)


def fractional_assignment(problem: CoverageProblem, d: np.ndarray, s: np.ndarray,
                          frac: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Assignment table from fractional (demand, site, fraction) triples; also served share."""
    keep = frac > 1e-9
    d, s, frac = d[keep], s[keep], frac[keep]
    served = np.minimum(np.bincount(d, weights=frac, minlength=problem.n_demand), 1.0)
    df = pd.DataFrame({
        "demand_id": problem.demand_ids[d].astype(object),
        "site_id": problem.site_ids[s].astype(object),
        "distance": pair_distance(problem, d, s),
        "fraction": frac,
        "covered": True,
    })
    none = np.flatnonzero(served <= 1e-9)
    if none.size:
        df = pd.concat([df, pd.DataFrame({
            "demand_id": problem.demand_ids[none].astype(object),
            "site_id": "",
            "distance": np.nan,
            "fraction": 0.0,
            "covered": False,
        })], ignore_index=True)
    return df, served


# ---------------------------------------------------------------------------------- assembly
def plan_from_open(problem: CoverageProblem, red: Reduced, open_cols: np.ndarray, *,
                    status: str, model: str, kind: str, bound: float | None, solver: str,
                    seconds: float, message: str = "", reachable: float | None = None,
                    heur: float | None = None, no_plan: bool = False,
                    details: dict | None = None) -> Plan:
    sel_sites = np.sort(red.col_site[np.asarray(open_cols, dtype=np.int64)])
    sel_sites = sel_sites[~problem.existing[sel_sites]]
    cov = problem.covered_by(sel_sites)
    cw = float(problem.weights[cov].sum())
    cost = float(problem.costs[sel_sites].sum())
    if status == "infeasible" or no_plan:
        objective = None
    elif kind == "cover":
        objective = cw
    elif kind == "count":
        objective = float(sel_sites.size)
    else:
        objective = cost
    if kind == "cover" and bound is not None and objective is not None:
        bound = max(bound, objective)
    elif bound is not None and objective is not None:
        bound = min(bound, objective)
    return Plan(
        status=status, model=model, objective=objective, bound=bound,
        gap=rel_gap(objective, bound), selected_sites=tuple(problem.site_ids[sel_sites]),
        existing_sites=tuple(problem.site_ids[problem.existing]), covered_weight=cw,
        total_weight=problem.total_weight, cost=cost,
        assignment=nearest_assignment(problem, sel_sites), sizes=dict(red.sizes),
        solve_seconds=seconds, solver=solver, message=message, reachable_share=reachable,
        heuristic_objective=heur, details=dict(details or {}),
    )


def plan_capacitated(problem: CoverageProblem, red: Reduced, open_cols, frac, *, status,
                      model, kind, bound, solver, seconds, message="", reachable=None,
                      details=None, heur=None) -> Plan:
    sel_sites = np.sort(red.col_site[np.asarray(open_cols, dtype=np.int64)])
    sel_sites = sel_sites[~problem.existing[sel_sites]]
    cost = float(problem.costs[sel_sites].sum())
    if frac is None:
        assignment, served = fractional_assignment(
            problem, np.zeros(0, int), np.zeros(0, int), np.zeros(0))
        cw = 0.0
    else:
        coo = red.A.tocoo()
        dem_of_row = np.flatnonzero(red.row_of_demand >= 0)
        dem_of_row = dem_of_row[np.argsort(red.row_of_demand[dem_of_row])]
        assignment, served = fractional_assignment(
            problem, dem_of_row[coo.row], red.col_site[coo.col], frac)
        cw = float((problem.weights * served).sum())
    if status == "infeasible" or frac is None:
        objective = None
    elif kind == "cover":
        objective = cw
    elif kind == "count":
        objective = float(sel_sites.size)
    else:
        objective = cost
    return Plan(
        status=status, model=model, objective=objective, bound=bound,
        gap=rel_gap(objective, bound), selected_sites=tuple(problem.site_ids[sel_sites]),
        existing_sites=tuple(problem.site_ids[problem.existing]), covered_weight=cw,
        total_weight=problem.total_weight, cost=cost, assignment=assignment,
        sizes=dict(red.sizes), solve_seconds=seconds, solver=solver, message=message,
        reachable_share=reachable, heuristic_objective=heur, details=dict(details or {}),
    )
