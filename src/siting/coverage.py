"""Coverage: who lives within the walking threshold of each service category.

For every category, one bounded multi-source Dijkstra (:func:`siting.network.reach.nearest`) gives each
residence its walking distance (metres, snap distances included) and time (seconds at the run's
speed) to the nearest facility of that category, and which facility that is. A residence is
covered when the distance is within the category's threshold. Shares are weighted by
population. The *complete-circle share* is the population share that reaches every category
marked ``basic`` (完整生活圈).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.inputs.demand import GROUP_COLUMNS
from siting.network import Nearest, Network, Snap, nearest
from siting.standards import Category

__all__ = ["CoverageResult", "coverage", "per_residence"]


def per_residence(values: np.ndarray, owner: np.ndarray | None, n: int) -> np.ndarray:
    """The smallest of ``values`` (one per access point) per residence: a compound's distance is
    that of its best gate (:mod:`siting.inputs.access`). With ``owner`` None, ``values`` as they are."""
    values = np.asarray(values, dtype=float)
    if owner is None:
        return values
    out = np.full(n, np.inf)
    np.minimum.at(out, np.asarray(owner, dtype=np.int64), values)
    return out


def _best_per_owner(near: Nearest, owner: np.ndarray, n: int) -> Nearest:
    """Per residence, the nearest facility through its best access point."""
    order = np.lexsort((near.distance, owner))
    o = owner[order]
    first = np.r_[True, o[1:] != o[:-1]] if len(o) else np.zeros(0, dtype=bool)
    dist = np.full(n, np.inf)
    src = np.full(n, -1, dtype=np.int64)
    dist[o[first]] = near.distance[order][first]
    src[o[first]] = near.source[order][first]
    return Nearest(dist, src)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Coverage of residences by service categories.

    Attributes
    ----------
    residences : GeoDataFrame
        One row per residence: ``rid``, ``population``, ``households``, ``snap_m`` (metres from
        the point to the street), ``reachable`` (within the maximum snap distance), and per
        category ``<key>_m`` (metres to the nearest facility, inf beyond the search limit),
        ``<key>_min`` (minutes), ``<key>_covered`` (bool), ``<key>_fid`` (id of the nearest
        facility); then ``n_reached`` (categories covered) and ``complete`` (every basic one).
    categories : DataFrame
        One row per category: ``category``, ``name_en``, ``name_zh``, ``threshold``,
        ``threshold_m``, ``facilities`` (on the network), ``population``, ``covered_population``,
        ``share``, ``residences_covered``, and ``share_<group>`` for priority groups present.
    complete_share : float
        Population share (0–1) within reach of every basic category.
    basic : list of str
        The categories counted for the complete circle.
    speed_mps : float
        Walking speed used for minutes, metres per second.
    unreachable : int
        Residences farther than the maximum snap distance from every street (never covered).
    """

    residences: gpd.GeoDataFrame
    categories: pd.DataFrame
    complete_share: float
    basic: list[str]
    speed_mps: float
    unreachable: int
    facility_snap: dict = field(default_factory=dict, repr=False)

    def share(self, key: str) -> float:
        """Population share (0–1) covered for category ``key``."""
        row = self.categories.loc[self.categories["category"] == key]
        if row.empty:
            raise KeyError(f"category {key!r} is not in this result")
        return float(row["share"].iloc[0])


