"""The optimisation stage of `siting run`: candidates, reachability, plan, outputs.
The coverage after the plan is recomputed independently from the proposed sites."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from _util import ROOT, points
from siting.cli import main
from siting.coverage import coverage
from siting.inputs import candidates_from_file, generate_candidates, hosts
from siting.pipeline import run_scenario
from siting.scenario import load_scenario


def test_generated_candidates_one_per_cell(line_network):
    """Nodes at x = 0, 100, ..., 900: with 250 m cells [0,250) [250,500) [500,750) [750,1000)
    the nodes nearest the cell centres 125, 375, 625, 875 are x = 100, 400, 600, 900."""
    c = generate_candidates(line_network, spacing=250)
    assert sorted(c.geometry.x.tolist()) == [100, 400, 600, 900]
    far = generate_candidates(line_network, spacing=250, existing=points([(390, 0)]), min_distance=50)
    assert sorted(far.geometry.x.tolist()) == [100, 600, 900]


def test_candidates_file_checks(tmp_path):
    pd.DataFrame({"id": ["a", "b", "c", "d", "e", "f"], "lon": [116.4, 116.41, 116.42, 116.43, 116.44, 116.45], "lat": [39.9] * 6,
                  "cost": [-1, None, 2, 3, 4, 5], "categories": ["", "", "pharmacy;bogus", "", "药店", "pharmacy"]}).to_csv(
        tmp_path / "c.csv", index=False)
    from siting.inputs import RejectedRows

    rej = RejectedRows()
    c = candidates_from_file(tmp_path / "c.csv", to_crs="EPSG:32650", known_categories=["pharmacy"], rejected=rej)
    assert c["site_id"].tolist() == ["d", "e", "f"] and c["categories"].tolist() == ["", "pharmacy", "pharmacy"]  # 药店 = pharmacy
    assert list(zip(rej.frame()["row"], rej.frame()["reason"])) == [(2, "negative"), (3, "missing_value"), (4, "unknown_category")]
    pd.DataFrame({"lon": [116.4, 116.41], "lat": [39.9, 39.91], "cost": [-1, None]}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(Exception) as err:  # every row bad: the file is refused, both reasons named
        candidates_from_file(tmp_path / "c.csv", to_crs="EPSG:32650", known_categories=["pharmacy"])
    msg = str(err.value)
    assert "2 of 2 rows are bad" in msg and "negative" in msg and "empty" in msg


def test_hosts():
    c = gpd.GeoDataFrame({"categories": ["pharmacy;post_parcel", "", "elderly_care"]}, geometry=[None] * 3)
    assert hosts(c, "pharmacy").tolist() == [True, True, False]


def _scenario(tmp: Path, optimize: str) -> Path:
    text = (ROOT / "scenarios" / "demo.toml").read_text(encoding="utf-8")
    text = text[: text.index("[optimize]")] + optimize
    p = tmp / "plan.toml"
    p.write_text(text.replace('name = "demo"', 'name = "plan"'), encoding="utf-8")
    return p


def test_target_plan_reaches_target_checked_independently(tmp_path):
    p = _scenario(tmp_path, """
[optimize]
categories = ["post_parcel"]
model = "target"
target = 0.95
minimize = "count"
[optimize.candidates]
spacing = "150 m"
""")
    sc = load_scenario(p)
    res = run_scenario(sc)
    table = res.extras["tables"]["plan_coverage"].set_index("category")
    plan = res.extras["plans"]["post_parcel"]
    assert plan.status == "optimal"
    assert table.loc["post_parcel", "share_after"] >= 0.95
    # recompute coverage with the proposed sites added as facilities: same share
    prop = res.extras["proposed"]
    assert len(prop) == table.loc["post_parcel", "new_stations"] > 0
    fac = pd.concat([res.facilities, gpd.GeoDataFrame(
        {"fid": prop["site_id"], "category": "post_parcel", "name": ""}, geometry=prop.geometry.values, crs=prop.crs)],
        ignore_index=True)
    cats = [c for c in res.categories if c.key == "post_parcel"]
    after = coverage(res.network, res.demand, gpd.GeoDataFrame(fac, crs=prop.crs), cats, max_snap=sc.max_snap_m)
    assert after.share("post_parcel") == pytest.approx(table.loc["post_parcel", "share_after"], abs=1e-9)
    # one station fewer cannot reach the target: the max-cover optimum with p-1 stays below it
    from siting.optimize import solve_max_cover
    from siting.planning import _problem

    cand = res.extras.get("candidates")
    assert cand is not None
    problem = _problem(res, sc.optimize, "post_parcel", cand, res.network.snap(cand, sc.max_snap_m), False)
    fewer = solve_max_cover(problem, len(prop) - 1)
    assert fewer.status == "optimal" and fewer.share < 0.95


def test_max_cover_plan_and_outputs(tmp_path, capsys):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy", "post_parcel"]
model = "max_cover"
p = 2
frontier = 3
solver = "highs"
""")
    code = main(["-q", "run", str(p), "--out", str(tmp_path / "out"), "--map", str(tmp_path / "m.html")])
    assert code == 0, capsys.readouterr().err
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    opt = s["optimization"]
    for row in opt["coverage_before_after"]:
        assert row["new_stations"] == 2 and row["share_after"] >= row["share_before"]
        assert row["status"] == "optimal" and row["solver"] == "highs"
    prop = pd.read_csv(tmp_path / "out" / "proposed_sites.csv")
    assert len(prop) == 4 and (prop["newly_covered_population"] >= 0).all()
    assert (tmp_path / "out" / "frontier_pharmacy.png").stat().st_size > 1000
    fr = pd.read_csv(tmp_path / "out" / "frontier_pharmacy.csv")
    assert fr["k"].tolist() == [1, 2, 3] and fr["share"].is_monotonic_increasing


def test_optimize_config_problems_reported_together(tmp_path, capsys):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy", "bakery"]
model = "max_cover"
colocate = [["pharmacy", "laundry"]]
""")
    code = main(["-q", "run", str(p)])
    out = capsys.readouterr().err
    assert code == 2
    assert "bakery" in out and "laundry" in out and "optimize.p" in out and "comprehensive" in out


def test_candidates_restricted_to_osm_landuse(tmp_path):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy"]
model = "max_cover"
p = 1
[optimize.candidates]
spacing = "50 m"
landuse = ["residential"]
""")
    sc = load_scenario(p)
    res = run_scenario(sc)
    cand = res.extras["candidates"]
    assert len(cand) > 0
    # an independent check: every candidate lies in a landuse=residential polygon of the extract
    from siting.inputs.osm import osm_features

    lu = osm_features(sc.network.source, res.network, "landuse", base=sc.base_dir)
    lu = lu[lu["landuse"] == "residential"].to_crs(res.network.crs)
    inside = gpd.sjoin(cand[["geometry"]], lu[["geometry"]], predicate="within")
    assert inside.index.nunique() == len(cand)
    everywhere = generate_candidates(res.network, spacing=50)
    assert len(cand) < len(everywhere) / 2
