"""Rural circles, priority groups and planning indicators, on hand-built cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from _util import CRS, points
from siting.coverage import coverage
from siting.indicators import catchments, indicators
from siting.network import Network
from siting.standards import resolve_categories
from siting.units import resolve_speed

BIKE = resolve_speed("bike")  # 3.5 m/s


@pytest.fixture(scope="module")
def rural_road():
    """A county road: 12 nodes 1000 m apart, node i at (1000·i, 0)."""
    x = np.arange(12) * 1000.0
    return Network.from_arrays(x, np.zeros(12), np.arange(11), np.arange(1, 12), crs=CRS)


def villages():
    """Six villages as polygons (200 m squares on the road) with residents:

    ======  ======  ==========  =====================================  ==========================
    name    x (m)   population  to the village station at x=3000       to the township at x=6000
    ======  ======  ==========  =====================================  ==========================
    A       500     300         2500 m  (≤ 3150 m = 15 min by bike) ✔   5500 m ✔ (≤ 6300 m, 30 min)
    B       2500    200          500 m  ✔                               3500 m ✔
    C       4500    400         1500 m  ✔                               1500 m ✔
    D       7000    100         4000 m  ✘                               1000 m ✔
    E       9800    250         6800 m  ✘                               3800 m ✔
    F       11000   150         8000 m  ✘                               5000 m ✔
    ======  ======  ==========  =====================================  ==========================

    Villages covered by the village station: 3 of 6 = 50 % (< 80 % target); by population
    900 / 1400 = 64.3 %.
    """
    xs = [500, 2500, 4500, 7000, 9800, 11000]
    pops = [300, 200, 400, 100, 250, 150]
    # representative point of each square: on the road (y = 0) at the square's centre
    return gpd.GeoDataFrame(
        {"rid": list("ABCDEF"), "population": pops, "households": np.array(pops) / 2.5,
         "elderly": np.array(pops) * 0.3, "community": ["c1", "c1", "c2", "c2", "c3", "c3"]},
        geometry=[box(x - 100, -100, x + 100, 100).centroid for x in xs], crs=CRS,
    )


def test_rural_village_coverage_by_village_and_population(rural_road):
    cats = resolve_categories(["village_service", "township_station"])
    assert cats[0].threshold == "15 min" and cats[1].threshold == "30 min"
    fac = points([(3000, 0), (6000, 0)], category=["village_service", "township_station"], fid=["v", "t"],
                 name=["村站", "乡镇中心"])
    d = villages()
    cov = coverage(rural_road, d, fac, cats, speed_mps=BIKE, max_snap=300)
    np.testing.assert_allclose(cov.residences["village_service_m"][:3], [2500, 500, 1500])
    assert cov.residences["village_service_covered"].tolist() == [True, True, True, False, False, False]
    assert cov.residences["township_station_covered"].all()
    assert cov.share("village_service") == pytest.approx(900 / 1400)
    ind, _ = indicators(cov, d.drop(columns="community"), fac, cats, area_type="rural")
    row = ind.set_index("indicator").loc["rural_facility_coverage"]
    assert row["measured"] == pytest.approx(0.5) and row["target"] == 0.8 and row["result"] == "fail"
    assert "3 of 6" in row["detail"]
    # grouped by community: c1 (A, B) and c2 (C) reach the station, c3 does not -> 2 of 3
    ind, _ = indicators(cov, d, fac, cats, area_type="rural")
    row = ind.set_index("indicator").loc["rural_facility_coverage"]
    assert row["measured"] == pytest.approx(2 / 3) and row["result"] == "fail"


def test_elderly_profile_shrinks_reach(rural_road):
    """At 0.8 m/s a 15-minute threshold is 720 m instead of 3150 m by bike: only B (500 m) stays."""
    cats = resolve_categories(["village_service"])
    fac = points([(3000, 0)], category=["village_service"], fid=["v"], name=["村站"])
    cov = coverage(rural_road, villages(), fac, cats, speed_mps=BIKE, max_snap=300, elderly_speed_mps=0.8)
    assert cov.residences["village_service_covered_elderly_speed"].tolist() == [False, True, False, False, False, False]
    row = cov.categories.iloc[0]
    assert row["threshold_m_elderly"] == pytest.approx(720)
    assert row["share_elderly_at_elderly_speed"] == pytest.approx(60 / (0.3 * 1400))
    assert row["share_elderly"] == pytest.approx(0.3 * 900 / (0.3 * 1400))


def test_area_per_100_households_by_catchment(rural_road):
    """Two community service stations; catchments by nearest station within 10 min at 1 m/s (600 m):

    station s1 at x=2000 (300 m² floor area) serves B (2500: 500 m); station s2 at x=4400 (100 m²)
    serves C (4500: 100 m). B has 80 households -> 300/80×100 = 375 m² per 100 households (pass);
    C has 160 households -> 100/160×100 = 62.5 (pass). With s2 at 40 m²: 25 (fail).
    """
    cats = resolve_categories(["community_service"])
    d = villages()
    fac = points([(2000, 0), (4400, 0)], category=["community_service"] * 2, fid=["s1", "s2"], name=["a", "b"],
                 floor_area_m2=[300.0, 40.0], activity_area_m2=[200.0, 20.0])
    cov = coverage(rural_road, d, fac, cats, speed_mps=1.0, max_snap=300)
    c = catchments(cov, fac, cats).set_index("fid")
    assert c.loc["s1", "households"] == pytest.approx(80) and c.loc["s2", "households"] == pytest.approx(160)
    assert c.loc["s1", "m2_per_100_households"] == pytest.approx(375)
    assert c.loc["s2", "m2_per_100_households"] == pytest.approx(25)
    ind, _ = indicators(cov, d, fac, cats)
    ind = ind.set_index("indicator")
    row = ind.loc["facility_area_per_100_households"]
    assert row["measured"] == pytest.approx(340 / 240 * 100) and "1 of 2" in row["detail"]
    # area norm of the community service station (800 m²): neither meets it
    assert ind.loc["area_norm_community_service", "result"] == "fail"
    # activity share 220/340 = 64.7 % >= 60 %: pass overall; one of two facilities meets it
    assert ind.loc["residents_activity_share", "measured"] == pytest.approx(220 / 340)
    assert ind.loc["residents_activity_share", "result"] == "pass"
    # urban coverage: B and C covered of 6 villages -> fail against 100 %
    assert ind.loc["urban_facility_coverage", "result"] == "fail"


def test_missing_floor_areas_are_not_assessable(rural_road):
    cats = resolve_categories(["community_service"])
    fac = points([(2000, 0)], category=["community_service"], fid=["s1"], name=["a"])
    cov = coverage(rural_road, villages(), fac, cats, speed_mps=1.0, max_snap=300)
    ind, _ = indicators(cov, villages(), fac, cats)
    ind = ind.set_index("indicator")
    assert ind.loc["facility_area_per_100_households", "result"] == "not assessable"
    assert ind.loc["residents_activity_share", "result"] == "not assessable"
