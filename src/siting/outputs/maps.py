"""Folium maps of a run that open offline: coverage, facilities, plan, service areas, catchments.

The saved HTML carries everything it needs: Leaflet 1.9.4 and Leaflet.fullscreen (both vendored
under ``siting/_assets`` with their licences) and siting's own script and styles are inlined,
and the data travel as one JSON block that the script turns into layers. Only the basemap tiles
need the network; with no network the data layers still render on a plain background (and a
"no basemap" choice is offered for intranet meetings).

Layers (toggle in the layer control, grouped in sections):

* walking minutes to the nearest facility, one layer per category;
* categories reached, and the complete-circle score (basic categories reached);
* existing facilities per category, each with its own colour, shape and letter;
* proposed new stations (``res.extras["proposed"]``), with the population each newly covers;
* a development under check (any GeoDataFrame);
* service areas: the street segments reached within the threshold from the facilities of a
  category (see :mod:`siting.network.service_area`), not convex hulls;
* catchments: each covered residence joined to the facility that serves it; the facility's
  popup gives the residences and population it serves.

Big cities: residences are drawn on a canvas (one element, not one per point) above
``svg_limit`` points, and layers are built the first time they are shown. Every text from data
(POI names, ids, attributes) is escaped in the page: ``<script>`` in a name shows as text.

Basemaps: OpenStreetMap tiles (default), Tianditu (天地图; key from ``map.tianditu_key`` or the
``TIANDITU_KEY`` environment variable: without one, a warning and no Tianditu layer) and Amap
(高德), whose tiles are in GCJ-02: with Amap every layer is shifted WGS84 → GCJ-02
(:func:`siting.inputs.coords.wgs84_to_gcj02`) and no WGS84 basemap is offered beside it.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import time
from importlib import resources
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from siting.errors import InputError
from siting.outputs.status import plan_reasons

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = ["BASEMAPS", "MINUTE_BINS", "basemap_layers", "coverage_map", "esc", "map_data", "minutes_colour"]

logger = logging.getLogger(__name__)

ATTRIBUTION = "Map data © OpenStreetMap contributors (ODbL)"

#: Colour bins for walking minutes: (upper bound in minutes, colour, label).
MINUTE_BINS = (
    (5, "#1a9850", "≤ 5 min"),
    (10, "#91cf60", "5–10 min"),
    (15, "#fee08b", "10–15 min"),
    (20, "#fc8d59", "15–20 min"),
    (np.inf, "#d73027", "> 20 min / none"),
)
_REACHED = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850")
_CAT_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#7f7f7f", "#d62728", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354",
)

#: Basemaps: key → (name en, name zh). ``osm`` is the default.
BASEMAPS = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "tianditu": ("Tianditu map", "天地图 矢量"),
    "amap": ("Amap (GCJ-02)", "高德地图（GCJ-02）"),
    "none": ("No basemap", "无底图"),
}
_TDT = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default" \
       "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"

_TEXT = {
    "en": {
        "minutes": "Minutes to {cat}", "reached": "Categories reached (of {n})",
        "score": "Complete-circle score (basic, of {n})", "facilities": "{cat}",
        "legend_minutes": "Walking minutes to nearest", "legend_reached": "Categories within threshold",
        "legend_score": "Basic categories within threshold", "residence": "Residence", "residences": "residences",
        "population": "Residents", "persons": "persons", "households": "Households", "nearest": "Nearest {cat}",
        "unreachable": "off the street network (unreachable)", "none": "none in search range",
        "complete": "Complete circle (all basic categories)", "yes": "yes", "no": "no", "threshold": "Threshold",
        "category": "Service", "share": "Covered", "after": "With plan", "fid": "id", "serves": "Serves within {t}",
        "proposed": "Proposed new station", "site": "Site", "newly": "Newly covered", "cost": "Cost",
        "floor": "Floor area", "area": "Service area: {cat}", "catchment": "Catchment: {cat}",
        "development": "Development under check", "about": "About this map", "blank": "No basemap (offline)",
        "sec_minutes": "Walking minutes", "sec_summary": "Complete circle", "sec_facilities": "Existing facilities",
        "sec_plan": "Plan", "sec_areas": "Service areas (streets reached)", "sec_catchments": "Catchments",
        "fullscreen": "Full screen", "fullscreen_exit": "Exit full screen", "no_layers": "No data layer shown",
        "m_scenario": "Scenario", "m_created": "Created", "m_speed": "Walking speed", "m_standard": "Standard",
        "m_crs": "Analysis CRS", "m_counts": "Residences / residents", "m_facilities": "Facilities",
        "m_basemap": "Basemap", "m_version": "siting", "m_note": "Distances along streets include the walk from "
        "each point to the nearest street.",
    },
    "zh": {
        "minutes": "到{cat}步行分钟", "reached": "可达类别数（共{n}类）", "score": "完整生活圈得分（基本类别，共{n}类）",
        "facilities": "{cat}", "legend_minutes": "到最近设施步行时间", "legend_reached": "阈值内可达类别数",
        "legend_score": "阈值内可达基本类别数", "residence": "居住点", "residences": "个居住点", "population": "人口",
        "persons": "人", "households": "户数", "nearest": "最近{cat}", "unreachable": "距路网过远（不可达）",
        "none": "搜索范围内没有", "complete": "完整生活圈（全部基本类别）", "yes": "是", "no": "否",
        "threshold": "阈值", "category": "设施类别", "share": "覆盖率", "after": "规划后", "fid": "编号", "serves": "{t}内服务",
        "proposed": "拟建站点", "site": "站点", "newly": "新覆盖人口", "cost": "成本", "floor": "建筑面积",
        "area": "服务范围：{cat}", "catchment": "服务对象：{cat}", "development": "待审核项目", "about": "关于本图",
        "blank": "无底图（离线）", "sec_minutes": "步行时间", "sec_summary": "完整生活圈", "sec_facilities": "现有设施",
        "sec_plan": "规划", "sec_areas": "服务范围（可达街道）", "sec_catchments": "服务对象",
        "fullscreen": "全屏", "fullscreen_exit": "退出全屏", "no_layers": "未显示数据图层",
        "m_scenario": "方案", "m_created": "生成时间", "m_speed": "步行速度", "m_standard": "标准",
        "m_crs": "分析坐标系", "m_counts": "居住点 / 人口", "m_facilities": "设施", "m_basemap": "底图",
        "m_version": "siting", "m_note": "沿街距离包含各点到最近街道的步行距离。",
    },
}
_SHAPES = 4


def esc(value: Any) -> str:
    """HTML-escape any value for the page (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def minutes_colour(minutes: float) -> str:
    """Colour of a number of walking minutes (see :data:`MINUTE_BINS`)."""
    for upper, colour, _ in MINUTE_BINS:
        if minutes <= upper:
            return colour
    return MINUTE_BINS[-1][1]


# ------------------------------------------------------------------------------------------------
# assets
# ------------------------------------------------------------------------------------------------
def _asset(path: str) -> bytes:
    return resources.files("siting").joinpath("_assets", *path.split("/")).read_bytes()


def _data_uri(path: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(_asset(path)).decode("ascii")


def _inline_head() -> str:
    """``<style>`` and ``<script>`` blocks with Leaflet, Leaflet.fullscreen and siting's script."""
    css = _asset("leaflet/leaflet.css").decode("utf-8")
    css = re.sub(r"url\(images/([\w.-]+\.png)\)", lambda m: f"url({_data_uri('leaflet/images/' + m.group(1), 'image/png')})", css)
    fs_css = _asset("leaflet.fullscreen/Control.FullScreen.css").decode("utf-8")
    fs_css = fs_css.replace("url('icon-fullscreen.svg')", f"url('{_data_uri('leaflet.fullscreen/icon-fullscreen.svg', 'image/svg+xml')}')")
    own_css = _asset("siting/siting_map.css").decode("utf-8")
    scripts = []
    for p in ("leaflet/leaflet.js", "leaflet.fullscreen/Control.FullScreen.js", "siting/siting_map.js"):
        js = _asset(p).decode("utf-8")
        js = re.sub(r"//# sourceMappingURL=\S+", "", js).replace("</script", "<\\/script")
        scripts.append(f"<script>/* {p} */\n{js}\n</script>")
    return (
        "<!-- Leaflet 1.9.4 (BSD-2-Clause, © Vladimir Agafonkin, CloudMade) and leaflet.fullscreen 3.0.2 "
        "(MIT, © Bruno Bergot) are inlined so that this page opens offline. -->\n"
        f"<style>{css}</style>\n<style>{fs_css}</style>\n<style>{own_css}</style>\n" + "\n".join(scripts)
    )


class _Init(MacroElement):
    """Calls ``sitingInit(map)`` once the folium map exists."""

    _template = Template("{% macro script(this, kwargs) %}sitingInit({{ this._parent.get_name() }});{% endmacro %}")


# ------------------------------------------------------------------------------------------------
# basemaps
# ------------------------------------------------------------------------------------------------
def basemap_layers(kind: str = "osm", *, lang: str = "en", tianditu_key: str | None = None) -> tuple[list[dict], list[str], bool]:
    """Tile layers for a basemap choice.

    Parameters
    ----------
    kind : {"osm", "tianditu", "amap", "none"}
        The default basemap. OSM is always offered too, except beside Amap (GCJ-02).
    lang : {"en", "zh"}
    tianditu_key : str, optional
        Tianditu browser key; default the ``TIANDITU_KEY`` environment variable. Without one the
        Tianditu layers are left out with a warning (logged and returned).

    Returns
    -------
    layers : list of dict
        ``name``, ``url``, ``attr``, ``subdomains``, optional ``labels`` (annotation tiles), and
        ``default`` (shown first).
    warnings : list of str
    gcj02 : bool
        True when the layers are in GCJ-02 (Amap): the data must be shifted to match.
    """
    kind = (kind or "osm").lower()
    if kind not in BASEMAPS:
        raise InputError(f"map.basemap = {kind!r} is not known: use one of {', '.join(BASEMAPS)}")
    zh = lang == "zh"
    osm = {"name": "OpenStreetMap", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "maxNativeZoom": 19,
           "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
           "default": kind == "osm"}
    if kind == "amap":
        return [{
            "name": BASEMAPS["amap"][1 if zh else 0], "subdomains": "1234", "maxNativeZoom": 18, "default": True,
            "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            "attr": "&copy; 高德地图 AutoNavi; " + ("本图数据已由 WGS84 转为 GCJ-02 以对齐底图" if zh else
                                                  "data layers shifted WGS84 → GCJ-02 to match the tiles"),
        }], [], True
    layers, warnings = [osm], []
    if kind == "tianditu":
        key = tianditu_key or os.environ.get("TIANDITU_KEY")
        if not key:
            msg = ("天地图底图需要密钥：在方案 [map] 中设置 tianditu_key 或设置环境变量 TIANDITU_KEY；本图改用 OpenStreetMap"
                   if zh else "map.basemap = \"tianditu\" needs a key: set map.tianditu_key in the scenario or the "
                   "TIANDITU_KEY environment variable; this map uses OpenStreetMap instead")
            logger.warning(msg)
            warnings.append(msg)
            osm["default"] = True
        else:
            attr = "&copy; 天地图 Tianditu (National Platform for Common Geospatial Information Services)"
            lab = "cva" if zh else "eva"
            layers.insert(0, {"name": BASEMAPS["tianditu"][1 if zh else 0], "subdomains": "01234567", "attr": attr,
                              "maxNativeZoom": 18, "url": _TDT % ("vec", "vec", key), "labels": _TDT % (lab, lab, key),
                              "default": True})
            layers.insert(1, {"name": "天地图 影像" if zh else "Tianditu imagery", "subdomains": "01234567", "attr": attr,
                              "maxNativeZoom": 18, "url": _TDT % ("img", "img", key),
                              "labels": _TDT % ("cia" if zh else "eia", "cia" if zh else "eia", key), "default": False})
    return layers, warnings, False


# ------------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------------
def _abbr(cats: list, lang: str) -> list[str]:
    out: list[str] = []
    for c in cats:
        name = c.name(lang) if lang == "zh" else (c.name_en or c.key)
        words = [w for w in re.split(r"[\s/_\-–,&]+", name) if w]
        cand = [name[:1]] if lang == "zh" else [w[:1].upper() for w in words[:1]]
        if lang == "zh":
            cand += [name[:2]]
        else:
            cand += ["".join(w[:1].upper() for w in words[:2]), (words[0][:2].capitalize() if words else c.key[:2])]
        pick = next((a for a in cand if a and a not in out), f"{len(out) + 1}")
        out.append(pick)
    return out


def _lonlat(geoms: gpd.GeoSeries, gcj: bool) -> tuple[np.ndarray, np.ndarray]:
    ll = geoms.to_crs(4326) if geoms.crs is not None and not geoms.crs.equals("EPSG:4326") else geoms
    x, y = ll.x.to_numpy(dtype=float), ll.y.to_numpy(dtype=float)
    if gcj and len(x):
        from siting.inputs.coords import wgs84_to_gcj02

        x, y = wgs84_to_gcj02(x, y)
    return np.asarray(x), np.asarray(y)


def _num_list(a: np.ndarray, digits: int) -> list:
    a = np.asarray(a, dtype=float)
    r = np.round(a, digits)
    out = r.tolist()
    bad = ~np.isfinite(a)
    if bad.any():
        for i in np.flatnonzero(bad):
            out[i] = None
    if digits == 0:
        out = [None if v is None else int(v) for v in out]
    return out


def _encode_lines(geom, transform, gcj: bool) -> dict[str, list[int]]:
    """Lines as one delta stream of integers in 1e-5 degrees (see ``decodeLines`` in the script).

    ``{"n": [points per line], "d": [x0, y0, dx1, dy1, ...]}``: every point is the difference
    from the previous one, across line ends too (small numbers, a compact page); repeated
    points are dropped; 1e-5 degrees is about 1 m.
    """
    import shapely

    empty: dict[str, list[int]] = {"n": [], "d": []}
    if geom.is_empty:
        return empty
    parts = np.asarray(shapely.get_parts(geom))
    xy, part = shapely.get_coordinates(parts, return_index=True)
    if len(xy) == 0:
        return empty
    lon, lat = transform.transform(xy[:, 0], xy[:, 1])
    if gcj:
        from siting.inputs.coords import wgs84_to_gcj02

        lon, lat = wgs84_to_gcj02(lon, lat)
    q = np.stack([np.round(np.asarray(lon) * 1e5), np.round(np.asarray(lat) * 1e5)], 1).astype(np.int64)
    first = np.r_[True, part[1:] != part[:-1]]
    same = np.r_[False, (q[1:] == q[:-1]).all(axis=1)] & ~first
    q, part, first = q[~same], part[~same], first[~same]
    counts = np.bincount(np.cumsum(first) - 1)
    keep_line = np.repeat(counts >= 2, counts)
    q, counts = q[keep_line], counts[counts >= 2]
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {"n": counts.tolist(), "d": d.ravel().tolist()}


def map_data(
    res: RunResult,
    *,
    category: str | None = None,
    development: gpd.GeoDataFrame | None = None,
    development_name: str | None = None,
    basemap: str | None = None,
    tianditu_key: str | None = None,
    service_areas: bool = True,
    max_area_bytes: int = 6_000_000,
    svg_limit: int = 3000,
    marker_limit: int = 400,
) -> dict[str, Any]:
    """The JSON payload the map's script draws (plain types; see :func:`coverage_map`)."""
    from pyproj import Transformer

    sc = res.scenario
    lang = sc.lang if sc.lang in _TEXT else "en"
    T = _TEXT[lang]
    cats = list(res.categories)
    keys = [c.key for c in cats]
    key = category or getattr(sc.map, "category", None) or (keys[0] if keys else None)
    if key is not None and key not in keys:
        raise InputError(f"map category {key!r} is not among the categories measured ({', '.join(keys)}): pick one of them")
    kind = basemap or getattr(sc.map, "basemap", "osm") or "osm"
    layers, warnings, gcj = basemap_layers(kind, lang=lang, tianditu_key=tianditu_key or getattr(sc.map, "tianditu_key", None))
    r = res.coverage.residences
    lon, lat = _lonlat(r.geometry, gcj)
    n = len(r)
    fac = res.facilities
    f_lon, f_lat = _lonlat(fac.geometry, gcj) if len(fac) else (np.zeros(0), np.zeros(0))
    f_cat = fac["category"].map({k: i for i, k in enumerate(keys)}).fillna(-1).astype(int).to_numpy() if len(fac) else np.zeros(0, int)
    f_fid = fac["fid"].astype(str).to_numpy() if len(fac) else np.zeros(0, dtype=object)
    f_name = fac["name"].fillna("").astype(str).to_numpy() if len(fac) and "name" in fac else np.full(len(fac), "", dtype=object)
    index = {(int(c), f): i for i, (c, f) in enumerate(zip(f_cat, f_fid))}
    served_pop = np.zeros(len(fac))
    served_n = np.zeros(len(fac), dtype=np.int64)
    pop = r["population"].to_numpy(dtype=float)
    res_fac, res_min, res_cov = [], [], []
    for k, c in enumerate(cats):
        fids = r[f"{c.key}_fid"].astype(str).to_numpy()
        idx = np.array([index.get((k, f), -1) if f else -1 for f in fids], dtype=np.int64)
        cov = r[f"{c.key}_covered"].to_numpy(dtype=bool)
        ok = cov & (idx >= 0)
        np.add.at(served_pop, idx[ok], pop[ok])
        np.add.at(served_n, idx[ok], 1)
        res_fac.append(np.where(cov, idx, -1).tolist())  # the facility serving it, when covered
        res_min.append(_num_list(r[f"{c.key}_min"].to_numpy(dtype=float), 1))
        res_cov.append("".join("1" if v else "0" for v in cov))
    basic = [b for b in res.coverage.basic if b in keys]
    nbasic = r[[f"{b}_covered" for b in basic]].sum(axis=1).to_numpy(dtype=int) if basic else np.zeros(n, int)
    hh = r["households"].to_numpy(dtype=float) if "households" in r else np.full(n, np.nan)
    abbr = _abbr(cats, lang)

    # plan
    prop = None
    after = {}
    pg = res.extras.get("proposed")
    if pg is not None and len(pg):
        p_lon, p_lat = _lonlat(pg.geometry, gcj)
        col = lambda name: pg[name].to_numpy(dtype=float) if name in pg else np.full(len(pg), np.nan)  # noqa: E731
        prop = {
            "lat": _num_list(p_lat, 6), "lon": _num_list(p_lon, 6),
            "cat": [keys.index(c) if c in keys else 0 for c in pg["category"]],
            "site": pg["site_id"].astype(str).tolist(),
            "newly": _num_list(col("newly_covered_population"), 0),
            "newly_n": _num_list(col("newly_covered_residences"), 0),
            "cost": _num_list(col("cost"), 2), "floor": _num_list(col("floor_area_m2"), 0),
        }
    pc = res.extras.get("tables", {}).get("plan_coverage")
    if pc is not None and len(pc):
        after = dict(zip(pc["category"], pc["share_after"]))
    warnings += [f"{x['name']} – {x['status_label']}: {x['reason']}" for x in plan_reasons(res, lang)]

    # service areas, map category first, then planned ones, within a size budget
    areas: dict[str, Any] = {}
    if service_areas and len(cats):
        from siting.network.service_area import service_area_lines

        tr = Transformer.from_crs(res.network.crs, 4326, always_xy=True)
        order = sorted(range(len(cats)), key=lambda k: (keys[k] != key, keys[k] not in after, k))
        used = 0
        omitted = []
        for k in order:
            snap = res.coverage.facility_snap.get(keys[k])
            if snap is None or not snap.reachable.any():
                continue
            if used > max_area_bytes:
                omitted.append(cats[k].name(lang))
                continue
            geom = service_area_lines(res.network, snap, cats[k].metres(res.coverage.speed_mps), simplify=1.0)
            enc = _encode_lines(geom, tr, gcj)
            used += len(json.dumps(enc))
            areas[str(k)] = enc
        if omitted:
            msg = (f"服务范围图层过大，未包含：{'、'.join(omitted)}" if lang == "zh" else
                   f"service areas left out to keep the page small: {', '.join(omitted)}")
            logger.warning(msg)
            warnings.append(msg)

    dev = None
    dev_name = development_name or T["development"]
    if development is None:
        development = res.extras.get("development")
    if development is not None and len(development):
        d = development.to_crs(4326) if development.crs is not None else development
        if gcj:
            from shapely import transform as _shp_transform

            from siting.inputs.coords import wgs84_to_gcj02

            d = d.set_geometry(_shp_transform(d.geometry.values, lambda xy: np.stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]), 1)))
        dev = json.loads(d.to_json(default=str, drop_id=True))

    access, T = _access_payload(res, keys, lang, T)

    allx = np.concatenate([lon, f_lon])
    ally = np.concatenate([lat, f_lat])
    ok = np.isfinite(allx) & np.isfinite(ally)
    bounds = [[float(ally[ok].min()), float(allx[ok].min())], [float(ally[ok].max()), float(allx[ok].max())]] if ok.any() else None
    table = [[c.name(lang), c.threshold, _finite(res.coverage.share(c.key)), _finite(after.get(c.key))] for c in cats]
    meta = [
        [T["m_scenario"], sc.name], [T["m_created"], time.strftime("%Y-%m-%d %H:%M")],
        [T["m_speed"], f"{sc.speed_mps * 60:.0f} m/min ({sc.travel.profile})"],
        [T["m_standard"], " ".join(str(x) for x in (getattr(sc, "standard", None), getattr(sc, "level", None)) if x)],
        [T["m_crs"], res.network.crs.to_string()],
        [T["m_counts"], f"{n:,} / {pop.sum():,.0f}"], [T["m_facilities"], f"{len(fac):,}"],
        [T["m_basemap"], next((b["name"] for b in layers if b.get("default")), T["blank"])],
        [T["m_version"], _version()],
    ]
    notes = list(res.notes) + [T["m_note"]] + ([ATTRIBUTION] if res.scenario.uses_osm else [])
    return {
        "lang": lang, "T": T, "title": sc.title or sc.name, "meta": [m for m in meta if m[1]],
        "table": table, "complete": _finite(res.coverage.complete_share), "notes": notes, "warnings": warnings,
        "bounds": bounds, "basemaps": layers, "gcj02": gcj, "renderer": "svg" if n <= svg_limit else "canvas",
        "collapsed": False, "closedSections": ["sec_areas", "sec_catchments"], "markerLimit": marker_limit,
        "cats": [{"key": c.key, "name": c.name(lang), "threshold": c.threshold, "colour": _CAT_COLOURS[k % len(_CAT_COLOURS)],
                  "abbr": abbr[k], "shape": k % _SHAPES, "basic": c.key in basic} for k, c in enumerate(cats)],
        "mapCat": keys.index(key) if key in keys else -1,
        "bins": [[None if not np.isfinite(u) else float(u), col, label] for u, col, label in MINUTE_BINS],
        "reachedColours": list(_REACHED), "nbasic": len(basic),
        "res": {
            "lat": _num_list(lat, 6), "lon": _num_list(lon, 6), "pop": _num_list(pop, 1), "hh": _num_list(hh, 0),
            "rid": r["rid"].astype(str).tolist(), "reach": "".join("1" if v else "0" for v in r["reachable"].to_numpy(bool)),
            "min": res_min, "fac": res_fac, "cov": res_cov,
            "complete": "".join("1" if v else "0" for v in r["complete"].to_numpy(bool)),
            "nreached": r["n_reached"].astype(int).tolist(), "nbasic": nbasic.tolist(),
        },
        "fac": {"lat": _num_list(f_lat, 6), "lon": _num_list(f_lon, 6), "cat": f_cat.tolist(), "fid": list(map(str, f_fid)),
                "name": list(map(str, f_name)), "served_pop": _num_list(served_pop, 0), "served_n": served_n.tolist()},
        "prop": prop, "areas": areas, "dev": dev, "devName": dev_name, "access": access,
    }


