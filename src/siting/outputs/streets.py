"""The network's streets as a light vector layer for the map (and the segments its service areas run on).

Offline, the analysis network is the only street map a meeting has, so the map draws it: nodes
and segments packed once (:mod:`siting.outputs.encode`), drawn by the page on a canvas.

**Level of detail by zoom.** Segments are joined into *strokes* — chains that continue through a
junction with the least change of direction (the "good continuation" rule of road-network
generalisation; Thomson & Richardson 1999, *The "good continuation" principle of perceptual
organization applied to the generalization of road networks*, ICA). Long strokes are main
streets. For each zoom level the page draws the longest strokes first, up to a density of about
one pixel of street per :data:`DENSITY` square pixels over the study area, so a district of a million segments
opens with its through streets and fills in as one zooms; from zoom 15 every segment is drawn,
with its bends (below 15, segments are drawn straight). Each segment's geometry is simplified to
1 m first.

**Service areas** are computed by the page on these segments (a bounded multi-source Dijkstra,
the rule of :func:`siting.network.service_area.reached_intervals`), so the segments carry their
network lengths — as small corrections (``dl``) to the length the page measures on the packed
coordinates (:func:`quantised_length`), which compress to almost nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from siting.network import Network
from siting.outputs.encode import pack_int, spatial_order

__all__ = ["DENSITY", "StreetLayer", "quantised_length", "street_layer", "stroke_pairs", "strokes"]

logger = logging.getLogger(__name__)

#: Drawn street length per screen area below zoom 15: 1 pixel of street per this many px².
DENSITY = 14.0
#: From this zoom every segment is drawn, with its bends.
FULL_ZOOM = 15
_MIN_ZOOM = 8
_STRAIGHT_DEG = 60.0  # a degree-2 node joins its two segments up to this turn
_JOIN_DEG = 40.0  # at a junction, two segments continue each other up to this turn
_Q = 1e5  # coordinates in 1e-5 degrees (about 1 m)


@dataclass(frozen=True, eq=False)
class StreetLayer:
    """The street layer of a map.

    Attributes
    ----------
    payload : dict
        JSON-able: packed node coordinates, segment ends, bends, and the number of segments
        drawn from each zoom level (see :func:`street_layer`).
    edge_order : ndarray of int
        ``edge_order[k]`` is the network edge drawn as segment ``k``.
    reversed : ndarray of bool
        Segment ``k`` runs from the network edge's ``v`` end to its ``u`` end.
    """

    payload: dict[str, Any]
    edge_order: np.ndarray
    reversed: np.ndarray


def _bearings(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Bearing (radians) of each segment leaving its ``u`` end and leaving its ``v`` end."""
    xy, idx = shapely.get_coordinates(net.edge_geometry, return_index=True)
    counts = np.bincount(idx, minlength=net.n_edges)
    start = np.r_[0, np.cumsum(counts)[:-1]]
    last = start + counts - 1
    ok = counts >= 2
    p0 = xy[start]
    p1 = xy[np.where(ok, start + 1, start)]
    q0 = xy[last]
    q1 = xy[np.where(ok, last - 1, last)]
    # fall back to the node coordinates for degenerate geometries
    ux, uy, vx, vy = net.x[net.edge_u], net.y[net.edge_u], net.x[net.edge_v], net.y[net.edge_v]
    a_u = np.where(ok, np.arctan2(p1[:, 1] - p0[:, 1], p1[:, 0] - p0[:, 0]), np.arctan2(vy - uy, vx - ux))
    a_v = np.where(ok, np.arctan2(q1[:, 1] - q0[:, 1], q1[:, 0] - q0[:, 0]), np.arctan2(uy - vy, ux - vx))
    return a_u, a_v


