"""Demand (residences) and facilities: from files, or from OpenStreetMap features.

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
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._errors import CRSError, InputError, MissingFileError, Problems, ScenarioError
from .standards import Category

__all__ = [
    "BuildingRules",
    "check_extent",
    "demand_from_buildings",
    "demand_from_file",
    "facilities_from_file",
    "facilities_from_osm",
    "read_points",
]

logger = logging.getLogger(__name__)

GROUP_COLUMNS = ("elderly", "children", "disabled")
_LON = ("lon", "lng", "longitude", "long", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")


# --------------------------------------------------------------------------------------------
# generic readers
# --------------------------------------------------------------------------------------------
def read_points(
    path: str | Path,
    *,
    crs: Any = None,
    lon: str | None = None,
    lat: str | None = None,
    what: str = "input",
) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage, Shapefile or CSV (lon/lat columns) as a GeoDataFrame.

    Polygons are kept as they are (callers take a point on the surface where they need points).

    Parameters
    ----------
    path : str or Path
        The file.
    crs : CRS-like, optional
        For CSV: the CRS of the coordinate columns (default WGS84, ``EPSG:4326``). For files
        that carry no CRS: the CRS to assume. Chinese ``"gcj02"`` / ``"bd09"`` are converted to
        WGS84 when :mod:`siting.coords` is available.
    lon, lat : str, optional
        CSV column names (default: found among lon/lng/longitude/x and lat/latitude/y).
    what : str
        What the file is (``"demand"``, ``"facilities"``), named in messages.
    """
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"{what} file not found: {p}: check the path (relative to the scenario file)")
    chinese = False
    if isinstance(crs, str):
        from .coords import normalise_crs_name
        from .scenario import crs_problem

        msg = crs_problem(crs)
        if msg:
            raise CRSError(f"{what}.crs = {crs!r}: {msg}")
        try:
            crs = normalise_crs_name(crs)
            chinese = crs in ("gcj02", "bd09")
            if crs == "wgs84":
                crs = "EPSG:4326"
        except CRSError:
            pass
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        df = pd.read_csv(p, sep="\t" if p.suffix.lower() == ".tsv" else ",", dtype={"id": str})
        cols = {c.lower(): c for c in df.columns}
        if lon is None and lat is None and not any(c in cols for c in _LON) and "location" in cols:
            # Amap / Baidu exports: one "lon,lat" text column
            parts = df[cols["location"]].astype(str).str.split(",", n=1, expand=True)
            if parts.shape[1] == 2:
                df["lon"], df["lat"] = parts[0], parts[1]
                cols.update({"lon": "lon", "lat": "lat"})
        lon_c = lon or next((cols[c] for c in _LON if c in cols), None)
        lat_c = lat or next((cols[c] for c in _LAT if c in cols), None)
        missing = [n for n, c in (("longitude", lon_c), ("latitude", lat_c)) if c is None or c not in df.columns]
        if missing:
            raise InputError(
                f"{what} file {p.name} has no {' and no '.join(missing)} column (columns: "
                f"{', '.join(map(str, df.columns))}): name them lon and lat, or set {what}.lon / {what}.lat"
            )
        x = pd.to_numeric(df[lon_c], errors="coerce")
        y = pd.to_numeric(df[lat_c], errors="coerce")
        bad = int((x.isna() | y.isna()).sum())
        if bad:
            raise InputError(f"{what} file {p.name}: {bad} rows have a missing or non-numeric {lon_c}/{lat_c}: fix or remove them")
        src_crs = pyproj.CRS.from_user_input("EPSG:4326" if (crs is None or chinese) else crs)
        if src_crs.is_geographic:
            _check_lonlat(x.to_numpy(), y.to_numpy(), p.name, what, lon_c, lat_c)
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs=src_crs)
    else:
        try:
            import pyogrio

            gdf = pyogrio.read_dataframe(p)
        except Exception as exc:  # pyogrio raises its own DataSourceError subclasses
            raise InputError(f"{what} file {p.name} cannot be read ({exc}): use GeoJSON, GeoPackage or CSV") from exc
        if gdf.crs is None:
            if crs is None:
                raise CRSError(
                    f"{what} file {p.name} has no CRS: save it with one, or set {what}.crs "
                    "(e.g. \"EPSG:4326\")"
                )
            gdf = gdf.set_crs("EPSG:4326" if chinese else crs)
        if gdf.crs.is_geographic and len(gdf):
            c = shapely.get_coordinates(gdf.geometry.values)
            _check_lonlat(c[:, 0], c[:, 1], p.name, what, "x", "y")
    if chinese:
        from .coords import to_wgs84

        gdf = to_wgs84(gdf, crs=crs)
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        logger.warning("%s: %d rows of %s have no geometry and are skipped", what, int(empty.sum()), p.name)
        gdf = gdf[~empty]
    return gdf


def _check_lonlat(x: np.ndarray, y: np.ndarray, name: str, what: str, xc: str, yc: str) -> None:
    """Refuse degrees out of range, naming a swap when swapping would fix it."""
    if len(x) == 0:
        return
    x_ok = np.all((x >= -180) & (x <= 180))
    y_ok = np.all((y >= -90) & (y <= 90))
    if x_ok and y_ok:
        return
    if np.all((y >= -180) & (y <= 180)) and np.all((x >= -90) & (x <= 90)):
        raise CRSError(
            f"{what} file {name}: latitude values in {yc} are outside ±90°, so longitude and latitude "
            f"look swapped: swap the {xc} and {yc} columns (longitude is x, latitude is y)"
        )
    raise CRSError(
        f"{what} file {name}: coordinates are outside the range of degrees (e.g. {x[0]:.1f}, {y[0]:.1f}): "
        f"if they are projected metres, set {what}.crs to their CRS (e.g. \"EPSG:32650\")"
    )


