"""Faults a demanding user meets: folders that cannot be written, a full disk, no network.

Each gives one line that names the place, the cause and the fix, exit code 2, and nothing
half-written; the previous outputs stay exactly as they were.
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from siting.cli import main

SCENARIO = """name = "f"
title = "{title}"
[network]
source = "synthetic:n=300,seed=1"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["pharmacy"]
[map]
pdf = false
path = "{root}/maps/f.html"
[output]
dir = "{root}/out/f"
"""


def scenario(root: Path, title: str = "t") -> Path:
    p = root / f"{title}.toml"
    p.write_text(SCENARIO.format(title=title, root=root.as_posix()), encoding="utf-8")
    return p


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except the scenario files and lock files."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix not in (".toml", ".lock")}


def one_line(err: str) -> str:
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------------------------------------
# folders that cannot be written
# ------------------------------------------------------------------------------------------------
def _without_root_override() -> None:  # in the child: root loses its right to write anywhere
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, dropped from the bounding set
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.skipif(sys.platform != "linux", reason="file permissions as on Linux")
def test_no_permission_is_told_before_computing(tmp_path):
    (tmp_path / "out").mkdir()
    os.chmod(tmp_path / "out", 0o555)  # nobody may write here
    try:
        r = subprocess.run([sys.executable, "-m", "siting", "run", str(scenario(tmp_path)), "--no-progress"],
                           capture_output=True, text=True, timeout=300,
                           preexec_fn=_without_root_override if os.geteuid() == 0 else None)
    finally:
        os.chmod(tmp_path / "out", 0o755)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    line = one_line("\n".join(x for x in r.stderr.splitlines() if "siting: error" in x))
    assert f"{tmp_path / 'out'}" in line and "no permission" in line and "--out" in line
    assert "network ..." not in r.stderr, "the check comes before any computing"
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("code, said", [(errno.EROFS, "read-only"), (errno.ENOSPC, "disk is full"),
                                        (errno.EACCES, "no permission")])
def test_unwritable_folder_before_computing(tmp_path, capsys, monkeypatch, code, said):
    import siting.outputs.writable as writable

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(kwargs.get("dir", "")))

    monkeypatch.setattr(writable.tempfile, "mkstemp", refuse)
    stages = []
    monkeypatch.setattr("siting.pipeline.load_network", lambda sc: stages.append(sc) or pytest.fail("computed"))
    assert main(["-q", "run", str(scenario(tmp_path))]) == 2
    line = one_line(capsys.readouterr().err)
    assert said in line and str(tmp_path / "out") in line and "output.dir" in line
    assert not stages and not (tmp_path / "out").exists()


def test_disk_full_while_writing_leaves_the_old_outputs(tmp_path, capsys, monkeypatch):
    assert main(["-q", "run", str(scenario(tmp_path, "old"))]) == 0
    before = tree(tmp_path)
    real = pd.DataFrame.to_csv

    def full(self, path=None, *args, **kwargs):
        if str(path).endswith("residences.csv"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    capsys.readouterr()
    assert main(["-q", "run", str(scenario(tmp_path, "new"))]) == 2
    line = one_line(capsys.readouterr().err)
    assert "disk is full" in line and "free some space" in line and str(tmp_path / "out") in line
    assert tree(tmp_path) == before
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".f.")] == [".f.lock"]


def _limit_file_size():  # in the child: writes past 150 kB fail with EFBIG instead of killing it
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))


def test_a_real_write_failure_inside_gdal(tmp_path):
    """The GeoPackage grows past the process's file-size limit: GDAL says only "Failed to commit
    transaction"; the message still names the cause, and nothing is half-written."""
    old = scenario(tmp_path, "old")
    assert main(["-q", "run", str(old)]) == 0
    before = tree(tmp_path)
    r = subprocess.run([sys.executable, "-m", "siting", "-q", "run", str(scenario(tmp_path, "new"))],
                       capture_output=True, text=True, timeout=300, preexec_fn=_limit_file_size)
    assert r.returncode == 2, r.stderr
    line = one_line(r.stderr)
    assert "size limit" in line and "150,000 bytes" in line and "--out" in line
    assert tree(tmp_path) == before


