"""Point layers from files (GeoJSON, GeoPackage, Shapefile, CSV with lon/lat), checked at the boundary."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from siting.errors import CRSError, InputError, MissingFileError, Problems

__all__ = ["check_extent", "read_points"]


logger = logging.getLogger(__name__)


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
        WGS84 when :mod:`siting.inputs.coords` is available.
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
        from siting.inputs.coords import crs_problem, normalise_crs_name

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
        if missing or lon_c is None or lat_c is None:
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
        from siting.inputs.coords import to_wgs84

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
    except Exception:
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
