"""Bounded shortest paths on the compiled network: nearest facility and sparse reachability.

Both searches run scipy's C implementation of Dijkstra (``scipy.sparse.csgraph.dijkstra``) on
the network's CSR matrix; networkx is never in the loop.

Points are snapped onto street segments (:meth:`siting.network.Network.snap`), not to nodes.
A snapped source enters the graph as a virtual node with two directed edges to the segment's
ends, weighted ``perp + along_u`` and ``perp + along_v``; a target's distance is
``perp + min(d[u] + along_u, d[v] + along_v)``; a source and a target on the same segment also
get the direct walk along it. All distances are metres.

**Direction.** Every search measures the distance *from each target to its source* by default
(``direction="to_sources"``: a resident travels to the facility), or from the source to each
target (``"from_sources"``: the streets reached from a development). On an undirected network the
two are the same and the search runs on the symmetric CSR as it always did. On a directed network
(:attr:`siting.network.Network.directed`, the drive profile) a ``"to_sources"`` search runs from
the sources on the reversed graph (:attr:`~siting.network.Network.csr_reverse`), and a point on a
one-way segment ``u → v`` can only move forward along it: leaving the point it reaches ``v``
(``perp + along_v``) but not ``u``, arriving it comes from ``u`` (``along_u + perp``) but not from
``v``; two points on the same one-way segment are joined directly only from the one behind to the
one ahead (any other way runs round the block, which the search finds).

:func:`nearest` is one multi-source search (``min_only=True``) for "how far to the nearest
facility, and which one". :func:`pairs_within` answers "which targets does each source reach
within L metres", as sparse long-format pairs, never a dense matrix: sources are processed in
spatial tiles, each on the subgraph of nodes within ``L`` (straight line) of the tile — exact,
since a network distance is never shorter than the straight line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from siting.network.compiled import Network, Snap

__all__ = ["DIRECTIONS", "Nearest", "nearest", "pairs_within"]

logger = logging.getLogger(__name__)

#: The directions a search measures: from each target to its source (the default: residents to
#: facilities), or from the source to each target.
DIRECTIONS = ("to_sources", "from_sources")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction = {direction!r}: use 'to_sources' (targets travel to the sources) or 'from_sources'")


def _oriented(net: Network, snaps: Snap, role: str, direction: str) -> Snap:
    """``snaps`` as the search sees them: on one-way segments the along distance that cannot be
    travelled is ``inf``.

    A point on a one-way segment ``u → v`` leaves it towards ``v`` and is arrived at from ``u``.
    Searched forwards (``from_sources``) a source leaves (no ``u`` end) and a target is arrived at
    (no ``v`` end); searched on the reversed graph (``to_sources``) a source is arrived at (no
    ``v`` end) and a target leaves (no ``u`` end). Undirected networks: ``snaps`` unchanged.
    """
    if net.edge_oneway is None:
        return snaps
    ow = snaps.reachable & net.edge_oneway[np.maximum(snaps.edge, 0)] if len(snaps) else np.zeros(0, bool)
    if not ow.any():
        return snaps
    no_u = (role == "source") == (direction == "from_sources")
    if no_u:
        return replace(snaps, along_u=np.where(ow, np.inf, snaps.along_u))
    return replace(snaps, along_v=np.where(ow, np.inf, snaps.along_v))


@dataclass(frozen=True)
class Nearest:
    """Distance from each target to its nearest source.

    Attributes
    ----------
    distance : ndarray of float
        Metres, including both snap distances; ``inf`` when no source is within the limit or
        the target (or every source) is off the network.
    source : ndarray of int
        Index (into the sources given) of the nearest source; -1 where ``distance`` is inf.
    """

    distance: np.ndarray
    source: np.ndarray


def _augmented(net: Network, snaps: Snap, direction: str = "to_sources") -> tuple[sparse.csr_matrix, np.ndarray]:
    """CSR with one virtual node per reachable snapped source, appended after the real nodes.

    ``snaps`` are oriented already (:func:`_oriented`). Returns the matrix (the network's
    :meth:`~siting.network.Network.search_csr` for ``direction``) and the indices (into
    ``snaps``) of the sources that got a node. Only the appended rows are built; the network's
    own arrays are reused as they are.
    """
    ok = np.flatnonzero(snaps.reachable)
    n = net.n_nodes
    extra = _source_rows(snaps, ok, np.arange(n), n)
    base = net.search_csr(direction)
    k = len(ok)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + extra.indptr[1:]])
    indices = np.concatenate([base.indices, extra.indices.astype(base.indices.dtype)])
    data = np.concatenate([base.data, extra.data])
    m = sparse.csr_matrix((data, indices, indptr), shape=(n + k, n + k))
    return m, ok


def _target_distance(dist: np.ndarray, targets: Snap) -> tuple[np.ndarray, np.ndarray]:
    """Per target: best distance through its segment's ends, and which end (0 = u, 1 = v)."""
    u = np.where(targets.reachable, targets.u, 0)
    v = np.where(targets.reachable, targets.v, 0)
    du = dist[u] + targets.along_u
    dv = dist[v] + targets.along_v
    best = np.minimum(du, dv) + targets.perp
    best[~targets.reachable] = np.inf
    return best, (dv < du).astype(np.int8)


