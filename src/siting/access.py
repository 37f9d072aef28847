"""Accessibility and equity: the two-step floating catchment area (2SFCA) family, Gini, Lorenz.

For each category, supply at the facilities (a count, or a column such as floor area, beds or
staff) is set against demand at the residences (population, or a priority group) within the
walking threshold, on the sparse network pairs (never a dense matrix):

1. for every facility j, the supply-to-demand ratio of its catchment
   ``R_j = S_j / sum_{k: d_kj <= d0} W(d_kj) D_k``;
2. for every residence i, its accessibility ``A_i = sum_{j: d_ij <= d0} W(d_ij) R_j``
   (reported per ``per`` people, default 1,000).

``W`` is the weighting of the method (:mod:`siting.decay`):

* ``"2sfca"`` — W = 1 within d0 (Luo & Wang 2003, *Environment and Planning B* 30(6):865–884);
* ``"gaussian"`` — Gaussian 2SFCA, ``W = (exp(-½(d/d0)²) - exp(-½)) / (1 - exp(-½))``
  (Dai 2010, *Health & Place* 16(5):1038–1052);
* ``"enhanced"`` — E2SFCA, step weights on zones of the catchment, by default three equal zones
  with 1, 0.68, 0.22 (Luo & Qi 2009, *Health & Place* 15(4):1100–1107).

Equity across residents: the population-weighted Gini coefficient and Lorenz curve of A, and,
for every priority group present (elderly, children, disabled), the share of its members
beyond the threshold of every facility (A = 0) and, with a ``target``, below it.

May import the ground floor, ``standards``, ``network``, ``inputs``, ``scenario`` and
``coverage`` (see docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.decay import Decay, make_decay
from siting.errors import InputError, Msg
from siting.inputs.demand import GROUP_COLUMNS
from siting.network import Network, Snap, pairs_within
from siting.standards import Category

__all__ = ["METHODS", "AccessResult", "accessibility", "gini", "lorenz", "two_step_fca"]

logger = logging.getLogger(__name__)

#: method → (decay kind, paper).
METHODS = {
    "2sfca": ("binary", "Luo & Wang 2003"),
    "gaussian": ("gaussian_dai", "Dai 2010"),
    "enhanced": ("step", "Luo & Qi 2009"),
}


def method_decay(method: str, threshold: float, weights: Sequence[float] | None = None) -> Decay:
    """The weighting W of a 2SFCA method with catchment ``threshold`` (metres)."""
    if method not in METHODS:
        raise InputError(Msg("access method {method!r} is unknown: use one of {v1}", method=method, v1=', '.join(METHODS)))
    kind = METHODS[method][0]
    if weights is not None and method != "enhanced":
        raise InputError(Msg("access weights are the zone weights of the enhanced method only"))
    return make_decay(kind, threshold, weights=weights) if kind == "step" else make_decay(kind, threshold)


def two_step_fca(pair_site: np.ndarray, pair_demand: np.ndarray, pair_weight: np.ndarray,
                 supply: np.ndarray, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two steps on sparse pairs.

    Parameters
    ----------
    pair_site, pair_demand : numpy.ndarray of int
        Facility and residence index of each pair within the catchment.
    pair_weight : numpy.ndarray
        W(d) of each pair (0–1).
    supply : numpy.ndarray
        S_j per facility.
    demand : numpy.ndarray
        D_k per residence.

    Returns
    -------
    ratio : numpy.ndarray
        R_j per facility (supply per unit of weighted demand; 0 where no demand is in reach).
    access : numpy.ndarray
        A_i per residence.
    """
    ps = np.asarray(pair_site, dtype=np.int64)
    pd_ = np.asarray(pair_demand, dtype=np.int64)
    w = np.asarray(pair_weight, dtype=float)
    s = np.asarray(supply, dtype=float)
    d = np.asarray(demand, dtype=float)
    weighted = np.bincount(ps, weights=w * d[pd_], minlength=s.size)
    ratio = np.divide(s, weighted, out=np.zeros(s.size), where=weighted > 0)
    access = np.bincount(pd_, weights=w * ratio[ps], minlength=d.size)
    return ratio, access


