"""Point and polygon layers from files, checked row by row at the boundary.

Tables (CSV in any common encoding and separator, ``.xlsx``: :mod:`siting.inputs.tables`) give
points from longitude/latitude columns (or an Amap ``location`` column ``"lon,lat"``); GIS files
(GeoPackage, Shapefile with its ``.cpg`` or a detected GBK DBF, GeoJSON, FlatGeobuf) give their
geometries. Every row keeps its number as the file shows it (``_row``). Rows with missing,
non-numeric, out-of-range or swapped coordinates, or no geometry, are flagged in a
:class:`~siting.inputs.rows.RowCheck` (see :mod:`siting.inputs.rows`); callers add their own
checks (counts, categories, ids, distance from the network) and keep the good rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting._io import read_vector
from siting.errors import CRSError, InputError, MissingFileError, Msg
from siting.inputs.rows import RejectedRows, RowCheck
from siting.inputs.tables import TABLE_SUFFIXES, find_column, parse_numbers, read_table

__all__ = ["ReadOptions", "check_extent", "read_points"]


logger = logging.getLogger(__name__)

#: Rows farther than this outside the network's bounding box are outside the study area (metres).
FAR_MARGIN_M = 2000.0

#: Rows farther than this (or than the study area's diagonal) outside it are wrong coordinates (metres).
FAR_AWAY_M = 20_000.0


@dataclass(frozen=True)
class ReadOptions:
    """How to read one input file (each is a scenario key of the input's section).

    Attributes
    ----------
    crs : CRS-like, optional
        The CRS of a table's coordinate columns (default WGS84), or of a GIS file that carries
        none; ``"gcj02"`` / ``"bd09"`` are converted to WGS84.
    encoding, sep, decimal : str, optional
        Force a table's text encoding, separator or decimal mark (default: detected); ``encoding``
        also forces a Shapefile DBF's encoding.
    sheet : str or int, optional
        The sheet of an ``.xlsx`` workbook (name, or number from 1; default the first).
    layer : str, optional
        The layer of a GeoPackage with several.
    lon_column, lat_column : str, optional
        A table's coordinate columns (default: 经度/lng/lon/longitude/x and 纬度/lat/latitude/y).
    """

    crs: Any = None
    encoding: str | None = None
    sep: str | None = None
    decimal: str | None = None
    sheet: str | int | None = None
    layer: str | None = None
    lon_column: str | None = None
    lat_column: str | None = None


def _resolve_crs(crs: Any, what: str) -> tuple[Any, str | None]:
    """(pyproj-ready CRS or None, Chinese system name or None)."""
    if not isinstance(crs, str):
        return crs, None
    from siting.inputs.coords import crs_problem, normalise_crs_name

    msg = crs_problem(crs)
    if msg:
        raise CRSError(Msg("{what}.crs = {crs!r}: {msg}", what=what, crs=crs, msg=msg))
    try:
        name = normalise_crs_name(crs)
    except CRSError:
        return crs, None
    if name == "wgs84":
        return "EPSG:4326", None
    return "EPSG:4326", name


def load_rows(path: str | Path, opts: ReadOptions = ReadOptions(), *, what: str = "input") -> tuple[gpd.GeoDataFrame, RowCheck]:
    """Every row of a file with its geometry (None where the coordinates are bad) and its checks.

    Returns the rows in the file's CRS (tables: WGS84, or ``opts.crs``; Chinese systems already
    converted to WGS84) with ``_row`` (the row number as the file shows it), and the
    :class:`RowCheck` holding the coordinate problems found.
    """
    p = Path(path)
    if not p.exists():
        raise MissingFileError(Msg("{what} file not found: {p}: check the path (relative to the scenario file)", what=what, p=p))
    crs, chinese = _resolve_crs(opts.crs, what)
    if p.suffix.lower() in TABLE_SUFFIXES:
        return _table_rows(p, opts, crs, chinese, what)
    return _vector_rows(p, opts, crs, chinese, what)


def _table_rows(p: Path, opts: ReadOptions, crs: Any, chinese: str | None, what: str) -> tuple[gpd.GeoDataFrame, RowCheck]:
    t = read_table(p, encoding=opts.encoding, sep=opts.sep, decimal=opts.decimal, sheet=opts.sheet, what=what)
    df = t.frame
    check = RowCheck(df, t.rows, t.name, what)
    lon_c = find_column(df.columns, opts.lon_column, "lon")
    lat_c = find_column(df.columns, opts.lat_column, "lat")
    loc_c = find_column(df.columns, None, "location") if opts.lon_column is None and opts.lat_column is None else None
    if (lon_c is None or lat_c is None) and loc_c is not None:
        # Amap / Baidu exports: one "lon,lat" text column
        parts = df[loc_c].astype(str).str.split(",", n=1, expand=True)
        xs = parts[0] if parts.shape[1] >= 1 else pd.Series("", index=df.index)
        ys = parts[1] if parts.shape[1] >= 2 else pd.Series("", index=df.index)
        lon_name = lat_name = str(loc_c)
        x, x_bad = parse_numbers(xs.fillna(""), decimal=".")
        y, y_bad = parse_numbers(ys.fillna(""), decimal=".")
    else:
        problems = []
        for given, found, kind in ((opts.lon_column, lon_c, "longitude"), (opts.lat_column, lat_c, "latitude")):
            if found is None:
                problems.append(Msg("no column {given!r}", given=given) if given else Msg("no {kind} column", kind=kind))
        if problems:
            sep_hint = ""
            if len(df.columns) == 1 and any(s in str(df.columns[0]) for s in (";", "\t", "|")):
                sep_hint = Msg(" (the header looks separated by something else than {sep!r}: set {what}.sep)", sep=t.sep, what=what)
            raise InputError(
                Msg("{what} file {name} has {v1} (columns: {v2}){sep_hint}: name them lon and lat (or 经度 and 纬度), or set "
                    "{what}.lon_column / {what}.lat_column",
                    what=what,
                    name=t.name,
                    v1=problems[0] if len(problems) == 1 else Msg("{a} and {b}", a=problems[0], b=problems[1]),
                    v2=', '.join(map(str, df.columns)),
                    sep_hint=sep_hint)
            )
        lon_name, lat_name = str(lon_c), str(lat_c)
        x, x_bad = parse_numbers(df[lon_c], decimal=t.decimal)
        y, y_bad = parse_numbers(df[lat_c], decimal=t.decimal)
    xcol, ycol = lon_name, lat_name
    check.flag(x_bad, "bad_coordinates", xcol)
    check.flag(y_bad, "bad_coordinates", ycol)
    miss = ~np.isfinite(x) | ~np.isfinite(y)
    check.flag(miss, "missing_coordinates", f"{xcol}/{ycol}" if xcol != ycol else xcol)
    src = pyproj.CRS.from_user_input("EPSG:4326" if crs is None else crs)
    if src.is_geographic:
        _flag_degrees(check, x, y)
    ok = check.good
    geom = np.full(len(df), None, dtype=object)
    geom[ok] = shapely.points(x[ok], y[ok])
    gdf = gpd.GeoDataFrame(df.copy(), geometry=gpd.GeoSeries(geom, crs=src).values, crs=src)
    gdf["_row"] = t.rows
    gdf.attrs.update(encoding=t.encoding, sep=t.sep, decimal=t.decimal, name=t.name)
    return _to_wgs(gdf, chinese, what), check


def _flag_degrees(check: RowCheck, x: np.ndarray, y: np.ndarray) -> None:
    """Flag coordinates outside the range of degrees; those fixed by a swap as swapped."""
    with np.errstate(invalid="ignore"):
        out = (np.abs(x) > 180) | (np.abs(y) > 90)
        swappable = out & (np.abs(y) <= 180) & (np.abs(x) <= 90)
    shown = np.array([f"({a:g}, {b:g})" for a, b in zip(x, y)], dtype=object)
    check.flag(swappable, "swapped", "", shown)
    check.flag(out, "out_of_range", "", shown)


def _vector_rows(p: Path, opts: ReadOptions, crs: Any, chinese: str | None, what: str) -> tuple[gpd.GeoDataFrame, RowCheck]:
    gdf = read_vector(p, layer=opts.layer, encoding=opts.encoding, what=f"{what} file")
    if gdf.crs is None:
        if crs is None:
            raise CRSError(
                Msg("{what} file {name} has no CRS: save it with one (a .prj for a Shapefile), or set {what}.crs (e.g. "
                    "\"EPSG:4326\", or CGCS2000 \"EPSG:4490\" / \"EPSG:4547\")",
                    what=what,
                    name=p.name)
            )
        gdf = gdf.set_crs(crs)
    gdf = gdf.reset_index(drop=True)
    rows = np.arange(len(gdf), dtype=np.int64) + 1
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    check = RowCheck(attrs, rows, p.name, what)
    geom = gdf.geometry
    empty = (geom.isna() | geom.is_empty).to_numpy()
    check.flag(empty, "no_geometry")
    if gdf.crs.is_geographic and len(gdf):
        b = np.full((len(gdf), 4), np.nan)
        b[~empty] = shapely.bounds(geom.values[~empty])
        x = np.where(np.abs(b[:, 0]) > np.abs(b[:, 2]), b[:, 0], b[:, 2])
        y = np.where(np.abs(b[:, 1]) > np.abs(b[:, 3]), b[:, 1], b[:, 3])
        _flag_degrees(check, np.where(empty, 0, x), np.where(empty, 0, y))
    kept = np.asarray(geom.values, dtype=object).copy()
    kept[~check.good] = None
    gdf = gdf.set_geometry(gpd.GeoSeries(kept, crs=gdf.crs).values)
    gdf["_row"] = rows
    gdf.attrs.update(encoding=gdf.attrs.get("encoding", ""), name=p.name)
    return _to_wgs(gdf, chinese, what), check


def _to_wgs(gdf: gpd.GeoDataFrame, chinese: str | None, what: str = "input") -> gpd.GeoDataFrame:
    if chinese is None:
        return gdf
    from siting.inputs.coords import to_wgs84, warn_outside_china

    has = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if not has.any():
        return gdf.set_crs("EPSG:4326", allow_override=True)
    warn_outside_china(gdf.iloc[np.flatnonzero(has)], chinese, what)  # GCJ-02 / BD-09 exist only in China
    conv = to_wgs84(gdf.iloc[np.flatnonzero(has)][[gdf.geometry.name]], crs=chinese)
    geom = np.asarray(gdf.geometry.values, dtype=object).copy()
    geom[has] = np.asarray(conv.geometry.values, dtype=object)
    out = gdf.copy()
    out = out.set_geometry(gpd.GeoSeries(geom, crs="EPSG:4326").values)
    return out.set_crs("EPSG:4326", allow_override=True)


def flag_far(check: RowCheck, gdf: gpd.GeoDataFrame, bounds: tuple[float, float, float, float] | None, to_crs: Any,
             *, margin: float = FAR_MARGIN_M) -> tuple[gpd.GeoSeries, np.ndarray]:
    """Project the rows' points to ``to_crs``; flag the far-away ones; say which lie outside the area.

    A row more than ``margin`` metres outside the network's bounding box lies *outside the study
    area*: it is left out, but it is not a bad row (a city-wide POI list for one district). A
    row farther than :data:`FAR_AWAY_M` (or the size of the area, if larger) is flagged
    ``far_away`` — a wrong coordinate — or ``swapped`` when swapping its longitude and latitude
    puts it inside.

    Returns
    -------
    points : GeoSeries
        Points (representative points of polygons) in ``to_crs``; None for flagged rows.
    outside : ndarray of bool
        Good rows outside the study area.
    """
    pts = _points(gdf).to_crs(to_crs)
    none = np.zeros(len(gdf), dtype=bool)
    if bounds is None or not len(gdf):
        return pts, none
    minx, miny, maxx, maxy = bounds
    has = ~(pts.isna() | pts.is_empty).to_numpy()
    safe = np.where(has, np.asarray(pts.values, dtype=object), shapely.Point(np.nan, np.nan))
    x, y = shapely.get_x(safe), shapely.get_y(safe)
    with np.errstate(invalid="ignore"):
        d = np.hypot(np.maximum(np.maximum(minx - x, x - maxx), 0), np.maximum(np.maximum(miny - y, y - maxy), 0))
    outside = has & (d > margin)
    if not outside.any():
        return pts, none
    far_limit = max(FAR_AWAY_M, float(np.hypot(maxx - minx, maxy - miny)))
    swapped = np.zeros(len(gdf), dtype=bool)
    if gdf.crs is not None and gdf.crs.is_geographic:
        ll = _points(gdf.iloc[np.flatnonzero(outside)]).to_crs(4326)
        try:
            sw = gpd.GeoSeries(gpd.points_from_xy(ll.y, ll.x), crs=4326).to_crs(to_crs)
            sx, sy = sw.x.to_numpy(), sw.y.to_numpy()
            inside = (sx >= minx - margin) & (sx <= maxx + margin) & (sy >= miny - margin) & (sy <= maxy + margin)
            swapped[np.flatnonzero(outside)[inside]] = True
        except Exception:  # a swap outside the projection's domain: not a swap
            pass
    shown = np.array([f"({a:g}, {b:g})" for a, b in zip(*_lonlat(gdf))], dtype=object)
    check.flag(swapped, "swapped", "", shown)
    km = np.array([f"{v / 1000:.1f}" for v in d], dtype=object)
    check.flag(outside & (d > far_limit), "far_away", "", shown, km)
    out = pts.copy()
    out[~check.good] = None
    return out, outside & check.good


def left_out(outside: np.ndarray, good: np.ndarray, what: str, name: str) -> None:
    """Log the rows outside the study area; refuse a file whose every good row is outside."""
    n_out = int((outside & good).sum())
    if not n_out:
        return
    if n_out == int(good.sum()):
        raise InputError(
            Msg("none of the {n_out} {what} rows of {name} lies within {v1:.0f} km of the network area: check that "
                "the file covers the same place as the network and that {what}.crs is right (Amap POIs: \"gcj02\")",
                n_out=n_out,
                what=what,
                name=name,
                v1=FAR_MARGIN_M / 1000)
        )
    logger.info("%s: %d rows of %s lie outside the network area and are not used", what, n_out, name)


def _lonlat(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    pts = _points(gdf)
    has = ~(pts.isna() | pts.is_empty).to_numpy()
    safe = np.where(has, pts.values, shapely.Point(np.nan, np.nan))
    return shapely.get_x(safe), shapely.get_y(safe)


def read_points(
    path: str | Path,
    *,
    crs: Any = None,
    lon: str | None = None,
    lat: str | None = None,
    what: str = "input",
    options: ReadOptions | None = None,
    rejected: RejectedRows | None = None,
) -> gpd.GeoDataFrame:
    """Read a table (CSV, ``.xlsx``: lon/lat columns) or GIS file as a GeoDataFrame of its good rows.

    Polygons are kept as they are (callers take a point on the surface where they need points).
    Rows with bad coordinates or no geometry are dropped and recorded in ``rejected``; a file
    where most rows are bad is an error.

    Parameters
    ----------
    path : str or Path
        The file.
    crs : CRS-like, optional
        For tables: the CRS of the coordinate columns (default WGS84, ``EPSG:4326``). For files
        that carry no CRS: the CRS to assume. Chinese ``"gcj02"`` / ``"bd09"`` are converted to
        WGS84.
    lon, lat : str, optional
        Table column names (default: found among 经度/lng/lon/longitude/x and 纬度/lat/latitude/y).
    what : str
        What the file is (``"demand"``, ``"facilities"``), named in messages.
    options : ReadOptions, optional
        Encoding, separator, sheet, layer ... (``crs``, ``lon``, ``lat`` given here win).
    rejected : RejectedRows, optional
        Collects the dropped rows.

    Returns
    -------
    GeoDataFrame
        The good rows in the file's CRS (WGS84 for tables), with ``_row``, the row number as the
        file shows it.
    """
    opts = options or ReadOptions()
    opts = replace(opts, crs=crs if crs is not None else opts.crs, lon_column=lon or opts.lon_column,
                   lat_column=lat or opts.lat_column)
    gdf, check = load_rows(path, opts, what=what)
    good = check.finish(rejected, hint=_coordinate_hint(check, what))
    return gdf[good].reset_index(drop=True)


def _coordinate_hint(check: RowCheck, what: str) -> str:
    """What to fix when most rows are bad, by the commonest reason."""
    reasons = pd.Series(check._reason[check.bad]).value_counts()
    top = str(reasons.index[0]) if len(reasons) else ""
    return {
        "swapped": "longitude and latitude look swapped: swap the two columns (longitude is x, latitude is y)",
        "out_of_range": f"if the coordinates are projected metres, set {what}.crs to their CRS (e.g. CGCS2000 \"EPSG:4547\", "
                        "UTM \"EPSG:32650\")",
        "far_away": f"check that the file covers the same place as the network, and that {what}.crs is right (Amap POIs: "
                    "\"gcj02\")",
        "bad_coordinates": f"check the separator and decimal mark ({what}.sep, {what}.decimal) and the coordinate columns",
        "missing_coordinates": f"check the coordinate columns ({what}.lon_column / {what}.lat_column)",
        "unknown_category": f"check {what}.category_column and the category names",
        "no_geometry": "check the file's geometries",
    }.get(top, "")


def check_extent(gdf: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], what: str, *, margin: float = FAR_MARGIN_M) -> None:
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
            hint = Msg(" Longitude and latitude look swapped: swap them in the file.")
    except Exception:
        pass
    raise InputError(
        Msg("none of the {v1} {what} points lies within {margin:.0f} m of the network area: check that the "
            "{what} file covers the same place as the network and that its CRS is right.{hint}",
            v1=len(gdf),
            what=what,
            margin=margin,
            hint=hint)
    )


def _points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    geom = gdf.geometry
    if (geom.geom_type.fillna("Point") == "Point").all():
        return geom
    has = ~(geom.isna() | geom.is_empty).to_numpy()
    out = np.full(len(geom), None, dtype=object)
    out[has] = shapely.point_on_surface(np.asarray(geom.values[has]))
    return gpd.GeoSeries(out, index=geom.index, crs=geom.crs)


def flag_ids(check: RowCheck, frame: pd.DataFrame, id_column: str | None, what: str) -> np.ndarray:
    """Ids as strings (the row number when there is no id column); repeats flagged as duplicates.

    The first row of an id keeps it; later rows with the same id are flagged (``duplicate_id``).
    """
    col = find_column(frame.columns, id_column, "id" if id_column is None else None)
    if id_column is not None and col is None:
        raise InputError(Msg("{what}.id_column = {id_column!r} is not a column of {name} (columns: {v1}): set the right id column",
                             what=what,
                             id_column=id_column,
                             name=check.name,
                             v1=', '.join(map(str, frame.columns))))
    if col is None:
        return np.array([str(r) for r in check.rows], dtype=object)
    ids = frame[col].astype(str).str.strip().to_numpy(dtype=object)
    s = pd.Series(ids)
    live = pd.Series(check.good)
    first_row = pd.Series(check.rows).where(live).groupby(s).transform("min")
    dup = (s.duplicated(keep=False) & live & (pd.Series(check.rows) != first_row) & (s != "")).to_numpy()
    check.flag(dup, "duplicate_id", col, ids, first_row.fillna(-1).astype(int).astype(str).to_numpy(dtype=object))
    empty = ids == ""
    ids = np.where(empty, np.array([f"row{r}" for r in check.rows], dtype=object), ids)
    return ids