def _turn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Turn in degrees between arriving along the reverse of bearing ``a`` and leaving along ``b``."""
    d = np.abs((a - b + np.pi) % (2 * np.pi) - np.pi)  # angle between the two directions, 0..pi
    return np.degrees(np.pi - d)  # straight on: the two ends point opposite ways


def stroke_pairs(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Which segment ends continue each other through their node (the strokes' joints).

    Ends are numbered ``2 e`` (segment ``e`` at its ``u`` node) and ``2 e + 1`` (at ``v``). At a node
    of degree 2 the two segments join unless they turn by more than 60°; at a junction the pair
    that turns least joins (up to 40°), then the next pair among the rest.

    Returns
    -------
    (ends_a, ends_b) : two arrays of end numbers, one joint per position.
    """
    m = net.n_edges
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a_u, a_v = _bearings(net)
    node = np.concatenate([net.edge_u, net.edge_v])
    ang = np.concatenate([a_u, a_v])
    edge = np.concatenate([2 * np.arange(m), 2 * np.arange(m) + 1])
    loop = np.concatenate([net.edge_u == net.edge_v] * 2)
    node, ang, edge = node[~loop], ang[~loop], edge[~loop]
    order = np.argsort(node, kind="stable")
    node, ang, edge = node[order], ang[order], edge[order]
    first = np.r_[True, node[1:] != node[:-1]]
    starts = np.flatnonzero(first)
    deg = np.diff(np.r_[starts, len(node)])
    pa: list[np.ndarray] = []
    pb: list[np.ndarray] = []
    # degree 2: join when nearly straight
    s = starts[deg == 2]
    if len(s):
        t = _turn(ang[s], ang[s + 1])
        ok = t <= _STRAIGHT_DEG
        pa.append(edge[s[ok]])
        pb.append(edge[s[ok] + 1])
    # junctions: greedy by least turn, in rounds (each round joins, at every junction, the
    # straightest pair of ends still free)
    s = starts[deg >= 3]
    dd = deg[deg >= 3]
    if len(s):
        owner = np.repeat(np.arange(len(s)), dd * dd)
        base = np.repeat(s, dd * dd)
        k = np.arange(len(owner)) - np.repeat(np.r_[0, np.cumsum(dd * dd)[:-1]], dd * dd)
        dk = np.repeat(dd, dd * dd)
        i, j = k // dk, k % dk
        keep = i < j
        owner, ei, ej = owner[keep], (base + i)[keep], (base + j)[keep]
        turn = _turn(ang[ei], ang[ej])
        ok = turn <= _JOIN_DEG
        owner, ei, ej, turn = owner[ok], ei[ok], ej[ok], turn[ok]
        order = np.lexsort((turn, owner))
        owner, ei, ej = owner[order], ei[order], ej[order]
        used = np.zeros(len(ang), dtype=bool)
        while len(owner):
            free = ~used[ei] & ~used[ej]
            owner, ei, ej = owner[free], ei[free], ej[free]
            if not len(owner):
                break
            first = np.r_[True, owner[1:] != owner[:-1]]  # the straightest free pair of each junction
            pa.append(edge[ei[first]])
            pb.append(edge[ej[first]])
            used[ei[first]] = True
            used[ej[first]] = True
    a = np.concatenate(pa) if pa else np.zeros(0, dtype=np.int64)
    b = np.concatenate(pb) if pb else np.zeros(0, dtype=np.int64)
    return a.astype(np.int64), b.astype(np.int64)


def strokes(net: Network) -> np.ndarray:
    """Stroke label of every segment (segments joined by :func:`stroke_pairs`)."""
    m = net.n_edges
    a, b = stroke_pairs(net)
    g = sparse.coo_matrix((np.ones(len(a)), (a >> 1, b >> 1)), shape=(m, m))
    _, labels = connected_components(g, directed=False)
    return labels


def _minzoom(net: Network, labels: np.ndarray, lat: float) -> np.ndarray:
    """The zoom from which each stroke is drawn (longest strokes first, by :data:`DENSITY`)."""
    length = np.bincount(labels, weights=net.edge_length) if len(labels) else np.zeros(0)
    order = np.argsort(-length, kind="stable")
    cum = np.cumsum(length[order])
    x0, y0, x1, y1 = net.bounds
    area = max((x1 - x0) * (y1 - y0), 1.0)
    mpp0 = 156543.03392 * max(np.cos(np.radians(lat)), 0.05)  # metres per pixel at zoom 0
    z_of = np.full(len(length), FULL_ZOOM, dtype=np.int64)
    for z in range(FULL_ZOOM - 1, _MIN_ZOOM - 1, -1):
        budget = area / DENSITY / (mpp0 / 2**z)  # metres of street over the study area at zoom z
        fits = cum <= budget
        if len(fits):
            fits[0] = True  # the longest stroke is always drawn
        z_of[order[fits]] = z
    return z_of