def coverage(
    net: Network,
    demand: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    categories: Sequence[Category],
    *,
    speed_mps: float = 1.0,
    max_snap: float = 300.0,
    search_factor: float = 3.0,
    complete: Sequence[str] | None = None,
    demand_snap: Snap | None = None,
    demand_owner: np.ndarray | None = None,
    elderly_speed_mps: float | None = None,
) -> CoverageResult:
    """Measure coverage per category.

    Parameters
    ----------
    net : Network
        Compiled network in a projected CRS (metres).
    demand : GeoDataFrame
        Residences: points with ``rid``, ``population`` and optional ``households`` and group
        columns, in any CRS (converted to the network's).
    facilities : GeoDataFrame
        Existing facilities with ``fid`` and ``category`` (category keys).
    categories : sequence of Category
        The categories to measure; each carries its threshold ("5 min" or "300 m").
    speed_mps : float
        Walking speed, metres per second (1.0 = 60 m/min).
    max_snap : float
        Metres; residences and facilities farther from every street are unreachable.
    search_factor : float
        The search goes on to ``search_factor ×`` the threshold so that the minutes to the
        nearest facility are known beyond the threshold too (inf farther than that).
    complete : sequence of str, optional
        Categories that make the complete circle (default: those marked ``basic``).
    demand_snap : Snap, optional
        Reuse an existing snap of ``demand`` (one per residence), or of its access points (with
        ``demand_owner``).
    demand_owner : array of int, optional
        With ``demand_snap`` of access points: the residence (row of ``demand``) of each. A
        residence's distance is that of its best access point (compound gates, see
        :mod:`siting.inputs.access`); it is reachable when any access point is.
    elderly_speed_mps : float, optional
        When given and the demand has an ``elderly`` column, the elderly group is also measured
        at this speed (m/s; the ``elderly`` profile is 0.8): a time threshold then reaches fewer
        metres. Adds ``<key>_covered_elderly_speed`` and ``share_elderly_at_elderly_speed``.
    """
    d = demand.to_crs(net.crs) if demand.crs != net.crs else demand
    fac = facilities.to_crs(net.crs) if len(facilities) and facilities.crs != net.crs else facilities
    ds = demand_snap if demand_snap is not None else net.snap(d, max_snap)
    nd = len(d)
    if demand_owner is not None and len(demand_owner) != len(ds):
        raise ValueError("demand_owner must give one residence per snapped access point")
    res = gpd.GeoDataFrame(
        {
            "rid": d["rid"].to_numpy(),
            "population": d["population"].to_numpy(dtype=float),
            "households": d["households"].to_numpy(dtype=float) if "households" in d else np.nan,
        },
        geometry=d.geometry.values,
        crs=net.crs,
    )
    if "name" in d.columns:
        res.insert(1, "name", d["name"].fillna("").astype(str).to_numpy())
    for g in GROUP_COLUMNS:
        if g in d.columns:
            res[g] = d[g].to_numpy(dtype=float)
    if demand_owner is None:
        res["snap_m"] = ds.perp
        res["reachable"] = ds.reachable
        res_reachable = ds.reachable
    else:
        perp = np.full(nd, np.inf)
        np.minimum.at(perp, demand_owner, ds.perp)
        reach = np.zeros(nd, dtype=bool)
        np.logical_or.at(reach, demand_owner, ds.reachable)
        res["snap_m"] = perp
        res["reachable"] = reach
        res_reachable = reach
    pop = res["population"].to_numpy()
    total = float(pop.sum())
    rows = []
    fsnaps: dict[str, Snap] = {}
    covered_cols = []
    for cat in categories:
        limit = cat.metres(speed_mps)
        sub = fac[fac["category"] == cat.key] if len(fac) else fac
        fs = net.snap(sub, max_snap) if len(sub) else net.snap([], max_snap)
        fsnaps[cat.key] = fs
        if len(sub) and (~fs.reachable).any():
            logger.warning(
                "facilities: %d of %d %s are more than %.0f m from the network and are ignored",
                int((~fs.reachable).sum()), len(sub), cat.key, max_snap,
            )
        near = nearest(net, fs, ds, limit=limit * search_factor)
        if demand_owner is not None:
            near = _best_per_owner(near, demand_owner, nd)
        metres = near.distance
        covered = metres <= limit
        fids = np.where(near.source >= 0, sub["fid"].to_numpy()[np.maximum(near.source, 0)] if len(sub) else "", "")
        res[f"{cat.key}_m"] = metres
        res[f"{cat.key}_min"] = metres / speed_mps / 60.0
        res[f"{cat.key}_covered"] = covered
        res[f"{cat.key}_fid"] = fids
        covered_cols.append(f"{cat.key}_covered")
        cov_pop = float(pop[covered].sum())
        row: dict[str, Any] = {
            "category": cat.key,
            "name_en": cat.name_en,
            "name_zh": cat.name_zh,
            "threshold": cat.threshold,
            "threshold_m": limit,
            "basic": bool(cat.basic),
            "facilities": int(fs.reachable.sum()),
            "population": total,
            "covered_population": cov_pop,
            "share": cov_pop / total if total > 0 else float("nan"),
            "residences_covered": int(covered.sum()),
        }
        for g in GROUP_COLUMNS:
            if g in res.columns:
                gw = res[g].to_numpy()
                row[f"share_{g}"] = float(gw[covered].sum() / gw.sum()) if gw.sum() > 0 else float("nan")
        if elderly_speed_mps is not None and "elderly" in res.columns:
            slow = metres <= cat.metres(elderly_speed_mps)
            res[f"{cat.key}_covered_elderly_speed"] = slow
            gw = res["elderly"].to_numpy()
            row["threshold_m_elderly"] = cat.metres(elderly_speed_mps)
            row["share_elderly_at_elderly_speed"] = float(gw[slow].sum() / gw.sum()) if gw.sum() > 0 else float("nan")
        rows.append(row)
        logger.info(
            "coverage: %s within %s (%.0f m): %d facilities, %.1f %% of population",
            cat.key, cat.threshold, limit, row["facilities"], 100 * row["share"],
        )
    keys = [c.key for c in categories]
    basic = list(complete) if complete is not None else [c.key for c in categories if c.basic]
    unknown = [k for k in basic if k not in keys]
    if unknown:
        from siting.errors import InputError, Msg

        raise InputError(Msg("complete-circle categories {unknown} are not among the categories measured: add them or remove them", unknown=unknown))
    res["n_reached"] = res[covered_cols].sum(axis=1).astype(int) if covered_cols else 0
    if basic:
        res["complete"] = res[[f"{k}_covered" for k in basic]].all(axis=1)
    else:
        res["complete"] = False
    complete_share = float(pop[res["complete"].to_numpy()].sum() / total) if total > 0 and basic else float("nan")
    return CoverageResult(
        residences=res,
        categories=pd.DataFrame(rows),
        complete_share=complete_share,
        basic=basic,
        speed_mps=speed_mps,
        unreachable=int((~res_reachable).sum()),
        facility_snap=fsnaps,
    )