def _same_edge_pairs(
    sources: Snap, targets: Snap, oneway: np.ndarray | None = None, direction: str = "to_sources",
) -> pd.DataFrame:
    """Source-target pairs on the same segment with the direct distance along it (metres).

    ``oneway`` (the network's ``edge_oneway``): on a one-way segment only the pairs whose
    traveller moves forward (towards ``v``) are joined directly: the target behind the source for
    ``to_sources`` (the target travels), ahead of it for ``from_sources``.
    """
    s_ok = np.flatnonzero(sources.reachable)
    t_ok = np.flatnonzero(targets.reachable)
    if len(s_ok) == 0 or len(t_ok) == 0:
        return pd.DataFrame({"target": np.zeros(0, np.int64), "source": np.zeros(0, np.int64), "metres": np.zeros(0)})
    order = s_ok[np.argsort(sources.edge[s_ok], kind="stable")]
    s_edge = sources.edge[order]
    t_edge = targets.edge[t_ok]
    lo = np.searchsorted(s_edge, t_edge, side="left")
    hi = np.searchsorted(s_edge, t_edge, side="right")
    count = hi - lo
    ti = np.repeat(t_ok, count)
    # positions lo..hi-1 for each target, flattened
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    si = order[np.arange(int(count.sum())) + starts]
    # along the segment: |position difference| in metres (along_u grows from u to v)
    ahead = targets.along_u[ti] - sources.along_u[si]  # > 0: the target lies ahead of the source
    metres = np.abs(ahead) + targets.perp[ti] + sources.perp[si]
    if oneway is not None and len(ti):
        back = (ahead < 0) if direction == "from_sources" else (ahead > 0)
        ok = ~(oneway[targets.edge[ti]] & back)
        ti, si, metres = ti[ok], si[ok], metres[ok]
    return pd.DataFrame({"target": ti, "source": si, "metres": metres})


