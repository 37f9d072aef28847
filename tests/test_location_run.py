"""p-median, p-center, attendance and 2SFCA accessibility in `siting run`, checked independently.

The demo scenario (Helsinki extract) with the new models: the plan's objective is recounted from
a fresh coverage run with the proposed stations added as facilities, and the accessibility's
"beyond the threshold" shares are recounted from coverage (with binary 2SFCA and count supply a
resident has accessibility > 0 exactly when a facility is within the threshold).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from _util import ROOT
from siting.cli import main
from siting.coverage import coverage
from siting.outputs.encode import unpack
from siting.outputs.maps import map_data, residence_order
from siting.pipeline import run_scenario
from siting.scenario import load_scenario


def _scenario(tmp: Path, tail: str, name: str = "loc") -> Path:
    text = (ROOT / "scenarios" / "demo.toml").read_text(encoding="utf-8")
    text = text[: text.index("[optimize]")] + tail
    p = tmp / f"{name}.toml"
    p.write_text(text.replace('name = "demo"', f'name = "{name}"'), encoding="utf-8")
    return p


def _with_proposed(res, key):
    prop = res.extras["proposed"]
    prop = prop[prop["category"] == key]
    fac = pd.concat([res.facilities, gpd.GeoDataFrame(
        {"fid": prop["site_id"], "category": key, "name": ""}, geometry=prop.geometry.values, crs=prop.crs)],
        ignore_index=True)
    cats = [c for c in res.categories if c.key == key]
    return coverage(res.network, res.demand, gpd.GeoDataFrame(fac, crs=prop.crs), cats,
                    max_snap=res.scenario.max_snap_m, speed_mps=res.scenario.speed_mps, search_factor=4.0)


def test_p_median_run_with_access_before_and_after(tmp_path, capsys):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy"]
model = "p_median"
p = 3
max_distance = "600 m"
[optimize.candidates]
spacing = "150 m"

[access]
categories = ["pharmacy", "post_parcel"]
method = "2sfca"
""")
    out, mp = tmp_path / "out", tmp_path / "m.html"
    code = main(["-q", "run", str(p), "--out", str(out), "--map", str(mp)])
    assert code == 0, capsys.readouterr().err
    s = json.loads((out / "summary.json").read_text())
    plan = s["optimization"]["plans"]["pharmacy"]
    assert plan["model"] == "p_median" and plan["status"] in ("optimal", "time_limit")
    assert plan["details"]["penalty"] == pytest.approx(600.0)
    acc = s["access"]
    assert acc["method"] == "2sfca" and acc["paper"] == "Luo & Wang 2003"
    rows = {r["category"]: r for r in acc["categories"]}
    assert set(rows) == {"pharmacy", "post_parcel"}
    assert 0 <= rows["pharmacy"]["gini"] <= 1
    # the after-plan values exist for every category (unplanned ones unchanged)
    assert rows["post_parcel"]["gini_after"] == pytest.approx(rows["post_parcel"]["gini"])
    cov = {r["category"]: r for r in s["coverage"]}
    for key in rows:
        assert rows[key]["share_none"] == pytest.approx(1 - cov[key]["share"], abs=1e-9)
    after = {r["category"]: r for r in s["optimization"]["coverage_before_after"]}
    assert rows["pharmacy"]["share_none_after"] == pytest.approx(1 - after["pharmacy"]["share_after"], abs=1e-9)
    assert len(acc["lorenz"]["pharmacy"]["population"]) == 101
    # report: access table and Lorenz chart; tables written
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "id='access'" in html and "id='fig-lorenz'" in html and "Gini" in html
    assert "id='plan-detail'" in html and "mean walk" in html
    assert (out / "chart_lorenz.png").stat().st_size > 1000
    ar = pd.read_csv(out / "access_residences.csv")
    assert {"pharmacy_access", "pharmacy_access_after"} <= set(ar.columns)
    assert "sitingInit" in mp.read_text(encoding="utf-8")


