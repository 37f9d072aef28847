"""The meeting map of a run: one HTML file that opens offline, in Chinese or English, for a whole district.

The saved HTML carries everything it needs: Leaflet 1.9.4 and Leaflet.fullscreen (vendored under
``siting/_assets`` with their licences) and siting's own script and styles are inlined, and the
data travel as one JSON block (:func:`map_data`) that the script (``siting_map.js``) draws. Only
basemap tiles need the network; when none is chosen or none loads, the map draws the analysis
network's streets itself (see :mod:`siting.outputs.streets`).

Layers (toggle in the layer control, grouped in folding sections that scroll):

* **streets** of the analysis network, simplified by zoom level;
* per category, residents **classed against the category's own threshold**: within it, just
  beyond it (up to :data:`BEYOND` × the threshold), far, or none within the search range
  (:data:`SEARCH_FACTOR` × the threshold) — with the threshold in the legend;
* the **complete circle** (each resident classed by their worst basic category) and the number
  of services reached;
* existing facilities per category (colour, shape and glyph; dots on a canvas above
  ``marker_limit`` per category); proposed new stations, one marker per site listing each
  service, a colour and glyph per category (Chinese glyphs in Chinese);
* service areas (street parts within the threshold, computed in the page by a bounded Dijkstra
  on the packed network — the same rule as :mod:`siting.network.service_area`) and catchments;
* with a plan, a **now / with plan** switch recolours the planned categories, the complete
  circle and their service areas with the proposed stations added.

At city scale (more than ``grid_limit`` residences) residents are aggregated into a hexagon (or
square) grid — the population-weighted share within the threshold per cell — below
``grid_zoom``, and drawn as points (or their compound polygons, with names) when zoomed in.
Residences above ``svg_limit`` are drawn on a canvas. Arrays are packed
(:mod:`siting.outputs.encode`) and gzip-compressed on large maps, so that a district of 300,000
residences stays a file a laptop opens in seconds.

Compounds: when the demand carries polygons — a ``footprint`` column of polygons (run CRS) in
``res.demand``, or polygonal demand geometry — and a ``name`` column, residences are drawn as
their polygons with their names (labels from zoom 16).

Every text from data (POI names, ids, attributes, the title) is escaped in the page. Credits
come from the sources the run used (:mod:`siting.outputs.credits`).

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
import pandas as pd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from siting.errors import InputError
from siting.outputs.credits import credit_lines, run_credits
from siting.outputs.encode import pack, pack_int, pack_strings, spatial_order

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = [
    "BASEMAPS", "BEYOND", "CLASS_COLOURS", "SEARCH_FACTOR", "basemap_layers", "coverage_map", "distance_class", "esc",
    "format_threshold", "map_data", "residence_order",
]

logger = logging.getLogger(__name__)

#: A resident not covered but within this many times the threshold is "just beyond" it.
BEYOND = 1.5
#: Distances are known up to this many times the threshold (the search range of coverage()).
SEARCH_FACTOR = 3.0
#: Residents' distances travel in steps of this many metres on large (compressed) maps, 1 m otherwise
#: (the class of each resident is kept exact: covered ⇔ within the threshold).
DISTANCE_STEP_M = 5.0
#: Colours of the classes: within the threshold, just beyond, far, none within the search range.
CLASS_COLOURS = ("#1a9850", "#fdae61", "#d73027", "#4d4d4d")
#: Grid cells: colour by the population share within the threshold (lower bounds).
SHARE_BINS = ((0.9, "#1a9850"), (0.7, "#91cf60"), (0.5, "#fee08b"), (0.25, "#fc8d59"), (0.0, "#d73027"))
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
        "min": "min", "m": "m", "persons": "persons", "residences": "residences", "yes": "yes", "no": "no",
        # layers and sections
        "sec_background": "Background", "streets": "Streets (analysis network)", "sec_minutes": "Walk to each service",
        "sec_summary": "Complete circle", "sec_facilities": "Existing facilities", "sec_plan": "Plan",
        "sec_areas": "Service areas (streets reached)", "sec_catchments": "Catchments",
        "reached": "Services reached (of {n})", "complete_layer": "Complete circle ({n} basic services)",
        "proposed_layer": "Proposed new stations ({n})", "layers": "Layers", "blank": "No basemap (offline)",
        # legend
        "legend_cat": "Walk to {cat}", "legend_thr": "threshold {t}",
        "c0": "within the threshold (≤ {a})", "c1": "just beyond ({a}–{b})", "c2": "far (> {b})",
        "c3": "none within {c} / off the streets",
        "cc0": "every basic service within its threshold", "cc1": "some just beyond their threshold",
        "cc2": "some far", "cc3": "some none within the search range",
        "legend_complete": "Complete circle ({n} basic services)", "legend_reached": "Services within their thresholds",
        "legend_grid": "Residents within the threshold, per {size} {shape}", "hexagon": "hexagon", "square": "square",
        "grid_zoom": "zoom in to see each residence", "legend_streets": "Streets (analysis network)",
        "legend_proposed": "Proposed new stations", "legend_site": "one site, several services",
        "area": "Streets within {t} of a {cat}", "catchment": "Residence → serving {cat}",
        "with_plan": "with the plan", "no_layers": "No data layer shown",
        # popups
        "residence": "Residence {id}", "population": "Residents", "households": "Households",
        "unreachable": "more than the snapping distance from every street (unreachable)",
        "p_service": "Service", "p_walk": "Walk", "p_dist": "Distance", "p_thr": "Threshold",
        "none_within": "none within {c}", "served_by": "Served by", "complete": "Complete circle", "now": "Now",
        "fid": "id", "serves": "Serves within {t}", "proposed": "Proposed new station", "site": "Site",
        "services": "Services", "newly": "Newly covered", "cost": "Cost", "floor": "Floor area",
        "cell": "{shape} of {size}", "cell_res": "Residences", "cell_pop": "Residents", "cell_cov": "Within the threshold",
        "cell_share": "Share",
        # title box
        "category": "Service", "threshold": "Threshold", "share": "Covered", "after": "With plan",
        "show": "Coverage shown", "about": "About this map", "credits": "Data",
        "fullscreen": "Full screen", "fullscreen_exit": "Exit full screen", "zoom_in": "Zoom in", "zoom_out": "Zoom out",
        "tiles_offline": "The basemap could not be loaded (offline?): streets are drawn from the analysis network.",
        "old_browser": "This map's data are compressed: open it in a browser from 2020 or later (Chrome, Edge, "
                       "360 or Firefox 113+).",
        "m_scenario": "Scenario", "m_created": "Created", "m_speed": "Speed", "m_standard": "Standard",
        "m_crs": "Analysis CRS", "m_counts": "Residences / residents", "m_facilities": "Facilities",
        "m_basemap": "Basemap", "m_version": "Software", "m_grid": "Grid",
        "m_note": "Distances along streets include the walk from each point to the nearest street. Classes: within "
                  "the threshold; just beyond it (up to {beyond:g} × the threshold); far; none within the search "
                  "range ({search:g} × the threshold).",
        "omitted_areas": "service areas left out to keep the page small: {cats}",
    },
    "zh": {
        "min": "分钟", "m": "m", "persons": "人", "residences": "个居住点", "yes": "是", "no": "否",
        "sec_background": "背景", "streets": "街道（分析路网）", "sec_minutes": "各类设施步行可达",
        "sec_summary": "完整生活圈", "sec_facilities": "现有设施", "sec_plan": "规划",
        "sec_areas": "服务范围（可达街道）", "sec_catchments": "服务对象",
        "reached": "可达设施类别数（共{n}类）", "complete_layer": "完整生活圈（{n}类基本设施）",
        "proposed_layer": "拟建站点（{n}）", "layers": "图层", "blank": "无底图（离线）",
        "legend_cat": "步行至{cat}", "legend_thr": "阈值 {t}",
        "c0": "阈值内（≤ {a}）", "c1": "略超阈值（{a}–{b}）", "c2": "较远（> {b}）", "c3": "{c}内没有 / 距路网过远",
        "cc0": "基本设施均在阈值内", "cc1": "部分略超阈值", "cc2": "部分较远", "cc3": "部分在搜索范围内没有",
        "legend_complete": "完整生活圈（{n}类基本设施）", "legend_reached": "阈值内可达的设施类别数",
        "legend_grid": "每{size}{shape}内阈值内居民比例", "hexagon": "六边形网格", "square": "方形网格",
        "grid_zoom": "放大可查看各居住点", "legend_streets": "街道（分析路网）",
        "legend_proposed": "拟建站点", "legend_site": "同一站点多类设施", "area": "{cat}{t}可达街道",
        "catchment": "居住点 → 服务的{cat}", "with_plan": "规划后", "no_layers": "未显示数据图层",
        "residence": "居住点 {id}", "population": "人口", "households": "户数",
        "unreachable": "距所有街道超过吸附距离（不可达）",
        "p_service": "设施类别", "p_walk": "步行时间", "p_dist": "距离", "p_thr": "阈值",
        "none_within": "{c}内没有", "served_by": "服务设施", "complete": "完整生活圈", "now": "现状",
        "fid": "编号", "serves": "{t}内服务", "proposed": "拟建站点", "site": "站点", "services": "设施",
        "newly": "新覆盖人口", "cost": "成本", "floor": "建筑面积",
        "cell": "{size}{shape}", "cell_res": "居住点", "cell_pop": "人口", "cell_cov": "阈值内人口", "cell_share": "比例",
        "category": "设施类别", "threshold": "阈值", "share": "覆盖率", "after": "规划后",
        "show": "显示", "about": "关于本图", "credits": "数据来源",
        "fullscreen": "全屏", "fullscreen_exit": "退出全屏", "zoom_in": "放大", "zoom_out": "缩小",
        "tiles_offline": "无法加载底图（可能处于离线状态）：街道由分析路网绘制。",
        "old_browser": "本图数据经过压缩：请使用 2020 年以后的浏览器打开（Chrome、Edge、360 浏览器或 Firefox 113 以上）。",
        "m_scenario": "方案", "m_created": "生成时间", "m_speed": "速度", "m_standard": "标准",
        "m_crs": "分析坐标系", "m_counts": "居住点 / 人口", "m_facilities": "设施", "m_basemap": "底图",
        "m_version": "软件版本", "m_grid": "网格",
        "m_note": "沿街距离包含各点到最近街道的步行距离。分类：阈值内；略超阈值（不超过阈值的 {beyond:g} 倍）；较远；"
                  "搜索范围（阈值的 {search:g} 倍）内没有。",
        "omitted_areas": "为控制文件大小，未包含以下服务范围：{cats}",
    },
}
_SHAPES = 4


def esc(value: Any) -> str:
    """HTML-escape any value for the page (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def distance_class(metres: Any, covered: Any, limit: float) -> np.ndarray:
    """Class of each distance against a threshold of ``limit`` metres (see :data:`CLASS_COLOURS`).

    0: covered (within the threshold); 1: just beyond (up to :data:`BEYOND` × ``limit``);
    2: farther, but found within the search range; 3: none within the search range (``inf``, or
    off the network).
    """
    m = np.asarray(metres, dtype=float)
    cov = np.asarray(covered, dtype=bool)
    out = np.full(m.shape, 3, dtype=np.uint8)
    fin = np.isfinite(m)
    out[fin] = 2
    out[fin & (m <= BEYOND * limit)] = 1
    out[cov] = 0
    return out


def _num_text(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 or float(x).is_integer() else f"{x:.1f}"


def format_threshold(value_m: float, speed_mps: float, kind: str, lang: str, *, both: bool = False) -> str:
    """A threshold (or a multiple of one) as text: ``"8 min"`` / ``"8 分钟"``, ``"300 m"``.

    ``kind`` is ``"s"`` for a time threshold (``value_m`` metres at ``speed_mps``) or ``"m"``;
    with ``both`` the other unit follows in brackets (``"8 min (480 m)"``).
    """
    zh = lang == "zh"
    minutes = value_m / speed_mps / 60.0
    t_min = f"{_num_text(round(minutes, 1))} {'分钟' if zh else 'min'}"
    t_m = f"{value_m / 1000:,.1f} km" if value_m >= 10_000 else f"{value_m:,.0f} m"
    main, other = (t_min, t_m) if kind == "s" else (t_m, t_min)
    if not both:
        return main
    return f"{main}（{other}）" if zh else f"{main} ({other})"


def residence_order(res: RunResult) -> np.ndarray:
    """The order in which the map lists residences (index into ``res.coverage.residences``).

    Nearby residences are neighbours (:func:`siting.outputs.encode.spatial_order`), so that the
    packed arrays compress. ``siting serve`` sends updates in this order.
    """
    r = res.coverage.residences
    pts = _points(r.geometry)
    return spatial_order(pts.x.to_numpy(), pts.y.to_numpy(), bands=max(1, int(np.sqrt(len(r)))))


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
        ``default`` (shown first). With ``kind="none"`` no layer is the default.
    warnings : list of str
    gcj02 : bool
        True when the layers are in GCJ-02 (Amap): the data must be shifted to match.
    """
    kind = (kind or "osm").lower()
    if kind not in BASEMAPS:
        raise InputError(f"map.basemap = {kind!r} is not known: use one of {', '.join(BASEMAPS)}")
    zh = lang == "zh"
    osm = {"name": "OpenStreetMap", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "maxNativeZoom": 19,
           "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> ' + ("贡献者" if zh else "contributors"),
           "default": kind == "osm", "key": "osm"}
    if kind == "amap":
        return [{
            "name": BASEMAPS["amap"][1 if zh else 0], "subdomains": "1234", "maxNativeZoom": 18, "default": True, "key": "amap",
            "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            "attr": ("&copy; 高德地图；本图数据已由 WGS84 转为 GCJ-02 以对齐底图" if zh else
                     "&copy; Amap (高德地图); data layers shifted WGS84 → GCJ-02 to match the tiles"),
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
            attr = "&copy; 天地图" if zh else "&copy; Tianditu (天地图, National Platform for Common Geospatial Information Services)"
            lab = "cva" if zh else "eva"
            layers.insert(0, {"name": BASEMAPS["tianditu"][1 if zh else 0], "subdomains": "01234567", "attr": attr,
                              "maxNativeZoom": 18, "url": _TDT % ("vec", "vec", key), "labels": _TDT % (lab, lab, key),
                              "default": True, "key": "tianditu"})
            layers.insert(1, {"name": "天地图 影像" if zh else "Tianditu imagery", "subdomains": "01234567", "attr": attr,
                              "maxNativeZoom": 18, "url": _TDT % ("img", "img", key), "key": "tianditu",
                              "labels": _TDT % ("cia" if zh else "eia", "cia" if zh else "eia", key), "default": False})
    return layers, warnings, False


# ------------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------------
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


def _points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Points of a geometry column: polygons (compounds) by a point inside."""
    if len(geoms) and not (geoms.geom_type == "Point").all():
        return geoms.where(geoms.geom_type == "Point", geoms.representative_point())
    return geoms


def _lonlat(geoms: gpd.GeoSeries, gcj: bool) -> tuple[np.ndarray, np.ndarray]:
    g = _points(geoms)
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
        k = min(KNN, len(c_lon))
        tree = cKDTree(np.stack([c_lon * c, c_lat], 1))
        _, cand = tree.query(np.stack([r_lon[sel] * c, r_lat[sel]], 1), k=k)
        cand = np.asarray(cand).reshape(len(sel), k)
        dx = (c_lon[cand] - r_lon[sel][:, None]) * c
        dy = c_lat[cand] - r_lat[sel][:, None]
        d2 = dx * dx + dy * dy
        o = np.lexsort((cand, d2), axis=1)
        cs = np.take_along_axis(cand, o, 1)
        hit = cs == target[sel][:, None]
        rank = hit.argmax(1)
        good = hit.any(1) & ((rank < k - 1) | (k == len(c_lon)))
        codes[sel[good]] = rank[good] + 1
        codes[sel[~good]] = 255
        exc = target[sel[~good]]
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


def _quantise(metres: np.ndarray, covered: np.ndarray, limit: float, step: float) -> tuple[np.ndarray, int, int]:
    """Distances as multiples of ``step`` metres (65535: none), keeping the classes exact.

    Returns the quantised distances ``q`` and ``qcov``, ``qbey``: covered ⇔ ``q <= qcov``, within
    :data:`BEYOND` × the threshold ⇔ ``q <= qbey`` — whatever the rounding.
    """
    qcov = int(np.floor(limit / step + 1e-9))
    qbey = max(int(np.floor(BEYOND * limit / step + 1e-9)), qcov + 1)
    fin = np.isfinite(metres)
    q = np.where(fin, np.round(np.where(fin, metres, 0) / step), 65535).astype(np.int64)
    near = fin & (metres <= BEYOND * limit)
    q = np.where(near, np.minimum(q, qbey), np.where(fin, np.maximum(q, qbey + 1), q))
    q = np.where(covered, np.minimum(q, qcov), np.where(fin, np.maximum(q, qcov + 1), 65535))
    return np.minimum(q, 65534 * fin + 65535 * ~fin), qcov, qbey


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


def _footprints(res: RunResult) -> tuple[gpd.GeoSeries | None, list[str] | None]:
    """Compound polygons and names of the residences, aligned to ``res.coverage.residences``."""
    r = res.coverage.residences
    d = res.demand
    poly = None
    cand = None
    if "footprint" in d.columns and isinstance(d["footprint"], gpd.GeoSeries):
        cand = d["footprint"]
    elif len(d) and d.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        cand = d.geometry
    if cand is None and len(r) and r.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        cand = r.geometry
    aligned = len(d) == len(r) and ("rid" not in d or (d["rid"].astype(str).to_numpy() == r["rid"].astype(str).to_numpy()).all())
    if cand is not None and len(cand) == len(r) and (aligned or cand is r.geometry):
        poly = gpd.GeoSeries(cand.values, crs=cand.crs or res.network.crs)
    names = None
    if "name" in d.columns and aligned:
        names = d["name"].fillna("").astype(str).tolist()
    return poly, names


def _pack_polygons(poly: gpd.GeoSeries, order: np.ndarray, gcj: bool, compress: bool) -> dict[str, Any]:
    """Exterior rings of each residence's polygon(s), in 1e-5 degrees, delta-coded."""
    import shapely

    g = poly.to_crs(4326).values if poly.crs is not None else poly.values
    g = np.asarray(g, dtype=object)[order]
    g = np.array([x if (x is not None and not x.is_empty and x.geom_type in ("Polygon", "MultiPolygon")) else None
                  for x in g], dtype=object)
    parts_per = np.zeros(len(g), dtype=np.int64)
    rings = []
    for i, x in enumerate(g):
        if x is None:
            continue
        ps = list(x.geoms) if x.geom_type == "MultiPolygon" else [x]
        parts_per[i] = len(ps)
        rings += [p.exterior for p in ps]
    if rings:
        rr = shapely.simplify(np.array(rings, dtype=object), 1e-6)
        xy, idx = shapely.get_coordinates(rr, return_index=True)
        counts = np.bincount(idx, minlength=len(rr))
        x, y = xy[:, 0], xy[:, 1]
        if gcj:
            from siting.inputs.coords import wgs84_to_gcj02

            x, y = wgs84_to_gcj02(x, y)
        qx = np.round(np.asarray(x) * 1e5).astype(np.int64)
        qy = np.round(np.asarray(y) * 1e5).astype(np.int64)
    else:
        counts = qx = qy = np.zeros(0, dtype=np.int64)
    return {"pp": pack_int(parts_per, compress=compress), "vc": pack_int(counts, compress=compress),
            "vx": pack_int(qx, delta=True, compress=compress), "vy": pack_int(qy, delta=True, compress=compress), "q": 1e5}


def _after_plan(res: RunResult, dsnap: Any, key: str, prop: gpd.GeoDataFrame, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Metres to the nearest facility with the proposed stations of ``key`` added, and which proposed one
    (index into ``prop``; -1 where an existing one stays the nearest)."""
    from siting.network import nearest

    r = res.coverage.residences
    before = r[f"{key}_m"].to_numpy(dtype=float)
    sub = np.flatnonzero(prop["category"].to_numpy() == key)
    if not len(sub):
        return before, np.full(len(r), -1, dtype=np.int64)
    snap = res.network.snap(prop.iloc[sub], res.scenario.max_snap_m)
    near = nearest(res.network, snap, dsnap, limit=limit * SEARCH_FACTOR)
    better = near.distance < before
    return np.where(better, near.distance, before), np.where(better & (near.source >= 0), sub[np.maximum(near.source, 0)], -1)


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
    grid: str = "hex",
    grid_limit: int = 20_000,
    grid_m: float | None = None,
    grid_zoom: int = 15,
    compress: bool | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """The data the map's script draws: a plain JSON-able dict (see :func:`coverage_map`).

    Parameters
    ----------
    res : RunResult
    category, development, development_name, basemap, tianditu_key, service_areas, svg_limit :
        See :func:`coverage_map`.
    marker_limit : int
        A category with more facilities is drawn as dots on a canvas.
    grid : {"hex", "square"}
        Cell shape of the district view.
    grid_limit : int
        Above this many residences, residents are aggregated into grid cells below
        ``grid_zoom`` (0 = always, a huge number = never).
    grid_m : float, optional
        Cell size in metres (across the flats of a hexagon, the side of a square); default:
        a round size giving about 10,000 cells over the study area, at least 100 m.
    grid_zoom : int
        From this zoom level residences are drawn one by one.
    compress : bool, optional
        gzip the packed arrays (default: when the map is large; small maps stay uncompressed so
        that any browser opens them).
    lang : {"en", "zh"}, optional
        Default the scenario's language.

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
    lang = lang if lang in _TEXT else "en"
    zh = lang == "zh"
    T = dict(_TEXT[lang])
    cats = list(res.categories)
    keys = [c.key for c in cats]
    key = category or getattr(sc.map, "category", None) or (keys[0] if keys else None)
    if key is not None and key not in keys:
        raise InputError(f"map category {key!r} is not among the categories measured ({', '.join(keys)}): pick one of them")
    if grid not in ("hex", "square"):
        raise InputError(f"map grid {grid!r} is not known: use \"hex\" or \"square\"")
    kind = basemap or getattr(sc.map, "basemap", "osm") or "osm"
    layers, warnings, gcj = basemap_layers(kind, lang=lang, tianditu_key=tianditu_key or getattr(sc.map, "tianditu_key", None))
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
        q, qcov, qbey = _quantise(metres, cov, limit, step)
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
            q, _, _ = _quantise(m_after, cov_after, c.metres(speed), steps[k])
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

    poly, names = _footprints(res)
    polygons = _pack_polygons(poly, order, gcj, compress) if poly is not None else None

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

    basic = [b for b in res.coverage.basic if b in keys]
    credits = run_credits(sc, network_info=net.info)
    table = [[c.name(lang), format_threshold(c.metres(speed), speed, c.threshold_parsed.kind, lang),
              _finite(res.coverage.share(c.key)), _finite(after_share.get(c.key))] for c in cats]
    profile = sc.travel.profile
    try:
        from siting.standards import label as _label

        prof = _label("elderly_walk" if profile == "elderly" else profile, lang)
    except InputError:
        prof = profile
    level = getattr(sc, "level", None)
    try:
        from siting.standards import label as _label

        level_text = _label(level, lang) if level else None
    except InputError:
        level_text = level
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
        "v": 2, "lang": lang, "T": T, "title": sc.title or sc.name, "meta": [m for m in meta if m[1]],
        "table": table, "complete": _finite(res.coverage.complete_share), "notes": notes, "credits": cred,
        "warnings": warnings, "bounds": bounds, "basemaps": layers, "gcj02": gcj,
        "streetsDefault": kind == "none", "renderer": "svg" if n <= svg_limit else "canvas",
        "closedSections": ["sec_areas", "sec_catchments"] + (["sec_facilities"] if len(cats) > 6 else []),
        "markerLimit": marker_limit, "speed": speed, "beyond": BEYOND, "search": SEARCH_FACTOR,
        "classColours": list(CLASS_COLOURS), "shareBins": [[b, c] for b, c in SHARE_BINS], "reachedColours": list(_REACHED),
        "cats": [{"key": c.key, "name": c.name(lang), "threshold": table[k][1], "limit": c.metres(speed),
                  "kind": c.threshold_parsed.kind, "colour": _CAT_COLOURS[k % len(_CAT_COLOURS)], "abbr": abbr[k],
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
        },
        "fac": {"n": int(len(fac)), **fac_pos,
                "cat": pack_int(f_cat, compress=compress), "fid": pack_strings(list(map(str, f_fid)), compress=compress),
                "name": pack_strings(list(map(str, f_name)), compress=compress),
                **_snap_payload(_fac_snap(res, f_pos), streets, net, compress, exact=not compress)},
        "prop": prop, "planned": planned, "dev": dev, "devName": dev_name,
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
    **options: Any,
) -> folium.Map:
    """Build the map of a run, self-contained (opens with no internet; only basemap tiles need it).

    Parameters
    ----------
    res : RunResult
        A run (:func:`siting.pipeline.run_scenario`); a plan in ``res.extras["proposed"]`` and
        ``res.extras["tables"]["plan_coverage"]`` is drawn when present.
    category : str, optional
        Category whose layer and facilities are shown first (default ``map.category`` of the
        scenario, else the first category).
    development : GeoDataFrame, optional
        A development under check (points or polygons, any CRS); default
        ``res.extras["development"]``. Its attributes show, escaped, in the popup.
    development_name : str, optional
        Layer name for it.
    basemap : {"osm", "tianditu", "amap", "none"}, optional
        Default ``map.basemap`` of the scenario. See :func:`basemap_layers`. With ``"none"``, or
        when the tiles cannot be loaded, the streets of the analysis network are drawn.
    tianditu_key : str, optional
        Default ``map.tianditu_key``, else the ``TIANDITU_KEY`` environment variable.
    service_areas : bool
        Offer the service-area layers (computed in the page from the packed network).
    svg_limit : int
        Up to this many residences are drawn as SVG elements; above it, on one canvas.
    **options
        Passed to :func:`map_data` (``grid``, ``grid_limit``, ``grid_m``, ``grid_zoom``,
        ``marker_limit``, ``compress``, ``lang``).

    Returns
    -------
    folium.Map
        Save it with ``m.save(path)``; the file embeds Leaflet and all data.
    """
    data = map_data(
        res, category=category, development=development, development_name=development_name, basemap=basemap,
        tianditu_key=tianditu_key, service_areas=service_areas, svg_limit=svg_limit, **options,
    )
    ll = data["bounds"]
    centre = [(ll[0][0] + ll[1][0]) / 2, (ll[0][1] + ll[1][1]) / 2] if ll else [0.0, 0.0]
    m = folium.Map(location=centre, zoom_start=15, tiles=None, zoom_control=False, control_scale=False,
                   attribution_control=False)
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
