"""The console's log lines in the run's language: a catalog of the library's log messages.

The library logs in English (``logging.getLogger(__name__)``, %-style templates: ``logger.info(
"coverage: %s within %s (%.0f m): ...", key, ...)``); the command line shows those records in
the run's language. :data:`ZH` maps each English template to its Chinese one (the same
placeholders in the same order, as gettext catalogs do), and :func:`render` formats a record's
template and arguments in a language. Arguments that are words the catalog or the labels know
(stage names, category keys, ``"5 min"``) are translated too; file names, numbers and values
from the data stay as they are. A template missing from the catalog is shown in English —
``tests/standards/test_logtext.py`` checks that every literal template of the library is here.

:func:`set_console_lang` sets the language of the console (the CLI calls it once the scenario
is read); :func:`word` gives a progress bar's description in it.

>>> render("coverage: %s within %s (%.0f m): %d facilities, %.1f %% of population",
...        ("pharmacy", "8 min", 480.0, 2, 25.4), "zh")
'覆盖分析：药店 8 分钟以内（480 m）：现状设施 2 处，覆盖人口 25.4%'
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["WORDS", "ZH", "console_lang", "placeholders", "render", "set_console_lang", "word"]

#: English log template → Chinese template (same %-placeholders, same order).
ZH: dict[str, str] = {
    # pipeline stages (siting.pipeline)
    "%s ...": "%s……",
    "%s: %s (%.2f s)": "%s：%s（%.2f 秒）",
    "scenario %s: %s": "方案 %s：%s",
    "facilities: %d of %d are more than %.0f m from every street: listed in rejected_rows.csv, "
    "not used": "现状设施：%d 处（共 %d 处）距最近道路超过 %.0f m，未使用，已列入 rejected_rows.csv",
    "facilities: none found for %s (everyone is uncovered there)":
        "现状设施：%s 无任何设施（全体居民均未覆盖）",
    "network: the network given is %s but the scenario's profile %s one-way streets":
        "路网：所给路网为%s路网，而方案的出行方式%s单行道",
    "demand: %d residences lie nearer to streets dropped with small network components than "
    "to the kept network": "居住数据：%d 处居住点离被剔除的零碎路网比离保留路网更近",
    "demand: %d of %d residences (%.0f persons) are more than %.0f m from every street and are "
    "reported unreachable (never covered)":
        "居住数据：%d 处居住点（共 %d 处，%.0f 人）距最近道路超过 %.0f m，记为不可达（不计覆盖）",
    # planning
    "reachability %s within %.0f m: %d candidates x %d residences -> %d pairs (+%d from %d "
    "existing) in %.2f s": "可达计算 %s %.0f m 以内：%d 个候选点 × %d 处居住点 → %d 对"
                           "（另有 %d 对来自 %d 处现状设施），用时 %.2f 秒",
    "candidates: %d OSM land-use polygons of %s": "候选点位：%d 个 OSM 用地多边形（%s）",
    "candidates: %d of %d are more than %.0f m from the network and are ignored":
        "候选点位：%d 个（共 %d 个）距路网超过 %.0f m，未使用",
    'access: new_supply is ignored with supply = "count" (each station counts 1)':
        '可达性：supply = "count" 时忽略 new_supply（每个站点计 1）',
    "optimize.frontier is drawn for the covering models only; skipped for %s":
        "optimize.frontier 只适用于覆盖模型，%s 模型不绘制",
    # coverage, access
    "coverage: %s within %s (%.0f m): %d facilities, %.1f %% of population":
        "覆盖分析：%s %s以内（%.0f m）：现状设施 %d 处，覆盖人口 %.1f%%",
    "facilities: %d of %d %s are more than %.0f m from the network and are ignored":
        "现状设施：%d 处（共 %d 处）%s 距路网超过 %.0f m，未使用",
    "access %s (%s, supply %s, demand %s): mean %.4g per %g, Gini %.3f":
        "可达性 %s（%s，供给 %s，需求 %s）：平均 %.4g（每 %g），基尼系数 %.3f",
    # development checks
    "proposal %s: %s": "拟建项目 %s：%s",
    "check %s: %d lines, %d fail": "核查 %s：%d 条，%d 条不达标",
    # inputs
    "candidates: %d generated from %d nodes at %.0f m spacing (%d before distance/land-use "
    "filters)": "候选点位：由 %d 个节点按 %.0f m 间距生成 %d 个（距离、用地筛选前 %d 个）",
    "converted %d geometries from %s to WGS84": "已将 %d 个几何从 %s 转换为 WGS84",
    "%s: %s.crs = %r (%s), but %d of %d points lie outside China (longitude %g–%g, latitude "
    "%g–%g), where %s is not used: they are kept as WGS84, unshifted; check %s.crs (drop it "
    "for WGS84 data)": "%s：%s.crs = %r（%s），但 %d 个点（共 %d 个）位于中国境外（经度 %g–%g，"
                       "纬度 %g–%g），境外不使用 %s：这些点按 WGS84 保留、不作偏移；"
                       "请检查 %s.crs（WGS84 数据请删去此项）",
    "demand: %d of %d buildings house residents (estimated %.0f persons; %d with tagged levels)":
        "居住数据：%d 栋建筑（共 %d 栋）有居民（估算 %.0f 人；%d 栋标有层数）",
    "demand: %d of %d residences of %s have households only: population = households × %g":
        "居住数据：%d 处居住点（共 %d 处，%s）只有户数：人口 = 户数 × %g",
    "demand: %d rows of %s have no %s count (taken as 0)": "居住数据：%d 行（%s）缺少 %s 人数（按 0 计）",
    "facilities: %d rows of %s are of categories the scenario does not use (%s)":
        "现状设施：%d 行（%s）属于方案未使用的类别（%s）",
    "facilities: %d POIs of %s have Amap type codes with no mapping and are not used: %s%s; "
    "add rows to data/amap_typecodes.csv (or a category column) to use them":
        "现状设施：%d 个 POI（%s）的高德类型编码没有对应类别，未使用：%s%s；"
        "如需使用，请在 data/amap_typecodes.csv 中补充对应行（或增加类别列）",
    "demand: %s: %d populated cells of %d read (%.0f persons; %d nodata/zero skipped)":
        "居住数据：%s：读取有人口的栅格 %d 个（共 %d 个，%.0f 人；跳过无数据或为零的 %d 个）",
    "demand: %d cells of %s have a negative population and are skipped":
        "居住数据：%d 个栅格（%s）人口为负，已跳过",
    "%s: cached %s": "%s：使用缓存 %s",
    "could not cache the downloaded features in %s (%s)": "无法将下载的要素缓存到 %s（%s）",
    "%s: %d rows of %s lie outside the network area and are not used":
        "%s：%d 行（%s）位于路网范围之外，未使用",
    "%s: %d of %d rows of %s are dropped (%s); listed in rejected_rows.csv":
        "%s：%s 共 %d 行，剔除 %d 行（%s），已列入 rejected_rows.csv",
    "%s: %s read as %s, separator %r, decimal %r (%d rows)":
        "%s：已读取 %s，编码 %s，分隔符 %r，小数点 %r（%d 行）",
    "%s: %s sheet %r read (%d rows)": "%s：已读取 %s 的工作表 %r（%d 行）",
    "mapped %d of %d Amap POIs to categories": "已将 %d 个高德 POI（共 %d 个）对应到设施类别",
    # network
    "network: kept the largest connected component; dropped %d of %d nodes in %d smaller "
    "components (residences near them snap to the kept streets or are reported unreachable)":
        "路网：保留最大连通分量，剔除 %d 个节点（共 %d 个，分属 %d 个较小分量；"
        "附近的居住点接入保留的道路，或记为不可达）",
    "network: kept the largest strongly connected component (every kept node can be driven to "
    "from every other, one-way rules kept); dropped %d of %d nodes, %d of them joined to it by "
    "one-way streets only (one-way streets cut at the edge of the area, or drawn the wrong way); "
    "residences near them snap to the kept streets or are reported unreachable":
        "路网：保留最大强连通分量（保留单行规则，任意两个保留节点可互相到达）；剔除 %d 个节点"
        "（共 %d 个），其中 %d 个只经单行道与之相连（单行道在范围边界被截断，或方向画反）；"
        "附近的居住点接入保留的道路，或记为不可达",
    "network: %d lines -> %d nodes, %d segments": "路网：%d 条线 → %d 个节点、%d 个路段",
    "network: dropped %d lines by class (%s)": "路网：按道路等级剔除 %d 条线（%s）",
    "network: directed (drive) network from a line layer without a one-way column (%s) or "
    "network.lines.oneway_classes: every street is taken as two-way":
        "路网：线图层没有单行字段（%s）也未设置 network.lines.oneway_classes，"
        "有向（驾车）路网中所有道路按双向处理",
    "network: one-way rules not applied (walking and cycling go both ways; they apply to the "
    "drive profile)": "路网：不使用单行规则（步行、骑行可双向通行；单行规则只用于驾车）",
    "network: downloading %s=%r (%s) with osmnx": "路网：用 osmnx 下载 %s=%r（%s）",
    "network: cached graph %s for %s=%r": "路网：使用缓存的路网 %s（%s=%r）",
    "synthetic city (seed %d): %d nodes, %d segments, %d bridges, %d residences, %d facilities":
        "合成城市（种子 %d）：%d 个节点、%d 个路段、%d 座桥、%d 处居住点、%d 处设施",
    # optimize
    "attendance (%s): %d demand rows x %d columns, %d pairs": "服务分配（%s）：%d 个需求行 × %d 列，%d 对",
    "capacitated greedy: %d stations serve %.6g": "带容量贪心：%d 个站点服务 %.6g",
    "greedy + swap: %d stations cover %.6g": "贪心 + 交换：%d 个站点覆盖 %.6g",
    "the heuristic start is not feasible for the model; solving without it":
        "启发式初始解不满足模型约束，不带初始解求解",
    "%s: %s in %.2f s (objective %s, bound %s)%s": "%s：%s，用时 %.2f 秒（目标值 %s，界 %s）%s",
    "%s returned a solution that violates the model; discarded": "%s 返回的解违反模型约束，已舍弃",
    "CBC is still running at its deadline; interrupting it": "CBC 到时仍在运行，正在中止",
    "p-median: %d demand rows x %d columns, %d pairs (of %d), penalty %g":
        "p-中位：%d 个需求行 × %d 列，%d 对（共 %d 对），罚值 %g",
    "CBC process %s did not end after kill": "CBC 进程 %s 在强制结束后仍未退出",
    "coverage problem: %d demand points, %d sites (%d existing), %d pairs within %g":
        "覆盖问题：%d 个需求点、%d 个站点（现状 %d 个）、%g 以内 %d 对",
    "model size: %d → %d demand rows, %d → %d sites, %d → %d pairs":
        "模型规模：需求行 %d → %d，站点 %d → %d，点对 %d → %d",
    "fixing: %d → %d sites (%d forced open), %d → %d rows, %d → %d pairs":
        "变量固定：站点 %d → %d（强制开放 %d 个），需求行 %d → %d，点对 %d → %d",
    # outputs
    "charts: CJK font %s (%s, face %d)": "图表：中文字体 %s（%s，字形 %d）",
    "charts: no font with Chinese glyphs found (install fonts-noto-cjk, or set SITING_CJK_FONT "
    "to a .ttf/.otf/.ttc file); chart labels fall back to English":
        "图表：未找到含中文字形的字体（请安装 fonts-noto-cjk，或将 SITING_CJK_FONT 设为 "
        ".ttf/.otf/.ttc 文件）；图表标注改用英文",
    "charts: could not extract the %s face of %s (%s)": "图表：无法从 %s 中提取字形 %s（%s）",
    "could not remove %s: remove it by hand": "无法删除 %s：请手动删除",
    "removing %s left by an interrupted run": "正在删除中断的运行留下的 %s",
    "another run is writing %s: it will repair the folder itself": "另一次运行正在写入 %s：该文件夹由它自行修复",
    "finished the commit of %s that a killed run left half done (its outputs were complete)":
        "已完成被中止的运行未写完的 %s 提交（其输出完整）",
    "restored the previous outputs of %s that a killed run had set aside": "已恢复被中止的运行移开的 %s 原有输出",
    "installed %s, the map copy a killed run had not put in place": "已放置被中止的运行未放置的地图副本 %s",
    "removed %s, left by an interrupted run": "已删除中断的运行留下的 %s",
    "report: no PDF (no Chromium found: apt-get install chromium, or set SITING_CHROMIUM); the "
    "HTML report prints to PDF from any browser":
        "报告：未生成 PDF（未找到 Chromium：请 apt-get install chromium，或设置 SITING_CHROMIUM）；"
        "HTML 报告可在任意浏览器中打印为 PDF",
    "report: no PDF (%s)": "报告：未生成 PDF（%s）",
    "map: %d street segments packed (%d drawn from zoom %d)": "地图：打包 %d 个路段（其中 %d 个自缩放级别 %d 起显示）",
}

#: Templates whose Chinese text takes the arguments in another order: the positions, in the
#: Chinese order, of the English arguments.
_ORDER: dict[str, tuple[int, ...]] = {
    "candidates: %d generated from %d nodes at %.0f m spacing (%d before distance/land-use "
    "filters)": (1, 2, 0, 3),
    "coverage problem: %d demand points, %d sites (%d existing), %d pairs within %g": (0, 1, 2, 4, 3),
    "charts: could not extract the %s face of %s (%s)": (1, 0, 2),
    "%s: %d of %d rows of %s are dropped (%s); listed in rejected_rows.csv": (0, 3, 2, 1, 4),
}

#: Words that log messages take as arguments (stage names, file roles, network kinds).
WORDS: dict[str, str] = {
    "network": "路网", "demand": "居住数据", "facilities": "现状设施", "candidates": "候选点位",
    "access points": "接入点", "coverage": "覆盖分析", "indicators": "指标评估",
    "access": "可达性", "optimize": "站点优化", "reachability": "可达计算",
    "reachability partitions": "可达计算分区", "areas": "片区",
    "area": "个片区", "part": "个分区",
    "directed": "有向", "undirected": "无向", "keeps": "保留", "ignores": "忽略",
    "(no title)": "（无标题）", "unmapped": "无对应类别",
    "elderly": "老年人", "children": "儿童", "disabled": "残疾人", "households": "户数",
    "population": "人口", "gcj02": "GCJ-02", "bd09": "BD-09",
}

_MIN = re.compile(r"^(\d+(?:\.\d+)?) ?min$")
_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def set_console_lang(lang: str) -> None:
    """Show log lines and progress bars in ``lang`` (``"en"`` or ``"zh"``) from now on
    (:data:`siting.settings.console_lang`)."""
    from siting import settings

    settings.console_lang = "zh" if str(lang).lower().startswith("zh") else "en"


def console_lang() -> str:
    """The console's language, :data:`siting.settings.console_lang` (``"en"`` by default)."""
    from siting import settings

    return "zh" if settings.console_lang == "zh" else "en"


