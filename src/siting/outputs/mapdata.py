"""The data of the meeting map: :func:`map_data`, one plain JSON-able dict that ``siting_map.js`` draws.

See :mod:`siting.outputs.maps` for what the map shows. The big arrays are packed
(:mod:`siting.outputs.encode`): residents in a spatial order (:func:`residence_order`) with, per
category, their distance in steps of metres (classes exact) and their serving facility as a rank
by straight-line distance (:func:`_rank_codes`); the streets once (:mod:`siting.outputs.streets`),
to which facilities and proposed stations are attached for the page's service areas. ``siting
serve`` sends the same dict to the same script.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import InputError, Msg
from siting.outputs.basemaps import basemap_layers
from siting.outputs.classes import (
    BEYOND,
    CATEGORY_COLOURS,
    CLASS_COLOURS,
    DISTANCE_STEP_M,
    REACHED_COLOURS,
    SEARCH_FACTOR,
    SHARE_BINS,
    format_threshold,
    quantise,
    representative_points,
    residence_order,
)
from siting.outputs.credits import credit_lines, run_credits
from siting.outputs.encode import esc, pack, pack_int, pack_strings, spatial_order
from siting.outputs.maplayers import access_payload, footprints, pack_polygons
from siting.outputs.maptext import TEXT
from siting.outputs.status import plan_reasons

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = ["KNN", "map_data"]

logger = logging.getLogger(__name__)

_SHAPES = 4


def _abbr(cats: list, lang: str) -> list[str]:
    """A one- or two-character glyph per category: the first Chinese character in zh, letters in en."""
    out: list[str] = []
    for c in cats:
        name = c.name(lang) if lang == "zh" else (c.name_en or c.key)
        words = [w for w in re.split(r"[\s/_\-–,&()（）]+", name) if w]
        if lang == "zh":
            cand = [name[:1], name[1:2], name[:2], name[-1:]]
        else:
            cand = [w[:1].upper() for w in words[:1]]
            cand += ["".join(w[:1].upper() for w in words[:2]), (words[0][:2].capitalize() if words else c.key[:2])]
        pick = next((a for a in cand if a and a not in out), f"{len(out) + 1}")
        out.append(pick)
    return out


def _lonlat(geoms: gpd.GeoSeries, gcj: bool) -> tuple[np.ndarray, np.ndarray]:
    g = representative_points(geoms)
    ll = g.to_crs(4326) if g.crs is not None and not g.crs.equals("EPSG:4326") else g
    x, y = ll.x.to_numpy(dtype=float), ll.y.to_numpy(dtype=float)
    if gcj and len(x):
        from siting.inputs.coords import wgs84_to_gcj02

        x, y = wgs84_to_gcj02(x, y)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _pack_lonlat(lon: np.ndarray, lat: np.ndarray, compress: bool) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Positions as offsets from the south-west corner, delta-coded: 1e-6 degrees, 1e-5 (about 1 m) on
    compressed (large) maps. Also returns the positions as the page decodes them (``x0 + qx / q``)."""
    q = 1e5 if compress else 1e6
    ok = np.isfinite(lon) & np.isfinite(lat)
    x0 = float(np.floor(lon[ok].min() * 1e4) / 1e4) if ok.any() else 0.0
    y0 = float(np.floor(lat[ok].min() * 1e4) / 1e4) if ok.any() else 0.0
    qx = np.where(ok, np.round((lon - x0) * q), 0).astype(np.int64)
    qy = np.where(ok, np.round((lat - y0) * q), 0).astype(np.int64)
    packed = {"x0": x0, "y0": y0, "q": q, "qx": pack_int(qx, delta=True, compress=compress),
              "qy": pack_int(qy, delta=True, compress=compress)}
    return packed, x0 + qx / q, y0 + qy / q


#: Serving facilities travel as their rank by straight-line distance among the category's
#: facilities (1 = the nearest); ranks beyond this are sent as indices.
KNN = 16


