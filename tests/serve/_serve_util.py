"""A small generated city for the serve tests (synthetic: no real place), and an independent check.

``city_run`` writes a scenario on ``synthetic:n=2000,seed=3`` (about 650 residences, two categories
in the complete circle) and runs it; ``fresh_shares`` measures the same inputs from scratch with
:func:`siting.coverage.coverage` and the facilities now on the map, the independent recomputation
every live answer is checked against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siting.coverage import coverage
from siting.pipeline import run_scenario
from siting.scenario import load_scenario

SCENARIO = """
name = "servecity"
title = "Serve test city (synthetic) <b>&</b>"
lang = "{lang}"
[network]
source = "synthetic:n=2000,seed=3"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["pharmacy", "elderly_care"]
complete_circle = ["pharmacy", "elderly_care"]
[categories.overrides]
pharmacy = {{ threshold = "5 min" }}
elderly_care = {{ threshold = "400 m" }}
[map]
category = "pharmacy"
basemap = "none"
[output]
report = false
{extra}
"""


def city_run(folder: Path, lang: str = "en", extra: str = ""):
    """Write the scenario into ``folder`` and run it (no outputs written)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "servecity.toml"
    p.write_text(SCENARIO.format(lang=lang, extra=extra), encoding="utf-8")
    return run_scenario(load_scenario(p))


def fresh(w):
    """Coverage of the facilities on the map now, measured from scratch (compounds from the run's
    access points, each residence through its best one)."""
    res = w.res
    owner = res.extras.get("demand_owner")  # the run's own, not the engine's idea of it
    gates = {} if owner is None else {"demand_snap": res.extras["demand_snap"], "demand_owner": owner}
    return coverage(res.network, res.demand, w.facilities_now(), res.categories, speed_mps=res.scenario.speed_mps,
                    max_snap=res.scenario.max_snap_m, complete=res.scenario.categories.complete_circle, **gates)


def assert_matches_fresh(w, summary=None):
    """The live state (and a summary given) equal a recomputation from scratch."""
    cov = fresh(w)
    summary = summary or w.summary()
    for k, c in enumerate(summary["categories"]):
        assert c["share"] == __import__("pytest").approx(cov.share(c["key"]), abs=1e-12), c["key"]
        covered = cov.residences[f"{c['key']}_covered"].to_numpy()
        assert np.array_equal(w.covered[k], covered), c["key"]
        np.testing.assert_allclose(w.states[k].distance, cov.residences[f"{c['key']}_m"].to_numpy(), atol=1e-6)
    assert summary["complete"]["share"] == __import__("pytest").approx(cov.complete_share, abs=1e-12)
    return cov


class Live:
    """A served app on a free loopback port in a thread (uvicorn, as ``siting serve`` runs it)."""

    def __init__(self, app):
        import socket
        import threading

        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        import time

        t0 = time.time()
        while not self.server.started:
            if time.time() - t0 > 30 or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def request(self, method, path, body=None, headers=None, raw=None):
        """(status, parsed JSON or text) of one request."""
        import json
        import urllib.error
        import urllib.request

        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, text = r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            with e:
                status, text = e.code, e.read().decode("utf-8")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
