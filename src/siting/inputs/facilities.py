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

from siting.errors import Msg, ScenarioError
from siting.inputs.readers import ReadOptions, _points, flag_far, flag_ids, left_out, load_rows
from siting.inputs.rows import RejectedRows
from siting.inputs.tables import find_column, parse_numbers
from siting.standards import Category, label

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
    category_column: str | None = None,
    name_column: str | None = None,
    id_column: str | None = None,
    crs: Any = None,
    typecode_column: str | None = None,
    options: ReadOptions | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    rejected: RejectedRows | None = None,
) -> gpd.GeoDataFrame:
    """Existing facilities from a file with a category column, or an Amap (高德) POI export.

    Category values may be keys (``pharmacy``) or the Chinese or English names of any category
    of ``data/categories.toml``; facilities of categories the scenario does not use are left out
    (counted in the log), and rows with a value that is no category at all are dropped as bad
    rows. A file without a category column but with Amap type codes (``typecode``) is mapped
    through ``data/amap_typecodes.csv``: POIs of categories not in use are left out, and codes
    with no mapping are reported with counts (a warning), never dropped silently. Amap
    coordinates are GCJ-02: set ``crs = "gcj02"`` so that they are converted to WGS84.

    Parameters
    ----------
    path : str or Path
        CSV / ``.xlsx`` (lon/lat or an Amap ``location``), GeoPackage, Shapefile, GeoJSON.
    categories : sequence of Category
        The categories in use.
    to_crs : CRS-like
        The run's projected CRS.
    category_column, name_column, id_column, typecode_column : str, optional
        Columns (default: found among category / 类别, name / 名称, id / 编号, typecode / 类型编码).
    crs : CRS-like, optional
        CRS of the coordinates (``"gcj02"`` for Amap).
    options : ReadOptions, optional
        Encoding, separator, sheet, layer, coordinate columns.
    bounds : tuple, optional
        The network's bounds in ``to_crs``: rows more than 2 km outside are dropped as far away.
    rejected : RejectedRows, optional
        Collects the dropped rows.
    """
    opts = options or ReadOptions()
    if crs is not None:
        opts = ReadOptions(**{**opts.__dict__, "crs": crs})
    gdf, check = load_rows(path, opts, what="facilities")
    name = check.name
    cols = [c for c in gdf.columns if c not in (gdf.geometry.name, "_row")]
    cat_c = find_column(cols, category_column, "category")
    code_c = find_column(cols, typecode_column, "typecode")
    if category_column is not None and cat_c is None:
        raise ScenarioError([Msg("facilities file {name} has no column {category_column!r} (columns: {v1}): add it or set "
                                 "facilities.category_column",
                                 name=name,
                                 category_column=category_column,
                                 v1=', '.join(map(str, cols)),)])
    in_use = {c.key for c in categories}
    if cat_c is None and code_c is not None:
        from siting.standards import map_amap_typecodes

        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            keys, unmapped = map_amap_typecodes(gdf[code_c].astype(str))
        if len(unmapped):
            listing = ", ".join(f"{code} ({n})" for code, n in unmapped.head(12).items())
            logger.warning(
                "facilities: %d POIs of %s have Amap type codes with no mapping and are not used: %s%s; "
                "add rows to data/amap_typecodes.csv (or a category column) to use them",
                int(unmapped.sum()), name, listing, " ..." if len(unmapped) > 12 else "",
            )
        mapped = keys.reset_index(drop=True)
        unknown = np.zeros(len(gdf), dtype=bool)
    elif cat_c is not None:
        from siting.standards import load_categories

        lookup: dict[str, str] = {}
        for c in [*load_categories().values(), *categories]:
            for lab in (c.key, c.name_zh, c.name_en, c.name_en.lower()):
                lookup[str(lab)] = c.key
        raw = gdf[cat_c].fillna("").astype(str).str.strip()
        mapped = raw.map(lambda v: lookup.get(v, lookup.get(v.lower()))).reset_index(drop=True)
        unknown = mapped.isna().to_numpy()
        check.flag(unknown, "unknown_category", cat_c)
    else:
        raise ScenarioError([Msg("facilities file {name} has no category column and no Amap typecode column (columns: {v1}): add a "
                                 "category (类别) column, or set facilities.category_column",
                                 name=name,
                                 v1=', '.join(map(str, cols)),)])
    ids = flag_ids(check, gdf, id_column, "facilities")
    used = mapped.isin(in_use).to_numpy()
    # rows of categories not in use are not bad, only not wanted: left out before the far-away check
    wanted = used | unknown
    pts, outside = flag_far(check, gdf, bounds, to_crs)
    good = check.finish(rejected, hint=_hint(check, categories))
    left_out(outside, good & used, "facilities", name)
    keep = good & wanted & used & ~outside
    skipped = int((good & ~used).sum())
    if skipped:
        from siting.standards.logtext import console_lang, word

        sep = label("list_sep", console_lang())
        logger.info("facilities: %d rows of %s are of categories the scenario does not use (%s)", skipped, name,
                    sep.join(f"{word(k)} {v}"
                             for k, v in mapped[good & ~used].fillna("unmapped").value_counts().head(8).items()))
    idx = np.flatnonzero(keep)
    name_c = find_column(cols, name_column, "name")
    out = gpd.GeoDataFrame(
        {
            "fid": ids[idx],
            "category": mapped.to_numpy()[idx],
            "name": gdf[name_c].iloc[idx].fillna("").astype(str).str.strip().to_numpy() if name_c is not None else "",
            "source": Path(path).name,
            "_row": gdf["_row"].to_numpy()[idx],
        },
        geometry=gpd.GeoSeries(np.asarray(pts.values, dtype=object)[idx], crs=pts.crs).values,
        crs=pts.crs,
    )
    for extra in ("floor_area_m2", "activity_area_m2", "capacity", "beds", "staff"):
        ec = find_column(cols, None, extra) if extra == "floor_area_m2" else (extra if extra in cols else None)
        if ec is not None:
            out[extra] = parse_numbers(gdf[ec].iloc[idx], decimal=gdf.attrs.get("decimal", "."))[0]
    return out


def _hint(check: Any, categories: Sequence[Category]) -> str:
    from siting.inputs.readers import _coordinate_hint

    reasons = pd.Series(check._reason[check.bad]).value_counts()
    if len(reasons) and reasons.index[0] == "unknown_category":
        return ("use category keys or names (" + ", ".join(c.key for c in categories[:8])
                + (" ..." if len(categories) > 8 else "") + "), or set facilities.category_column to the right column")
    return _coordinate_hint(check, "facilities")