def _rank_codes(r_lon: np.ndarray, r_lat: np.ndarray, c_lon: np.ndarray, c_lat: np.ndarray, target: np.ndarray,
                c: float, compress: bool) -> dict[str, Any]:
    """Each residence's serving facility as its rank by straight-line distance among the candidates.

    ``target[i]``: index into the candidates (-1: none). Code 0: none; ``1..KNN``: the rank (by
    ``((lon - lon_i) c)² + (lat - lat_i)²``, ties by index, computed exactly as the page does);
    255: look it up in ``x`` (candidate index + 1, in order). The page finds the facility of a
    rank with a grid search; neighbours in the map's order share facilities, so ranks are
    mostly 1 and compress to almost nothing.
    """
    from scipy.spatial import cKDTree

    n = len(target)
    codes = np.zeros(n, dtype=np.int64)
    exc = np.zeros(0, dtype=np.int64)
    sel = np.flatnonzero(target >= 0)
    if len(sel) and len(c_lon):
        tree = cKDTree(np.stack([c_lon * c, c_lat], 1))
        todo = sel
        bad: list[np.ndarray] = []
        for k in sorted({min(4, len(c_lon)), min(KNN, len(c_lon))}):  # most are the nearest: a short query first
            _, cand = tree.query(np.stack([r_lon[todo] * c, r_lat[todo]], 1), k=k)
            cand = np.asarray(cand).reshape(len(todo), k)
            dx = (c_lon[cand] - r_lon[todo][:, None]) * c
            dy = c_lat[cand] - r_lat[todo][:, None]
            d2 = dx * dx + dy * dy
            o = np.lexsort((cand, d2), axis=1)
            cs = np.take_along_axis(cand, o, 1)
            hit = cs == target[todo][:, None]
            rank = hit.argmax(1)
            good = hit.any(1) & ((rank < k - 1) | (k == len(c_lon)))
            codes[todo[good]] = rank[good] + 1
            todo = todo[~good]
            if not len(todo):
                break
            if k == min(KNN, len(c_lon)):
                bad.append(todo)
        if bad and len(bad[0]):
            codes[bad[0]] = 255
            exc = target[bad[0]]
    elif len(sel):
        codes[sel] = 255
        exc = target[sel]
    return {"r": pack(codes, "u8", compress=compress), "x": pack_int(exc + 1, compress=compress)}


def _pack_amount(a: np.ndarray, compress: bool) -> dict[str, Any] | None:
    """Counts (people, households): integers when they are whole numbers, else float32; None if all missing."""
    a = np.asarray(a, dtype=float)
    if not np.isfinite(a).any():
        return None
    if np.all(np.isfinite(a)) and np.allclose(a, np.round(a)) and a.min() >= 0 and a.max() < 2**31:
        return pack_int(np.round(a).astype(np.int64), compress=compress)
    return pack(np.where(np.isfinite(a), a, np.nan), "f32", compress=compress)


def _snap_payload(snap: Any, layer: Any, net: Any, compress: bool, *, exact: bool = False) -> dict[str, Any]:
    """Where points enter the street layer: ``se`` = segment + 1 (0: off the network).

    The page finds the position along the segment and the perpendicular distance itself (the
    nearest point of the segment's drawn line); with ``exact`` they are sent too (``sa``, ``sp``:
    decimetres along the segment from its drawn start, and perpendicular).
    """
    pos = np.empty(net.n_edges, dtype=np.int64)
    pos[layer.edge_order] = np.arange(net.n_edges)
    ok = np.asarray(snap.reachable, dtype=bool) & (np.asarray(snap.edge) >= 0)
    e = np.where(ok, np.asarray(snap.edge), 0)
    seg = np.where(ok, pos[e], -1)
    out = {"se": pack_int(seg + 1, compress=compress)}
    if exact:
        along = np.where(layer.reversed[np.maximum(seg, 0)], snap.along_v, snap.along_u)
        out["sa"] = pack_int(np.where(ok, np.round(np.nan_to_num(along) * 10), 0).astype(np.int64), compress=compress)
        out["sp"] = pack_int(np.where(ok, np.round(np.nan_to_num(snap.perp) * 10), 0).astype(np.int64), compress=compress)
    return out


