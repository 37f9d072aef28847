"""The `siting check` report in headless Chromium with the network cut off: the page renders,
the map draws the development, access points, catchment and facilities, and data text stays
text. Skipped when chromium or playwright is missing."""

from __future__ import annotations

import json

import pytest

import siting.check as chk
from _util import ROOT
from siting.scenario import load_scenario

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=alert(1)>"



def test_report_renders_offline(browser, helsinki, tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("siting.pipeline.load_network", lambda sc: helsinki)
        run = chk.prepare_check(load_scenario(ROOT / "tests" / "data" / "check" / "capacity.toml"))
    # a block in the south-east, more than 600 m (straight line) from both pharmacies: fails
    w, s, e, n = 24.9494, 60.1652, 24.9506, 60.1658
    gj = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": EVIL, "households": 80},
          "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}]}
    p = tmp_path / "evil.geojson"
    p.write_text(json.dumps(gj), encoding="utf-8")
    res = chk.check_development(chk.read_development(p), run)
    assert res.line("pharmacy", "distance").status == "fail"
    html = chk.write_report(res, tmp_path, stem="evil")["html"]
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    errors, dialogs, blocked = [], [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(html.resolve().as_uri())
    page.wait_for_selector(".leaflet-control-layers", timeout=20_000)
    assert errors == [] and dialogs == []
    assert all("tile.openstreetmap.org" in u for u in blocked), blocked[:3]
    assert page.locator("h1").inner_text().startswith("Development check: " + EVIL)
    assert page.locator("img[src=x]").count() == 0
    # development polygon, catchment lines, access points, facilities and the suggested station
    assert page.locator("path.leaflet-interactive").count() >= 1 + 1 + len(res.access) + 1
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Walking catchment 600 m" in t for t in labels) and any("Suggested new station" in t for t in labels)
    assert page.locator("tbody tr").count() == len(res.lines)
    page.close()
