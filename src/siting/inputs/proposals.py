"""Reading development proposals for :mod:`siting.check` (GeoJSON or GeoPackage).

Private plumbing; :class:`Development` and :func:`read_development` are public in
:mod:`siting.check`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting._io import dbf_encoding
from siting.errors import CRSError, InputError, MissingFileError, Msg
from siting.inputs.tables import find_column, parse_numbers

__all__ = ["Development", "read_development"]

_PLANNED = re.compile(r"^planned_(.+)_m2$", re.IGNORECASE)
_POLYGONS = ("Polygon", "MultiPolygon")
#: Floor and ground areas of the whole development (m²) that the catalog's rules test.
AREA_PROPERTIES = ("total_floor_area_m2", "commercial_floor_area_m2", "outdoor_activity_m2")


# ------------------------------------------------------------------------------------------------
# the development
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Development:
    """A proposed residential development, as read from its file.

    Attributes
    ----------
    name : str
        ``name`` property, else the file name without its suffix.
    path : Path or None
    polygon : GeoDataFrame
        One (Multi)Polygon row with the file's attributes, in the file's CRS.
    entrances : GeoDataFrame or None
        Entrance points in the file's CRS, or None when none are given.
    households, population : float or None
        As given (validated later by :func:`check_development`); one may be missing.
    planned : dict
        Category key → planned floor area inside the development, m², from
        ``planned_<category>_m2`` (unknown keys kept here, refused at the check).
    areas : dict
        Areas of the whole development, m², from the properties of :data:`AREA_PROPERTIES`
        where given: ``total_floor_area_m2`` (总建筑面积), ``commercial_floor_area_m2`` (shops and
        other commerce not counted in a ``planned_<category>_m2``) and ``outdoor_activity_m2``
        (室外活动场所, ground area). Validated at the check.
    """

    name: str
    path: Path | None
    polygon: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame | None
    households: float | None
    population: float | None
    planned: dict[str, float] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    areas: dict[str, float] = field(default_factory=dict)


def _number(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return None if math.isnan(f) else f


def _numeric(v: Any) -> Any:
    """A number written as text ("1,200") read as a number; other values as they are."""
    if isinstance(v, str):
        vals, bad = parse_numbers([v])
        return v if bad[0] else (None if np.isnan(vals[0]) else float(vals[0]))
    return v


def _read_layers(p: Path, what: str) -> list[gpd.GeoDataFrame]:
    import pyogrio

    try:
        names = [str(r[0]) for r in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises its own DataSourceError subclasses
        raise InputError(Msg("{what} {name} cannot be read ({exc}): use GeoJSON or GeoPackage", what=what, name=p.name, exc=exc)) from exc
    order = sorted(names, key=lambda n: (n.lower() not in ("development", "entrances"), names.index(n)))
    out = []
    for name in order:
        try:
            gdf = pyogrio.read_dataframe(p, layer=name, encoding=dbf_encoding(p))  # a GBK Shapefile without .cpg
        except Exception as exc:
            raise InputError(Msg("{what} {name}, layer {v1!r} cannot be read ({exc})", what=what, name=p.name, v1=name, exc=exc)) from exc
        gdf.attrs["layer"] = name
        out.append(gdf)
    return out


def _check_degrees(gdf: gpd.GeoDataFrame, name: str) -> None:
    if gdf.crs is None or not gdf.crs.is_geographic or len(gdf) == 0:
        return
    c = shapely.get_coordinates(gdf.geometry.values)
    if len(c) and (np.abs(c[:, 0]).max() > 180 or np.abs(c[:, 1]).max() > 90):
        raise CRSError(
            Msg("{name}: coordinates such as ({v1:.1f}, {v2:.1f}) are not degrees, but the file says {v3}: save it "
                "with its real CRS (a GeoJSON file must be WGS84 longitude/latitude)",
                name=name,
                v1=c[0, 0],
                v2=c[0, 1],
                v3=gdf.crs.to_string())
        )


def read_development(path: str | Path, *, entrances: str | Path | None = None, crs: Any = None) -> Development:
    """Read a development proposal from a GeoJSON or GeoPackage file.

    The file holds one polygon feature (Polygon or MultiPolygon) with ``households`` (户数) and/or
    ``population`` (人口), an optional ``name`` (名称), optional ``planned_<category>_m2`` columns (m²) and
    optional areas of the whole development (m², :data:`AREA_PROPERTIES`).
    Entrances are the point features of the same GeoJSON file, the ``entrances`` layer (or any
    point layer) of a GeoPackage, or the points of a separate file given as ``entrances``.

    Parameters
    ----------
    path : str or Path
        The proposal file.
    entrances : str or Path, optional
        A separate file of entrance points (replaces entrances in the proposal file).
    crs : CRS-like, optional
        CRS to assume for files that carry none.

    Raises
    ------
    MissingFileError, InputError, CRSError
        A missing or unreadable file, no polygon, several polygons, a file with no CRS, or
        coordinates that are not degrees in a file that says WGS84.
    """
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(Msg("proposal file not found: {p}: check the path", p=p))
    frames = _read_layers(p, "proposal file")
    polys, points = [], []
    for gdf in frames:
        if gdf.crs is None:
            if crs is None:
                raise CRSError(Msg("proposal file {name} has no CRS: save it with one (e.g. EPSG:4326), or pass crs=", name=p.name))
            gdf = gdf.set_crs(crs)
        _check_degrees(gdf, f"proposal file {p.name}")
        geom = gdf.geometry
        types = geom.geom_type.fillna("None")
        polys.append(gdf[types.isin(_POLYGONS) | (types == "None") & (gdf.attrs.get("layer", "").lower() != "entrances")])
        points.append(gdf[types.isin(("Point", "MultiPoint"))])
    poly = pd.concat([f for f in polys if len(f)], ignore_index=True) if any(len(f) for f in polys) else None
    if poly is None or len(poly) == 0:
        raise InputError(
            Msg("proposal file {name} has no polygon: draw the development as one Polygon (or MultiPolygon) feature", name=p.name)
        )
    poly = gpd.GeoDataFrame(poly, geometry=poly.geometry.name, crs=frames[0].crs if frames[0].crs else crs)
    if len(poly) > 1:
        raise InputError(
            Msg("proposal file {name} has {v1} polygon features: one development per file (merge its parts into one "
                "MultiPolygon feature, or split the file)",
                name=p.name,
                v1=len(poly))
        )
    ent = None
    if entrances is not None:
        ep = Path(entrances)
        if not ep.is_file():
            raise MissingFileError(Msg("entrances file not found: {ep}: check the path", ep=ep))
        ef = list(_read_layers(ep, "entrances file"))
        ent = pd.concat([f[f.geometry.geom_type.isin(("Point", "MultiPoint"))] for f in ef], ignore_index=True)
        ent = gpd.GeoDataFrame(ent, geometry=ent.geometry.name, crs=ef[0].crs or crs)
        if ent.crs is None:
            raise CRSError(Msg("entrances file {name} has no CRS: save it with one (e.g. EPSG:4326)", name=ep.name))
        _check_degrees(ent, f"entrances file {ep.name}")
        if len(ent) == 0:
            raise InputError(Msg("entrances file {name} has no points: give the entrances as Point features", name=ep.name))
    else:
        pts = [f for f in points if len(f)]
        if pts:
            crs0 = pts[0].crs
            ent = gpd.GeoDataFrame(
                pd.concat([f.to_crs(crs0) for f in pts], ignore_index=True), geometry=pts[0].geometry.name, crs=crs0
            )
            ent = ent.explode(index_parts=False).reset_index(drop=True)
    row = poly.iloc[0]
    cols = {str(c).lower(): c for c in poly.columns if c != poly.geometry.name}
    attrs = [c for c in poly.columns if c != poly.geometry.name]
    name_c, hh_c, pop_c = (find_column(attrs, None, k) for k in ("name", "households", "population"))
    name = row[name_c] if name_c is not None and isinstance(row[name_c], str) and row[name_c].strip() else p.stem
    hh = _number(_numeric(row[hh_c])) if hh_c is not None else None
    pop = _number(_numeric(row[pop_c])) if pop_c is not None else None
    planned: dict[str, float] = {}
    for low, c in cols.items():
        m = _PLANNED.match(low)
        if m:
            v = _number(row[c])
            if v is not None:
                planned[m.group(1)] = v
    areas = {k: v for k in AREA_PROPERTIES if k in cols and (v := _number(row[cols[k]])) is not None}
    return Development(str(name), p, poly, ent, hh, pop, planned, areas=areas)
