"""Tests of the synthetic city generator (siting.network.synthetic), on small cities (10k nodes)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree

from siting.errors import CRSError, InputError
from siting.network.synthetic import DEFAULT_CATEGORIES, generate_city


@pytest.fixture(scope="module")
def city():
    return generate_city(10_000, seed=3)


def test_same_seed_same_city_other_seed_other_city(city):
    again = generate_city(10_000, seed=3)
    np.testing.assert_array_equal(city.node_x, again.node_x)
    np.testing.assert_array_equal(city.node_y, again.node_y)
    np.testing.assert_array_equal(city.edge_u, again.edge_u)
    np.testing.assert_array_equal(city.edge_v, again.edge_v)
    np.testing.assert_array_equal(city.edge_length, again.edge_length)
    assert city.residences.equals(again.residences)
    assert city.facilities.equals(again.facilities)
    other = generate_city(10_000, seed=4)
    assert other.n_nodes != city.n_nodes or not np.array_equal(other.node_x, city.node_x)


@pytest.mark.parametrize("n", [2_000, 10_000, 30_000])
def test_node_count_close_to_request(n):
    c = generate_city(n, seed=0)
    assert abs(c.n_nodes - n) <= 0.10 * n


def test_edges_are_valid_undirected_and_unique(city):
    u, v = city.edge_u, city.edge_v
    assert u.min() >= 0 and v.min() >= 0
    assert max(u.max(), v.max()) == city.n_nodes - 1  # isolated nodes were dropped
    assert np.all(u != v)
    pairs = np.sort(np.column_stack([u, v]), axis=1)
    assert len(np.unique(pairs, axis=0)) == len(pairs)  # each street once


def test_mostly_connected(city):
    assert city.largest_component_fraction() >= 0.95


def test_lengths_at_least_straight_line(city):
    straight = np.hypot(city.node_x[city.edge_u] - city.node_x[city.edge_v], city.node_y[city.edge_u] - city.node_y[city.edge_v])
    assert np.all(city.edge_length >= straight - 1e-9)
    assert np.all(city.edge_length > 1.0)
    # local streets ~110 m apart: the median segment is a block side, not a cul-de-sac stub
    assert 60 < np.median(city.edge_length) < 160


def test_river_crossed_only_at_bridges(city):
    """Count, with shapely, the street segments that intersect the river's centre line."""
    segs = shapely.linestrings(
        np.stack(
            [
                np.column_stack([city.node_x[city.edge_u], city.node_y[city.edge_u]]),
                np.column_stack([city.node_x[city.edge_v], city.node_y[city.edge_v]]),
            ],
            axis=1,
        )
    )
    crossing = np.flatnonzero(shapely.intersects(segs, city.river))
    assert len(city.bridge_edges) >= 2
    np.testing.assert_array_equal(crossing, np.sort(city.bridge_edges))
    # few bridges: far fewer than the streets that would cross without the river
    assert len(city.bridge_edges) < 0.5 * np.sqrt(city.n_nodes)


