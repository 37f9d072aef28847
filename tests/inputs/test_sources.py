"""Demand and facility loaders: population from buildings by hand, file checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from siting.errors import CRSError, InputError, MissingFileError
from siting.inputs import BuildingRules, RejectedRows, demand_from_buildings, demand_from_file, read_points

CRS = "EPSG:32650"


def test_population_from_buildings_by_hand():
    """Four buildings, one residential landuse polygon (x 0..100), one commercial (x 200..300):

    ==  ==============  ============  ======  ============  ====================================
    #   building        footprint m²  levels  land use      residents (35 m²/person)
    ==  ==============  ============  ======  ============  ====================================
    0   apartments      20×20 = 400   6       none          400×6×1 / 35 = 68.571
    1   yes             10×30 = 300   (5)     residential   300×5×1 / 35 = 42.857
    2   yes             20×10 = 200   4       none          200×4×0.5 / 35 = 11.429
    3   yes             30×30 = 900   3       commercial    0 (dropped)
    4   office          20×20 = 400   8       none          0 (dropped)
    5   apartments      3×3 = 9       2       none          0 (below 20 m², dropped)
    ==  ==============  ============  ======  ============  ====================================
    """
    b = gpd.GeoDataFrame(
        {
            "id": [10, 11, 12, 13, 14, 15],
            "building": ["apartments", "yes", "yes", "yes", "office", "apartments"],
            "building:levels": ["6", None, "4", "3", "8", "2"],
        },
        geometry=[box(400, 0, 420, 20), box(10, 10, 20, 40), box(500, 0, 520, 10), box(210, 0, 240, 30),
                  box(600, 0, 620, 20), box(700, 0, 703, 3)],
        crs=CRS,
    )
    lu = gpd.GeoDataFrame({"landuse": ["residential", "commercial"]},
                          geometry=[box(0, 0, 100, 100), box(200, -10, 300, 100)], crs=CRS)
    rules = BuildingRules(floor_area_per_person_m2=35, household_size=2.0, default_levels=5, mixed_share=0.5,
                          group_shares={"elderly": 0.2})
    d = demand_from_buildings(b, lu, to_crs=CRS, rules=rules)
    got = dict(zip(d["rid"], d["population"]))
    assert got == pytest.approx({"b10": 400 * 6 / 35, "b11": 300 * 5 / 35, "b12": 200 * 4 * 0.5 / 35})
    assert d.set_index("rid").loc["b11", "levels_tagged"] == False  # noqa: E712
    np.testing.assert_allclose(d["households"], d["population"] / 2.0)
    np.testing.assert_allclose(d["elderly"], d["population"] * 0.2)


def test_demand_csv(tmp_path):
    pd.DataFrame({"id": ["a", "b"], "lon": [116.4, 116.41], "lat": [39.9, 39.91], "population": [100, 50],
                  "households": [40, 20], "elderly": [10, 5]}).to_csv(tmp_path / "d.csv", index=False)
    d = demand_from_file(tmp_path / "d.csv", to_crs=CRS)
    assert d.crs == CRS and list(d["rid"]) == ["a", "b"]
    assert list(d["households"]) == [40, 20] and list(d["elderly"]) == [10, 5]
    # projected metres, in UTM 50N around x=450 km
    assert 400_000 < d.geometry.x.iloc[0] < 500_000


def test_households_estimated_when_missing(tmp_path):
    pd.DataFrame({"lon": [116.4], "lat": [39.9], "population": [262]}).to_csv(tmp_path / "d.csv", index=False)
    d = demand_from_file(tmp_path / "d.csv", to_crs=CRS, household_size=2.62)
    assert d["households"].iloc[0] == pytest.approx(100)
    assert bool(d["households_estimated"].iloc[0])


def test_negative_and_missing_population_are_rows_dropped_and_named(tmp_path):
    pd.DataFrame({"lon": [116.4, 116.5, 116.6, 116.7, 116.8], "lat": [39.9] * 5,
                  "population": [-5, None, 3, 4, 5]}).to_csv(tmp_path / "d.csv", index=False)
    rej = RejectedRows()
    d = demand_from_file(tmp_path / "d.csv", to_crs=CRS, rejected=rej)
    assert d["population"].tolist() == [3, 4, 5]
    f = rej.frame()
    assert f["row"].tolist() == [2, 3] and f["reason"].tolist() == ["negative", "no_population"]
    # most rows bad: the file is refused, both kinds named
    pd.DataFrame({"lon": [116.4, 116.5, 116.6], "lat": [39.9] * 3, "population": [-5, None, 3]}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(InputError) as err:
        demand_from_file(tmp_path / "d.csv", to_crs=CRS)
    assert "2 of 3 rows are bad" in str(err.value) and "negative" in str(err.value) and "no population" in str(err.value)


def test_csv_latitude_out_of_range_is_called_swapped(tmp_path):
    pd.DataFrame({"lon": [39.9], "lat": [116.4], "population": [1]}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(CRSError, match="swapped"):
        read_points(tmp_path / "d.csv", what="demand")


def test_file_without_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"population": [1]}, geometry=gpd.points_from_xy([450000], [4400000]))
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(tmp_path / "d.gpkg", driver="GPKG")
    with pytest.raises(CRSError, match="no CRS"):
        read_points(tmp_path / "d.gpkg", what="demand")
    # with the CRS named, it loads and converts
    d = read_points(tmp_path / "d.gpkg", what="demand", crs=CRS)
    assert d.crs == CRS


def test_missing_file():
    with pytest.raises(MissingFileError, match="not found"):
        read_points("does/not/exist.geojson", what="demand")


def test_unknown_crs_name(tmp_path):
    pd.DataFrame({"lon": [116.4], "lat": [39.9], "population": [1]}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(CRSError, match="gcj02"):
        read_points(tmp_path / "d.csv", what="demand", crs="gcj03")
    # aliases of the Chinese systems are accepted
    d = read_points(tmp_path / "d.csv", what="demand", crs="GCJ-02")
    assert d.crs.to_epsg() == 4326 and d.geometry.x.iloc[0] != 116.4