#: Colours of the accessibility layers, lowest fifth first (residences with none: grey).
ACCESS_COLOURS = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")


def _access_payload(res: RunResult, keys: list[str], lang: str, T: dict[str, str]):
    """The accessibility layers (one per category; after the plan too): values per residence and
    the quintile breaks of the positive values, and the labels they need."""
    from siting.standards import label

    acc = res.access
    if acc is None or not len(acc.categories):
        return None, T
    T = {**T, "sec_access": label("access_section", lang), "access_layer": label("access_layer", lang),
         "access_none": label("access_none", lang), "after": T.get("after", label("after", lang))}
    supply = label("supply_count", lang) if acc.supply == "count" else acc.supply
    demand = label("demand_population", lang) if acc.demand == "population" else label(acc.demand, lang)
    layers = []
    for key in acc.categories["category"]:
        if key not in keys:
            continue
        v = acc.residences[f"{key}_access"].to_numpy(dtype=float)
        after_col = f"{key}_access_after"
        va = acc.residences[after_col].to_numpy(dtype=float) if after_col in acc.residences else None
        pos = np.concatenate([v[v > 0], va[va > 0] if va is not None else np.zeros(0)])
        breaks = np.unique(np.quantile(pos, [0.2, 0.4, 0.6, 0.8])).tolist() if pos.size else []
        layers.append({"cat": keys.index(key), "values": _num_list(v, 5),
                       "after": None if va is None else _num_list(va, 5),
                       "breaks": [float(f"{b:.4g}") for b in breaks]})
    unit = label("access_legend", lang, supply=supply, per=f"{acc.per:g}", demand=demand)
    return {"layers": layers, "colours": list(ACCESS_COLOURS), "none": "#bdbdbd", "unit": unit}, T


