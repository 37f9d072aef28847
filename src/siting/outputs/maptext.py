"""The texts of the meeting map, in English and Chinese (labels, legends, popups, notes).

Placeholders in braces are filled by the page (``{cat}``, ``{t}``) or by
:func:`siting.outputs.mapdata.map_data`. A text missing from one language is a bug: a test
checks that both have the same keys.
"""

from __future__ import annotations

__all__ = ["TEXT"]

#: language → key → text.
TEXT: dict[str, dict[str, str]] = {
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
