"""The development check: does a proposed residential development meet the life-circle standards?

Land-use teams receive proposals for new housing and must check, before approval, that the
future residents reach the required services within the standard walking times, and how much
service floor area the development must provide itself. A proposal is a polygon with its
households (or population), optional planned service floor areas per category
(``planned_<category>_m2``) and optional entrances (points). The surrounding area is a scenario
(network, residents, facilities, categories); it is measured once (:func:`prepare_check`) and
any number of proposals are checked against it (:func:`check_development`).

For every category of the scenario, :func:`check_development` reports lines with a status
(``pass``, ``fail``, ``not_assessable``) and the numbers behind it:

``distance``
    Walking distance (metres, snap distances included) and time from the development's access
    points to the nearest existing facility, against the category threshold. Access points are
    the entrances given, else the points where the polygon's boundary meets a street, else the
    polygon's interior point snapped to the nearest street. With ``rule="any"`` (default) the
    best access point counts (residents use whichever gate is nearer; the walk inside the
    development is not counted); with ``rule="all"`` every access point must be within reach.
``capacity``
    The development's households added to the catchment of the facility that would serve it
    (the residences whose nearest facility of the category it is, from the coverage run of the
    scenario's residents): does the catchment still have at least 30 m² of floor area per 100
    households (十四五城乡社区服务体系建设规划, indicator ``facility_area_per_100_households``)?
    Assessed only where the facility's ``floor_area_m2`` is known; ``not_assessable`` otherwise.
    The national indicator is set for community comprehensive service facilities; siting
    applies the same rate to every station, as the capacitated optimizer does.
``provision``
    The floor area the development must provide itself: nothing when an existing facility is in
    reach and not over capacity; its own share (30 m² per 100 households) when the serving
    facility would be over capacity; otherwise one facility of at least the category's area norm
    (catalog ``area_norm_m2``) and its own share. A ``planned_<category>_m2`` at least that large
    passes (and makes the distance line pass: the facility is inside the development).
``community_area``
    The community service floor area of the development, 30 m² per 100 households, against
    ``planned_community_service_m2`` (undeclared counts as 0 m²).

Then one line per rule of the scenario's standard (``[[rules]]`` of the catalog and of every
catalog it extends, those for the scenario's ``area_type``), each with its document and clause:

``planned_area``
    ``planned_<category>_m2`` against the rule's value (晋中: a new urban community's facility
    ≥500 m²; 吉林: a village facility building ≥200 m²). Undeclared fails.
``property``
    An area of the whole development (``outdoor_activity_m2``, …) against the value (吉林: the
    village facility's outdoor activity place ≥1000 m²). Undeclared fails.
``floor_share``
    (``commercial_floor_area_m2`` + every ``planned_<category>_m2``) ÷ ``total_floor_area_m2``
    against the share (晋中: more than 10 %). Not assessable without the total.
``provision``
    One line per category (烟台 四同步: elderly care and infant care with new housing): passes when
    the development plans one, or when the distance line passes with an existing facility whose
    capacity line passes; not assessable when that facility's floor area is unknown.

Every line carries the citations of the figures it is judged against (:attr:`CheckLine.cite`).

Failing lines get remedies: new stations near the development that bring every access point
within the threshold (the fewest, then the nearest; target covering of :mod:`siting.optimize`
with the access points as demand and the network nodes within reach as candidates), and the
planned floor area that would pass.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
from collections.abc import Sequence
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely

from siting.check.result import COMMUNITY, ENTRANCE_TOLERANCE_M, RATE_SOURCE, SEARCH_FACTOR, CheckLine, CheckResult, Status
from siting.check.rules import add_planned_remedy, area_cite, rate_of, rule_lines, rule_remedies, scenario_standard, threshold_cite
from siting.errors import InputError, Msg, Problems, ScenarioError, SitingError
from siting.inputs import Development, access_points, find_column
from siting.network import Network, Snap, nearest, pairs_within
from siting.network.service_area import node_distances, service_area_lines
from siting.optimize import CoverageProblem, solve_target
from siting.pipeline import run_scenario
from siting.results import RunResult
from siting.scenario import Scenario
from siting.standards import Category, Rule, load_categories

__all__ = ["check_development", "prepare_check"]

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------
# the surrounding area
# ------------------------------------------------------------------------------------------------
def prepare_check(sc: Scenario, *, report: Any = None, progress: bool = False) -> RunResult:
    """Measure the scenario's surroundings once: network, residents, facilities, coverage.

    The scenario's ``[optimize]`` section is ignored (a check needs coverage only).

    Parameters
    ----------
    sc : Scenario
        From :func:`siting.scenario.load_scenario`.
    report : callable, optional
        Called with one line per finished stage.
    """
    if sc.optimize is not None:
        sc = sc.model_copy(update={"optimize": None})
    return run_scenario(sc, report=report, progress=progress)


# ------------------------------------------------------------------------------------------------
# validation against the scenario
# ------------------------------------------------------------------------------------------------
def _network_hull(net: Network) -> shapely.Geometry:
    return shapely.convex_hull(shapely.multipoints(np.column_stack([net.x, net.y])))


def _validate(dev: Development, run: RunResult, rules: Sequence[Rule] = ()) -> tuple[gpd.GeoDataFrame, float, float, list[str]]:
    """The polygon in the network CRS, households and population; every problem at once."""
    sc = run.scenario
    net = run.network
    problems = Problems(f"proposal {dev.name}")
    notes: list[str] = []
    geom = dev.polygon.geometry.iloc[0]
    poly = None
    if geom is None or geom.is_empty:
        problems.add(Msg("the polygon is empty: draw the development's outline"))
    elif not geom.is_valid:
        problems.add(
            Msg("the polygon is invalid ({v1}): repair it, e.g. QGIS 'Fix geometries' or shapely.make_valid, and "
                "check that its outline does not cross itself",
                v1=shapely.is_valid_reason(geom))
        )
    else:
        poly = dev.polygon.to_crs(net.crs)
        g = poly.geometry.iloc[0]
        if g.area <= 0:
            problems.add(Msg("the polygon has no area: draw the development's outline"))
        hull = _network_hull(net)
        gap = float(g.distance(hull))
        if gap > sc.max_snap_m:
            hint = ""
            if dev.polygon.crs is not None and dev.polygon.crs.is_geographic:
                c = shapely.get_coordinates(dev.polygon.to_crs(4326).geometry.values)
                swapped = gpd.GeoSeries(gpd.points_from_xy(c[:, 1], c[:, 0]), crs=4326)
                if (np.abs(c[:, 0]) <= 90).all():
                    sw = swapped.to_crs(net.crs)
                    if bool(sw.within(hull.buffer(sc.max_snap_m)).any()):
                        hint = Msg("; longitude and latitude look swapped: swap them")
            problems.add(
                Msg("the polygon lies {v1:.1f} km outside the network area of scenario {name!r}: check that it is in the "
                    "same place and that its CRS is right{hint}",
                    v1=gap / 1000,
                    name=sc.name,
                    hint=hint)
            )
        elif not g.within(hull):
            notes.append("part of the development lies outside the network area: facilities beyond it are not counted")
    hh, pop = dev.households, dev.population
    size = sc.demand.household_size
    for what, v in (("households", hh), ("population", pop)):
        if v is not None and (not math.isfinite(v) or v < 0):
            problems.add(Msg("{what} = {v!r} must be a number >= 0: fix the {what} property", what=what, v=v))
    if hh is None and pop is None:
        problems.add(Msg("households are missing: add a 'households' (or 'population') property to the polygon"))
    for k, v in dev.areas.items():
        if not math.isfinite(v) or v < 0:
            problems.add(Msg("{k} = {v!r} must be an area >= 0 in m²: fix the {k} property", k=k, v=v))
    total = dev.areas.get("total_floor_area_m2")
    if total is not None and math.isfinite(total) and total >= 0:
        inside = dev.areas.get("commercial_floor_area_m2", 0.0) + sum(v for v in dev.planned.values() if math.isfinite(v))
        if total == 0:
            problems.add(Msg("total_floor_area_m2 = 0: give the development's total floor area in m² (总建筑面积)"))
        elif inside > total + 1e-9:
            problems.add(
                Msg("commercial_floor_area_m2 and the planned_<category>_m2 add up to {inside:,.0f} m², more than "
                    "total_floor_area_m2 = {total:,.0f} m²: check the areas (the total includes them)",
                    inside=inside,
                    total=total)
            )
    if dev.planned:
        keys = {c.key for c in run.categories} | {COMMUNITY}
        keys |= {c for r in rules for c in [r.category, *r.categories] if c}
        table = load_categories()
        for k, v in dev.planned.items():
            if k not in keys:
                close = difflib.get_close_matches(k, sorted(keys), n=3)
                where = (Msg("standard {standard!r} at level {level!r}", standard=sc.standard, level=sc.level) if sc.level
                         else Msg("standard {standard!r}", standard=sc.standard)) if sc.standard \
                    else Msg("the scenario's categories")
                what = Msg("is a category the scenario does not use") if k in table else Msg("is not a known category")
                mean = Msg("; did you mean {close}?", close=", ".join(close)) if close else ""
                problems.add(Msg("planned_{k}_m2: {k!r} {what} ({where}: {keys}){mean}: rename the column or add the category to "
                                 "the scenario", k=k, what=what, where=where, keys=", ".join(sorted(keys)), mean=mean))
            elif not math.isfinite(v) or v < 0:
                problems.add(Msg("planned_{k}_m2 = {v!r} must be a floor area >= 0 in m²", k=k, v=v))
    problems.raise_if_any()
    if hh is None:
        assert pop is not None  # both missing was reported above
        hh = pop / size
        notes.append(f"households estimated as population ÷ {size:g} (scenario household size)")
    if pop is None:
        pop = hh * size
    return poly, float(hh), float(pop), notes


# ------------------------------------------------------------------------------------------------
# access points
# ------------------------------------------------------------------------------------------------
def _access_points(dev: Development, poly: gpd.GeoDataFrame, net: Network, max_snap: float) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """The development's access points by the rule shared with ``siting run``
    (:func:`siting.inputs.access_points`: entrances, else outline-street crossings, else an inside point)."""
    g = poly.geometry.iloc[0]
    notes: list[str] = []
    problems = Problems(f"proposal {dev.name}")
    ent = None
    if dev.entrances is not None and len(dev.entrances):
        ent = dev.entrances.to_crs(net.crs)
        for i, p in enumerate(ent.geometry):
            d = float(p.distance(g))
            if d > ENTRANCE_TOLERANCE_M:
                problems.add(
                    Msg("entrance {v1} lies {d:.0f} m from the development polygon (more than {ENTRANCE_TOLERANCE_M:.0f} m): "
                        "check its coordinates and CRS",
                        v1=i + 1,
                        d=d,
                        ENTRANCE_TOLERANCE_M=ENTRANCE_TOLERANCE_M)
                )
        problems.raise_if_any()
    acc = access_points(net, [g], entrances=None if ent is None else ent.geometry,
                        entrance_owner=None if ent is None else np.zeros(len(ent), dtype=np.int64))
    kind = str(acc["kind"].iloc[0])
    if kind == "entrance":
        kind = "entrances"
        name_c = find_column([c for c in ent.columns if c != ent.geometry.name], None, "name") if ent is not None else None
        labels = [str(v) for v in ent[name_c]] if ent is not None and name_c is not None else [
            f"entrance {i + 1}" for i in range(len(acc))]
    else:
        if kind == "interior":
            notes.append("no entrances given and no street crosses the outline: measured from a point inside the polygon")
        labels = [f"{kind} {i + 1}" for i in range(len(acc))]
    acc = gpd.GeoDataFrame({"label": labels, "kind": kind}, geometry=acc.geometry.values, crs=net.crs)
    snap = net.snap(acc, max_snap)
    acc["snap_m"] = snap.perp
    acc["reachable"] = snap.reachable
    if not snap.reachable.any():
        raise ScenarioError(
            [Msg("no access point of the development is within {max_snap:.0f} m of a street (nearest {v1:.0f} m): "
                 "give entrances next to the streets, or check the polygon's place",
                 max_snap=max_snap,
                 v1=float(snap.perp.min()),)],
            f"proposal {dev.name}",
        )
    off = int((~snap.reachable).sum())
    if off:
        notes.append(f"{off} of {len(acc)} access points are more than {max_snap:.0f} m from every street and are ignored")
    return acc, kind, notes


# ------------------------------------------------------------------------------------------------
# the checks
# ------------------------------------------------------------------------------------------------
def _r(v: float | None, nd: int = 1) -> float | None:
    if v is None or not np.isfinite(v):
        return None
    return round(float(v), nd)


def check_development(
    dev: Development,
    run: RunResult,
    *,
    rule: Literal["any", "all"] = "any",
    remedy: bool = True,
    community_area: bool = True,
    solver: str = "cbc",
    time_limit: float = 30.0,
) -> CheckResult:
    """Check one development against the surroundings measured by :func:`prepare_check`.

    Parameters
    ----------
    dev : Development
        From :func:`read_development`.
    run : RunResult
        The scenario's coverage run (network, residents, facilities, catchments).
    rule : {"any", "all"}
        Distance from the best access point (``"any"``) or from every one (``"all"``).
    remedy : bool
        Search new stations for failing distances (one small integer program per category).
    community_area : bool
        Add the community service floor-area line (30 m² per 100 households).
    solver, time_limit : str, float
        For the remedy search (seconds).

    Returns
    -------
    CheckResult

    Raises
    ------
    ScenarioError
        Every problem with the proposal at once: invalid, empty or misplaced polygon, households
        missing or negative, a planned category the scenario does not define, entrances away from
        the polygon or from every street.
    """
    if rule not in ("any", "all"):
        raise InputError(Msg("rule = {rule!r}: use 'any' (best access point) or 'all' (every access point)", rule=rule))
    sc = run.scenario
    net = run.network
    speed = sc.speed_mps
    std = scenario_standard(sc)
    rules = [r for r in std.rules if r.applies(sc.area_type)] if std is not None else []
    poly, hh, pop, notes = _validate(dev, run, rules)
    acc, kind, more = _access_points(dev, poly, net, sc.max_snap_m)
    notes += more
    asnap = net.snap(acc, sc.max_snap_m)
    rate, rate_cite = rate_of(std)
    rate_c = (rate_cite,) if rate_cite is not None else ()
    lines: list[CheckLine] = []
    remedies: list[dict[str, Any]] = []
    res = run.coverage.residences
    fac_all = run.facilities
    for cat in run.categories:
        limit = cat.metres(speed)
        fac = fac_all[fac_all["category"] == cat.key].reset_index(drop=True) if len(fac_all) else fac_all
        fsnap: Snap = run.coverage.facility_snap[cat.key]
        near = nearest(net, fsnap, asnap, limit=limit * SEARCH_FACTOR)
        d = np.where(asnap.reachable, near.distance, np.nan)
        ok = np.flatnonzero(asnap.reachable)
        best = int(ok[np.argmin(near.distance[ok])])
        d_best = float(near.distance[best])
        d_rule = d_best if rule == "any" else float(np.max(near.distance[ok]))
        planned = dev.planned.get(cat.key)
        own_share = rate * hh / 100.0
        fid = name = None
        floor = None
        if near.source[best] >= 0:
            row = fac.iloc[int(near.source[best])]
            fid, name = str(row["fid"]), str(row.get("name", "") or "")
            if "floor_area_m2" in fac.columns and np.isfinite(float(row["floor_area_m2"])):
                floor = float(row["floor_area_m2"])
        served = d_rule <= limit
        t_cite = threshold_cite(cat, std, sc.level)
        a_cite = area_cite(cat, std, sc.level)
        base = {
            "threshold": cat.threshold, "threshold_m": _r(limit), "distance_m": _r(d_rule),
            "minutes": _r(d_rule / speed / 60.0), "search_limit_m": _r(limit * SEARCH_FACTOR),
            "facility_id": fid, "facility_name": name, "access_point": str(acc["label"].iloc[best]),
            "per_access_point_m": [_r(x) for x in d],
        }
        # capacity of the facility that would serve the development
        cap_status: Status | None = None
        cap_line = None
        if served:
            catch = res[f"{cat.key}_fid"].astype(str) == fid
            catch_hh = float(np.nansum(res.loc[catch, "households"].to_numpy(dtype=float)))
            nums = {"facility_id": fid, "facility_name": name, "floor_area_m2": floor,
                    "catchment_residences": int(catch.sum()), "catchment_households": _r(catch_hh),
                    "development_households": _r(hh), "norm_m2_per_100_households": rate}
            if floor is None:
                cap_status, reason = "not_assessable", "floor_area_unknown"
            else:
                before = floor / catch_hh * 100.0 if catch_hh > 0 else None
                after = floor / (catch_hh + hh) * 100.0 if catch_hh + hh > 0 else math.inf
                nums.update({"m2_per_100_households_before": _r(before, 2),
                             "m2_per_100_households_after": _r(after, 2),
                             "shortfall_m2": _r(max(0.0, rate * (catch_hh + hh) / 100.0 - floor))})
                cap_status = "pass" if after >= rate - 1e-9 else "fail"
                reason = "meets_area_norm" if cap_status == "pass" else (
                    "over_capacity" if before is None or before >= rate - 1e-9 else "over_capacity_already")
            cap_line = CheckLine(cat.key, "capacity", cap_status, reason, nums, cite=rate_c)
        # the floor area the development must provide itself
        if cat.key == COMMUNITY and community_area:
            required = own_share
        elif served and cap_status != "fail":
            required = 0.0
        elif served:
            required = own_share
        else:
            required = max(float(cat.area_norm_m2 or 0.0), own_share)
        resolved = planned is not None and planned > 0 and planned >= required - 1e-9 and (required > 0 or not served)
        d_cite = (t_cite,) if t_cite is not None else ()
        if served:
            dist_line = CheckLine(cat.key, "distance", "pass", "within_threshold", base, cite=d_cite)
        elif resolved:
            dist_line = CheckLine(cat.key, "distance", "pass", "planned_in_development", {**base, "planned_m2": planned},
                                  cite=d_cite)
        else:
            why = "too_far" if np.isfinite(d_rule) else "none_within_search"
            dist_line = CheckLine(cat.key, "distance", "fail", why, base, cite=d_cite)
        lines.append(dist_line)
        if cap_line is not None:
            if cap_line.status == "fail" and resolved:
                cap_line = dataclasses.replace(cap_line, status="pass", reason="planned_in_development",
                                               numbers={**cap_line.numbers, "planned_m2": planned})
            lines.append(cap_line)
        if required > 0 and not (cat.key == COMMUNITY and community_area):
            prov_ok = planned is not None and planned >= required - 1e-9
            lines.append(CheckLine(cat.key, "provision", "pass" if prov_ok else "fail",
                                   "planned_enough" if prov_ok else ("planned_too_small" if planned else "not_planned"),
                                   {"required_m2": _r(required), "planned_m2": planned, "area_norm_m2": cat.area_norm_m2,
                                    "own_share_m2": _r(own_share), "why": "no_facility_in_reach" if not served else "over_capacity"},
                                   cite=tuple(c for c in (a_cite if not served else None, rate_cite) if c is not None)))
        # remedies
        if dist_line.status == "fail":
            rem = {"category": cat.key, "kind": "planned_area", "planned_m2": _r(required)}
            remedies.append(rem)
            if remedy:
                remedies.append(_new_stations(net, asnap, acc, poly.geometry.iloc[0], cat, limit, sc.max_snap_m,
                                              solver=solver, time_limit=time_limit))
        elif cap_line is not None and cap_line.status == "fail":
            remedies.append({"category": cat.key, "kind": "planned_area", "planned_m2": _r(own_share)})
            remedies.append({"category": cat.key, "kind": "enlarge_facility", "facility_id": fid,
                             "facility_name": name, "extra_m2": cap_line.numbers.get("shortfall_m2")})
    if community_area:
        required = rate * hh / 100.0
        planned = dev.planned.get(COMMUNITY)
        ok_ = planned is not None and planned >= required - 1e-9
        lines.append(CheckLine(COMMUNITY, "community_area", "pass" if ok_ else "fail",
                               "planned_enough" if ok_ else ("planned_too_small" if planned else "not_planned"),
                               {"required_m2": _r(required), "planned_m2": planned, "households": _r(hh),
                                "norm_m2_per_100_households": rate,
                                "source": rate_cite.document if rate_cite is not None else RATE_SOURCE[0]},
                               cite=rate_c))
        if not ok_:
            add_planned_remedy(remedies, COMMUNITY, _r(required))
    for r in rules:
        new = rule_lines(r, dev, lines, run)
        lines.extend(new)
        for ln in new:
            rule_remedies(ln, remedies)
    limits = sorted({c.metres(speed) for c in run.categories})
    # the streets reached from the development (on a directed network: driving out of it)
    catch = {lim: service_area_lines(net, asnap, lim, simplify=1.0, direction="from_sources") for lim in limits}
    logger.info("check %s: %d lines, %d fail", dev.name, len(lines), sum(ln.status == "fail" for ln in lines))
    return CheckResult(
        development=dev, scenario=sc, households=hh, population=pop, lines=lines, remedies=remedies,
        access=acc, access_kind=kind, polygon=poly, catchments=catch, categories=list(run.categories),
        facilities=fac_all, rate_m2_per_100_households=rate, rule=rule, notes=notes, standard=std,
    )


def _new_stations(
    net: Network, asnap: Snap, acc: gpd.GeoDataFrame, polygon: shapely.Geometry, cat: Category, limit: float,
    max_snap: float, *, solver: str, time_limit: float,
) -> dict[str, Any]:
    """The fewest new stations (then the nearest to the development) that bring every access
    point within ``limit`` metres: target covering (:func:`siting.optimize.solve_target`,
    target 1) with the access points as demand and the network nodes within ``limit`` of an
    access point as candidates."""
    ok = np.flatnonzero(asnap.reachable)
    sub = asnap.subset(ok)
    ids = np.array([f"a{i}" for i in ok], dtype=object)
    dn = node_distances(net, sub, limit, direction="from_sources")  # nodes the residents reach (one-way kept)
    nodes = np.flatnonzero(dn <= limit)
    out: dict[str, Any] = {"category": cat.key, "kind": "new_stations", "sites": [], "status": "none", "message": ""}
    if len(nodes) == 0:
        out["message"] = "no street node lies within the threshold of the development"
        return out
    pts = gpd.GeoSeries(gpd.points_from_xy(net.x[nodes], net.y[nodes]), crs=net.crs)
    csnap = net.snap(pts, max_snap)
    pairs = pairs_within(net, csnap, sub, limit)
    site_ids = np.array([f"node:{net.node_ids[n]}" for n in nodes], dtype=object)
    away = pts.distance(polygon).to_numpy()
    costs = 1.0 + 0.5 * away / (away.max() + 1.0) / max(len(ok), 1)
    problem = CoverageProblem.from_pairs(
        ids, np.ones(len(ok)), site_ids, costs, ids[pairs["target"].to_numpy()],
        site_ids[pairs["source"].to_numpy()], pairs["metres"].to_numpy(), limit,
    )
    try:
        plan = solve_target(problem, 1.0, minimize="cost", on_unreachable="max", solver=solver, time_limit=time_limit)
    except SitingError as exc:  # a missing solver must not stop the check
        out["message"] = str(exc)
        return out
    where = {s: k for k, s in enumerate(site_ids)}
    ll = pts.to_crs(4326)
    a = plan.assignment
    for s in plan.selected_sites:
        k = where[s]
        mine = a[(a["site_id"].astype(str) == s) & a["covered"].astype(bool)]
        served_ids = {int(str(x)[1:]) for x in mine["demand_id"]}
        out["sites"].append({
            "site_id": s, "lon": round(float(ll.x.iloc[k]), 7), "lat": round(float(ll.y.iloc[k]), 7),
            "x": float(pts.x.iloc[k]), "y": float(pts.y.iloc[k]),
            "from_development_m": _r(float(away[k])),
            "access_points": [str(acc["label"].iloc[i]) for i in sorted(served_ids)],
            "nearest_access_m": _r(float(mine["distance"].min())) if len(mine) else None,
        })
    out.update({"status": plan.status, "message": plan.message, "covered_access_points": int(round(plan.covered_weight)),
                "access_points": int(len(ok)), "candidates": int(len(nodes)), "threshold_m": _r(limit), "solver": plan.solver})
    return out


