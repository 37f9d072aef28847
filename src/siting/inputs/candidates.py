"""Candidate sites for new service stations: from a file, or generated on the street network.

Generated candidates are network nodes thinned to one per ``spacing × spacing`` metre cell (the
node nearest each cell's centre), optionally kept at least ``min_distance`` metres (straight
line) away from existing facilities, and optionally restricted to land-use polygons.

Every candidate has ``site_id`` (string), ``cost`` (≥ 0, any currency or 1 per station),
``floor_area_m2`` (may be NaN), ``categories`` (the category keys it may host, as a
``;``-separated string; empty = any) and a point geometry in the network CRS.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siting.errors import InputError, Msg, Problems
from siting.inputs.readers import ReadOptions, flag_far, flag_ids, left_out, load_rows
from siting.inputs.rows import RejectedRows
from siting.inputs.tables import find_column, parse_numbers
from siting.network import Network

__all__ = ["candidates_from_file", "generate_candidates", "hosts"]

logger = logging.getLogger(__name__)


def generate_candidates(
    net: Network,
    *,
    spacing: float = 100.0,
    cost: float = 1.0,
    floor_area_m2: float | None = None,
    existing: gpd.GeoDataFrame | None = None,
    min_distance: float = 0.0,
    within: Any = None,
    categories: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Candidate sites from the network's nodes, thinned to one per ``spacing`` metres.

    Parameters
    ----------
    net : Network
    spacing : float
        Cell size in metres; the node nearest each occupied cell's centre is kept.
    cost : float
        Cost of each generated candidate (1.0 = count stations).
    floor_area_m2 : float, optional
        Floor area of a station built there, m² (sets capacity in the capacitated model).
    existing : GeoDataFrame, optional
        Existing facilities (network CRS); candidates closer than ``min_distance`` are dropped.
    min_distance : float
        Metres (straight line) to keep away from ``existing``.
    within : GeoDataFrame or shapely geometry, optional
        Keep only candidates inside these polygons (e.g. land-use parcels), network CRS.
    categories : sequence of str
        Categories every generated candidate may host (empty = any).
    """
    if spacing <= 0:
        raise InputError(Msg("candidates.spacing must be positive metres, got {spacing}", spacing=spacing))
    x, y = net.x, net.y
    cx = np.floor((x - x.min()) / spacing)
    cy = np.floor((y - y.min()) / spacing)
    centre_x = x.min() + (cx + 0.5) * spacing
    centre_y = y.min() + (cy + 0.5) * spacing
    d2 = (x - centre_x) ** 2 + (y - centre_y) ** 2
    frame = pd.DataFrame({"cx": cx, "cy": cy, "d2": d2, "node": np.arange(net.n_nodes)})
    keep = np.sort(frame.sort_values("d2").drop_duplicates(["cx", "cy"])["node"].to_numpy())
    n0 = len(keep)
    if existing is not None and len(existing) and min_distance > 0:
        ex = existing.to_crs(net.crs).geometry
        tree = cKDTree(np.c_[ex.x.to_numpy(), ex.y.to_numpy()])
        dist, _ = tree.query(np.c_[x[keep], y[keep]])
        keep = keep[dist >= min_distance]
    gdf = gpd.GeoDataFrame(
        {
            "site_id": [f"n{int(net.node_ids[k])}" for k in keep],
            "cost": float(cost),
            "floor_area_m2": np.nan if floor_area_m2 is None else float(floor_area_m2),
            "categories": ";".join(categories),
            "source": "generated",
        },
        geometry=gpd.points_from_xy(x[keep], y[keep]),
        crs=net.crs,
    )
    if within is not None:
        area = within.to_crs(net.crs).geometry.union_all() if hasattr(within, "to_crs") else within
        gdf = gdf[gdf.within(area)].reset_index(drop=True)
    logger.info(
        "candidates: %d generated from %d nodes at %.0f m spacing (%d before distance/land-use filters)",
        len(gdf), net.n_nodes, spacing, n0,
    )
    return gdf


