"""The map's street layer: every segment once, strokes along straight streets, lengths within a metre."""

from __future__ import annotations

import numpy as np
import pytest
from _maps_util import grid_network
from pyproj import Transformer

from siting.network import Network
from siting.network.synthetic import generate_city
from siting.outputs.encode import unpack
from siting.outputs.streets import FULL_ZOOM, quantised_length, street_layer, strokes


def _segments(layer):
    P = {k: unpack(v) for k, v in layer.payload.items()}
    a = P["a"]
    b = a + P["b"]
    return P, a, b


@pytest.fixture(scope="module")
def city():
    c = generate_city(3000, seed=4)
    return Network.from_arrays(c.node_x, c.node_y, c.edge_u, c.edge_v, c.edge_length, crs=c.crs)


@pytest.mark.parametrize("compress", [False, True])
def test_every_segment_drawn_once_between_its_nodes(city, compress):
    tr = Transformer.from_crs(city.crs, 4326, always_xy=True)
    layer = street_layer(city, tr, compress=compress)
    P, a, b = _segments(layer)
    assert sorted(layer.edge_order) == list(range(city.n_edges))
    lon = (P["x0"] + P["nx"]) / P["q"]
    lat = (P["y0"] + P["ny"]) / P["q"]
    X, Y = Transformer.from_crs(4326, city.crs, always_xy=True).transform(lon, lat)
    e = layer.edge_order
    u = np.where(layer.reversed, city.edge_v[e], city.edge_u[e])
    v = np.where(layer.reversed, city.edge_u[e], city.edge_v[e])
    assert np.hypot(X[a] - city.x[u], Y[a] - city.y[u]).max() < 1.0  # 1e-5 degrees: within a metre
    assert np.hypot(X[b] - city.x[v], Y[b] - city.y[v]).max() < 1.0
    # the page's lengths: measured on the packed coordinates, corrected by dl, within half a unit
    geo = quantised_length(P["x0"] + P["nx"][a], P["y0"] + P["ny"][a], P["x0"] + P["nx"][b], P["y0"] + P["ny"][b],
                           P["bc"], P["x0"] + P["bx"], P["y0"] + P["by"])
    page = (np.floor(geo / P["lq"] + 0.5) + P["dl"]) * P["lq"]
    assert np.abs(page - city.edge_length[e]).max() <= P["lq"] / 2 + 1e-9
    assert np.abs(P["dl"]).max() * P["lq"] < 0.2 * city.edge_length.max()  # small corrections


def test_quantised_length_by_hand():
    # 100 units east on the equator, then a segment bent through (50, 50) to (0, 100)
    got = quantised_length(np.array([0, 0]), np.array([0, 0]), np.array([100, 0]), np.array([0, 100]),
                           np.array([0, 1]), np.array([50]), np.array([50]))
    k = 6378137.0 * np.pi / 180 * 1e-5
    assert got[0] == pytest.approx(100 * k)
    assert got[1] == pytest.approx(2 * np.hypot(50 * k * np.cos(np.radians(50e-5)), 50 * k))


def test_strokes_follow_straight_streets_through_junctions():
    """On a 6 × 6 grid each of the 6 rows and 6 columns is one stroke of 5 segments."""
    net = grid_network(6, 100.0)
    lab = strokes(net)
    assert len(np.unique(lab)) == 12
    for s in np.unique(lab):
        e = np.flatnonzero(lab == s)
        assert len(e) == 5
        xs, ys = net.x[np.r_[net.edge_u[e], net.edge_v[e]]], net.y[np.r_[net.edge_u[e], net.edge_v[e]]]
        assert len(np.unique(np.round(xs))) == 1 or len(np.unique(np.round(ys))) == 1  # straight


def test_longer_strokes_show_from_lower_zoom(city):
    tr = Transformer.from_crs(city.crs, 4326, always_xy=True)
    layer = street_layer(city, tr)
    P, _, _ = _segments(layer)
    z = P["z"] + P["z0"]
    lab = strokes(city)[layer.edge_order]
    length = np.bincount(lab, weights=city.edge_length[layer.edge_order])
    zs = np.zeros(len(length))
    zs[lab] = z
    o = np.argsort(-length)
    assert (np.diff(zs[o]) >= 0).all()  # a longer stroke never shows later than a shorter one
    assert z.max() <= FULL_ZOOM and (z < FULL_ZOOM).any()