def check_extent(gdf: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], what: str, *, margin: float = 2000.0) -> None:
    """Raise when no point of ``gdf`` (in the network CRS) lies near the network's bounds.

    When swapping x and y of the original WGS84 coordinates would put them inside, say so.
    Points partly outside are left to snapping (reported as unreachable).
    """
    if len(gdf) == 0:
        return
    minx, miny, maxx, maxy = bounds
    pts = gdf.geometry.representative_point() if not (gdf.geom_type == "Point").all() else gdf.geometry
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    inside = (x >= minx - margin) & (x <= maxx + margin) & (y >= miny - margin) & (y <= maxy + margin)
    if inside.any():
        return
    hint = ""
    try:
        ll = pts.to_crs(4326)
        sw = gpd.GeoSeries(gpd.points_from_xy(ll.y, ll.x), crs=4326).to_crs(gdf.crs)
        sx, sy = sw.x.to_numpy(), sw.y.to_numpy()
        if np.any((sx >= minx - margin) & (sx <= maxx + margin) & (sy >= miny - margin) & (sy <= maxy + margin)):
            hint = " Longitude and latitude look swapped: swap them in the file."
    except Exception:  # noqa: BLE001 - the hint is best effort; the error below stands anyway
        pass
    raise InputError(
        f"none of the {len(gdf)} {what} points lies within {margin:.0f} m of the network area: check that "
        f"the {what} file covers the same place as the network and that its CRS is right.{hint}"
    )


def _points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    geom = gdf.geometry
    if (geom.geom_type == "Point").all():
        return geom
    return geom.representative_point()


def _require(df: pd.DataFrame, columns: Iterable[str], what: str, name: str, keys: Mapping[str, str]) -> None:
    problems = Problems()
    for c in columns:
        if c not in df.columns:
            problems.add(
                f"{what} file {name} has no column {c!r} (columns: {', '.join(map(str, df.columns))}): "
                f"add it or set {keys.get(c, what + '.' + c + '_column')}"
            )
    problems.raise_if_any()


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


def _ids(gdf: pd.DataFrame, id_column: str | None) -> np.ndarray:
    if id_column:
        if id_column not in gdf.columns:
            raise InputError(f"id column {id_column!r} is not in the file: set the right id column")
        ids = gdf[id_column].astype(str).to_numpy()
    elif "id" in gdf.columns:
        ids = gdf["id"].astype(str).to_numpy()
    else:
        ids = np.array([str(i) for i in range(len(gdf))], dtype=object)
    if len(set(ids)) != len(ids):
        raise InputError("ids are not unique: give every row its own id (or remove the id column)")
    return ids


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
        from .standards import map_amap_typecodes

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
    for extra in ("floor_area_m2", "activity_area_m2", "capacity"):
        if extra in gdf.columns:
            out[extra] = pd.to_numeric(gdf[extra], errors="coerce").to_numpy()
    return out


# --------------------------------------------------------------------------------------------
# OSM features from a .pbf (pyrosm) or a download (osmnx)
# --------------------------------------------------------------------------------------------
def osm_features_from_pbf(path: str, kind: str, tags: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame | None:
    """Buildings, land use or POIs from an ``.osm.pbf`` file via pyrosm (WGS84).

    ``kind`` is ``"buildings"``, ``"landuse"`` or ``"pois"`` (with ``tags`` as a custom filter).
    """
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(path)
        if kind == "buildings":
            return osm.get_buildings()
        if kind == "landuse":
            return osm.get_landuse()
        if kind == "pois":
            flt = {k: (True if v is True else list(v)) for k, v in (tags or {}).items()}
            pois = osm.get_pois(custom_filter=flt)
            if pois is not None and len(pois) and "tags" in pois.columns:
                pois = _expand_tags(pois)
            return pois
    raise InputError(f"unknown OSM feature kind {kind!r}")


def _expand_tags(pois: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """pyrosm keeps uncommon tags in a JSON ``tags`` column: add them as columns."""
    import json

    extra: dict[str, list] = {}
    raw = pois["tags"].tolist()
    for i, t in enumerate(raw):
        if not t or (isinstance(t, float) and np.isnan(t)):
            continue
        try:
            d = json.loads(t) if isinstance(t, str) else dict(t)
        except (ValueError, TypeError):
            continue
        for k, v in d.items():
            if k not in pois.columns:
                extra.setdefault(k, [None] * len(raw))[i] = v
    if extra:
        pois = pd.concat([pois.reset_index(drop=True), pd.DataFrame(extra)], axis=1)
        pois = gpd.GeoDataFrame(pois, geometry="geometry", crs=4326)
    return pois


def osm_features_from_download(polygon: Any, tags: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """OSM features within a WGS84 polygon via osmnx (uses osmnx's HTTP cache)."""
    import osmnx as ox

    try:
        return ox.features_from_polygon(polygon, tags=dict(tags))
    except ox._errors.InsufficientResponseError:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
