"""Synthetic, city-like street networks with residences and facilities (for benchmarks and scale tests).

Everything this module produces is **synthetic**: it describes no real place. Every output says
so (``SyntheticCity.source == "synthetic"``, a ``source`` column and ``attrs["source"]`` on both
GeoDataFrames, a ``synthetic`` graph attribute on :meth:`SyntheticCity.to_graph`).

What a generated city looks like
--------------------------------
* **Streets.** A grid of local streets about 110 m apart (``local_spacing_m``) with an arterial
  every 6th line (about 660 m, ``arterial_every``), warped by a smooth displacement field (curved
  streets) and jittered per node (irregular blocks). About 10 % of local segments are dropped
  (T-junctions, long blocks), about 2 % of blocks get a diagonal path, and one or two diagonal
  avenues cross the city. About 4 % of local nodes get a cul-de-sac spur into the block; dropped
  segments make further dead ends. The city outline is an irregular blob, not a square.
* **River.** A meandering river crosses the city from west to east. No node lies within half the
  river width of its centre line, and every street segment that would cross it is removed except
  a few bridges on arterials (``bridge_edges``); :attr:`SyntheticCity.river` is the centre line.
* **Residences.** Residential compounds (about one per three nodes) placed 20-50 m off a street,
  more and larger near the centre, with ``population``, ``households`` (population / 2.8),
  ``elderly`` (15-20 %) and ``children`` (8-12 %).
* **Facilities.** Existing services per category, clustered near the centre and along arterials
  and sparse at the edge, so that real coverage gaps exist.

Coordinates and CRS
-------------------
Metres in a projected CRS, ``EPSG:32650`` (UTM 50N) by default. The city centre is placed at
``centre_lonlat``; the default (117.0 E, 36.65 N, near Jinan) sits on the central meridian of
UTM 50N, i.e. at x = 500 000 m, y = 4 056 047 m. (Taiyuan/Jinzhong lie in UTM 49N: pass
``crs="EPSG:32649", centre_lonlat=(112.55, 37.87)`` to put the city there.)

Generation is vectorised numpy (no networkx): one million nodes take a few seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Transformer

from siting.errors import CRSError, InputError, Msg

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import networkx as nx
    import scipy.sparse as sp
    from shapely.geometry import LineString

__all__ = ["DEFAULT_CATEGORIES", "EDGE_KINDS", "SyntheticCity", "generate_city"]

logger = logging.getLogger(__name__)

#: Default facility categories and how many of each per 10 000 residents (before clustering).
DEFAULT_CATEGORIES: dict[str, float] = {
    "convenience_store": 3.0,
    "supermarket": 0.6,
    "pharmacy": 1.2,
    "health_station": 0.5,
    "elderly_care": 0.6,
    "kindergarten": 1.0,
    "post_parcel": 1.0,
    "fresh_market": 0.5,
}

#: Codes of :attr:`SyntheticCity.edge_kind` and the OSM ``highway`` value used in :meth:`to_graph`.
EDGE_KINDS: dict[int, str] = {0: "residential", 1: "primary", 2: "service", 3: "footway"}
_LOCAL, _ARTERIAL, _CULDESAC, _PATH = 0, 1, 2, 3

_PERSONS_PER_HOUSEHOLD = 2.8


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class SyntheticCity:
    """A generated street network with residences and facilities. Synthetic: no real place.

    Attributes
    ----------
    crs : pyproj.CRS
        The projected CRS of every coordinate (metres).
    node_x, node_y : numpy.ndarray of float64
        Node coordinates in metres; node ``i`` is row ``i``.
    edge_u, edge_v : numpy.ndarray of int64
        Endpoints of each street segment, indices into the nodes; every undirected segment once.
    edge_length : numpy.ndarray of float64
        Segment length in metres, at least the straight-line distance between its endpoints.
    edge_kind : numpy.ndarray of int8
        Street class per segment, a key of :data:`EDGE_KINDS`.
    residences : geopandas.GeoDataFrame
        Residential compounds (points): ``id``, ``population``, ``households``, ``elderly``,
        ``children``, ``source`` ("synthetic").
    facilities : geopandas.GeoDataFrame
        Existing facilities (points): ``id``, ``category``, ``name``, ``source`` ("synthetic").
    river : shapely.geometry.LineString
        Centre line of the river; only the ``bridge_edges`` cross it.
    bridge_edges : numpy.ndarray of int64
        Indices of the segments that cross the river.
    seed : int
        The seed the city was generated from (same seed, same city).
    source : str
        Always ``"synthetic"``.
    """

    crs: CRS
    node_x: np.ndarray
    node_y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_kind: np.ndarray
    residences: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    river: LineString
    bridge_edges: np.ndarray
    seed: int
    source: str = field(default="synthetic")

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_x.size)

    @property
    def n_edges(self) -> int:
        """Number of undirected street segments."""
        return int(self.edge_u.size)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the nodes, metres. Residences and facilities lie inside."""
        return (
            float(self.node_x.min()),
            float(self.node_y.min()),
            float(self.node_x.max()),
            float(self.node_y.max()),
        )

    def to_csr(self) -> sp.csr_matrix:
        """The street network as a symmetric ``n_nodes x n_nodes`` CSR matrix of lengths in metres."""
        import scipy.sparse as sp

        n = self.n_nodes
        rows = np.concatenate([self.edge_u, self.edge_v])
        cols = np.concatenate([self.edge_v, self.edge_u])
        data = np.concatenate([self.edge_length, self.edge_length])
        return sp.csr_matrix((data, (rows, cols)), shape=(n, n))

    def largest_component_fraction(self) -> float:
        """Share (0-1) of nodes in the largest connected component of the street network."""
        from scipy.sparse.csgraph import connected_components

        _, labels = connected_components(self.to_csr(), directed=False)
        return float(np.bincount(labels).max() / self.n_nodes)

    def to_graph(self) -> nx.MultiDiGraph:
        """The street network as an osmnx-style ``networkx.MultiDiGraph``.

        Node ids are ``0 .. n_nodes-1`` with attributes ``x``, ``y`` (metres); every segment
        appears in both directions (key 0) with ``length`` (metres), ``osmid`` (the segment index),
        ``highway`` and ``oneway=False``. Graph attributes: ``crs``, ``simplified=True`` and
        ``synthetic=True``. Meant for small cities and peers that need networkx; building it for a
        million nodes takes a minute and several GB.

        Returns
        -------
        networkx.MultiDiGraph
        """
        import networkx as nx

        G = nx.MultiDiGraph(crs=self.crs, simplified=True, synthetic=True, source=self.source)
        xs = self.node_x.tolist()
        ys = self.node_y.tolist()
        G.add_nodes_from((i, {"x": xs[i], "y": ys[i], "street_count": 0}) for i in range(len(xs)))
        us = self.edge_u.tolist()
        vs = self.edge_v.tolist()
        ls = self.edge_length.tolist()
        hw = [EDGE_KINDS[k] for k in self.edge_kind.tolist()]
        for a, b in ((us, vs), (vs, us)):
            G.add_edges_from(
                (a[i], b[i], 0, {"osmid": i, "length": ls[i], "highway": hw[i], "oneway": False, "reversed": a is vs})
                for i in range(len(us))
            )
        deg = np.bincount(np.concatenate([self.edge_u, self.edge_v]), minlength=self.n_nodes)
        nx.set_node_attributes(G, dict(enumerate(deg.tolist())), "street_count")
        return G


