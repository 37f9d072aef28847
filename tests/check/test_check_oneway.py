"""`siting check` on a network with one-way streets (the drive profile): the distance lines are
the drive from the development's access points to the facility, the catchment lines the streets
reached from the development, both in the allowed direction.

The surroundings are the serve tests' generated city (synthetic, no real place) with a third of
its streets one-way in a random direction."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

import siting.check as chk
from siting.check.result import SEARCH_FACTOR
from siting.network import Network, nearest
from siting.network.service_area import service_area_lines
from siting.pipeline import synthetic_city
from siting.scenario import validate_scenario

SPEC = "synthetic:n=2000,seed=3"


def directed_city(seed: int = 1) -> Network:
    c = synthetic_city(SPEC)
    rng = np.random.default_rng(seed)
    u, v = c.edge_u.copy(), c.edge_v.copy()
    flip = rng.random(len(u)) < 0.5
    u[flip], v[flip] = c.edge_v[flip], c.edge_u[flip]
    return Network.from_arrays(c.node_x, c.node_y, u, v, c.edge_length, crs=c.crs, oneway=rng.random(len(u)) < 0.33)


@pytest.fixture(scope="module")
def surroundings(tmp_path_factory):
    sc = validate_scenario({
        "name": "check_oneway", "base_dir": str(tmp_path_factory.mktemp("co")), "network": {"source": SPEC},
        "travel": {"profile": "drive"}, "demand": {"source": "synthetic"}, "facilities": {"source": "synthetic"},
        "categories": {"use": ["pharmacy"], "overrides": {"pharmacy": {"threshold": "90 s"}}},
    })
    net = directed_city()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("siting.pipeline.load_network", lambda sc: net)
        return chk.prepare_check(sc)


def test_check_distances_and_catchments_follow_the_drive(surroundings, tmp_path):
    run = surroundings
    net = run.network
    assert net.directed
    # a development over a one-way street in the middle of the city
    mid = np.flatnonzero(net.edge_oneway)[len(np.flatnonzero(net.edge_oneway)) // 2]
    c = shapely.line_interpolate_point(net.edge_geometry[mid], 0.5, normalized=True)
    poly = box(c.x - 40, c.y - 40, c.x + 40, c.y + 40)
    p = tmp_path / "dev.geojson"
    gpd.GeoDataFrame({"name": ["D"], "households": [120]}, geometry=[poly], crs=net.crs).to_file(p, driver="GeoJSON")
    res = chk.check_development(chk.read_development(p), run, remedy=True)
    line = res.line("pharmacy", "distance")
    asnap = net.snap(res.access, run.scenario.max_snap_m)
    fsnap = run.coverage.facility_snap["pharmacy"]
    limit = run.categories[0].metres(run.scenario.speed_mps)
    drive = nearest(net, fsnap, asnap, limit=limit * SEARCH_FACTOR).distance  # access point -> facility
    np.testing.assert_allclose(line.numbers["per_access_point_m"], np.round(drive, 1), atol=0.051)
    # the catchment: the streets reached from the development, one-way rules kept
    want = service_area_lines(net, asnap, limit, simplify=1.0, direction="from_sources")
    got = res.catchments[limit]
    assert got.length == pytest.approx(want.length) and got.length > 0
    other = service_area_lines(net, asnap, limit, simplify=1.0, direction="to_sources")
    assert abs(other.length - want.length) > 1.0  # the directions differ here
