"""The map and the report in a real browser: headless Chromium (Debian's), network cut off.

Playwright drives the system's ``chromium`` (never a downloaded browser). Every request that
is not a local file is aborted, so what renders here renders on an intranet with no internet.
Skipped, with the reason, when chromium or playwright is missing.
"""

from __future__ import annotations

import pytest
from _maps_util import EVIL, tiny_run

from siting.outputs.maps import coverage_map
from siting.outputs.report import write_report

pytestmark = pytest.mark.browser




class Page:
    """A page with the network off: records blocked requests, page errors and dialogs."""

    def __init__(self, browser, path, width=1400, height=900):
        self.blocked, self.errors, self.dialogs = [], [], []
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri())

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def count(self, selector):
        return self.page.locator(selector).count()

    def close(self):
        self.page.close()


def _open_map(browser, tmp_path, run, **kw):
    path = tmp_path / "map.html"
    coverage_map(run, **kw).save(str(path))
    pg = Page(browser, path)
    pg.page.wait_for_function("window.sitingReady === true", timeout=30_000)
    return pg


def _label(pg, section, name):
    """The layer-control entry ``name`` under the section header ``section``."""
    return pg.page.locator(f".leaflet-control-layers-overlays label[data-section='{section}']", has_text=name)


def test_map_renders_offline_and_layers_toggle(browser, tmp_path):
    run = tiny_run()
    pg = _open_map(browser, tmp_path, run)
    # only basemap tiles were asked for (and refused); no script, style or font from the network
    assert pg.blocked and all("tile.openstreetmap.org" in u for u in pg.blocked), pg.blocked[:5]
    assert pg.errors == []
    n_res = len(run.coverage.residences)
    # minutes-to-pharmacy layer: one SVG circle per residence; pharmacies (2) + proposed (1) as markers
    assert pg.count("path.leaflet-interactive") == n_res
    assert pg.count(".leaflet-marker-icon") == 3
    names = pg.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    names = [x.strip() for x in names]
    for want in ("Pharmacy (250 m)", "Supermarket (300 m)", "Pharmacy (2)", "Supermarket (1)", "Proposed new station (1)",
                 "Categories reached (of 2)"):
        assert want in names, names
    heads = pg.page.locator(".siting-lc-head").all_inner_texts()
    assert heads == ["Walking minutes", "Complete circle", "Existing facilities", "Plan",
                     "Service areas (streets reached)", "Catchments"]
    # toggle: supermarket facilities on (+1 marker), pharmacy minutes off (- one circle per residence)
    _label(pg, "Existing facilities", "Supermarket (1)").locator("input").click()
    assert pg.count(".leaflet-marker-icon") == 4
    _label(pg, "Walking minutes", "Pharmacy (250 m)").locator("input").click()
    assert pg.count("path.leaflet-interactive") == 0
    # the legend follows what is shown
    legend = pg.page.locator(".siting-legend").inner_text()
    assert "Supermarket" in legend and "Walking minutes" not in legend
    # a closed section opens; the service area is one path of street lines
    pg.page.locator(".siting-lc-head", has_text="Service areas").click()
    area = _label(pg, "Service areas (streets reached)", "Pharmacy (250 m)")
    area.locator("input").click()
    assert pg.count(".leaflet-overlay-pane path") == 1
    d = pg.page.locator(".leaflet-overlay-pane path").first.get_attribute("d")
    assert d.count("M") >= 2  # several street pieces
    pg.page.screenshot(path=str(tmp_path / "map.png"))
    pg.close()


def test_hostile_name_shows_as_text(browser, tmp_path):
    pg = _open_map(browser, tmp_path, tiny_run())
    marker = pg.page.locator(f".leaflet-marker-icon[title='{EVIL}']")
    assert marker.count() == 1
    marker.click()
    popup = pg.page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert EVIL in popup.inner_text()
    assert popup.locator("script").count() == 0
    assert pg.dialogs == [] and pg.errors == []
    # the title (also hostile) shows its tags as text
    assert "<b>test</b>" in pg.page.locator(".siting-title h1").inner_text()
    # the proposed station's popup gives the population it newly covers
    pg.page.locator(".leaflet-marker-icon .siting-prop").click()
    text = pg.page.locator(".leaflet-popup-content", has_text="Proposed").inner_text()
    assert "Newly covered: 123" in text and f"site{EVIL}" in text
    pg.page.screenshot(path=str(tmp_path / "popup.png"))
    pg.close()


def test_chinese_map(browser, tmp_path):
    pg = _open_map(browser, tmp_path, tiny_run("zh"))
    names = [x.strip() for x in pg.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert "药店 (250 m)" in names and "拟建站点 (1)" in names
    assert "完整生活圈" in pg.page.locator(".siting-title").inner_text()
    assert pg.errors == []
    pg.page.screenshot(path=str(tmp_path / "map_zh.png"))
    pg.close()


def test_canvas_mode_draws_and_answers_clicks(browser, tmp_path):
    run = tiny_run()
    pg = _open_map(browser, tmp_path, run, svg_limit=5)
    # residences on one canvas: no per-point SVG element
    assert pg.count(".leaflet-overlay-pane canvas") == 1
    assert pg.count("path.leaflet-interactive") == 0
    # click where a residence is drawn: its popup opens. Take the residence farthest from every
    # facility, so that no facility marker on top of it can take the click.
    rp = run.coverage.residences
    f = run.facilities.to_crs(rp.crs)
    far = rp.geometry.apply(lambda g: f.distance(g).min()).to_numpy().argmax()
    r = rp.to_crs(4326)
    rid = str(r["rid"].iloc[far])
    lat, lon = float(r.geometry.y.iloc[far]), float(r.geometry.x.iloc[far])
    pt = pg.page.evaluate(f"(() => {{ var p = window.sitingMap.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }})()")
    box = pg.page.locator(".leaflet-container").bounding_box()
    # Leaflet draws the canvas (and its hit areas) on the next animation frames
    # Leaflet draws the canvas (and its hit areas) on later animation frames: on a loaded machine
    # that can take a while, so click again until the popup opens (at most ~20 s)
    popup = pg.page.locator(".leaflet-popup-content")
    for _ in range(20):
        pg.page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        pg.page.mouse.click(box["x"] + pt[0], box["y"] + pt[1])
        try:
            popup.wait_for(timeout=1000)
            break
        except Exception as exc:  # playwright's TimeoutError (its module is imported lazily above)
            if type(exc).__name__ != "TimeoutError":
                raise
            continue
    assert f"Residence {rid}" in popup.inner_text()
    pg.close()


def test_report_offline(browser, tmp_path):
    run = tiny_run()
    coverage_map(run).save(str(tmp_path / "map.html"))
    out = write_report(run, tmp_path / "report", map_href="../map.html", pdf=False)
    pg = Page(browser, out["report"], width=1100, height=900)
    assert pg.blocked == [] and pg.errors == []
    imgs = pg.page.locator("img")
    assert imgs.count() >= 4
    widths = pg.page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
    assert all(w > 0 for w in widths)
    table = pg.page.locator("#coverage").inner_text()
    assert "Pharmacy" in table and "Supermarket" in table and "50.0 %" in table
    assert f"site{EVIL}" in pg.page.locator("#proposed").inner_text()
    pg.page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    # the map link opens the map, which renders offline
    pg.page.locator("#map-link").click()
    pg.page.wait_for_function("window.sitingReady === true", timeout=30_000)
    assert pg.count("path.leaflet-interactive") == len(run.coverage.residences)
    pg.close()
