"""Network loading, projection, components, CSR compile, offline cache."""

from __future__ import annotations

import logging

import networkx as nx
import numpy as np
import pytest

from _util import CRS, points
from siting.errors import CRSError, MissingFileError, NetworkError, OfflineError
from siting.network import Network
from siting.network.load import _download_key, graph_from_download, graph_from_file

OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="37.700" lon="112.700"/>
  <node id="2" lat="37.700" lon="112.701"/>
  <node id="3" lat="37.701" lon="112.701"/>
  <node id="4" lat="37.701" lon="112.700"/>
  <node id="5" lat="37.702" lon="112.700"/>
  <node id="6" lat="37.702" lon="112.702"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="3"/><tag k="highway" v="footway"/></way>
</osm>
"""


def test_csr_keeps_shortest_parallel_edge_and_is_symmetric():
    x = np.arange(10) * 100.0
    y = np.zeros(10)
    u = np.r_[np.arange(9), 0]
    v = np.r_[np.arange(1, 10), 1]
    length = np.r_[np.full(9, 100.0), 250.0]  # a longer parallel street between 0 and 1
    net = Network.from_arrays(x, y, u, v, length, crs=CRS)
    assert net.csr[0, 1] == 100.0 and net.csr[1, 0] == 100.0
    assert (net.csr != net.csr.T).nnz == 0


def test_largest_component_kept_with_warning(caplog):
    # 12 nodes on a line plus 3 nodes in a separate triangle far away
    x = np.r_[np.arange(12) * 100.0, 5000, 5100, 5050]
    y = np.r_[np.zeros(12), 0, 0, 80]
    u = np.r_[np.arange(11), 12, 13, 14]
    v = np.r_[np.arange(1, 12), 13, 14, 12]
    with caplog.at_level(logging.WARNING, logger="siting"):
        net = Network.from_arrays(x, y, u, v, crs=CRS)
    assert net.n_nodes == 12 and net.info["nodes_dropped"] == 3
    assert "dropped 3 of 15 nodes" in caplog.text
    # a residence by the dropped triangle is nearer to a dropped street than to a kept one
    snap = net.snap(points([(5050, 10), (300, 5)]), max_snap=10_000)
    assert net.nearer_to_dropped(points([(5050, 10), (300, 5)]), snap).tolist() == [True, False]


def test_geographic_crs_refused():
    with pytest.raises(CRSError, match="geographic"):
        Network.from_arrays(np.arange(10.0), np.zeros(10), np.arange(9), np.arange(1, 10), crs="EPSG:4326")


def test_tiny_network_refused():
    with pytest.raises(NetworkError, match="too small"):
        Network.from_arrays(np.arange(3.0), np.zeros(3), [0, 1], [1, 2], crs=CRS)


def test_osm_xml(tmp_path):
    p = tmp_path / "tiny.osm"
    p.write_text(OSM_XML)
    G = graph_from_file(p)
    # simplified by osmnx: the junctions 3 and 4 remain, joined by three streets
    # (3-4 direct, 4-1-2-3 round the block, 4-5-6-3 the footway), each both ways
    assert sorted(G.nodes) == [3, 4]
    assert G.number_of_edges() == 6
    # two nodes are below the minimum for an analysis
    with pytest.raises(NetworkError, match="too small"):
        Network.from_graph(G)


def test_graphml_round_trip_projects_to_utm(tmp_path, helsinki_graph):
    import osmnx as ox

    ox.save_graphml(helsinki_graph, tmp_path / "h.graphml")
    net = Network.from_graph(graph_from_file(tmp_path / "h.graphml"))
    assert net.crs.to_epsg() == 32635 and net.n_nodes > 2000
    # an explicit CRS wins over the UTM estimate
    net2 = Network.from_graph(helsinki_graph, crs="EPSG:3067")
    assert net2.crs.to_epsg() == 3067
    # total street length is the same in both projections to within 0.5 % (scale factors)
    assert net.edge_length.sum() == pytest.approx(net2.edge_length.sum(), rel=5e-3)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(MissingFileError):
        graph_from_file(tmp_path / "nope.osm.pbf")
    (tmp_path / "x.shp").write_text("")
    with pytest.raises(Exception, match="unknown type"):
        graph_from_file(tmp_path / "x.shp")


def test_download_offline_without_cache_says_what_to_do(tmp_path):
    with pytest.raises(OfflineError, match="offline mode is on"):
        graph_from_download(place="榆次区, 晋中市, 山西省, 中国", cache_dir=tmp_path, offline=True)


def test_download_offline_uses_cached_graph(tmp_path):
    import osmnx as ox

    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=112.7, y=37.7)
    G.add_node(2, x=112.701, y=37.7)
    G.add_edge(1, 2, length=88.0)
    target = tmp_path / "graphs" / f"{_download_key('place', 'somewhere', 'walk')}.graphml"
    target.parent.mkdir(parents=True)
    ox.save_graphml(G, target)
    got = graph_from_download(place="somewhere", cache_dir=tmp_path, offline=True)
    assert got.number_of_edges() == 1


def test_bbox_order_checked(tmp_path):
    with pytest.raises(CRSError, match="west, south, east, north"):
        graph_from_download(bbox=(37.7, 112.7, 37.8, 112.8), cache_dir=tmp_path, offline=True)


def test_snap_onto_segment_not_node(line_network):
    s = line_network.snap(points([(130, 40)]), max_snap=100)
    assert s.edge[0] == 1 and s.perp[0] == pytest.approx(40)
    assert s.along_u[0] == pytest.approx(30) and s.along_v[0] == pytest.approx(70)


def test_snap_converts_crs_and_refuses_missing(line_network):
    import geopandas as gpd

    pts = points([(130, 40)]).to_crs(4326)
    assert line_network.snap(pts, 100).perp[0] == pytest.approx(40, abs=1e-6)
    with pytest.raises(CRSError, match="no CRS"):
        line_network.snap(gpd.GeoSeries(list(pts.geometry)), 100)
