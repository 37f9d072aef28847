"""Aggregation of a batch: one table of areas, population-weighted totals, a ranking, a map.

Everything here runs on the client from the small per-area records that the tasks return
(:func:`siting.batch.tasks.record_from_run`); no area data crosses the network.

Totals are population-weighted: a category's total share is the sum over areas of covered
residents divided by the sum of residents, i.e. every resident of the province counts once,
whatever the size of the area they live in (not the mean of the area shares).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.batch.tasks import write_atomic

logger = logging.getLogger(__name__)

#: Colour classes of the batch map: (upper bound of the share, colour, label).
SHARE_BINS = (
    (0.2, "#b2182b", "< 20 %"),
    (0.4, "#ef8a62", "20–40 %"),
    (0.6, "#fddbc7", "40–60 %"),
    (0.8, "#a6d96a", "60–80 %"),
    (1.0001, "#1a9641", "≥ 80 %"),
)
NO_DATA_COLOUR = "#9e9e9e"


def share_colour(share: float | None) -> str:
    """Map colour of a population share (0–1); grey for no data."""
    if share is None or not np.isfinite(share):
        return NO_DATA_COLOUR
    for upper, colour, _ in SHARE_BINS:
        if share < upper:
            return colour
    return SHARE_BINS[-1][1]


def _num(x: Any) -> float:
    return float(x) if x is not None else float("nan")


def area_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per area (wide): status, population, complete-circle share, share per category,
    stations proposed and cost per planned category, and totals; failed areas with their error.

    Columns: ``name``, ``status`` (done / skipped / failed), ``population`` (persons),
    ``residences``, ``complete_share`` (0–1), ``complete_population``,
    ``outside_complete_circle`` (persons), ``share_<category>`` (0–1), ``new_stations_<category>``,
    ``cost_<category>``, ``share_after_<category>``, ``new_stations``, ``cost`` (totals of the area),
    ``rank`` (1 = lowest complete-circle share), ``seconds``, ``worker``, ``error``.
    """
    rows = []
    for r in records:
        ok = r.get("status") in ("done", "skipped")
        row: dict[str, Any] = {"name": r["name"], "status": r.get("status"), "title": r.get("title")}
        if ok:
            pop = _num(r.get("population"))
            cs = _num(r.get("complete_share"))
            row.update({"population": pop, "residences": r.get("residences"), "nodes": r.get("nodes"),
                        "complete_share": cs,
                        "complete_population": _num(r.get("complete_population")),
                        "outside_complete_circle": pop * (1 - cs) if np.isfinite(cs) else np.nan})
            for key, c in (r.get("categories") or {}).items():
                row[f"share_{key}"] = _num(c.get("share"))
            total_new, total_cost = 0, 0.0
            for key, p in (r.get("plan") or {}).items():
                row[f"new_stations_{key}"] = p.get("new_stations")
                row[f"cost_{key}"] = _num(p.get("cost"))
                row[f"share_after_{key}"] = _num(p.get("share_after"))
                total_new += int(p.get("new_stations") or 0)
                total_cost += float(p.get("cost") or 0.0)
            row["new_stations"] = total_new
            row["cost"] = total_cost
        row.update({"seconds": r.get("seconds"), "cpu_seconds": r.get("cpu_seconds"), "worker": r.get("worker"),
                    "error": r.get("error")})
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["name", "status", "rank", "error"])
    for col in ("population", "complete_share", "complete_population", "outside_complete_circle", "new_stations", "cost"):
        if col not in df.columns:
            df[col] = np.nan
    df["rank"] = ranking(df)["rank"].reindex(df.index).astype("Int64")
    first = ["rank", "name", "status", "title", "population", "residences", "nodes", "complete_share",
             "complete_population", "outside_complete_circle", "new_stations", "cost"]
    shares = sorted(c for c in df.columns if c.startswith("share_") and not c.startswith("share_after_"))
    plan = sorted(c for c in df.columns if c.startswith(("new_stations_", "cost_", "share_after_")))
    rest = [c for c in df.columns if c not in first + shares + plan]
    return df[[c for c in first if c in df.columns] + shares + plan + rest]


