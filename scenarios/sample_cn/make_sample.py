"""Generate the synthetic sample area 示例新区 (SYNTHETIC: no real place) in Chinese data conventions.

No Chinese street network can be had offline, so this sample is generated. Its files are what
a planning bureau hands over, with the quirks such files have:

==========================  =====================================================================
file                        what it is
==========================  =====================================================================
``roads.shp``               road centrelines (道路中心线) in CGCS2000 / 3-degree Gauss-Kruger
                            CM 114E (EPSG:4547), DBF in GBK **without** a ``.cpg`` (siting detects
                            the encoding); Chinese road names (名称) and classes (道路等级). Streets
                            are long lines across junctions (not split), one street is drawn in two
                            pieces 0.7 m apart, a lane ends 0.6 m short of the road it meets, an
                            elevated expressway (快速路, 桥梁 = 是, 层 = 1) crosses the grid without
                            junctions, and a pedestrian underpass (隧道 = 是) passes under 新华街.
``compounds.shp``           residential compounds (小区) as polygons with 名称 and 户数 (households
                            only, no population), EPSG:4547, DBF in GBK with a ``.cpg``; one
                            compound's 户数 is "待核实" (to be checked): a bad row.
``entrances.geojson``       the gates (出入口) of most compounds, WGS84 (园区公寓 has none: a street
                            runs through it; 幸福小区 has none and no street meets it).
``poi_amap.csv``            an Amap-style POI list (高德 POI 导出) saved from Excel as GBK: 名称, 类型,
                            typecode, 地址, 经度/纬度 in GCJ-02; with three bad rows (no
                            coordinates, latitude and longitude swapped, a repeated id) and POIs of
                            categories the scenario does not use.
``planned_sites.xlsx``      candidate sites for new stations (规划点位) on sheet "规划点位" (the first
                            sheet "说明" is a note), X/Y in EPSG:4547, cost in 万元, floor area,
                            the categories each may host (Chinese names, 、-separated).
==========================  =====================================================================

Run ``python scenarios/sample_cn/make_sample.py [folder]`` to write them (default: this folder);
``scenarios/sample_cn.toml`` analyses them offline in Chinese. The coordinates sit near 112.75°E,
37.70°N only so that the CRS and the GCJ-02 offsets are those of a real Chinese city; the streets,
compounds, households and services are invented.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import LineString, Point, box

CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
X0, Y0 = 389_300.0, 4_174_400.0  # the area's south-west corner, metres (near 112.745°E, 37.695°N)
INSET = 12.0  # compounds are set back from the road centrelines (half a road's width)
SYNTHETIC = "合成示例数据，非真实地点 (synthetic sample, not a real place)"


def _xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def _line(*pts: tuple[float, float]) -> LineString:
    return LineString([_xy(*p) for p in pts])


def roads() -> gpd.GeoDataFrame:
    """Road centrelines as a bureau draws them (see the module docstring)."""
    rows = [
        # name, class, bridge, tunnel, layer, geometry (local metres)
        ("迎宾路", "主干路", "否", "否", 0, _line((-50, 0), (1650, 0))),
        ("新华街", "次干路", "否", "否", 0, _line((-50, 400), (999.6, 400))),
        ("新华街", "次干路", "否", "否", 0, _line((1000.3, 400.0), (1650, 400))),  # drawn in two pieces, 0.7 m apart
        ("文化路", "次干路", "否", "否", 0, _line((-50, 800), (1650, 800))),
        ("滨河路", "主干路", "否", "否", 0, _line((-50, 1200), (1650, 1200))),
        ("锦纶路", "次干路", "否", "否", 0, _line((0, -50), (0, 1250))),
        ("安宁街", "支路", "否", "否", 0, _line((400, -50), (400, 1250))),
        ("中心大道", "主干路", "否", "否", 0, _line((800, -50), (800, 1250))),
        ("顺城街", "支路", "否", "否", 0, _line((1200, -50), (1200, 1250))),
        ("东环路", "主干路", "否", "否", 0, _line((1600, -50), (1600, 1250))),
        ("书院巷", "支路", "否", "否", 0, _line((200, 0.6), (200, 400))),  # ends 0.6 m short of 迎宾路
        ("和平巷", "支路", "否", "否", 0, _line((400, 600), (800, 600))),
        ("幸福里", "支路", "否", "否", 0, _line((800, 1000), (1200, 1000))),
        ("园区路", "支路", "否", "否", 0, _line((1400, 400), (1400, 800))),  # runs through 园区公寓
        ("人行地道", "支路", "否", "是", -1, _line((600, 0), (600, 600))),  # under 新华街, no junction there
        ("城市快速路", "快速路", "是", "否", 1, _line((-50, 1100), (1650, 150))),  # elevated, crosses the grid
    ]
    return gpd.GeoDataFrame(
        {"名称": [r[0] for r in rows], "道路等级": [r[1] for r in rows], "桥梁": [r[2] for r in rows],
         "隧道": [r[3] for r in rows], "层": [r[4] for r in rows]},
        geometry=[r[5] for r in rows], crs=CRS,
    )


def _compound(x0: float, y0: float, x1: float, y1: float) -> object:
    return box(*_xy(x0 + INSET, y0 + INSET), *_xy(x1 - INSET, y1 - INSET))


#: name, households (户数, text as in the file), block (local metres)
COMPOUNDS = [
    ("锦绣家园", "420", (0, 0, 200, 400)),
    ("书香苑", "380", (200, 0, 400, 400)),
    ("阳光花园", "650", (0, 400, 400, 800)),
    ("和平里", "510", (400, 600, 800, 800)),
    ("翠湖名邸", "760", (800, 0, 1200, 400)),
    ("金色港湾", "待核实", (1200, 0, 1600, 400)),  # households not yet known: a bad row
    ("枫林雅居", "590", (800, 400, 1200, 800)),
    ("园区公寓", "880", (1200, 400, 1600, 800)),
    ("文化新村", "1,050", (0, 800, 400, 1200)),  # a thousands separator, as Excel writes it
    ("康乐苑", "470", (400, 800, 800, 1200)),
    ("幸福小区", "300", (800, 800, 1200, 1000)),
    ("滨河花园", "540", (800, 1000, 1200, 1200)),
    ("东方明珠苑", "820", (1200, 800, 1600, 1200)),
]


def compounds() -> gpd.GeoDataFrame:
    """Residential compounds with 名称 and 户数 (households only)."""
    return gpd.GeoDataFrame(
        {"编号": [f"XQ{i + 1:03d}" for i in range(len(COMPOUNDS))], "名称": [c[0] for c in COMPOUNDS],
         "户数": [c[1] for c in COMPOUNDS]},
        geometry=[_compound(*c[2]) for c in COMPOUNDS], crs=CRS,
    )


def entrances() -> gpd.GeoDataFrame:
    """Gates of some compounds, on their outlines facing a street (WGS84 points)."""
    gates = [
        ("锦绣家园南门", (100, INSET)), ("锦绣家园东门", (200 - INSET, 250)),
        ("书香苑西门", (200 + INSET, 150)),
        ("阳光花园北门", (200, 800 - INSET)), ("阳光花园东门", (400 - INSET, 500)),
        ("翠湖名邸西门", (800 + INSET, 200)), ("翠湖名邸北门", (1000, 400 - INSET)),
        ("东方明珠苑南门", (1400, 800 + INSET)),
        ("枫林雅居南门", (1000, 400 + INSET)), ("枫林雅居西门", (800 + INSET, 600)),
        ("和平里南门", (600, 600 + INSET)), ("和平里北门", (600, 800 - INSET)),
        ("文化新村南门", (200, 800 + INSET)), ("文化新村东门", (400 - INSET, 1000)),
        ("康乐苑南门", (600, 800 + INSET)), ("康乐苑东门", (800 - INSET, 1000)),
        ("滨河花园南门", (1000, 1000 + INSET)), ("滨河花园北门", (1000, 1200 - INSET)),
    ]
    g = gpd.GeoDataFrame({"名称": [n for n, _ in gates]}, geometry=[Point(_xy(*p)) for _, p in gates], crs=CRS)
    return g.to_crs(4326)


#: id, name, Amap type, typecode, address, local position (metres) — or None for a bad row
POIS = [
    ("B0FFA00001", "美宜佳便利店(迎宾路店)", "购物服务;便民商店/便利店;便民商店/便利店", "060200", "迎宾路12号", (300, 10)),
    ("B0FFA00002", "好邻居便利店", "购物服务;便民商店/便利店;便民商店/便利店", "060200", "文化路88号", (600, 810)),
    ("B0FFA00003", "7-ELEVEn(中心大道店)", "购物服务;便民商店/便利店;7-ELEVEn", "060201", "中心大道201号", (810, 300)),
    ("B0FFA00004", "唐久便利", "购物服务;便民商店/便利店;便民商店/便利店", "060200", "顺城街6号", (1190, 1100)),
    ("B0FFA00005", "华联超市", "购物服务;超级市场;超市", "060400", "新华街100号", (700, 410)),
    ("B0FFA00006", "美特好超市", "购物服务;超级市场;超市", "060400", "东环路18号", (1590, 900)),
    ("B0FFA00007", "老百姓大药房", "医疗保健服务;医药保健销售店;药房", "090601", "中心大道66号", (790, 700)),
    ("B0FFA00008", "国大药房", "医疗保健服务;医药保健销售店;药房", "090601", "迎宾路220号", (1300, 10)),
    ("B0FFA00009", "新华街社区卫生服务站", "医疗保健服务;诊所;诊所", "090300", "新华街30号", (150, 390)),
    ("B0FFA00010", "童心幼儿园", "科教文化服务;学校;幼儿园", "141204", "和平巷5号", (500, 610)),
    ("B0FFA00011", "文化路社区服务中心", "政府机构及社会团体;社会团体;社区中心", "120304", "文化路20号", (300, 790)),
    ("B0FFA00012", "迎宾公园", "风景名胜;公园广场;公园", "110101", "新华街与安宁街交叉口", (480, 388)),
    ("B0FFA00013", "中国邮政(新区支局)", "生活服务;邮局;邮局", "070400", "中心大道120号", (810, 1150)),
    ("B0FFA00014", "菜鸟驿站(阳光花园店)", "生活服务;物流速递;物流速递", "070500", "锦纶路9号", (10, 600)),
    ("B0FFA00015", "兰州牛肉面", "餐饮服务;中餐厅;中餐厅", "050100", "新华街55号", (1100, 410)),
    ("B0FFA00016", "肯德基(中心大道店)", "餐饮服务;快餐厅;肯德基", "050301", "中心大道8号", (790, 60)),
    ("B0FFA00017", "中国银行(新区支行)", "金融保险服务;银行;中国银行", "160105", "文化路150号", (1000, 790)),
    ("B0FFA00018", "便民便利店", "购物服务;便民商店/便利店;便民商店/便利店", "060200", "", None),  # no coordinates
    ("B0FFA00019", "一心堂药店", "医疗保健服务;医药保健销售店;药房", "090601", "东环路66号", "swap"),  # lat, lon swapped
    ("B0FFA00005", "华联超市(重复)", "购物服务;超级市场;超市", "060400", "新华街100号", (705, 410)),  # a repeated id
]


def poi_table() -> pd.DataFrame:
    """The Amap-style POI list: GCJ-02 coordinates as Amap gives them."""
    from siting.inputs.coords import wgs84_to_gcj02

    to_ll = gpd.GeoSeries([Point(_xy(*p)) if isinstance(p, tuple) else Point(_xy(1590, 600)) for *_, p in POIS], crs=CRS).to_crs(4326)
    glon, glat = wgs84_to_gcj02(to_ll.x.to_numpy(), to_ll.y.to_numpy())
    rows = []
    for (pid, name, kind, code, addr, pos), lon, lat in zip(POIS, glon, glat):
        lon_s, lat_s = f"{lon:.6f}", f"{lat:.6f}"
        if pos is None:
            lon_s = lat_s = ""
        elif pos == "swap":
            lon_s, lat_s = lat_s, lon_s
        rows.append({"id": pid, "名称": name, "类型": kind, "typecode": code, "地址": addr, "经度": lon_s, "纬度": lat_s})
    return pd.DataFrame(rows)


#: id, name, local position, cost (万元), floor area (m²), categories it may host
SITES = [
    ("GH01", "翠湖名邸配套用房", (1000, 15), 120, 400, "社区卫生服务站、幼儿园"),
    ("GH02", "金色港湾社区用房", (1400, 388), 90, 300, "社区卫生服务站"),
    ("GH03", "东方明珠苑配套", (1400, 1188), 150, 600, "幼儿园、社区卫生服务站"),
    ("GH04", "滨河花园底商", (1000, 1012), 80, 250, "社区卫生服务站"),
    ("GH05", "康乐苑活动中心", (600, 812), 110, 500, "幼儿园"),
    ("GH06", "枫林雅居配套", (1000, 788), 100, 350, "社区卫生服务站、幼儿园"),
    ("GH07", "阳光花园会所", (388, 700), 95, 320, "幼儿园、社区卫生服务站"),
]


def write_sites(path: Path) -> None:
    """The planned sites workbook: a note sheet, then the sites (X/Y in EPSG:4547)."""
    import openpyxl

    wb = openpyxl.Workbook()
    note = wb.active
    note.title = "说明"
    note.append(["示例新区规划点位表"])
    note.append([SYNTHETIC])
    note.append(["坐标系：CGCS2000 / 3度带高斯-克吕格投影 中央经线114°E（EPSG:4547）"])
    ws = wb.create_sheet("规划点位")
    ws.append(["编号", "名称", "X坐标", "Y坐标", "造价（万元）", "建筑面积（m²）", "可设类别"])
    for sid, name, (x, y), cost, area, cats in SITES:
        ws.append([sid, name, round(X0 + x, 2), round(Y0 + y, 2), cost, area, cats])
    wb.properties.created = wb.properties.modified = __import__("datetime").datetime(2026, 1, 1)
    wb.save(path)


def write_all(folder: str | Path) -> dict[str, Path]:
    """Write every file of the sample into ``folder``; returns their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / v for k, v in (("roads", "roads.shp"), ("compounds", "compounds.shp"), ("entrances", "entrances.geojson"),
                                     ("pois", "poi_amap.csv"), ("sites", "planned_sites.xlsx"))}
    pyogrio.write_dataframe(roads(), paths["roads"], encoding="GBK")
    paths["roads"].with_suffix(".cpg").unlink()  # as many bureau exports: no .cpg, the DBF is GBK
    pyogrio.write_dataframe(compounds(), paths["compounds"], encoding="GBK")  # with its .cpg
    if paths["entrances"].exists():
        paths["entrances"].unlink()
    pyogrio.write_dataframe(entrances(), paths["entrances"], driver="GeoJSON")
    poi_table().to_csv(paths["pois"], index=False, encoding="gbk")
    write_sites(paths["sites"])
    return paths


if __name__ == "__main__":  # pragma: no cover - a script
    for k, p in write_all(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent).items():
        print(f"wrote {k}: {p}")
    print(SYNTHETIC)
