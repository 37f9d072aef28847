"""The planning stage of a scenario run: candidate sites → reachability → integer program.

For each category to plan, the reachable (candidate, residence) pairs within the category's
threshold come from bounded searches on the network (:func:`siting.network.reach.pairs_within`, sparse,
never a dense matrix); existing facilities enter the same problem as sites already built. The
models are those of :mod:`siting.optimize`. The result adds to the run: proposed stations (a
map layer and a GeoPackage layer, with the population each newly covers), coverage before and
after per category, the plan's status, objective, bound and gap, and the frontier.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from siting.errors import InputError, Msg, Problems
from siting.inputs import candidates_from_file, generate_candidates, hosts, read_points
from siting.network import Network, Snap, pairs_within, resolve_offline
from siting.optimize import (
    CoverageProblem,
    Plan,
    capacity_from_floor_area,
    frontier,
    priority_weights,
    solve_attendance,
    solve_max_cover,
    solve_multi,
    solve_p_center,
    solve_p_median,
    solve_set_cover,
    solve_target,
)
from siting.results import RunResult
from siting.scenario import LOCATION_MODELS, OptimizeConfig, Scenario
from siting.units import parse_threshold

__all__ = ["access_after_plan", "plan_run", "prepare_candidates"]

logger = logging.getLogger(__name__)


def _candidates(sc: Scenario, net: Network, facilities: gpd.GeoDataFrame, categories: list, cfg: OptimizeConfig,
                cands: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    c = cfg.candidates
    if c.source == "generated":
        planned = facilities[facilities["category"].isin(cfg.categories)] if len(facilities) else None
        within = _allowed_area(sc, net, c)
        return generate_candidates(
            net,
            spacing=parse_threshold(c.spacing, key="optimize.candidates.spacing").value,
            cost=c.cost,
            floor_area_m2=c.floor_area_m2,
            existing=planned,
            min_distance=parse_threshold(c.min_distance).value if c.min_distance else 0.0,
            within=within,
        )
    if cands is None:  # the pipeline reads the file (and checks its rows) with the other inputs
        cands = candidates_from_file(
            sc.path(c.source), to_crs=net.crs, cost_column=c.cost_column, floor_area_column=c.floor_area_column,
            categories_column=c.categories_column, id_column=c.id_column, name_column=c.name_column,
            known_categories=[k.key for k in categories], options=c.read_options(), bounds=net.bounds,
        )
    area = _allowed_area(sc, net, c)
    if area is not None:
        cands = cands[cands.within(area.geometry.union_all())].reset_index(drop=True)
    return cands


def _allowed_area(sc: Scenario, net: Network, c: Any) -> gpd.GeoDataFrame | None:
    """Polygons new stations must lie in: a parcel file and/or OSM land use of the named types."""
    from siting.inputs.osm import osm_features

    parts = []
    if c.within:
        polys = read_points(sc.path(c.within), what="optimize.candidates.within").to_crs(net.crs)
        area = box(*net.bounds)
        if len(polys) and not polys.intersects(area).any():
            raise InputError(
                Msg("none of the {v1} polygons of optimize.candidates.within ({v2}) overlaps the network area: check "
                    "that the file covers the same place as the network and that its CRS is right",
                    v1=len(polys),
                    v2=sc.path(c.within)))
        parts.append(polys)
    if c.landuse:
        lu = osm_features(sc.network.source, net, "landuse", base=Path(sc.base_dir), cache_dir=sc.path(sc.network.cache_dir),
                          offline=resolve_offline(sc.network.offline))
        if lu is None or "landuse" not in lu.columns:
            lu = gpd.GeoDataFrame({"landuse": []}, geometry=[], crs=4326)
        lu = lu[lu["landuse"].isin(c.landuse) & lu.geom_type.isin(["Polygon", "MultiPolygon"])]
        logger.info("candidates: %d OSM land-use polygons of %s", len(lu), ", ".join(c.landuse))
        lu = lu.to_crs(net.crs)[["geometry"]]
        lu["geometry"] = lu.geometry.make_valid()  # OSM multipolygons are often slightly invalid
        parts.append(lu)
    if not parts:
        return None
    if len(parts) == 2:  # both given: inside the parcels and inside the land use
        a, b = (p.geometry.union_all() for p in parts)
        return gpd.GeoDataFrame(geometry=[a.intersection(b)], crs=net.crs)
    return parts[0]


def prepare_candidates(
    sc: Scenario, net: Network, facilities: gpd.GeoDataFrame, categories: list,
    input_candidates: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, Snap]:
    """The candidate sites of a scenario's plan, snapped to the network, checked before any heavy work.

    Called by the pipeline before the coverage stage, so that a mistake that can be known from
    the candidates alone (``p`` larger than the candidates that may host a category, a budget
    below the cheapest of them, no candidate inside ``candidates.within``) stops the run at once.
    ``input_candidates`` are those read from a candidates file with the other inputs.

    Raises
    ------
    InputError
        Naming the key, the counts and the fix.
    """
    cfg = sc.optimize
    assert cfg is not None  # called only for scenarios with a plan
    cands = _candidates(sc, net, facilities, categories, cfg, input_candidates)
    snap = net.snap(cands, sc.max_snap_m)
    off = int((~snap.reachable).sum())
    if off:
        logger.warning("candidates: %d of %d are more than %.0f m from the network and are ignored", off, len(cands), sc.max_snap_m)
    where = Msg(" inside optimize.candidates.within") if cfg.candidates.within else ""
    if cfg.candidates.within and len(cands) == 0:
        raise InputError(Msg("no candidate site lies inside optimize.candidates.within ({v1}): check the polygons, or generate "
                             "candidates more densely (optimize.candidates.spacing)",
                             v1=sc.path(cfg.candidates.within)))
    usable = {key: hosts(cands, key) & snap.reachable for key in cfg.categories}
    if cfg.comprehensive and len(cfg.categories) > 1:
        usable = {"the planned categories": np.logical_or.reduce(list(usable.values()))}
    problems = Problems()
    for key, mask in usable.items():
        n = int(mask.sum())
        if cfg.model in ("max_cover", *LOCATION_MODELS) and cfg.p is not None and cfg.p > n:
            problems.add(Msg("optimize.p = {p} is larger than the {n} candidate site(s){where} that may host {key} within "
                             "{max_snap} of a street: lower optimize.p or add candidates (optimize.candidates)",
                             p=cfg.p,
                             n=n,
                             where=where,
                             key=key,
                             max_snap=sc.travel.max_snap))
        if cfg.budget is not None and n and cfg.budget < float(cands["cost"].to_numpy(dtype=float)[mask].min()):
            problems.add(Msg("optimize.budget = {budget:g} is below the cheapest candidate site for {key} ({v1:g}): raise the "
                             "budget or add cheaper candidates",
                             budget=cfg.budget,
                             key=key,
                             v1=float(cands['cost'].to_numpy(dtype=float)[mask].min())))
    problems.raise_if_any()
    return cands, snap


def _problem(
    res: RunResult, cfg: OptimizeConfig, key: str, cands: gpd.GeoDataFrame, cand_snap: Snap, progress: bool,
    pairs: Callable[..., pd.DataFrame] = pairs_within,
) -> CoverageProblem:
    """The covering problem of one category: candidates and existing facilities as sites."""
    net = res.network
    limit = _reach_m(res, cfg, key)
    dsnap: Snap = res.extras["demand_snap"]
    mask = hosts(cands, key) & cand_snap.reachable
    cidx = np.flatnonzero(mask)
    t0 = time.perf_counter()
    cp = pairs(net, cand_snap.subset(cidx), dsnap, limit, progress=progress)
    fsnap = res.coverage.facility_snap[key]
    ep = pairs_within(net, fsnap, dsnap, limit)
    rid = res.coverage.residences["rid"].to_numpy().astype(str)
    owner = res.extras.get("demand_owner")
    # pairs are per access point of a residence (its gates); the problem keeps each residence's shortest
    target_rid = rid[owner] if owner is not None else rid
    cand_ids = cands["site_id"].to_numpy().astype(str)[cidx]
    fac = res.facilities[res.facilities["category"] == key] if len(res.facilities) else res.facilities
    fac_ids = np.array([f"existing:{f}" for f in fac["fid"].astype(str)], dtype=object) if len(fac) else np.array([], dtype=object)
    logger.info(
        "reachability %s within %.0f m: %d candidates x %d residences -> %d pairs (+%d from %d existing) in %.2f s",
        key, limit, len(cidx), len(rid), len(cp), len(ep), len(fac_ids), time.perf_counter() - t0,
    )
    site_ids = np.concatenate([cand_ids, fac_ids]).astype(object)
    costs = np.concatenate([cands["cost"].to_numpy(dtype=float)[cidx], np.zeros(len(fac_ids))])
    existing = np.concatenate([np.zeros(len(cidx), bool), np.ones(len(fac_ids), bool)])
    pair_site = np.concatenate([cand_ids[cp["source"].to_numpy()], fac_ids[ep["source"].to_numpy()] if len(ep) else []]).astype(object)
    pair_dem = np.concatenate([target_rid[cp["target"].to_numpy()], target_rid[ep["target"].to_numpy()]]).astype(object)
    pair_m = np.concatenate([cp["metres"].to_numpy(), ep["metres"].to_numpy()])
    r = res.coverage.residences
    groups = {g: (r[g].to_numpy(dtype=float), w) for g, w in cfg.priority.items() if g in r.columns}
    weights = priority_weights(r["population"].to_numpy(dtype=float), groups) if groups else r["population"].to_numpy(dtype=float)
    capacity = None
    households = None
    if cfg.capacitated:
        cap_c = capacity_from_floor_area(np.nan_to_num(cands["floor_area_m2"].to_numpy(dtype=float)[cidx], nan=0.0))
        fa = fac["floor_area_m2"].to_numpy(dtype=float) if "floor_area_m2" in fac.columns else np.full(len(fac_ids), np.nan)
        # an existing facility of unknown floor area is taken as unlimited (it already serves its catchment)
        cap_e = np.where(np.isfinite(fa), capacity_from_floor_area(np.nan_to_num(fa)), 1e12)
        capacity = np.concatenate([cap_c, cap_e])
        households = r["households"].to_numpy(dtype=float)
    return CoverageProblem.from_pairs(
        rid, weights, site_ids, costs, pair_dem, pair_site, pair_m, limit,
        households=households, capacity=capacity, existing=existing,
    )


def _reach_m(res: RunResult, cfg: OptimizeConfig, key: str) -> float:
    """Metres of the pairs of a category's problem: its threshold, or ``optimize.max_distance``
    for the location-allocation models."""
    cat = next(c for c in res.categories if c.key == key)
    threshold = cat.metres(res.scenario.speed_mps)
    if cfg.model in LOCATION_MODELS and cfg.max_distance:
        reach = parse_threshold(cfg.max_distance, key="optimize.max_distance").value
        if reach < threshold - 1e-9:
            raise InputError(
                Msg("optimize.max_distance = {max_distance!r} is below the {key} threshold ({threshold} = {v1:.0f} m at "
                    "this speed): the coverage after the plan could not be measured; give at least \"{v1:.0f} m\" or leave "
                    "it out",
                    max_distance=cfg.max_distance,
                    key=key,
                    threshold=cat.threshold,
                    v1=threshold))
        return reach
    return threshold


def _solve(problem: CoverageProblem, cfg: OptimizeConfig) -> Plan:
    common: dict[str, Any] = {"solver": cfg.solver, "time_limit": cfg.time_limit, "gap": cfg.gap}
    if cfg.model == "p_median":
        penalty = parse_threshold(cfg.penalty, key="optimize.penalty").value if cfg.penalty else None
        return solve_p_median(problem, cfg.p, budget=cfg.budget, penalty=penalty, capacitated=cfg.capacitated, **common)
    if cfg.model == "p_center":
        return solve_p_center(problem, cfg.p, budget=cfg.budget, solver=cfg.solver, time_limit=cfg.time_limit)
    if cfg.model == "attendance":
        return solve_attendance(problem, cfg.p, budget=cfg.budget, decay=_decay(cfg, problem.within),
                                capacitated=cfg.capacitated, **common)
    if cfg.model == "max_cover":
        return solve_max_cover(problem, cfg.p, budget=cfg.budget, capacitated=cfg.capacitated, **common)
    if cfg.model == "set_cover":
        return solve_set_cover(problem, **common)
    assert cfg.target is not None  # validated with the scenario: a target model has a target
    return solve_target(problem, cfg.target, minimize=cfg.minimize, capacitated=cfg.capacitated, **common)


def _decay(cfg: OptimizeConfig, within: float):
    """The attendance decay of a scenario, cut off at ``optimize.decay.cutoff`` or the reach."""
    from siting.decay import make_decay

    d = cfg.decay
    if d is None:
        return make_decay("linear", within)
    cutoff = parse_threshold(d.cutoff, key="optimize.decay.cutoff").value if d.cutoff else within
    params = {k: v for k, v in d.model_dump().items() if k not in ("kind", "cutoff") and v is not None}
    return make_decay(d.kind, cutoff, **params)


def _detail(plan: Plan) -> str:
    """One sentence on what a location-allocation plan achieves (for the tables and report)."""
    d = plan.details
    if plan.objective is None:
        return plan.message
    if plan.model.endswith("p_median"):
        return (f"mean walk {d.get('mean_distance', float('nan')):.0f} m (penalty {d['penalty']:.0f} m for "
                f"{100 * d['unassigned_share']:.1f} % with no station within {d['within']:.0f} m)")
    if plan.model == "p_center":
        return f"longest walk {plan.objective:.0f} m"
    if plan.model.endswith("attendance"):
        return f"attendance {100 * (d.get('attendance_share') or 0):.1f} % ({d['decay']['formula']})"
    return ""


def access_after_plan(res: RunResult) -> RunResult:
    """Add the accessibility after the plan: existing facilities plus the proposed stations.

    A proposed station's supply is ``access.new_supply`` when given, else 1 (``supply =
    "count"``) or its floor area (``supply = "floor_area_m2"``).
    """
    from siting.access import accessibility

    a = res.scenario.access
    prop = res.extras.get("proposed")
    if a is None or res.access is None or prop is None or not len(prop):
        return res
    fac = res.facilities
    add = gpd.GeoDataFrame({"fid": "proposed:" + prop["site_id"].astype(str), "category": prop["category"].to_numpy()},
                           geometry=prop.geometry.values, crs=prop.crs)
    if a.supply != "count":
        add[a.supply] = a.new_supply if a.new_supply is not None else prop["floor_area_m2"].to_numpy(dtype=float)
    elif a.new_supply is not None:
        logger.info("access: new_supply is ignored with supply = \"count\" (each station counts 1)")
    both = pd.concat([fac, add.to_crs(fac.crs) if len(fac) else add], ignore_index=True)
    both = gpd.GeoDataFrame(both, geometry="geometry", crs=res.network.crs)
    cats = [c for c in res.categories if c.key in set(res.access.categories["category"])]
    after = accessibility(res.network, res.coverage.residences, both, cats, speed_mps=res.scenario.speed_mps,
                          method=a.method, supply=a.supply, demand=a.demand, weights=a.weights, per=a.per,
                          target=a.target, max_snap=res.scenario.max_snap_m, demand_snap=res.extras["demand_snap"],
                          demand_owner=res.extras.get("demand_owner"))
    acc = res.access.with_after(after)
    return dataclasses.replace(res, access=acc, extras=access_extras(res.extras, acc))


def access_extras(extras: dict[str, Any], acc: Any) -> dict[str, Any]:
    """``extras`` with the accessibility tables and summary of ``acc`` (an AccessResult)."""
    out = dict(extras)
    tables = dict(out.get("tables", {}))
    tables["access"] = acc.categories
    tables["access_residences"] = acc.residences
    out["tables"] = tables
    out["summary"] = {**out.get("summary", {}), "access": acc.to_dict()}
    return out


def plan_run(
    res: RunResult, *, progress: bool = False, pairs: Callable[..., pd.DataFrame] | None = None
) -> RunResult:
    """Add the optimisation to a run (``scenario.optimize`` must be set).

    ``pairs`` replaces :func:`siting.network.reach.pairs_within` for the candidate reachability (same
    signature), e.g. ``siting.batch.pairs_within_distributed`` bound to a Dask client for one
    very large area.

    Returns a new :class:`RunResult` whose ``extras`` carry ``plans`` (category → Plan),
    ``proposed`` (GeoDataFrame of new stations), ``tables`` (``plan_coverage``,
    ``proposed_sites``, ``frontier_<key>``), ``layers`` and ``summary``.
    """
    cfg = res.scenario.optimize
    if cfg is None:
        return res
    t0 = time.perf_counter()
    prepared = res.extras.get("candidate_sites")  # from the pipeline, before the coverage stage
    cands, cand_snap = prepared if prepared is not None else prepare_candidates(
        res.scenario, res.network, res.facilities, res.categories, res.extras.get("input_candidates"))
    off = int((~cand_snap.reachable).sum())
    problems = {key: _problem(res, cfg, key, cands, cand_snap, progress, pairs or pairs_within) for key in cfg.categories}
    plans: dict[str, Plan] = {}
    if cfg.comprehensive and len(cfg.categories) > 1:
        targets = dict.fromkeys(cfg.categories, float(cfg.target)) if cfg.model == "target" and cfg.target is not None else None
        plan = solve_multi(
            problems, site_costs=_site_costs(cands, cfg), targets=targets,
            p=cfg.p if cfg.model == "max_cover" else None, budget=cfg.budget, colocate=[(c[0], c[1]) for c in cfg.colocate],
            solver=cfg.solver, time_limit=cfg.time_limit, gap=cfg.gap,
        )
        for key in cfg.categories:
            plans[key] = plan
    else:
        for key in cfg.categories:
            plans[key] = _solve(problems[key], cfg)
    rows, proposed = [], []
    r = res.coverage.residences
    pop = pd.Series(r["population"].to_numpy(dtype=float), index=r["rid"].astype(str))
    total = float(pop.sum())
    frontiers = {}
    cost_of = dict(zip(cands["site_id"].astype(str), cands["cost"].astype(float)))
    for key in cfg.categories:
        plan = plans[key]
        threshold = next(c for c in res.categories if c.key == key).metres(res.scenario.speed_mps)
        before = res.coverage.share(key)
        selected = _selected_for(plan, key)
        covered_before = set(r.loc[r[f"{key}_covered"], "rid"].astype(str))
        a = plan.assignment
        if "category" in a.columns:
            a = a[a["category"] == key]
        # covered after = assigned to a station within the category's threshold (the
        # location models' pairs may reach farther, up to optimize.max_distance)
        a = a[a["covered"].astype(bool) & (a["distance"].to_numpy(dtype=float) <= threshold + 1e-9)]
        served = (pop.reindex(a["demand_id"].astype(str)).to_numpy() * a["fraction"].to_numpy(dtype=float))
        after = float(np.nansum(served)) / total if total else np.nan
        new_rows = a[~a["demand_id"].astype(str).isin(covered_before) & a["site_id"].astype(str).isin(selected)]
        rows.append(
            {
                "category": key, "share_before": before, "share_after": after,
                "new_stations": len(selected), "cost": float(sum(cost_of.get(s, 0.0) for s in selected)),
                "status": plan.status, "objective": plan.objective, "bound": plan.bound, "gap": plan.gap,
                "solver": plan.solver, "solve_seconds": plan.solve_seconds, "message": plan.message,
                "model": plan.model, "detail": _detail(plan),
            }
        )
        for sid in selected:
            mine = new_rows[new_rows["site_id"].astype(str) == sid]
            newly = pop.reindex(mine["demand_id"].astype(str)).to_numpy() * mine["fraction"].to_numpy(dtype=float)
            proposed.append({"site_id": sid, "category": key, "newly_covered_population": float(np.nansum(newly)),
                             "newly_covered_residences": int(mine["demand_id"].nunique())})
        if cfg.frontier and cfg.model in LOCATION_MODELS:
            logger.info("optimize.frontier is drawn for the covering models only; skipped for %s", cfg.model)
        elif cfg.frontier:
            frontiers[key] = frontier(problems[key], cfg.frontier, solver=cfg.solver, time_limit=cfg.time_limit, gap=cfg.gap)
    table = pd.DataFrame(rows)
    prop = pd.DataFrame(proposed, columns=["site_id", "category", "newly_covered_population", "newly_covered_residences"])
    geo = cands.set_index("site_id")
    if "name" in geo.columns:  # the names of planned sites from a file (规划点位名称)
        prop.insert(1, "name", [str(geo.loc[s, "name"]) for s in prop["site_id"]])
    prop_gdf = gpd.GeoDataFrame(
        prop.assign(cost=[float(geo.loc[s, "cost"]) for s in prop["site_id"]],
                    floor_area_m2=[float(geo.loc[s, "floor_area_m2"]) for s in prop["site_id"]]),
        geometry=[geo.loc[s, "geometry"] for s in prop["site_id"]], crs=res.network.crs,
    )
    extras = dict(res.extras)
    extras["plans"] = plans
    extras["candidates"] = cands
    extras["proposed"] = prop_gdf
    tables = dict(extras.get("tables", {}))
    tables["plan_coverage"] = table
    tables["proposed_sites"] = pd.DataFrame(prop_gdf.drop(columns="geometry")).assign(
        lon=prop_gdf.geometry.to_crs(4326).x.round(7), lat=prop_gdf.geometry.to_crs(4326).y.round(7)
    )
    for key, fr in frontiers.items():
        tables[f"frontier_{key}"] = fr
    extras["tables"] = tables
    extras["frontiers"] = frontiers
    layers = dict(extras.get("layers", {}))
    layers["proposed_sites"] = prop_gdf
    extras["layers"] = layers
    extras["summary"] = {
        **extras.get("summary", {}),
        "optimization": {
            "config": cfg.model_dump(),
            "candidates": int(len(cands)),
            "candidates_off_network": off,
            "plans": {k: plans[k].to_dict() for k in cfg.categories},
            "coverage_before_after": table.replace({np.nan: None}).to_dict(orient="records"),
            "seconds": round(time.perf_counter() - t0, 3),
        }
    }
    return dataclasses.replace(res, extras=extras)


def _site_costs(cands: gpd.GeoDataFrame, cfg: OptimizeConfig) -> dict[str, float] | None:
    if cfg.site_cost is None:
        return None
    return {str(s): float(cfg.site_cost) for s in cands["site_id"]}


def _selected_for(plan: Plan, key: str) -> list[str]:
    if plan.categories and key in plan.categories:
        sel = plan.categories[key].get("selected", ())
        return [str(s) for s in sel]
    return [str(s) for s in plan.selected_sites]