def category_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Long format: one row per (area, category) with the numbers behind the shares.

    Columns ``area``, ``category``, ``threshold``, ``facilities``, ``population``,
    ``covered_population`` (persons), ``share`` (0–1), and for planned categories ``new_stations``,
    ``cost``, ``share_after``.
    """
    rows = []
    for r in records:
        if r.get("status") not in ("done", "skipped"):
            continue
        plan = r.get("plan") or {}
        for key, c in (r.get("categories") or {}).items():
            p = plan.get(key, {})
            rows.append({"area": r["name"], "category": key, "threshold": c.get("threshold"),
                         "facilities": c.get("facilities"), "population": _num(c.get("population")),
                         "covered_population": _num(c.get("covered_population")), "share": _num(c.get("share")),
                         "new_stations": p.get("new_stations"), "cost": _num(p.get("cost")) if p else np.nan,
                         "share_after": _num(p.get("share_after")) if p else np.nan})
    cols = ["area", "category", "threshold", "facilities", "population", "covered_population", "share",
            "new_stations", "cost", "share_after"]
    return pd.DataFrame(rows, columns=cols)


def totals(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Population-weighted totals over all finished areas, one row per category plus
    ``complete_circle``.

    Columns ``category``, ``areas`` (how many measured it), ``population`` and
    ``covered_population`` (persons, summed), ``share`` (covered ÷ population),
    ``new_stations``, ``cost`` (sums over areas that planned it), ``covered_after`` (persons) and
    ``share_after`` (covered after the plans ÷ population of those areas).
    """
    cat = category_table(records)
    out = []
    if len(cat):
        cat = cat.assign(covered_after=cat["share_after"] * cat["population"])
        for key, g in cat.groupby("category", sort=False):
            pop = g["population"].sum()
            planned = g[g["share_after"].notna()]
            out.append({
                "category": key, "areas": len(g), "population": pop, "covered_population": g["covered_population"].sum(),
                "share": g["covered_population"].sum() / pop if pop > 0 else np.nan,
                "new_stations": planned["new_stations"].sum() if len(planned) else np.nan,
                "cost": planned["cost"].sum() if len(planned) else np.nan,
                "covered_after": planned["covered_after"].sum() if len(planned) else np.nan,
                "share_after": planned["covered_after"].sum() / planned["population"].sum()
                if len(planned) and planned["population"].sum() > 0 else np.nan,
            })
    ok = [r for r in records if r.get("status") in ("done", "skipped") and r.get("complete_population") is not None]
    pop = sum(float(r["population"]) for r in ok)
    covered = sum(float(r["complete_population"]) for r in ok)
    out.append({"category": "complete_circle", "areas": len(ok), "population": pop, "covered_population": covered,
                "share": covered / pop if pop > 0 else np.nan, "new_stations": np.nan, "cost": np.nan,
                "covered_after": np.nan, "share_after": np.nan})
    return pd.DataFrame(out)


def ranking(areas: pd.DataFrame) -> pd.DataFrame:
    """Areas ordered by need: lowest complete-circle share first, then more residents first.

    Failed areas and areas without a complete-circle share are left out. Returns ``rank``
    (1 = most in need), ``name``, ``complete_share``, ``population``, ``outside_complete_circle``
    (persons not within reach of every basic category), indexed like ``areas``.
    """
    cols = ["name", "complete_share", "population", "outside_complete_circle"]
    ok = areas[areas["status"].isin(["done", "skipped"]) & areas["complete_share"].notna()] if len(areas) else areas
    ok = ok.sort_values(["complete_share", "population", "name"], ascending=[True, False, True], kind="mergesort")
    out = ok[cols].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# ------------------------------------------------------------------------------------------------
# map and GeoPackage
# ------------------------------------------------------------------------------------------------
def areas_gdf(records: list[dict[str, Any]], table: pd.DataFrame):
    """The area table with each area's outline (WGS84); areas without an outline are left out."""
    import geopandas as gpd
    import shapely

    geoms = {r["name"]: shapely.from_wkt(r["polygon"]) for r in records if r.get("polygon")}
    t = table[table["name"].isin(list(geoms))].reset_index(drop=True)
    return gpd.GeoDataFrame(t, geometry=[geoms[n] for n in t["name"]], crs=4326)


def _leaflet_head() -> str:
    import re

    from siting.outputs.maps import _asset, _data_uri

    css = _asset("leaflet/leaflet.css").decode("utf-8")
    css = re.sub(r"url\(images/([\w.-]+\.png)\)",
                 lambda m: f"url({_data_uri('leaflet/images/' + m.group(1), 'image/png')})", css)
    js = re.sub(r"//# sourceMappingURL=\S+", "", _asset("leaflet/leaflet.js").decode("utf-8")).replace("</script", "<\\/script")
    return ("<!-- Leaflet 1.9.4 (BSD-2-Clause, © Vladimir Agafonkin, CloudMade), inlined so that this page opens "
            f"offline. -->\n<style>{css}</style>\n<script>{js}</script>")


