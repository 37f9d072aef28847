"""Optional layers of the map's payload: compounds as polygons with names, and accessibility (2SFCA).

Compounds: the interface with the inputs is a ``footprint`` column of polygons (run CRS) in
``res.demand`` (:mod:`siting.inputs.demand`), or polygonal demand geometry, and a ``name``
column. Accessibility: :class:`siting.access.AccessResult`, one layer per category, its values
after the plan beside (the page's now / with-plan switch picks them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from siting.outputs.encode import pack, pack_int

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = ["ACCESS_COLOURS", "access_payload", "footprints", "pack_polygons"]


def footprints(res: RunResult) -> tuple[gpd.GeoSeries | None, list[str] | None]:
    """Compound polygons and names of the residences, aligned to ``res.coverage.residences``."""
    r = res.coverage.residences
    d = res.demand
    poly = None
    cand = None
    if "footprint" in d.columns and isinstance(d["footprint"], gpd.GeoSeries):
        cand = d["footprint"]
    elif len(d) and d.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        cand = d.geometry
    if cand is None and len(r) and r.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        cand = r.geometry
    aligned = len(d) == len(r) and ("rid" not in d or (d["rid"].astype(str).to_numpy() == r["rid"].astype(str).to_numpy()).all())
    if cand is not None and len(cand) == len(r) and (aligned or cand is r.geometry):
        poly = gpd.GeoSeries(cand.values, crs=cand.crs or res.network.crs)
    names = None
    if "name" in d.columns and aligned:
        names = d["name"].fillna("").astype(str).tolist()
    return poly, names


def pack_polygons(poly: gpd.GeoSeries, order: np.ndarray, gcj: bool, compress: bool) -> dict[str, Any]:
    """Exterior rings of each residence's polygon(s), in 1e-5 degrees, delta-coded."""
    import shapely

    g = poly.to_crs(4326).values if poly.crs is not None else poly.values
    g = np.asarray(g, dtype=object)[order]
    g = np.array([x if (x is not None and not x.is_empty and x.geom_type in ("Polygon", "MultiPolygon")) else None
                  for x in g], dtype=object)
    parts_per = np.zeros(len(g), dtype=np.int64)
    rings = []
    for i, x in enumerate(g):
        if x is None:
            continue
        ps = list(x.geoms) if x.geom_type == "MultiPolygon" else [x]
        parts_per[i] = len(ps)
        rings += [p.exterior for p in ps]
    if rings:
        rr = shapely.simplify(np.array(rings, dtype=object), 1e-6)
        xy, idx = shapely.get_coordinates(rr, return_index=True)
        counts = np.bincount(idx, minlength=len(rr))
        x, y = xy[:, 0], xy[:, 1]
        if gcj:
            from siting.inputs.coords import wgs84_to_gcj02

            x, y = wgs84_to_gcj02(x, y)
        qx = np.round(np.asarray(x) * 1e5).astype(np.int64)
        qy = np.round(np.asarray(y) * 1e5).astype(np.int64)
    else:
        counts = qx = qy = np.zeros(0, dtype=np.int64)
    return {"pp": pack_int(parts_per, compress=compress), "vc": pack_int(counts, compress=compress),
            "vx": pack_int(qx, delta=True, compress=compress), "vy": pack_int(qy, delta=True, compress=compress), "q": 1e5}


#: Colours of the accessibility layers, lowest fifth first (residences with none: grey).
ACCESS_COLOURS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")


def access_payload(res: RunResult, keys: list[str], lang: str, T: dict[str, str], order: np.ndarray,
                    compress: bool) -> dict[str, Any] | None:
    """The accessibility layers (2SFCA, :mod:`siting.access`), one per category: each residence's
    value (and with the plan), in the map's order, and the quintile breaks of the positive values.
    The page's now / with-plan switch picks the values. Adds the labels they need to ``T``."""
    from siting.standards import label

    acc = res.access
    if acc is None or not len(acc.categories):
        return None
    T.update({"sec_access": label("access_section", lang), "access_layer": label("access_layer", lang),
              "access_none": label("access_none", lang)})
    r = acc.residences
    if len(r) != len(res.coverage.residences) or ("rid" in r and not (
            r["rid"].astype(str).to_numpy() == res.coverage.residences["rid"].astype(str).to_numpy()).all()):
        r = r.set_index(r["rid"].astype(str)).reindex(res.coverage.residences["rid"].astype(str)).reset_index(drop=True)
    supply = label("supply_count", lang) if acc.supply == "count" else acc.supply
    demand = label("demand_population", lang) if acc.demand == "population" else label(acc.demand, lang)
    layers = []
    for key in acc.categories["category"]:
        if key not in keys:
            continue
        v = r[f"{key}_access"].to_numpy(dtype=float)[order]
        after_col = f"{key}_access_after"
        va = r[after_col].to_numpy(dtype=float)[order] if after_col in r else None
        pos = np.concatenate([v[v > 0], va[va > 0] if va is not None else np.zeros(0)])
        breaks = np.unique(np.quantile(pos, [0.2, 0.4, 0.6, 0.8])).tolist() if pos.size else []
        layers.append({"cat": keys.index(key), "values": pack(np.nan_to_num(v, nan=0.0), "f32", compress=compress),
                       "after": None if va is None else pack(np.nan_to_num(va, nan=0.0), "f32", compress=compress),
                       "breaks": [float(f"{b:.4g}") for b in breaks]})
    unit = label("access_legend", lang, supply=supply, per=f"{acc.per:g}", demand=demand)
    return {"layers": layers, "colours": list(ACCESS_COLOURS), "none": "#bdbdbd", "unit": unit}