def _after_plan(res: RunResult, dsnap: Any, key: str, prop: gpd.GeoDataFrame, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Metres to the nearest facility with the proposed stations of ``key`` added, and which proposed one
    (index into ``prop``; -1 where an existing one stays the nearest).

    One bounded Dijkstra from the proposed stations; a residence takes the nearer of that and
    today's distance. With compound gates (``res.extras["demand_owner"]``) a residence takes its
    best gate, as coverage() does.
    """
    from siting.network import nearest

    r = res.coverage.residences
    before = r[f"{key}_m"].to_numpy(dtype=float)
    sub = np.flatnonzero(prop["category"].to_numpy() == key)
    if not len(sub):
        return before, np.full(len(r), -1, dtype=np.int64)
    snap = res.network.snap(prop.iloc[sub], res.scenario.max_snap_m)
    near = nearest(res.network, snap, dsnap, limit=limit * SEARCH_FACTOR)
    dist, src = near.distance, near.source
    owner = res.extras.get("demand_owner")
    if owner is not None and len(owner) == len(dist):
        o = np.lexsort((dist, owner))
        first = np.r_[True, owner[o][1:] != owner[o][:-1]]
        best = o[first]
        d2 = np.full(len(r), np.inf)
        s2 = np.full(len(r), -1, dtype=np.int64)
        d2[owner[best]] = dist[best]
        s2[owner[best]] = src[best]
        dist, src = d2, s2
    better = dist < before
    return np.where(better, dist, before), np.where(better & (src >= 0), sub[np.maximum(src, 0)], -1)


def map_data(
    res: RunResult,
    *,
    category: str | None = None,
    development: gpd.GeoDataFrame | None = None,
    development_name: str | None = None,
    basemap: str | None = None,
    tianditu_key: str | None = None,
    service_areas: bool = True,
    svg_limit: int = 3000,
    marker_limit: int = 400,
    grid: str | None = None,
    grid_limit: int = 20_000,
    grid_m: float | None = None,
    grid_zoom: int = 15,
    compress: bool | None = None,
    lang: str | None = None,
    index: bool = False,
) -> dict[str, Any]:
    """The data the map's script draws: a plain JSON-able dict (see :func:`coverage_map`).

    Parameters
    ----------
    res : RunResult
    category, development, development_name, basemap, tianditu_key, service_areas, svg_limit :
        See :func:`coverage_map`.
    marker_limit : int
        A category with more facilities is drawn as dots on a canvas.
    grid : {"hex", "square"}, optional
        Cell shape of the district view (default ``map.grid``, hexagons).
    grid_limit : int
        Above this many residences, residents are aggregated into grid cells below
        ``grid_zoom`` (0 = always, a huge number = never).
    grid_m : float, optional
        Cell size in metres (across the flats of a hexagon, the side of a square); default
        ``map.grid_m``, else a round size giving about 10,000 cells over the study area, at
        least 100 m.
    grid_zoom : int
        From this zoom level residences are drawn one by one.
    compress : bool, optional
        gzip the packed arrays (default: when the map is large; small maps stay uncompressed so
        that any browser opens them).
    lang : {"en", "zh"}, optional
        Default the scenario's language.
    index : bool
        Also send, per residence of the map, its row in ``res.coverage.residences``
        (``res.index``) and, per facility, its row in ``res.facilities`` (``fac.row``): what a
        live page (``siting serve``) needs to apply updates stated in those rows.

    Returns
    -------
    dict
        Plain types and packed arrays (:mod:`siting.outputs.encode`); ``siting serve`` sends the
        same dict to the same script (``sitingDraw(element, data)``).
    """
    from pyproj import Transformer

    from siting.outputs.streets import street_layer

    sc = res.scenario
    lang = lang or sc.lang
    lang = lang if lang in TEXT else "en"
    zh = lang == "zh"
    T = dict(TEXT[lang])
    cats = list(res.categories)
    keys = [c.key for c in cats]
    key = category or getattr(sc.map, "category", None) or (keys[0] if keys else None)
    if key is not None and key not in keys:
        raise InputError(Msg("map category {key!r} is not among the categories measured ({v1}): pick one of them", key=key, v1=', '.join(keys)))
    grid = grid or getattr(sc.map, "grid", None) or "hex"
    grid_m = grid_m or getattr(sc.map, "grid_m", None)
    if grid not in ("hex", "square"):
        raise InputError(Msg("map grid {grid!r} is not known: use \"hex\" or \"square\"", grid=grid))
    kind = basemap or getattr(sc.map, "basemap", "osm") or "osm"
    layers, warnings, gcj = basemap_layers(kind, lang=lang, tianditu_key=tianditu_key or getattr(sc.map, "tianditu_key", None))
    warnings += [f"{x['name']} – {x['status_label']}: {x['reason']}" for x in plan_reasons(res, lang)]
    net = res.network
    r = res.coverage.residences
    n = len(r)
    fac = res.facilities
    speed = res.coverage.speed_mps
    if compress is None:
        compress = (n + len(fac) + 2 * net.n_edges) > 60_000
    tr = Transformer.from_crs(net.crs, 4326, always_xy=True)

    # streets (the layer the service areas and snaps refer to)
    streets = street_layer(net, tr, gcj=gcj, compress=compress)

    # residences, in the map's order
    order = residence_order(res)
    rr = r.iloc[order]
    lon, lat = _lonlat(rr.geometry, gcj)
    pop = rr["population"].to_numpy(dtype=float)
    hh = rr["households"].to_numpy(dtype=float) if "households" in rr else np.full(n, np.nan)

    # facilities: by category, then nearby ones together
    f_cat = fac["category"].map({k: i for i, k in enumerate(keys)}).fillna(-1).astype(int).to_numpy() if len(fac) else np.zeros(0, int)
    keepf = f_cat >= 0
    fac = fac[keepf] if len(fac) else fac
    f_cat = f_cat[keepf]
    f_pos = np.flatnonzero(keepf)
    f_lon, f_lat = _lonlat(fac.geometry, gcj) if len(fac) else (np.zeros(0), np.zeros(0))
    f_order = np.lexsort((spatial_order(f_lon, f_lat).argsort(), f_cat)) if len(fac) else np.zeros(0, dtype=np.int64)
    fac = fac.iloc[f_order] if len(fac) else fac
    f_cat, f_lon, f_lat, f_pos = f_cat[f_order], f_lon[f_order], f_lat[f_order], f_pos[f_order]
    f_fid = fac["fid"].astype(str).to_numpy() if len(fac) else np.zeros(0, dtype=object)
    f_name = fac["name"].fillna("").astype(str).to_numpy() if len(fac) and "name" in fac else np.full(len(fac), "", dtype=object)
    res_pos, r_lon, r_lat = _pack_lonlat(lon, lat, compress)
    fac_pos, fd_lon, fd_lat = _pack_lonlat(f_lon, f_lat, compress)
    cos0 = float(np.cos(np.radians(np.nanmedian(lat)))) if n else 1.0
    findex = pd.Series(np.arange(len(fac)), index=pd.MultiIndex.from_arrays([f_cat, f_fid])) if len(fac) else None
    d_q, d_f, steps, qcovs, qbeys = [], [], [], [], []
    f_plain: list[np.ndarray] = []
    for k, c in enumerate(cats):
        metres = rr[f"{c.key}_m"].to_numpy(dtype=float)
        cov = rr[f"{c.key}_covered"].to_numpy(dtype=bool)
        fids = rr[f"{c.key}_fid"].astype(str).to_numpy()
        if findex is not None:
            idx = findex.reindex(pd.MultiIndex.from_arrays([np.full(n, k), fids])).fillna(-1).to_numpy().astype(np.int64)
        else:
            idx = np.full(n, -1, dtype=np.int64)
        ok = cov & (idx >= 0)
        limit = c.metres(speed)
        step = max(DISTANCE_STEP_M if compress else 1.0,
                   float(np.ceil(np.nanmax(np.where(np.isfinite(metres), metres, 0), initial=0) / 65000)))
        q, qcov, qbey = quantise(metres, cov, limit, step)
        d_q.append(pack(q, "u16", compress=compress))
        qbeys.append(qbey)
        f_plain.append(np.where(ok, idx + 1, 0))
        mine = np.flatnonzero(f_cat == k)  # the category's facilities (contiguous in the map's order)
        first_k = int(mine[0]) if len(mine) else 0
        d_f.append(_rank_codes(r_lon, r_lat, fd_lon[mine], fd_lat[mine], np.where(ok, idx - first_k, -1), cos0, compress))
        steps.append(step)
        qcovs.append(qcov)

    # plan: proposed stations, one marker per site; distances with them
    planned: list[int] = []
    after_share: dict[str, float] = {}
    pc = res.extras.get("tables", {}).get("plan_coverage")
    if pc is not None and len(pc):
        after_share = dict(zip(pc["category"], pc["share_after"]))
    prop = None
    d_after: dict[str, Any] = {}
    pg = res.extras.get("proposed")
    dsnap = res.extras.get("demand_snap")
    if pg is not None and len(pg):
        pg = pg[pg["category"].isin(keys)].reset_index(drop=True)
    if pg is not None and len(pg):
        p_lon, p_lat = _lonlat(pg.geometry, gcj)
        col = lambda name: pg[name].to_numpy(dtype=float) if name in pg else np.full(len(pg), np.nan)  # noqa: E731
        site_ids = pg["site_id"].astype(str).to_numpy()
        sites: dict[str, int] = {}
        site_of = []
        for i, s in enumerate(site_ids):
            sk = f"{s}\x00{round(float(p_lon[i]), 6)}\x00{round(float(p_lat[i]), 6)}"
            site_of.append(sites.setdefault(sk, len(sites)))
        site_list = list(sites)
        first = {j: site_of.index(j) for j in range(len(site_list))}
        prop = {
            "cat": [keys.index(c) for c in pg["category"]], "site": [int(s) for s in site_of],
            "newly": _plain(col("newly_covered_population"), 0), "newly_n": _plain(col("newly_covered_residences"), 0),
            "cost": _plain(col("cost"), 2), "floor": _plain(col("floor_area_m2"), 0),
            "sites": {"id": [site_ids[first[j]] for j in range(len(site_list))],
                      "lat": [round(float(p_lat[first[j]]), 6) for j in range(len(site_list))],
                      "lon": [round(float(p_lon[first[j]]), 6) for j in range(len(site_list))]},
            **_snap_payload(net.snap(pg, sc.max_snap_m), streets, net, False, exact=True),
        }
        if dsnap is None:
            dsnap = net.snap(r, sc.max_snap_m)
        for k, c in enumerate(cats):
            if c.key not in set(pg["category"]):
                continue
            planned.append(k)
            m_after, src = _after_plan(res, dsnap, c.key, pg, c.metres(speed))
            m_after, src = m_after[order], src[order]
            cov_after = m_after <= c.metres(speed)
            q, _, _ = quantise(m_after, cov_after, c.metres(speed), steps[k])
            # candidates with the plan: the category's facilities, then its proposed stations
            mine = np.flatnonzero(f_cat == k)
            first_k = int(mine[0]) if len(mine) else 0
            rows = np.flatnonzero(pg["category"].to_numpy() == c.key)
            slot = np.full(len(pg), -1, dtype=np.int64)
            slot[rows] = len(mine) + np.arange(len(rows))
            s_lat = np.array([prop["sites"]["lat"][prop["site"][j]] for j in rows], dtype=float)
            s_lon = np.array([prop["sites"]["lon"][prop["site"][j]] for j in rows], dtype=float)
            tgt = np.where(src >= 0, slot[np.maximum(src, 0)], np.where(cov_after, f_plain[k] - 1 - first_k, -1))
            tgt = np.where(cov_after, tgt, -1)
            d_after[str(k)] = {"d": pack(q, "u16", compress=compress),
                               "f": _rank_codes(r_lon, r_lat, np.r_[fd_lon[mine], s_lon], np.r_[fd_lat[mine], s_lat], tgt,
                                                cos0, compress)}

    # grid of the district view
    x0, y0, x1, y1 = net.bounds
    area = max((x1 - x0) * (y1 - y0), 1.0)
    size = float(grid_m) if grid_m else _nice(np.sqrt(area / 10_000) * (1.0 if grid == "square" else 1.07))
    bl = np.array(tr.transform([x0, x1, x0, x1], [y0, y0, y1, y1])).T
    if gcj:
        from siting.inputs.coords import wgs84_to_gcj02

        bl = np.stack(wgs84_to_gcj02(bl[:, 0], bl[:, 1]), 1)
    nl = np.array(tr.transform(net.x, net.y)).T
    if gcj:
        nl = np.stack(wgs84_to_gcj02(nl[:, 0], nl[:, 1]), 1)
    bounds = [[float(nl[:, 1].min()), float(nl[:, 0].min())], [float(nl[:, 1].max()), float(nl[:, 0].max())]]
    grid_on = n > grid_limit

    poly, names = footprints(res)
    polygons = pack_polygons(poly, order, gcj, compress) if poly is not None else None

    # development under check
    dev = None
    dev_name = development_name or ("待审核项目" if zh else "Development under check")
    if development is None:
        development = res.extras.get("development")
    if development is not None and len(development):
        d = development.to_crs(4326) if development.crs is not None else development
        if gcj:
            from shapely import transform as _shp_transform

            from siting.inputs.coords import wgs84_to_gcj02

            d = d.set_geometry(_shp_transform(d.geometry.values, lambda xy: np.stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]), 1)))
        dev = json.loads(d.to_json(default=str, drop_id=True))

    access = access_payload(res, keys, lang, T, order, compress)

    basic = [b for b in res.coverage.basic if b in keys]
    credits = run_credits(sc, network_info=net.info)
    table = [[c.name(lang), format_threshold(c.metres(speed), speed, c.threshold_parsed.kind, lang),
              _finite(res.coverage.share(c.key)), _finite(after_share.get(c.key))] for c in cats]
    profile = sc.travel.profile
    from siting.standards.labels import label_or

    prof = label_or("elderly_walk" if profile == "elderly" else profile, lang, profile)
    level = getattr(sc, "level", None)
    level_text = label_or(level, lang) if level else None
    meta = [
        [T["m_scenario"], sc.name], [T["m_created"], time.strftime("%Y-%m-%d %H:%M")],
        [T["m_speed"], f"{sc.speed_mps * 60:.0f} m/分钟（{prof}）" if zh else f"{sc.speed_mps * 60:.0f} m/min ({prof})"],
        [T["m_standard"], " ".join(str(x) for x in (getattr(sc, "standard", None), level_text) if x)],
        [T["m_crs"], net.crs.to_string()],
        [T["m_counts"], f"{n:,} / {pop.sum():,.0f}"], [T["m_facilities"], f"{len(fac):,}"],
        [T["m_basemap"], next((b["name"] for b in layers if b.get("default")), T["blank"])],
        [T["m_version"], f"siting {_version()}"],
    ]
    if grid_on:
        shape = T["hexagon"] if grid == "hex" else T["square"]
        meta.append([T["m_grid"], f"{size:,.0f} m {shape}"])
    notes = list(res.notes) + [T["m_note"].format(beyond=BEYOND, search=SEARCH_FACTOR)]
    cred = credit_lines(credits, lang)
    abbr = _abbr(cats, lang)
    data: dict[str, Any] = {
        "v": 2, "lang": lang, "T": T, "title": sc.title_in(lang) or sc.name, "meta": [m for m in meta if m[1]],
        "table": table, "complete": _finite(res.coverage.complete_share), "notes": notes, "credits": cred,
        "warnings": warnings, "bounds": bounds, "basemaps": layers, "gcj02": gcj,
        "streetsDefault": kind == "none", "renderer": "svg" if n <= svg_limit else "canvas",
        "closedSections": ["sec_areas", "sec_catchments"] + (["sec_facilities"] if len(cats) > 6 else []),
        "markerLimit": marker_limit, "speed": speed, "beyond": BEYOND, "search": SEARCH_FACTOR,
        "classColours": list(CLASS_COLOURS), "shareBins": [[b, c] for b, c in SHARE_BINS], "reachedColours": list(REACHED_COLOURS),
        "cats": [{"key": c.key, "name": c.name(lang), "threshold": table[k][1], "limit": c.metres(speed),
                  "kind": c.threshold_parsed.kind, "colour": CATEGORY_COLOURS[k % len(CATEGORY_COLOURS)], "abbr": abbr[k],
                  "shape": k % _SHAPES, "basic": c.key in basic, "planned": k in planned,
                  "step": steps[k], "qcov": qcovs[k], "qbey": qbeys[k]} for k, c in enumerate(cats)],
        "mapCat": keys.index(key) if key in keys else -1, "basic": [keys.index(b) for b in basic], "cos0": cos0,
        "grid": {"on": grid_on, "kind": grid, "m": size, "zoom": int(grid_zoom),
                 "lat0": float((bounds[0][0] + bounds[1][0]) / 2)},
        "streets": streets.payload, "serviceAreas": bool(service_areas),
        "res": {
            "n": n, **res_pos, "pop": _pack_amount(pop, compress), "hh": _pack_amount(hh, compress),
            "rid": pack_strings(rr["rid"].astype(str).tolist(), compress=compress),
            "name": pack_strings([names[i] for i in order], compress=compress) if names else None,
            "reach": pack(np.packbits(rr["reachable"].to_numpy(bool), bitorder="little"), "u8", compress=compress),
            "d": d_q, "f": d_f, "after": d_after, "poly": polygons,
            **({"index": pack_int(order, compress=compress)} if index else {}),
        },
        "fac": {"n": int(len(fac)), **fac_pos,
                "cat": pack_int(f_cat, compress=compress), "fid": pack_strings(list(map(str, f_fid)), compress=compress),
                "name": pack_strings(list(map(str, f_name)), compress=compress),
                **_snap_payload(_fac_snap(res, f_pos), streets, net, compress, exact=not compress),
                **({"row": pack_int(f_pos, compress=compress)} if index else {})},
        "prop": prop, "planned": planned, "dev": dev, "devName": dev_name, "access": access,
        "attribution": " · ".join(esc(x) for x in cred),
    }
    return data


def _fac_snap(res: RunResult, rows: np.ndarray) -> Any:
    """The snaps coverage() made of the facilities ``rows`` (positions in ``res.facilities``)."""
    from siting.network import Snap

    fac = res.facilities
    n = len(fac)
    cols = {k: np.zeros(n) for k in ("along_u", "along_v", "perp", "t")}
    ints = {k: np.full(n, -1, dtype=np.int64) for k in ("edge", "u", "v")}
    reach = np.zeros(n, dtype=bool)
    cat = fac["category"].to_numpy() if n else np.zeros(0, dtype=object)
    done = np.zeros(n, dtype=bool)
    for key, snap in res.coverage.facility_snap.items():
        at = np.flatnonzero(cat == key)
        if len(at) != len(snap):
            continue
        for k in cols:
            cols[k][at] = getattr(snap, k)
        for k in ints:
            ints[k][at] = getattr(snap, k)
        reach[at] = snap.reachable
        done[at] = True
    missing = np.flatnonzero(~done)
    if len(missing):
        snap = res.network.snap(fac.iloc[missing], res.scenario.max_snap_m)
        for k in cols:
            cols[k][missing] = getattr(snap, k)
        for k in ints:
            ints[k][missing] = getattr(snap, k)
        reach[missing] = snap.reachable
    rows = np.asarray(rows, dtype=np.int64)
    return Snap(ints["edge"][rows], ints["u"][rows], ints["v"][rows], cols["along_u"][rows], cols["along_v"][rows],
                cols["perp"][rows], cols["t"][rows], reach[rows], res.scenario.max_snap_m)


def _nice(x: float) -> float:
    """A round cell size (m) near ``x``, at least 100 m."""
    for v in (100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000):
        if x <= v * 1.2:
            return float(v)
    return float(round(x, -3))


def _plain(a: np.ndarray, digits: int) -> list:
    a = np.asarray(a, dtype=float)
    out: list = [None if not np.isfinite(v) else (int(round(v)) if digits == 0 else round(float(v), digits)) for v in a]
    return out


def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def _version() -> str:
    from siting._version import __version__

    return __version__
