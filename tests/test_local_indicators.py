"""Indicators of the local catalogs that a run measures, at their boundary values.

Hand-built roads: every residence and facility lies on the road, so each walking distance is the
difference of the x coordinates (written beside each case).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cities import city_scenario
from _util import CRS, ROOT, points
from siting.coverage import coverage
from siting.indicators import indicators
from siting.network import Network
from siting.pipeline import run_scenario
from siting.scenario import load_scenario
from siting.standards import resolve_categories
from siting.units import resolve_speed


@pytest.fixture(scope="module")
def road():
    """A straight road from x = 0 to 5000 m, a node every 100 m."""
    x = np.arange(51) * 100.0
    return Network.from_arrays(x, np.zeros(51), np.arange(50), np.arange(1, 51), crs=CRS)


def homes(xs, *, community=True, **cols):
    n = len(xs)
    data = {"rid": [f"r{i}" for i in range(n)], "population": cols.pop("population", [100.0] * n),
            "households": [40.0] * n, **cols}
    if community:
        data["community"] = [f"c{i}" for i in range(n)]
    return points([(x, 0) for x in xs], **data)


def measure(net, demand, fac, cats, *, speed=1.0, with_network=True, **kw):
    snap = net.snap(demand, 300)
    cov = coverage(net, demand, fac, cats, speed_mps=speed, max_snap=300, demand_snap=snap)
    extra = {"network": net, "demand_snap": snap} if with_network else {}
    table, _ = indicators(cov, demand, fac, cats, **kw, **extra)
    return table.set_index("indicator")


def elderly_care(x=0.0):
    return points([(x, 0)], category=["elderly_care"], fid=["E"], name=["照料中心"], floor_area_m2=[350.0])


# ------------------------------------------------------------------------------------ 汉中 ----


def test_hanzhong_elderly_facility_coverage_at_80_percent(road):
    """Ten communities, one home each; the elderly-care facility at x = 0 reaches 300 m (GB 50180)."""
    cats = resolve_categories(standard="local-hanzhong", level="15min")
    assert next(c for c in cats if c.key == "elderly_care").threshold == "300 m"
    at = [0, 40, 80, 120, 160, 200, 250, 300, 310, 400]          # 8 of 10 within 300 m (300 itself counts)
    row = measure(road, homes(at), elderly_care(), cats, standard="local-hanzhong").loc["elderly_facility_coverage"]
    assert row["measured"] == pytest.approx(0.8) and row["target"] == 0.8 and row["result"] == "pass"
    assert row["citation"].startswith("Reply to proposal No. 303") and "(汉民函〔2022〕100号, 2022-07-26)" in row["citation"]
    assert "Part 1, paragraph (2), item 1" in row["citation"] and "一、(二)" not in row["citation"]   # English clause
    assert "8 of 10 communities" in row["detail"]
    below = [*at[:7], 300.5, 310, 400]                           # 7 of 10
    row = measure(road, homes(below), elderly_care(), cats, standard="local-hanzhong").loc["elderly_facility_coverage"]
    assert row["measured"] == pytest.approx(0.7) and row["result"] == "fail"
    # communities, not homes: two homes of one community count once
    two = homes(at)
    two["community"] = ["c0", "c0", *[f"c{i}" for i in range(2, 10)]]   # 9 communities, 7 reached
    row = measure(road, two, elderly_care(), cats, standard="local-hanzhong").loc["elderly_facility_coverage"]
    assert row["measured"] == pytest.approx(7 / 9)
    # the community service facility is missing: 0 of 10 against 汉中's 100 %
    row = measure(road, homes(at), elderly_care(), cats, standard="local-hanzhong").loc["community_public_service_coverage"]
    assert row["measured"] == 0 and row["result"] == "fail" and row["target"] == 1.0


def test_hanzhong_15_minute_elderly_circle_at_the_elderly_speed(road, tmp_path):
    """At 0.8 m/s, 15 minutes is 720 m: older residents at 700 m (10) and 720 m (30) are inside,
    those at 720.5 m (60) are not -> 40 of 100. The scenario walks at 1 m/s (900 m in 15 min)."""
    cats = resolve_categories(standard="local-hanzhong", level="15min", overrides=None)
    d = homes([700, 720, 720.5], elderly=[10.0, 30.0, 60.0])
    t = measure(road, d, elderly_care(), cats, standard="local-hanzhong")
    row = t.loc["elderly_care_15min_circle"]
    assert row["measured"] == pytest.approx(0.4)
    assert row["result"] == "not assessable" and pd.isna(row["target"])    # the reply sets no share
    assert "40 of 100 older residents" in row["detail"] and "720 m at 0.80 m/s" in row["detail"]
    assert "Part 1, paragraph (4), item 3" in row["citation"]
    zh = measure(road, d, elderly_care(), cats, standard="local-hanzhong", lang="zh").loc["elderly_care_15min_circle"]
    assert zh["name"] == "15分钟社区居家养老服务圈" and "一、(四) 三是" in zh["citation"] and "名老年人" in zh["detail"]
    # 720 m is beyond the 300 m of the coverage run: without the network it cannot be measured
    row = measure(road, d, elderly_care(), cats, standard="local-hanzhong", with_network=False).loc["elderly_care_15min_circle"]
    assert row["result"] == "not assessable" and pd.isna(row["measured"]) and "network" in row["detail"]
    # without an elderly column: not assessable, with the fix
    row = measure(road, homes([700]), elderly_care(), cats, standard="local-hanzhong").loc["elderly_care_15min_circle"]
    assert pd.isna(row["measured"]) and "elderly column" in row["detail"]
    # a city's own target, in a catalog that extends 汉中's: pass at 40 %, fail at 41 %
    for value, result in ((0.4, "pass"), (0.41, "fail")):
        f = tmp_path / f"target{int(value * 100)}.toml"
        f.write_text(f'''
[document]
key = "{f.stem}"
name_zh = "汉台区目标"
name_en = "Hantai target"
scope = "local"
status = "confirmed"
extends = ["local-hanzhong"]

[[indicators]]
key = "elderly_care_15min_circle"
name_zh = "15分钟社区居家养老服务圈"
name_en = "15-minute home elderly-care circle"
value = {value}
unit = "share"
status = "confirmed"
measure = "reach"
categories = ["elderly_care"]
threshold = "15 min"
group = "elderly"
speed = "elderly"
''', encoding="utf-8")
        row = measure(road, d, elderly_care(), cats, standard=str(f)).loc["elderly_care_15min_circle"]
        assert row["result"] == result and row["target"] == value


# ------------------------------------------------------------------------------------ 晋中 ----


def test_jinzhong_supply_coop_reaches_80_percent_of_villages(road):
    """Rural, by bike (3.5 m/s): 15 minutes is 3150 m from the co-operative point at x = 0."""
    bike = resolve_speed("bike")
    cats = resolve_categories(["village_service", "supply_coop"])
    fac = points([(0, 0), (0, 0)], category=["supply_coop", "village_service"], fid=["S", "V"], name=["供销社", "村站"])
    at = [0, 1000, 2000, 3150, 3151]                              # 4 of 5 villages within 3150 m
    t = measure(road, homes(at), fac, cats, speed=bike, standard="local-jinzhong", area_type="rural")
    row = t.loc["supply_coop_village_coverage"]
    assert row["measured"] == pytest.approx(0.8) and row["result"] == "pass"
    assert "三、(二) 2.(1)" not in row["citation"] and "Part 3, section (2), item 2 (1)" in row["citation"]
    t = measure(road, homes([0, 1000, 2000, 3150.5, 3151]), fac, cats, speed=bike, standard="local-jinzhong",
                area_type="rural")
    assert t.loc["supply_coop_village_coverage", "result"] == "fail"
    # not measured without the category; not measured at all in urban scenarios
    t = measure(road, homes(at), fac.iloc[1:], cats[:1], speed=bike, standard="local-jinzhong", area_type="rural")
    assert "add supply_coop to categories.use" in t.loc["supply_coop_village_coverage", "detail"]
    t = measure(road, homes(at), fac, cats, speed=bike, standard="local-jinzhong", area_type="urban")
    assert "supply_coop_village_coverage" not in t.index


def test_jinzhong_daily_shopping_within_15_minutes(road):
    """At 1 m/s, 15 minutes is 900 m; a convenience store and a pharmacy at x = 0. The homes at
    0 and 900 m reach both (population 100 + 300); the one at 901 m (600) does not -> 40 %."""
    cats = resolve_categories(["convenience_store", "pharmacy"])
    fac = points([(0, 0), (0, 0)], category=["convenience_store", "pharmacy"], fid=["a", "b"], name=["店", "药店"])
    d = homes([0, 900, 901], population=[100.0, 300.0, 600.0])
    row = measure(road, d, fac, cats, standard="local-jinzhong").loc["daily_consumption_15min"]
    assert row["measured"] == pytest.approx(0.4) and row["result"] == "not assessable"
    assert "not measured: supermarket" in row["detail"]        # the basic types this run does not measure


def test_the_standards_figures_replace_the_national_ones(road):
    cats = resolve_categories(["community_service"])
    fac = points([(0, 0)], category=["community_service"], fid=["C"], name=["站"], floor_area_m2=[300.0])
    jz = measure(road, homes([100]), fac, cats, standard="local-jinzhong", lang="zh").loc["facility_area_per_100_households"]
    assert jz["source"] == "local-jinzhong" and "市政办发〔2022〕44号" in jz["citation"] and "三、(三) 2." in jz["citation"]
    nat = measure(road, homes([100]), fac, cats).loc["facility_area_per_100_households"]
    assert nat["source"] == "14th-FYP-community-services [S17]"
    assert nat["measured"] == jz["measured"] == pytest.approx(300 / 40 * 100)


# ------------------------------------------------------------------------------ a whole run ----


def test_hanzhong_template_run_on_a_local_grid(tmp_path: Path):
    """The 汉中 template's catalog on the synthetic grid of tests/_cities.py: E at (480, 500)
    reaches h1 (30 m) of community c1, not h2 (770 m) or h3 (730 m); its older residents at
    0.8 m/s: 50 of 50 + 10 + 8 within 720 m."""
    sc = load_scenario(city_scenario(tmp_path, "hanzhong", ROOT / "scenarios" / "hanzhong_template.toml"))
    run = run_scenario(sc)
    t = run.extras["tables"]["indicators"].set_index("indicator")
    assert t.loc["elderly_facility_coverage", "measured"] == pytest.approx(1 / 3)
    assert t.loc["elderly_facility_coverage", "result"] == "fail"
    assert t.loc["elderly_care_15min_circle", "measured"] == pytest.approx(50 / 68)
    assert "汉民函〔2022〕100号" in t.loc["elderly_care_15min_circle", "citation"]
    summary = {r["indicator"]: r for r in run.extras["summary"]["indicators"]}
    assert summary["elderly_care_15min_circle"]["citation"].startswith("《对市政协六届一次会议第303号提案的答复函》")