# ------------------------------------------------------------------------------------------------
# no network, offline mode
# ------------------------------------------------------------------------------------------------
PLACE = "Yuci District, Jinzhong, Shanxi, China"
DOWNLOAD = """name = "o"
[network]
place = "{place}"
offline = {offline}
cache_dir = "cache"
[demand]
source = "{demand}"
[facilities]
source = "shops.csv"
[categories]
use = ["pharmacy"]
[map]
pdf = false
path = "{root}/maps/o.html"
[output]
dir = "{root}/out/o"
"""


def download_scenario(root: Path, *, offline: str = "false", demand: str = "homes.csv") -> Path:
    pd.DataFrame({"lon": [112.75], "lat": [37.68], "population": [100]}).to_csv(root / "homes.csv", index=False)
    pd.DataFrame({"lon": [112.751], "lat": [37.681], "category": ["pharmacy"], "name": ["x"]}).to_csv(
        root / "shops.csv", index=False)
    p = root / "o.toml"
    p.write_text(DOWNLOAD.format(place=PLACE, offline=offline, demand=demand, root=root.as_posix()), encoding="utf-8")
    return p


@pytest.fixture
def no_network(monkeypatch):
    """No network at all: every name lookup fails, as on a PC without a connection."""
    import socket

    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    monkeypatch.setattr(socket, "gethostbyname", fail)
    monkeypatch.delenv("SITING_OFFLINE", raising=False)
    monkeypatch.setattr("siting.settings.offline", False)


def test_environment_offline_wins_over_the_scenario(tmp_path, capsys, monkeypatch):
    import osmnx as ox

    monkeypatch.setenv("SITING_OFFLINE", "1")
    monkeypatch.setattr(ox, "graph_from_place", lambda *a, **k: pytest.fail("downloaded while offline"))
    assert main(["-q", "run", str(download_scenario(tmp_path, offline="false"))]) == 2
    line = one_line(capsys.readouterr().err)
    assert PLACE in line and "SITING_OFFLINE=1" in line and "wins over offline = false" in line
    assert "not in the cache" in line and ".osm.pbf" in line
    assert not (tmp_path / "out" / "o").exists() and not (tmp_path / "maps").exists()