def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def _version() -> str:
    from siting._version import __version__

    return __version__


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left raw."""
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def coverage_map(
    res: RunResult,
    *,
    category: str | None = None,
    development: gpd.GeoDataFrame | None = None,
    development_name: str | None = None,
    basemap: str | None = None,
    tianditu_key: str | None = None,
    service_areas: bool = True,
    svg_limit: int = 3000,
) -> folium.Map:
    """Build the map of a run, self-contained (opens with no internet but for the basemap tiles).

    Parameters
    ----------
    res : RunResult
        A run (:func:`siting.pipeline.run_scenario`); a plan in ``res.extras["proposed"]`` and
        ``res.extras["tables"]["plan_coverage"]`` is drawn when present.
    category : str, optional
        Category whose minutes layer and facilities are shown first (default ``map.category``
        of the scenario, else the first category).
    development : GeoDataFrame, optional
        A development under check (points or polygons, any CRS); default
        ``res.extras["development"]``. Its attributes show, escaped, in the popup.
    development_name : str, optional
        Layer name for it.
    basemap : {"osm", "tianditu", "amap", "none"}, optional
        Default ``map.basemap`` of the scenario. See :func:`basemap_layers`.
    tianditu_key : str, optional
        Default ``map.tianditu_key``, else the ``TIANDITU_KEY`` environment variable.
    service_areas : bool
        Compute the reached-street layers (one bounded Dijkstra per category).
    svg_limit : int
        Up to this many residences are drawn as SVG elements; above it, on one canvas.

    Returns
    -------
    folium.Map
        Save it with ``m.save(path)``; the file embeds Leaflet and all data.
    """
    data = map_data(
        res, category=category, development=development, development_name=development_name, basemap=basemap,
        tianditu_key=tianditu_key, service_areas=service_areas, svg_limit=svg_limit,
    )
    ll = data["bounds"]
    centre = [(ll[0][0] + ll[1][0]) / 2, (ll[0][1] + ll[1][1]) / 2] if ll else [0.0, 0.0]
    m = folium.Map(location=centre, zoom_start=15, tiles=None, zoom_control=False, control_scale=False)
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(f"<title>{esc(data['title'])}</title>"), name="siting_title")
    root.header.add_child(Element(_inline_head()), name="siting_assets")
    root.html.add_child(Element(f'<script type="application/json" id="siting-data">{_json_for_script(data)}</script>'),
                        name="siting_data")
    m.add_child(_Init(), name="siting_init")
    return m
