"""The incremental nearest-site state equals a search from scratch after every add and remove."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from siting.network import NearestState, nearest
from siting.network.compiled import Snap


def _points(net, rng, k):
    x0, y0, x1, y1 = net.bounds
    return shapely.points(rng.uniform(x0, x1, k), rng.uniform(y0, y1, k))


def _concat(snaps: list[Snap]) -> Snap:
    f = {k: np.concatenate([getattr(s, k) for s in snaps]) for k in ("edge", "u", "v", "along_u", "along_v", "perp", "t", "reachable")}
    return Snap(**f, max_snap=snaps[0].max_snap)


def _check(state, all_snaps, net, targets, limit):
    act = np.flatnonzero(state.active)
    fresh = nearest(net, all_snaps.subset(act), targets, limit=limit)
    np.testing.assert_allclose(state.distance, fresh.distance, rtol=0, atol=1e-6)
    finite = np.isfinite(fresh.distance)
    assert np.array_equal(np.isfinite(state.distance), finite)
    # the site named is active and at the stated distance (ties may name either site)
    assert (state.source[finite] >= 0).all() and state.active[state.source[finite]].all()
    assert (state.source[~finite] == -1).all()


@pytest.mark.parametrize("limit", [250.0, 600.0])
def test_add_remove_equals_fresh_search_helsinki(helsinki, limit):
    rng = np.random.default_rng(7)
    net = helsinki
    res_pts = _points(net, rng, 400)
    targets = net.snap(res_pts, 150.0)
    txy = (shapely.get_x(res_pts), shapely.get_y(res_pts))
    start_pts = _points(net, rng, 6)
    start = net.snap(start_pts, 150.0)
    st = NearestState(net, targets, txy, limit, start, (shapely.get_x(start_pts), shapely.get_y(start_pts)))
    snaps = [start]
    _check(st, _concat(snaps), net, targets, limit)
    for _step in range(40):
        op = rng.choice(["add", "add", "remove", "activate"])
        if op == "add":
            p = _points(net, rng, 1)
            s = net.snap(p, 150.0)
            h, ch = st.add(s, (float(shapely.get_x(p[0])), float(shapely.get_y(p[0]))))
            snaps.append(s)
            assert h == st.n_sites - 1
            assert (ch.after < ch.before).all()
        elif op == "remove" and st.active.any():
            h = int(rng.choice(np.flatnonzero(st.active)))
            ch = st.remove(h)
            assert (ch.after >= ch.before - 1e-9).all()
            assert (st.source != h).all()
        elif op == "activate" and (~st.active).any():
            st.activate(int(rng.choice(np.flatnonzero(~st.active))))
        _check(st, _concat(snaps), net, targets, limit)


def test_site_on_the_same_segment_and_empty_state(line_network):
    """Line network, 100 m segments: a site at x=150 and residences at x=120 and x=480 (on the street)."""
    net = line_network
    pts = shapely.points([120.0, 480.0], [0.0, 0.0])
    targets = net.snap(pts, 50.0)
    st = NearestState(net, targets, (np.array([120.0, 480.0]), np.zeros(2)), 400.0)
    assert np.isinf(st.distance).all()
    site = shapely.points([150.0], [0.0])
    h, ch = st.add(net.snap(site, 50.0), (150.0, 0.0))
    # 30 m along the same segment; 330 m to the other
    np.testing.assert_allclose(st.distance, [30.0, 330.0])
    assert list(ch.index) == [0, 1] and h == 0
    ch = st.remove(h)
    assert np.isinf(st.distance).all() and (st.source == -1).all()
    st.activate(h)
    np.testing.assert_allclose(st.distance, [30.0, 330.0])
    # a second site at x=500 takes the far residence (20 m)
    h2, _ = st.add(net.snap(shapely.points([500.0], [0.0]), 50.0), (500.0, 0.0))
    assert list(st.source) == [h, h2]
    np.testing.assert_allclose(st.distance, [30.0, 20.0])
    st.remove(h2)
    np.testing.assert_allclose(st.distance, [30.0, 330.0])


def test_site_off_the_network_changes_nothing(line_network):
    net = line_network
    targets = net.snap(shapely.points([120.0], [0.0]), 50.0)
    st = NearestState(net, targets, (np.array([120.0]), np.zeros(1)), 400.0)
    h, ch = st.add(net.snap(shapely.points([150.0], [900.0]), 50.0), (150.0, 900.0))
    assert len(ch.index) == 0 and not st.active[h] and np.isinf(st.distance).all()


def test_groups_of_targets_take_their_best_target_helsinki(helsinki):
    """Residences with 1-4 access points 10-150 m apart (a compound's gates): after every add, remove
    and activate, a group's distance is the smallest of its targets' in a search from scratch
    (ties: the lowest target index, as coverage picks them), and the change names exactly the
    groups whose distance or site changed."""
    rng = np.random.default_rng(11)
    net = helsinki
    limit = 400.0
    centres = _points(net, rng, 150)
    k = rng.integers(1, 5, size=len(centres))
    owner = np.repeat(np.arange(len(centres)), k)
    ang, r = rng.uniform(0, 2 * np.pi, len(owner)), rng.uniform(10, 150, len(owner))
    gx = shapely.get_x(centres)[owner] + r * np.cos(ang)
    gy = shapely.get_y(centres)[owner] + r * np.sin(ang)
    perm = rng.permutation(len(owner))  # the gates of a residence need not be next to each other
    owner, gx, gy = owner[perm], gx[perm], gy[perm]
    targets = net.snap(shapely.points(gx, gy), 150.0)
    start_pts = _points(net, rng, 5)
    start = net.snap(start_pts, 150.0)
    st = NearestState(net, targets, (gx, gy), limit, start, (shapely.get_x(start_pts), shapely.get_y(start_pts)),
                      owner=owner, n_owners=len(centres) + 1)  # the last group has no targets
    snaps = [start]

    def check():
        act = np.flatnonzero(st.active)
        fresh = nearest(net, _concat(snaps).subset(act), targets, limit=limit)
        best = np.full(len(centres) + 1, np.inf)
        np.minimum.at(best, owner, fresh.distance)
        np.testing.assert_allclose(st.distance, best, rtol=0, atol=1e-6)
        np.testing.assert_allclose(st.target_distance, fresh.distance, rtol=0, atol=1e-6)
        assert np.isinf(st.distance[-1]) and st.source[-1] == -1
        # the site named is that of the group's first target at its distance
        for g in np.flatnonzero(np.isfinite(st.distance[:-1])):
            mine = np.flatnonzero(owner == g)
            first = mine[np.flatnonzero(st.target_distance[mine] == st.distance[g])[0]]
            assert st.source[g] == st.target_source[first]

    check()
    assert (np.bincount(owner) > 1).sum() > 50
    for _step in range(30):
        op = rng.choice(["add", "add", "remove", "activate"])
        d0, s0 = st.distance.copy(), st.source.copy()
        if op == "add":
            p = _points(net, rng, 1)
            s = net.snap(p, 150.0)
            _h, ch = st.add(s, (float(shapely.get_x(p[0])), float(shapely.get_y(p[0]))))
            snaps.append(s)
            assert (ch.after <= ch.before).all()
        elif op == "remove" and st.active.any():
            ch = st.remove(int(rng.choice(np.flatnonzero(st.active))))
        elif op == "activate" and (~st.active).any():
            ch = st.activate(int(rng.choice(np.flatnonzero(~st.active))))
        else:
            continue
        moved = np.flatnonzero((st.distance != d0) | (st.source != s0))
        assert ch.index.tolist() == moved.tolist()
        np.testing.assert_array_equal(ch.before, d0[moved])
        np.testing.assert_array_equal(ch.after, st.distance[moved])
        check()
