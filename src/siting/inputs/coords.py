"""Chinese map coordinates: GCJ-02 (Amap/Gaode, Tencent) and BD-09 (Baidu) to and from WGS84.

PROJ does not carry these systems: GCJ-02 adds a deliberate, non-linear offset of a few hundred
metres to WGS84 longitude/latitude, and BD-09 adds a further rotation and shift to GCJ-02. Input
files exported from Amap or Baidu must be converted to WGS84 on load.

Algorithm
---------
The forward GCJ-02 offset is the widely published formula (the leaked original, on the
Krasovsky 1940 ellipsoid, a = 6 378 245 m, e² = 0.00669342162296594323), as implemented in
eviltransform (googollee/eviltransform, MIT), coordTransform (wandergis) and PRCoords
(Artoria2e5, CC0). BD-09 ↔ GCJ-02 is Baidu's published rotation (x_pi = π·3000/180).

The inverses have no closed form. ``gcj02_to_wgs84`` and ``bd09_to_gcj02`` start from the usual
one-step approximation and iterate the fixed point ``w ← w − (f(w) − g)`` until every point moves
less than 1e-9 degrees (typically 3–4 iterations; at most 30), so that a round trip agrees to
better than 1e-7 degrees (about 1 cm). The one-step approximation alone errs by up to a few metres.

We implement it here (a dozen lines, vectorised over numpy arrays) rather than depend on a PyPI
package: the maintained-looking ones (prcoords 1.0.2, eviltransform 0.1.1, coord-convert 0.2.1) are
scalar-only, unchanged since 2018–2019, and prcoords warns on every point outside China.

Outside China
-------------
Points outside a rough bounding box of China, 72.004 ≤ lon ≤ 137.8347 and 0.8293 ≤ lat ≤ 55.8271
(the test used by eviltransform and PRCoords), are returned unshifted for every conversion: Amap and
Baidu serve WGS84 abroad. The box is rough on purpose: it includes parts of neighbouring countries
(Mongolia, Korea, Japan, South-East Asia), where a point would be shifted; it does not matter for
data from Chinese cities.

All functions take longitudes and latitudes in degrees (scalars or numpy arrays of any shape) and
return ``(lon, lat)`` as float64 arrays of the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from siting.errors import CRSError, InputError, Msg

__all__ = [
    "CHINA_BBOX",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "normalise_crs_name",
    "to_wgs84",
    "warn_outside_china",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

logger = logging.getLogger(__name__)

#: (min lon, min lat, max lon, max lat) of the rough "inside China" test, degrees.
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_TOL = 1e-9  # degrees, stopping tolerance of the inverse iterations
_MAX_ITER = 30

_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs 84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
    "mars": "gcj02", "tencent": "gcj02", "高德": "gcj02", "火星坐标": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}


def normalise_crs_name(name: str) -> str:
    """``"gcj02"``, ``"bd09"`` or ``"wgs84"`` from a name or alias (``"GCJ-02"``, ``"amap"``, ``"baidu"``).

    Raises
    ------
    CRSError
        For an unrecognised name; the message lists the accepted names.
    """
    key = str(name).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    hint = ""
    if key in ("bd09mc", "bd-09mc", "baidu mercator"):
        hint = Msg(" BD-09 Mercator (bd09mc) metres are not supported: export Baidu longitude/latitude (bd09ll).")
    raise CRSError(
        Msg("coordinate system {name!r} is not recognised: use \"gcj02\" (Amap/Gaode, Tencent), \"bd09\" (Baidu) or "
            "\"wgs84\"; for any other CRS give an EPSG code to the loader.{hint}",
            name=name,
            hint=hint)
    )


def _arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if x.shape != y.shape:
        raise InputError(Msg("lon and lat must have the same shape, got {shape} and {v1}", shape=x.shape, v1=y.shape))
    return x, y


def in_china(lon: Any, lat: Any) -> np.ndarray:
    """Boolean array: inside the rough bounding box :data:`CHINA_BBOX` (degrees)."""
    x, y = _arrays(lon, lat)
    x0, y0, x1, y1 = CHINA_BBOX
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (d_lon, d_lat) in degrees at WGS84 (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
    dlat += (common + 20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)
             + 160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y / 30.0 * np.pi)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
    dlon += (common + 20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)
             + 150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = dlon * 180.0 / (_A / sq * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (degrees). Points outside China are returned unchanged."""
    x, y = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(x, y)
    inside = in_china(x, y)
    return np.where(inside, x + dlon, x), np.where(inside, y + dlat, y)


