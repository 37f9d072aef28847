"""Folium maps of coverage: minutes to the nearest facility, categories reached, facilities.

Every text that comes from data (POI names, ids, attributes) is HTML-escaped before it goes
into the page. Layers are in WGS84 (the only place siting leaves its projected CRS).
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

import folium
import numpy as np

if TYPE_CHECKING:
    from .pipeline import RunResult

__all__ = ["coverage_map", "minutes_colour"]

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

_TEXT = {
    "en": {
        "minutes": "Minutes to nearest {cat}",
        "reached": "Categories reached (of {n})",
        "facilities": "Existing: {cat}",
        "legend_minutes": "Walking minutes to nearest {cat}",
        "legend_reached": "Categories within threshold",
        "residence": "Residence",
        "population": "Residents",
        "households": "Households",
        "nearest": "Nearest {cat}",
        "unreachable": "off the street network (unreachable)",
        "none": "none within search range",
        "complete": "Complete circle (all basic categories)",
        "yes": "yes",
        "no": "no",
        "threshold": "threshold",
        "coverage": "Coverage",
        "category": "Category",
        "share": "Population covered",
    },
    "zh": {
        "minutes": "到最近{cat}的步行分钟",
        "reached": "可达类别数（共{n}类）",
        "facilities": "现有：{cat}",
        "legend_minutes": "到最近{cat}的步行时间（分钟）",
        "legend_reached": "阈值内可达类别数",
        "residence": "居住点",
        "population": "人口",
        "households": "户数",
        "nearest": "最近{cat}",
        "unreachable": "距路网过远（不可达）",
        "none": "搜索范围内没有",
        "complete": "完整生活圈（全部基本类别）",
        "yes": "是",
        "no": "否",
        "threshold": "阈值",
        "coverage": "覆盖率",
        "category": "类别",
        "share": "覆盖人口比例",
    },
}


def esc(value: Any) -> str:
    """HTML-escape any value for the page (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def minutes_colour(minutes: float) -> str:
    """Colour of a number of walking minutes (see :data:`MINUTE_BINS`)."""
    for upper, colour, _ in MINUTE_BINS:
        if minutes <= upper:
            return colour
    return MINUTE_BINS[-1][1]


def _legend(title: str, items: list[tuple[str, str]], position: str = "bottomright") -> folium.Element:
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{c};margin-right:6px;border:1px solid #555"></span>{esc(label)}</div>'
        for c, label in items
    )
    side = "right" if position.endswith("right") else "left"
    return folium.Element(
        f'<div class="siting-legend" style="position:fixed;bottom:24px;{side}:12px;z-index:9999;'
        f'background:rgba(255,255,255,.92);padding:8px 10px;border-radius:6px;font:12px sans-serif;'
        f'box-shadow:0 1px 4px rgba(0,0,0,.3)"><b>{esc(title)}</b>{rows}</div>'
    )


