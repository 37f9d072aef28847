"""Demand (residences): from files, or estimated from OpenStreetMap buildings.

Every loader returns a GeoDataFrame of points in the CRS asked for (the run's projected CRS),
with the columns the pipeline needs:

* demand: ``rid`` (string id), ``population``, ``households`` (may be NaN), optional priority
  group columns (``elderly``, ``children``, ``disabled``), ``source``;
* facilities: ``fid`` (string id), ``category`` (a category key), ``name``, ``source``.

Inputs are checked at the boundary: a file must exist, name its CRS (GeoJSON is WGS84 by
definition), have the named columns, and lie where the network is; a CSV's lon/lat columns that
look swapped are reported as swapped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError, Problems
from siting.inputs.readers import _ids, _points, _require, read_points

__all__ = ["BuildingRules", "demand_from_buildings", "demand_from_file"]

logger = logging.getLogger(__name__)

GROUP_COLUMNS = ("elderly", "children", "disabled")


# --------------------------------------------------------------------------------------------
# demand
# --------------------------------------------------------------------------------------------
def demand_from_file(
    path: str | Path,
    *,
    to_crs: Any,
    population: str = "population",
    households: str | None = "households",
    household_size: float = 2.62,
    groups: Sequence[str] = GROUP_COLUMNS,
    id_column: str | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Residences (points or compound polygons) with population from a file.

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage or CSV (lon/lat).
    to_crs : CRS-like
        The run's projected CRS (metres).
    population : str
        Column with residents (persons, ≥ 0).
    households : str or None
        Column with households; when absent, estimated as population ÷ ``household_size``.
    household_size : float
        Persons per household for that estimate (2.62 = China, 2020 census).
    groups : sequence of str
        Priority-group columns to keep when present (persons).
    id_column : str, optional
        Id column (default: ``id`` when present, else the row number).
    crs : CRS-like, optional
        CRS of the coordinates when the file does not say (CSV default WGS84).
    """
    gdf = read_points(path, crs=crs, what="demand")
    name = Path(path).name
    _require(gdf, [population], "demand", name, {population: "demand.population_column"})
    pop = pd.to_numeric(gdf[population], errors="coerce")
    problems = Problems()
    if pop.isna().any():
        problems.add(f"demand file {name}: {int(pop.isna().sum())} rows have no number in {population!r}: fill them in")
    if (pop < 0).any():
        problems.add(f"demand file {name}: {int((pop < 0).sum())} rows have a negative {population!r}: fix them")
    problems.raise_if_any()
    out = gpd.GeoDataFrame(
        {
            "rid": _ids(gdf, id_column),
            "population": pop.to_numpy(dtype=float),
        },
        geometry=_points(gdf).to_crs(to_crs).values,
        crs=to_crs,
    )
    if households and households in gdf.columns:
        hh = pd.to_numeric(gdf[households], errors="coerce").to_numpy(dtype=float)
        if np.nanmin(hh, initial=0) < 0:
            raise InputError(f"demand file {name}: negative households: fix them")
        out["households"] = hh
        out["households_estimated"] = False
    else:
        out["households"] = out["population"] / household_size
        out["households_estimated"] = True
    for g in groups:
        if g in gdf.columns:
            out[g] = pd.to_numeric(gdf[g], errors="coerce").fillna(0).to_numpy(dtype=float)
    out["source"] = name
    return out


@dataclass(frozen=True)
class BuildingRules:
    """How residents are estimated from OSM building footprints.

    ``population = footprint_m2 × levels × residential_share ÷ floor_area_per_person_m2``

    where ``levels`` is ``building:levels`` when tagged, else ``default_levels``, and the
    residential share is 1 for residential building tags (``residential``) and for any building
    inside ``landuse=residential``; ``mixed_share`` for generic buildings (``mixed``, e.g.
    ``building=yes``) elsewhere; 0 inside non-residential land use and for every other tag.

    Attributes
    ----------
    floor_area_per_person_m2 : float
        Gross floor area per resident, m² (China 2020 census: 38.6 urban; Helsinki ≈ 35).
    household_size : float
        Persons per household, to estimate households.
    default_levels : float
        Storeys assumed where ``building:levels`` is missing.
    residential, mixed : tuple of str
        ``building=*`` values counted fully, or at ``mixed_share``.
    mixed_share : float
        Share (0–1) of a mixed/generic building's floor area that is housing.
    nonresidential_landuse : tuple of str
        ``landuse=*`` values in which generic buildings house nobody.
    min_footprint_m2 : float
        Smaller footprints (sheds, kiosks) house nobody.
    group_shares : dict
        Estimated shares of residents per priority group (e.g. elderly 0.187 = China 2020, 60+).
    """

    floor_area_per_person_m2: float = 38.6
    household_size: float = 2.62
    default_levels: float = 3.0
    residential: tuple[str, ...] = (
        "apartments", "residential", "house", "detached", "semidetached_house", "terrace",
        "dormitory", "bungalow",
    )
    mixed: tuple[str, ...] = ("yes",)
    mixed_share: float = 0.5
    nonresidential_landuse: tuple[str, ...] = (
        "commercial", "retail", "industrial", "railway", "military", "education", "religious",
        "institutional", "civic", "civil", "government", "construction", "garages",
    )
    min_footprint_m2: float = 20.0
    group_shares: Mapping[str, float] = field(default_factory=dict)