def nearest(
    net: Network, sources: Snap, targets: Snap, limit: float = np.inf, *, direction: str = "to_sources",
) -> Nearest:
    """Distance from every target to the nearest source, bounded at ``limit`` metres.

    One multi-source Dijkstra (scipy, ``min_only=True``) from all sources at once.

    Parameters
    ----------
    net : Network
    sources, targets : Snap
        Snapped points (facilities and residences). Unreachable ones are ignored / get inf.
    limit : float
        Metres; the search stops there. Distances beyond it come back as ``inf``.
    direction : str
        ``"to_sources"`` (default): the travel from each target to the source (a resident
        driving to the facility, on a directed network the search runs on the reversed graph);
        ``"from_sources"``: from the source to each target. The same on an undirected network.

    Returns
    -------
    Nearest
        ``distance`` (metres) and ``source`` index per target.
    """
    _check_direction(direction)
    nt = len(targets)
    out_d = np.full(nt, np.inf)
    out_s = np.full(nt, -1, dtype=np.int64)
    if len(sources) == 0 or not sources.reachable.any() or nt == 0:
        return Nearest(out_d, out_s)
    m, ok = _augmented(net, _oriented(net, sources, "source", direction), direction)
    n = net.n_nodes
    dist, _pred, origin = dijkstra(
        m, directed=True, indices=np.arange(n, n + len(ok)), min_only=True,
        limit=float(limit), return_predecessors=True,
    )
    best, end = _target_distance(dist, _oriented(net, targets, "target", direction))
    node = np.where(end == 1, targets.v, targets.u)
    node = np.where(targets.reachable, node, 0)
    src_virtual = origin[node]
    has = np.isfinite(best) & (src_virtual >= n)
    out_d[has] = best[has]
    out_s[has] = ok[src_virtual[has] - n]
    direct = _same_edge_pairs(sources, targets, net.edge_oneway, direction)
    if len(direct):
        direct = direct.sort_values("metres").drop_duplicates("target")
        ti = direct["target"].to_numpy()
        dm = direct["metres"].to_numpy()
        better = dm < out_d[ti]
        out_d[ti[better]] = dm[better]
        out_s[ti[better]] = direct["source"].to_numpy()[better]
    over = out_d > limit
    out_d[over] = np.inf
    out_s[over] = -1
    return Nearest(out_d, out_s)


def pairs_within(
    net: Network,
    sources: Snap,
    targets: Snap,
    limit: float,
    *,
    batch: int = 256,
    progress: bool = False,
    tile_m: float | None = None,
    direction: str = "to_sources",
) -> pd.DataFrame:
    """Every (source, target) pair within ``limit`` metres on the network, in long format.

    Sources are grouped into square tiles (side ``tile_m``); each tile runs Dijkstra from its
    sources (``batch`` at a time) on the subgraph of nodes within ``limit`` (straight line) of
    the tile, so memory stays bounded by ``batch x nodes-in-reach``, never sources x targets.

    Parameters
    ----------
    net : Network
    sources, targets : Snap
        Snapped candidate sites and residences.
    limit : float
        Metres (inclusive).
    batch : int
        Sources per Dijkstra call.
    progress : bool
        Show a tqdm progress bar over tiles.
    tile_m : float, optional
        Tile side in metres (default ``max(2 × limit, 1200)``, the fastest in measurements on
        generated cities of 20k–200k nodes: fewer, larger subgraphs beat many small ones).
    direction : str
        ``"to_sources"`` (default): metres from each target to the source (residents to a
        candidate site); ``"from_sources"``: from the source to each target. The same on an
        undirected network.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``target`` (indices into the snaps) and ``metres``, sorted by
        source then target.
    """
    _check_direction(direction)
    limit = float(limit)
    s_ok = np.flatnonzero(sources.reachable)
    t_ok = np.flatnonzero(targets.reachable)
    empty = pd.DataFrame({"source": np.zeros(0, np.int64), "target": np.zeros(0, np.int64), "metres": np.zeros(0)})
    if len(s_ok) == 0 or len(t_ok) == 0:
        return empty
    plain = (sources, targets)
    sources = _oriented(net, sources, "source", direction)
    targets = _oriented(net, targets, "target", direction)
    csr = net.search_csr(direction)
    # anchor each point at the midpoint of its segment's ends for tiling (metres)
    sx = (net.x[sources.u[s_ok]] + net.x[sources.v[s_ok]]) / 2
    sy = (net.y[sources.u[s_ok]] + net.y[sources.v[s_ok]]) / 2
    tile = max(2.0 * limit, 1200.0) if tile_m is None else float(tile_m)
    tx = np.floor((sx - net.x.min()) / tile).astype(np.int64)
    ty = np.floor((sy - net.y.min()) / tile).astype(np.int64)
    tiles = pd.Series(np.arange(len(s_ok))).groupby([tx, ty]).indices
    # a node is needed if it is within limit of any source: every segment end of a source lies
    # within its segment length of it, so pad by the longest segment involved
    node_cell_x = np.floor((net.x - net.x.min()) / tile).astype(np.int64)
    node_cell_y = np.floor((net.y - net.y.min()) / tile).astype(np.int64)
    t_u = targets.u[t_ok]
    t_v = targets.v[t_ok]
    out = []
    items = list(tiles.items())
    bar = None
    if progress:
        from tqdm.auto import tqdm

        from siting import settings

        zh = settings.console_lang == "zh"
        bar = tqdm(total=len(s_ok), desc="可达计算" if zh else "reachability", unit="个点位" if zh else "site")
    for (cx, cy), members in items:
        sel = s_ok[members]
        # nodes within `limit` of a source lie within limit + its segment length of the anchor
        pad = int(np.ceil((limit + float(net.edge_length[sources.edge[sel]].max())) / tile))
        near = (np.abs(node_cell_x - cx) <= pad) & (np.abs(node_cell_y - cy) <= pad)
        nodes = np.flatnonzero(near)
        n = len(nodes)
        local = np.full(net.n_nodes, n, dtype=np.int64)  # n = "outside": an inf column below
        local[nodes] = np.arange(n)
        tmask = (local[t_u] < n) | (local[t_v] < n)
        tsel = t_ok[tmask]
        if len(tsel) == 0:
            if bar is not None:
                bar.update(len(sel))
            continue
        sub = csr[nodes][:, nodes]
        tu_l = local[targets.u[tsel]]
        tv_l = local[targets.v[tsel]]
        for start in range(0, len(sel), batch):
            chunk = sel[start : start + batch]
            k = len(chunk)
            extra = _source_rows(sources, chunk, local, n)
            big = sparse.bmat(
                [[sub, sparse.csr_matrix((n, k))], [extra, sparse.csr_matrix((k, k))]], format="csr"
            )
            dist = dijkstra(big, directed=True, indices=np.arange(n, n + k), limit=limit)[:, : n + 1]
            dist[:, n] = np.inf
            du = dist[:, tu_l] + targets.along_u[tsel]
            dv = dist[:, tv_l] + targets.along_v[tsel]
            d = np.minimum(du, dv) + targets.perp[tsel]
            r, c = np.nonzero(d <= limit)
            out.append(pd.DataFrame({"source": chunk[r], "target": tsel[c], "metres": d[r, c]}))
            if bar is not None:
                bar.update(k)
    if bar is not None:
        bar.close()
    direct = _same_edge_pairs(*plain, net.edge_oneway, direction)
    direct = direct[direct["metres"] <= limit]
    frames = [f for f in out if len(f)]
    if len(direct):
        frames.append(direct.astype({"source": np.int64, "target": np.int64})[["source", "target", "metres"]])
    if not frames:
        return empty
    res = pd.concat(frames, ignore_index=True)
    res = res.sort_values("metres").drop_duplicates(["source", "target"]).sort_values(["source", "target"])
    return res.reset_index(drop=True)