def candidates_from_file(
    path: str | Path,
    *,
    to_crs: Any,
    cost_column: str | None = None,
    floor_area_column: str | None = None,
    categories_column: str | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    known_categories: Sequence[str] | None = None,
    crs: Any = None,
    options: ReadOptions | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    rejected: RejectedRows | None = None,
) -> gpd.GeoDataFrame:
    """Candidate sites (points or parcels) from a table (CSV, ``.xlsx``) or GIS file.

    Rows with bad coordinates, a cost or floor area that is negative or not a number, an
    unknown category or a repeated id are dropped and reported (:mod:`siting.inputs.rows`).

    Parameters
    ----------
    path : str or Path
    to_crs : CRS-like
        The run's projected CRS.
    cost_column : str, optional
        Build cost per site (≥ 0; default ``cost`` / 成本 / 造价). No column = 1 per site (count
        stations); an empty cell is a bad row.
    floor_area_column : str, optional
        Floor area in m² (default ``floor_area_m2`` / 建筑面积; gives capacity = area ÷ 30 × 100
        households); may be empty.
    categories_column : str, optional
        Category keys the site may host, ``;``-separated (default ``categories`` / 可设类别;
        empty = any).
    id_column, name_column : str, optional
        Id and name columns (``id`` / 编号, ``name`` / 名称).
    known_categories : sequence of str, optional
        Valid category keys; rows naming others are dropped.
    crs, options, bounds, rejected
        As for :func:`siting.inputs.demand.demand_from_file`.
    """
    opts = options or ReadOptions()
    if crs is not None:
        opts = ReadOptions(**{**opts.__dict__, "crs": crs})
    gdf, check = load_rows(path, opts, what="candidates")
    name = check.name
    cols = [c for c in gdf.columns if c not in (gdf.geometry.name, "_row")]
    dec = gdf.attrs.get("decimal", ".")
    n = len(gdf)
    problems = Problems()
    found = {}
    for key, given, kind in (("cost_column", cost_column, "cost"), ("floor_area_column", floor_area_column, "floor_area_m2"),
                             ("categories_column", categories_column, "categories"), ("name_column", name_column, "name")):
        found[kind] = find_column(cols, given, kind)
        if given is not None and found[kind] is None:
            problems.add(Msg("candidates file {name} has no column {given!r} (columns: {v1}): set optimize.candidates.{key}",
                             name=name,
                             given=given,
                             v1=', '.join(map(str, cols)),
                             key=key))
    problems.raise_if_any()
    cost_c, area_c, cats_c = found["cost"], found["floor_area_m2"], found["categories"]
    if cost_c is not None:
        cost, bad = parse_numbers(gdf[cost_c], decimal=dec)
        check.flag(bad, "not_number", cost_c)
        check.flag(~np.isfinite(cost) & ~bad, "missing_value", cost_c)
        with np.errstate(invalid="ignore"):
            check.flag(cost < 0, "negative", cost_c)
    else:
        cost = np.ones(n)
    if area_c is not None:
        area, bad = parse_numbers(gdf[area_c], decimal=dec)
        check.flag(bad, "not_number", area_c)
        with np.errstate(invalid="ignore"):
            check.flag(area < 0, "negative", area_c)
    else:
        area = np.full(n, np.nan)
    cats = pd.Series("", index=gdf.index)
    if cats_c is not None:
        # keys or names (社区卫生服务站), separated by ; 、 ， or ,
        from siting.standards import load_categories

        lookup: dict[str, str] = {}
        for c in load_categories().values():
            for lab in (c.key, c.name_zh, c.name_en, c.name_en.lower()):
                lookup[str(lab)] = c.key
        tokens = [[t.strip() for t in re.split(r"[;；、，,]", v) if t.strip()] for v in gdf[cats_c].fillna("").astype(str)]
        known = set(known_categories) if known_categories is not None else set(lookup.values())
        keys = [[lookup.get(t, lookup.get(t.lower(), t)) for t in row] for row in tokens]
        bad_cat = np.array([next((t for t, k in zip(row, ks) if k not in known), "") for row, ks in zip(tokens, keys)], dtype=object)
        check.flag(bad_cat != "", "unknown_category", cats_c, bad_cat)
        cats = pd.Series([";".join(ks) for ks in keys], index=gdf.index)
    if id_column is None and find_column(cols, None, "id") is None:
        ids = np.array([f"c{r}" for r in gdf["_row"]], dtype=object)
    else:
        ids = flag_ids(check, gdf, id_column, "candidates")
    pts, outside = flag_far(check, gdf, bounds, to_crs)
    good = check.finish(rejected, hint=Msg("check the cost, floor area and categories columns (optimize.candidates.*_column)"))
    left_out(outside, good, "candidates", name)
    idx = np.flatnonzero(good & ~outside)
    name_c = found["name"]
    return gpd.GeoDataFrame(
        {
            "site_id": ids[idx],
            "name": gdf[name_c].iloc[idx].fillna("").astype(str).to_numpy() if name_c is not None else "",
            "cost": cost[idx].astype(float),
            "floor_area_m2": area[idx].astype(float),
            "categories": cats.to_numpy()[idx],
            "source": Path(path).name,
        },
        geometry=gpd.GeoSeries(np.asarray(pts.values, dtype=object)[idx], crs=pts.crs).values,
        crs=pts.crs,
    )


def hosts(candidates: gpd.GeoDataFrame, category: str) -> np.ndarray:
    """Boolean mask: which candidates may host ``category`` (empty list = any)."""
    cats = candidates["categories"].fillna("").astype(str)
    return np.array([(not v.strip()) or category in {c.strip() for c in v.split(";")} for v in cats], dtype=bool)
