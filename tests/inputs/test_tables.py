"""Files as Excel writes them: every encoding, separator and Excel variant of one table gives
identical residences; numbers with thousands separators and decimal commas; column names."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from siting.errors import InputError
from siting.inputs import ReadOptions, demand_from_file, facilities_from_file, find_column, parse_numbers, read_table
from siting.standards import resolve_categories

CRS = "EPSG:32650"

#: one table of compounds near Beijing (lon, lat as text with 6 decimals)
ROWS = [
    ("XQ1", "和平里小区", "116.400100", "39.900200", "1234", "470"),
    ("XQ2", "阳光花园", "116.401500", "39.901000", "860", ""),
    ("XQ3", "书香苑", "116.402700", "39.899900", "", "300"),
    ("XQ4", "Riverside Court", "116.403300", "39.902500", "2050.5", "780"),
]
HEAD_EN = ["id", "name", "lon", "lat", "population", "households"]
HEAD_ZH = ["编号", "名称", "经度", "纬度", "人口（人）", "户数"]


def _csv(rows, head, sep=",", decimal=".", thousands=False) -> str:
    out = [sep.join(head)]
    for r in rows:
        cells = list(r)
        for k in (2, 3, 4):
            v = cells[k]
            if thousands and k == 4 and v and float(v) >= 1000:
                whole, _, frac = v.partition(".")
                v = f"{int(whole):,}" + (f".{frac}" if frac else "")
            if decimal == ",":
                v = v.replace(",", " ").replace(".", ",") if thousands else v.replace(".", ",")
            cells[k] = f'"{v}"' if sep == "," and "," in v else v
        out.append(sep.join(cells))
    return "\r\n".join(out) + "\r\n"


def _xlsx(path, head, rows, sheet="小区", first_sheet=True):
    wb = openpyxl.Workbook()
    if first_sheet:
        wb.active.title = "说明"
        wb.active.append(["这是说明页"])
        ws = wb.create_sheet(sheet)
    else:
        ws = wb.active
        ws.title = sheet
    ws.append(head)
    for r in rows:  # numbers as numbers, empty cells as None, the way Excel stores them
        ws.append([r[0], r[1], float(r[2]), float(r[3]), float(r[4]) if r[4] else None, int(r[5]) if r[5] else None])
    wb.save(path)


VARIANTS = {
    "utf8": lambda p: p.write_bytes(_csv(ROWS, HEAD_EN).encode("utf-8")),
    "utf8_bom_chinese_headers": lambda p: p.write_bytes(_csv(ROWS, HEAD_ZH).encode("utf-8-sig")),
    "gbk": lambda p: p.write_bytes(_csv(ROWS, HEAD_ZH).encode("gbk")),
    "gb18030": lambda p: p.write_bytes(_csv(ROWS, HEAD_ZH).encode("gb18030")),
    "utf16_tab": lambda p: p.write_bytes(_csv(ROWS, HEAD_ZH, sep="\t").encode("utf-16")),  # Excel "Unicode text"
    "utf16le_no_bom": lambda p: p.write_bytes(_csv(ROWS, HEAD_EN, sep="\t").encode("utf-16-le")),
    "semicolon_decimal_comma": lambda p: p.write_bytes(_csv(ROWS, HEAD_EN, sep=";", decimal=",").encode("utf-8")),
    "semicolon_decimal_comma_thousands": lambda p: p.write_bytes(
        _csv(ROWS, HEAD_EN, sep=";", decimal=",", thousands=True).encode("gbk")),
    "thousands_quoted": lambda p: p.write_bytes(_csv(ROWS, HEAD_EN, thousands=True).encode("utf-8")),
    "tab": lambda p: p.write_bytes(_csv(ROWS, HEAD_ZH, sep="\t").encode("utf-8")),
}


def _load(path, **opts):
    return demand_from_file(path, to_crs=CRS, options=ReadOptions(**opts), household_size=2.5)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    p = tmp_path_factory.mktemp("clean") / "d.csv"
    VARIANTS["utf8"](p)
    return _load(p)


def _same(a, b):
    cols = ["rid", "name", "population", "households", "population_estimated", "households_estimated"]
    pd.testing.assert_frame_equal(pd.DataFrame(a[cols]), pd.DataFrame(b[cols]))
    np.testing.assert_array_equal(np.c_[a.geometry.x, a.geometry.y], np.c_[b.geometry.x, b.geometry.y])


def test_the_clean_table_by_hand(clean):
    assert clean["rid"].tolist() == ["XQ1", "XQ2", "XQ3", "XQ4"]
    assert clean["name"].tolist() == ["和平里小区", "阳光花园", "书香苑", "Riverside Court"]
    # XQ2 has no households: 860 / 2.5; XQ3 has households only: 300 × 2.5
    np.testing.assert_allclose(clean["population"], [1234, 860, 750, 2050.5])
    np.testing.assert_allclose(clean["households"], [470, 344, 300, 780])
    assert clean["population_estimated"].tolist() == [False, False, True, False]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_encoding_and_separator_gives_the_same_residences(tmp_path, clean, variant):
    p = tmp_path / ("d.txt" if "tab" in variant else "d.csv")
    VARIANTS[variant](p)
    _same(_load(p), clean)


@pytest.mark.parametrize("first_sheet", [True, False])
def test_xlsx_gives_the_same_residences(tmp_path, clean, first_sheet):
    p = tmp_path / "d.xlsx"
    _xlsx(p, HEAD_ZH, ROWS, first_sheet=first_sheet)
    sheet = "小区" if first_sheet else None
    _same(_load(p, sheet=sheet), clean)
    if first_sheet:
        _same(_load(p, sheet=2), clean)  # by number, counted from 1
        with pytest.raises(InputError, match="'说明', '小区'"):
            _load(p, sheet="Sheet9")
        with pytest.raises(InputError, match="has no longitude column"):
            _load(p)  # the first sheet is the note


def test_forced_encoding_and_options(tmp_path, clean):
    p = tmp_path / "d.csv"
    VARIANTS["gbk"](p)
    _same(_load(p, encoding="GBK"), clean)
    with pytest.raises(InputError, match="is not utf-16"):
        _load(p, encoding="utf-16")
    with pytest.raises(InputError, match="not an encoding Python knows"):
        _load(p, encoding="klingon")
    # named columns win over the common names
    q = tmp_path / "e.csv"
    q.write_text(_csv(ROWS, ["code", "title", "X_deg", "Y_deg", "residents_total", "hh_total"]), encoding="utf-8")
    got = demand_from_file(q, to_crs=CRS, household_size=2.5, id_column="code", name_column="title",
                           population="residents_total", households="hh_total",
                           options=ReadOptions(lon_column="X_deg", lat_column="Y_deg"))
    _same(got, clean)
    with pytest.raises(InputError, match="no longitude column"):
        demand_from_file(q, to_crs=CRS)


def test_old_xls_and_a_semicolon_file_read_with_the_wrong_separator(tmp_path):
    (tmp_path / "d.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"\.xlsx"):
        _load(tmp_path / "d.xls")
    p = tmp_path / "d.csv"
    VARIANTS["semicolon_decimal_comma"](p)
    with pytest.raises(InputError, match="sep"):
        _load(p, sep=",")


def test_amap_gbk_export_with_chinese_headers(tmp_path):
    text = "名称,类型,typecode,经度,纬度\r\n老百姓大药房,医疗保健服务;医药保健销售店;药房,090601,116.4001,39.9002\r\n" \
           "美宜佳,购物服务;便民商店/便利店,060200,116.4015,39.9010\r\n"
    (tmp_path / "poi.csv").write_bytes(text.encode("gbk"))
    fac = facilities_from_file(tmp_path / "poi.csv", resolve_categories(["pharmacy", "convenience_store"]), to_crs=CRS)
    assert fac["category"].tolist() == ["pharmacy", "convenience_store"]
    assert fac["name"].tolist() == ["老百姓大药房", "美宜佳"]


def test_parse_numbers_by_hand():
    v, bad = parse_numbers(["1", "1,234", "1 234", "", "abc", "-0.5", "１２３", "1e3", "116,4", None, 3.5, "12,34"])
    np.testing.assert_array_equal(v[[0, 1, 2, 5, 6, 7, 10]], [1, 1234, 1234, -0.5, 123, 1000, 3.5])
    assert np.isnan(v[[3, 4, 8, 9, 11]]).all()
    assert bad.tolist() == [False, False, False, False, True, False, False, False, True, False, False, True]
    v, bad = parse_numbers(["1.234,5", "116,4", "12", "", "1.5.6"], decimal=",")
    np.testing.assert_array_equal(v[:3], [1234.5, 116.4, 12])
    assert bad.tolist() == [False, False, False, False, True]


def test_find_column_names():
    cols = ["编号", "小区名称", "经度(GCJ-02)", "纬度", "常住人口（人）", "户数", "Typecode"]
    assert find_column(cols, None, "lon") == "经度(GCJ-02)"
    assert find_column(cols, None, "name") == "小区名称"
    assert find_column(cols, None, "population") == "常住人口（人）"
    assert find_column(cols, None, "households") == "户数"
    assert find_column(cols, None, "typecode") == "Typecode"
    assert find_column(cols, "TYPECODE", None) == "Typecode"
    assert find_column(cols, None, "category") is None


def test_blank_rows_keep_the_row_numbers(tmp_path):
    (tmp_path / "d.csv").write_text("lon,lat,population\n116.4,39.9,10\n\n,,\n116.41,39.91,20\n", encoding="utf-8")
    t = read_table(tmp_path / "d.csv")
    assert t.rows.tolist() == [2, 5] and t.frame["population"].tolist() == ["10", "20"]
