"""Existing facilities per category: from OSM features or from a file (category or Amap typecode)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import ScenarioError
from siting.inputs.readers import _ids, _points, _require, read_points
from siting.standards import Category

__all__ = ["facilities_from_file", "facilities_from_osm"]


logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# facilities
# --------------------------------------------------------------------------------------------
def facilities_from_osm(features: gpd.GeoDataFrame, categories: Sequence[Category], *, to_crs: Any) -> gpd.GeoDataFrame:
    """Facilities per category from OSM features (one row per feature and matching category).

    Parameters
    ----------
    features : GeoDataFrame
        OSM features with one column per tag (pyrosm ``get_pois`` / osmnx ``features_*``).
    categories : sequence of Category
        Each category's OSM filters decide which features it takes (a feature may serve several).
    to_crs : CRS-like
        Projected CRS of the run.
    """
    rows = []
    if features is None or len(features) == 0:
        return _empty_facilities(to_crs)
    f = features.reset_index(drop=False)
    pts = _points(f.set_crs(features.crs, allow_override=True) if f.crs is None else f).to_crs(to_crs)
    ids = f["id"].astype(str).to_numpy() if "id" in f.columns else np.arange(len(f)).astype(str)
    names = f["name"] if "name" in f.columns else pd.Series("", index=f.index)
    for cat in categories:
        m = cat.mask(f).to_numpy()
        if m.any():
            rows.append(
                gpd.GeoDataFrame(
                    {
                        "fid": [f"osm{i}-{cat.key}" for i in ids[m]],
                        "category": cat.key,
                        "name": names[m].fillna("").astype(str).to_numpy(),
                        "osm_id": ids[m],
                        "source": "osm",
                    },
                    geometry=pts.values[m],
                    crs=to_crs,
                )
            )
    if not rows:
        return _empty_facilities(to_crs)
    return gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=to_crs)


def _empty_facilities(crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"fid": [], "category": [], "name": [], "source": []}, geometry=[], crs=crs)


def facilities_from_file(
    path: str | Path,
    categories: Sequence[Category],
    *,
    to_crs: Any,
    category_column: str = "category",
    name_column: str = "name",
    id_column: str | None = None,
    crs: Any = None,
    typecode_column: str = "typecode",
) -> gpd.GeoDataFrame:
    """Existing facilities from a file with a category column, or an Amap (高德) POI export.

    Category values may be keys (``pharmacy``) or the Chinese or English names of the
    categories in use; unknown values are refused, listed with their counts. A file without the
    category column but with Amap type codes (``typecode``) is mapped through
    ``data/amap_typecodes.csv``: POIs of categories not in use are dropped, and codes with no
    mapping are reported with counts (a warning), never dropped silently. Amap coordinates are
    GCJ-02: set ``crs = "gcj02"`` so that they are converted to WGS84.
    """
    gdf = read_points(path, crs=crs, what="facilities")
    name = Path(path).name
    if category_column not in gdf.columns and typecode_column in gdf.columns:
        from siting.standards import map_amap_typecodes

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            keys, unmapped = map_amap_typecodes(gdf[typecode_column].astype(str))
        if len(unmapped):
            listing = ", ".join(f"{code} ({n})" for code, n in unmapped.head(12).items())
            logger.warning(
                "facilities: %d POIs of %s have Amap type codes with no mapping and are not used: %s%s; "
                "add rows to data/amap_typecodes.csv (or a category column) to use them",
                int(unmapped.sum()), name, listing, " ..." if len(unmapped) > 12 else "",
            )
        del caught
        in_use = {c.key for c in categories}
        keep = keys.notna().to_numpy() & keys.isin(in_use).to_numpy()
        logger.info("facilities: %d of %d Amap POIs map to the categories in use", int(keep.sum()), len(gdf))
        gdf = gdf[keep].copy()
        gdf[category_column] = keys[keep].to_numpy()
    _require(gdf, [category_column], "facilities", name, {category_column: "facilities.category_column"})
    lookup: dict[str, str] = {}
    for c in categories:
        for label in (c.key, c.name_zh, c.name_en, c.name_en.lower()):
            lookup[str(label)] = c.key
    raw = gdf[category_column].astype(str).str.strip()
    mapped = raw.map(lambda v: lookup.get(v, lookup.get(v.lower())))
    unknown = raw[mapped.isna()].value_counts()
    if len(unknown):
        listing = ", ".join(f"{k!r} ({v} rows)" for k, v in unknown.items())
        raise ScenarioError(
            [
                f"facilities file {name}: unknown categories in column {category_column!r}: {listing}; "
                f"use one of {', '.join(c.key for c in categories)} (or add the category to the scenario)"
            ]
        )
    out = gpd.GeoDataFrame(
        {
            "fid": _ids(gdf, id_column),
            "category": mapped.to_numpy(),
            "name": gdf[name_column].fillna("").astype(str).to_numpy() if name_column in gdf.columns else "",
            "source": name,
        },
        geometry=_points(gdf).to_crs(to_crs).values,
        crs=to_crs,
    )
    for extra in ("floor_area_m2", "activity_area_m2", "capacity", "beds", "staff"):
        if extra in gdf.columns:
            out[extra] = pd.to_numeric(gdf[extra], errors="coerce").to_numpy()
    return out
