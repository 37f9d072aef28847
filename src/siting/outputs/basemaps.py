"""Basemaps of the meeting map: OpenStreetMap, Tianditu (天地图) and Amap (高德, GCJ-02) tiles, or none.

Only the tiles need the internet. With Amap every layer of the map is shifted WGS84 → GCJ-02
(:func:`siting.inputs.coords.wgs84_to_gcj02`) and no WGS84 basemap is offered beside it; a
Tianditu map needs a browser key (``map.tianditu_key`` or ``TIANDITU_KEY``), without one it falls
back to OpenStreetMap with a warning. Each tile layer carries its own credit, shown only while
the layer is.
"""

from __future__ import annotations

import logging
import os

from siting.errors import InputError, Msg

__all__ = ["BASEMAPS", "basemap_layers"]

logger = logging.getLogger(__name__)

#: Basemaps: key → (name en, name zh). ``osm`` is the default.
BASEMAPS = {
    "osm": ("OpenStreetMap", "OpenStreetMap"),
    "tianditu": ("Tianditu map", "天地图 矢量"),
    "amap": ("Amap (GCJ-02)", "高德地图（GCJ-02）"),
    "none": ("No basemap", "无底图"),
}
_TDT = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default" \
       "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"


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
        raise InputError(Msg("map.basemap = {kind!r} is not known: use one of {v1}", kind=kind, v1=', '.join(BASEMAPS)))
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
