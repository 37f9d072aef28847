"""The live what-if state of ``siting serve``: coverage per category, changed site by site.

A :class:`WhatIf` starts from a finished run (:class:`siting.results.RunResult`: network,
residences, facilities, coverage, and the plan if the scenario has one). Per category it keeps a
:class:`siting.network.NearestState` (metres from every residence to its nearest active site,
bounded at ``search_factor ×`` the threshold, as :func:`siting.coverage.coverage` measures it) and
from it the covered flags, the categories reached per residence and the complete circle. A
compound that enters the streets through several access points (its gates, else where its outline
meets the streets, :mod:`siting.inputs.access`) is measured from its best one, snap distance
included, exactly as the run measures it: the state tracks every access point and a residence
changes only when one of its access points does. Every
operation — add stations, move one, remove one, switch an existing facility off or on, undo —
changes only the residences within reach of the sites involved and returns those changes and the
new summary (shares, complete-circle share, newly covered residents, priority groups).

Coordinates at this boundary are WGS84 longitude/latitude (GCJ-02 when the map's basemap is Amap,
see :func:`siting.outputs.maps.basemap_layers`); inside, metres in the run's CRS. The class is
thread-safe: one lock serialises the operations.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from siting.errors import InputError
from siting.inputs.demand import GROUP_COLUMNS
from siting.network import Change, NearestState, Snap, snapped_xy
from siting.results import RunResult

__all__ = ["Station", "WhatIf"]

logger = logging.getLogger(__name__)

#: Most stations one request may add (the optimizer's suggestions arrive as one request).
MAX_POINTS = 50
#: Most operations kept for undo.
UNDO_DEPTH = 500


@dataclass(frozen=True)
class Station:
    """A station the planner placed (or the scenario's plan proposed).

    Attributes
    ----------
    id : str
        ``p1``, ``p2`` ... (plan stations keep their site id).
    category : str
    x, y : float
        The point as placed, metres in the run's CRS (snapped onto the street like any facility).
    handle : int
        Its site handle in the category's :class:`~siting.network.NearestState`.
    snap_m : float
        Metres from the point to the street (inf when off the network).
    origin : str
        ``"planner"``, ``"plan"`` (the scenario's plan) or ``"optimizer"``.
    """

    id: str
    category: str
    x: float
    y: float
    handle: int
    snap_m: float
    origin: str = "planner"


class WhatIf:
    """Live coverage of one run, changed station by station.

    Parameters
    ----------
    res : RunResult
        A finished run (:func:`siting.pipeline.run_scenario`); its plan's proposed stations, if
        any, are placed at the start (they can be moved and removed like the planner's).
    search_factor : float
        The distance bound of each category's state, as a multiple of its threshold (3, as in
        :func:`siting.coverage.coverage`: minutes beyond the threshold are shown up to there).
    gcj02 : bool, optional
        Coordinates at the boundary are GCJ-02 (the map's Amap basemap). Default: from the
        scenario's ``map.basemap``.
    """

    def __init__(self, res: RunResult, *, search_factor: float = 3.0, gcj02: bool | None = None) -> None:
        t0 = time.perf_counter()
        self.res = res
        sc = res.scenario
        self.net = res.network
        self.cats = list(res.categories)
        self.keys = [c.key for c in self.cats]
        self.speed = float(res.coverage.speed_mps)
        self.threshold = np.array([c.metres(self.speed) for c in self.cats])
        self.gcj02 = (getattr(sc.map, "basemap", "osm") == "amap") if gcj02 is None else bool(gcj02)
        self.max_snap = float(sc.max_snap_m)
        r = res.coverage.residences
        self.residences = r
        self.pop = r["population"].to_numpy(dtype=float)
        self.total = float(self.pop.sum())
        self.groups = {g: r[g].to_numpy(dtype=float) for g in GROUP_COLUMNS if g in r.columns}
        ds: Snap | None = res.extras.get("demand_snap")
        owner = res.extras.get("demand_owner")
        n = len(r)
        if owner is not None:
            # compounds entering the streets through several gates (siting.inputs.access): every access
            # point is a target of the states, a residence takes its best one (as siting.coverage does)
            owner = np.asarray(owner, dtype=np.int64)
            if ds is None or len(ds) != len(owner) or (len(owner) and (owner.min() < 0 or owner.max() >= n)):
                raise InputError("the run's access points (extras demand_snap, demand_owner) do not match its residences: "
                                 "run the scenario again with siting.pipeline.run_scenario")
            self.dsnap: Snap = ds
            # the straight-line bounds from where each access point meets the street (never longer than the walk)
            txy = snapped_xy(self.net, ds)
            self.reachable = np.zeros(n, dtype=bool)
            np.logical_or.at(self.reachable, owner, ds.reachable)
        else:
            self.dsnap = ds if ds is not None and len(ds) == n else self.net.snap(r, self.max_snap)
            txy = (shapely.get_x(r.geometry.values), shapely.get_y(r.geometry.values))
            self.reachable = np.asarray(self.dsnap.reachable, dtype=bool).copy()
        #: The residence of each access point of ``dsnap`` (None: one point per residence).
        self.downer: np.ndarray | None = owner
        self._to_ll = Transformer.from_crs(self.net.crs, 4326, always_xy=True)
        self._from_ll = Transformer.from_crs(4326, self.net.crs, always_xy=True)
        fac = res.facilities
        self.fac_category = fac["category"].astype(str).to_numpy() if len(fac) else np.zeros(0, dtype=object)
        self.fac_rows: list[np.ndarray] = []  # per category: row positions in res.facilities
        self.states: list[NearestState] = []
        for k, c in enumerate(self.cats):
            rows = np.flatnonzero(self.fac_category == c.key)
            self.fac_rows.append(rows)
            fsnap = res.coverage.facility_snap[c.key]
            sub = fac.iloc[rows]
            fxy = (shapely.get_x(sub.geometry.values), shapely.get_y(sub.geometry.values)) if len(rows) else (np.zeros(0), np.zeros(0))
            # the run keeps one distance per residence, not per access point: with gates the states search once
            initial = None if owner is not None else self._initial(k, sub)
            self.states.append(NearestState(self.net, self.dsnap, txy, search_factor * self.threshold[k], fsnap, fxy,
                                            owner=owner, n_owners=n, initial=initial))
        self.start_distance = [s.distance.copy() for s in self.states]
        self.covered = [s.distance <= t for s, t in zip(self.states, self.threshold)]
        self.start_covered = [c.copy() for c in self.covered]
        basic = [b for b in res.coverage.basic if b in self.keys]
        self.basic = [self.keys.index(b) for b in basic]
        self.nreached = np.zeros(n, dtype=np.int64)
        for c in self.covered:
            self.nreached += c
        self.nbasic = np.zeros(n, dtype=np.int64)
        for k in self.basic:
            self.nbasic += self.covered[k]
        self.complete_start = self._complete()
        self.stations: dict[str, Station] = {}
        self._station_of: list[dict[int, str]] = [{} for _ in self.cats]  # handle -> station id
        self.off: set[tuple[int, int]] = set()  # (category index, facility handle)
        self.undo_stack: list[list[tuple]] = []
        self.version = 0
        self._ids = itertools.count(1)
        self.lock = threading.RLock()
        self._resync()
        self._start_sums = [dict(d) for d in self._sums]
        self._start_csum = self._csums["cov"]
        self._gtot = {g: float(wg.sum()) for g, wg in self.groups.items()}
        self._synced = 0
        self._dirty: set[int] = set(range(len(self.cats)))
        self._cat_cache: list[dict[str, Any]] = [{} for _ in self.cats]
        self._complete_cache: dict[str, Any] | None = None
        self._st_cache: list[tuple[np.ndarray, ...] | None] = [None for _ in self.cats]
        self._place_plan()
        logger.info("what-if state: %d residences, %d categories, %d stations from the plan (%.2f s)",
                    n, len(self.cats), len(self.stations), time.perf_counter() - t0)

    # -- start -------------------------------------------------------------------------------
    def _initial(self, k: int, sub: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """The run's own distances and nearest facility (handles) of category ``k``, when fids are unique."""
        key = self.keys[k]
        r = self.residences
        if f"{key}_m" not in r.columns or f"{key}_fid" not in r.columns:
            return None
        fids = sub["fid"].astype(str).to_numpy() if len(sub) else np.zeros(0, dtype=object)
        if len(set(fids)) != len(fids):
            return None  # ambiguous: let the state search from scratch
        index = {f: i for i, f in enumerate(fids)}
        near = r[f"{key}_fid"].astype(str).to_numpy()
        src = np.array([index.get(f, -1) if f else -1 for f in near], dtype=np.int64)
        d = r[f"{key}_m"].to_numpy(dtype=float)
        if np.any(np.isfinite(d) & (src < 0)):
            return None
        return d, np.where(np.isfinite(d), src, -1)

    def _place_plan(self) -> None:
        pg = self.res.extras.get("proposed")
        if pg is None or not len(pg):
            return
        pg = pg.to_crs(self.net.crs)
        for row in pg.itertuples():
            if row.category not in self.keys:
                continue
            sid = str(row.site_id)
            if sid in self.stations:
                sid = f"{sid}-{row.category}"
            self._add_xy(self.keys.index(row.category), float(row.geometry.x), float(row.geometry.y), sid, "plan")
        self.version = 0

    # -- coordinates -------------------------------------------------------------------------
    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Map coordinates (WGS84, or GCJ-02 with an Amap basemap) to metres in the run's CRS."""
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(f"({lon}, {lat}) is not a longitude/latitude in degrees")
        if self.gcj02:
            from siting.inputs.coords import gcj02_to_wgs84

            a, b = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
            lon, lat = float(a[0]), float(b[0])
        x, y = self._from_ll.transform(lon, lat)
        return float(x), float(y)

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Metres in the run's CRS to map coordinates (the inverse of :meth:`to_xy`)."""
        lon, lat = self._to_ll.transform(x, y)
        if self.gcj02:
            from siting.inputs.coords import wgs84_to_gcj02

            a, b = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
            lon, lat = float(a[0]), float(b[0])
        return float(lon), float(lat)

    def category_index(self, key: str) -> int:
        """Index of a category key; an unknown key is an :class:`InputError` naming the choices."""
        if key not in self.keys:
            raise InputError(f"category {key!r} is not in this scenario: use one of {', '.join(self.keys)}")
        return self.keys.index(key)

    # -- the derived arrays ------------------------------------------------------------------
    def _complete(self) -> np.ndarray:
        if not self.basic:
            return np.zeros(len(self.pop), dtype=bool)
        return self.nbasic == len(self.basic)

    def _apply(self, k: int, ch: Change, acc: dict[int, set[int]]) -> None:
        """Update covered flags and counts of category ``k`` after a state change."""
        self._dirty.add(k)
        if not len(ch.index):
            return
        idx = ch.index
        now = ch.after <= self.threshold[k]
        was = self.covered[k][idx]
        delta = now.astype(np.int64) - was.astype(np.int64)
        self.covered[k][idx] = now
        self.nreached[idx] += delta
        # the sums follow from the changed residences alone (resynchronised exactly now and then)
        p = self.pop[idx]
        s0 = self.start_covered[k][idx]
        sums = self._sums[k]
        sums["cov"] += float(p @ delta)
        sums["n"] += int(delta.sum())
        sums["new"] += float(p @ ((now & ~s0).astype(np.int64) - (was & ~s0)))
        sums["new_n"] += int((now & ~s0).sum() - (was & ~s0).sum())
        sums["lost"] += float(p @ ((s0 & ~now).astype(np.int64) - (s0 & ~was)))
        sums["lost_n"] += int((s0 & ~now).sum() - (s0 & ~was).sum())
        for g, wg in self.groups.items():
            sums[g] += float(wg[idx] @ delta)
        if k in self.basic:
            nb = len(self.basic)
            cw = self.nbasic[idx] == nb
            self.nbasic[idx] += delta
            cn = self.nbasic[idx] == nb
            c0 = self.complete_start[idx]
            self._csums["cov"] += float(p @ (cn.astype(np.int64) - cw))
            self._csums["new"] += float(p @ ((cn & ~c0).astype(np.int64) - (cw & ~c0)))
            self._csums["new_n"] += int((cn & ~c0).sum() - (cw & ~c0).sum())
        acc.setdefault(k, set()).update(idx.tolist())

    # -- operations (each one undoable step) -------------------------------------------------
    def _add_xy(self, k: int, x: float, y: float, sid: str, origin: str, acc: dict | None = None) -> Station:
        snap = self.net.snap(shapely.points([x], [y]), self.max_snap)
        h, ch = self.states[k].add(snap, (x, y))
        st = Station(sid, self.keys[k], x, y, h, float(snap.perp[0]) if snap.reachable[0] else float("inf"), origin)
        self.stations[sid] = st
        self._station_of[k][h] = sid
        self._apply(k, ch, acc if acc is not None else {})
        return st

    def _remove_station(self, sid: str, acc: dict) -> Station:
        st = self.stations.pop(sid)
        k = self.keys.index(st.category)
        ch = self.states[k].remove(st.handle)
        self._station_of[k].pop(st.handle, None)
        self._apply(k, ch, acc)
        return st

    def _set_facility(self, k: int, h: int, on: bool, acc: dict) -> bool:
        """Switch existing facility ``h`` of category ``k``; returns whether anything changed."""
        state = self.states[k]
        if on == bool(state.active[h]) or (on and (k, h) not in self.off):
            return False
        if on:
            self.off.discard((k, h))
            ch = state.activate(h)
        else:
            self.off.add((k, h))
            ch = state.remove(h)
        self._apply(k, ch, acc)
        return True

    def add(self, category: str, points: list[tuple[float, float]], *, origin: str = "planner") -> dict[str, Any]:
        """Add stations of ``category`` at map coordinates ``[(lon, lat), ...]`` (one undo step)."""
        t0 = time.perf_counter()
        if not 1 <= len(points) <= MAX_POINTS:
            raise InputError(f"give 1 to {MAX_POINTS} points, got {len(points)}")
        with self.lock:
            k = self.category_index(category)
            xy = [self.to_xy(lon, lat) for lon, lat in points]
            acc: dict[int, set[int]] = {}
            ids = []
            for x, y in xy:
                st = self._add_xy(k, x, y, f"p{next(self._ids)}", origin, acc)
                ids.append(st.id)
            self._push([("remove", sid) for sid in reversed(ids)])
            return self._answer(acc, t0, added=ids)

    def move(self, sid: str, lon: float, lat: float) -> dict[str, Any]:
        """Move a station to new map coordinates (it keeps its id; one undo step)."""
        t0 = time.perf_counter()
        with self.lock:
            st = self._station(sid)
            x, y = self.to_xy(lon, lat)
            acc: dict[int, set[int]] = {}
            self._remove_station(sid, acc)
            self._add_xy(self.keys.index(st.category), x, y, sid, st.origin, acc)
            self._push([("move", sid, st.x, st.y)])
            return self._answer(acc, t0)

    def remove(self, sid: str) -> dict[str, Any]:
        """Remove a station (one undo step)."""
        t0 = time.perf_counter()
        with self.lock:
            self._station(sid)
            acc: dict[int, set[int]] = {}
            st = self._remove_station(sid, acc)
            self._push([("readd", st)])
            return self._answer(acc, t0, removed=[sid])

    def set_facility(self, category: str, index: int, on: bool) -> dict[str, Any]:
        """Switch existing facility ``index`` (0-based among the category's facilities) off or on."""
        t0 = time.perf_counter()
        with self.lock:
            k = self.category_index(category)
            n = len(self.fac_rows[k])
            if not 0 <= index < n:
                raise InputError(f"facility {index} of {category!r} does not exist: the category has {n} (0..{n - 1})")
            if not self.res.coverage.facility_snap[category].reachable[index]:
                raise InputError(f"facility {index} of {category!r} is off the street network and counts for nothing")
            acc: dict[int, set[int]] = {}
            if self._set_facility(k, index, on, acc):
                self._push([("facility", k, index, not on)])
            return self._answer(acc, t0)

    def undo(self) -> dict[str, Any]:
        """Undo the last operation (nothing when there is none)."""
        t0 = time.perf_counter()
        with self.lock:
            acc: dict[int, set[int]] = {}
            if self.undo_stack:
                for op in self.undo_stack.pop():
                    self._inverse(op, acc)
            return self._answer(acc, t0)

    def _inverse(self, op: tuple, acc: dict) -> None:
        kind = op[0]
        if kind == "remove":
            self._remove_station(op[1], acc)
        elif kind == "readd":
            st: Station = op[1]
            self._add_xy(self.keys.index(st.category), st.x, st.y, st.id, st.origin, acc)
        elif kind == "move":
            st = self.stations[op[1]]
            self._remove_station(st.id, acc)
            self._add_xy(self.keys.index(st.category), op[2], op[3], st.id, st.origin, acc)
        elif kind == "facility":
            self._set_facility(op[1], op[2], op[3], acc)

    def _push(self, inverse: list[tuple]) -> None:
        self.undo_stack.append(inverse)
        del self.undo_stack[:-UNDO_DEPTH]

    def _station(self, sid: str) -> Station:
        if sid not in self.stations:
            raise InputError(f"station {sid!r} is not on the map")
        return self.stations[sid]

    # -- answers -----------------------------------------------------------------------------
    def _answer(self, acc: dict[int, set[int]], t0: float, **extra: Any) -> dict[str, Any]:
        self.version += 1
        changes = [self._changes(k, np.array(sorted(ix), dtype=np.int64)) for k, ix in sorted(acc.items())]
        out = {"version": self.version, "changes": changes, "summary": self.summary(), "stations": self.station_list(),
               "off": self.off_list(), "undo": len(self.undo_stack), **extra}
        out["server_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        return out

    def _changes(self, k: int, idx: np.ndarray) -> dict[str, Any]:
        """The per-residence values of category ``k`` at ``idx``, as the map draws them."""
        st = self.states[k]
        d = st.distance[idx]
        minutes = d / self.speed / 60.0
        cov = self.covered[k][idx]
        src = st.source[idx]
        n0 = len(self.fac_rows[k])
        fac_pos = np.where(cov & (src >= 0) & (src < n0), self.fac_rows[k][np.clip(src, 0, max(n0 - 1, 0))] if n0 else -1, -1)
        complete = self._complete()[idx]
        return {
            "cat": k, "idx": idx.tolist(),
            "min": [None if not np.isfinite(m) else round(float(m), 1) for m in minutes],
            "cov": "".join("1" if v else "0" for v in cov),
            "fac": np.asarray(fac_pos, dtype=np.int64).tolist(),
            "nreached": self.nreached[idx].tolist(), "nbasic": self.nbasic[idx].tolist(),
            "complete": "".join("1" if v else "0" for v in complete),
        }

    def _share(self, mask: np.ndarray, weights: np.ndarray) -> float | None:
        tot = float(weights.sum())
        return float(weights[mask].sum()) / tot if tot > 0 else None

    def _resync(self) -> None:
        """The running sums recomputed from the arrays (at the start, and every 256 operations)."""
        self._sums = []
        for k in range(len(self.cats)):
            cov, cov0 = self.covered[k], self.start_covered[k]
            new, lost = cov & ~cov0, cov0 & ~cov
            d = {"cov": float(self.pop[cov].sum()), "n": int(cov.sum()), "new": float(self.pop[new].sum()), "new_n": int(new.sum()),
                 "lost": float(self.pop[lost].sum()), "lost_n": int(lost.sum())}
            for g, wg in self.groups.items():
                d[g] = float(wg[cov].sum())
            self._sums.append(d)
        comp = self._complete()
        newc = comp & ~self.complete_start
        self._csums = {"cov": float(self.pop[comp].sum()), "new": float(self.pop[newc].sum()), "new_n": int(newc.sum())}

    def _category_summary(self, k: int) -> dict[str, Any]:
        c = self.cats[k]
        sm = self._sums[k]
        st = self._start_sums[k]
        tot = self.total
        state = self.states[k]
        n0 = len(self.fac_rows[k])
        groups = {g: {"share": sm[g] / self._gtot[g] if self._gtot[g] > 0 else None,
                      "share_start": st[g] / self._gtot[g] if self._gtot[g] > 0 else None} for g in self.groups}
        return {
            "key": c.key, "name": c.name(self.res.scenario.lang), "threshold": c.threshold,
            "threshold_m": float(self.threshold[k]), "basic": k in self.basic,
            "share": sm["cov"] / tot if tot > 0 else None, "share_start": st["cov"] / tot if tot > 0 else None,
            "covered_population": sm["cov"], "residences_covered": sm["n"],
            "newly_covered_population": sm["new"], "newly_covered_residences": sm["new_n"],
            "lost_population": sm["lost"], "lost_residences": sm["lost_n"],
            "facilities_on": int(np.count_nonzero(state.active[:n0])), "facilities_off": int(sum(1 for kk, _ in self.off if kk == k)),
            "stations": int(sum(1 for s in self.stations.values() if s.category == c.key)),
            "groups": groups,
        }

    def summary(self) -> dict[str, Any]:
        """Shares per category (now and at the start), the complete circle, newly covered, groups.

        The sums behind them follow each operation from the changed residences alone; only the
        categories an operation touched are assembled again.
        """
        with self.lock:
            if self.version and self.version % 256 == 0 and self._synced != self.version:
                self._resync()
                self._synced = self.version
                self._dirty.update(range(len(self.cats)))
            for k in sorted(self._dirty):
                self._cat_cache[k] = self._category_summary(k)
                self._st_cache[k] = self._station_stats(k)
            tot = self.total
            self._complete_cache = {
                "share": self._csums["cov"] / tot if self.basic and tot > 0 else None,
                "share_start": self._start_csum / tot if self.basic and tot > 0 else None,
                "newly_covered_population": self._csums["new"], "newly_covered_residences": self._csums["new_n"],
                "basic": [self.keys[k] for k in self.basic],
            }
            self._dirty.clear()
            return {"categories": [dict(c) for c in self._cat_cache], "complete": dict(self._complete_cache),
                    "population": self.total, "residences": len(self.pop)}

    def _station_stats(self, k: int) -> tuple[np.ndarray, ...] | None:
        """Per site handle of category ``k``: population and residences served, and newly covered."""
        if not any(s.category == self.keys[k] for s in self.stations.values()):
            return None
        st = self.states[k]
        cov = self.covered[k] & (st.source >= 0)
        new = cov & ~self.start_covered[k]
        m = st.n_sites
        return (np.bincount(st.source[cov], weights=self.pop[cov], minlength=m), np.bincount(st.source[cov], minlength=m),
                np.bincount(st.source[new], weights=self.pop[new], minlength=m), np.bincount(st.source[new], minlength=m))

    def station_list(self) -> list[dict[str, Any]]:
        """The stations on the map, with map coordinates and whom each serves and newly covers."""
        with self.lock:
            if self._dirty:
                self.summary()
            out = []
            for st in self.stations.values():
                k = self.keys.index(st.category)
                lon, lat = self.to_lonlat(st.x, st.y)
                stats = self._st_cache[k]
                if stats is None or st.handle >= len(stats[0]):
                    stats = self._st_cache[k] = self._station_stats(k)
                assert stats is not None
                h = st.handle
                out.append({"id": st.id, "category": st.category, "lon": lon, "lat": lat, "origin": st.origin,
                            "snap_m": None if not np.isfinite(st.snap_m) else round(st.snap_m, 2),
                            "serves_population": float(stats[0][h]), "serves_residences": int(stats[1][h]),
                            "newly_covered_population": float(stats[2][h]), "newly_covered_residences": int(stats[3][h])})
            return out

    def off_list(self) -> list[dict[str, Any]]:
        """Existing facilities switched off: category and index among the category's facilities."""
        fac = self.res.facilities
        out = []
        for k, h in sorted(self.off):
            row = fac.iloc[int(self.fac_rows[k][h])]
            out.append({"category": self.keys[k], "index": int(h), "fid": str(row["fid"]),
                        "name": str(row["name"]) if "name" in fac.columns and pd.notna(row["name"]) else ""})
        return out

    def state(self) -> dict[str, Any]:
        """Everything the page needs to catch up: the summary, stations, switches, and every
        residence whose values differ from the run the page was drawn from."""
        with self.lock:
            changes = []
            for k, st in enumerate(self.states):
                diff = np.flatnonzero((st.distance != self.start_distance[k]) | (self.covered[k] != self.start_covered[k]))
                if len(diff):
                    changes.append(self._changes(k, diff))
            return {"version": self.version, "changes": changes, "summary": self.summary(), "stations": self.station_list(),
                    "off": self.off_list(), "undo": len(self.undo_stack), "server_ms": 0.0}

    # -- the state as data -------------------------------------------------------------------
    def facilities_now(self) -> gpd.GeoDataFrame:
        """The facilities on the map now, in the run's CRS: existing ones still on, then the stations.

        Columns ``fid``, ``category``, ``name``, ``source`` (``siting serve`` for stations).
        """
        with self.lock:
            fac = self.res.facilities
            keep = np.ones(len(fac), dtype=bool)
            for k, h in self.off:
                keep[self.fac_rows[k][h]] = False
            base = fac.loc[keep, [c for c in ("fid", "category", "name", "source") if c in fac.columns] + ["geometry"]]
            if "name" not in base.columns:
                base = base.assign(name="")
            if "source" not in base.columns:
                base = base.assign(source="")
            sts = list(self.stations.values())
            new = gpd.GeoDataFrame(
                {"fid": [s.id for s in sts], "category": [s.category for s in sts],
                 "name": [f"proposed {s.id}" for s in sts], "source": [f"siting serve ({s.origin})" for s in sts]},
                geometry=shapely.points([s.x for s in sts], [s.y for s in sts]) if sts else [], crs=self.net.crs,
            )
            both = pd.concat([base[["fid", "category", "name", "source", "geometry"]], new], ignore_index=True)
            return gpd.GeoDataFrame(both, geometry="geometry", crs=self.net.crs)
