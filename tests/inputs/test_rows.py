"""Bad rows flagged, good rows kept: every kind of bad row is dropped with its row number (header =
row 1) and reason, and the good rows give the same result as a clean file; strict mode and files
that are mostly bad are errors; facilities off the network are listed the same way."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from siting.errors import InputError, ScenarioError
from siting.inputs import RejectedRows, candidates_from_file, demand_from_file, facilities_from_file
from siting.pipeline import run_scenario
from siting.scenario import load_scenario
from siting.standards import resolve_categories

CRS = "EPSG:32650"
X0, Y0 = 450_000.0, 4_417_000.0  # near 116.41°E, 39.90°N in UTM 50N


def _lonlat(x, y):
    pts = gpd.GeoSeries(gpd.points_from_xy(np.asarray(x) + X0, np.asarray(y) + Y0), crs=CRS).to_crs(4326)
    return pts.x.to_numpy(), pts.y.to_numpy()


def grid_layer(path: Path) -> Path:
    """A 1 km square street grid: 11 east-west and 11 north-south lines, 100 m apart, drawn across
    every junction (a line layer as a bureau draws it)."""
    lines = [LineString([(X0, Y0 + 100 * i), (X0 + 1000, Y0 + 100 * i)]) for i in range(11)]
    lines += [LineString([(X0 + 100 * i, Y0), (X0 + 100 * i, Y0 + 1000)]) for i in range(11)]
    gpd.GeoDataFrame({"名称": [f"路{i}" for i in range(22)]}, geometry=lines, crs=CRS).to_file(path, driver="GPKG")
    return path


# residences 5 m from a street (local metres), and their populations
HOMES = [(150, 5, 120), (420, 105, 80), (710, 295, 200), (905, 480, 60), (260, 695, 150), (555, 905, 90),
         (95, 350, 40), (800, 810, 130), (305, 150, 70), (640, 495, 110), (995, 720, 95), (120, 905, 45),
         (470, 605, 160), (705, 140, 85), (380, 995, 55), (895, 260, 75)]
SHOPS = [(160, 8, "pharmacy", "药店甲"), (700, 300, "pharmacy", "药店乙"), (255, 702, "supermarket", "超市甲")]
SITES = [(500, 500, 10, "pharmacy"), (900, 900, 12, "pharmacy"), (100, 900, 8, "pharmacy")]


def clean_tables():
    lon, lat = _lonlat([h[0] for h in HOMES], [h[1] for h in HOMES])
    homes = pd.DataFrame({"id": [f"H{i}" for i in range(len(HOMES))], "lon": lon.round(7), "lat": lat.round(7),
                          "population": [h[2] for h in HOMES], "households": ""})
    lon, lat = _lonlat([s[0] for s in SHOPS], [s[1] for s in SHOPS])
    shops = pd.DataFrame({"id": [f"F{i}" for i in range(len(SHOPS))], "lon": lon.round(7), "lat": lat.round(7),
                          "category": [s[2] for s in SHOPS], "name": [s[3] for s in SHOPS]})
    lon, lat = _lonlat([s[0] for s in SITES], [s[1] for s in SITES])
    sites = pd.DataFrame({"id": [f"C{i}" for i in range(len(SITES))], "lon": lon.round(7), "lat": lat.round(7),
                          "cost": [s[2] for s in SITES], "categories": [s[3] for s in SITES]})
    return homes, shops, sites


def _insert(frame: pd.DataFrame, bad: list[dict], at: list[int]) -> pd.DataFrame:
    """``frame`` with the ``bad`` rows put at positions ``at`` (0-based data rows)."""
    rows = frame.astype(str).replace("nan", "").to_dict("records")
    for pos, row in sorted(zip(at, bad), key=lambda t: t[0]):
        rows.insert(pos, {c: str(row.get(c, "")) for c in frame.columns})
    return pd.DataFrame(rows, columns=frame.columns)


def dirty_tables():
    """The clean tables with one bad row of every kind; returns the tables and the expected
    (file row, reason) of each bad row (file row = data position + 2)."""
    homes, shops, sites = clean_tables()
    h0 = homes.iloc[0]
    sh_lon, sh_lat = _lonlat([30.0], [40.0])  # Shanghai is far: any place > 20 km away will do
    far_lon, far_lat = float(sh_lon[0]) + 5.0, float(sh_lat[0]) - 8.0
    bad_homes = [
        ({"id": "B1", "lon": "", "lat": h0.lat, "population": 10}, "missing_coordinates"),
        ({"id": "B2", "lon": "116.4x", "lat": h0.lat, "population": 10}, "bad_coordinates"),
        ({"id": "B3", "lon": 516.4, "lat": h0.lat, "population": 10}, "out_of_range"),
        ({"id": "B4", "lon": h0.lat, "lat": h0.lon, "population": 10}, "swapped"),
        ({"id": "B5", "lon": far_lon, "lat": far_lat, "population": 10}, "far_away"),
        ({"id": "B6", "lon": h0.lon, "lat": h0.lat, "population": -5}, "negative"),
        ({"id": "B7", "lon": h0.lon, "lat": h0.lat, "population": "many"}, "not_number"),
        ({"id": "B8", "lon": h0.lon, "lat": h0.lat, "population": ""}, "no_population"),
        ({"id": "H3", "lon": h0.lon, "lat": h0.lat, "population": 10}, "duplicate_id"),
    ]
    at = [1, 2, 4, 5, 7, 9, 10, 12, 14]
    dh = _insert(homes, [b for b, _ in bad_homes], at)
    want_h = [(a + 2, r) for a, (_, r) in zip(at, bad_homes)]
    s0 = shops.iloc[0]
    bad_shops = [
        ({"id": "F9", "lon": s0.lon, "lat": s0.lat, "category": "bakeryy", "name": "x"}, "unknown_category"),
        ({"id": "F1", "lon": s0.lon, "lat": s0.lat, "category": "pharmacy", "name": "again"}, "duplicate_id"),
    ]
    ds = _insert(shops, [b for b, _ in bad_shops], [1, 3])
    want_s = [(3, "unknown_category"), (5, "duplicate_id")]
    c0 = sites.iloc[0]
    bad_sites = [
        ({"id": "D1", "lon": c0.lon, "lat": c0.lat, "cost": "待定", "categories": "pharmacy"}, "not_number"),
        ({"id": "D2", "lon": c0.lon, "lat": c0.lat, "cost": -3, "categories": "pharmacy"}, "negative"),
        ({"id": "D3", "lon": c0.lon, "lat": c0.lat, "cost": 5, "categories": "pharmacy;bogus"}, "unknown_category"),
    ]
    dc = _insert(sites, [b for b, _ in bad_sites], [0, 2, 3])
    want_c = [(2, "not_number"), (4, "negative"), (5, "unknown_category")]
    return (dh, want_h), (ds, want_s), (dc, want_c)


def bounds():
    return (X0, Y0, X0 + 1000, Y0 + 1000)


def test_every_kind_of_bad_demand_row_is_flagged_with_its_row_number(tmp_path):
    homes, _, _ = clean_tables()
    (dirty, want), _, _ = dirty_tables()
    homes.to_csv(tmp_path / "clean.csv", index=False)
    dirty.to_csv(tmp_path / "dirty.csv", index=False)
    clean = demand_from_file(tmp_path / "clean.csv", to_crs=CRS, bounds=bounds())
    rej = RejectedRows()
    got = demand_from_file(tmp_path / "dirty.csv", to_crs=CRS, bounds=bounds(), rejected=rej)
    f = rej.frame()
    assert list(zip(f["row"], f["reason"])) == want
    assert set(f["reason"]) >= {"missing_coordinates", "bad_coordinates", "out_of_range", "swapped", "far_away",
                                "negative", "not_number", "no_population", "duplicate_id"}
    # the values of each row are listed as the file has them, and the reason says which value
    assert f.loc[f["reason"] == "not_number", "values"].iloc[0].startswith("id=B7; lon=")
    assert f.loc[f["reason"] == "not_number", "detail"].iloc[0] == 'population = "many" is not a number'
    # H3 is the 9th data row (after H0, B1, B2, H1, B3, B4, H2, B5): file row 10
    assert f.loc[f["reason"] == "duplicate_id", "detail"].iloc[0] == 'id "H3" repeats row 10'

    cols = ["rid", "population", "households"]
    pd.testing.assert_frame_equal(pd.DataFrame(got[cols]), pd.DataFrame(clean[cols]))
    np.testing.assert_array_equal(got.geometry.x, clean.geometry.x)
    # in Chinese too
    zh = rej.frame("zh")
    assert zh.loc[zh["reason"] == "negative", "detail"].iloc[0] == "population = -5 为负数"


def test_bad_facility_and_candidate_rows(tmp_path):
    _, (ds, want_s), (dc, want_c) = dirty_tables()
    ds.to_csv(tmp_path / "f.csv", index=False)
    dc.to_csv(tmp_path / "c.csv", index=False)
    rej = RejectedRows()
    cats = resolve_categories(["pharmacy", "supermarket"])
    fac = facilities_from_file(tmp_path / "f.csv", cats, to_crs=CRS, bounds=bounds(), rejected=rej)
    assert fac["fid"].tolist() == ["F0", "F1", "F2"]
    cand = candidates_from_file(tmp_path / "c.csv", to_crs=CRS, bounds=bounds(), known_categories=["pharmacy"], rejected=rej)
    assert cand["site_id"].tolist() == ["C0", "C1", "C2"] and cand["cost"].tolist() == [10, 12, 8]
    f = rej.frame()
    assert list(zip(f["input"], f["row"], f["reason"])) == [("candidates", r, k) for r, k in want_c] + [
        ("facilities", r, k) for r, k in want_s]


def test_a_mostly_bad_file_is_an_error_with_the_fix(tmp_path):
    homes, _, _ = clean_tables()
    swapped = homes.rename(columns={"lon": "lat", "lat": "lon"})
    swapped.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(InputError) as err:
        demand_from_file(tmp_path / "d.csv", to_crs=CRS, bounds=bounds())
    msg = str(err.value)
    assert "16 of 16 rows are bad" in msg and "swap the two columns" in msg and "row 2" in msg
    # projected metres in a table that says degrees
    metres = homes.assign(lon=[h[0] + X0 for h in HOMES], lat=[h[1] + Y0 for h in HOMES])
    metres.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(InputError) as err:
        demand_from_file(tmp_path / "m.csv", to_crs=CRS)
    assert "outside the range of degrees" in str(err.value) and "demand.crs" in str(err.value)
    # ... which load once the CRS is named
    d = demand_from_file(tmp_path / "m.csv", to_crs=CRS, crs=CRS)
    assert len(d) == 16
    # a population of zero everywhere is an error, not a run that ends in nan %
    homes.assign(population=0).to_csv(tmp_path / "z.csv", index=False)
    with pytest.raises(InputError, match="0 residents"):
        demand_from_file(tmp_path / "z.csv", to_crs=CRS)


# ------------------------------------------------------------------------------------------------
# a whole run
# ------------------------------------------------------------------------------------------------
def write_run(tmp: Path, homes, shops, sites, *, extra: str = "") -> Path:
    grid_layer(tmp / "roads.gpkg")
    homes.to_csv(tmp / "homes.csv", index=False)
    shops.to_csv(tmp / "shops.csv", index=False)
    sites.to_csv(tmp / "sites.csv", index=False)
    p = tmp / "run.toml"
    p.write_text(f"""name = "rows"
{extra}
[network]
source = "roads.gpkg"
[travel]
max_snap = "30 m"
[demand]
source = "homes.csv"
[facilities]
source = "shops.csv"
[categories]
use = ["pharmacy", "supermarket"]
[map]
basemap = "none"
pdf = false
[output]
dir = "{(tmp / 'out').as_posix()}"
[optimize]
categories = ["pharmacy"]
model = "max_cover"
p = 1
[optimize.candidates]
source = "sites.csv"
""", encoding="utf-8")
    return p


def test_a_run_with_bad_rows_gives_the_clean_run_and_lists_them(tmp_path):
    from siting.outputs import write_outputs

    homes, shops, sites = clean_tables()
    (dh, want_h), (ds, want_s), (dc, want_c) = dirty_tables()
    # a pharmacy in the middle of a block, 50 m from every street: off the network (max_snap 30 m)
    lon, lat = _lonlat([550], [550])
    ds = pd.concat([ds, pd.DataFrame([{"id": "F8", "lon": round(lon[0], 7), "lat": round(lat[0], 7), "category": "pharmacy",
                                       "name": "院内药房"}])], ignore_index=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    clean = run_scenario(load_scenario(write_run(tmp_path / "a", homes, shops, sites)))
    dirty = run_scenario(load_scenario(write_run(tmp_path / "b", dh, ds, dc)))
    pd.testing.assert_frame_equal(clean.coverage.categories, dirty.coverage.categories)
    pd.testing.assert_frame_equal(clean.extras["tables"]["plan_coverage"].drop(columns="solve_seconds"),
                                  dirty.extras["tables"]["plan_coverage"].drop(columns="solve_seconds"))
    assert len(clean.extras["rejected"]) == 0
    f = dirty.extras["rejected"].frame()
    want = [("candidates", r, k) for r, k in want_c] + [("demand", r, k) for r, k in want_h] + \
        [("facilities", r, k) for r, k in want_s] + [("facilities", 7, "off_network")]  # the 6th data row
    assert list(zip(f["input"], f["row"], f["reason"])) == want
    # the off-network pharmacy is neither drawn nor counted
    assert "F8" not in set(dirty.facilities["fid"])
    paths = write_outputs(dirty)
    out = Path(paths["summary"]).parent
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rejected_rows"]["total"] == 15
    assert summary["rejected_rows"]["files"]["shops.csv"]["reasons"] == {"unknown_category": 1, "duplicate_id": 1, "off_network": 1}
    assert summary["counts"]["facilities"] == {"pharmacy": 2, "supermarket": 1}
    table = pd.read_csv(out / "rejected_rows.csv")
    assert len(table) == 15 and set(table.columns) == {"file", "input", "row", "reason", "detail", "values"}
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Rows dropped from the input files" in report and "rejected-rows" in report and "院内药房" in report
    assert "OpenStreetMap" not in report  # nothing here comes from OSM


def test_strict_refuses_every_bad_row_of_every_file_at_once(tmp_path):
    (dh, want_h), (ds, want_s), (dc, want_c) = dirty_tables()
    p = write_run(tmp_path, dh, ds, dc, extra="strict = true")
    with pytest.raises(ScenarioError) as err:
        run_scenario(load_scenario(p))
    text = "\n".join(err.value.problems)
    for name, want in (("homes.csv", want_h), ("shops.csv", want_s), ("sites.csv", want_c)):
        for row, _ in want:
            assert f"{name}, row {row}:" in text, (name, row)
    assert len(err.value.problems) == len(want_h) + len(want_s) + len(want_c)


def test_input_errors_of_several_files_are_reported_together(tmp_path):
    homes, shops, sites = clean_tables()
    p = write_run(tmp_path, homes.drop(columns="households").rename(columns={"population": "inhabitants"}),
                  shops.rename(columns={"category": "kind"}), sites)
    with pytest.raises(ScenarioError) as err:
        run_scenario(load_scenario(p))
    text = "\n".join(err.value.problems)
    assert "homes.csv has no population and no households column" in text and "shops.csv has no category column" in text
