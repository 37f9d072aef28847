"""Maps without a browser: self-contained HTML, escaping, basemaps, service areas, catchments."""

from __future__ import annotations

import json
import logging
import re

import networkx as nx
import numpy as np
import pytest
from _maps_util import CRS, EVIL, LONG_ZH, tiny_run
from pyproj import Transformer

from _util import points
from siting.errors import InputError
from siting.inputs.coords import wgs84_to_gcj02
from siting.network import Network
from siting.network.service_area import node_distances, reached_intervals, service_area_lines
from siting.outputs.maps import basemap_layers, coverage_map, map_data


def _decode(a):
    """Python twin of decodeLines in siting_map.js: one delta stream of 1e-5 degrees -> lines of (lon, lat)."""
    d = np.asarray(a["d"], dtype=np.int64)
    xy = np.stack([np.cumsum(d[0::2]), np.cumsum(d[1::2])], 1) / 1e5
    return np.split(xy, np.cumsum(a["n"])[:-1])


@pytest.fixture(scope="module")
def run():
    return tiny_run()


@pytest.fixture(scope="module")
def html(run, tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "tiny.html"
    coverage_map(run).save(str(path))
    return path.read_text(encoding="utf-8")


def test_html_loads_nothing_from_the_network(html):
    # no external script or stylesheet: Leaflet and the plugin are inlined
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+stylesheet", html)
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html and "bootstrap" not in html.lower()
    assert 'version="1.9.4"' in html  # Leaflet's own version string, inlined
    assert "leaflet.fullscreen" in html
    # every url(...) in the inlined CSS is a data: URI (icons), none points to a file or server
    css_urls = re.findall(r"url\(['\"]?([^'\")]+)", html)
    assert css_urls and all(u.startswith(("data:", "#")) for u in css_urls), css_urls


def test_data_text_never_appears_raw(html):
    assert EVIL not in html
    assert "<b>test</b>" not in html
    # but the data are there, escaped for JSON-in-script
    data = json.loads(re.search(r'<script type="application/json" id="siting-data">(.*?)</script>', html, re.S).group(1))
    assert EVIL in data["fac"]["name"]
    assert LONG_ZH in data["fac"]["name"]
    assert data["prop"]["site"] == [f"site{EVIL}"]


def test_residence_payload_matches_coverage(run):
    d = map_data(run)
    r = run.coverage.residences
    keys = [c.key for c in run.categories]
    for k, key in enumerate(keys):
        mins = r[f"{key}_min"].to_numpy()
        got = np.array([np.inf if v is None else v for v in d["res"]["min"][k]])
        np.testing.assert_allclose(got[np.isfinite(mins)], np.round(mins[np.isfinite(mins)], 1))
        assert d["res"]["cov"][k] == "".join("1" if v else "0" for v in r[f"{key}_covered"])
    ll = r.geometry.to_crs(4326)
    np.testing.assert_allclose(d["res"]["lon"], ll.x, atol=1e-6)
    np.testing.assert_allclose(d["res"]["lat"], ll.y, atol=1e-6)


def test_catchment_population_adds_up_to_covered_population(run):
    d = map_data(run)
    fac = d["fac"]
    for k, c in enumerate(run.categories):
        served = sum(p for p, cat in zip(fac["served_pop"], fac["cat"]) if cat == k)
        assert served == pytest.approx(run.coverage.categories.set_index("category").loc[c.key, "covered_population"])
    # by hand: pharmacy f1 at the grid corner (0, 0) reaches residences r0..r2 within 250 m
    # (r_i at 10 + 43.6 i m on the diagonal, 3 m above it: snap + walk ≤ 250 m for i ≤ 2)
    i = fac["fid"].index("f1")
    assert fac["served_n"][i] == 3
    assert fac["served_pop"][i] == 10 + 20 + 30


def test_gcj02_shift_for_amap(run):
    plain = map_data(run)
    amap = map_data(run, basemap="amap")
    assert amap["gcj02"] and [b["name"] for b in amap["basemaps"]] == ["Amap (GCJ-02)"]
    gx, gy = wgs84_to_gcj02(np.array(plain["res"]["lon"]), np.array(plain["res"]["lat"]))
    np.testing.assert_allclose(amap["res"]["lon"], gx, atol=2e-6)
    np.testing.assert_allclose(amap["res"]["lat"], gy, atol=2e-6)
    # near 38° N the shift is a few hundred metres, not nothing
    assert abs(amap["res"]["lon"][0] - plain["res"]["lon"][0]) > 1e-3


def test_tianditu_without_key_warns_and_falls_back(caplog, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="siting.outputs.maps"):
        layers, warnings, gcj = basemap_layers("tianditu")
    assert [b["name"] for b in layers] == ["OpenStreetMap"] and layers[0]["default"]
    assert warnings and "TIANDITU_KEY" in warnings[0] and "TIANDITU_KEY" in caplog.text
    assert not gcj


def test_tianditu_key_from_environment(monkeypatch):
    monkeypatch.setenv("TIANDITU_KEY", "abc123")
    layers, warnings, _ = basemap_layers("tianditu", lang="zh")
    assert not warnings
    assert layers[0]["default"] and "tk=abc123" in layers[0]["url"] and "LAYER=cva" in layers[0]["labels"]
    assert "OpenStreetMap" in [b["name"] for b in layers]


def test_unknown_basemap_is_refused_with_the_choices():
    with pytest.raises(InputError, match="osm, tianditu, amap, none"):
        basemap_layers("google")


def test_map_with_missing_tianditu_key_still_builds(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    d = map_data(tiny_run(basemap="tianditu"), service_areas=False)
    assert d["warnings"] and d["basemaps"][0]["name"] == "OpenStreetMap"


def test_development_layer_is_carried_escaped(run):
    dev = points([(500_100.0, 4_200_100.0)], crs=CRS, name=[EVIL], floors=[12])
    d = map_data(run, development=dev, development_name="Plot <7>", service_areas=False)
    assert d["dev"]["features"][0]["properties"] == {"name": EVIL, "floors": 12}
    html = coverage_map(run, development=dev, development_name="Plot <7>", service_areas=False).get_root().render()
    assert "Plot <7>" not in html and EVIL not in html


# ------------------------------------------------------------------------------------------------
# service areas: reached street segments, checked by hand and against networkx on sampled points
# ------------------------------------------------------------------------------------------------
def test_reached_intervals_by_hand(line_network):
    """Facility at x = 150 (middle of segment 1-2), 40 m off the street; limit 250 m.

    Walk budget along the street: 250 - 40 = 210 m each way from x = 150, so x in [0, 360]:
    segment 0-1 whole, 1-2 whole, 2-3 whole (200..300), 3-4 up to x = 360 (60 m from node 3).
    """
    snap = line_network.snap(points([(150.0, 40.0)]), 100.0)
    iv = reached_intervals(line_network, snap, 250.0)
    assert set(iv) == {0, 1, 2, 3}
    assert iv[0] == [(0.0, 100.0)] and iv[1] == [(0.0, 100.0)] and iv[2] == [(0.0, 100.0)]
    assert iv[3] == [(0.0, pytest.approx(60.0))]
    lines = service_area_lines(line_network, snap, 250.0, simplify=0)
    assert lines.length == pytest.approx(360.0)


def test_reached_intervals_short_of_both_ends(line_network):
    """Facility at x = 450 on the street; limit 30 m: only x in [420, 480] of segment 4-5."""
    snap = line_network.snap(points([(450.0, 0.0)]), 100.0)
    iv = reached_intervals(line_network, snap, 30.0)
    assert iv == {4: [(pytest.approx(20.0), pytest.approx(80.0))]}


def test_service_area_matches_networkx_on_a_grid():
    from _maps_util import grid_network

    net: Network = grid_network(6, 100.0)
    fac = points([(500_130.0, 4_200_205.0), (500_470.0, 4_200_420.0)], crs=CRS)
    snap = net.snap(fac, 100.0)
    limit = 260.0
    d = node_distances(net, snap, limit)
    # networkx: a virtual source joined to each facility's segment ends
    G = net.to_graph()
    for i in range(len(fac)):
        G.add_edge(("f", i), int(snap.u[i]), length=snap.perp[i] + snap.along_u[i])
        G.add_edge(("f", i), int(snap.v[i]), length=snap.perp[i] + snap.along_v[i])
    ref = nx.multi_source_dijkstra_path_length(G, {("f", i) for i in range(len(fac))}, weight="length")
    for node in range(net.n_nodes):
        want = ref.get(node, np.inf)
        assert (d[node] == pytest.approx(want)) if want <= limit else not np.isfinite(d[node])
    # sampled points every 5 m along every segment: inside the reached intervals iff the walk is <= limit
    iv = reached_intervals(net, snap, limit)
    for e in range(net.n_edges):
        le = net.edge_length[e]
        for s in np.arange(2.5, le, 5.0):
            walk = min(ref.get(int(net.edge_u[e]), np.inf) + s, ref.get(int(net.edge_v[e]), np.inf) + le - s)
            for i in range(len(fac)):
                if snap.edge[i] == e:
                    walk = min(walk, snap.perp[i] + abs(snap.along_u[i] - s))
            inside = any(a - 1e-9 <= s <= b + 1e-9 for a, b in iv.get(e, []))
            assert inside == (walk <= limit), (e, s, walk)


def test_service_area_lines_round_trip_through_the_page(run):
    d = map_data(run)
    k = [c.key for c in run.categories].index("pharmacy")
    lines = _decode(d["areas"][str(k)])
    snap = run.coverage.facility_snap["pharmacy"]
    geom = service_area_lines(run.network, snap, run.categories[k].metres(1.0))
    ll = Transformer.from_crs(CRS, 4326, always_xy=True)
    ref = np.concatenate([np.stack(ll.transform(*np.asarray(g.coords).T), 1) for g in getattr(geom, "geoms", [geom])])
    got = np.concatenate(lines)
    assert len(got) == len(ref)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_vectorised_substrings_equal_shapely_substring():
    import shapely
    from shapely.ops import substring

    from siting.network.service_area import _substrings

    rng = np.random.default_rng(0)
    lines = [shapely.LineString(rng.random((k, 2)) * 100) for k in rng.integers(2, 7, 200)]
    a = rng.random(200) * 0.5
    b = a + rng.random(200) * 0.5
    got = _substrings(np.array(lines, dtype=object), a, b)
    for line, x, y, g in zip(lines, a, b, got):
        ref = substring(line, x, y, normalized=True)
        assert g.length == pytest.approx(ref.length) and ref.hausdorff_distance(g) < 1e-9
