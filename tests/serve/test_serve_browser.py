"""``siting serve`` in Chromium (Playwright, Debian's chromium, every non-local request aborted).

Click to add a station, drag it, remove it, undo, switch a facility off, save and rerun: after each
step the share the page shows equals an independent recomputation (siting.coverage on the same
inputs with the facilities then on the map), and the saved scenario gives the same numbers in
``siting run``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _serve_util import Live, city_run, fresh

from siting.outputs.maps import CLASS_COLOURS, residence_order
from siting.serve.server import prepare

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytest.importorskip("uvicorn", reason="siting serve needs uvicorn (pip install 'siting[serve]')")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return city_run(tmp_path_factory.mktemp("city"))


class ServePage:
    def __init__(self, browser, url):
        self.blocked, self.errors = [], []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(url)
        self.page.wait_for_function("window.sitingServe && window.sitingServe.ready === true", timeout=60_000)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def js(self, expr):
        return self.page.evaluate(expr)

    def wait_answers(self, n):
        self.page.wait_for_function(f"window.sitingServe.answers >= {n} && window.sitingServe.busy === 0", timeout=60_000)

    def shown_share(self, key):
        """The share in the panel's table, as the planner reads it (percent text → fraction)."""
        txt = self.page.locator(f".siting-serve tr[data-key='{key}'] td.share").inner_text()
        return float(txt.rstrip("%")) / 100

    def zoom_to(self, w, x, y, z=17):
        lon, lat = w.to_lonlat(x, y)
        self.js(f"window.sitingMap.setView([{lat}, {lon}], {z}, {{animate: false}})")
        self.page.wait_for_timeout(300)

    def pixel(self, w, x, y):
        lon, lat = w.to_lonlat(x, y)
        p = self.js(f"(function(){{var p = window.sitingMap.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y];}})()")
        box = self.page.locator("#" + self.js("window.sitingMap.getContainer().id")).bounding_box()
        return box["x"] + p[0], box["y"] + p[1]


def _gap_point(w):
    """A street node near the residence farthest from every pharmacy, and at least 35 m from every
    residence (a click on a residence dot would give the dot's own position)."""
    from scipy.spatial import cKDTree

    d = w.states[0].distance
    i = int(np.argmax(np.where(np.isfinite(d), d, 1e9)))
    p = w.residences.geometry.iloc[i]
    rx, ry = w.residences.geometry.x.to_numpy(), w.residences.geometry.y.to_numpy()
    free, _ = cKDTree(np.c_[rx, ry]).query(np.c_[w.net.x, w.net.y])
    near = np.hypot(w.net.x - p.x, w.net.y - p.y)
    ok = np.flatnonzero((free >= 35.0) & (near <= 250.0))
    j = int(ok[np.argmin(near[ok])])
    return float(w.net.x[j]), float(w.net.y[j])


