"""Maps without a browser: self-contained HTML, escaping, the packed payload, basemaps, service areas."""

from __future__ import annotations

import json
import logging
import re

import networkx as nx
import numpy as np
import pytest
from _maps_util import CRS, EVIL, LONG_ZH, tiny_run

from _util import points
from siting.errors import InputError
from siting.inputs.coords import wgs84_to_gcj02
from siting.network import Network
from siting.network.service_area import node_distances, reached_intervals, service_area_lines
from siting.outputs.encode import unpack
from siting.outputs.maps import basemap_layers, coverage_map, distance_class, format_threshold, map_data, residence_order


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
    assert EVIL in unpack(data["fac"]["name"])
    assert LONG_ZH in unpack(data["fac"]["name"])
    assert data["prop"]["sites"]["id"] == [f"site{EVIL}"]


def _decoded(d):
    """Residence arrays of a payload, decoded as the page decodes them."""
    R = d["res"]
    lon = R["x0"] + unpack(R["qx"]) / R["q"]
    lat = R["y0"] + unpack(R["qy"]) / R["q"]
    return R, lon, lat


def test_residence_payload_matches_coverage(run):
    d = map_data(run)
    R, lon, lat = _decoded(d)
    order = residence_order(run)
    r = run.coverage.residences.iloc[order]
    assert unpack(R["rid"]) == list(r["rid"])
    for k, c in enumerate(d["cats"]):
        q = unpack(R["d"][k]).astype(float)
        mins = r[f"{c['key']}_m"].to_numpy()
        fin = np.isfinite(mins)
        assert ((q == 65535) == ~fin).all()
        np.testing.assert_allclose(q[fin] * c["step"], mins[fin], atol=c["step"] / 2 + 1e-9)
        # covered exactly where the coverage says so, whatever the rounding
        assert ((q <= c["qcov"]) == r[f"{c['key']}_covered"].to_numpy()).all()
    ll = r.geometry.to_crs(4326)
    np.testing.assert_allclose(lon, ll.x, atol=1e-6)
    np.testing.assert_allclose(lat, ll.y, atol=1e-6)


def test_quantised_distances_keep_every_class():
    """Around both class boundaries (the threshold, 1.5 × it) the rounding never moves a resident across."""
    from siting.outputs.classes import BEYOND
    from siting.outputs.classes import quantise as _quantise

    limit = 480.0
    m = np.array([0, 477.6, 479.9, 480.0, 480.1, 482.4, 719.0, 719.9, 720.0, 720.1, 722.4, 1300.0, np.inf])
    cov = m <= limit
    for step in (1.0, 5.0):
        q, qcov, qbey = _quantise(m, cov, limit, step)
        assert ((q <= qcov) == cov).all()
        assert ((q <= qbey) == (m <= BEYOND * limit)).all()
        assert q[-1] == 65535
        fin = np.isfinite(m)
        assert np.abs(q[fin] * step - m[fin]).max() <= step  # one step at most where a boundary pulls


def test_distance_class_by_hand():
    # threshold 480 m: 300 within, 552 just beyond (≤ 720), 800 far, inf none; a covered flag wins
    got = distance_class([300, 552, 800, np.inf, 600], [True, False, False, False, True], 480.0)
    assert got.tolist() == [0, 1, 2, 3, 0]


def _serving_twin(d, k, mode="now"):
    """Python twin of the page's serving(): the r-th nearest candidate by the page's own arithmetic."""
    R, lon, lat = _decoded(d)
    F = d["fac"]
    flon = F["x0"] + unpack(F["qx"]) / F["q"]
    flat = F["y0"] + unpack(F["qy"]) / F["q"]
    fcat = unpack(F["cat"])
    mine = np.flatnonzero(fcat == k)
    clon, clat, val = list(flon[mine]), list(flat[mine]), list(mine + 1)
    codes = R["f"][k] if mode == "now" else R["after"][str(k)]["f"]
    if mode == "plan":
        P = d["prop"]
        for p, kk in enumerate(P["cat"]):
            if kk == k:
                s = P["site"][p]
                clon.append(P["sites"]["lon"][s])
                clat.append(P["sites"]["lat"][s])
                val.append(F["n"] + p + 1)
    clon, clat, val = np.array(clon), np.array(clat), np.array(val)
    r, exc = unpack(codes["r"]), list(unpack(codes["x"]))
    out = np.zeros(len(r), dtype=int)
    c0 = d["cos0"]
    for i, code in enumerate(r):
        if code == 0:
            continue
        if code == 255:
            out[i] = val[exc.pop(0) - 1]
            continue
        dx = (clon - lon[i]) * c0
        dy = clat - lat[i]
        o = np.lexsort((np.arange(len(clon)), dx * dx + dy * dy))
        out[i] = val[o[code - 1]]
    return out