def coverage_map(res: RunResult, *, category: str | None = None) -> folium.Map:
    """Build the coverage map of a run.

    Layers: residences coloured by walking minutes to the nearest facility of ``category``
    (default ``map.category`` of the scenario, else the first category); residences coloured by
    the number of categories reached; the existing facilities of each category (toggleable);
    any extra layers the run carries (proposed stations). Legend, title, notes and the OSM
    attribution are on the page.
    """
    sc = res.scenario
    lang = sc.lang
    T = _TEXT[lang]
    cats = res.categories
    key = category or sc.map.category or cats[0].key
    cat = next(c for c in cats if c.key == key)
    r = res.coverage.residences.to_crs(4326)
    centre = [float(r.geometry.y.mean()), float(r.geometry.x.mean())] if len(r) else [0.0, 0.0]
    m = folium.Map(location=centre, zoom_start=15, tiles=None, control_scale=True)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap", attr=ATTRIBUTION).add_to(m)

    pop = r["population"].to_numpy(dtype=float)
    radius = np.clip(np.sqrt(np.maximum(pop, 0)) / 2.0, 3, 14)
    minutes = r[f"{key}_min"].to_numpy(dtype=float)
    fids = r[f"{key}_fid"].astype(str).to_numpy()
    names = {}
    if len(res.facilities):
        names = dict(zip(res.facilities["fid"].astype(str), res.facilities["name"].astype(str)))

    def popup(i: int) -> str:
        lines = [f"<b>{esc(T['residence'])} {esc(r['rid'].iloc[i])}</b>"]
        lines.append(f"{esc(T['population'])}: {pop[i]:,.0f}")
        hh = r["households"].iloc[i]
        if np.isfinite(hh):
            lines.append(f"{esc(T['households'])}: {hh:,.0f}")
        if not r["reachable"].iloc[i]:
            lines.append(esc(T["unreachable"]))
        for c in cats:
            mins = r[f"{c.key}_min"].iloc[i]
            mark = "✔" if r[f"{c.key}_covered"].iloc[i] else "✘"
            val = f"{mins:.1f} min" if np.isfinite(mins) else esc(T["none"])
            lines.append(f"{mark} {esc(c.name(lang))}: {val} ({esc(T['threshold'])} {esc(c.threshold)})")
        fid = fids[i]
        if fid:
            lines.append(f"{esc(T['nearest'].format(cat=cat.name(lang)))}: {esc(names.get(fid, fid))}")
        lines.append(f"{esc(T['complete'])}: {esc(T['yes'] if r['complete'].iloc[i] else T['no'])}")
        return "<br>".join(lines)

    g_min = folium.FeatureGroup(name=esc(T["minutes"].format(cat=cat.name(lang))), show=True)
    g_reach = folium.FeatureGroup(name=esc(T["reached"].format(n=len(cats))), show=False)
    n_cats = max(len(cats), 1)
    reached = r["n_reached"].to_numpy()
    xs, ys = r.geometry.x.to_numpy(), r.geometry.y.to_numpy()
    for i in range(len(r)):
        html_popup = popup(i)
        folium.CircleMarker(
            location=[ys[i], xs[i]], radius=float(radius[i]), color="#333", weight=0.6,
            fill=True, fill_opacity=0.85, fill_color=minutes_colour(minutes[i]),
            popup=folium.Popup(html_popup, max_width=320),
        ).add_to(g_min)
        colour = _REACHED[int(round(reached[i] / n_cats * (len(_REACHED) - 1)))]
        folium.CircleMarker(
            location=[ys[i], xs[i]], radius=float(radius[i]), color="#333", weight=0.6,
            fill=True, fill_opacity=0.85, fill_color=colour,
            popup=folium.Popup(html_popup, max_width=320),
        ).add_to(g_reach)
    g_min.add_to(m)
    g_reach.add_to(m)

    fac = res.facilities.to_crs(4326) if len(res.facilities) else res.facilities
    for j, c in enumerate(cats):
        sub = fac[fac["category"] == c.key] if len(fac) else fac
        grp = folium.FeatureGroup(name=esc(T["facilities"].format(cat=c.name(lang))) + f" ({len(sub)})", show=(c.key == key))
        colour = _CAT_COLOURS[j % len(_CAT_COLOURS)]
        for _, row in sub.iterrows():
            label = f"<b>{esc(c.name(lang))}</b><br>{esc(row['name']) or esc(row['fid'])}"
            folium.RegularPolygonMarker(
                location=[row.geometry.y, row.geometry.x], number_of_sides=4, radius=7, rotation=45,
                color="#000", weight=1, fill=True, fill_color=colour, fill_opacity=1.0,
                popup=folium.Popup(label, max_width=260), tooltip=esc(row["name"] or c.name(lang)),
            ).add_to(grp)
        grp.add_to(m)

    for layer in res.extras.get("map_layers", []):
        layer.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    legend_items = [(c, label) for _, c, label in MINUTE_BINS]
    m.get_root().html.add_child(_legend(T["legend_minutes"].format(cat=cat.name(lang)), legend_items))
    reach_items = [(_REACHED[int(round(k / n_cats * (len(_REACHED) - 1)))], f"{k}") for k in range(n_cats, -1, -1)]
    m.get_root().html.add_child(_legend(T["legend_reached"], reach_items, "bottomleft"))
    title = sc.title or sc.name
    table = "".join(
        f"<tr><td>{esc(row['name_zh'] if lang == 'zh' else row['name_en'])}</td><td>{esc(row['threshold'])}</td>"
        f"<td style='text-align:right'>{row['share']:.0%}</td></tr>"
        for _, row in res.coverage.categories.iterrows()
    )
    cs = res.coverage.complete_share
    notes = "".join(f"<p style='margin:4px 0'>{esc(n)}</p>" for n in res.notes)
    m.get_root().html.add_child(
        folium.Element(
            f'<div class="siting-title" style="position:fixed;top:10px;left:50px;z-index:9999;max-width:380px;'
            f'background:rgba(255,255,255,.94);padding:8px 12px;border-radius:6px;font:12px sans-serif;'
            f'box-shadow:0 1px 4px rgba(0,0,0,.3)"><div style="font-size:15px;font-weight:bold">{esc(title)}</div>'
            f"<table style='margin-top:4px'><tr><th align=left>{esc(T['category'])}</th><th>{esc(T['threshold'])}</th>"
            f"<th>{esc(T['share'])}</th></tr>{table}</table>"
            + (f"<div style='margin-top:4px'><b>{esc(T['complete'])}: {cs:.0%}</b></div>" if np.isfinite(cs) else "")
            + f"<details style='margin-top:4px'><summary>Notes</summary>{notes}"
            f"<p style='margin:4px 0'>Walking speed {sc.speed_mps * 60:.0f} m/min; network distances include the "
            f"walk from each point to the street. {esc(ATTRIBUTION)}.</p></details></div>"
        )
    )
    return m
