"""The JSON API on a real uvicorn server: validation, limits, the token, and a bounded load test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from _serve_util import Live, city_run, fresh

from _util import ROOT
from siting.serve.server import prepare

pytest.importorskip("uvicorn", reason="siting serve needs uvicorn (pip install 'siting[serve]')")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return city_run(tmp_path_factory.mktemp("city"))


@pytest.fixture()
def live(run, tmp_path):
    served = prepare(run, out_dir=tmp_path / "out")
    srv = Live(served.app)
    srv.served = served
    yield srv
    srv.stop()


def _point(w, i):
    p = w.residences.geometry.iloc[i]
    lon, lat = w.to_lonlat(p.x + 25.0, p.y)
    return {"lat": lat, "lon": lon}


def test_page_and_state(live):
    status, page = live.request("GET", "/")
    assert status == 200 and "siting_serve.js" in page and 'id="siting-data"' in page
    assert "<b>&</b>" not in page  # the scenario title (data) is escaped
    status, st = live.request("GET", "/api/state")
    assert status == 200 and st["changes"] == [] and len(st["summary"]["categories"]) == 2


def test_validation_and_limits(live):
    w = live.served.whatif
    ok = {"category": "pharmacy", "points": [_point(w, 0)]}
    assert live.request("POST", "/api/add", ok)[0] == 200
    s, b = live.request("POST", "/api/add", {"category": "pharmacy", "points": [{"lat": 95, "lon": 0}]})
    assert s == 422 and "points.0.lat" in b["error"]
    s, b = live.request("POST", "/api/add", {**ok, "evil": 1})
    assert s == 422 and "evil" in b["error"]
    s, b = live.request("POST", "/api/add", {"category": "bakery", "points": [_point(w, 0)]})
    assert s == 400 and "use one of pharmacy" in b["error"]
    s, b = live.request("POST", "/api/add", raw=b"{not json")
    assert s == 422
    s, b = live.request("POST", "/api/add", raw=b" " * (70 * 1024))
    assert s == 413 and "too large" in b["error"]
    s, b = live.request("POST", "/api/remove", {"id": "p999"})
    assert s == 400 and "not on the map" in b["error"]
    s, b = live.request("POST", "/api/save", {"name": "../../etc"})
    assert s == 422
    s, b = live.request("POST", "/api/optimize", {"category": "pharmacy", "k": 500, "time_limit": 5})
    assert s == 422
    # bound to loopback, a foreign Host header is refused (DNS rebinding)
    s, _ = live.request("GET", "/api/state", headers={"Host": "evil.example"})
    assert s == 400
    s, b = live.request("POST", "/api/save", {"name": "m1"})
    assert s == 200 and b["folder"] == "m1" and (live.served.out_dir / "m1" / "scenario.toml").is_file()


def test_token_required_beyond_loopback(run, tmp_path):
    served = prepare(run, out_dir=tmp_path / "out", host="0.0.0.0")
    assert served.token and len(served.token) >= 20 and not served.loopback
    srv = Live(served.app)
    try:
        for path in ("/", "/api/state"):
            assert srv.request("GET", path)[0] == 401
        assert srv.request("GET", "/api/state", headers={"X-Siting-Token": "wrong"})[0] == 401
        s, _ = srv.request("POST", "/api/add", {"category": "pharmacy", "points": [_point(served.whatif, 0)]})
        assert s == 401 and not served.whatif.stations
        assert srv.request("GET", "/api/state", headers={"X-Siting-Token": served.token})[0] == 200
        s, page = srv.request("GET", f"/?token={served.token}")
        assert s == 200 and served.token in page
    finally:
        srv.stop()


def test_load_500_requests_from_4_clients_stay_consistent(live):
    """4 clients, 125 add/remove requests each; every answer equals a recomputation of its own state."""
    w = live.served.whatif
    answers, errors = [], []
    n_res = len(w.residences)

    def client(c):
        rng = np.random.default_rng(c)
        mine = []
        for _ in range(125):
            if mine and rng.random() < 0.45:
                s, b = live.request("POST", "/api/remove", {"id": mine.pop(int(rng.integers(len(mine))))})
            else:
                key = ("pharmacy", "elderly_care")[int(rng.integers(2))]
                s, b = live.request("POST", "/api/add", {"category": key, "points": [_point(w, int(rng.integers(n_res)))]})
                if s == 200:
                    mine.extend(b["added"])
            (answers if s == 200 else errors).append(b)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(answers) == 500
    assert sorted(a["version"] for a in answers) == list(range(1, 501))  # every operation answered once
    # replay each answer's own state (its stations) and measure from scratch
    res = w.res
    import geopandas as gpd
    import shapely

    from siting.coverage import coverage

    base = res.facilities
    for a in answers[::5] + answers[-1:]:
        st = a["stations"]
        xy = [w.to_xy(s["lon"], s["lat"]) for s in st]
        new = gpd.GeoDataFrame({"fid": [s["id"] for s in st], "category": [s["category"] for s in st], "name": ""},
                               geometry=shapely.points(xy) if xy else [], crs=res.network.crs)
        fac = gpd.GeoDataFrame(__import__("pandas").concat([base[["fid", "category", "name", "geometry"]], new], ignore_index=True),
                               crs=res.network.crs)
        cov = coverage(res.network, res.demand, fac, res.categories, speed_mps=res.scenario.speed_mps,
                       max_snap=res.scenario.max_snap_m, complete=res.scenario.categories.complete_circle)
        for c in a["summary"]["categories"]:
            assert c["share"] == pytest.approx(cov.share(c["key"]), abs=1e-9), (a["version"], c["key"])
        assert a["summary"]["complete"]["share"] == pytest.approx(cov.complete_share, abs=1e-9)
    assert live.request("GET", "/api/state")[0] == 200  # alive
    assert fresh(w).share("pharmacy") == pytest.approx(w.summary()["categories"][0]["share"], abs=1e-12)


@pytest.mark.slow
def test_cli_beyond_loopback_prints_token_and_stops_on_ctrl_c(tmp_path):
    import urllib.error
    import urllib.request

    city_run(tmp_path)  # writes servecity.toml (the run itself is the child's)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "siting", "serve", str(tmp_path / "servecity.toml"), "--host", "0.0.0.0",
                             "--port", "0", "--out", str(tmp_path / "out"), "--no-plan"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    try:
        url = None
        t0 = time.time()
        lines = []
        while time.time() - t0 < 180:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "serving on" in line:
                url = line.split("serving on", 1)[1].strip()
                break
        assert url and "?token=" in url, "".join(lines)
        base, token = url.split("/?token=")
        port = base.rsplit(":", 1)[1]
        local = f"http://127.0.0.1:{port}"
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(local + "/api/state", timeout=30)
        assert e.value.code == 401
        e.value.close()
        req = urllib.request.Request(local + "/api/state", headers={"X-Siting-Token": token})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert json.loads(r.read())["version"] == 0
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "stopped" in out and "Traceback" not in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