def test_click_drag_remove_undo_switch_save(browser, run, tmp_path):
    served = prepare(run, out_dir=tmp_path / "out")
    w = served.whatif
    srv = Live(served.app)
    try:
        pg = ServePage(browser, srv.url + "/")
        assert pg.errors == []
        assert all("tile" in u for u in pg.blocked), pg.blocked[:5]  # only basemap tiles asked for (none here)
        start = pg.shown_share("pharmacy")
        assert start == pytest.approx(round(fresh(w).share("pharmacy"), 3), abs=1e-9)
        n = pg.js("window.sitingServe.answers")
        # 1. click the map: a pharmacy is added where clicked (snapped to the street)
        x, y = _gap_point(w)
        pg.zoom_to(w, x, y)
        pg.page.mouse.click(*pg.pixel(w, x, y))
        pg.wait_answers(n + 1)
        assert len(w.stations) == 1
        sid = next(iter(w.stations))
        st = w.stations[sid]
        assert abs(st.x - x) < 5 and abs(st.y - y) < 5  # within a few metres of the click (a pixel is ~1 m at zoom 17)
        share = fresh(w).share("pharmacy")
        assert share > start
        assert pg.js("window.sitingServe.summary.categories[0].share") == pytest.approx(share, abs=1e-12)
        assert pg.shown_share("pharmacy") == pytest.approx(round(share, 3), abs=1e-9)
        assert pg.page.locator(".siting-serve .newly").inner_text() != "0"
        # the residences' colours follow: the minutes of the newly covered are the live ones
        i = int(np.flatnonzero(w.covered[0] & ~w.start_covered[0])[0])
        k = int(np.flatnonzero(residence_order(w.res) == i)[0])  # its place in the map's order
        live = pg.js(f"(function(){{var o = (window.sitingLayers||[]).filter(function(o){{return o.layer.options.legend==='cat:0';}})[0]; "
                     f"var m = null; o.layer.eachLayer(function(l){{ if (l.options.sitingIndex === {k}) m = l.options.fillColor; }}); "
                     f"return [m, window.sitingController.classes(0)[{k}]];}})()")
        assert live == [CLASS_COLOURS[0], 0]  # within the threshold now, and drawn so
        # 2. drag the station 150 m east
        n = pg.js("window.sitingServe.answers")
        mk = pg.page.locator(f"[data-station='{sid}']")
        b = mk.bounding_box()
        x2, y2 = pg.pixel(w, st.x + 150.0, st.y)
        pg.page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
        pg.page.mouse.down()
        pg.page.mouse.move(x2, y2, steps=8)
        pg.page.mouse.up()
        pg.wait_answers(n + 1)
        assert abs(w.stations[sid].x - (st.x + 150.0)) < 8
        share2 = fresh(w).share("pharmacy")
        assert pg.js("window.sitingServe.summary.categories[0].share") == pytest.approx(share2, abs=1e-12)
        # 3. remove it from its popup
        n = pg.js("window.sitingServe.answers")
        pg.page.locator(f"[data-station='{sid}']").click()
        pg.page.locator(".siting-serve-remove").click()
        pg.wait_answers(n + 1)
        assert not w.stations and pg.page.locator("[data-station]").count() == 0
        assert pg.shown_share("pharmacy") == pytest.approx(start, abs=1e-9)
        # 4. undo brings it back where it was dragged to
        n = pg.js("window.sitingServe.answers")
        pg.page.locator(".siting-serve button.undo").click()
        pg.wait_answers(n + 1)
        assert list(w.stations) == [sid]
        assert pg.js("window.sitingServe.summary.categories[0].share") == pytest.approx(fresh(w).share("pharmacy"), abs=1e-12)
        assert pg.page.locator(f"[data-station='{sid}']").count() == 1
        # 5. switch an existing elderly-care facility off
        pg.page.locator(".siting-serve select.cat").select_option("1")
        pg.page.locator(".siting-serve input[value=switch]").check()
        k = 1
        served_n = np.bincount(w.states[k].source[(w.states[k].source >= 0) & w.covered[k]], minlength=len(w.fac_rows[k]))
        j = int(np.argmax(served_n[: len(w.fac_rows[k])]))
        g = w.res.facilities.geometry.iloc[int(w.fac_rows[k][j])]
        pg.zoom_to(w, g.x, g.y)
        n = pg.js("window.sitingServe.answers")
        pg.page.mouse.click(*pg.pixel(w, g.x, g.y))
        pg.wait_answers(n + 1)
        assert (k, j) in w.off
        cov = fresh(w)
        assert pg.js("window.sitingServe.summary.categories[1].share") == pytest.approx(cov.share("elderly_care"), abs=1e-12)
        assert pg.js("window.sitingServe.summary.complete.share") == pytest.approx(cov.complete_share, abs=1e-12)
        # 6. save from the panel, rerun with siting run: the same numbers
        pg.page.locator(".siting-serve input.name").fill("meeting")
        pg.page.locator(".siting-serve button.save").click()
        pg.page.wait_for_function("window.sitingServe.saved !== undefined", timeout=60_000)
        from siting.cli import main

        scen = tmp_path / "out" / "meeting" / "scenario.toml"
        assert main(["-q", "run", str(scen), "--out", str(tmp_path / "rerun"), "--map", str(tmp_path / "rerun.html"), "--no-progress"]) == 0
        got = json.loads((tmp_path / "rerun" / "summary.json").read_text(encoding="utf-8"))
        shares = {c["category"]: c["share"] for c in got["coverage"]}
        for c in pg.js("window.sitingServe.summary.categories"):
            assert shares[c["key"]] == pytest.approx(c["share"], abs=1e-12)
        assert pg.errors == []
        pg.page.close()
    finally:
        srv.stop()


def test_zh_page_and_escaped_names(browser, tmp_path):
    """A zh scenario: the panel speaks Chinese; a title with HTML in it shows as text."""
    run = city_run(tmp_path / "zh", lang="zh")
    served = prepare(run, out_dir=tmp_path / "out")
    srv = Live(served.app)
    try:
        pg = ServePage(browser, srv.url + "/")
        text = pg.page.locator(".siting-serve").inner_text()
        assert "假如" in text and "撤销" in text and "完整生活圈" in text
        assert "What if" not in text
        assert pg.page.locator(".siting-title h1 b").count() == 0  # "<b>&</b>" in the title is text
        assert "<b>&</b>" in pg.page.locator(".siting-title h1").inner_text()
        assert pg.errors == []
        pg.page.close()
    finally:
        srv.stop()