def generate_city(
    n_nodes: int,
    seed: int = 0,
    *,
    categories: dict[str, float] | list[str] | None = None,
    crs: str | CRS = "EPSG:32650",
    centre_lonlat: tuple[float, float] = (117.0, 36.65),
    local_spacing_m: float = 110.0,
    arterial_every: int = 6,
) -> SyntheticCity:
    """Generate a synthetic city-like street network with residences and facilities.

    Deterministic: the same arguments give the same city. See the module docstring for what the
    city looks like.

    Parameters
    ----------
    n_nodes : int
        Approximate number of street nodes wanted (the result is within a few per cent), at
        least 100.
    seed : int, default 0
        Random seed.
    categories : dict or list of str, optional
        Facility categories to place. A dict maps category -> facilities per 10 000 residents;
        a list uses 1.0 per 10 000 for names not in :data:`DEFAULT_CATEGORIES`. Default
        :data:`DEFAULT_CATEGORIES`.
    crs : str or pyproj.CRS, default "EPSG:32650"
        A projected CRS in metres.
    centre_lonlat : (float, float), default (117.0, 36.65)
        Longitude, latitude (WGS84 degrees) of the city centre.
    local_spacing_m : float, default 110
        Mean spacing of local streets, metres.
    arterial_every : int, default 6
        Every n-th street line is an arterial (6 x 110 m = 660 m).

    Returns
    -------
    SyntheticCity

    Raises
    ------
    InputError
        ``n_nodes`` below 100, a non-positive spacing or an empty category list.
    CRSError
        ``crs`` is geographic or not in metres.
    """
    if int(n_nodes) < 100:
        raise InputError(Msg("n_nodes={n_nodes} is too small: ask for at least 100 nodes", n_nodes=n_nodes))
    if not local_spacing_m > 0 or int(arterial_every) < 2:
        raise InputError(Msg("local_spacing_m must be > 0 and arterial_every >= 2; use the defaults (110, 6)"))
    crs = CRS.from_user_input(crs)
    if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise CRSError(Msg("crs {v1} is not a projected CRS in metres: pass e.g. 'EPSG:32650' (UTM 50N)", v1=crs.to_string()))
    cats = _resolve_categories(categories)
    rng = np.random.default_rng(seed)
    s = float(local_spacing_m)
    k = int(arterial_every)

    # ---- outline and grid size -------------------------------------------------------------
    p_cul = 0.04
    target_grid = n_nodes / (1.0 + p_cul * 0.9)
    shape_phase = rng.uniform(0, 2 * np.pi, 3)

    def inside(m: int) -> np.ndarray:
        c = (m - 1) / 2.0
        g = (np.arange(m) - c) / c
        u, v = np.meshgrid(g, g, indexing="ij")
        rho = np.hypot(u, v)
        th = np.arctan2(v, u)
        r = 0.93 * (1 + 0.09 * np.sin(3 * th + shape_phase[0]) + 0.05 * np.sin(5 * th + shape_phase[1]))
        return rho <= np.minimum(r, 1.0)

    m = max(int(np.sqrt(target_grid / 0.68)), 8)
    for _ in range(2):
        frac = inside(m).mean()
        m = max(int(round(np.sqrt(target_grid / frac))), 8)
    keep = inside(m).ravel()  # grid node (i, j) is i * m + j; i runs along x
    gid = np.full(m * m, -1, dtype=np.int64)
    gid[keep] = np.arange(int(keep.sum()))
    ii, jj = np.divmod(np.flatnonzero(keep), m)
    n_grid = ii.size

    # ---- node positions: grid + smooth warp + jitter ---------------------------------------
    art_off = rng.integers(0, k, 2)
    col_art = (ii - art_off[0]) % k == 0  # node lies on a north-south arterial
    row_art = (jj - art_off[1]) % k == 0  # node lies on an east-west arterial
    on_art = col_art | row_art
    bx = ii * s
    by = jj * s
    L = max(m * s, 3000.0)
    ph = rng.uniform(0, 2 * np.pi, 4)
    a = 0.9 * s
    wx = a * np.sin(2 * np.pi * by / (0.45 * L) + ph[0]) + 0.6 * a * np.sin(2 * np.pi * bx / (0.3 * L) + ph[1])
    wy = a * np.sin(2 * np.pi * bx / (0.4 * L) + ph[2]) + 0.6 * a * np.sin(2 * np.pi * by / (0.35 * L) + ph[3])
    jit = np.where(on_art, 0.03 * s, 0.13 * s)
    x = bx + wx + rng.uniform(-1, 1, n_grid) * jit
    y = by + wy + rng.uniform(-1, 1, n_grid) * jit

    # ---- edges of the grid -----------------------------------------------------------------
    us, vs, kinds = [], [], []
    # east-west segments (i, j) - (i+1, j)
    a_ = gid.reshape(m, m)[:-1, :].ravel()
    b_ = gid.reshape(m, m)[1:, :].ravel()
    jrow = np.tile(np.arange(m), m - 1)
    ok = (a_ >= 0) & (b_ >= 0)
    us.append(a_[ok])
    vs.append(b_[ok])
    kinds.append(np.where((jrow[ok] - art_off[1]) % k == 0, _ARTERIAL, _LOCAL))
    # north-south segments (i, j) - (i, j+1)
    a_ = gid.reshape(m, m)[:, :-1].ravel()
    b_ = gid.reshape(m, m)[:, 1:].ravel()
    icol = np.repeat(np.arange(m), m - 1)
    ok = (a_ >= 0) & (b_ >= 0)
    us.append(a_[ok])
    vs.append(b_[ok])
    kinds.append(np.where((icol[ok] - art_off[0]) % k == 0, _ARTERIAL, _LOCAL))
    # diagonals across blocks: a few random paths, one or two avenues
    g2 = gid.reshape(m, m)
    ci2, cj2 = np.meshgrid(np.arange(m - 1), np.arange(m - 1), indexing="ij")
    ci, cj = ci2.ravel(), cj2.ravel()
    flip = rng.random(ci.size) < 0.5
    p1 = np.where(flip, g2[ci, cj], g2[ci + 1, cj])
    p2 = np.where(flip, g2[ci + 1, cj + 1], g2[ci, cj + 1])
    n_av = 1 + int(rng.random() < 0.6)
    avenue = np.zeros(ci.size, dtype=bool)
    for t in range(n_av):
        c0 = int(rng.integers(-m // 4, m // 4 + 1))
        on = (cj - ci) == c0 if t == 0 else (ci + cj) == (m - 2 + c0)
        avenue |= on
        if t == 0:
            p1[on], p2[on] = g2[ci[on], cj[on]], g2[ci[on] + 1, cj[on] + 1]
        else:
            p1[on], p2[on] = g2[ci[on] + 1, cj[on]], g2[ci[on], cj[on] + 1]
    diag = (avenue | (rng.random(ci.size) < 0.02)) & (p1 >= 0) & (p2 >= 0)
    us.append(p1[diag])
    vs.append(p2[diag])
    kinds.append(np.where(avenue[diag], _ARTERIAL, _PATH))
    eu = np.concatenate(us)
    ev = np.concatenate(vs)
    ek = np.concatenate(kinds).astype(np.int8)
    drop = (ek != _ARTERIAL) & (rng.random(eu.size) < 0.10)
    eu, ev, ek = eu[~drop], ev[~drop], ek[~drop]

    # ---- cul-de-sacs -----------------------------------------------------------------------
    cand = np.flatnonzero(~on_art)
    cul = cand[rng.random(cand.size) < p_cul]
    ang = rng.integers(0, 4, cul.size) * (np.pi / 2) + np.pi / 4 + rng.uniform(-0.3, 0.3, cul.size)
    rad = rng.uniform(0.28, 0.42, cul.size) * s
    cx = x[cul] + rad * np.cos(ang)
    cy = y[cul] + rad * np.sin(ang)
    cid = n_grid + np.arange(cul.size)
    x = np.concatenate([x, cx])
    y = np.concatenate([y, cy])
    on_art = np.concatenate([on_art, np.zeros(cul.size, dtype=bool)])
    eu = np.concatenate([eu, cul])
    ev = np.concatenate([ev, cid])
    ek = np.concatenate([ek, np.full(cul.size, _CULDESAC, dtype=np.int8)])

    # ---- river: push nodes off the channel, keep only a few bridges ------------------------
    xmin, xmax = float(x.min()), float(x.max())
    ymin, ymax = float(y.min()), float(y.max())
    W, H = xmax - xmin, ymax - ymin
    rph = rng.uniform(0, 2 * np.pi, 2)
    ry0 = ymin + H * rng.uniform(0.38, 0.55)
    ramp = (0.05 * H, 0.025 * H)
    rlam = (0.8 * W, 0.33 * W)

    def river_y(xx: np.ndarray) -> np.ndarray:
        return (
            ry0
            + ramp[0] * np.sin(2 * np.pi * (xx - xmin) / rlam[0] + rph[0])
            + ramp[1] * np.sin(2 * np.pi * (xx - xmin) / rlam[1] + rph[1])
        )

    half_w = 0.25 * s  # half the river width: ~27 m either side of the centre line
    d = y - river_y(x)
    side = d >= 0
    near = np.abs(d) < half_w
    y[near] = river_y(x[near]) + np.where(side[near], half_w, -half_w)
    cross = side[eu] != side[ev]
    cand_b = np.flatnonzero(cross & (ek == _ARTERIAL))
    bridges = cand_b[rng.random(cand_b.size) < 0.45]
    if bridges.size < 2:
        pool = cand_b if cand_b.size >= 2 else np.flatnonzero(cross)
        bridges = np.sort(rng.choice(pool, size=min(2, pool.size), replace=False)) if pool.size else pool
    keep_e = ~cross
    keep_e[bridges] = True
    is_bridge = np.zeros(eu.size, dtype=bool)
    is_bridge[bridges] = True
    eu, ev, ek, is_bridge = eu[keep_e], ev[keep_e], ek[keep_e], is_bridge[keep_e]

    # ---- drop isolated nodes, renumber -----------------------------------------------------
    n_all = x.size
    deg = np.bincount(np.concatenate([eu, ev]), minlength=n_all)
    alive = deg > 0
    new_id = np.full(n_all, -1, dtype=np.int64)
    new_id[alive] = np.arange(int(alive.sum()))
    x, y, on_art = x[alive], y[alive], on_art[alive]
    eu, ev = new_id[eu], new_id[ev]

    # ---- lengths: straight line times a small detour factor --------------------------------
    straight = np.hypot(x[eu] - x[ev], y[eu] - y[ev])
    detour = np.where(ek == _ARTERIAL, 1.0 + np.abs(rng.normal(0, 0.005, eu.size)), 1.0 + np.abs(rng.normal(0, 0.03, eu.size)))
    detour[is_bridge] = 1.0
    length = np.maximum(straight * detour, straight)

    # ---- place in the CRS ------------------------------------------------------------------
    cx0, cy0 = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(*centre_lonlat)
    ox = cx0 - (xmin + xmax) / 2.0
    oy = cy0 - (ymin + ymax) / 2.0
    x = x + ox
    y = y + oy
    rx = np.linspace(xmin - s, xmax + s, max(int((W + 2 * s) / (0.25 * s)), 200))
    from shapely.geometry import LineString

    river = LineString(np.column_stack([rx + ox, river_y(rx) + oy]))
    centre = (cx0, cy0)
    R = max(W, H) / 2.0

    def river_push(px: np.ndarray, py: np.ndarray) -> np.ndarray:
        dd = py - (river_y(px - ox) + oy)
        nr = np.abs(dd) < 1.2 * half_w
        py = py.copy()
        py[nr] = river_y(px[nr] - ox) + oy + np.where(dd[nr] >= 0, 1.2 * half_w, -1.2 * half_w)
        return py

    bbox = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    residences = _residences(rng, x, y, eu, ev, ek, is_bridge, centre, R, bbox, river_push, crs)
    facilities = _facilities(rng, x, y, on_art, centre, R, bbox, river_push, cats, residences, crs)
    logger.info(
        "synthetic city (seed %d): %d nodes, %d segments, %d bridges, %d residences, %d facilities",
        seed, x.size, eu.size, int(is_bridge.sum()), len(residences), len(facilities),
    )
    return SyntheticCity(
        crs=crs,
        node_x=_readonly(x.astype(np.float64)),
        node_y=_readonly(y.astype(np.float64)),
        edge_u=_readonly(eu.astype(np.int64)),
        edge_v=_readonly(ev.astype(np.int64)),
        edge_length=_readonly(length.astype(np.float64)),
        edge_kind=_readonly(ek.astype(np.int8)),
        residences=residences,
        facilities=facilities,
        river=river,
        bridge_edges=_readonly(np.flatnonzero(is_bridge).astype(np.int64)),
        seed=int(seed),
    )


def _resolve_categories(categories: dict[str, float] | list[str] | None) -> dict[str, float]:
    if categories is None:
        return dict(DEFAULT_CATEGORIES)
    if isinstance(categories, dict):
        cats = {str(c): float(r) for c, r in categories.items()}
    else:
        cats = {str(c): DEFAULT_CATEGORIES.get(str(c), 1.0) for c in categories}
    if not cats:
        raise InputError(Msg("categories is empty: name at least one category, or pass None for the defaults"))
    bad = [c for c, r in cats.items() if not r > 0]
    if bad:
        raise InputError(Msg("categories {bad} have a rate <= 0: give facilities per 10 000 residents > 0", bad=bad))
    return cats


def _residences(rng, x, y, eu, ev, ek, is_bridge, centre, R, bbox, river_push, crs):
    """Residential compounds 20-50 m off a street, denser and larger near the centre."""
    import geopandas as gpd

    n_res = max(int(round(x.size / 3.0)), 10)
    mx = 0.5 * (x[eu] + x[ev])
    my = 0.5 * (y[eu] + y[ev])
    r = np.hypot(mx - centre[0], my - centre[1]) / R
    w = (0.15 + np.exp(-r / 0.35)) * (~is_bridge) * np.where(ek == _ARTERIAL, 0.6, 1.0)
    e = rng.choice(eu.size, size=n_res, p=w / w.sum())
    t = rng.uniform(0.2, 0.8, n_res)
    ux, uy = x[ev[e]] - x[eu[e]], y[ev[e]] - y[eu[e]]
    norm = np.maximum(np.hypot(ux, uy), 1e-9)
    off = rng.uniform(20, 50, n_res) * np.where(rng.random(n_res) < 0.5, -1.0, 1.0)
    px = x[eu[e]] + t * ux - off * uy / norm
    py = y[eu[e]] + t * uy + off * ux / norm
    py = river_push(px, py)
    px = np.clip(px, bbox[0], bbox[2])
    py = np.clip(py, bbox[1], bbox[3])
    rr = np.hypot(px - centre[0], py - centre[1]) / R
    pop = np.maximum(np.round(rng.lognormal(np.log(500), 0.6, n_res) * (0.5 + 1.5 * np.exp(-rr / 0.4))), 20)
    pop = pop.astype(np.int64)
    households = np.maximum(np.round(pop / _PERSONS_PER_HOUSEHOLD), 1).astype(np.int64)
    elderly = rng.binomial(pop, rng.uniform(0.15, 0.20, n_res)).astype(np.int64)
    children = rng.binomial(pop - elderly, np.minimum(rng.uniform(0.08, 0.12, n_res) * pop / np.maximum(pop - elderly, 1), 1.0)).astype(np.int64)
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"R{i:07d}" for i in range(n_res)],
            "population": pop,
            "households": households,
            "elderly": elderly,
            "children": children,
            "source": "synthetic",
        },
        geometry=gpd.points_from_xy(px, py),
        crs=crs,
    )
    gdf.attrs["source"] = "synthetic"
    return gdf