def street_layer(net: Network, transform: Any, *, gcj: bool = False, compress: bool = False,
                 simplify_m: float = 1.0) -> StreetLayer:
    """Pack a network's streets for the map.

    Parameters
    ----------
    net : Network
    transform : pyproj.Transformer
        From the network CRS to WGS84 (``always_xy``).
    gcj : bool
        Shift WGS84 → GCJ-02 (for Amap tiles).
    compress : bool
        gzip the packed arrays.
    simplify_m : float
        Douglas–Peucker tolerance of each segment's bends, metres.

    Returns
    -------
    StreetLayer
        ``payload``: ``x0``, ``y0`` (origin, 1e-5 degrees), ``nx``, ``ny`` (node offsets,
        delta-coded, in rows about one street apart), ``a`` (each segment's lower node,
        delta-coded), ``b`` (its other node minus ``a``), ``z`` (the zoom it is drawn from, minus
        ``z0``), ``full`` (from this zoom every segment is drawn with its bends); ``bc`` (bends
        per segment), ``bx``,
        ``by`` (the bends, delta-coded); ``dl`` (network length minus the length measured on
        the packed coordinates, in units of ``lq``: metres on compressed maps, else decimetres).
    """
    lon, lat = transform.transform(net.x, net.y)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if gcj:
        from siting.inputs.coords import wgs84_to_gcj02

        lon, lat = wgs84_to_gcj02(lon, lat)
    qx = np.round(np.asarray(lon) * _Q).astype(np.int64)
    qy = np.round(np.asarray(lat) * _Q).astype(np.int64)
    m = net.n_edges
    label = strokes(net)
    zstroke = _minzoom(net, label, float(np.median(lat)) if len(lat) else 0.0)
    zseg = zstroke[label] if m else np.zeros(0, dtype=np.int64)
    # nodes in rows about one street apart, west to east: a segment's two ends are then close in
    # the order (east-west streets +1, north-south ones about one row further)
    step = float(np.median(net.edge_length)) if m else 100.0
    rows = max(1, int(round((net.bounds[3] - net.bounds[1]) / max(step, 1.0))))
    node_of_id = spatial_order(qx, qy, bands=rows)
    new_id = np.empty_like(node_of_id)
    new_id[node_of_id] = np.arange(len(node_of_id))
    u, v = new_id[net.edge_u], new_id[net.edge_v]
    rev = u > v
    a, b = np.where(rev, v, u), np.where(rev, u, v)
    order = np.lexsort((b, a))
    a, b, rev, zseg = a[order], b[order], rev[order], zseg[order]
    z0 = int(zseg.min()) if m else FULL_ZOOM
    # bends: interior vertices of each simplified segment, in drawing direction
    geoms = net.edge_geometry[order]
    if simplify_m > 0:
        bent = shapely.get_num_coordinates(geoms) > 2
        if bent.any():
            geoms = geoms.copy()
            geoms[bent] = shapely.simplify(geoms[bent], simplify_m, preserve_topology=False)
    xy, idx = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(idx, minlength=len(geoms))
    interior = np.ones(len(xy), dtype=bool)
    start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    interior[start[counts > 0]] = False
    interior[(start + counts - 1)[counts > 0]] = False
    bc = np.maximum(counts - 2, 0)
    bxy = xy[interior]
    bidx = idx[interior]
    if len(bxy):
        # reversed segments list their bends from the other end
        rev_b = rev[bidx]
        if rev_b.any():
            pos = np.arange(len(bidx)) - np.r_[0, np.cumsum(bc)[:-1]][bidx]
            flipped = np.r_[0, np.cumsum(bc)[:-1]][bidx] + (bc[bidx] - 1 - pos)
            sel = np.where(rev_b, flipped, np.arange(len(bidx)))
            bxy = bxy[sel]
        blon, blat = transform.transform(bxy[:, 0], bxy[:, 1])
        blon, blat = np.asarray(blon), np.asarray(blat)
        if gcj:
            from siting.inputs.coords import wgs84_to_gcj02

            blon, blat = wgs84_to_gcj02(blon, blat)
        bqx = np.round(np.asarray(blon) * _Q).astype(np.int64)
        bqy = np.round(np.asarray(blat) * _Q).astype(np.int64)
    else:
        bqx = bqy = np.zeros(0, dtype=np.int64)
    x0 = int(qx.min()) if len(qx) else 0
    y0 = int(qy.min()) if len(qy) else 0
    # lengths: the network's metres as the difference from the length the page measures on the
    # packed coordinates (quantised_length), nearly always a few metres at most
    sq_x, sq_y = qx[node_of_id], qy[node_of_id]
    geo = quantised_length(sq_x[a], sq_y[a], sq_x[b], sq_y[b], bc, bqx, bqy)
    lq = 1.0 if compress else 0.1  # metres on large maps, decimetres on small ones
    diff = np.round(net.edge_length[order] / lq).astype(np.int64) - np.floor(geo / lq + 0.5).astype(np.int64)
    payload = {
        "x0": x0, "y0": y0, "q": _Q,
        "nx": pack_int(sq_x - x0, delta=True, compress=compress),
        "ny": pack_int(sq_y - y0, delta=True, compress=compress),
        "a": pack_int(a, delta=True, compress=compress),
        "b": pack_int(b - a, compress=compress),
        "z": pack_int(zseg - z0, compress=compress), "z0": z0, "full": FULL_ZOOM,
        "bc": pack_int(np.minimum(bc, 65535), compress=compress),
        "bx": pack_int(bqx - x0, delta=True, compress=compress),
        "by": pack_int(bqy - y0, delta=True, compress=compress),
        "dl": pack_int(diff, compress=compress), "lq": lq,
    }
    logger.info("map: %d street segments packed (%d drawn from zoom %d)", m, int((zseg == z0).sum()), z0)
    return StreetLayer(payload, order.astype(np.int64), rev)