def word(text: str, lang: str | None = None) -> str:
    """``text`` (a stage name, a progress bar's description, a category key, ``"5 min"``) in
    ``lang`` (default: the console's); unknown text is returned as it is."""
    lang = console_lang() if lang is None else lang
    if lang != "zh":
        return text
    if text in WORDS:
        return WORDS[text]
    m = _MIN.match(text)
    if m:
        return f"{m.group(1)} 分钟"
    from siting.standards.labels import label_or

    return label_or(text, "zh", text)


def _arg(a: Any) -> Any:
    if not isinstance(a, str):
        return a
    if ", " in a:  # a list of words: translated when every part is known
        parts = a.split(", ")
        zh = [word(p, "zh") for p in parts]
        return "、".join(zh) if all(z != p for z, p in zip(zh, parts)) else a
    return word(a, "zh")


def placeholders(template: str) -> list[str]:
    """The %-placeholders of a template in order (``%%`` left out)."""
    return [s for s in _SPEC.findall(template) if s != "%%"]


def render(template: str, args: tuple | Any, lang: str | None = None) -> str:
    """The log message ``template % args`` in ``lang`` (default: the console's)."""
    lang = console_lang() if lang is None else lang
    if not isinstance(args, tuple):
        args = (args,)
    zh = ZH.get(template) if lang == "zh" else None
    if zh is None:
        return template % args if args else template
    out = tuple(_arg(a) for a in args)
    order = _ORDER.get(template)
    if order is not None and len(order) == len(out):
        out = tuple(out[i] for i in order)
    try:
        return zh % out
    except (TypeError, ValueError):  # an argument of another type than the template's
        return template % args
