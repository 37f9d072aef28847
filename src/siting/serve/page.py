"""The page of ``siting serve``: the meeting map of the run, plus the live what-if controls.

The page *is* the offline meeting map (:func:`siting.outputs.maps.coverage_map`: the same layers,
legend, zh/en text, vendored Leaflet inlined, no request to the internet but basemap tiles), so it
inherits every improvement of that map. Two blocks are added: ``siting_serve.css`` and
``siting_serve.js`` (in ``siting/_assets/siting/``), and a JSON block with the categories, the
facilities of each category and the text of the controls. The script wraps the map's stable entry
point ``sitingInit(map)`` (which draws the data block ``#siting-data`` and resolves to the map's
controller), hides the map's static coverage table (the live panel replaces it), then adds the
panel and the station layers and keeps the residences' colours current from each answer of the
JSON API (``docs/serve.md``) through the controller's ``setDistances``. The map is built with
``index=True`` so that the page can place answers stated in the run's rows.

Every text from data reaches the page as JSON inside a ``<script type="application/json">`` with
``<``, ``>`` and ``&`` escaped, and the script escapes it again before it touches ``innerHTML``.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from typing import Any

import numpy as np

from siting.outputs.maps import coverage_map
from siting.serve.engine import MAX_POINTS, WhatIf

__all__ = ["page_html"]

_TEXT = {
    "en": {
        "panel": "What if…", "category": "Service", "mode_add": "Click the map to add a station",
        "mode_switch": "Click an existing facility to switch it off / on", "undo": "Undo", "save": "Save",
        "export": "Export map and report", "name": "Name", "optimize": "Best next", "stations": "stations",
        "time_limit": "time limit (s)", "cancel": "Cancel", "start": "Start", "now": "Now", "change": "Change",
        "complete": "Complete circle", "newly": "Newly covered", "lost": "No longer covered", "persons": "persons",
        "residences": "residences", "groups": "Priority groups", "elderly": "Elderly", "children": "Children",
        "disabled": "Disabled", "server_ms": "server {ms} ms", "remove": "Remove", "station": "Proposed station",
        "snap": "Distance to street", "serves": "Serves", "add_all": "Add these", "running": "Optimising… {t} s of {limit} s",
        "preparing": "Preparing candidates… {t} s", "done": "Suggested {n} stations: +{p} persons ({status})",
        "cancelled": "Cancelled", "failed": "Failed: {msg}", "saved": "Saved in {path}", "off": "switched off",
        "on": "on", "switches": "Existing facilities (click to switch)", "live": "Proposed stations (live)",
        "suggested": "Suggested by the optimiser", "error": "Error", "plan": "from the plan", "busy": "working…",
        "facilities_on": "facilities on", "drag": "drag to move",
    },
    "zh": {
        "panel": "假如……", "category": "设施类别", "mode_add": "点击地图新增站点", "mode_switch": "点击现有设施停用 / 恢复",
        "undo": "撤销", "save": "保存", "export": "导出地图和报告", "name": "名称", "optimize": "最优新增", "stations": "处站点",
        "time_limit": "时限（秒）", "cancel": "取消", "start": "初始", "now": "当前", "change": "变化",
        "complete": "完整生活圈", "newly": "新覆盖", "lost": "不再覆盖", "persons": "人", "residences": "个居住点",
        "groups": "重点人群", "elderly": "老年人", "children": "儿童", "disabled": "残疾人", "server_ms": "服务器 {ms} 毫秒",
        "remove": "删除", "station": "拟建站点", "snap": "到街道距离", "serves": "服务", "add_all": "全部加入",
        "running": "优化中…… {t} 秒 / 时限 {limit} 秒", "preparing": "准备候选点…… {t} 秒",
        "done": "建议 {n} 处站点：新增覆盖 {p} 人（{status}）", "cancelled": "已取消", "failed": "失败：{msg}",
        "saved": "已保存到 {path}", "off": "已停用", "on": "使用中", "switches": "现有设施（点击停用 / 恢复）",
        "live": "拟建站点（实时）", "suggested": "优化建议", "error": "错误", "plan": "来自规划方案", "busy": "计算中……",
        "facilities_on": "处设施在用", "drag": "拖动可移动",
    },
}


def _asset(name: str) -> str:
    return resources.files("siting").joinpath("_assets", "siting", name).read_text(encoding="utf-8")


def _json_block(data: Any) -> str:
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _config(w: WhatIf, token: str | None, time_limit: float) -> dict[str, Any]:
    lang = w.res.scenario.lang if w.res.scenario.lang in _TEXT else "en"
    fac = w.res.facilities
    facs = []
    for k, _c in enumerate(w.cats):
        rows = w.fac_rows[k]
        lon, lat = [], []
        for r in rows:
            g = fac.geometry.iloc[int(r)]
            a, b = w.to_lonlat(float(g.x), float(g.y))
            lon.append(round(a, 7))
            lat.append(round(b, 7))
        reach = w.res.coverage.facility_snap[w.keys[k]].reachable
        facs.append({"rows": rows.tolist(), "lon": lon, "lat": lat, "reachable": [bool(v) for v in np.asarray(reach)]})
    cfg = w.res.scenario.optimize
    return {
        "lang": lang, "T": _TEXT[lang], "token": token, "maxPoints": MAX_POINTS,
        "cats": [{"key": c.key, "name": c.name(lang), "threshold": c.threshold} for c in w.cats],
        "facilities": facs, "timeLimit": float(cfg.time_limit if cfg is not None else time_limit),
        "category": next((k for k in ((cfg.categories[0] if cfg is not None else None), w.res.scenario.map.category) if k in w.keys), w.keys[0]),
        "speed": w.speed,
    }


def page_html(w: WhatIf, *, token: str | None = None, time_limit: float = 30.0) -> str:
    """The page: the run's meeting map with the live controls (one HTML string, opens offline).

    Parameters
    ----------
    w : WhatIf
        The live state; the map is drawn from its start (the run without the plan's stations,
        which the live layer draws instead, and without service areas, which would go stale).
    token : str, optional
        The access token the page sends with every request (when the server asks for one).
    time_limit : float
        Default seconds for the optimiser (the scenario's ``optimize.time_limit`` when it has one).
    """
    res = w.res
    extras = {k: v for k, v in res.extras.items() if k not in ("proposed",)}
    tables = {k: v for k, v in extras.get("tables", {}).items() if k != "plan_coverage"}
    extras["tables"] = tables
    view = dataclasses.replace(res, extras=extras)
    html = coverage_map(view, service_areas=False, index=True).get_root().render()
    head = (f"<style>{_asset('siting_serve.css')}</style>\n"
            f'<script type="application/json" id="siting-serve">{_json_block(_config(w, token, time_limit))}</script>\n'
            f"<script>/* siting/siting_serve.js */\n{_asset('siting_serve.js').replace('</script', '<' + chr(92) + '/script')}\n</script>\n")
    i = html.rfind("</head>")
    return html[:i] + head + html[i:] if i >= 0 else head + html
