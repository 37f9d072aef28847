"""Bilingual labels (English / 中文) for tables, map legends, statuses and reports.

``label(key, lang)`` returns the text for a key; a scenario chooses the language (``lang = "zh"``).
Category keys (``"pharmacy"``) and life-circle level keys (``"15min"``) are labelled from the
category table and the standards catalog, so they never need a second translation here.

>>> label("covered", "zh")
'已覆盖'
>>> label("complete_circle", "en")
'Complete circle'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from siting.errors import InputError, Msg
from siting.standards.lang import LANGUAGES, normalise_lang

__all__ = ["LABELS", "label", "label_or", "labels", "plan_reason", "solver_name"]


#: key → (English, Chinese). Placeholders in braces are filled from ``label(..., **values)``.
LABELS: dict[str, tuple[str, str]] = {
    # coverage statuses
    "covered": ("Covered", "已覆盖"),
    "not_covered": ("Not covered", "未覆盖"),
    "complete_circle": ("Complete circle", "完整生活圈"),
    "incomplete_circle": ("Incomplete circle", "生活圈不完整"),
    "missing_categories": ("Missing services", "缺失设施"),
    "complete_circle_share": ("Complete-circle share", "完整生活圈覆盖率"),
    "coverage": ("Coverage", "覆盖率"),
    "coverage_before": ("Coverage before", "规划前覆盖率"),
    "coverage_after": ("Coverage after", "规划后覆盖率"),
    "population_covered": ("Population covered", "覆盖人口"),
    "share_covered": ("Share covered", "覆盖比例"),
    # table headers
    "category": ("Service", "设施类别"),
    "threshold": ("Threshold", "服务阈值"),
    "walking_time": ("Walking time", "步行时间"),
    "walking_distance": ("Walking distance", "步行距离"),
    "distance_to_nearest": ("Distance to nearest", "至最近设施距离"),
    "time_to_nearest": ("Time to nearest", "至最近设施时间"),
    "population": ("Population", "人口"),
    "households": ("Households", "户数"),
    "elderly": ("Older people", "老年人"),
    "children": ("Children", "儿童"),
    "disabled": ("People with disabilities", "残疾人"),
    "group": ("Group", "人群"),
    "all_residents": ("All residents", "全体居民"),
    "count": ("Count", "数量"),
    "total": ("Total", "合计"),
    "share": ("Share", "占比"),
    "floor_area": ("Floor area (m²)", "建筑面积(m²)"),
    "area_norm": ("Area norm (m²)", "面积标准(m²)"),
    "area_per_100_households": ("Floor area per 100 households (m²)", "每百户建筑面积(m²)"),
    "meets_area_norm": ("Meets area norm", "满足面积标准"),
    "activity_share": ("Residents' activity share", "居民活动用房占比"),
    "indicator": ("Indicator", "指标"),
    "target": ("Target", "目标值"),
    "measured": ("Measured", "实际值"),
    "result": ("Result", "结果"),
    "pass": ("Pass", "达标"),
    "fail": ("Fail", "未达标"),
    "not_judged": ("Not judged (no confirmed target)", "无法判定(目标值未核实)"),
    "source": ("Source", "来源"),
    "status": ("Status", "状态"),
    "note": ("Note", "说明"),
    "level": ("Life-circle level", "生活圈层级"),
    "standard": ("Standard", "标准"),
    # figure statuses and scopes
    "status_confirmed": ("Confirmed in the source", "已核实"),
    "status_secondary": ("Secondary source", "二手来源"),
    "status_unconfirmed": ("Unconfirmed (planning default)", "未核实(规划默认值)"),
    "status_override": ("Set by the user", "用户设定"),
    "national": ("National", "国家标准"),
    "provincial": ("Provincial rule", "省级规定"),
    "local": ("Local rule", "地方规定"),
    "basic": ("Basic-guarantee", "基本保障类"),
    "quality": ("Quality-improvement", "品质提升类"),
    # map legends
    "legend_facilities": ("Existing facilities", "现状设施"),
    "legend_new_sites": ("New sites", "新增选址"),
    "legend_candidates": ("Candidate sites", "备选点位"),
    "legend_demand": ("Residents", "居民点"),
    "legend_covered": ("Covered residents", "已覆盖居民"),
    "legend_uncovered": ("Residents not covered", "未覆盖居民"),
    "legend_isochrone": ("{minutes}-minute walk", "步行{minutes}分钟范围"),
    "legend_catchment": ("Catchment", "服务范围"),
    "legend_network": ("Walking network", "步行路网"),
    "existing": ("Existing", "现状"),
    "new": ("New", "新增"),
    "candidate": ("Candidate", "备选"),
    # rural circles
    "village": ("Village", "行政村"),
    "villages": ("Villages", "村庄"),
    "township": ("Township", "乡镇"),
    "township_station": ("Township service station", "乡镇综合服务站"),
    "villages_covered": ("Villages covered", "已覆盖村庄"),
    # travel profiles
    "walk": ("Walking", "步行"),
    "adult": ("Walking (adult)", "步行(成人)"),
    "elderly_walk": ("Walking (older people)", "步行(老年人)"),
    "bike": ("Bicycle / e-bike", "自行车/电动车"),
    "drive": ("Car", "驾车"),
    # units
    "minutes": ("min", "分钟"),
    "metres": ("m", "米"),
    "persons": ("people", "人"),
    # plans and reports
    "report_title": ("15-minute life circle: service coverage", "十五分钟生活圈服务设施评估"),
    "summary": ("Summary", "概要"),
    "scenario": ("Scenario", "情景"),
    "plan": ("Plan", "规划方案"),
    "before": ("Before", "规划前"),
    "after": ("After", "规划后"),
    "objective": ("Objective", "目标函数值"),
    "bound": ("Bound", "界"),
    "gap": ("Optimality gap", "最优性差距"),
    "solver_status": ("Solver status", "求解状态"),
    "optimal": ("Optimal", "最优"),
    "time_limit": ("Time limit reached", "达到时间上限"),
    "infeasible": ("Infeasible", "无可行解"),
    "not_assessable": ("Not assessable", "无法评估"),
    "share_elderly_at_elderly_speed": ("Older people, at their walking speed", "老年人（按老年人步速）"),
    "cost": ("Cost", "成本"),
    "budget": ("Budget", "预算"),
    "sites_opened": ("Sites opened", "新增站点数"),
    "generated_by": ("Generated by siting", "由 siting 生成"),
    # sources of figures
    "set_in_scenario": ("Set in the scenario", "情景文件设定"),
    "rules_of": ("Rules checked ({standard})", "核查规定({standard})"),
    "whole_development": ("Whole development", "项目整体"),
    # proposal properties read by the rules of `siting check` (m²)
    "total_floor_area_m2": ("Total floor area", "总建筑面积"),
    "commercial_floor_area_m2": ("Commercial floor area", "商业建筑面积"),
    "outdoor_activity_m2": ("Outdoor activity area", "室外活动场所面积"),
    # development-check rule lines: {planned}, {value}, {measured} … are filled in by the report
    "rule_planned_enough": ("plans {planned} m² {cmp} {value} m²", "规划 {planned} m² {cmp} {value} m²"),
    "rule_planned_too_small": ("plans {planned} m²; must be {cmp} {value} m²", "规划 {planned} m²,应 {cmp} {value} m²"),
    "rule_not_planned": ("plans none (planned_{cat}_m2); must be {cmp} {value} m²",
                         "方案未规划(planned_{cat}_m2),应 {cmp} {value} m²"),
    "rule_property_enough": ("{what}: {measured} m² {cmp} {value} m²", "{what} {measured} m² {cmp} {value} m²"),
    "rule_property_too_small": ("{what}: {measured} m²; must be {cmp} {value} m²", "{what} {measured} m²,应 {cmp} {value} m²"),
    "rule_property_missing": ("{what} not given ({prop}); must be {cmp} {value} m²", "未提供{what}({prop}),应 {cmp} {value} m²"),
    "rule_share_enough": ("({commercial} m² commercial + {services} m² planned services) ÷ {total} m² = {share} {cmp} {value}",
                          "(商业 {commercial} m² + 规划配套 {services} m²) ÷ 总建筑面积 {total} m² = {share} {cmp} {value}"),
    "rule_share_too_small": ("({commercial} m² commercial + {services} m² planned services) ÷ {total} m² = {share}; must be {cmp} {value}",
                             "(商业 {commercial} m² + 规划配套 {services} m²) ÷ 总建筑面积 {total} m² = {share},应 {cmp} {value}"),
    "rule_total_unknown": ("total floor area not given: add total_floor_area_m2 to the proposal",
                           "未提供总建筑面积:请在方案中填写 total_floor_area_m2"),
    "rule_provision_planned": ("planned in the development ({planned} m²)", "项目内已规划({planned} m²)"),
    "rule_provision_in_reach": ("{facility} is {dist} away, within {within}, and has capacity ({after} m² per 100 households)",
                                "{facility}距 {dist},在 {within} 以内,且容量满足(每百户 {after} m²)"),
    "rule_provision_capacity_unknown": ("{facility} is {dist} away, within {within}, but its floor area is unknown: capacity cannot be judged",
                                        "{facility}距 {dist},在 {within} 以内,但建筑面积未知,无法判断容量"),
    "rule_provision_over_capacity": ("{facility} is within {within} but would be over capacity ({after} m² per 100 households): plan one in the development",
                                     "{facility}在 {within} 以内,但将超负荷(每百户 {after} m²):须在项目内规划"),
    "rule_provision_none": ("none planned and none within {within}{nearest}: plan one in the development",
                            "项目未规划,且 {within} 内无该类设施{nearest}:须在项目内规划"),
    "rule_nearest": ("; the nearest is {dist} away", "(最近 {dist})"),
    "rule_provision_not_measured": ("none planned, and the scenario does not measure this service: add {cat} to categories.use",
                                    "项目未规划,且情景未测算该类设施:请将 {cat} 加入 categories.use"),
    # catalog indicators measured by a run (siting.indicators)
    "ind_unit_coverage": ("{n} of {total} {units} reach {service} within {threshold} ({pop} of the population)",
                          "{total} 个{units}中 {n} 个在 {threshold} 内可达{service}(覆盖人口 {pop})"),
    "ind_units_communities": ("communities (demand column 'community')", "社区(需求点 community 列)"),
    "ind_units_residences": ("residences (each one unit: group them with a 'community' column)",
                             "居民点(每点计为一个单元;可用 community 列归并为社区)"),
    "ind_reach": ("{n} of {total} {who} reach {services} within {threshold} ({metres} at {speed} m/s)",
                  "{total} {who}中 {n} 在 {threshold}({speed} m/s 下 {metres})内可达{services}"),
    "ind_reach_some": ("{n} of {total} {who} reach {services} within {threshold} ({metres} at {speed} m/s); not measured: {missing}",
                       "{total} {who}中 {n} 在 {threshold}({speed} m/s 下 {metres})内可达{services};未测算:{missing}"),
    "ind_who_all": ("residents", "名居民"),
    "ind_who_elderly": ("older residents", "名老年人"),
    "ind_who_children": ("children", "名儿童"),
    "ind_who_disabled": ("residents with disabilities", "名残疾人"),
    "ind_not_measured": ("{service} is not measured in this scenario: add {cat} to categories.use",
                         "情景未测算{service}:请将 {cat} 加入 categories.use"),
    "ind_no_group": ("the residences have no {group} column: give it in the demand file, or set demand.group_shares",
                     "居民点无 {group} 列:请在需求文件中提供,或设置 demand.group_shares"),
    "ind_needs_network": ("needs distances up to {metres}, beyond those of the coverage run: call indicators() with network and demand_snap",
                          "需测算至 {metres} 的距离,超出覆盖测算范围:调用 indicators() 时请传入 network 与 demand_snap"),
    # location-allocation models
    "p_median": ("p-median (least total walking)", "p-中位（总步行距离最小）"),
    "p_center": ("p-center (shortest longest walk)", "p-中心（最远步行距离最小）"),
    "attendance": ("Maximum attendance (distance decay)", "最大参与度（距离衰减）"),
    "model_detail": ("What the plan achieves", "方案效果"),
    "decay": ("Distance decay", "距离衰减"),
    # accessibility and equity (2SFCA)
    "access_title": ("Accessibility and equity (2SFCA)", "可达性与公平性（两步移动搜索法）"),
    "access_layer": ("Accessibility: {cat}", "可达性：{cat}"),
    "access_section": ("Accessibility (2SFCA)", "可达性（2SFCA）"),
    "access_legend": ("{supply} per {per} {demand}", "每{per}名{demand}拥有的{supply}"),
    "access_none": ("none within the threshold", "阈值内无设施"),
    "access_method_2sfca": ("2SFCA (Luo & Wang 2003)", "两步移动搜索法（Luo & Wang 2003）"),
    "access_method_gaussian": ("Gaussian 2SFCA (Dai 2010)", "高斯两步移动搜索法（Dai 2010）"),
    "access_method_enhanced": ("Enhanced 2SFCA (Luo & Qi 2009)", "增强型两步移动搜索法（Luo & Qi 2009）"),
    "access_mean": ("Mean accessibility", "平均可达性"),
    "gini": ("Gini coefficient", "基尼系数"),
    "lorenz_curve": ("Lorenz curve of accessibility", "可达性洛伦兹曲线"),
    "lorenz_x": ("Cumulative share of residents (lowest accessibility first)", "居民累计占比（可达性由低到高）"),
    "lorenz_y": ("Cumulative share of accessibility", "可达性累计占比"),
    "equality_line": ("Equal accessibility", "绝对公平线"),
    "share_none": ("Residents beyond the threshold", "阈值外居民占比"),
    "share_beyond": ("{group} beyond the threshold", "阈值外{group}占比"),
    "supply": ("Supply", "供给"),
    "supply_count": ("facilities", "设施（处）"),
    "demand_population": ("residents", "居民"),
    "method": ("Method", "方法"),
    "heuristic": ("Heuristic plan", "启发式方案"),
    # why a plan has its status (see plan_reason)
    "reason": ("Why", "原因"),
    "reason_unreachable": (
        "target {target} cannot be reached: existing and candidate sites together cover at most {reach} of the "
        "residents; lower the target or add candidate sites",
        "目标{target}无法达到：现有设施与候选站点合计最多覆盖{reach}的居民；请降低目标或增加候选站点"),
    "reason_capacity": (
        "target {target} cannot be reached with these capacities: at most {reach} of the residents can be served; "
        "lower the target or add capacity (floor area)",
        "在现有容量下无法达到目标{target}：最多可服务{reach}的居民；请降低目标或增加容量（建筑面积）"),
    "reason_targets": (
        "the targets cannot all be reached with these sites; lower them or add candidate sites",
        "现有站点无法同时达到各类目标；请降低目标或增加候选站点"),
    "reason_infeasible": (
        "no plan meets the constraints; loosen the target or the budget, or add candidate sites",
        "没有满足约束条件的方案；请放宽目标或预算，或增加候选站点"),
    "reason_time_limit": (
        "the time limit ended the search: this is the best plan found (gap {gap}); raise optimize.time_limit "
        "to prove it optimal",
        "求解达到时间上限：此为已找到的最优方案（最优性差距{gap}）；增大 optimize.time_limit 可证明其最优"),
    "reason_no_plan": (
        "no plan was found within the time limit; raise optimize.time_limit",
        "在时间上限内未找到方案；请增大 optimize.time_limit"),
    "reason_heuristic": (
        "the solver returned no plan: this is the heuristic plan (gap {gap})",
        "求解器未返回方案：此为启发式方案（最优性差距{gap}）"),
}

# life-circle levels and MOFCOM tiers, used when a level key is asked for directly
_LEVELS: dict[str, tuple[str, str]] = {
    "15min": ("15-minute life circle", "十五分钟生活圈"),
    "10min": ("10-minute life circle", "十分钟生活圈"),
    "5min": ("5-minute life circle", "五分钟生活圈"),
    "residential_block": ("Residential block", "居住街坊"),
    "community": ("Complete residential community", "完整居住社区"),
}


# inputs as planners hand them over (issue 12): rejected rows, notes on demand and line-layer networks
LABELS.update({
    # why a row was dropped ({column}, {value}, {extra} from the row)
    "reject_missing_coordinates": ("no coordinates ({column} empty)", "缺少坐标（{column} 为空）"),
    "reject_bad_coordinates": ("{column} = \"{value}\" is not a number", "{column} =“{value}”不是数字"),
    "reject_out_of_range": ("coordinates {value} are outside the range of degrees", "坐标 {value} 超出经纬度范围"),
    "reject_swapped": ("longitude and latitude look swapped {value}", "经度与纬度疑似颠倒 {value}"),
    "reject_far_away": ("lies {extra} km outside the network area", "位于路网范围外 {extra} 千米"),
    "reject_no_geometry": ("no geometry", "无几何图形"),
    "reject_not_number": ("{column} = \"{value}\" is not a number", "{column} =“{value}”不是数字"),
    "reject_missing_value": ("{column} is empty", "{column} 为空"),
    "reject_negative": ("{column} = {value} is negative", "{column} = {value} 为负数"),
    "reject_no_population": ("neither population nor households is given", "人口与户数均未填写"),
    "reject_unknown_category": ("unknown category \"{value}\" in {column}", "{column} 中的类别“{value}”无法识别"),
    "reject_duplicate_id": ("id \"{value}\" repeats row {extra}", "编号“{value}”与第 {extra} 行重复"),
    "reject_off_network": ("{extra} m from the nearest street (more than the maximum snap distance)",
                           "距最近道路 {extra} 米（超过最大接入距离）"),
    "reject_entrance_outside": ("the entrance lies more than {extra} m from every compound", "该出入口距所有小区均超过 {extra} 米"),
    # the same, short, for counts
    "reason_missing_coordinates": ("coordinates missing", "缺少坐标"),
    "reason_bad_coordinates": ("coordinates not numbers", "坐标不是数字"),
    "reason_out_of_range": ("coordinates out of range", "坐标超出范围"),
    "reason_swapped": ("longitude/latitude swapped", "经纬度颠倒"),
    "reason_far_away": ("far outside the area", "远离分析范围"),
    "reason_no_geometry": ("no geometry", "无几何图形"),
    "reason_not_number": ("not a number", "数值无法识别"),
    "reason_missing_value": ("empty value", "数值为空"),
    "reason_negative": ("negative number", "数值为负"),
    "reason_no_population": ("no population or households", "无人口和户数"),
    "reason_unknown_category": ("unknown category", "类别无法识别"),
    "reason_duplicate_id": ("repeated id", "编号重复"),
    "reason_off_network": ("off the street network", "远离路网"),
    "reason_entrance_outside": ("entrance outside every compound", "出入口不在任何小区旁"),
    # the report's table of dropped rows
    "rejected_title": ("Rows dropped from the input files", "输入数据中剔除的行"),
    "rejected_intro": ("{n} bad rows were dropped and are listed in rejected_rows.csv; the run uses the other rows.",
                       "共剔除 {n} 行有误数据（详见 rejected_rows.csv），其余数据照常参与分析。"),
    "rejected_file": ("File", "文件"),
    "rejected_input": ("Input", "数据"),
    "rejected_count": ("Rows dropped", "剔除行数"),
    "rejected_reason": ("Reason", "原因"),
    "rejected_row": ("Row", "行号"),
    "rejected_values": ("Values in the file", "原始数据"),
    "rejected_more": ("… and {n} more rows in rejected_rows.csv", "……其余 {n} 行见 rejected_rows.csv"),
    "input_demand": ("Residents", "居住数据"),
    "input_facilities": ("Facilities", "现状设施"),
    "input_candidates": ("Candidate sites", "备选点位"),
    "input_demand.entrances": ("Compound entrances", "小区出入口"),
    # the console summary of ``siting run``
    "console_rejected_file": ("{input} file {name}: {rows} rows dropped ({why})",
                              "{input}文件 {name}：剔除 {rows} 行（{why}）"),
    "console_head": ("siting {version} - {name}: {residences} residences, {persons} persons",
                     "siting {version} - {name}：居住点 {residences} 处，人口 {persons} 人"),
    "console_category": ("{category}  within {threshold}  {share}  ({facilities} facilities)",
                         "{category}  {threshold}以内  {share}  （现状设施 {facilities} 处）"),
    "console_complete": ("complete circle ({basic}): {share}", "完整生活圈（{basic}）：{share}"),
    "console_plan_head": ("proposed new stations:", "规划新增站点："),
    "console_plan": ("{category}  {n} new: {before} -> {after}  ({status}, {solver}{gap})",
                     "{category}  新增 {n} 处：{before} → {after}  （{status}，{solver}{gap}）"),
    "console_gap": (", gap {gap}", "，差距 {gap}"),
    "console_rejected": ("dropped {n} bad input rows (listed in rejected_rows.csv):",
                         "剔除 {n} 行有误的输入数据（见 rejected_rows.csv）："),
    "console_wrote": ("wrote {what}: {path}", "已写出 {what}：{path}"),
    "console_done": ("done in {seconds} s", "完成，用时 {seconds} 秒"),
    "console_infeasible": ("no plan meets the target for {names} (see the reason above): exit code 1",
                           "{names} 没有能达到目标的方案（原因见上）：退出码 1"),
    "console_out_map": ("map", "地图"),
    "console_out_run_map": ("run_map", "运行目录中的地图"),
    "console_out_gpkg": ("gpkg", "GeoPackage 图层"),
    "console_out_residences_csv": ("residences_csv", "居住点表"),
    "console_out_categories_csv": ("categories_csv", "设施类别表"),
    "console_out_summary": ("summary", "摘要"),
    "console_out_report": ("report", "报告"),
    # the console of ``siting check``
    "check_head": ("siting {version} check - scenario {name}: {n} proposal(s)",
                   "siting {version} 开发项目核查 - 方案 {name}：拟建项目 {n} 个"),
    "check_pass": ("pass", "达标"),
    "check_fail": ("FAIL", "未达标"),
    "check_error": ("ERROR", "输入有误"),
    "check_line": ("{passed} pass, {failed} fail, {na} not assessable",
                   "达标 {passed} 条，未达标 {failed} 条，无法评估 {na} 条"),
    "check_failed": ("  failed: {items}", "  未达标：{items}"),
    "check_total": ("{passed} of {n} pass, {failed} fail, {errors} with input errors",
                    "{n} 个项目中达标 {passed} 个，未达标 {failed} 个，输入有误 {errors} 个"),
    "check_wrote": ("wrote {summary} and {k} report files in {out}",
                    "已写出 {summary} 及 {k} 个报告文件（{out}）"),
    "check_done": ("done in {seconds} s (exit code {code})", "完成，用时 {seconds} 秒（退出码 {code}）"),
    # what ran (solver_name): the search and the heuristics by name; HiGHS and CBC stay
    "solver_search": ("search", "局部搜索"),
    "solver_greedy": ("greedy", "贪心算法"),
    "solver_swap": ("swap", "交换改进"),
    "solver_heuristic": ("heuristic", "启发式"),
    # the stage lines of a run (logged; the console shows them)
    "stage_network": ("{nodes} nodes, {edges} street segments, CRS {crs}",
                      "{nodes} 个节点、{edges} 个路段，坐标系 {crs}"),
    "stage_oneway": (", {n} one-way", "，其中单行 {n} 段"),
    "stage_lines": ("; line layer: {repairs}", "；线图层：{repairs}"),
    "stage_demand": ("{n} residences, {persons} persons", "居住点 {n} 处，人口 {persons} 人"),
    "stage_facilities": ("{n} facilities read", "读取 {n} 处"),
    "stage_access_points": ("{points} access points of {n} residences, {off} unreachable",
                            "{n} 处居住点的接入点 {points} 个，不可达 {off} 处"),
    "stage_candidates": ("{n} candidate sites", "共 {n} 个"),
    "stage_coverage": ("{n} categories; complete-circle share {share}",
                       "设施类别 {n} 类；完整生活圈覆盖率 {share}"),
    "stage_categories": ("{n} categories", "设施类别 {n} 类"),
    "stage_count": ("{n} {what}", "{what} {n} 项"),
    "stage_gini": ("{category}: Gini {gini}", "{category}：基尼系数 {gini}"),
    "stage_plan": ("{category}: {n} new, {before} -> {after} ({status})",
                   "{category}：新增 {n} 处，{before} → {after}（{status}）"),
    "stage_facilities_net": ("facilities on the network: {n} in {k} of {m} categories",
                             "路网上的现状设施：{n} 处，涉及 {k} 类（共 {m} 类）"),
    "stage_rejected": ("rejected: {line}", "剔除：{line}"),
    "stage_sep": ("; ", "；"),
    # notes on the inputs
    "note_demand_file": ("Residents from {file}: {n} residences, {persons} persons.", "居民数据来自 {file}：{n} 个居住点，共 {persons} 人。"),
    "note_grid": ("Residents from the population grid {file}: {n} populated cells, {persons} persons.",
                  "居民数据来自人口格网 {file}：{n} 个有人口的格网单元，共 {persons} 人。"),
    "note_households_only": ("{n} of {total} residences give households only: population = households × {size} persons per "
                             "household ({why}).",
                             "{total} 个居住点中有 {n} 个仅有户数：人口 = 户数 × 户均人口 {size} 人（{why}）。"),
    "size_census": ("China's 2020 census average", "第七次全国人口普查全国平均家庭户规模"),
    "size_scenario": ("set in the scenario", "情景设定值"),
    "note_compounds": ("{n} compounds are polygons: their residents reach the streets through {entrances} entrances and "
                       "{boundary} points where outlines meet streets; {interior} compounds touched by no street are "
                       "reached from a point inside.",
                       "{n} 个小区为面数据：居民经 {entrances} 个出入口和 {boundary} 个小区边界与道路交汇点进入路网；"
                       "另有 {interior} 个小区边界不临路，按小区内部点接入。"),
    "note_rejected": ("{n} bad rows of the input files were dropped (listed in rejected_rows.csv).",
                      "输入数据中 {n} 行有误，已剔除（见 rejected_rows.csv）。"),
    "note_oneway": ("One-way streets kept (drive): {oneway} of {edges} street segments are one-way; every distance is "
                    "measured from the residence to the facility, in the allowed direction.",
                    "驾车路网考虑单行道：{edges} 个路段中 {oneway} 个为单行；距离均按允许的行驶方向从住所量到设施。"),
    "note_lines": ("Street network from the road centreline layer {file}: {lines} lines became {nodes} nodes and {edges} "
                   "street segments ({repairs}).",
                   "路网来自道路中心线图层 {file}：{lines} 条线生成 {nodes} 个节点、{edges} 个路段（{repairs}）。"),
    "list_sep": (", ", "，"),
    "repair_none": ("no repairs needed", "无需修复"),
    "repair_empty_dropped": ("{n} empty features dropped", "删除空要素 {n} 个"),
    "repair_non_lines_dropped": ("{n} non-line features dropped", "删除非线要素 {n} 个"),
    "repair_class_dropped": ("{n} lines of classes not walked dropped", "删除不可步行等级道路 {n} 条"),
    "repair_multipart_split": ("{n} multi-lines split", "拆分多部件线 {n} 条"),
    "repair_zero_length_dropped": ("{n} zero-length lines dropped", "删除零长度线 {n} 条"),
    "repair_endpoints_merged": ("{n} line ends merged", "合并相近端点 {n} 个"),
    "repair_dangles_snapped": ("{n} short line ends joined to a street", "悬挂端点接入道路 {n} 个"),
    "repair_junctions_split": ("lines split at {n} T-junctions", "在 {n} 处丁字路口打断"),
    "repair_crossings_split": ("lines split at {n} crossings", "在 {n} 处平交路口打断"),
    "repair_grade_separated": ("{n} grade-separated crossings kept apart", "{n} 处立体交叉（桥梁、隧道）不连通"),
})

def _table() -> dict[str, tuple[str, str]]:
    from siting.standards.categories import load_categories  # lazy: standards imports this module

    out = dict(_LEVELS)
    for key, cat in load_categories().items():
        out[key] = (cat.name_en, cat.name_zh)
    out.update(LABELS)
    return out


def label(key: str, lang: str = "en", **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    Parameters
    ----------
    key : str
        A key of :data:`LABELS`, a category key (``"pharmacy"``) or a level key (``"15min"``).
    lang : str
        ``"en"`` or ``"zh"`` (``"zh-CN"`` and the like are accepted).

    Raises
    ------
    InputError
        For an unknown language, or an unknown key (with the closest known keys).
    """
    idx = LANGUAGES.index(normalise_lang(lang))
    table = _table()
    if key not in table:
        close = difflib.get_close_matches(str(key), list(table), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise InputError(Msg("no label for {key!r}{hint}: add it to siting.standards.labels.LABELS", key=key, hint=hint))
    text = table[key][idx]
    return text.format(**values) if values else text


def label_or(key: str, lang: str = "en", default: str | None = None) -> str:
    """:func:`label` of ``key`` in ``lang``, or ``default`` (``key`` itself when None) where
    :func:`label` has none — for values from data or solvers that may or may not be keys
    (a miss is a dictionary lookup: no error message with close matches is built)."""
    fallback = str(key) if default is None else default
    if key not in _table():
        return fallback
    try:
        return label(key, lang)
    except InputError:  # an unknown language
        return fallback


def labels(lang: str = "en", keys: Iterable[str] | None = None) -> dict[str, str]:
    """Labels in ``lang`` as a dict: all of them, or those for ``keys``.

    With ``keys`` (e.g. a table's columns), a key without a label maps to itself, so that
    ``df.rename(columns=labels("zh", df.columns))`` translates what it can and keeps the rest.
    """
    idx = LANGUAGES.index(normalise_lang(lang))
    table = _table()
    if keys is None:
        return {k: v[idx] for k, v in table.items()}
    return {k: table[k][idx] if k in table else k for k in keys}


def _pct(x: float | None, lang: str) -> str:
    if x is None or x != x:
        return "–"
    return f"{100 * float(x):.1f}{'%' if normalise_lang(lang) == 'zh' else ' %'}"


def plan_reason(
    status: str,
    lang: str = "en",
    *,
    model: str = "",
    target: float | None = None,
    reachable_share: float | None = None,
    gap: float | None = None,
    has_plan: bool = True,
    message: str = "",
) -> str:
    """Why a plan has its status, as one sentence in ``lang`` ("" for an optimal plan).

    Built from the plan's structured fields (``status``, ``model``, ``reachable_share``, ``gap``)
    and the run's ``target`` (a share, 0–1), so that the zh text is Chinese throughout. English
    falls back to the optimizer's own ``message`` for a case not listed here.

    >>> plan_reason("infeasible", "en", model="target_cover", target=1.0, reachable_share=0.6018)
    'target 100.0 % cannot be reached: existing and candidate sites together cover at most 60.2 % of the residents; lower the target or add candidate sites'
    """
    values = {"target": _pct(target, lang), "reach": _pct(reachable_share, lang), "gap": _pct(gap, lang)}
    key = None
    if status == "infeasible":
        if model == "multi":
            key = "reason_targets"
        elif "capacitated" in model and reachable_share is not None and target is not None:
            key = "reason_capacity"
        elif reachable_share is not None and target is not None:
            key = "reason_unreachable"
        else:
            key = "reason_infeasible"
    elif status == "time_limit":
        key = "reason_time_limit" if has_plan else "reason_no_plan"
    elif status == "heuristic":
        key = "reason_heuristic"
    if key is None:
        return ""
    if normalise_lang(lang) == "en" and key == "reason_infeasible" and message:
        return message
    return label(key, lang, **values)


#: Solvers shown by their own names in every language.
_SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}


def solver_name(solver: str, lang: str) -> str:
    """What ran for a plan (``"search+highs"``, ``"greedy+swap"`` …) in ``lang``: HiGHS and CBC
    by their names, the local search and the heuristics named in ``lang``; ``"—"`` when
    nothing ran (the plan needed no solver).

    >>> solver_name("search+highs", "zh")
    '局部搜索+HiGHS'
    """
    parts = [x for x in str(solver or "").split("+") if x and x != "nan"]
    if not parts:
        return "—"
    return "+".join(_SOLVER_NAMES.get(x) or label_or(f"solver_{x}", lang, x) for x in parts)