def test_no_network_is_one_line_naming_place_cause_and_fix(tmp_path, capsys, no_network):
    assert main(["-q", "run", str(download_scenario(tmp_path))]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"downloading the street network for place {PLACE!r} failed" in line
    assert "no network" in line and "cannot be resolved" in line
    assert ".osm.pbf" in line and "cache" in line and "offline = true" in line
    assert not (tmp_path / "out" / "o").exists()


def test_unknown_place_is_not_worth_retrying(tmp_path, monkeypatch):
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    from siting.batch.tasks import is_transient
    from siting.errors import DownloadError
    from siting.network import graph_from_download

    def nowhere(query, **kwargs):
        raise InsufficientResponseError(f"Nominatim geocoder returned 0 results for query {query!r}.")

    monkeypatch.setattr(ox, "graph_from_place", nowhere)
    monkeypatch.setattr("siting.network.load._preflight", lambda: None)  # the network is there
    with pytest.raises(DownloadError, match=r"not known to the geocoder.*check the spelling") as info:
        graph_from_download(place="Nowhere at all", cache_dir=tmp_path, offline=False)
    assert not is_transient(info.value)
    assert is_transient(DownloadError("downloading x failed: no network"))


def _cached_place_graph(root: Path) -> None:
    """A 12 × 12 street grid (about 100 m apart) near Yuci, in the cache under the place's key."""
    import networkx as nx
    import osmnx as ox

    from siting.network.load import _download_key

    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(12):
        for j in range(12):
            G.add_node(i * 12 + j, x=112.745 + 0.00113 * i, y=37.675 + 0.0009 * j)
    for i in range(12):
        for j in range(12):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 12 and j + dj < 12:
                    G.add_edge(i * 12 + j, (i + di) * 12 + j + dj, length=100.0)
                    G.add_edge((i + di) * 12 + j + dj, i * 12 + j, length=100.0)
    target = root / "cache" / "graphs" / f"{_download_key('place', PLACE, 'walk')}.graphml"
    target.parent.mkdir(parents=True)
    ox.save_graphml(G, target)


def test_failed_osm_feature_download(tmp_path, capsys, no_network):
    _cached_place_graph(tmp_path)  # the network comes from the cache; the buildings need a download
    assert main(["-q", "run", str(download_scenario(tmp_path, demand="osm_buildings"))]) == 2
    line = one_line(capsys.readouterr().err)
    assert "downloading OSM buildings for the network's area failed: no network" in line
    assert "demand.source" in line and "offline = true" in line


def test_osm_features_offline_come_from_the_cache(tmp_path, capsys, monkeypatch):
    import geopandas as gpd
    import osmnx as ox
    from shapely.geometry import Point, box

    from siting.errors import OfflineError
    from siting.inputs.osm import osm_features_from_download

    area = box(112.74, 37.67, 112.76, 37.69)
    got = gpd.GeoDataFrame({"building": ["yes", "residential"], "building:levels": ["6", None],
                            "nodes": [[1, 2, 3], None]},
                           geometry=[Point(112.75, 37.68).buffer(1e-4), Point(112.751, 37.681).buffer(1e-4)],
                           index=pd.MultiIndex.from_tuples([("way", 1), ("way", 2)], names=["element", "id"]), crs=4326)
    monkeypatch.setattr(ox, "features_from_polygon", lambda polygon, tags: got)
    monkeypatch.setattr("siting.network.load._preflight", lambda: None)  # the network is there
    monkeypatch.delenv("SITING_OFFLINE", raising=False)
    first = osm_features_from_download(area, {"building": True}, cache_dir=tmp_path, offline=False)
    monkeypatch.setattr(ox, "features_from_polygon", lambda *a, **k: pytest.fail("downloaded while offline"))
    again = osm_features_from_download(area, {"building": True}, cache_dir=tmp_path, offline=True)
    assert list(again.index) == list(first.index) == [("way", 1), ("way", 2)]
    assert again["building"].tolist() == ["yes", "residential"] and again["building:levels"].iloc[0] == "6"
    assert again.geometry.geom_equals_exact(first.geometry, 1e-9).all()
    with pytest.raises(OfflineError, match="OSM land use for the network's area are not in the cache"):
        osm_features_from_download(area, {"landuse": True}, cache_dir=tmp_path, offline=True, what="OSM land use")


@pytest.mark.parametrize("command", ["check", "batch"])
def test_check_and_batch_try_their_folder_first(tmp_path, capsys, monkeypatch, command):
    import siting.outputs.writable as writable

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(kwargs.get("dir", "")))

    monkeypatch.setattr(writable.tempfile, "mkstemp", refuse)
    monkeypatch.setattr("siting.check.prepare_check", lambda *a, **k: pytest.fail("computed"))
    monkeypatch.setattr("siting.batch.run_batch", lambda *a, **k: pytest.fail("computed"))
    scen = scenario(tmp_path)
    argv = (["check", str(tmp_path / "p.geojson"), "--scenario", str(scen)] if command == "check"
            else ["batch", str(scen)]) + ["--out", str(tmp_path / "r")]
    assert main(["-q", *argv]) == 2
    line = one_line(capsys.readouterr().err)
    assert "read-only" in line and str(tmp_path / "r") in line