def batch_map(gdf, *, title: str, colour_by: str = "complete_share", failed: list[str] | None = None,
              categories: list[str] | None = None):
    """A folium map of the areas coloured by a share column (``complete_share`` or ``share_<key>``).

    Names and every text from the areas are HTML-escaped. Leaflet is inlined (the page opens
    offline, but for the OpenStreetMap tiles).
    """
    import folium
    from branca.element import Element, Figure

    esc = lambda v: html.escape("" if v is None else str(v), quote=True)  # noqa: E731
    if len(gdf):
        w, s, e, n = gdf.total_bounds
        centre = [(s + n) / 2, (w + e) / 2]
    else:
        w = s = e = n = None
        centre = [35.0, 105.0]
    m = folium.Map(location=centre, zoom_start=5, tiles=None, control_scale=True)
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(f"<title>{esc(title)}</title>"), name="siting_title")
    root.header.add_child(Element(_leaflet_head()), name="siting_assets")
    folium.TileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", name="OpenStreetMap", max_native_zoom=19,
                     attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors').add_to(m)
    cats = categories or sorted(c[len("share_"):] for c in gdf.columns
                                if c.startswith("share_") and not c.startswith("share_after_"))
    # biggest first, so that small areas inside big ones stay clickable
    order = gdf.geometry.to_crs(3857).area.sort_values(ascending=False).index if len(gdf) else []
    for i in order:
        row = gdf.loc[i]
        share = row.get(colour_by)
        share = float(share) if share is not None and pd.notna(share) else None
        lines = [f"<b>{esc(row['name'])}</b>" + (f"<br>{esc(row['title'])}" if row.get("title") else "")]
        if pd.notna(row.get("population")):
            lines.append(f"Residents: {float(row['population']):,.0f}")
        if pd.notna(row.get("complete_share")):
            lines.append(f"Complete circle: {float(row['complete_share']):.1%}")
        for k in cats:
            v = row.get(f"share_{k}")
            if v is not None and pd.notna(v):
                lines.append(f"{esc(k)}: {float(v):.1%}")
        if pd.notna(row.get("new_stations")) and row.get("new_stations"):
            lines.append(f"Proposed stations: {int(row['new_stations'])}, cost {float(row['cost']):,.0f}")
        if pd.notna(row.get("rank")):
            lines.append(f"Rank (1 = most in need): {int(row['rank'])}")
        label = f"{row['name']}: {share:.0%}" if share is not None else str(row["name"])
        colour = share_colour(share)
        folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, c=colour: {"fillColor": c, "color": "#333333", "weight": 1,
                                                             "fillOpacity": 0.6},
            tooltip=folium.Tooltip(esc(label)),
        ).add_child(folium.Popup("<br>".join(lines), max_width=320)).add_to(m)
    legend = [f"<b>{esc(title)}</b><br>{esc(colour_by.replace('_', ' '))}"]
    for _, colour, lab in SHARE_BINS:
        legend.append(f'<i style="background:{colour};width:12px;height:12px;display:inline-block"></i> {esc(lab)}')
    if failed:
        shown = ", ".join(esc(n) for n in failed[:20]) + (" …" if len(failed) > 20 else "")
        legend.append(f"Failed ({len(failed)}): {shown}")
    root.html.add_child(Element(
        '<div style="position:fixed;bottom:24px;left:12px;z-index:1000;background:#fff;padding:6px 8px;'
        'font:12px sans-serif;border:1px solid #999;border-radius:4px;max-width:280px">' + "<br>".join(legend) + "</div>"
    ), name="siting_legend")
    if w is not None:
        m.fit_bounds([[s, w], [n, e]])
    return m


def write_batch_outputs(records: list[dict[str, Any]], out_root: str | Path, *, title: str = "siting batch",
                        colour_by: str = "complete_share", meta: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``areas.csv``, ``area_categories.csv``, ``totals.csv``, ``ranking.csv``,
    ``areas.gpkg``, ``batch_map.html`` and ``batch.json`` into ``out_root``, each atomically.

    Returns the paths written, by name.
    """
    import json

    from siting.batch.tasks import _clean

    root = Path(out_root)
    root.mkdir(parents=True, exist_ok=True)
    table = area_table(records)
    cats = category_table(records)
    tot = totals(records)
    rank = ranking(table) if len(table) else pd.DataFrame(columns=["rank", "name"])
    paths = {"areas_csv": root / "areas.csv", "categories_csv": root / "area_categories.csv",
             "totals_csv": root / "totals.csv", "ranking_csv": root / "ranking.csv",
             "gpkg": root / "areas.gpkg", "map": root / "batch_map.html", "summary": root / "batch.json"}
    write_atomic(paths["areas_csv"], table.to_csv(index=False))
    write_atomic(paths["categories_csv"], cats.to_csv(index=False))
    write_atomic(paths["totals_csv"], tot.to_csv(index=False))
    write_atomic(paths["ranking_csv"], rank.to_csv(index=False))
    gdf = areas_gdf(records, table)
    tmp = root / f".areas.tmp-{id(gdf)}.gpkg"
    try:
        if len(gdf):
            gdf.to_file(tmp, layer="areas", driver="GPKG")
            tmp.replace(paths["gpkg"])
        else:
            paths.pop("gpkg")
    finally:
        if tmp.exists():
            tmp.unlink()
    failed = [r["name"] for r in records if r.get("status") == "failed"]
    if colour_by != "complete_share" and colour_by not in gdf.columns:
        logger.warning("map: no column %r, colouring by complete_share", colour_by)
        colour_by = "complete_share"
    m = batch_map(gdf, title=title, colour_by=colour_by, failed=failed)
    write_atomic(paths["map"], m.get_root().render())
    summary = {
        "title": title, "areas": len(records),
        "done": sum(r.get("status") == "done" for r in records),
        "skipped": sum(r.get("status") == "skipped" for r in records),
        "failed": {r["name"]: r.get("error") for r in records if r.get("status") == "failed"},
        "totals": tot.to_dict(orient="records"), **(meta or {}),
    }
    write_atomic(paths["summary"], json.dumps(_clean(summary), ensure_ascii=False, indent=2) + "\n")
    return paths
