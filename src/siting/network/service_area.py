"""Service areas as the street segments reached within a threshold (not convex hulls).

A facility's service area is the part of the street network from which a person reaches it
within the threshold (on an undirected network, the same as the part reached from it). One bounded
multi-source Dijkstra (scipy, C) from every facility of a category at once gives each node its
distance ``d`` (metres) to the nearest facility; a point at position ``s`` along a segment
``(u, v)`` of length ``l`` is at ``min(d[u] + s, d[v] + l - s)``, so the reached part of the
segment is ``[0, L - d[u]]`` from ``u`` and ``[l - (L - d[v]), l]`` from ``v``, plus, for a
facility snapped onto the segment itself, ``[s_f - (L - perp), s_f + (L - perp)]``. Segments are
cut at those positions (``shapely.ops.substring``) and merged into lines.

**Direction.** By default (``direction="to_sources"``) the area is where a person reaches the
facility *from* within the threshold (the residents it serves); ``"from_sources"`` is where one
gets to from the sources (the streets reached from a development). Both are the same on an
undirected network. On a directed one (drive) the search runs on the reversed graph for
``to_sources``, and a one-way segment ``u → v`` is reached only from its ``v`` end
(``[l - (L - d[v]), l]``) for ``to_sources``, only from its ``u`` end for ``from_sources``; a
source on a one-way segment reaches only behind it (``to_sources``) or ahead of it.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from siting.network.compiled import Network, Snap
from siting.network.reach import _check_direction, _oriented

__all__ = ["node_distances", "reached_intervals", "service_area_lines"]


def node_distances(net: Network, sources: Snap, limit: float, *, direction: str = "to_sources") -> np.ndarray:
    """Metres from every network node to the nearest reachable source, ``inf`` beyond ``limit``.

    One multi-source Dijkstra from a virtual node joined to each source's segment ends with the
    weights ``perp + along_u`` and ``perp + along_v`` (the walk from the point to the street and
    along it). ``direction``: ``"to_sources"`` (default) the travel from each node to the
    source, ``"from_sources"`` from the source to each node (differ on a directed network only).
    """
    _check_direction(direction)
    n = net.n_nodes
    ok = np.flatnonzero(sources.reachable)
    if len(ok) == 0:
        return np.full(n, np.inf)
    sources = _oriented(net, sources, "source", direction)
    cols = np.concatenate([sources.u[ok], sources.v[ok]])
    w = np.concatenate([sources.perp[ok] + sources.along_u[ok], sources.perp[ok] + sources.along_v[ok]])
    best = np.full(n, np.inf)
    np.minimum.at(best, cols, w)
    hit = np.flatnonzero(np.isfinite(best))
    extra = sparse.csr_matrix((best[hit], (np.zeros(len(hit), dtype=np.int64), hit)), shape=(1, n))
    big = sparse.bmat([[net.search_csr(direction), sparse.csr_matrix((n, 1))], [extra, sparse.csr_matrix((1, 1))]],
                      format="csr")
    dist = dijkstra(big, directed=True, indices=n, limit=float(limit))
    return np.asarray(dist[:n], dtype=float)


def reached_intervals(
    net: Network, sources: Snap, limit: float, *, direction: str = "to_sources",
) -> dict[int, list[tuple[float, float]]]:
    """Per street segment, the reached stretches as ``(start, end)`` metres from its ``u`` end.

    Only segments reached at all are listed; intervals are merged and sorted. ``direction`` as
    in :func:`node_distances`.
    """
    limit = float(limit)
    d = node_distances(net, sources, limit, direction=direction)
    length = net.edge_length
    au = limit - d[net.edge_u]  # metres reachable into the segment from u (negative: none)
    av = limit - d[net.edge_v]
    ow = net.edge_oneway
    if ow is not None:  # a one-way segment u -> v: its points reach v only / are reached from u only
        if direction == "to_sources":
            au = np.where(ow, -np.inf, au)
        else:
            av = np.where(ow, -np.inf, av)
    out: dict[int, list[tuple[float, float]]] = {}
    whole = (au + np.maximum(av, 0) >= length) | (av + np.maximum(au, 0) >= length)
    for e in np.flatnonzero(whole):
        out[int(e)] = [(0.0, float(length[e]))]
    part = np.flatnonzero(~whole & ((au > 0) | (av > 0)))
    for e in part:
        iv = []
        if au[e] > 0:
            iv.append((0.0, float(au[e])))
        if av[e] > 0:
            iv.append((float(length[e] - av[e]), float(length[e])))
        out[int(e)] = iv
    # a source on a segment reaches along it directly, even when neither end is within reach
    ok = np.flatnonzero(sources.reachable)
    for i in ok:
        r = limit - float(sources.perp[i])
        if r <= 0:
            continue
        se = int(sources.edge[i])
        s = float(sources.along_u[i])
        lo, hi = max(0.0, s - r), min(float(length[se]), s + r)
        if ow is not None and ow[se]:  # only behind the source (travel to it) or ahead of it
            lo, hi = (lo, s) if direction == "to_sources" else (s, hi)
        out[se] = _merge([*out.get(se, []), (lo, hi)])
    return out


def _merge(iv: list[tuple[float, float]]) -> list[tuple[float, float]]:
    iv = sorted(iv)
    merged = [list(iv[0])]
    for a, b in iv[1:]:
        if a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def service_area_lines(
    net: Network, sources: Snap, limit: float, *, simplify: float = 1.0, direction: str = "to_sources",
) -> shapely.Geometry:
    """The street network reached within ``limit`` metres of any source, as merged lines.

    Parameters
    ----------
    net : Network
        Compiled network (projected, metres).
    sources : Snap
        Snapped facilities of one category.
    limit : float
        Threshold, metres.
    simplify : float
        Douglas-Peucker tolerance in metres applied after merging (0 = none).
    direction : str
        ``"to_sources"`` (default): the streets from which a source is reached within ``limit``
        (a facility's service area); ``"from_sources"``: those reached from the sources. The same
        on an undirected network.

    Returns
    -------
    shapely LineString or MultiLineString
        In the network CRS; empty when nothing is reached.
    """
    iv = reached_intervals(net, sources, limit, direction=direction)
    if not iv:
        return shapely.MultiLineString([])
    geoms = net.edge_geometry
    length = net.edge_length
    whole, span_e, span_a, span_b = [], [], [], []
    for e, spans in iv.items():
        le = float(length[e])
        if len(spans) == 1 and spans[0][0] <= 0 and spans[0][1] >= le:
            whole.append(e)
            continue
        for lo, hi in spans:
            if hi - lo > 1e-6 and le > 0:
                span_e.append(e)
                span_a.append(lo / le)
                span_b.append(hi / le)
    parts = list(geoms[np.asarray(whole, dtype=np.int64)]) if whole else []
    if span_e:
        parts += list(_substrings(geoms[np.asarray(span_e)], np.asarray(span_a), np.asarray(span_b)))
    merged = shapely.line_merge(shapely.MultiLineString(parts)) if parts else shapely.MultiLineString([])
    if simplify > 0 and not merged.is_empty:
        merged = shapely.simplify(merged, simplify, preserve_topology=False)
    return merged


def _substrings(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Vectorised ``shapely.ops.substring(line, start, end, normalized=True)`` for ``start < end``.

    Keeps each line's vertices strictly between the two positions and adds the interpolated
    end points.
    """
    total = shapely.length(lines)
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    seg = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    first = np.r_[True, idx[1:] != idx[:-1]]
    seg[first] = 0.0
    cum = np.cumsum(seg)
    cum -= np.repeat(cum[first], np.bincount(idx))  # distance along its own line
    a = start * total
    b = end * total
    inner = (cum > a[idx]) & (cum < b[idx])
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(lines, a))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(lines, b))
    n = len(lines)
    pts = np.concatenate([p0, xy[inner], p1])
    owner = np.concatenate([np.arange(n), idx[inner], np.arange(n)])
    order_key = np.concatenate([np.full(n, -1.0), cum[inner], np.full(n, np.inf)])
    order = np.lexsort((order_key, owner))
    return shapely.linestrings(pts[order], indices=owner[order])
