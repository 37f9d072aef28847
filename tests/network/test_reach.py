"""Nearest-facility distances and sparse reachability against answers worked out by hand,
and against networkx on the real Helsinki network."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from _util import points
from siting.network import nearest, pairs_within

# Facilities on the line network (see conftest.line_network):
#   F0 at (150, 10): on segment 1-2, halfway (50 m to node 1 and to node 2), 10 m off the street
#   F1 at (900, 30): beyond node 9's end of segment 8-9, 30 m from node 9
FACILITIES = [(150, 10), (900, 30)]
# Residences and their hand answers (metres to the nearest facility):
#   R0 (420, -5):  segment 4-5, 20 m from node 4, 5 m off.  F0: 10+50+200+20+5 = 285; F1: 30+500+80+5 = 615 -> 285 (F0)
#   R1 (170, -20): same segment as F0, 20 m along from it: 10 + 20 + 20 = 50 (F0)
#   R2 (500, 400): 400 m from the street: unreachable with max_snap 300 -> inf
#   R3 (880, 0):   segment 8-9, 80 m from node 8. F1: 30 + 20 + 0 = 50 (F1); F0: 10+50+600+80 = 740
#   R4 (600, 0):   on node 6. F0: 10+50+400 = 460; F1: 30+300 = 330 -> 330 (F1)
RESIDENCES = [(420, -5), (170, -20), (500, 400), (880, 0), (600, 0)]
HAND = np.array([285.0, 50.0, np.inf, 50.0, 330.0])
HAND_SOURCE = np.array([0, 0, -1, 1, 1])


def test_nearest_matches_hand_answers(line_network):
    fs = line_network.snap(points(FACILITIES), max_snap=300)
    rs = line_network.snap(points(RESIDENCES), max_snap=300)
    assert rs.reachable.tolist() == [True, True, False, True, True]
    np.testing.assert_allclose(rs.perp, [5, 20, 400, 0, 0])
    res = nearest(line_network, fs, rs, limit=1000)
    np.testing.assert_allclose(res.distance, HAND, atol=1e-9)
    assert res.source.tolist() == HAND_SOURCE.tolist()


def test_nearest_limit_cuts_off(line_network):
    fs = line_network.snap(points(FACILITIES), max_snap=300)
    rs = line_network.snap(points(RESIDENCES), max_snap=300)
    res = nearest(line_network, fs, rs, limit=300)
    # 285 and 50 stay, 330 is beyond the limit
    np.testing.assert_allclose(res.distance, [285, 50, np.inf, 50, np.inf])
    assert res.source.tolist() == [0, 0, -1, 1, -1]


def test_only_one_facility_gives_its_own_distances(line_network):
    fs = line_network.snap(points(FACILITIES[:1]), max_snap=300)
    rs = line_network.snap(points(RESIDENCES), max_snap=300)
    res = nearest(line_network, fs, rs)
    np.testing.assert_allclose(res.distance, [285, 50, np.inf, 740, 460])


def test_facility_off_network_is_ignored(line_network):
    fs = line_network.snap(points([(150, 10), (450, 900)]), max_snap=300)
    assert fs.reachable.tolist() == [True, False]
    rs = line_network.snap(points(RESIDENCES), max_snap=300)
    res = nearest(line_network, fs, rs)
    assert set(res.source[np.isfinite(res.distance)]) == {0}


def test_pairs_within_hand_answers(line_network):
    fs = line_network.snap(points(FACILITIES), max_snap=300)
    rs = line_network.snap(points(RESIDENCES), max_snap=300)
    got = pairs_within(line_network, fs, rs, limit=400)
    pairs = {(int(s), int(t)): m for s, t, m in got.itertuples(index=False)}
    # within 400 m: F0-R0 285, F0-R1 50, F1-R3 50, F1-R4 330
    assert set(pairs) == {(0, 0), (0, 1), (1, 3), (1, 4)}
    assert pairs[(0, 0)] == pytest.approx(285)
    assert pairs[(0, 1)] == pytest.approx(50)
    assert pairs[(1, 3)] == pytest.approx(50)
    assert pairs[(1, 4)] == pytest.approx(330)


def _split_graph(net, fac_snap, res_snap):
    """An independent networkx model: every snapped point becomes a node that splits its
    segment, plus a 'door' node joined to it by the snap distance."""
    G = nx.Graph()
    coo = net.csr.tocoo()
    for a, b, w in zip(coo.row, coo.col, coo.data):
        if a < b:
            G.add_edge(("n", a), ("n", b), length=w)
    on_edge: dict[int, list] = {}
    for kind, s in (("f", fac_snap), ("r", res_snap)):
        for i in np.flatnonzero(s.reachable):
            on_edge.setdefault(int(s.edge[i]), []).append((float(s.along_u[i]), (kind, int(i)), float(s.perp[i])))
    for e, pts in on_edge.items():
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length[e])
        # the compiled CSR keeps the shortest parallel segment; this split uses segment e itself
        chain = [(0.0, ("n", u))] + sorted((a, ("p",) + key) for a, key, _ in pts) + [(length, ("n", v))]
        for (a0, n0), (a1, n1) in itertools.pairwise(chain):
            w = a1 - a0
            if G.has_edge(n0, n1):
                w = min(w, G[n0][n1]["length"])
            G.add_edge(n0, n1, length=w)
        for _, key, perp in pts:
            G.add_edge(("p",) + key, key, length=perp)
    return G


def test_helsinki_nearest_equals_networkx(helsinki):
    """Per-residence nearest distances equal networkx multi_source_dijkstra on the same graph
    (segments split at the snapped points) plus snap distances, to 1e-6 m."""
    rng = np.random.default_rng(42)
    minx, miny, maxx, maxy = helsinki.bounds
    fac = points(np.c_[rng.uniform(minx, maxx, 12), rng.uniform(miny, maxy, 12)], crs=helsinki.crs)
    res = points(np.c_[rng.uniform(minx, maxx, 400), rng.uniform(miny, maxy, 400)], crs=helsinki.crs)
    fs = helsinki.snap(fac, max_snap=250)
    rs = helsinki.snap(res, max_snap=250)
    assert rs.reachable.sum() > 300
    got = nearest(helsinki, fs, rs, limit=np.inf)
    G = _split_graph(helsinki, fs, rs)
    sources = [("f", int(i)) for i in np.flatnonzero(fs.reachable)]
    dist = nx.multi_source_dijkstra_path_length(G, sources, weight="length")
    want = np.array([dist.get(("r", i), np.inf) if rs.reachable[i] else np.inf for i in range(len(rs))])
    np.testing.assert_allclose(got.distance, want, rtol=0, atol=1e-6)


def test_helsinki_pairs_within_equals_networkx(helsinki):
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = helsinki.bounds
    cand = points(np.c_[rng.uniform(minx, maxx, 30), rng.uniform(miny, maxy, 30)], crs=helsinki.crs)
    res = points(np.c_[rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)], crs=helsinki.crs)
    cs = helsinki.snap(cand, max_snap=250)
    rs = helsinki.snap(res, max_snap=250)
    got = pairs_within(helsinki, cs, rs, limit=400, batch=7)
    G = _split_graph(helsinki, cs, rs)
    want = {}
    for i in np.flatnonzero(cs.reachable):
        d = nx.single_source_dijkstra_path_length(G, ("f", int(i)), cutoff=400, weight="length")
        for node, m in d.items():
            if node[0] == "r":
                want[(int(i), node[1])] = m
    have = {(int(s), int(t)): m for s, t, m in got.itertuples(index=False)}
    assert set(have) == set(want)
    for k, m in want.items():
        assert have[k] == pytest.approx(m, abs=1e-6)
