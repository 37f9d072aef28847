"""The meeting report of a run: one HTML file (zh or en) with tables, charts and a map link.

:func:`write_report` writes, into a folder, the PNG charts and static maps of
:mod:`siting.outputs.charts` (for slides) and ``report.html``, which embeds the same PNGs (base64, so
the file can be mailed alone) beside the summary tables: coverage per category, the plan's
coverage before and after with solver status, the proposed stations, the scenario's
parameters and notes, and a link to the interactive map. A PDF is printed from the HTML with
headless Chromium when one is found (``chromium``, ``chromium-browser``, ``google-chrome`` or
``SITING_CHROMIUM``); without one the PDF is skipped with a logged message that says so.
Every text from data is HTML-escaped.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siting.errors import InputError, MissingDependency, Msg
from siting.outputs.classes import format_threshold
from siting.outputs.credits import credit_lines, run_credits
from siting.outputs.encode import esc
from siting.outputs.status import plan_reasons
from siting.standards.labels import solver_name

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = ["find_chromium", "html_to_pdf", "report_html", "write_report"]

logger = logging.getLogger(__name__)

_TEXT = {
    "en": {
        "report": "Coverage report", "created": "Created", "scenario": "Scenario", "open_map": "Open the interactive map",
        "map_note": "(opens offline; the basemap needs the internet)", "key": "Key figures", "residents": "Residents",
        "residences": "Residences", "complete": "Complete circle (all basic categories)", "coverage": "Coverage by service",
        "category": "Service", "threshold": "Threshold", "facilities": "Facilities", "covered_pop": "Residents covered",
        "share": "Share", "basic": "In complete circle", "share_elderly": "Elderly", "share_children": "Children",
        "share_disabled": "Disabled", "plan": "Proposed new stations", "new": "New stations", "cost": "Cost",
        "before": "Now", "after": "With plan", "status": "Status", "gap": "Gap", "solver": "Solver",
        "site": "Site", "newly": "Newly covered residents", "floor": "Floor area (m²)", "lonlat": "Lon, lat",
        "charts": "Charts", "maps": "Maps", "frontier": "How many stations for how much coverage",
        "params": "Parameters", "speed": "Walking speed", "standard": "Standard", "crs": "Analysis CRS",
        "notes": "Notes and sources", "yes": "yes", "no": "", "unreachable": "Residences off the street network",
        "groups": "Priority groups covered", "versions": "Software",
        "cap_minutes": "Walking minutes to the nearest facility, weighted by residents",
        "cap_map": "Residents coloured by walking minutes (static map for slides)",
        "cap_complete": "Basic categories within the threshold (complete circle)",
        "indicators": "Indicators against the standards", "indicator": "Indicator", "target": "Target",
        "measured": "Measured", "result": "Result", "detail": "Detail", "r_pass": "pass", "r_fail": "fail",
        "r_not assessable": "not assessable", "minutes": "min", "credits": "Data",
    },
    "zh": {
        "report": "覆盖分析报告", "created": "生成时间", "scenario": "方案", "open_map": "打开交互地图",
        "map_note": "（离线可打开；底图需联网）", "key": "主要指标", "residents": "人口", "residences": "居住点",
        "complete": "完整生活圈（全部基本类别）", "coverage": "各类设施覆盖率", "category": "设施类别", "threshold": "阈值",
        "facilities": "设施数", "covered_pop": "覆盖人口", "share": "覆盖率", "basic": "计入完整生活圈", "share_elderly": "老年人", "share_children": "儿童",
        "share_disabled": "残障人士", "plan": "拟建站点",
        "new": "新增站点", "cost": "成本", "before": "现状", "after": "规划后", "status": "求解状态", "gap": "间隙",
        "solver": "求解器", "site": "站点", "newly": "新覆盖人口", "floor": "建筑面积（m²）", "lonlat": "经度, 纬度",
        "charts": "图表", "maps": "地图", "frontier": "站点数量与覆盖率", "params": "参数", "speed": "步行速度",
        "standard": "标准", "crs": "分析坐标系", "notes": "说明与数据来源", "yes": "是", "no": "",
        "unreachable": "距路网过远的居住点", "groups": "重点人群覆盖率", "versions": "软件版本",
        "cap_minutes": "到最近设施的步行时间（按人口加权）", "cap_map": "居住点按步行时间着色（静态图，可用于汇报）",
        "cap_complete": "阈值内可达的基本类别数（完整生活圈）",
        "indicators": "规划指标达标情况", "indicator": "指标", "target": "目标", "measured": "现状", "result": "结论",
        "detail": "说明", "r_pass": "达标", "r_fail": "未达标", "r_not assessable": "无法评估", "minutes": "分钟",
        "credits": "数据来源",
    },
}

_CSS = """
body { font: 14px/1.5 "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "Helvetica Neue", Arial, sans-serif; color: #1d2329; max-width: 1050px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 24px; margin: 0 0 4px 0; } h2 { font-size: 18px; margin: 26px 0 8px 0; border-bottom: 2px solid #2c7fb8;
  padding-bottom: 3px; } .sub { color: #555; margin: 0 0 12px 0; }
table { border-collapse: collapse; margin: 6px 0 10px 0; font-size: 13px; }
th, td { padding: 3px 9px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f1f4f7; } td.num, th.num { text-align: right; white-space: nowrap; }
.kpis { display: flex; gap: 14px; flex-wrap: wrap; } .kpi { background: #f1f4f7; border-radius: 6px; padding: 8px 14px; }
.kpi b { display: block; font-size: 22px; } .maplink { display: inline-block; margin: 8px 0; padding: 8px 14px;
  background: #2c7fb8; color: white; border-radius: 5px; text-decoration: none; font-weight: 600; }
figure { margin: 10px 0 18px 0; break-inside: avoid; } figure img { max-width: min(100%, 900px); border: 1px solid #e3e3e3; }
figcaption { color: #555; font-size: 12px; } .after { color: #4b0fb0; font-weight: 600; }
.bar { display: inline-block; height: 9px; background: #2c7fb8; vertical-align: middle; }
.notes p { margin: 4px 0; color: #333; } .warn { color: #9a3b00; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } .maplink { color: #2c7fb8;
  background: none; border: 1px solid #2c7fb8; } }
@page { size: A4; margin: 14mm; }
"""


def _label_or(key: Any, lang: str) -> str:
    """The bilingual label of ``key`` (:mod:`siting.standards.labels`), else ``key`` itself."""
    from siting.standards.labels import label_or

    return label_or(str(key).replace(" ", "_"), lang, str(key))


def _source_text(source: str, lang: str) -> str:
    """``"<document key> <ref>"`` as the document's name and number in ``lang``, then the ref."""
    from siting.standards import load_standard

    key, _, ref = str(source).partition(" ")
    try:
        doc = load_standard(key)
    except (InputError, OSError, ValueError):
        return str(source)
    name = f"《{doc.name('zh').strip(chr(0x300a) + chr(0x300b))}》" if lang == "zh" else doc.name("en")
    return " ".join(x for x in (name, doc.number, ref) if x)


def _pct(x: Any) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    return f"{100 * x:.1f} %" if np.isfinite(x) else "–"


def _num(x: Any, digits: int = 0) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    return f"{x:,.{digits}f}" if np.isfinite(x) else "–"


def _img(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def report_html(res: RunResult, charts: dict[str, Path], *, map_href: str | None = None, lang: str | None = None) -> str:
    """The report page as a string (charts embedded as base64 PNG).

    Parameters
    ----------
    res : RunResult
    charts : dict
        Name → PNG path, from :func:`siting.outputs.charts.write_charts`.
    map_href : str, optional
        Link to the interactive map, relative to where the report is saved.
    lang : {"en", "zh"}, optional
        Default the scenario's language.
    """
    sc = res.scenario
    lang = lang or sc.lang
    T = _TEXT.get(lang, _TEXT["en"])
    cov = res.coverage
    r = cov.residences
    cats = {c.key: c for c in res.categories}
    pc = res.extras.get("tables", {}).get("plan_coverage")
    after = dict(zip(pc["category"], pc["share_after"])) if pc is not None and len(pc) else {}
    title = sc.title_in(lang) or sc.name
    out = [
        "<!DOCTYPE html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} – {esc(T['report'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="sub">{esc(T["report"])} · {esc(T["scenario"])} <code>{esc(sc.name)}</code> · '
        f'{esc(T["created"])} {esc(time.strftime("%Y-%m-%d %H:%M"))}</p>',
    ]
    if map_href:
        out.append(f'<a class="maplink" id="map-link" href="{esc(map_href)}">{esc(T["open_map"])}</a> '
                   f'<span class="sub">{esc(T["map_note"])}</span>')
    # key figures
    pop = float(r["population"].sum())
    kpis = [(T["residents"], _num(pop)), (T["residences"], _num(len(r)))]
    if np.isfinite(cov.complete_share):
        kpis.append((T["complete"], _pct(cov.complete_share)))
    if cov.unreachable:
        kpis.append((T["unreachable"], _num(cov.unreachable)))
    out.append(f"<h2>{esc(T['key'])}</h2><div class='kpis'>" + "".join(
        f"<div class='kpi'>{esc(k)}<b>{esc(v)}</b></div>" for k, v in kpis) + "</div>")
    # coverage table
    rows = []
    group_cols = [c for c in cov.categories.columns if c.startswith("share_")]
    for row in cov.categories.itertuples(index=False):
        c = cats.get(row.category)
        name = c.name(lang) if c is not None else row.category
        share = float(row.share)
        w = int(round(60 * share)) if np.isfinite(share) else 0
        thr = format_threshold(c.metres(cov.speed_mps), cov.speed_mps, c.threshold_parsed.kind, lang) if c is not None else row.threshold
        cells = [esc(name), esc(thr), f"<td class='num'>{_num(row.facilities)}</td>",
                 f"<td class='num'>{_num(row.covered_population)}</td>",
                 f"<td class='num'>{_pct(share)} <span class='bar' style='width:{w}px'></span></td>"]
        if after:
            cells.append(f"<td class='num after'>{_pct(after[row.category]) if row.category in after else ''}</td>")
        cells += [f"<td class='num'>{_pct(getattr(row, g))}</td>" for g in group_cols]
        cells.append(f"<td>{esc(T['yes'] if row.category in cov.basic else T['no'])}</td>")
        rows.append("<tr>" + "".join(x if x.startswith("<td") else f"<td>{x}</td>" for x in cells) + "</tr>")
    head = [T["category"], T["threshold"], T["facilities"], T["covered_pop"], T["share"]]
    head += [T["after"]] if after else []
    head += [T.get(g) or _label_or(g, lang) for g in group_cols] + [T["basic"]]
    out.append(f"<h2>{esc(T['coverage'])}</h2><table id='coverage'><tr>" + "".join(
        f"<th{' class=num' if i >= 2 and i < len(head) - 1 else ''}>{esc(h)}</th>" for i, h in enumerate(head))
        + "</tr>" + "".join(rows) + "</table>")
    # plan
    if pc is not None and len(pc):
        out.append(f"<h2>{esc(T['plan'])}</h2><table id='plan'><tr><th>{esc(T['category'])}</th><th class=num>{esc(T['new'])}"
                   f"</th><th class=num>{esc(T['cost'])}</th><th class=num>{esc(T['before'])}</th><th class=num>"
                   f"{esc(T['after'])}</th><th>{esc(T['status'])}</th><th class=num>{esc(T['gap'])}</th><th>"
                   f"{esc(T['solver'])}</th></tr>")
        for row in pc.itertuples(index=False):
            c = cats.get(row.category)
            out.append(f"<tr><td>{esc(c.name(lang) if c else row.category)}</td><td class=num>{_num(row.new_stations)}</td>"
                       f"<td class=num>{_num(row.cost, 1)}</td><td class=num>{_pct(row.share_before)}</td>"
                       f"<td class='num after'>{_pct(row.share_after)}</td><td>{esc(_label_or(row.status, lang))}</td>"
                       f"<td class=num>{_pct(row.gap)}</td><td>{esc(solver_name(str(row.solver), lang))}</td></tr>")
        out.append("</table>")
        details = [(r.category, r.model, r.detail) for r in pc.itertuples(index=False)
                   if getattr(r, "detail", "") and isinstance(r.detail, str)]
        if details:
            from siting.standards import label

            out.append(f"<table id='plan-detail'><tr><th>{esc(T['category'])}</th><th>{esc(label('method', lang))}</th>"
                       f"<th>{esc(label('model_detail', lang))}</th></tr>")
            for key, model, text in details:
                c = cats.get(key)
                base = str(model).removeprefix("capacitated_")
                name = label(base, lang) if base in ("p_median", "p_center", "attendance") else model
                out.append(f"<tr><td>{esc(c.name(lang) if c else key)}</td><td>{esc(name)}</td><td>{esc(text)}</td></tr>")
            out.append("</table>")
        out += [f"<p class='warn plan-reason' data-status='{esc(x['status'])}'><b>{esc(x['name'])}</b> – "
                f"{esc(x['status_label'])}: {esc(x['reason'])}</p>" for x in plan_reasons(res, lang)]
        prop = res.extras.get("proposed")
        if prop is not None and len(prop):
            ll = prop.geometry.to_crs(4326)
            out.append(f"<table id='proposed'><tr><th>{esc(T['site'])}</th><th>{esc(T['category'])}</th><th class=num>"
                       f"{esc(T['newly'])}</th><th class=num>{esc(T['cost'])}</th><th class=num>{esc(T['floor'])}</th>"
                       f"<th>{esc(T['lonlat'])}</th></tr>")
            for i, row in enumerate(prop.itertuples(index=False)):
                c = cats.get(row.category)
                out.append(f"<tr><td>{esc(row.site_id)}</td><td>{esc(c.name(lang) if c else row.category)}</td>"
                           f"<td class=num>{_num(row.newly_covered_population)}</td>"
                           f"<td class=num>{_num(getattr(row, 'cost', np.nan), 1)}</td>"
                           f"<td class=num>{_num(getattr(row, 'floor_area_m2', np.nan))}</td>"
                           f"<td>{ll.x.iloc[i]:.6f}, {ll.y.iloc[i]:.6f}</td></tr>")
            out.append("</table>")
    out.append(_access_section(res, lang, charts))
    # indicators against the standards (pass / fail / not assessable)
    ind = res.extras.get("tables", {}).get("indicators")
    if ind is not None and len(ind):
        marks = {"pass": ("✔", "#1a7f37"), "fail": ("✘", "#b42318"), "not assessable": ("–", "#666")}
        out.append(f"<h2>{esc(T['indicators'])}</h2><table id='indicators'><tr><th>{esc(T['indicator'])}</th>"
                   f"<th class=num>{esc(T['target'])}</th><th class=num>{esc(T['measured'])}</th>"
                   f"<th>{esc(T['result'])}</th><th>{esc(T['detail'])}</th></tr>")
        for row in ind.itertuples(index=False):
            cited = getattr(row, "citation", None)  # document, number, date and clause where the catalog gives them
            src = cited if isinstance(cited, str) and cited else row.source
            unit = row.unit or ""
            fmt = (lambda v: _pct(v)) if unit == "share" or str(row.indicator).startswith("area_norm") else (lambda v: _num(v, 1))
            target = "" if row.target is None or row.target != row.target else f"{row.comparison or ''} {fmt(row.target)}"
            mark, colour = marks.get(row.result, ("", "#333"))
            label = T.get(f"r_{row.result}", row.result)
            out.append(f"<tr><td>{esc(row.name)}</td><td class=num>{esc(target)}</td>"
                       f"<td class=num>{esc('' if row.measured is None or row.measured != row.measured else fmt(row.measured))}</td>"
                       f"<td style='color:{colour};font-weight:600;white-space:nowrap'>{mark} {esc(label)}</td><td>{esc(row.detail)}"
                       + (f" <span class='sub'>({esc(src if isinstance(cited, str) and cited else _source_text(src, lang))}"
                          f"{('，' if lang == 'zh' else ', ') + esc(_label_or('status_' + row.status, lang)) if isinstance(row.status, str) else ''})</span>"
                          if isinstance(src, str) else "")
                       + "</td></tr>")
        out.append("</table>")
    # charts and maps
    def fig(name: str, caption: str) -> str:
        p = charts.get(name)
        if p is None or not Path(p).exists():
            return ""
        return (f"<figure id='fig-{esc(name)}'><img alt='{esc(caption)}' src='{_img(p)}'>"
                f"<figcaption>{esc(caption)} · {esc(Path(p).name)}</figcaption></figure>")

    out.append(f"<h2>{esc(T['charts'])}</h2>")
    out.append(fig("coverage", T["coverage"]))
    out.append(fig("minutes", T["cap_minutes"]))
    for name in sorted(k for k in charts if k.startswith("frontier_")):
        out.append(fig(name, T["frontier"]))
    out.append(f"<h2>{esc(T['maps'])}</h2>")
    out.append(fig("map_minutes", T["cap_map"]))
    out.append(fig("map_complete", T["cap_complete"]))
    out.append(_rejected_html(res, lang))
    # parameters and notes
    prof = _label_or("elderly_walk" if sc.travel.profile == "elderly" else sc.travel.profile, lang)
    level = getattr(sc, "level", None)
    params = [
        (T["speed"], f"{sc.speed_mps * 60:.0f} m/分钟（{prof}）" if lang == "zh" else f"{sc.speed_mps * 60:.0f} m/min ({prof})"),
        (T["standard"], " ".join(str(x) for x in (getattr(sc, "standard", None), _label_or(level, lang) if level else None) if x)),
        (T["crs"], res.network.crs.to_string()),
    ]
    out.append(f"<h2>{esc(T['params'])}</h2><table>" + "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in params if v) + "</table>")
    credits = credit_lines(run_credits(sc, network_info=res.network.info), lang)
    out.append(f"<h2>{esc(T['notes'])}</h2><div class='notes' id='notes'>" + "".join(f"<p>{esc(n)}</p>" for n in res.notes)
               + "</div>")
    out.append(f"<div class='notes credits' id='credits'><p><b>{esc(T['credits'])}</b></p>"
               + "".join(f"<p class='credit'>{esc(n)}</p>" for n in credits) + "</div>")
    out.append("</body></html>")
    return "\n".join(x for x in out if x)


def _access_section(res: RunResult, lang: str, charts: dict[str, Path]) -> str:
    """The accessibility and equity section: Gini table, groups beyond the threshold, Lorenz chart."""
    from siting.standards import label

    acc = res.access
    if acc is None or not len(acc.categories):
        return ""
    cats = {c.key: c for c in res.categories}
    t = acc.categories
    after = acc.has_after
    groups = [c.removeprefix("share_").removesuffix("_beyond") for c in t.columns
              if c.startswith("share_") and c.endswith("_beyond")]
    supply = label("supply_count", lang) if acc.supply == "count" else acc.supply
    demand = label("demand_population", lang) if acc.demand == "population" else label(acc.demand, lang)
    unit = label("access_legend", lang, supply=supply, per=f"{acc.per:g}", demand=demand)
    head = [label("category", lang), label("access_mean", lang) + f" ({unit})", label("gini", lang)]
    head += [label("gini", lang) + " · " + label("after", lang)] if after else []
    head += [label("share_none", lang)] + [label("share_beyond", lang, group=label(g, lang)) for g in groups]
    rows = []
    for r in t.to_dict(orient="records"):
        c = cats.get(r["category"])
        cells = [f"<td>{esc(c.name(lang) if c else r['category'])}</td>",
                 f"<td class=num>{_num(r['mean'], 2)}"
                 + (f" → <span class=after>{_num(r.get('mean_after'), 2)}</span>" if after else "") + "</td>",
                 f"<td class=num>{_num(r['gini'], 3)}</td>"]
        if after:
            cells.append(f"<td class='num after'>{_num(r.get('gini_after'), 3)}</td>")
        cells.append(f"<td class=num>{_pct(r['share_none'])}"
                     + (f" → <span class=after>{_pct(r.get('share_none_after'))}</span>" if after else "") + "</td>")
        for g in groups:
            k = f"share_{g}_beyond"
            cells.append(f"<td class=num>{_pct(r.get(k))}"
                         + (f" → <span class=after>{_pct(r.get(k + '_after'))}</span>" if after else "") + "</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    method = label(f"access_method_{acc.method}", lang)
    if acc.weights:
        method += " · " + ", ".join(f"{w:g}" for w in acc.weights)
    html = [f"<h2>{esc(label('access_title', lang))}</h2>",
            f"<p class='sub'>{esc(label('method', lang))}: {esc(method)} · {esc(label('supply', lang))}: {esc(supply)}</p>",
            "<table id='access'><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"]
    p = charts.get("lorenz")
    if p is not None and Path(p).exists():
        cap = label("lorenz_curve", lang)
        html.append(f"<figure id='fig-lorenz'><img alt='{esc(cap)}' src='{_img(p)}'>"
                    f"<figcaption>{esc(cap)} · {esc(Path(p).name)}</figcaption></figure>")
    return "\n".join(html)


def _rejected_html(res: RunResult, lang: str, *, limit: int = 50) -> str:
    """The rows dropped from the input files: counts per file and reason, then the first rows."""
    from siting.standards import label

    rej = res.extras.get("rejected")
    if rej is None or not len(rej):
        return ""
    t = lambda key, **kw: esc(label(key, lang, **kw))  # noqa: E731
    sep = label("list_sep", lang)
    rows = []
    for name, c in rej.counts().items():
        why = sep.join(f"{label(f'reason_{r}', lang) if f'reason_{r}' in _reason_keys() else r} {n:,}" for r, n in c["reasons"].items())
        inp = label(f"input_{c['input']}", lang) if f"input_{c['input']}" in _reason_keys() else c["input"]
        rows.append(f"<tr><td>{esc(inp)}</td><td>{esc(name)}</td><td class=num>{c['rows']:,}</td><td>{esc(why)}</td></tr>")
    out = [f"<h2>{t('rejected_title')}</h2><p>{t('rejected_intro', n=f'{len(rej):,}')}</p>",
           f"<table id='rejected-files'><tr><th>{t('rejected_input')}</th><th>{t('rejected_file')}</th>"
           f"<th class=num>{t('rejected_count')}</th><th>{t('rejected_reason')}</th></tr>" + "".join(rows) + "</table>"]
    f = rej.frame(lang)
    lines = "".join(
        f"<tr><td>{esc(r.file)}</td><td class=num>{esc('' if r.row is None or r.row != r.row or int(r.row) < 0 else int(r.row))}"
        f"</td><td>{esc(r.detail)}</td><td><code>{esc(r.values)}</code></td></tr>"
        for r in f.head(limit).itertuples(index=False)
    )
    out.append(f"<table id='rejected-rows'><tr><th>{t('rejected_file')}</th><th class=num>{t('rejected_row')}</th>"
               f"<th>{t('rejected_reason')}</th><th>{t('rejected_values')}</th></tr>{lines}</table>")
    if len(f) > limit:
        out.append(f"<p class='sub'>{t('rejected_more', n=f'{len(f) - limit:,}')}</p>")
    return "".join(out)


def _reason_keys() -> set[str]:
    from siting.standards import LABELS

    return set(LABELS)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable for printing PDFs, or None."""
    env = os.environ.get("SITING_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(name)
        if p:
            return p
    return None


def html_to_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, chromium: str | None = None,
                timeout: float = 120.0) -> Path:
    """Print an HTML file to PDF (A4) with headless Chromium, with no network access.

    Raises
    ------
    MissingDependency
        No Chromium found (install Debian's ``chromium`` or set ``SITING_CHROMIUM``).
    RuntimeError
        Chromium failed or wrote nothing (its message is included).
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise MissingDependency(
            Msg("PDF needs headless Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set "
                "SITING_CHROMIUM to its path; the HTML report can also be printed to PDF from any browser")
        )
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="siting-chromium-") as prof:
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={prof}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}", Path(html_path).resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium could not print {html_path} to PDF (exit {proc.returncode}): {proc.stderr[-500:]}")
    return pdf_path


def write_report(
    res: RunResult,
    out_dir: str | os.PathLike,
    *,
    map_href: str | None = None,
    pdf: bool | None = None,
    lang: str | None = None,
) -> dict[str, Path]:
    """Write the PNG charts, ``report.html`` and (when possible) ``report.pdf`` into ``out_dir``.

    Parameters
    ----------
    res : RunResult
    out_dir : path
        Folder (created if needed).
    map_href : str, optional
        Link to the interactive map relative to ``out_dir`` (e.g. ``"../../maps/demo.html"``).
    pdf : bool or None
        None (default): print a PDF when Chromium is found, else log that it was skipped;
        True: a PDF is required (MissingDependency without Chromium); False: no PDF.
    lang : {"en", "zh"}, optional
        Default the scenario's language.

    Returns
    -------
    dict
        Name → path of every file written (``report``, ``pdf`` when printed, and each chart).
    """
    from siting.outputs.charts import write_charts

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = write_charts(res, out_dir, lang=lang)
    page = report_html(res, charts, map_href=map_href, lang=lang)
    html_path = out_dir / "report.html"
    html_path.write_text(page, encoding="utf-8")
    written: dict[str, Path] = {"report": html_path, **charts}
    if pdf is False:
        return written
    if find_chromium() is None and pdf is None:
        logger.warning("report: no PDF (no Chromium found: apt-get install chromium, or set SITING_CHROMIUM); "
                       "the HTML report prints to PDF from any browser")
        return written
    try:
        written["pdf"] = html_to_pdf(html_path, out_dir / "report.pdf")
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        if pdf:
            raise
        logger.warning("report: no PDF (%s)", exc)
    return written
