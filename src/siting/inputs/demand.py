"""Demand (residences): from files (points, compound polygons, population grids), or estimated
from OpenStreetMap buildings.

Every loader returns a GeoDataFrame of points in the CRS asked for (the run's projected CRS),
with the columns the pipeline needs:

* demand: ``rid`` (string id), ``name``, ``population``, ``households``, whether either was
  estimated (``population_estimated``, ``households_estimated``), optional priority-group
  columns (``elderly``, ``children``, ``disabled``), ``source``, ``_row`` (the row number in the
  file) and, for compound polygons, ``footprint`` (the polygon, same CRS);
* facilities: ``fid`` (string id), ``category`` (a category key), ``name``, ``source``.

Rows are checked one by one (:mod:`siting.inputs.rows`): a row with bad coordinates, a count that
is negative or not a number, no population and no households, a repeated id, or a place far
outside the network area is dropped and reported, and the good rows are kept. A compound with
households but no population gets ``households × household_size`` residents (2.62 persons per
household = China's 2020 census average); one with population but no households gets
``population ÷ household_size`` households.
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
import shapely

from siting.errors import InputError, Msg
from siting.inputs.readers import ReadOptions, _points, flag_far, flag_ids, left_out, load_rows, read_points
from siting.inputs.rows import RejectedRows
from siting.inputs.tables import find_column, parse_numbers

__all__ = ["BuildingRules", "demand_from_buildings", "demand_from_file", "entrances_from_file"]

logger = logging.getLogger(__name__)

GROUP_COLUMNS = ("elderly", "children", "disabled")

#: Population grids read by :func:`siting.inputs.grids.demand_from_raster`.
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc")


# --------------------------------------------------------------------------------------------
# demand
# --------------------------------------------------------------------------------------------
def demand_from_file(
    path: str | Path,
    *,
    to_crs: Any,
    population: str | None = None,
    households: str | None = None,
    household_size: float = 2.62,
    groups: Sequence[str] = GROUP_COLUMNS,
    id_column: str | None = None,
    name_column: str | None = None,
    crs: Any = None,
    options: ReadOptions | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    rejected: RejectedRows | None = None,
    band: int = 1,
) -> gpd.GeoDataFrame:
    """Residences (points or compound polygons) with population from a file.

    Parameters
    ----------
    path : str or Path
        CSV / ``.xlsx`` (lon/lat), GeoPackage, Shapefile, GeoJSON, FlatGeobuf, or a population
        grid (GeoTIFF: :func:`siting.inputs.grids.demand_from_raster`).
    to_crs : CRS-like
        The run's projected CRS (metres).
    population, households : str, optional
        Columns with residents and households (persons, households, ≥ 0); default found among
        the common names (population / pop / 人口 ..., households / 户数 ...). At least one must
        exist; a row with only one gets the other from ``household_size``.
    household_size : float
        Persons per household (2.62 = China, 2020 census average).
    groups : sequence of str
        Priority-group columns to keep when present (persons; 老年人 / 儿童 / 残疾人 recognised).
    id_column, name_column : str, optional
        Id and name columns (default: ``id`` / 编号 and ``name`` / 名称 when present).
    crs : CRS-like, optional
        CRS of the coordinates when the file does not say (tables default WGS84).
    options : ReadOptions, optional
        Encoding, separator, sheet, layer and coordinate columns.
    bounds : tuple, optional
        The network's ``(minx, miny, maxx, maxy)`` in ``to_crs``: rows more than 2 km outside are
        dropped as far away.
    rejected : RejectedRows, optional
        Collects the dropped rows.
    band : int
        For grids: the raster band (from 1).

    Raises
    ------
    InputError
        No population or households column; most rows bad; or no resident at all.
    """
    if Path(path).suffix.lower() in RASTER_SUFFIXES:
        from siting.inputs.grids import demand_from_raster

        return demand_from_raster(path, to_crs=to_crs, band=band, crs=crs, bounds=bounds, household_size=household_size)
    opts = options or ReadOptions()
    if crs is not None:
        opts = ReadOptions(**{**opts.__dict__, "crs": crs})
    gdf, check = load_rows(path, opts, what="demand")
    name = check.name
    cols = [c for c in gdf.columns if c not in (gdf.geometry.name, "_row")]
    pop_c = find_column(cols, population, "population")
    hh_c = find_column(cols, households, "households")
    missing = [f"demand.{key} = {given!r}" for key, given, found in
               (("population_column", population, pop_c), ("households_column", households, hh_c)) if given and found is None]
    if missing or (pop_c is None and hh_c is None):
        fix = Msg("name one population (人口) or households (户数), or set demand.population_column / "
                  "demand.households_column")
        columns = ", ".join(map(str, cols))
        if missing:
            raise InputError(Msg("demand file {name}: {missing} is not a column (columns: {columns}): {fix}", name=name,
                                 missing=" and ".join(missing), columns=columns, fix=fix))
        raise InputError(Msg("demand file {name} has no population and no households column (columns: {columns}): {fix}",
                             name=name, columns=columns, fix=fix))
    n = len(gdf)
    pop, pop_bad = parse_numbers(gdf[pop_c], decimal=gdf.attrs.get("decimal", ".")) if pop_c is not None else (np.full(n, np.nan), np.zeros(n, bool))
    hh, hh_bad = parse_numbers(gdf[hh_c], decimal=gdf.attrs.get("decimal", ".")) if hh_c is not None else (np.full(n, np.nan), np.zeros(n, bool))
    check.flag(pop_bad, "not_number", pop_c)
    check.flag(hh_bad, "not_number", hh_c)
    with np.errstate(invalid="ignore"):
        check.flag(pop < 0, "negative", pop_c)
        check.flag(hh < 0, "negative", hh_c)
    check.flag(~np.isfinite(pop) & ~np.isfinite(hh), "no_population", "/".join(str(c) for c in (pop_c, hh_c) if c is not None), "")
    group_values: dict[str, np.ndarray] = {}
    for g in groups:
        gc = find_column(cols, None, g)
        if gc is None:
            continue
        v, bad = parse_numbers(gdf[gc], decimal=gdf.attrs.get("decimal", "."))
        check.flag(bad, "not_number", gc)
        with np.errstate(invalid="ignore"):
            check.flag(v < 0, "negative", gc)
        group_values[g] = v
    ids = flag_ids(check, gdf, id_column, "demand")
    pts, outside = flag_far(check, gdf, bounds, to_crs)
    good = check.finish(rejected, hint=_hint(check))
    left_out(outside, good, "demand", name)
    idx = np.flatnonzero(good & ~outside)
    pop, hh = pop[idx], hh[idx]
    pop_est = ~np.isfinite(pop)
    hh_est = ~np.isfinite(hh)
    pop = np.where(pop_est, hh * household_size, pop)
    hh = np.where(hh_est, pop / household_size, hh)
    if len(idx) and float(np.sum(pop)) <= 0:
        raise InputError(
            Msg("demand file {name}: every residence has 0 residents ({v1} is 0 in all {v2} rows): fill in the "
                "population or households, or check demand.population_column / demand.households_column",
                name=name,
                v1=pop_c or hh_c,
                v2=len(idx))
        )
    name_c = find_column(cols, name_column, "name")
    if name_column is not None and name_c is None:
        raise InputError(Msg("demand.name_column = {name_column!r} is not a column of {name} (columns: {v1})",
                             name_column=name_column,
                             name=name,
                             v1=', '.join(map(str, cols))))
    out = gpd.GeoDataFrame(
        {
            "rid": ids[idx],
            "name": gdf[name_c].iloc[idx].fillna("").astype(str).str.strip().to_numpy() if name_c is not None else "",
            "population": pop.astype(float),
            "households": hh.astype(float),
            "population_estimated": pop_est,
            "households_estimated": hh_est,
        },
        geometry=gpd.GeoSeries(np.asarray(pts.values, dtype=object)[idx], crs=pts.crs).values,
        crs=pts.crs,
    )
    for g, v in group_values.items():
        vv = v[idx]
        if (~np.isfinite(vv)).any():
            logger.warning("demand: %d rows of %s have no %s count (taken as 0)", int((~np.isfinite(vv)).sum()), name, g)
        out[g] = np.nan_to_num(vv, nan=0.0)
    geom = gdf.geometry.iloc[idx]
    polys = geom.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if polys.any():
        fp = np.full(len(idx), None, dtype=object)
        proj = gpd.GeoSeries(np.asarray(geom.values, dtype=object)[polys], crs=gdf.crs).to_crs(to_crs)
        fp[polys] = shapely.make_valid(np.asarray(proj.values, dtype=object))
        out["footprint"] = gpd.GeoSeries(fp, crs=to_crs).values
    out["source"] = Path(path).name
    out["_row"] = gdf["_row"].to_numpy()[idx]
    if pop_est.any():
        logger.info("demand: %d of %d residences of %s have households only: population = households × %g",
                    int(pop_est.sum()), len(out), name, household_size)
    return out


def _hint(check: Any) -> str:
    from siting.inputs.readers import _coordinate_hint

    h = _coordinate_hint(check, "demand")
    reasons = pd.Series(check._reason[check.bad]).value_counts()
    top = str(reasons.index[0]) if len(reasons) else ""
    if top in ("not_number", "negative", "no_population"):
        return "check demand.population_column / demand.households_column, the separator and the decimal mark"
    return h


def entrances_from_file(
    path: str | Path,
    demand: gpd.GeoDataFrame,
    *,
    options: ReadOptions | None = None,
    rejected: RejectedRows | None = None,
    tolerance: float | None = None,
) -> gpd.GeoDataFrame:
    """Compound entrances (points) from a file, each given to the compound it lies in or next to.

    Parameters
    ----------
    path : str or Path
        Any point file :func:`read_points` reads.
    demand : GeoDataFrame
        Residences from :func:`demand_from_file` with a ``footprint`` column (network CRS).
    tolerance : float, optional
        Metres; an entrance farther from every compound is dropped (default
        :data:`siting.inputs.access.ENTRANCE_TOLERANCE_M`).

    Returns
    -------
    GeoDataFrame
        ``rid`` (the compound's id), ``owner`` (its row in ``demand``) and the point, network CRS.
    """
    from siting.inputs.access import ENTRANCE_TOLERANCE_M, assign_entrances
    from siting.inputs.rows import RowCheck

    tol = ENTRANCE_TOLERANCE_M if tolerance is None else float(tolerance)
    pts = read_points(path, what="demand.entrances", options=options, rejected=rejected)
    crs = demand.crs
    pts = gpd.GeoDataFrame(pts, geometry=_points(pts).to_crs(crs).values, crs=crs)
    if "footprint" not in demand.columns:
        raise InputError(Msg("demand.entrances = {name!r} needs compound polygons as demand (the demand file has points)", name=Path(path).name))
    fp = gpd.GeoSeries(demand["footprint"].values, crs=crs)
    polys = ~(fp.isna() | fp.is_empty).to_numpy()
    owner_local = assign_entrances(pts, fp[polys].reset_index(drop=True), tolerance=tol)
    owner = np.where(owner_local >= 0, np.flatnonzero(polys)[np.maximum(owner_local, 0)], -1)
    check = RowCheck(pd.DataFrame(pts.drop(columns=[pts.geometry.name])).drop(columns=["_row"]), pts["_row"].to_numpy(),
                     Path(path).name, "demand.entrances")
    check.flag(owner < 0, "entrance_outside", "", "", f"{tol:g}")
    good = check.finish(rejected, hint=Msg("check that the entrances file and the compounds are in the same place and CRS"))
    return gpd.GeoDataFrame({"rid": demand["rid"].to_numpy()[owner[good]], "owner": owner[good]},
                            geometry=pts.geometry.values[good], crs=crs)


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
        raise InputError(Msg("no buildings found in the network area: use a demand file (demand.source = \"path\")"))
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