def _facilities(rng, x, y, on_art, centre, R, bbox, river_push, cats, residences, crs):
    """Facilities per category at nodes, clustered near the centre and along arterials."""
    import geopandas as gpd
    import pandas as pd

    total_pop = float(residences["population"].sum())
    r = np.hypot(x - centre[0], y - centre[1]) / R
    base = (np.exp(-r / 0.22) + 0.01) * np.where(on_art, 4.0, 1.0)
    frames = []
    for c_i, (cat, per10k) in enumerate(cats.items()):
        n_f = max(int(round(total_pop * per10k / 10_000.0)), 1)
        n_f = min(n_f, x.size)
        # weighted sampling without replacement (Efraimidis-Spirakis keys), vectorised
        w = base * rng.uniform(0.5, 1.5)  # same shape per category, different draw
        keys = np.log(rng.random(x.size)) / w
        pick = np.argpartition(-keys, n_f - 1)[:n_f]
        pick = pick[np.argsort(-keys[pick])]
        ang = rng.uniform(0, 2 * np.pi, n_f)
        rad = rng.uniform(5, 25, n_f)
        fx = np.clip(x[pick] + rad * np.cos(ang), bbox[0], bbox[2])
        fy = np.clip(river_push(fx, y[pick] + rad * np.sin(ang)), bbox[1], bbox[3])
        frames.append(
            pd.DataFrame(
                {
                    "id": [f"F{c_i:02d}{i:06d}" for i in range(n_f)],
                    "category": cat,
                    "name": [f"synthetic {cat.replace('_', ' ')} {i + 1}" for i in range(n_f)],
                    "source": "synthetic",
                    "x": fx,
                    "y": fy,
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)
    gdf.attrs["source"] = "synthetic"
    return gdf