def lorenz(values: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve of ``values`` held by ``weights`` people each (population-weighted).

    Returns the cumulative population share and the cumulative share of the total value,
    both from 0 to 1, residences sorted by value (ascending).
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (w > 0) & np.isfinite(v)
    v, w = v[keep], w[keep]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    x = np.concatenate([[0.0], np.cumsum(w)])
    y = np.concatenate([[0.0], np.cumsum(w * v)])
    if x[-1] > 0:
        x = x / x[-1]
    y = y / y[-1] if y[-1] > 0 else np.linspace(0.0, 1.0, y.size)
    return x, y


def gini(values: Any, weights: Any) -> float:
    """Population-weighted Gini coefficient of ``values`` (0 = equal, 1 = one holds all).

    ``1 - sum_k (X_k - X_{k-1}) (Y_k + Y_{k-1})`` on the Lorenz curve; NaN when nobody holds
    any value (every residence beyond reach: equality of nothing is not measured).
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (w > 0) & np.isfinite(v)
    if not keep.any() or float((v[keep] * w[keep]).sum()) <= 0:
        return float("nan")
    x, y = lorenz(v, w)
    return float(1.0 - np.sum(np.diff(x) * (y[1:] + y[:-1])))


@dataclass(frozen=True, eq=False)
class AccessResult:
    """Accessibility of a run, per residence and per category.

    Attributes
    ----------
    residences : DataFrame
        ``rid``, ``population`` and per category ``<key>_access`` (A_i per ``per`` people), and
        ``<key>_access_after`` with a plan.
    categories : DataFrame
        One row per category: ``category``, ``method``, ``supply``, ``demand``, ``threshold_m``,
        ``facilities`` (with supply), ``facilities_without_supply``, ``supply_total``,
        ``mean`` (population-weighted A), ``median``, ``gini``, ``share_none`` (population
        beyond every facility), ``share_<group>_beyond`` per group present,
        ``share_<group>_below_target`` with a target; the same with ``_after`` with a plan.
    lorenz : dict
        Category → ``{"population": [...], "access": [...]}`` (and ``"access_after"`` /
        ``"population_after"`` with a plan), 101 points each.
    method, supply, demand : str
    per : float
        A is supply per this many people of demand.
    target : float or None
    notes : list of str
    """

    residences: pd.DataFrame
    categories: pd.DataFrame
    lorenz: dict[str, dict[str, list[float]]]
    method: str
    supply: str
    demand: str
    per: float
    target: float | None = None
    weights: tuple[float, ...] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_after(self) -> bool:
        """True when the result carries a second, after-plan measurement."""
        return "gini_after" in self.categories.columns

    def with_after(self, after: AccessResult) -> AccessResult:
        """This result with ``after``'s values as the ``_after`` columns (after a plan)."""
        r = self.residences.copy()
        for c in after.residences.columns:
            if c.endswith("_access"):
                r[c + "_after"] = after.residences[c].to_numpy()
        cat = self.categories.copy()
        a = after.categories.set_index("category")
        for col in ("facilities", "supply_total", "mean", "median", "gini", "share_none",
                    *[c for c in a.columns if c.startswith("share_")]):
            if col in a.columns and not col.endswith("_after"):
                cat[f"{col}_after"] = cat["category"].map(a[col])
        lz = {k: dict(v) for k, v in self.lorenz.items()}
        for k, v in after.lorenz.items():
            if k in lz:
                lz[k]["population_after"] = v["population"]
                lz[k]["access_after"] = v["access"]
        return dataclasses.replace(self, residences=r, categories=cat, lorenz=lz,
                                   notes=list(self.notes) + [n for n in after.notes if n not in self.notes])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (categories and Lorenz curves; no per-residence values)."""
        cats = self.categories.replace({np.inf: None}).astype(object)
        cats = cats.where(self.categories.notna(), None)
        return {
            "method": self.method, "paper": METHODS[self.method][1], "supply": self.supply,
            "demand": self.demand, "per": self.per, "target": self.target,
            "weights": list(self.weights) if self.weights else None,
            "categories": cats.to_dict(orient="records"), "lorenz": self.lorenz,
            "notes": self.notes,
        }


def _sample(x: np.ndarray, y: np.ndarray, n: int = 101) -> tuple[list[float], list[float]]:
    xs = np.linspace(0.0, 1.0, n)
    return [round(float(v), 5) for v in xs], [round(float(v), 5) for v in np.interp(xs, x, y)]


def accessibility(
    net: Network,
    residences: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    categories: Sequence[Category],
    *,
    speed_mps: float = 1.0,
    method: str = "2sfca",
    supply: str = "count",
    demand: str = "population",
    weights: Sequence[float] | None = None,
    per: float = 1000.0,
    target: float | None = None,
    max_snap: float = 300.0,
    demand_snap: Snap | None = None,
    facility_snap: dict[str, Snap] | None = None,
    demand_owner: np.ndarray | None = None,
) -> AccessResult:
    """Measure 2SFCA accessibility and its equity per category.

    Parameters
    ----------
    net : Network
        Compiled network (projected, metres).
    residences : GeoDataFrame
        ``rid``, ``population`` and the group columns (e.g. ``CoverageResult.residences``), in
        the network's CRS.
    facilities : GeoDataFrame
        ``category`` and, unless ``supply == "count"``, the supply column; network CRS.
    categories : sequence of Category
        Each category's threshold is its catchment d0.
    speed_mps : float
        Walking speed (m/s) turning a time threshold into metres.
    method : {"2sfca", "gaussian", "enhanced"}
    supply : str
        ``"count"`` (one per facility) or a facility column (``floor_area_m2``, ``beds``,
        ``staff``, ``capacity``...). Facilities without a value are left out and noted.
    demand : {"population", "elderly", "children", "disabled"}
        The residences' column that is the demand.
    weights : sequence of float, optional
        Enhanced method: the zone weights (equal zones), default 1, 0.68, 0.22.
    per : float
        Accessibility is reported per this many people (default 1,000).
    target : float, optional
        Accessibility (per ``per`` people) below which a resident is under-served.
    max_snap : float
        Metres; facilities farther from every street are left out.
    demand_owner : array of int, optional
        When ``demand_snap`` snaps access points (compound gates, :mod:`siting.inputs.access`): the
        residence of each; a residence reaches a facility at the distance of its best gate.
    demand_snap, facility_snap : optional
        Reuse the snaps of a coverage run (facility_snap: category → Snap of that category's
        facilities in their order in ``facilities``).

    Returns
    -------
    AccessResult
    """
    if not (isinstance(per, (int, float)) and per > 0):
        raise InputError(Msg("access per = {per!r} must be a positive number of people, e.g. 1000", per=per))
    r = residences
    if demand not in r.columns:
        raise InputError(Msg("access demand = {demand!r}: the residences have no {demand!r} column (they have {v1}): give group "
                             "counts in the demand file or use demand = \"population\"",
                             demand=demand,
                             v1=', '.join(c for c in r.columns if c != 'geometry')))
    dem = np.nan_to_num(r[demand].to_numpy(dtype=float), nan=0.0)
    pop = np.nan_to_num(r["population"].to_numpy(dtype=float), nan=0.0)
    dsnap = demand_snap if demand_snap is not None else net.snap(r, max_snap)
    out = pd.DataFrame({"rid": r["rid"].astype(str).to_numpy(), "population": pop})
    rows: list[dict[str, Any]] = []
    curves: dict[str, dict[str, list[float]]] = {}
    notes: list[str] = []
    groups = [g for g in GROUP_COLUMNS if g in r.columns]
    for cat in categories:
        limit = cat.metres(speed_mps)
        W = method_decay(method, limit, weights)
        sub = facilities[facilities["category"] == cat.key] if len(facilities) else facilities
        if supply == "count":
            s = np.ones(len(sub))
        elif len(sub) and supply not in sub.columns:
            raise InputError(Msg("access supply = {supply!r}: the {key} facilities have no {supply!r} column: add it to the "
                                 "facilities file or use supply = \"count\"",
                                 supply=supply,
                                 key=cat.key))
        else:
            s = pd.to_numeric(sub[supply], errors="coerce").to_numpy(dtype=float) if len(sub) else np.zeros(0)
        bad = ~np.isfinite(s) | (s < 0)
        if bad.any():
            names = sub["fid"].astype(str).to_numpy()[bad][:5] if "fid" in sub.columns else []
            notes.append(f"{cat.key}: {int(bad.sum())} of {len(sub)} facilities have no usable {supply} "
                         f"({', '.join(names)}{' …' if bad.sum() > 5 else ''}) and are left out of the accessibility")
            s = np.where(bad, 0.0, s)
        if facility_snap is not None and cat.key in facility_snap:
            fsnap = facility_snap[cat.key]
        else:
            fsnap = net.snap(sub, max_snap) if len(sub) else net.snap([], max_snap)
        if len(sub):
            pr = pairs_within(net, fsnap, dsnap, limit)
            ps, pdm, pm = (pr["source"].to_numpy(np.int64), pr["target"].to_numpy(np.int64),
                           pr["metres"].to_numpy(float))
            if demand_owner is not None and len(pdm):  # gates to residences: the shortest pair of each
                pdm = np.asarray(demand_owner, dtype=np.int64)[pdm]
                o = np.lexsort((pm, pdm, ps))
                first = np.r_[True, (ps[o][1:] != ps[o][:-1]) | (pdm[o][1:] != pdm[o][:-1])]
                ps, pdm, pm = ps[o][first], pdm[o][first], pm[o][first]
        else:
            ps = pdm = np.zeros(0, np.int64)
            pm = np.zeros(0)
        _, A = two_step_fca(ps, pdm, W(pm), s, dem)
        A = A * per
        out[f"{cat.key}_access"] = A
        reached = np.zeros(len(r), dtype=bool)
        good = np.isin(ps, np.flatnonzero(s > 0))
        reached[pdm[good]] = True
        row: dict[str, Any] = {
            "category": cat.key, "method": method, "supply": supply, "demand": demand,
            "threshold_m": limit, "facilities": int(((s > 0) & fsnap.reachable).sum()) if len(sub) else 0,
            "facilities_without_supply": int(bad.sum()), "supply_total": float(s.sum()),
            "mean": float((A * pop).sum() / pop.sum()) if pop.sum() > 0 else float("nan"),
            "median": _weighted_median(A, pop), "gini": gini(A, pop),
            "share_none": float(pop[~reached].sum() / pop.sum()) if pop.sum() > 0 else float("nan"),
        }
        for g in groups:
            gw = np.nan_to_num(r[g].to_numpy(dtype=float), nan=0.0)
            tot = gw.sum()
            row[f"share_{g}_beyond"] = float(gw[~reached].sum() / tot) if tot > 0 else float("nan")
            if target is not None:
                row[f"share_{g}_below_target"] = float(gw[A < target].sum() / tot) if tot > 0 else float("nan")
        if target is not None:
            row["share_below_target"] = float(pop[A < target].sum() / pop.sum()) if pop.sum() > 0 else float("nan")
        rows.append(row)
        x, y = lorenz(A, pop)
        xs, ys = _sample(x, y)
        curves[cat.key] = {"population": xs, "access": ys}
        logger.info("access %s (%s, supply %s, demand %s): mean %.4g per %g, Gini %.3f",
                    cat.key, method, supply, demand, row["mean"], per, row["gini"])
    return AccessResult(residences=out, categories=pd.DataFrame(rows), lorenz=curves, method=method,
                        supply=supply, demand=demand, per=float(per), target=target,
                        weights=tuple(W.steps[k][1] for k in range(len(W.steps))) if method == "enhanced" else None,
                        notes=notes)


def _weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    keep = w > 0
    if not keep.any():
        return float("nan")
    v, w = v[keep], w[keep]
    o = np.argsort(v, kind="stable")
    c = np.cumsum(w[o])
    return float(v[o][np.searchsorted(c, 0.5 * c[-1])])
