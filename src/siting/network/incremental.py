"""Nearest site per target, kept up to date as sites are added and removed (the live what-if).

A :class:`NearestState` holds, for every target (residence), the walking distance to its nearest
*active* site and which site that is, bounded at ``limit`` metres (``inf`` beyond), exactly as
:func:`siting.network.reach.nearest` computes it from scratch. It changes by local work only:

* **adding a site** runs one bounded search from the new site on the subgraph of the nodes
  within ``limit`` (straight line) of it, and takes the element-wise minimum with the current
  distances of the targets within ``limit`` (straight line) of it;
* **removing a site** re-searches only the targets it served: one bounded multi-source search
  from the active sites within ``2 × limit`` of it, on the nodes within ``limit`` of those
  targets.

Both are exact, since a walk along the streets is never shorter than the straight line: every
node on a path of at most ``limit`` metres from a site lies within ``limit`` of it, and a site
that reaches a target within ``limit`` lies within ``limit`` of it. Nothing is proportional to
the size of the city but a few vectorised passes over the node and target arrays; the searches
themselves cover a disc of the threshold's radius.

Sites and targets are snapped onto street segments (:meth:`siting.network.Network.snap`); all
distances are metres, including both snap distances, and a source and a target on the same
segment also get the direct walk along it (as in :mod:`siting.network.reach`).

**Several access points per residence.** Targets may be grouped (``owner``: a compound's gates,
:mod:`siting.inputs.access`). The state then tracks the nearest site of every target (access
point) as above, and a group's distance is the smallest of its targets' (ties: the lowest target
index, as :func:`siting.coverage.coverage` picks them); after each operation only the groups of
the targets that changed are taken again, and the :class:`Change` names groups.

**One-way streets.** On a directed network (the drive profile) the distance is the travel from
the target to the site, as :func:`~siting.network.reach.nearest` measures it by default: the
searches run from the sites on the reversed graph, points on one-way segments move only forward
along them (:mod:`siting.network.reach`). The straight-line bounds hold the same way (a drive
along the streets is never shorter than the straight line either).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from siting.errors import InputError
from siting.network.compiled import Network, Snap
from siting.network.reach import _oriented, _same_edge_pairs, _source_rows, _target_distance, nearest

__all__ = ["Change", "NearestState", "snapped_xy"]

logger = logging.getLogger(__name__)


def snapped_xy(net: Network, snap: Snap) -> tuple[np.ndarray, np.ndarray]:
    """Where each snapped point meets its street segment (metres, the network's CRS; NaN when unreachable).

    The straight line from any site to this point is never longer than the walk from the site to
    the snapped point (the walk starts with the site's own snap and runs along segments no shorter
    than their lines, the same premise as the bounds on the points themselves), so it serves as the
    straight-line bound of :class:`NearestState` when the points themselves are not at hand (e.g.
    the access points of compounds).
    """
    x = np.full(len(snap), np.nan)
    y = np.full(len(snap), np.nan)
    ok = np.flatnonzero(snap.reachable)
    if len(ok):
        p = shapely.line_interpolate_point(net.edge_geometry[snap.edge[ok]], snap.t[ok], normalized=True)
        x[ok], y[ok] = shapely.get_x(p), shapely.get_y(p)
    return x, y


@dataclass(frozen=True)
class Change:
    """Targets (or, with ``owner``, groups of targets) whose distance or nearest site changed in one operation.

    Attributes
    ----------
    index : ndarray of int
        Target (group) indices (sorted, unique).
    before, after : ndarray of float
        Their distance (metres, inf beyond the limit) before and after.
    """

    index: np.ndarray
    before: np.ndarray
    after: np.ndarray


class NearestState:
    """Distance from every target to its nearest active site, updated site by site.

    On a directed network the distance is the travel from the target to the site (one-way
    streets respected), as ``nearest(net, sites, targets)`` gives it.

    Parameters
    ----------
    net : Network
        The compiled network (metres).
    targets : Snap
        Snapped targets (residences, or their access points with ``owner``); unreachable ones
        stay at ``inf``.
    target_xy : (ndarray, ndarray)
        A point per target that no walk from a site is shorter than in straight line (metres,
        network CRS): the target's own coordinates, or where it meets the street
        (:func:`snapped_xy`). Used only for the straight-line bounds.
    limit : float
        Metres; distances beyond it are ``inf`` (as ``nearest(..., limit=limit)``).
    sites : Snap, optional
        The sites active at the start (e.g. existing facilities).
    site_xy : (ndarray, ndarray), optional
        Their coordinates (metres, network CRS).
    owner : array of int, optional
        The group of each target (e.g. the residence of each access point, a compound's gates):
        ``distance`` and ``source`` are then per group, the best of its targets, and every
        :class:`Change` names groups.
    n_owners : int, optional
        Number of groups (default ``owner.max() + 1``); a group without targets stays at ``inf``.
    initial : (distance, source), optional
        Per target, the result of ``nearest(net, sites, targets, limit)`` when already computed
        (e.g. by :func:`siting.coverage.coverage`); computed here otherwise.

    Attributes
    ----------
    distance : ndarray of float
        Metres to the nearest active site per target, or per group with ``owner`` (inf beyond
        ``limit``).
    source : ndarray of int
        Site handle of that site (-1 where ``distance`` is inf). The sites given at the start
        have handles ``0 .. len(sites) - 1``; :meth:`add` returns the next ones.
    target_distance, target_source : ndarray
        The same per target (the very same arrays as ``distance`` and ``source`` without ``owner``).
    """

    def __init__(
        self,
        net: Network,
        targets: Snap,
        target_xy: tuple[np.ndarray, np.ndarray],
        limit: float,
        sites: Snap | None = None,
        site_xy: tuple[np.ndarray, np.ndarray] | None = None,
        *,
        owner: np.ndarray | None = None,
        n_owners: int | None = None,
        initial: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        if not (np.isfinite(limit) and limit > 0):
            raise InputError(f"limit = {limit!r} must be a positive number of metres")
        self.net = net
        self.targets = targets
        self.limit = float(limit)
        tx, ty = (np.asarray(a, dtype=float) for a in target_xy)
        if len(tx) != len(targets) or len(ty) != len(targets):
            raise InputError(f"target_xy has {len(tx)} points for {len(targets)} snapped targets: give one per target")
        self._txy = np.c_[tx, ty]
        # the straight-line tree holds the targets a site can reach (on the network, at a finite point)
        self._tree_idx = np.flatnonzero(np.asarray(targets.reachable, dtype=bool) & np.isfinite(tx) & np.isfinite(ty))
        if len(self._tree_idx) < int(np.count_nonzero(targets.reachable)):
            raise InputError("target_xy must be finite for every reachable target")
        self._ttree = cKDTree(self._txy[self._tree_idx]) if len(self._tree_idx) else None
        self._ntree = cKDTree(np.c_[net.x, net.y])
        self._parts: list[Snap] = []  # site snaps, in handle order (the start sites as one part)
        self._part_of = np.zeros(0, dtype=np.int64)
        self._row_of = np.zeros(0, dtype=np.int64)
        self._sx = np.zeros(0)
        self._sy = np.zeros(0)
        self.active = np.zeros(0, dtype=bool)
        n0 = 0 if sites is None else len(sites)
        if n0:
            assert sites is not None and site_xy is not None
            self._append(sites, site_xy)
        nt = len(targets)
        if initial is not None:
            d, s = (np.asarray(a) for a in initial)
            if len(d) != nt or len(s) != nt:
                raise InputError("initial distances must have one value per target")
            self.target_distance = np.asarray(d, dtype=float).copy()
            self.target_source = np.asarray(s, dtype=np.int64).copy()
        elif n0:
            assert sites is not None
            near = nearest(net, sites, targets, limit=self.limit)
            self.target_distance, self.target_source = near.distance.copy(), near.source.copy()
        else:
            self.target_distance = np.full(nt, np.inf)
            self.target_source = np.full(nt, -1, dtype=np.int64)
        self.owner: np.ndarray | None = None
        if owner is None:
            self.distance, self.source = self.target_distance, self.target_source
            return
        own = np.asarray(owner)
        if len(own) != nt:
            raise InputError(f"owner has {len(own)} values for {nt} snapped targets: give the group of each target")
        if nt and (not np.issubdtype(own.dtype, np.integer) or own.min() < 0):
            raise InputError("owner must hold group numbers 0, 1, 2 ... (non-negative integers)")
        own = own.astype(np.int64)
        ng = int(n_owners) if n_owners is not None else (int(own.max()) + 1 if nt else 0)
        if nt and own.max() >= ng:
            raise InputError(f"owner names group {int(own.max())} but n_owners = {ng}")
        self.owner = own
        # the targets of each group, in target order: group g holds _gorder[_gptr[g]:_gptr[g + 1]]
        self._gorder = np.argsort(own, kind="stable")
        self._gcount = np.bincount(own, minlength=ng)
        self._gptr = np.r_[0, np.cumsum(self._gcount)]
        self.distance = np.full(ng, np.inf)
        self.source = np.full(ng, -1, dtype=np.int64)
        has = np.flatnonzero(self._gcount > 0)
        d, s = self._group_best(has)
        self.distance[has], self.source[has] = d, s

    # -- groups ------------------------------------------------------------------------------
    def _group_best(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group (each with at least one target): the smallest distance of its targets and
        the site of the first target at that distance (the lowest target index, as
        :func:`siting.coverage.coverage` breaks ties)."""
        cnt = self._gcount[groups]
        if len(groups) == 0:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        seg = np.r_[0, np.cumsum(cnt)[:-1]]
        pos = np.arange(int(cnt.sum()))
        flat = self._gorder[np.repeat(self._gptr[groups] - seg, cnt) + pos]
        vals = self.target_distance[flat]
        best = np.minimum.reduceat(vals, seg)
        first = np.minimum.reduceat(np.where(vals == np.repeat(best, cnt), pos, len(pos)), seg)
        return best, self.target_source[flat[first]]

    def _grouped(self, ch: Change) -> Change:
        """A change of targets as the change of their groups (only groups whose best changed)."""
        if self.owner is None or not len(ch.index):
            return ch
        assert self.owner is not None
        g = np.unique(self.owner[ch.index])
        d, s = self._group_best(g)
        before = self.distance[g]
        moved = (d != before) | (s != self.source[g])
        g, d, s, before = g[moved], d[moved], s[moved], before[moved]
        self.distance[g] = d
        self.source[g] = s
        return Change(g, before.copy(), d.copy())

    # -- sites -------------------------------------------------------------------------------
    @property
    def n_sites(self) -> int:
        """Number of site handles given out (active or not)."""
        return len(self.active)

    def _append(self, snap: Snap, xy: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        x, y = (np.atleast_1d(np.asarray(a, dtype=float)) for a in xy)
        k = len(snap)
        if len(x) != k or len(y) != k:
            raise InputError(f"site_xy has {len(x)} points for {k} snapped sites: give one per site")
        start = self.n_sites
        self._parts.append(snap)
        self._part_of = np.r_[self._part_of, np.full(k, len(self._parts) - 1, dtype=np.int64)]
        self._row_of = np.r_[self._row_of, np.arange(k, dtype=np.int64)]
        self._sx = np.r_[self._sx, x]
        self._sy = np.r_[self._sy, y]
        self.active = np.r_[self.active, snap.reachable.astype(bool)]
        return np.arange(start, start + k)

    def _site_snaps(self, handles: np.ndarray) -> Snap:
        """The snaps of the given site handles, as one Snap (in the order given)."""
        parts = self._part_of[handles]
        rows = self._row_of[handles]
        if len(handles) and np.all(parts == parts[0]):
            return self._parts[int(parts[0])].subset(rows)
        pieces = [self._parts[int(p)].subset(rows[parts == p]) for p in np.unique(parts)]
        order = np.concatenate([np.flatnonzero(parts == p) for p in np.unique(parts)]) if len(handles) else np.zeros(0, np.int64)
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order))
        cat = {f: np.concatenate([getattr(s, f) for s in pieces])[inv] if pieces else np.zeros(0)
               for f in ("edge", "u", "v", "along_u", "along_v", "perp", "t", "reachable")}
        return Snap(cat["edge"], cat["u"], cat["v"], cat["along_u"], cat["along_v"], cat["perp"], cat["t"],
                    cat["reachable"].astype(bool), self._parts[0].max_snap if self._parts else 0.0)

    def add(self, snap: Snap, xy: tuple[float, float]) -> tuple[int, Change]:
        """Add one site (a snap of length 1 and its point); returns its handle and the change.

        A site off the network (``snap.reachable`` False) gets a handle but changes nothing.
        """
        if len(snap) != 1:
            raise InputError(f"add takes one snapped site, got {len(snap)}")
        h = int(self._append(snap, (np.array([xy[0]]), np.array([xy[1]])))[0])
        if not snap.reachable[0]:
            return h, _no_change()
        idx, metres = self._reach_one(h)
        if len(idx) == 0:
            return h, _no_change()
        better = metres < self.target_distance[idx]
        # a tie goes to the lower handle, as the multi-source search would find either
        idx, metres = idx[better], metres[better]
        before = self.target_distance[idx].copy()
        self.target_distance[idx] = metres
        self.target_source[idx] = h
        return h, self._grouped(Change(idx, before, metres.copy()))

    def activate(self, handle: int) -> Change:
        """Switch a site given before back on (after :meth:`remove`)."""
        h = int(handle)
        self._check(h)
        if self.active[h]:
            return _no_change()
        snap = self._site_snaps(np.array([h]))
        if not snap.reachable[0]:
            return _no_change()
        self.active[h] = True
        idx, metres = self._reach_one(h)
        better = metres < self.target_distance[idx]
        idx, metres = idx[better], metres[better]
        before = self.target_distance[idx].copy()
        self.target_distance[idx] = metres
        self.target_source[idx] = h
        return self._grouped(Change(idx, before, metres.copy()))

    def remove(self, handle: int) -> Change:
        """Switch a site off; the targets it served get their next-nearest active site."""
        h = int(handle)
        self._check(h)
        if not self.active[h]:
            return _no_change()
        self.active[h] = False
        idx = np.flatnonzero(self.target_source == h)
        if len(idx) == 0:
            return _no_change()
        before = self.target_distance[idx].copy()
        d, s = self._research(idx, float(self._sx[h]), float(self._sy[h]))
        self.target_distance[idx] = d
        self.target_source[idx] = s
        return self._grouped(Change(idx, before, d.copy()))

    def site_xy(self, handle: int) -> tuple[float, float]:
        """Coordinates of a site (metres, network CRS)."""
        self._check(int(handle))
        return float(self._sx[handle]), float(self._sy[handle])

    def _check(self, h: int) -> None:
        if not 0 <= h < self.n_sites:
            raise InputError(f"site handle {h} is not known (0..{self.n_sites - 1})")

    # -- searches ----------------------------------------------------------------------------
    def _subgraph(self, nodes: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
        """CSR of the network restricted to ``nodes``, and the global -> local index (n = outside)."""
        n = len(nodes)
        local = np.full(self.net.n_nodes + 1, n, dtype=np.int64)
        local[nodes] = np.arange(n)
        sub = self.net.csr_reverse[nodes][:, nodes]  # the travel towards the sites (== csr when undirected)
        return sub, local

    def _targets_near(self, x: float, y: float, r: float) -> np.ndarray:
        if self._ttree is None:
            return np.zeros(0, dtype=np.int64)
        idx = self._tree_idx[np.asarray(self._ttree.query_ball_point([x, y], r), dtype=np.int64)]
        idx.sort()
        return idx

    def _reach_one(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Targets within ``limit`` of site ``h`` and their distances (metres)."""
        L = self.limit
        x, y = float(self._sx[h]), float(self._sy[h])
        tidx = self._targets_near(x, y, L * (1 + 1e-9) + 1e-6)
        if len(tidx) == 0:
            return tidx, np.zeros(0)
        snap = self._site_snaps(np.array([h]))
        nodes = np.asarray(self._ntree.query_ball_point([x, y], L * (1 + 1e-9) + 1e-6), dtype=np.int64)
        nodes = np.unique(np.r_[nodes, snap.u, snap.v])
        d = self._search(nodes, snap, self.targets.subset(tidx))[0]
        ok = d <= L
        return tidx[ok], d[ok]

    def _research(self, tidx: np.ndarray, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        """Nearest active site (distance, handle) of targets ``tidx``, all within ``limit`` of (x, y)."""
        L = self.limit
        pad = L * (1 + 1e-9) + 1e-6
        txy = self._txy[tidx]
        lo, hi = txy.min(axis=0) - pad, txy.max(axis=0) + pad
        near = np.flatnonzero(self.active & (self._sx >= lo[0]) & (self._sx <= hi[0]) & (self._sy >= lo[1]) & (self._sy <= hi[1]))
        if len(near):
            dd = np.hypot(self._sx[near] - x, self._sy[near] - y)
            near = near[dd <= 2 * pad]
        out_d = np.full(len(tidx), np.inf)
        out_s = np.full(len(tidx), -1, dtype=np.int64)
        if len(near) == 0:
            return out_d, out_s
        snaps = self._site_snaps(near)
        nodes = np.asarray(self._ntree.query_ball_point([x, y], 2 * pad), dtype=np.int64)
        inbox = (self.net.x[nodes] >= lo[0]) & (self.net.x[nodes] <= hi[0]) & (self.net.y[nodes] >= lo[1]) & (self.net.y[nodes] <= hi[1])
        nodes = np.unique(np.r_[nodes[inbox], snaps.u, snaps.v])
        d, src = self._search(nodes, snaps, self.targets.subset(tidx))
        ok = d <= L
        out_d[ok] = d[ok]
        out_s[ok] = near[src[ok]]
        return out_d, out_s

    def _search(self, nodes: np.ndarray, sources: Snap, targets: Snap) -> tuple[np.ndarray, np.ndarray]:
        """Distance from the nearest of ``sources`` to each target, on the subgraph of ``nodes``.

        Returns metres (inf beyond the limit) and the index into ``sources`` (-1 when none).
        """
        sub, local = self._subgraph(nodes)
        n = len(nodes)
        ok = np.flatnonzero(sources.reachable)
        out_d = np.full(len(targets), np.inf)
        out_s = np.full(len(targets), -1, dtype=np.int64)
        if len(ok) == 0:
            return out_d, out_s
        plain_sources, plain_targets = sources, targets
        sources = _oriented(self.net, sources, "source", "to_sources")
        targets = _oriented(self.net, targets, "target", "to_sources")
        extra = _source_rows(sources, ok, local, n)  # the sources' segment ends are in ``nodes``
        big = sparse.bmat([[sub, None], [extra, sparse.csr_matrix((len(ok), len(ok)))]], format="csr")
        dist, _pred, origin = dijkstra(big, directed=True, indices=np.arange(n, n + len(ok)), min_only=True,
                                       limit=self.limit, return_predecessors=True)
        dist = np.r_[dist[:n], np.inf]  # index n = outside the subgraph
        origin = np.r_[origin[:n], -9999]
        lt = Snap(targets.edge, np.where(targets.reachable, local[np.maximum(targets.u, 0)], n),
                  np.where(targets.reachable, local[np.maximum(targets.v, 0)], n), targets.along_u, targets.along_v,
                  targets.perp, targets.t, targets.reachable, targets.max_snap)
        best, end = _target_distance(dist, lt)
        node = np.where(end == 1, lt.v, lt.u)
        src_virtual = origin[node]
        has = np.isfinite(best) & (src_virtual >= n)
        out_d[has] = best[has]
        out_s[has] = ok[src_virtual[has] - n]
        direct = _same_edge_pairs(plain_sources, plain_targets, self.net.edge_oneway, "to_sources")
        if len(direct):
            direct = direct.sort_values("metres", kind="stable").drop_duplicates("target")
            ti = direct["target"].to_numpy()
            dm = direct["metres"].to_numpy()
            better = dm < out_d[ti]
            out_d[ti[better]] = dm[better]
            out_s[ti[better]] = direct["source"].to_numpy()[better]
        over = out_d > self.limit
        out_d[over] = np.inf
        out_s[over] = -1
        return out_d, out_s


def _no_change() -> Change:
    z = np.zeros(0)
    return Change(np.zeros(0, dtype=np.int64), z, z)