#: Metres per 1e-5 degree of latitude (and of longitude at the equator), R = 6378137 m.
_K = 6378137.0 * np.pi / 180.0 * 1e-5


def quantised_length(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, bends: np.ndarray,
                     px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Length in metres of each segment on the packed coordinates (integers of 1e-5 degrees).

    Segment ``k`` runs from ``(ax, ay)`` through its ``bends[k]`` bends (the next ones in ``px``,
    ``py``) to ``(bx, by)``; each piece counts ``sqrt((dx·K·cos φ)² + (dy·K)²)`` with φ the
    latitude half-way between the segment's ends. The page computes the same sums in the same
    order, so that the network's lengths travel as small corrections to them.
    """
    m = len(ax)
    counts = np.asarray(bends, dtype=np.int64) + 2
    start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
    tot = int(counts.sum())
    X = np.empty(tot, dtype=np.float64)
    Y = np.empty(tot, dtype=np.float64)
    X[start], Y[start] = ax, ay
    X[start + counts - 1], Y[start + counts - 1] = bx, by
    if len(px):
        inner = np.ones(tot, dtype=bool)
        inner[start] = False
        inner[start + counts - 1] = False
        X[inner], Y[inner] = px, py
    c = np.cos((np.asarray(ay, dtype=np.float64) + np.asarray(by, dtype=np.float64)) / 2 * (np.pi / 180.0 * 1e-5))
    fx = np.repeat(_K * c, counts)[1:]
    dx = np.diff(X) * fx
    dy = np.diff(Y) * _K
    valid = np.ones(tot - 1, dtype=bool) if tot else np.zeros(0, dtype=bool)
    valid[(start[1:] - 1)] = False  # no piece from one segment's end to the next one's start
    piece = np.sqrt(dx * dx + dy * dy)[valid]
    if m == 0:
        return np.zeros(0)
    return np.add.reduceat(piece, np.r_[0, np.cumsum(counts - 1)[:-1]].astype(np.int64))
