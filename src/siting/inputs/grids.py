"""Population grids (WorldPop, GHSL, census grids) as demand: one residence per populated cell.

A GeoTIFF (or any raster GDAL reads) is read with rasterio, an optional dependency
(``pip install "siting[raster]"``; it bundles its own GDAL, about 100 MB, so a plain install does
without it). Each cell with a population becomes a point at the cell's centre carrying that
population; nodata, NaN and zero cells are skipped, negative cells are dropped and counted.
The raster's own CRS is respected (WorldPop is WGS84, GHSL Mollweide); with the network's
bounds given, only the window covering them (plus 2 km) is read, so a national tile costs what
the study area costs. The cells are turned into points with numpy, never one by one: a
1 000 × 1 000 grid loads in about a second.

A grid CSV (``lon, lat, pop`` — one row per cell centre) is read by
:func:`siting.inputs.demand.demand_from_file` like any other table and gives the same residences.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj

from siting.errors import CRSError, InputError, MissingDependency, MissingFileError, Msg

__all__ = ["demand_from_raster"]

logger = logging.getLogger(__name__)

_MARGIN_M = 2000.0


def _rasterio() -> Any:
    try:
        import rasterio
    except ImportError as exc:
        raise MissingDependency(
            Msg("population grids (GeoTIFF) need rasterio: pip install \"siting[raster]\" (or pip install rasterio); "
                "or give the grid as a CSV of cell centres (lon, lat, pop)")
        ) from exc
    return rasterio


def demand_from_raster(
    path: str | Path,
    *,
    to_crs: Any,
    band: int = 1,
    crs: Any = None,
    bounds: tuple[float, float, float, float] | None = None,
    household_size: float = 2.62,
) -> gpd.GeoDataFrame:
    """Residences from a population grid: one point per populated cell, at the cell's centre.

    Parameters
    ----------
    path : str or Path
        A GeoTIFF (or other GDAL raster) of persons per cell.
    to_crs : CRS-like
        The run's projected CRS (metres).
    band : int
        Band to read, from 1.
    crs : CRS-like, optional
        The raster's CRS when the file carries none.
    bounds : tuple, optional
        ``(minx, miny, maxx, maxy)`` of the network in ``to_crs``: only cells within 2 km of it
        are read.
    household_size : float
        Persons per household, for the estimated households.

    Returns
    -------
    GeoDataFrame
        ``rid`` (``r<row>c<col>`` of the cell in the file), ``name`` (empty), ``population``,
        ``households`` (estimated), ``population_estimated`` (False), ``households_estimated``
        (True), ``source``, ``_row`` (the cell's row in the file, from 1); points in ``to_crs``.
    """
    rasterio = _rasterio()
    from rasterio.windows import Window

    p = Path(path)
    if not p.exists():
        raise MissingFileError(Msg("demand file not found: {p}: check the path (relative to the scenario file)", p=p))
    try:
        ds = rasterio.open(p)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(Msg("demand grid {name} cannot be read ({exc}): use a GeoTIFF of persons per cell", name=p.name, exc=exc)) from None
    with ds:
        if not 1 <= band <= ds.count:
            raise InputError(Msg("demand.band = {band}: {name} has {count} band(s): count from 1", band=band, name=p.name, count=ds.count))
        src = ds.crs if ds.crs is not None else (pyproj.CRS.from_user_input(crs) if crs is not None else None)
        if src is None:
            raise CRSError(Msg("demand grid {name} has no CRS: save it with one, or set demand.crs (e.g. \"EPSG:4326\")", name=p.name))
        src = pyproj.CRS.from_user_input(src)
        window = None
        a = ds.transform
        off_r = off_c = 0
        if bounds is not None:
            minx, miny, maxx, maxy = bounds
            t = pyproj.Transformer.from_crs(to_crs, src, always_xy=True)
            xs = np.linspace(minx - _MARGIN_M, maxx + _MARGIN_M, 21)
            ys = np.linspace(miny - _MARGIN_M, maxy + _MARGIN_M, 21)
            gx, gy = np.meshgrid(xs, ys)
            rx, ry = t.transform(gx.ravel(), gy.ravel())
            # raster columns and rows of those points: the inverse of the cell -> coordinate affine
            inv = np.linalg.inv(np.array([[a.a, a.b], [a.d, a.e]]))
            cr = inv @ np.vstack([np.asarray(rx) - a.c, np.asarray(ry) - a.f])
            c0, r0 = max(int(np.floor(cr[0].min())), 0), max(int(np.floor(cr[1].min())), 0)
            c1, r1 = min(int(np.ceil(cr[0].max())), ds.width), min(int(np.ceil(cr[1].max())), ds.height)
            if c1 <= c0 or r1 <= r0:
                raise InputError(
                    Msg("demand grid {name} does not cover the network area: check that it is the same place and that its CRS is right", name=p.name)
                )
            window = Window(c0, r0, c1 - c0, r1 - r0)
            off_r, off_c = r0, c0
        data = ds.read(band, window=window, masked=True)
        total_cells = ds.width * ds.height
    values = np.ma.filled(data.astype(float), np.nan)
    finite = np.isfinite(values)
    negative = finite & (values < 0)
    keep = finite & (values > 0)
    if negative.any():
        logger.warning("demand: %d cells of %s have a negative population and are skipped", int(negative.sum()), p.name)
    rows, cols = np.nonzero(keep)
    pop = values[rows, cols]
    fr, fc = rows + off_r + 0.5, cols + off_c + 0.5  # cell centres in the file's rows and columns
    cx = a.c + fc * a.a + fr * a.b
    cy = a.f + fc * a.d + fr * a.e
    if src.is_geographic and len(cx) and (np.abs(cx).max() > 180 or np.abs(cy).max() > 90):
        raise CRSError(Msg("demand grid {name}: cell centres are not degrees, but the file says {v1}: fix its CRS", name=p.name, v1=src.to_string()))
    tx, ty = pyproj.Transformer.from_crs(src, to_crs, always_xy=True).transform(cx, cy)
    logger.info("demand: %s: %d populated cells of %d read (%.0f persons; %d nodata/zero skipped)", p.name, len(pop),
                int(values.size), float(pop.sum()), int(values.size - keep.sum() - negative.sum()))
    if len(pop) == 0:
        raise InputError(Msg("demand grid {name} has no populated cell in the network area (all nodata or zero): check the file", name=p.name))
    r_file = rows + off_r
    c_file = cols + off_c
    rid = np.char.add(np.char.add("r", (r_file + 1).astype(str)), np.char.add("c", (c_file + 1).astype(str)))
    out = gpd.GeoDataFrame(
        {
            "rid": rid.astype(object),
            "name": "",
            "population": pop,
            "households": pop / household_size,
            "population_estimated": False,
            "households_estimated": True,
            "source": p.name,
            "_row": r_file + 1,
        },
        geometry=gpd.points_from_xy(tx, ty, crs=to_crs),
        crs=to_crs,
    )
    out.attrs["cells"] = int(total_cells)
    return out