def test_p_median_objective_recounted_from_coverage(tmp_path):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy"]
model = "p_median"
p = 2
max_distance = "600 m"
penalty = "800 m"
[optimize.candidates]
spacing = "150 m"
""")
    res = run_scenario(load_scenario(p))
    plan = res.extras["plans"]["pharmacy"]
    assert plan.status == "optimal"
    cov = _with_proposed(res, "pharmacy")
    d = cov.residences["pharmacy_m"].to_numpy(dtype=float)
    w = cov.residences["population"].to_numpy(dtype=float)
    assert plan.objective == pytest.approx(float((w * np.where(d <= 600.0 + 1e-9, d, 800.0)).sum()), rel=1e-9)
    table = res.extras["tables"]["plan_coverage"].set_index("category")
    assert table.loc["pharmacy", "share_after"] == pytest.approx(cov.share("pharmacy"), abs=1e-9)


def test_p_center_and_attendance_runs(tmp_path):
    p = _scenario(tmp_path, """
[optimize]
categories = ["post_parcel"]
model = "p_center"
p = 2
max_distance = "1100 m"
[optimize.candidates]
spacing = "150 m"
""", name="cen")
    res = run_scenario(load_scenario(p))
    plan = res.extras["plans"]["post_parcel"]
    assert plan.model == "p_center" and plan.status == "optimal"
    cov = _with_proposed(res, "post_parcel")
    d = cov.residences["post_parcel_m"].to_numpy(dtype=float)
    reached = d <= 1100.0 + 1e-9
    assert plan.objective == pytest.approx(float(d[reached & (cov.residences["population"] > 0)].max()))

    p = _scenario(tmp_path, """
[optimize]
categories = ["post_parcel"]
model = "attendance"
p = 2
[optimize.decay]
kind = "exponential"
half_distance = 200
[optimize.candidates]
spacing = "150 m"
""", name="att")
    res = run_scenario(load_scenario(p))
    plan = res.extras["plans"]["post_parcel"]
    assert plan.model == "attendance" and plan.details["decay"]["kind"] == "exponential"
    cov = _with_proposed(res, "post_parcel")
    d = cov.residences["post_parcel_m"].to_numpy(dtype=float)
    w = cov.residences["population"].to_numpy(dtype=float)
    within = plan.details["within"]
    f = np.where(d <= within + 1e-9, np.exp(-np.log(2) / 200 * np.where(np.isfinite(d), d, 0)), 0.0)
    assert plan.objective == pytest.approx(float((w * f).sum()), rel=1e-9)
    assert "exponential" in res.extras["tables"]["plan_coverage"]["detail"].iloc[0]


def test_access_map_layers_in_both_languages(tmp_path):
    p = _scenario(tmp_path, """
[access]
categories = ["pharmacy"]
method = "enhanced"
weights = [1.0, 0.5, 0.2]
""", name="acc")
    res = run_scenario(load_scenario(p))
    d = map_data(res, service_areas=False)
    (layer,) = d["access"]["layers"]
    assert d["cats"][layer["cat"]]["key"] == "pharmacy"
    values = unpack(layer["values"])  # packed, in the map's order of residences
    assert len(values) == len(res.coverage.residences) and layer["after"] is None
    want = np.nan_to_num(res.access.residences["pharmacy_access"].to_numpy(dtype=float))[residence_order(res)]
    np.testing.assert_allclose(values, want.astype(np.float32))
    assert res.access.weights == (1.0, 0.5, 0.2)
    sc = load_scenario(p, overrides={"lang": "zh"})
    zh = map_data(run_scenario(sc, network=res.network), service_areas=False)
    assert zh["T"]["sec_access"] == "可达性（2SFCA）" and "可达性" in zh["T"]["access_layer"]


def test_max_distance_below_the_threshold_is_refused(tmp_path):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy"]
model = "p_median"
p = 2
max_distance = "300 m"
""", name="short")
    from siting.errors import InputError

    with pytest.raises(InputError, match="below the pharmacy threshold"):
        run_scenario(load_scenario(p))


def test_location_and_access_problems_reported_together(tmp_path, capsys):
    p = _scenario(tmp_path, """
[optimize]
categories = ["pharmacy"]
model = "p_center"
capacitated = true
penalty = "500 m"
max_distance = "10 min"
[optimize.decay]
kind = "power"

[access]
categories = ["bakery"]
method = "2sfca"
weights = [1, 0.5]
supply = "beds"
""")
    code = main(["-q", "run", str(p)])
    err = capsys.readouterr().err
    assert code == 2
    for text in ("needs optimize.p", "capacitated is not offered for p_center", "optimize.penalty is for",
                 "max_distance", "optimize.decay is for", "needs beta", "access.categories: 'bakery'",
                 "access.weights", "access.new_supply"):
        assert text in err, text