def demand_from_buildings(
    buildings: gpd.GeoDataFrame,
    landuse: gpd.GeoDataFrame | None,
    *,
    to_crs: Any,
    rules: BuildingRules = BuildingRules(),
) -> gpd.GeoDataFrame:
    """Residences estimated from building footprints (see :class:`BuildingRules`).

    Parameters
    ----------
    buildings : GeoDataFrame
        OSM buildings with a ``building`` column and optional ``building:levels``.
    landuse : GeoDataFrame or None
        OSM land-use polygons with a ``landuse`` column.
    to_crs : CRS-like
        Projected CRS in metres, in which footprint areas are measured.

    Returns
    -------
    GeoDataFrame
        One point per building that houses anyone: ``rid``, ``population`` (persons),
        ``households``, ``levels``, ``levels_tagged``, ``residential_share``, ``building``,
        estimated group columns, ``source = "osm_buildings"``.
    """
    if buildings is None or len(buildings) == 0:
        raise InputError("no buildings found in the network area: use a demand file (demand.source = \"path\")")
    b = buildings.to_crs(to_crs)
    b = b[b.geom_type.isin(["Polygon", "MultiPolygon"])].copy()
    area = b.geometry.area.to_numpy()
    tag = b["building"].astype(str).str.lower().to_numpy() if "building" in b else np.full(len(b), "yes")
    lv_raw = b["building:levels"] if "building:levels" in b.columns else pd.Series(np.nan, index=b.index)
    levels = pd.to_numeric(lv_raw, errors="coerce").to_numpy(dtype=float)
    tagged = np.isfinite(levels) & (levels > 0)
    levels = np.where(tagged, levels, rules.default_levels)
    pts = b.geometry.representative_point()
    res_land = np.zeros(len(b), dtype=bool)
    non_land = np.zeros(len(b), dtype=bool)
    if landuse is not None and len(landuse) and "landuse" in landuse.columns:
        lu = landuse.to_crs(to_crs)
        lu = lu[lu.geom_type.isin(["Polygon", "MultiPolygon"])]
        for kinds, target in (((("residential",)), res_land), (rules.nonresidential_landuse, non_land)):
            part = lu[lu["landuse"].isin(kinds)]
            if len(part):
                hit = gpd.sjoin(gpd.GeoDataFrame(geometry=pts.values, crs=to_crs), part[["geometry"]], predicate="within")
                target[np.unique(hit.index.to_numpy())] = True
    is_res = np.isin(tag, rules.residential)
    is_mixed = np.isin(tag, rules.mixed)
    share = np.where(is_res | (is_mixed & res_land), 1.0, np.where(is_mixed & ~non_land, rules.mixed_share, 0.0))
    share = np.where(area < rules.min_footprint_m2, 0.0, share)
    pop = area * levels * share / rules.floor_area_per_person_m2
    keep = pop > 0
    out = gpd.GeoDataFrame(
        {
            "rid": [f"b{i}" for i in (b["id"].to_numpy()[keep] if "id" in b.columns else np.flatnonzero(keep))],
            "population": pop[keep],
            "households": pop[keep] / rules.household_size,
            "households_estimated": True,
            "building": tag[keep],
            "levels": levels[keep],
            "levels_tagged": tagged[keep],
            "residential_share": share[keep],
            "footprint_m2": area[keep],
        },
        geometry=pts.values[keep],
        crs=to_crs,
    )
    for g, s in rules.group_shares.items():
        out[g] = out["population"] * float(s)
    out["source"] = "osm_buildings"
    logger.info(
        "demand: %d of %d buildings house residents (estimated %.0f persons; %d with tagged levels)",
        len(out), len(b), out["population"].sum(), int(tagged[keep].sum()),
    )
    return out