def test_the_river_splits_the_city(city):
    """Without its bridges the network falls apart into the two banks."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    keep = np.ones(city.n_edges, dtype=bool)
    keep[city.bridge_edges] = False
    u, v = city.edge_u[keep], city.edge_v[keep]
    a = sp.coo_matrix((np.ones(u.size), (u, v)), shape=(city.n_nodes, city.n_nodes))
    _, labels = connected_components(a, directed=False)
    sizes = np.sort(np.bincount(labels))[::-1]
    assert sizes[1] > 0.1 * city.n_nodes  # the second bank is big, not a stray component


def test_points_inside_bbox_with_expected_columns(city):
    minx, miny, maxx, maxy = city.bbox
    for gdf in (city.residences, city.facilities):
        assert gdf.crs == city.crs
        assert (gdf.geometry.geom_type == "Point").all()
        x, y = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
        assert np.all((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        assert (gdf["source"] == "synthetic").all() and gdf.attrs["source"] == "synthetic"
        assert gdf["id"].is_unique
    r = city.residences
    assert (r["population"] > 0).all()
    np.testing.assert_allclose(r["households"], np.maximum(np.round(r["population"] / 2.8), 1))
    eld = r["elderly"].sum() / r["population"].sum()
    kid = r["children"].sum() / r["population"].sum()
    assert 0.15 <= eld <= 0.20 and 0.08 <= kid <= 0.12
    assert set(city.facilities["category"]) == set(DEFAULT_CATEGORIES)
    assert city.facilities["name"].str.contains("synthetic").all()
    assert city.source == "synthetic"


def test_residences_denser_near_centre(city):
    minx, miny, maxx, maxy = city.bbox
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    R = max(maxx - minx, maxy - miny) / 2
    r = np.hypot(city.residences.geometry.x - cx, city.residences.geometry.y - cy) / R
    pop = city.residences["population"].to_numpy()
    inner = pop[r < 0.3].sum() / (np.pi * 0.3**2)
    outer = pop[(r > 0.6) & (r < 0.9)].sum() / (np.pi * (0.9**2 - 0.6**2))
    assert inner > 2 * outer


def test_real_coverage_gaps_exist(city):
    """Some residences are farther than 600 m (straight line) from every pharmacy, some are not."""
    ph = city.facilities[city.facilities["category"] == "pharmacy"]
    tree = cKDTree(np.column_stack([ph.geometry.x, ph.geometry.y]))
    d, _ = tree.query(np.column_stack([city.residences.geometry.x, city.residences.geometry.y]))
    far = (d > 600).mean()
    assert 0.05 < far < 0.9


def test_to_graph_round_trip(city):
    G = city.to_graph()
    assert G.number_of_nodes() == city.n_nodes
    assert G.number_of_edges() == 2 * city.n_edges
    assert G.graph["crs"] == city.crs and G.graph["synthetic"] is True
    assert sorted(G.nodes)[:3] == [0, 1, 2] and max(G.nodes) == city.n_nodes - 1
    i = int(city.edge_u.size // 2)
    u, v = int(city.edge_u[i]), int(city.edge_v[i])
    assert G.nodes[u]["x"] == city.node_x[u] and G.nodes[v]["y"] == city.node_y[v]
    assert G[u][v][0]["length"] == G[v][u][0]["length"] == city.edge_length[i]
    assert G[u][v][0]["osmid"] == i


def test_to_graph_distances_match_csr():
    """networkx on to_graph() and scipy on to_csr() give the same shortest distances."""
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    c = generate_city(2_000, seed=7)
    G = c.to_graph()
    nxd = nx.single_source_dijkstra_path_length(G, 0, weight="length")
    spd = dijkstra(c.to_csr(), indices=0)
    nodes = np.fromiter(nxd.keys(), dtype=np.int64)
    np.testing.assert_allclose(spd[nodes], np.fromiter(nxd.values(), dtype=float), rtol=0, atol=1e-6)


def test_category_options():
    c = generate_city(2_000, seed=1, categories=["pharmacy", "library"])
    assert set(c.facilities["category"]) == {"pharmacy", "library"}
    c2 = generate_city(2_000, seed=1, categories={"pharmacy": 5.0})
    assert (c2.facilities["category"] == "pharmacy").sum() > (c.facilities["category"] == "pharmacy").sum()


def test_bad_input_named():
    with pytest.raises(InputError, match="at least 100"):
        generate_city(10)
    with pytest.raises(CRSError, match="projected"):
        generate_city(1_000, crs="EPSG:4326")
    with pytest.raises(InputError, match="categories"):
        generate_city(1_000, categories=[])


def test_crs_and_centre():
    c = generate_city(1_000, seed=0, crs="EPSG:32649", centre_lonlat=(112.55, 37.87))
    minx, miny, maxx, maxy = c.bbox
    assert c.crs.to_epsg() == 32649
    assert abs((minx + maxx) / 2 - 636_330) < 1 and abs((miny + maxy) / 2 - 4_192_524) < 1