def _source_rows(snaps: Snap, chunk: np.ndarray, local: np.ndarray, n: int) -> sparse.csr_matrix:
    """``len(chunk) x n`` CSR: row i joins source ``chunk[i]`` to its segment's two ends.

    A degenerate segment (both ends the same node) gets one entry, the shorter (scipy would
    add duplicate entries together). An end at ``inf`` (a one-way segment's forbidden end,
    :func:`_oriented`) gets no entry.
    """
    k = len(chunk)
    cu = local[snaps.u[chunk]]
    cv = local[snaps.v[chunk]]
    wu = snaps.perp[chunk] + snaps.along_u[chunk]
    wv = snaps.perp[chunk] + snaps.along_v[chunk]
    same = cu == cv
    wu = np.where(same, np.minimum(wu, wv), wu)
    keep = np.stack([np.isfinite(wu), ~same & np.isfinite(wv)], 1)
    counts = keep.sum(axis=1)
    indptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    cols = np.stack([cu, cv], 1)
    w = np.stack([wu, wv], 1)
    # each row has its (at most two) columns in increasing order: a sorted CSR without a sort
    swap = cols[:, 0] > cols[:, 1]
    cols[swap] = cols[swap][:, ::-1]
    w[swap] = w[swap][:, ::-1]
    keep[swap] = keep[swap][:, ::-1]
    m = sparse.csr_matrix((w[keep], cols[keep], indptr), shape=(k, n))
    m.has_sorted_indices = True
    return m
