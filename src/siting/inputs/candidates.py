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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siting.errors import InputError, Problems
from siting.inputs.readers import read_points
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
        raise InputError(f"candidates.spacing must be positive metres, got {spacing}")
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
    cost_column: str = "cost",
    floor_area_column: str = "floor_area_m2",
    categories_column: str = "categories",
    id_column: str | None = None,
    known_categories: Sequence[str] | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Candidate sites (points or parcels) from a GeoJSON, GeoPackage or CSV file.

    Parameters
    ----------
    path : str or Path
    to_crs : CRS-like
        The run's projected CRS.
    cost_column : str
        Build cost per site (≥ 0). Missing column = 1 per site (count stations).
    floor_area_column : str
        Floor area in m² (optional; gives capacity = area ÷ 30 × 100 households).
    categories_column : str
        Category keys the site may host, ``;``-separated (optional; empty = any).
    known_categories : sequence of str, optional
        Valid category keys; others are reported.
    """
    gdf = read_points(path, crs=crs, what="candidates")
    name = Path(path).name
    problems = Problems()
    if cost_column in gdf.columns:
        cost = pd.to_numeric(gdf[cost_column], errors="coerce")
        if cost.isna().any():
            problems.add(f"candidates file {name}: {int(cost.isna().sum())} rows have no {cost_column!r}: give every site a cost")
        if (cost < 0).any():
            problems.add(f"candidates file {name}: {int((cost < 0).sum())} rows have a negative {cost_column!r}: costs must be ≥ 0")
    else:
        cost = pd.Series(1.0, index=gdf.index)
    area = pd.to_numeric(gdf[floor_area_column], errors="coerce") if floor_area_column in gdf.columns else pd.Series(np.nan, index=gdf.index)
    if (area < 0).any():
        problems.add(f"candidates file {name}: negative {floor_area_column!r}: floor areas must be ≥ 0 m²")
    cats = gdf[categories_column].fillna("").astype(str) if categories_column in gdf.columns else pd.Series("", index=gdf.index)
    if known_categories is not None:
        seen = {c.strip() for v in cats for c in v.split(";") if c.strip()}
        unknown = sorted(seen - set(known_categories))
        if unknown:
            problems.add(f"candidates file {name}: unknown categories {unknown}: use {', '.join(known_categories)}")
    problems.raise_if_any()
    if id_column and id_column in gdf.columns:
        ids = gdf[id_column].astype(str).to_numpy()
    elif "id" in gdf.columns:
        ids = gdf["id"].astype(str).to_numpy()
    else:
        ids = np.array([f"c{i}" for i in range(len(gdf))], dtype=object)
    if len(set(ids)) != len(ids):
        raise InputError(f"candidates file {name}: site ids are not unique: give every site its own id")
    geom = gdf.geometry
    pts = geom if (geom.geom_type == "Point").all() else geom.representative_point()
    return gpd.GeoDataFrame(
        {
            "site_id": ids,
            "cost": cost.to_numpy(dtype=float),
            "floor_area_m2": area.to_numpy(dtype=float),
            "categories": cats.to_numpy(),
            "source": name,
        },
        geometry=pts.to_crs(to_crs).values,
        crs=to_crs,
    )


def hosts(candidates: gpd.GeoDataFrame, category: str) -> np.ndarray:
    """Boolean mask: which candidates may host ``category`` (empty list = any)."""
    cats = candidates["categories"].fillna("").astype(str)
    return np.array([(not v.strip()) or category in {c.strip() for c in v.split(";")} for v in cats], dtype=bool)
