"""The sample area in Chinese conventions (synthetic) runs end to end, offline, in Chinese:
a GBK road Shapefile in CGCS2000, 小区 with 户数 only, gates, an Amap GBK POI list in GCJ-02 and an
.xlsx of planned sites; the report has no English left in the text siting's input code adds."""

from __future__ import annotations

import html
import importlib.util
import json
import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest

from _util import ROOT
from siting.cli import main
from siting.standards import LABELS

SAMPLE = ROOT / "scenarios" / "sample_cn"


def _generator():
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_shipped_files_are_what_the_generator_writes(tmp_path):
    from siting.network import read_lines

    gen = _generator()
    gen.write_all(tmp_path)
    assert not (SAMPLE / "roads.cpg").exists() and (SAMPLE / "compounds.cpg").read_text() == "GBK"
    for name in ("roads.shp", "compounds.shp", "entrances.geojson"):
        a, b = read_lines(SAMPLE / name), read_lines(tmp_path / name)
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
        assert all(x.equals_exact(y, 1e-6) for x, y in zip(a.geometry, b.geometry))
    assert read_lines(SAMPLE / "roads.shp")["名称"].iloc[0] == "迎宾路"  # GBK without .cpg, detected
    assert (SAMPLE / "poi_amap.csv").read_bytes() == (tmp_path / "poi_amap.csv").read_bytes()
    (SAMPLE / "poi_amap.csv").read_bytes().decode("gbk")  # GBK, as Excel saves it on a Chinese Windows
    wa, wb = openpyxl.load_workbook(SAMPLE / "planned_sites.xlsx"), openpyxl.load_workbook(tmp_path / "planned_sites.xlsx")
    assert wa.sheetnames == wb.sheetnames == ["说明", "规划点位"]
    for s in wa.sheetnames:
        assert [list(r) for r in wa[s].iter_rows(values_only=True)] == [list(r) for r in wb[s].iter_rows(values_only=True)]
    assert gpd.read_file(SAMPLE / "roads.shp").crs.to_epsg() == 4547
    assert "合成" in (SAMPLE / "make_sample.py").read_text(encoding="utf-8")  # labelled synthetic


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"(src|href)=(['\"]).*?\2", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def _section(page: str, start: str, end: str) -> str:
    i = page.index(start)
    return page[i: page.index(end, i)]


@pytest.mark.slow
def test_sample_cn_runs_offline_in_chinese(tmp_path):
    out, map_ = tmp_path / "out", tmp_path / "sample_cn.html"
    code = main(["-q", "run", str(ROOT / "scenarios" / "sample_cn.toml"), "--out", str(out), "--map", str(map_),
                 "--no-progress"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # 12 compounds with households only (金色港湾's 户数 is "待核实": dropped); population = 户数 × 2.62
    comp = gpd.read_file(out / "sample_cn.gpkg", layer="compounds")
    assert len(comp) == 12 and "金色港湾" not in set(comp["name"]) and "文化新村" in set(comp["name"])
    households = sum(int(h.replace(",", "")) for _, h, _ in _generator().COMPOUNDS if h != "待核实")
    assert summary["counts"]["households"] == pytest.approx(households)
    assert summary["counts"]["population"] == pytest.approx(households * 2.62)
    assert (comp["population"] == comp["households"] * 2.62).all()
    res = pd.read_csv(out / "residences.csv")
    assert res["name"].tolist() == comp["name"].tolist()
    # the line layer's repairs: the expressway left out, the 0.7 m gap and the 0.6 m short lane joined,
    # the underpass kept apart from 新华街
    rep = summary["network_repairs"]
    assert rep["class_dropped"] == 1 and rep["endpoints_merged"] == 2 and rep["dangles_snapped"] == 1
    assert rep["grade_separated"] == 1
    # bad rows: the compound, and three POIs (no coordinates, swapped, a repeated id)
    rej = pd.read_csv(out / "rejected_rows.csv")
    assert list(zip(rej["file"], rej["row"], rej["reason"])) == [
        ("compounds.shp", 6, "not_number"), ("poi_amap.csv", 19, "missing_coordinates"),
        ("poi_amap.csv", 20, "swapped"), ("poi_amap.csv", 21, "duplicate_id")]
    assert rej["detail"].iloc[0] == "户数 =“待核实”不是数字"
    assert {"compounds", "access_points"} <= {n for n, _ in pyogrio.list_layers(out / "sample_cn.gpkg")}
    # planned sites from the .xlsx, by their names
    prop = pd.read_csv(out / "proposed_sites.csv")
    assert len(prop) == 4 and set(prop["name"]) <= {s[1] for s in _generator().SITES}

    page = (out / "report.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "OpenStreetMap" not in page  # no OSM data in this run, so no OSM credit
    # no English text of what the input code adds: rejected rows, notes on the inputs
    for key, (en, _) in LABELS.items():
        if key.startswith(("reject_", "reason_", "rejected_", "input_", "note_", "repair_", "size_")):
            fixed = re.split(r"\{[^}]*\}", en)
            longest = max(fixed, key=len).strip(" .,()")
            if len(longest) >= 8:
                assert longest not in text, (key, longest)
    # and what those parts say is Chinese: strip what comes from the data (file names, values, columns)
    data = set(rej["file"]) | set(rej["values"]) | {"roads.shp", "rejected_rows.csv", "B0FFA00005", "XQ"}
    ours = _text(_section(page, "<table id='rejected-files'", "</table>")) + _text(
        _section(page, "<table id='rejected-rows'", "</table>")).replace("\n", " ")
    notes = _text(_section(page, "<div class='notes'", "</div>"))
    for part in (ours, notes):
        for d in sorted(data, key=len, reverse=True):
            part = part.replace(d, " ")
        leftovers = re.findall(r"[A-Za-z]{2,}", part)
        assert not leftovers, leftovers
    assert "剔除" in ours and "仅有户数" in notes and "第七次全国人口普查" in notes and "道路中心线" in notes