def test_serving_facility_ranks_decode_to_the_coverage(run):
    d = map_data(run)
    fid = unpack(d["fac"]["fid"])
    r = run.coverage.residences.iloc[residence_order(run)]
    for k, c in enumerate(d["cats"]):
        got = _serving_twin(d, k)
        want = np.where(r[f"{c['key']}_covered"], r[f"{c['key']}_fid"].astype(str), "")
        assert [fid[v - 1] if v else "" for v in got] == list(want)
    # with the plan, the proposed station serves the residents it newly covers
    k = [c["key"] for c in d["cats"]].index("pharmacy")
    plan = _serving_twin(d, k, "plan")
    assert (plan > d["fac"]["n"]).any()


def test_rank_codes_fall_back_to_indices_beyond_the_nearest_sixteen():
    from siting.outputs.mapdata import KNN, _rank_codes

    rng = np.random.default_rng(0)
    c_lon, c_lat = rng.random(40), rng.random(40)
    r_lon, r_lat = rng.random(30), rng.random(30)
    far = np.argsort(-((c_lon[:, None] - r_lon) ** 2 + (c_lat[:, None] - r_lat) ** 2), axis=0)[0]  # farthest of each
    target = np.where(np.arange(30) % 2 == 0, far, -1)
    out = _rank_codes(r_lon, r_lat, c_lon, c_lat, target, 1.0, False)
    codes = unpack(out["r"])
    assert (codes[1::2] == 0).all() and (codes[::2] == 255).all()
    assert list(unpack(out["x"]) - 1) == list(far[::2])
    assert KNN < 40


def test_map_payload_is_compressed_when_large(run):
    small = map_data(run)
    big = map_data(run, compress=True)
    assert "z" not in small["res"]["rid"] and small["res"]["q"] == 1e6
    # the same content either way
    for k in range(len(small["cats"])):
        assert (unpack(small["res"]["d"][k]) == unpack(big["res"]["d"][k])).all() or big["cats"][k]["step"] > 1


def test_gcj02_shift_for_amap(run):
    plain = map_data(run)
    amap = map_data(run, basemap="amap")
    assert amap["gcj02"] and [b["name"] for b in amap["basemaps"]] == ["Amap (GCJ-02)"]
    _, plon, plat = _decoded(plain)
    _, alon, alat = _decoded(amap)
    gx, gy = wgs84_to_gcj02(plon, plat)
    np.testing.assert_allclose(alon, gx, atol=2e-6)
    np.testing.assert_allclose(alat, gy, atol=2e-6)
    # near 38° N the shift is a few hundred metres, not nothing
    assert abs(alon[0] - plon[0]) > 1e-3
    # the network is shifted too
    assert amap["bounds"][0][1] - plain["bounds"][0][1] > 1e-3


def test_map_is_framed_on_the_network_not_on_a_stray_point():
    from _maps_util import threshold_run

    run = threshold_run(stray=True)
    d = map_data(run)
    nodes = run.network.nodes_gdf().to_crs(4326)
    assert d["bounds"] == [[pytest.approx(nodes.geometry.y.min()), pytest.approx(nodes.geometry.x.min())],
                           [pytest.approx(nodes.geometry.y.max()), pytest.approx(nodes.geometry.x.max())]]


def test_zh_glyphs_and_thresholds():
    d = map_data(tiny_run("zh"))
    assert [c["abbr"] for c in d["cats"]] == ["药", "综"]
    assert [c["threshold"] for c in d["cats"]] == ["250 m", "300 m"]
    assert format_threshold(480.0, 1.0, "s", "zh", both=True) == "8 分钟（480 m）"
    assert format_threshold(480.0, 1.0, "s", "en", both=True) == "8 min (480 m)"
    assert format_threshold(300.0, 1.0, "m", "en", both=True) == "300 m (5 min)"


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


def test_map_texts_exist_in_both_languages():
    from siting.outputs.maptext import TEXT

    assert set(TEXT["en"]) == set(TEXT["zh"])
    placeholders = {k: set(re.findall(r"\{(\w+)", v)) for k, v in TEXT["en"].items()}
    assert all(set(re.findall(r"\{(\w+)", TEXT["zh"][k])) == p for k, p in placeholders.items())


def test_chinese_title_on_chinese_outputs(tmp_path):
    import dataclasses

    from siting.outputs.report import write_report

    base = tiny_run("zh")
    run = dataclasses.replace(base, scenario=base.scenario.model_copy(update={"title_zh": "小型测试区 服务覆盖"}))
    assert map_data(run)["title"] == "小型测试区 服务覆盖"
    assert map_data(run, lang="en")["title"] == base.scenario.title
    write_report(run, tmp_path, pdf=False)
    assert "<title>小型测试区 服务覆盖" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert map_data(base)["title"] == base.scenario.title  # no Chinese title: the title as given