def _invert(forward, gx: np.ndarray, gy: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Solve forward(x, y) = (gx, gy) by fixed-point iteration from the guess (x, y)."""
    x = x.copy()
    y = y.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = fx - gx, fy - gy
        x -= ex
        y -= ey
        if not (np.nanmax(np.abs(ex), initial=0.0) > _TOL or np.nanmax(np.abs(ey), initial=0.0) > _TOL):
            break
    return x, y


def _gcj_forward_unmasked(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offset(x, y)
    return x + dlon, y + dlat


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 (degrees), iterated to better than 1e-7 degrees.

    Points outside China (tested on the GCJ-02 input) are returned unchanged.
    """
    gx, gy = _arrays(lon, lat)
    inside = in_china(gx, gy)
    dlon, dlat = _gcj_offset(gx, gy)
    wx, wy = _invert(_gcj_forward_unmasked, gx, gy, gx - dlon, gy - dlat)
    return np.where(inside, wx, gx), np.where(inside, wy, gy)


def _bd_forward(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (degrees). Points outside China are returned unchanged."""
    x, y = _arrays(lon, lat)
    bx, by = _bd_forward(x, y)
    inside = in_china(x, y)
    return np.where(inside, bx, x), np.where(inside, by, y)


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02 (degrees): Baidu's published inverse, refined by iteration.

    Points outside China are returned unchanged.
    """
    bx, by = _arrays(lon, lat)
    x = bx - 0.0065
    y = by - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy = _invert(_bd_forward, bx, by, z * np.cos(theta), z * np.sin(theta))
    inside = in_china(bx, by)
    return np.where(inside, gx, bx), np.where(inside, gy, by)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 (degrees), through GCJ-02. Points outside China are returned unchanged."""
    x, y = _arrays(lon, lat)
    gx, gy = wgs84_to_gcj02(x, y)
    bx, by = gcj02_to_bd09(gx, gy)
    inside = in_china(x, y)
    return np.where(inside, bx, x), np.where(inside, by, y)


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 (degrees), through GCJ-02. Points outside China are returned unchanged."""
    x, y = _arrays(lon, lat)
    gx, gy = bd09_to_gcj02(x, y)
    wx, wy = gcj02_to_wgs84(gx, gy)
    inside = in_china(x, y)
    return np.where(inside, wx, x), np.where(inside, wy, y)


_TO_WGS = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}


def to_wgs84(data: Any, crs: str = "gcj02") -> Any:
    """Convert GCJ-02 or BD-09 coordinates to WGS84.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or (lon, lat) pair of arrays
        Longitude/latitude in degrees in the Chinese system ``crs``. A GeoDataFrame may hold any
        geometry type (points, lines, polygons): every vertex is converted with
        :func:`shapely.transform`. Its ``.crs`` must be geographic (usually EPSG:4326, which is how
        Amap/Baidu exports are labelled) or unset.
    crs : str
        ``"gcj02"`` (Amap/Gaode, Tencent) or ``"bd09"`` (Baidu), or an alias; ``"wgs84"`` returns
        the data unchanged.

    Returns
    -------
    Same type as ``data``
        A copy in WGS84 (GeoDataFrame/GeoSeries with ``crs = EPSG:4326``), or ``(lon, lat)`` arrays.

    Raises
    ------
    CRSError
        An unrecognised ``crs`` name, or a projected (metre) GeoDataFrame.
    """
    import geopandas as gpd

    name = normalise_crs_name(crs)
    if isinstance(data, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return _frame_to_wgs84(data, name)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        if name == "wgs84":
            return _arrays(*data)
        return _TO_WGS[name](*data)
    raise InputError(
        Msg("to_wgs84 expects a GeoDataFrame, a GeoSeries or a (lon, lat) pair of arrays, got {__name__}", __name__=type(data).__name__)
    )


def _frame_to_wgs84(frame: Any, name: str) -> Any:
    import geopandas as gpd
    import shapely

    if frame.crs is not None and not frame.crs.is_geographic:
        raise CRSError(
            Msg("coordinates in {name} must be longitude/latitude degrees, but the data has the projected CRS {v1}: "
                "load the raw Amap/Baidu longitude and latitude instead",
                name=name,
                v1=frame.crs.to_string())
        )
    out = frame.copy()
    if name == "wgs84":
        return out.set_crs("EPSG:4326", allow_override=True)
    func = _TO_WGS[name]

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    series = frame if isinstance(frame, gpd.GeoSeries) else frame.geometry
    geoms = shapely.transform(np.asarray(series.values), _xy)
    converted = gpd.GeoSeries(geoms, index=frame.index, crs=series.crs, name=series.name)
    if isinstance(frame, gpd.GeoSeries):
        out = converted
    else:
        out[series.name] = converted
    logger.info("converted %d geometries from %s to WGS84", len(frame), name)
    return out.set_crs("EPSG:4326", allow_override=True)


def warn_outside_china(frame: Any, crs: str, what: str = "input") -> int:
    """Warn when points declared GCJ-02 / BD-09 lie outside China; return how many do.

    Those systems exist only inside China (Amap and Baidu serve WGS84 abroad), so such points are
    kept unshifted (see *Outside China* above) and the declared ``crs`` is probably a mistake.
    ``frame`` is a GeoDataFrame or GeoSeries in longitude/latitude degrees.
    """
    import geopandas as gpd

    name = normalise_crs_name(crs)
    if name == "wgs84" or len(frame) == 0:
        return 0
    geom = frame if isinstance(frame, gpd.GeoSeries) else frame.geometry
    geom = geom[~(geom.isna() | geom.is_empty)]
    pts = geom if (geom.geom_type == "Point").all() else geom.representative_point()
    outside = int((~in_china(pts.x.to_numpy(), pts.y.to_numpy())).sum())
    if outside:
        x0, y0, x1, y1 = CHINA_BBOX
        label = {"gcj02": "GCJ-02", "bd09": "BD-09"}[name]
        logger.warning(
            "%s: %s.crs = %r (%s), but %d of %d points lie outside China (longitude %g–%g, latitude %g–%g), where "
            "%s is not used: they are kept as WGS84, unshifted; check %s.crs (drop it for WGS84 data)",
            what, what, crs, label, outside, len(pts), x0, x1, y0, y1, label, what,
        )
    return outside


def crs_problem(value: str) -> str | None:
    """Why ``value`` is not a usable input CRS (None when it is): an EPSG/PROJ name pyproj knows,
    or one of the Chinese systems PROJ does not carry (``gcj02``, ``bd09``)."""
    import pyproj

    from siting.inputs.coords import normalise_crs_name

    try:
        normalise_crs_name(value)
        return None
    except InputError:
        pass
    try:
        pyproj.CRS.from_user_input(value)
        return None
    except pyproj.exceptions.CRSError:
        return Msg("not a CRS siting knows: use an EPSG code (\"EPSG:4326\", \"EPSG:32650\"), "
                   "or \"gcj02\" (Amap/Gaode) or \"bd09\" (Baidu) for Chinese coordinates")
