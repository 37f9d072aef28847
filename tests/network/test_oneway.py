"""One-way streets (the drive profile): the directed network, searches in the right direction,
snapping onto one-way segments, service areas and the live state — by hand, and against networkx
on an independent directed graph split at the snapped points."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import shapely

from _util import CRS, points
from siting.network import NearestState, Network, Snap, nearest, pairs_within
from siting.network.service_area import node_distances, reached_intervals, service_area_lines

# --------------------------------------------------------------------------------------------
# the hand-made grid
# --------------------------------------------------------------------------------------------
#: Nodes of the grid: node i at (100 · (i % 4), 100 · (i // 4)), metres.
GRID_EDGES = [
    # (u, v, one-way u -> v)
    (0, 1, True), (1, 2, True), (2, 3, True),  # the bottom street, eastbound only
    (7, 6, True), (6, 5, True), (5, 4, True),  # the middle street, westbound only
    (8, 9, False), (9, 10, False), (10, 11, False),  # the top street, two-way
    (0, 4, False), (4, 8, False), (1, 5, False), (5, 9, False),  # the cross streets, two-way
    (2, 6, False), (6, 10, False), (3, 7, False), (7, 11, False),
]


def oneway_grid() -> Network:
    """A 4 x 3 grid, 100 m blocks, two one-way streets (EPSG:32650)::

        (0,200)  8 ------ 9 ------ 10 ----- 11      top: two-way
                 |        |        |        |
        (0,100)  4 <----- 5 <----- 6 <----- 7      middle: one-way westbound
                 |  F1    |   R2   |        |
                 |        |        |        |
        (0,0)    0 -----> 1 -----> 2 -----> 3      bottom: one-way eastbound
                              R0        F0 R1

    Facilities: F0 at (250, -10), on 2 -> 3, 50 m from node 2, 10 m off the street; F1 at
    (0, 150), on the two-way 4 - 8, 50 m from node 4, on the street.
    Residences: R0 (150, 5) on 1 -> 2, 50 m from 1, 5 m off; R1 (290, 0) on 2 -> 3, 90 m from 2
    (ahead of F0 on the same one-way segment); R2 (150, 105) on 6 -> 5, 50 m from each, 5 m off.

    Residence to facility (a resident drives to it; forward only on one-way segments):

    * R0 -> F0: 5 + 50 (to 2) + 50 + 10 = **115**. R0 -> F1: 5 + 50 (to 2) + 100 (2-6) + 200
      (6 -> 4) + 50 + 0 = 405. Nearest: 115 (F0).
    * R1 -> F0: F0 is behind R1 on a one-way segment: 0 + 10 (to 3) + 100 (3-7) + 100 (7 -> 6) +
      100 (6-2) + 50 + 10 = **370**. R1 -> F1: 10 + 100 + 300 (7 -> 4) + 50 = 460. Nearest 370 (F0).
    * R2 -> F0: 5 + 50 (to 5, westbound) + 100 (5-1) + 100 (1 -> 2) + 50 + 10 = 315. R2 -> F1:
      5 + 50 + 100 (5 -> 4) + 50 = **205**. Nearest 205 (F1).

    Facility to residence (the other way round):

    * F0 -> R0: 10 + 50 (to 3) + 100 (3-7) + 200 (7 -> 5) + 100 (5-1) + 50 + 5 = 515; F1 -> R0:
      50 (to 4) + 100 (4-0) + 100 (0 -> 1) + 50 + 5 = **305**.
    * F0 -> R1: straight ahead along 2 -> 3: 10 + 40 + 0 = **50**.
    * F1 -> R2: R2 is entered from node 6: 50 (to 8) + 200 (8-10) + 100 (10-6) + 50 + 5 = 405;
      F0 -> R2: 10 + 50 (to 3) + 100 (3-7) + 100 (7 -> 6) + 50 + 5 = **315**.

    Walking (both ways everywhere) R0 - F0 is 115 either way, R1 - F0 50, R2 - F1 205.
    """
    x = np.array([100.0 * (i % 4) for i in range(12)])
    y = np.array([100.0 * (i // 4) for i in range(12)])
    u = np.array([e[0] for e in GRID_EDGES])
    v = np.array([e[1] for e in GRID_EDGES])
    ow = np.array([e[2] for e in GRID_EDGES])
    return Network.from_arrays(x, y, u, v, crs=CRS, oneway=ow)


FACILITIES = [(250, -10), (0, 150)]
RESIDENCES = [(150, 5), (290, 0), (150, 105)]
TO_FACILITY = np.array([115.0, 370.0, 205.0])  # residence -> nearest facility
TO_FACILITY_SOURCE = [0, 0, 1]
FROM_FACILITY = np.array([305.0, 50.0, 315.0])  # nearest facility -> residence
FROM_FACILITY_SOURCE = [1, 0, 0]
# every residence-facility pair, by hand (see the docstring): (residence, facility) -> metres
HAND_TO = {(0, 0): 115, (0, 1): 405, (1, 0): 370, (1, 1): 460, (2, 0): 315, (2, 1): 205}
HAND_FROM = {(0, 0): 515, (0, 1): 305, (1, 0): 50, (2, 0): 315, (2, 1): 405}


@pytest.fixture(scope="module")
def grid() -> Network:
    return oneway_grid()


@pytest.fixture(scope="module")
def snaps(grid):
    return grid.snap(points(FACILITIES), 300), grid.snap(points(RESIDENCES), 300)


def test_grid_is_directed_with_a_directed_csr(grid):
    assert grid.directed and grid.info["oneway_edges"] == 6
    assert grid.csr[0, 1] == 100 and grid.csr[1, 0] == 0  # eastbound only
    assert grid.csr[6, 5] == 100 and grid.csr[5, 6] == 0  # westbound only
    assert grid.csr[0, 4] == grid.csr[4, 0] == 100
    assert (grid.csr_reverse != grid.csr.T).nnz == 0
    G = grid.to_graph()
    assert isinstance(G, nx.DiGraph) and G.has_edge(0, 1) and not G.has_edge(1, 0)
    assert grid.edges_gdf()["oneway"].sum() == 6


def test_nearest_residence_to_facility_by_hand(grid, snaps):
    fs, rs = snaps
    got = nearest(grid, fs, rs)
    np.testing.assert_allclose(got.distance, TO_FACILITY, atol=1e-9)
    assert got.source.tolist() == TO_FACILITY_SOURCE


def test_nearest_facility_to_residence_by_hand(grid, snaps):
    fs, rs = snaps
    got = nearest(grid, fs, rs, direction="from_sources")
    np.testing.assert_allclose(got.distance, FROM_FACILITY, atol=1e-9)
    assert got.source.tolist() == FROM_FACILITY_SOURCE


def test_walking_the_same_streets_ignores_the_one_way_rules(grid, snaps):
    walk = Network.from_arrays(grid.x, grid.y, grid.edge_u, grid.edge_v, crs=CRS)
    fs, rs = walk.snap(points(FACILITIES), 300), walk.snap(points(RESIDENCES), 300)
    a, b = nearest(walk, fs, rs), nearest(walk, fs, rs, direction="from_sources")
    np.testing.assert_allclose(a.distance, [115, 50, 205], atol=1e-9)
    np.testing.assert_array_equal(a.distance, b.distance)
    # all two-way but directed: the same numbers as undirected
    both = Network.from_arrays(grid.x, grid.y, grid.edge_u, grid.edge_v, crs=CRS, oneway=np.zeros(grid.n_edges, bool))
    np.testing.assert_allclose(nearest(both, both.snap(points(FACILITIES), 300), both.snap(points(RESIDENCES), 300)).distance,
                               a.distance, atol=1e-9)


def test_pairs_within_both_directions_by_hand(grid, snaps):
    fs, rs = snaps
    to = pairs_within(grid, fs, rs, limit=1000)
    got = {(int(t), int(s)): m for s, t, m in to.itertuples(index=False)}
    assert got.keys() == HAND_TO.keys()
    for k, m in HAND_TO.items():
        assert got[k] == pytest.approx(m)
    fr = pairs_within(grid, fs, rs, limit=1000, direction="from_sources")
    got = {(int(t), int(s)): m for s, t, m in fr.itertuples(index=False)}
    # F1 -> R1: 50 + 100 + 100 + 100 (4 -> 0 -> 1 -> 2) + 90 = 440
    assert got == pytest.approx({**HAND_FROM, (1, 1): 440.0})
    # bounded: only what is within 320 m
    near = pairs_within(grid, fs, rs, limit=320)
    assert {(int(t), int(s)) for s, t, _ in near.itertuples(index=False)} == {(0, 0), (2, 0), (2, 1)}


def test_same_segment_joined_forward_only(grid):
    """Two points on one one-way segment: the direct drive only from the one behind."""
    behind = grid.snap(points([(210, 0)]), 300)  # 10 m from node 2
    ahead = grid.snap(points([(260, 0)]), 300)  # 60 m from node 2
    # behind -> ahead: 50 m straight on; ahead -> behind: round the block 40 + 100 + 100 + 100 + 10 = 350
    assert nearest(grid, ahead, behind).distance[0] == pytest.approx(50)  # the residence behind drives to it
    assert nearest(grid, behind, ahead).distance[0] == pytest.approx(350)
    assert nearest(grid, behind, ahead, direction="from_sources").distance[0] == pytest.approx(50)
    assert nearest(grid, ahead, behind, direction="from_sources").distance[0] == pytest.approx(350)


# --------------------------------------------------------------------------------------------
# an independent model: networkx on a directed graph split at every snapped point
# --------------------------------------------------------------------------------------------
def _split_digraph(net: Network, fac_snap, res_snap) -> nx.DiGraph:
    """Every street segment as directed edges (both ways unless one-way), built from the
    segment arrays (not the CSR); every snapped point splits its segment and joins a 'door'
    node by its snap distance, both ways."""
    G = nx.DiGraph()

    def add(a, b, w):
        if not G.has_edge(a, b) or G[a][b]["length"] > w:
            G.add_edge(a, b, length=w)

    on_edge: dict[int, list] = {}
    for kind, s in (("f", fac_snap), ("r", res_snap)):
        for i in np.flatnonzero(s.reachable):
            on_edge.setdefault(int(s.edge[i]), []).append((float(s.along_u[i]), (kind, int(i)), float(s.perp[i])))
    for e in range(net.n_edges):
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length[e])
        one = bool(net.edge_oneway[e]) if net.edge_oneway is not None else False
        pts = on_edge.get(e, [])
        chain = [(0.0, ("n", u))] + sorted((a, ("p",) + key) for a, key, _ in pts) + [(length, ("n", v))]
        for (a0, n0), (a1, n1) in itertools.pairwise(chain):
            if n0 == n1:
                continue
            add(n0, n1, a1 - a0)
            if not one:
                add(n1, n0, a1 - a0)
        for _, key, perp in pts:
            add(("p",) + key, key, perp)
            add(key, ("p",) + key, perp)
    return G


def _nx_to_facilities(G, fs, rs) -> np.ndarray:
    """Per residence: networkx distance from its door to the nearest facility door."""
    R = G.reverse(copy=True)
    src = [("f", int(i)) for i in np.flatnonzero(fs.reachable)]
    d = nx.multi_source_dijkstra_path_length(R, src, weight="length")
    return np.array([d.get(("r", i), np.inf) if rs.reachable[i] else np.inf for i in range(len(rs))])


def _nx_from_facilities(G, fs, rs) -> np.ndarray:
    src = [("f", int(i)) for i in np.flatnonzero(fs.reachable)]
    d = nx.multi_source_dijkstra_path_length(G, src, weight="length")
    return np.array([d.get(("r", i), np.inf) if rs.reachable[i] else np.inf for i in range(len(rs))])


def test_grid_equals_networkx(grid, snaps):
    fs, rs = snaps
    G = _split_digraph(grid, fs, rs)
    np.testing.assert_allclose(_nx_to_facilities(G, fs, rs), TO_FACILITY, atol=1e-9)
    np.testing.assert_allclose(_nx_from_facilities(G, fs, rs), FROM_FACILITY, atol=1e-9)


def random_oneway_city(seed: int = 3, share: float = 0.35) -> Network:
    """A generated city (synthetic, no real place) with a random share of its streets one-way,
    each in a random direction; compiled with its largest strongly connected component."""
    from siting.network.synthetic import generate_city

    c = generate_city(2500, seed=seed)
    rng = np.random.default_rng(seed)
    u, v = c.edge_u.copy(), c.edge_v.copy()
    flip = rng.random(len(u)) < 0.5
    u[flip], v[flip] = c.edge_v[flip], c.edge_u[flip]
    ow = rng.random(len(u)) < share
    return Network.from_arrays(c.node_x, c.node_y, u, v, c.edge_length, crs=c.crs, oneway=ow)


@pytest.fixture(scope="module")
def city() -> Network:
    return random_oneway_city()


def _random_points(net, rng, k):
    x0, y0, x1, y1 = net.bounds
    return shapely.points(rng.uniform(x0, x1, k), rng.uniform(y0, y1, k))


def test_random_city_is_strongly_connected(city):
    from scipy.sparse.csgraph import connected_components

    assert city.directed and city.info["oneway_edges"] > 0.25 * city.n_edges
    assert connected_components(city.csr, directed=True, connection="strong")[0] == 1
    assert city.info["nodes_dropped"] > 0 and city.info["nodes_dropped_one_way"] > 0  # dead ends of one-way streets


def test_random_city_nearest_equals_networkx(city):
    rng = np.random.default_rng(11)
    fs = city.snap(_random_points(city, rng, 15), 200)
    rs = city.snap(_random_points(city, rng, 400), 200)
    # many points on one-way segments, some facility and residence on the same one
    assert city.edge_oneway[rs.edge[rs.reachable]].sum() > 80
    G = _split_digraph(city, fs, rs)
    want_to, want_from = _nx_to_facilities(G, fs, rs), _nx_from_facilities(G, fs, rs)
    fin = np.isfinite(want_to)
    assert np.array_equal(fin, np.isfinite(want_from))  # strongly connected: reachable both ways
    assert np.mean(np.abs(want_to[fin] - want_from[fin]) > 1) > 0.3  # the directions differ
    np.testing.assert_allclose(nearest(city, fs, rs).distance, want_to, rtol=0, atol=1e-6)
    np.testing.assert_allclose(nearest(city, fs, rs, direction="from_sources").distance, want_from, rtol=0, atol=1e-6)


def test_random_city_same_segment_pairs_equal_networkx(city):
    """Facilities and residences crowded onto the same one-way segments."""
    rng = np.random.default_rng(5)
    edges = rng.choice(np.flatnonzero(city.edge_oneway), 20, replace=False)
    line = city.edge_geometry
    fpts = shapely.line_interpolate_point(line[edges], rng.uniform(0, 1, 20), normalized=True)
    rpts = shapely.line_interpolate_point(line[np.repeat(edges, 3)], rng.uniform(0, 1, 60), normalized=True)
    fs, rs = city.snap(fpts, 50), city.snap(rpts, 50)
    G = _split_digraph(city, fs, rs)
    np.testing.assert_allclose(nearest(city, fs, rs).distance, _nx_to_facilities(G, fs, rs), atol=1e-6)
    np.testing.assert_allclose(nearest(city, fs, rs, direction="from_sources").distance,
                               _nx_from_facilities(G, fs, rs), atol=1e-6)


@pytest.mark.parametrize("direction", ["to_sources", "from_sources"])
def test_random_city_pairs_within_equals_networkx(city, direction):
    rng = np.random.default_rng(8)
    cs = city.snap(_random_points(city, rng, 25), 200)
    rs = city.snap(_random_points(city, rng, 250), 200)
    limit = 900.0
    got = pairs_within(city, cs, rs, limit, batch=6, direction=direction)
    G = _split_digraph(city, cs, rs)
    if direction == "to_sources":
        G = G.reverse(copy=True)
    want = {}
    for i in np.flatnonzero(cs.reachable):
        d = nx.single_source_dijkstra_path_length(G, ("f", int(i)), cutoff=limit, weight="length")
        for node, m in d.items():
            if node[0] == "r":
                want[(int(i), node[1])] = m
    have = {(int(s), int(t)): m for s, t, m in got.itertuples(index=False)}
    assert len(want) > 100
    assert set(have) == set(want)
    for k, m in want.items():
        assert have[k] == pytest.approx(m, abs=1e-6)


# --------------------------------------------------------------------------------------------
# service areas
# --------------------------------------------------------------------------------------------
def test_node_distances_by_hand(grid, snaps):
    fs, _ = snaps
    f0 = fs.subset(np.array([0]))
    to = node_distances(grid, f0, 1000)
    # to F0: from 2: 50 + 10 = 60; from 3: round 3-7, 7 -> 6, 6-2 = 300 + 60 = 360; from 1: 160
    assert to[2] == pytest.approx(60) and to[3] == pytest.approx(360) and to[1] == pytest.approx(160)
    fr = node_distances(grid, f0, 1000, direction="from_sources")
    # from F0: to 3: 60; to 2: 60 + 100 (3-7) + 100 (7 -> 6) + 100 (6-2) = 360
    assert fr[3] == pytest.approx(60) and fr[2] == pytest.approx(360)


def test_service_area_by_hand(grid, snaps):
    fs, _ = snaps
    f0 = fs.subset(np.array([0]))
    edge = {(int(a), int(b)): e for e, (a, b) in enumerate(zip(grid.edge_u, grid.edge_v, strict=True))}
    iv = reached_intervals(grid, f0, 100.0)
    # within 100 m of F0 (10 m off its street, 90 m left): on 2 -> 3 only behind it, [0, 50] from 2;
    # 1 -> 2: its last 40 m (90 - 50); 2 - 6 (two-way): the first 40 m from 2
    np.testing.assert_allclose(iv[edge[(2, 3)]], [(0.0, 50.0)], atol=1e-9)
    np.testing.assert_allclose(iv[edge[(1, 2)]], [(60.0, 100.0)], atol=1e-9)
    np.testing.assert_allclose(iv[edge[(2, 6)]], [(0.0, 40.0)], atol=1e-9)
    assert set(iv) == {edge[(2, 3)], edge[(1, 2)], edge[(2, 6)]}
    out = reached_intervals(grid, f0, 100.0, direction="from_sources")
    # from F0: ahead of it to 3, [50, 100]; then 3 - 7 for 40 m
    np.testing.assert_allclose(out[edge[(2, 3)]], [(50.0, 100.0)], atol=1e-9)
    np.testing.assert_allclose(out[edge[(3, 7)]], [(0.0, 40.0)], atol=1e-9)
    assert set(out) == {edge[(2, 3)], edge[(3, 7)]}
    lines = service_area_lines(grid, f0, 100.0, simplify=0)
    assert lines.length == pytest.approx(50 + 40 + 40)


@pytest.mark.parametrize("direction", ["to_sources", "from_sources"])
def test_service_area_equals_point_distances(city, direction):
    """Every point of the streets lies in the service area exactly when its distance (a search
    to/from it, checked against networkx above) is within the limit."""
    rng = np.random.default_rng(2)
    fs = city.snap(_random_points(city, rng, 6), 200)
    limit = 700.0
    iv = reached_intervals(city, fs, limit, direction=direction)
    e = np.repeat(np.arange(city.n_edges), 7)
    t = np.tile(np.linspace(0.03, 0.97, 7), city.n_edges)
    pts = shapely.line_interpolate_point(city.edge_geometry[e], t, normalized=True)
    ps = city.snap(pts, 1.0)
    ok = (ps.edge == e) & (ps.perp < 1e-6)  # the points on their own segment (not at a crossing)
    d = nearest(city, fs, ps.subset(ok), direction=direction).distance
    s = ps.along_u[ok]
    inside = np.array([any(a - 1e-6 <= si <= b + 1e-6 for a, b in iv.get(int(ei), [])) for ei, si in zip(e[ok], s, strict=True)])
    clear = np.abs(d - limit) > 1e-4
    assert inside.sum() > 200
    assert np.array_equal(inside[clear], (d <= limit)[clear])


# --------------------------------------------------------------------------------------------
# the live state of `siting serve`
# --------------------------------------------------------------------------------------------
def _concat(snaps: list[Snap]) -> Snap:
    f = {k: np.concatenate([getattr(s, k) for s in snaps]) for k in ("edge", "u", "v", "along_u", "along_v", "perp", "t", "reachable")}
    return Snap(**f, max_snap=snaps[0].max_snap)


def test_nearest_state_on_one_way_streets_equals_fresh_search(city):
    """Sites added and removed one by one: the live distances (residence to site, one-way
    respected) equal a search from scratch after every step."""
    rng = np.random.default_rng(4)
    res = _random_points(city, rng, 300)
    targets = city.snap(res, 150)
    start_pts = _random_points(city, rng, 4)
    start = city.snap(start_pts, 150)
    limit = 600.0
    st = NearestState(city, targets, (shapely.get_x(res), shapely.get_y(res)), limit, start,
                      (shapely.get_x(start_pts), shapely.get_y(start_pts)))
    snaps = [start]
    differs = 0
    for _step in range(30):
        op = rng.choice(["add", "add", "remove"])
        if op == "add":
            p = _random_points(city, rng, 1)
            s = city.snap(p, 150)
            st.add(s, (float(shapely.get_x(p[0])), float(shapely.get_y(p[0]))))
            snaps.append(s)
        elif st.active.any():
            st.remove(int(rng.choice(np.flatnonzero(st.active))))
        act = np.flatnonzero(st.active)
        every = _concat(snaps)
        fresh = nearest(city, every.subset(act), targets, limit=limit)
        np.testing.assert_allclose(st.distance, fresh.distance, rtol=0, atol=1e-6)
        other = nearest(city, every.subset(act), targets, limit=limit, direction="from_sources")
        differs += int(np.sum(np.abs(np.nan_to_num(other.distance, posinf=1e9) - np.nan_to_num(fresh.distance, posinf=1e9)) > 1))
    assert differs > 100  # the state follows the residents' direction, not the other one
