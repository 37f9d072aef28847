"""Where a polygon's residents enter the street network: one rule for ``siting run`` and ``siting check``.

A residential compound (小区) or a proposed development is a polygon; its residents walk out
through its gates. The access points of a polygon are, in this order:

1. its **entrances**, when given (points within :data:`ENTRANCE_TOLERANCE_M` of the polygon);
2. else the points where its **outline meets a street** (a street running along the outline
   counts by the middle of the shared stretch; points closer than 1 m are one);
3. else its **inside point** (``shapely.point_on_surface``), snapped to the nearest street.

A point residence is its own access point. Distances from a polygon are measured from its best
access point (the nearest facility through any gate; the walk inside the compound is not
counted), which is how :mod:`siting.coverage` and :mod:`siting.check` both use them.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from siting.network import Network

__all__ = ["ENTRANCE_TOLERANCE_M", "access_points", "assign_entrances", "boundary_points"]

#: An entrance farther than this from every polygon belongs to none (metres).
ENTRANCE_TOLERANCE_M = 50.0

_DEDUPE_M = 1.0
_POLYGONS = (3, 6)  # shapely type ids of Polygon and MultiPolygon


def _boundary_arrays(net: Network, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(points, owner) where the outlines of ``polygons`` meet the network's segments."""
    if len(polygons) == 0:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.int64)
    bnd = shapely.boundary(polygons)
    pi, ei = net._tree.query(bnd, predicate="intersects")
    if len(pi) == 0:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.int64)
    order = np.lexsort((ei, pi))
    pi, ei = pi[order], ei[order]
    inter = shapely.intersection(bnd[pi], net.edge_geometry[ei])
    parts, k = shapely.get_parts(inter, return_index=True)
    kind = shapely.get_type_id(parts)
    keep = ~shapely.is_empty(parts) & np.isin(kind, (0, 1, 2))
    parts, k, kind = parts[keep], k[keep], kind[keep]
    pts = parts.copy()
    line = kind != 0
    if line.any():
        pts[line] = shapely.line_interpolate_point(parts[line], 0.5, normalized=True)
    owner = pi[k]
    # one point per metre: a crossing at a node is found on each of its segments
    out_p: list[Any] = []
    out_o: list[int] = []
    start = 0
    while start < len(owner):
        end = start
        while end < len(owner) and owner[end] == owner[start]:
            end += 1
        kept: list[Any] = []
        for p in pts[start:end]:
            if all(p.distance(q) > _DEDUPE_M for q in kept):
                kept.append(p)
        out_p += kept
        out_o += [int(owner[start])] * len(kept)
        start = end
    arr = np.empty(len(out_p), dtype=object)
    arr[:] = out_p
    return arr, np.asarray(out_o, dtype=np.int64)


def boundary_points(net: Network, polygon: shapely.Geometry) -> list[shapely.Point]:
    """Where one polygon's outline meets the streets (network CRS), one point per metre."""
    pts, _ = _boundary_arrays(net, np.asarray([polygon], dtype=object))
    return list(pts)


def assign_entrances(entrances: Any, polygons: gpd.GeoSeries, *, tolerance: float = ENTRANCE_TOLERANCE_M) -> np.ndarray:
    """The polygon (index into ``polygons``) each entrance belongs to: the one it lies in, else
    the nearest within ``tolerance`` metres; -1 for none. Both in the same projected CRS."""
    pts = gpd.GeoSeries(entrances.geometry.values if hasattr(entrances, "geometry") else entrances, crs=polygons.crs)
    owner = np.full(len(pts), -1, dtype=np.int64)
    if len(pts) == 0 or len(polygons) == 0:
        return owner
    tree = shapely.STRtree(np.asarray(polygons.values, dtype=object))
    pi, gi = tree.query_nearest(np.asarray(pts.values, dtype=object), max_distance=tolerance, all_matches=False)
    owner[pi] = gi
    return owner


def access_points(
    net: Network,
    geometries: Any,
    *,
    entrances: Any = None,
    entrance_owner: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """The access points of residences (points or polygons) by the rule of this module.

    Parameters
    ----------
    net : Network
    geometries : GeoSeries or array of shapely geometries
        Residences in the network CRS: points (their own access point) or (Multi)Polygons.
    entrances : GeoSeries or array of Points, optional
        Entrances in the network CRS.
    entrance_owner : array of int, optional
        The residence (index into ``geometries``) of each entrance, -1 for none (see
        :func:`assign_entrances`).

    Returns
    -------
    GeoDataFrame
        One row per access point, in the network CRS: ``owner`` (index of the residence),
        ``kind`` (``point``, ``entrance``, ``boundary`` or ``interior``), sorted by owner.
    """
    geoms = np.asarray(geometries.values if hasattr(geometries, "values") else geometries, dtype=object)
    n = len(geoms)
    types = shapely.get_type_id(geoms)
    is_poly = np.isin(types, _POLYGONS)
    parts_g: list[np.ndarray] = []
    parts_o: list[np.ndarray] = []
    parts_k: list[np.ndarray] = []
    pt_idx = np.flatnonzero(~is_poly)
    if len(pt_idx):
        g = geoms[pt_idx]
        not_pt = shapely.get_type_id(g) != 0
        if not_pt.any():
            g = g.copy()
            g[not_pt] = shapely.point_on_surface(g[not_pt])
        parts_g.append(g)
        parts_o.append(pt_idx)
        parts_k.append(np.full(len(pt_idx), "point", dtype=object))
    has_ent = np.zeros(n, dtype=bool)
    if entrances is not None and entrance_owner is not None and len(entrance_owner):
        eg = np.asarray(entrances.values if hasattr(entrances, "values") else entrances, dtype=object)
        eo = np.asarray(entrance_owner, dtype=np.int64)
        ok = (eo >= 0) & (eo < n)
        ok[ok] &= is_poly[eo[ok]]
        has_ent[eo[ok]] = True
        parts_g.append(eg[ok])
        parts_o.append(eo[ok])
        parts_k.append(np.full(int(ok.sum()), "entrance", dtype=object))
    rest = np.flatnonzero(is_poly & ~has_ent)
    if len(rest):
        bp, bo = _boundary_arrays(net, geoms[rest])
        parts_g.append(bp)
        parts_o.append(rest[bo])
        parts_k.append(np.full(len(bp), "boundary", dtype=object))
        none = np.setdiff1d(rest, rest[bo]) if len(bo) else rest
        if len(none):
            parts_g.append(shapely.point_on_surface(geoms[none]))
            parts_o.append(none)
            parts_k.append(np.full(len(none), "interior", dtype=object))
    if parts_g:
        g = np.concatenate(parts_g)
        o = np.concatenate(parts_o).astype(np.int64)
        k = np.concatenate(parts_k)
    else:
        g, o, k = np.empty(0, dtype=object), np.zeros(0, dtype=np.int64), np.empty(0, dtype=object)
    order = np.argsort(o, kind="stable")
    return gpd.GeoDataFrame({"owner": o[order], "kind": k[order]}, geometry=gpd.GeoSeries(g[order], crs=net.crs).values,
                            crs=net.crs)
