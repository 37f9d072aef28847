"""`siting check` on the real Helsinki extract: developments that must pass and must fail, with
their reasons checked against independent measures (straight-line bounds and networkx Dijkstra),
capacity lines checked against hand arithmetic, bad proposals, batches and exit codes.

The Helsinki network is compiled once per session (conftest ``helsinki``); each scenario's
surroundings are measured once per module.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import siting.check as chk
from _util import DATA as TEST_DATA
from _util import ROOT
from siting.cli import main
from siting.errors import CRSError, InputError, MissingFileError, ScenarioError
from siting.scenario import load_scenario

DEMO = ROOT / "scenarios" / "demo.toml"
PROPOSALS = ROOT / "scenarios" / "proposals"
DATA = TEST_DATA / "check"


# ------------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------------
def _prepared(path: Path, net):
    """prepare_check on the session's Helsinki network (the scenario names the same network)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("siting.pipeline.load_network", lambda sc: net)
        return chk.prepare_check(load_scenario(path))


@pytest.fixture(scope="module")
def demo(helsinki):
    return _prepared(DEMO, helsinki)


@pytest.fixture(scope="module")
def capacity(helsinki):
    return _prepared(DATA / "capacity.toml", helsinki)


@pytest.fixture(scope="module")
def graph(helsinki):
    return helsinki.to_graph()


def rect(lon, lat, w=0.0012, h=0.0006):
    return [[[lon - w / 2, lat - h / 2], [lon + w / 2, lat - h / 2], [lon + w / 2, lat + h / 2],
             [lon - w / 2, lat + h / 2], [lon - w / 2, lat - h / 2]]]


def proposal(tmp: Path, props: dict, coords=None, *, lon=24.9400, lat=60.1700, points=(), name="p") -> Path:
    """A GeoJSON proposal: one polygon (a 67 m × 67 m box by default) and optional points."""
    geom = {"type": "Polygon", "coordinates": coords if coords is not None else rect(lon, lat)}
    feats = [{"type": "Feature", "properties": props, "geometry": geom}]
    for i, (x, y) in enumerate(points):
        feats.append({"type": "Feature", "properties": {"name": f"gate {i + 1}"}, "geometry": {"type": "Point", "coordinates": [x, y]}})
    p = tmp / f"{name}.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return p


def nx_nearest(net, G, res: chk.CheckResult, fac: gpd.GeoDataFrame) -> np.ndarray:
    """Per access point, metres to the nearest facility by networkx Dijkstra, snaps included.

    Virtual nodes join each snapped point to its segment's two ends (perp + along); a point and
    a facility on the same segment also get the direct walk along it.
    """
    asnap = net.snap(res.access, res.scenario.max_snap_m)
    fsnap = net.snap(fac.to_crs(net.crs), res.scenario.max_snap_m)
    out = []
    for i in range(len(asnap)):
        H = G.copy()
        for j in np.flatnonzero(fsnap.reachable):
            H.add_edge("F", int(fsnap.u[j]), length=min(H.get_edge_data("F", int(fsnap.u[j]), {"length": np.inf})["length"],
                                                     fsnap.perp[j] + fsnap.along_u[j]))
            H.add_edge("F", int(fsnap.v[j]), length=min(H.get_edge_data("F", int(fsnap.v[j]), {"length": np.inf})["length"],
                                                     fsnap.perp[j] + fsnap.along_v[j]))
        H.add_edge("A", int(asnap.u[i]), length=asnap.perp[i] + asnap.along_u[i])
        H.add_edge("A", int(asnap.v[i]), length=min(H.get_edge_data("A", int(asnap.v[i]), {"length": np.inf})["length"],
                                                 asnap.perp[i] + asnap.along_v[i]))
        d = nx.dijkstra_path_length(H, "A", "F", weight="length")
        same = np.flatnonzero(fsnap.reachable & (fsnap.edge == asnap.edge[i]))
        for j in same:
            d = min(d, abs(fsnap.along_u[j] - asnap.along_u[i]) + fsnap.perp[j] + asnap.perp[i])
        out.append(d)
    return np.array(out)


def of(run, key):
    f = run.facilities
    return f[f["category"] == key]


# ------------------------------------------------------------------------------------------------
# must pass / must fail, with reasons measured independently
# ------------------------------------------------------------------------------------------------
def test_development_next_to_the_pharmacy_passes(demo, helsinki, graph):
    res = chk.check_development(chk.read_development(PROPOSALS / "kaivopiha_infill.geojson"), demo, remedy=False)
    ln = res.line("pharmacy", "distance")
    assert ln.status == "pass" and ln.reason == "within_threshold"
    expect = nx_nearest(helsinki, graph, res, of(demo, "pharmacy"))
    assert ln.numbers["distance_m"] == pytest.approx(expect.min(), abs=0.06)
    assert ln.numbers["distance_m"] <= ln.numbers["threshold_m"] == 600.0
    assert ln.numbers["minutes"] == pytest.approx(expect.min() / 60.0, abs=0.06)
    # every line of this demo proposal passes or cannot be assessed (OSM has no floor areas)
    assert res.status == "pass" and res.exit_code == 0
    assert {ln.status for ln in res.lines if ln.check == "capacity"} == {"not_assessable"}
    assert res.access_kind == "boundary"


def test_development_in_a_gap_fails_with_the_measured_distance(demo, helsinki, graph):
    res = chk.check_development(chk.read_development(PROPOSALS / "hakaniemi_gap.geojson"), demo)
    ln = res.line("pharmacy", "distance")
    assert ln.status == "fail" and ln.reason == "too_far"
    # independent: the straight line from the polygon to every pharmacy is already beyond 600 m
    poly = res.polygon.geometry.iloc[0]
    assert of(demo, "pharmacy").to_crs(helsinki.crs).distance(poly).min() > 600
    expect = nx_nearest(helsinki, graph, res, of(demo, "pharmacy"))
    assert ln.numbers["distance_m"] == pytest.approx(expect.min(), abs=0.06)
    assert ln.numbers["distance_m"] > ln.numbers["threshold_m"]
    assert res.status == "fail" and res.exit_code == 1
    # provision: no pharmacy in reach and no area norm -> its own share, 30 m² per 100 households
    prov = res.line("pharmacy", "provision")
    assert prov.status == "fail" and prov.reason == "not_planned"
    assert prov.numbers["required_m2"] == pytest.approx(0.30 * 240)
    # health station has an area norm of 120 m² > 72 m²
    assert res.line("health_station", "provision").numbers["required_m2"] == pytest.approx(120.0)
    # the remedy's station brings every access point within 600 m, checked with networkx
    rem = next(r for r in res.remedies if r["category"] == "pharmacy" and r["kind"] == "new_stations")
    assert rem["status"] == "optimal" and len(rem["sites"]) == 1
    assert rem["covered_access_points"] == rem["access_points"] == int(res.access["reachable"].sum())
    site = rem["sites"][0]
    station = gpd.GeoDataFrame(geometry=gpd.points_from_xy([site["x"]], [site["y"]]), crs=helsinki.crs)
    d = nx_nearest(helsinki, graph, res, station)
    assert np.all(d <= 600.0 + 1e-6)
    planned = next(r for r in res.remedies if r["category"] == "pharmacy" and r["kind"] == "planned_area")
    assert planned["planned_m2"] == pytest.approx(72.0)


def test_a_planned_facility_inside_makes_the_distance_pass(demo, tmp_path):
    gap = json.loads((PROPOSALS / "hakaniemi_gap.geojson").read_text(encoding="utf-8"))
    props = gap["features"][0]["properties"]
    ok = proposal(tmp_path, {**props, "planned_pharmacy_m2": 80}, gap["features"][0]["geometry"]["coordinates"], name="ok")
    small = proposal(tmp_path, {**props, "planned_pharmacy_m2": 50}, gap["features"][0]["geometry"]["coordinates"], name="small")
    r1 = chk.check_development(chk.read_development(ok), demo, remedy=False)
    assert r1.line("pharmacy", "distance").status == "pass"
    assert r1.line("pharmacy", "distance").reason == "planned_in_development"
    assert r1.line("pharmacy", "provision").status == "pass"
    r2 = chk.check_development(chk.read_development(small), demo, remedy=False)
    assert r2.line("pharmacy", "distance").status == "fail"
    assert r2.line("pharmacy", "provision").reason == "planned_too_small"


def test_community_area_line(demo, tmp_path):
    # 120 households x 30 m² / 100 = 36 m²
    res = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 120, "planned_community_service_m2": 36})), demo, remedy=False)
    ln = res.line("community_service", "community_area")
    assert ln.status == "pass" and ln.numbers["required_m2"] == pytest.approx(36.0)
    res = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 120, "planned_community_service_m2": 35})), demo, remedy=False)
    assert res.line("community_service", "community_area").status == "fail"
    # population only: households = population / household size (1.8 in the demo)
    res = chk.check_development(chk.read_development(proposal(tmp_path, {"population": 360})), demo, remedy=False)
    assert res.households == pytest.approx(200.0)
    ln = res.line("community_service", "community_area")
    assert ln.reason == "not_planned" and ln.numbers["required_m2"] == pytest.approx(60.0)
    assert any("population" in n for n in res.notes)
    res = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 120})), demo, remedy=False, community_area=False)
    assert all(ln.check != "community_area" for ln in res.lines)


# ------------------------------------------------------------------------------------------------
# capacity: the catchment of the serving facility, by hand
# ------------------------------------------------------------------------------------------------
def test_capacity_pass_fail_and_not_assessable(capacity, tmp_path):
    # pharmacy A: 60 m², its catchment the three homes a1..a3 of 50 households = 150 households
    near_a = dict(lon=24.9400, lat=60.1690)
    r = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 40}, **near_a)), capacity,
                              community_area=False, remedy=False)
    ln = r.line("pharmacy", "capacity")
    assert ln.numbers["facility_id"] == "A" and ln.numbers["catchment_households"] == pytest.approx(150.0)
    assert ln.numbers["m2_per_100_households_after"] == pytest.approx(60 / 190 * 100, abs=0.01)
    assert ln.numbers["m2_per_100_households_before"] == pytest.approx(40.0)
    assert ln.status == "pass" and r.status == "pass"
    r = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 100}, **near_a)), capacity,
                              community_area=False, remedy=False)
    ln = r.line("pharmacy", "capacity")
    assert ln.status == "fail" and ln.reason == "over_capacity"
    assert ln.numbers["m2_per_100_households_after"] == pytest.approx(24.0)        # 60 / 250 x 100
    assert ln.numbers["shortfall_m2"] == pytest.approx(15.0)                       # 0.3 x 250 - 60
    assert r.line("pharmacy", "provision").numbers["required_m2"] == pytest.approx(30.0)  # 0.3 x 100
    kinds = {rem["kind"]: rem for rem in r.remedies}
    assert kinds["planned_area"]["planned_m2"] == pytest.approx(30.0)
    assert kinds["enlarge_facility"]["extra_m2"] == pytest.approx(15.0)
    # planning its own 30 m² passes both lines
    r = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 100, "planned_pharmacy_m2": 30}, **near_a)),
                              capacity, community_area=False, remedy=False)
    assert r.line("pharmacy", "capacity").status == "pass"
    assert r.line("pharmacy", "provision").status == "pass" and r.status == "pass"
    # pharmacy B has no floor area: not assessable, which is not a failure
    r = chk.check_development(chk.read_development(proposal(tmp_path, {"households": 100}, lon=24.9505, lat=60.1768)),
                              capacity, community_area=False, remedy=False)
    ln = r.line("pharmacy", "capacity")
    assert ln.status == "not_assessable" and ln.numbers["facility_id"] == "B"
    assert r.status == "pass"


# ------------------------------------------------------------------------------------------------
# access points
# ------------------------------------------------------------------------------------------------
def test_access_points_from_boundary_entrances_and_interior(demo, helsinki, tmp_path):
    res = chk.check_development(chk.read_development(PROPOSALS / "kaivopiha_infill.geojson"), demo, remedy=False)
    boundary = res.polygon.geometry.iloc[0].boundary
    assert len(res.access) >= 2
    assert res.access.distance(boundary).max() < 1e-6          # on the outline
    assert res.access["snap_m"].max() < 1e-6                    # and on a street
    res = chk.check_development(chk.read_development(PROPOSALS / "esplanadi_gates.geojson"), demo, remedy=False)
    assert res.access_kind == "entrances" and list(res.access["label"]) == ["west gate", "east gate"]
    all_ = chk.check_development(chk.read_development(PROPOSALS / "esplanadi_gates.geojson"), demo, remedy=False, rule="all")
    for cat in ("pharmacy", "park"):
        per = [d for d in res.line(cat, "distance").numbers["per_access_point_m"] if d is not None]
        assert res.line(cat, "distance").numbers["distance_m"] == pytest.approx(min(per), abs=0.1)
        assert all_.line(cat, "distance").numbers["distance_m"] == pytest.approx(max(per), abs=0.1)
    # a 6 m square that no street crosses: measured from a point inside
    tiny = proposal(tmp_path, {"households": 10}, rect(24.9405, 60.1712, 0.0001, 0.00005), name="tiny")
    g = gpd.read_file(tiny).to_crs(helsinki.crs).geometry.iloc[0]
    assert len(helsinki._tree.query(g.boundary, predicate="intersects")) == 0
    res = chk.check_development(chk.read_development(tiny), demo, remedy=False)
    assert res.access_kind == "interior" and len(res.access) == 1


def test_geopackage_with_development_and_entrances_layers(demo, tmp_path):
    src = chk.read_development(PROPOSALS / "esplanadi_gates.geojson")
    gpkg = tmp_path / "esplanadi.gpkg"
    src.polygon.to_crs(3067).to_file(gpkg, layer="development", driver="GPKG")
    src.entrances.to_crs(3067).to_file(gpkg, layer="entrances", driver="GPKG")
    dev = chk.read_development(gpkg)
    assert dev.population == 300 and len(dev.entrances) == 2 and dev.planned == {"community_service": 60.0}
    a = chk.check_development(dev, demo, remedy=False)
    b = chk.check_development(src, demo, remedy=False)
    assert a.access_kind == "entrances"
    for la, lb in zip(a.lines, b.lines):
        assert (la.category, la.check, la.status) == (lb.category, lb.check, lb.status)
        if la.check == "distance":
            assert la.numbers["distance_m"] == pytest.approx(lb.numbers["distance_m"], abs=0.2)


# ------------------------------------------------------------------------------------------------
# bad proposals: a clear error naming the problem
# ------------------------------------------------------------------------------------------------
BOWTIE = [[[24.9400, 60.1700], [24.9410, 60.1710], [24.9410, 60.1700], [24.9400, 60.1710], [24.9400, 60.1700]]]


@pytest.mark.parametrize(
    "props, coords, points, error, words",
    [
        ({"households": 10}, BOWTIE, (), ScenarioError, ["invalid", "Self-intersection", "Fix geometries"]),
        ({"households": 10}, [], (), ScenarioError, ["empty"]),
        ({"households": 10}, rect(116.39, 39.90), (), ScenarioError, ["outside the network area", "km"]),
        ({"households": 10}, [[[y, x] for x, y in rect(24.94, 60.17)[0]]], (), ScenarioError, ["swapped"]),
        ({"households": 10}, [[[385800, 6672000], [385900, 6672000], [385900, 6672100], [385800, 6672000]]], (), CRSError, ["not degrees"]),
        ({"name": "x"}, None, (), ScenarioError, ["households are missing"]),
        ({"households": -3}, None, (), ScenarioError, ["households = -3.0", ">= 0"]),
        ({"households": 10, "planned_kindergarten_m2": 200}, None, (), ScenarioError, ["kindergarten", "does not use"]),
        ({"households": 10, "planned_pharmacie_m2": 20}, None, (), ScenarioError, ["not a known category", "did you mean pharmacy"]),
        ({"households": 10}, None, [(24.9500, 60.1700)], ScenarioError, ["entrance 1 lies", "from the development"]),
    ],
    ids=["bowtie", "empty", "beijing", "swapped", "metres-as-degrees", "no-households", "negative", "unused-category",
         "unknown-category", "far-entrance"],
)
def test_bad_proposals(demo, tmp_path, props, coords, points, error, words):
    p = proposal(tmp_path, props, coords, points=points)
    with pytest.raises(error) as exc:
        chk.check_development(chk.read_development(p), demo, remedy=False)
    for w in words:
        assert w in str(exc.value)


def test_every_problem_at_once_and_file_problems(demo, tmp_path):
    p = proposal(tmp_path, {"households": -1, "planned_foo_m2": 5}, BOWTIE)
    with pytest.raises(ScenarioError) as exc:
        chk.check_development(chk.read_development(p), demo)
    assert len(exc.value.problems) == 3
    with pytest.raises(MissingFileError):
        chk.read_development(tmp_path / "nope.geojson")
    pts = tmp_path / "points.geojson"
    pts.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}}]}))
    with pytest.raises(InputError, match="no polygon"):
        chk.read_development(pts)
    two = tmp_path / "two.geojson"
    feat = {"type": "Feature", "properties": {"households": 1}, "geometry": {"type": "Polygon", "coordinates": rect(24.94, 60.17)}}
    two.write_text(json.dumps({"type": "FeatureCollection", "features": [feat, feat]}))
    with pytest.raises(InputError, match="2 polygon features"):
        chk.read_development(two)
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    with pytest.raises(InputError, match="cannot be read"):
        chk.read_development(junk)


# ------------------------------------------------------------------------------------------------
# batches, reports, exit codes
# ------------------------------------------------------------------------------------------------
def _broken(tmp: Path) -> Path:
    return proposal(tmp, {"households": -5}, BOWTIE, name="broken")


def test_batch_goes_on_past_a_broken_proposal(demo, tmp_path):
    paths = [PROPOSALS / "kaivopiha_infill.geojson", PROPOSALS / "hakaniemi_gap.geojson", _broken(tmp_path),
             tmp_path / "missing.geojson"]
    out = tmp_path / "out"
    b = chk.check_batch(paths, demo, out, remedy=False)
    s = b.summary.set_index(b.summary["file"].map(lambda f: Path(f).stem))
    assert list(s["status"]) == ["pass", "fail", "error", "error"]
    assert list(s["exit_code"]) == [0, 1, 2, 2] and b.exit_code == 2
    assert "pharmacy:distance" in s.loc["hakaniemi_gap", "failed"].split(";")
    assert "invalid" in s.loc["broken", "error"] and "households" in s.loc["broken", "error"]
    assert "not found" in s.loc["missing", "error"]
    files = sorted(p.name for p in out.iterdir())
    assert files == ["hakaniemi_gap.html", "hakaniemi_gap.json", "kaivopiha_infill.html", "kaivopiha_infill.json", "summary.csv"]
    csv = pd.read_csv(out / "summary.csv")
    assert list(csv["status"]) == ["pass", "fail", "error", "error"]
    js = json.loads((out / "hakaniemi_gap.json").read_text(encoding="utf-8"))
    line = next(x for x in js["lines"] if x["category"] == "pharmacy" and x["check"] == "distance")
    assert line["status"] == "fail" and line["distance_m"] > 600 and "beyond 10 min" in line["text"]
    assert chk.check_batch(paths[:2], demo, tmp_path / "o2", remedy=False).exit_code == 1
    assert chk.check_batch(paths[:1], demo, tmp_path / "o3", remedy=False).exit_code == 0


def test_same_stems_get_distinct_reports(demo, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    p1 = shutil.copy(PROPOSALS / "kaivopiha_infill.geojson", tmp_path / "a" / "x.geojson")
    p2 = shutil.copy(PROPOSALS / "kaivopiha_infill.geojson", tmp_path / "b" / "x.geojson")
    b = chk.check_batch([p1, p2], demo, tmp_path / "out", remedy=False)
    assert sorted(Path(h).name for h in b.summary["html"]) == ["x-2.html", "x.html"]


def test_report_escapes_data_and_speaks_chinese(capacity, tmp_path):
    evil = "<script>alert(1)</script>"
    p = proposal(tmp_path, {"households": 100, "name": evil}, lon=24.9505, lat=60.1768)
    res = chk.check_development(chk.read_development(p), capacity)
    paths = chk.write_report(res, tmp_path / "r", stem="evil")
    page = paths["html"].read_text(encoding="utf-8")
    assert evil not in page and "<i>unknown area</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = page.split('id="check-data">', 1)[1].split("</script>", 1)[0]
    parsed = json.loads(data)
    assert parsed["development"]["popup"][0] == evil     # shown through a text node, as text
    assert "<script src=" not in page and "<link " not in page          # Leaflet is inlined: opens offline
    zh = chk.write_report(res, tmp_path / "zh", stem="zh", lang="zh")
    page = zh["html"].read_text(encoding="utf-8")
    assert "开发项目生活圈配套核查" in page and "无法评估" in page and 'lang="zh-CN"' in page
    js = json.loads(zh["json"].read_text(encoding="utf-8"))
    assert js["lang"] == "zh" and js["status"] == "fail"       # the community area is not planned
    assert not list((tmp_path / "r").glob(".check-tmp-*"))
    # Chinese throughout: no Latin-letter word outside names (the scenario's, the data's), units and
    # the identifiers a user types (column names such as planned_community_service_m2)
    import re

    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.split("<body>", 1)[1], flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    sc = res.scenario
    names = " ".join(res.facilities["name"].astype(str)) + " " + " ".join(res.facilities["fid"].astype(str))
    allowed = set(re.findall(r"[A-Za-z][\w.\-]*", f"{sc.name} {sc.title} {sc.standard} {evil} siting {names}"))
    words = {w for w in re.findall(r"[A-Za-z][\w.\-]*", text) if not re.search(r"[_.]", w) and not re.fullmatch(r"S\d+", w)}
    bad = words - allowed - {"m", "m²", "km", "min", "OpenStreetMap", "ODbL"}
    assert bad == set(), [(w, text[max(0, text.find(w) - 60):text.find(w) + 30]) for w in bad]
    assert "数据来源" in text and "OpenStreetMap 贡献者" in text   # the demo's network and POIs are OSM


@pytest.fixture
def cli_demo(demo, monkeypatch):
    """`siting check` with the demo surroundings already measured (no second network load)."""
    monkeypatch.setattr(chk, "prepare_check", lambda sc, **kw: demo)
    return demo


def test_cli_exit_codes(cli_demo, tmp_path, capsys):
    ok, gap = str(PROPOSALS / "kaivopiha_infill.geojson"), str(PROPOSALS / "hakaniemi_gap.geojson")
    base = ["-q", "check", "--scenario", str(DEMO), "--no-remedy"]
    assert main(base + [ok, "--out", str(tmp_path / "a")]) == 0
    assert main(base + [ok, gap, "--out", str(tmp_path / "b")]) == 1
    out = capsys.readouterr().out
    assert "hakaniemi_gap" in out and "FAIL" in out and "pharmacy:distance" in out
    assert main(base + [ok, gap, str(_broken(tmp_path)), "--out", str(tmp_path / "c")]) == 2
    out = capsys.readouterr().out
    assert "ERROR" in out and "invalid" in out and "1 of 3 pass, 1 fail, 1 with input errors" in out
    assert (tmp_path / "c" / "summary.csv").exists()
    # --lang zh: the console summary in Chinese, the same counts
    assert main(base + [ok, gap, str(_broken(tmp_path)), "--out", str(tmp_path / "z"), "--lang", "zh"]) == 2
    out = capsys.readouterr().out
    assert "3 个项目中达标 1 个，未达标 1 个，输入有误 1 个" in out and "开发项目核查" in out
    assert "未达标" in out and "输入有误" in out and "完成，用时" in out
    for english in ("pass,", "FAIL", "ERROR", "wrote", "done in", "not assessable"):
        assert english not in out, english
    # an entrances file with several proposals, and a missing scenario: input errors
    assert main(base + [ok, gap, "--entrances", ok, "--out", str(tmp_path / "d")]) == 2
    assert main(["-q", "check", ok, "--scenario", str(tmp_path / "none.toml")]) == 2
    assert "scenario file not found" in capsys.readouterr().err


def test_cli_entrances_file(cli_demo, tmp_path):
    src = chk.read_development(PROPOSALS / "esplanadi_gates.geojson")
    poly = tmp_path / "poly.geojson"
    src.polygon.to_file(poly, driver="GeoJSON")
    ent = tmp_path / "gates.geojson"
    src.entrances.to_file(ent, driver="GeoJSON")
    assert main(["-q", "check", str(poly), "--entrances", str(ent), "--scenario", str(DEMO), "--out", str(tmp_path / "o"),
                 "--no-remedy", "--lang", "zh"]) == 0
    js = json.loads((tmp_path / "o" / "poly.json").read_text(encoding="utf-8"))
    assert js["access"]["kind"] == "entrances" and len(js["access"]["points"]) == 2 and js["lang"] == "zh"


def test_check_notes_and_credits_in_chinese():
    from siting.check.report import note_text

    assert note_text("households estimated as population ÷ 2.62 (scenario household size)", "zh") == \
        "户数按人口 ÷ 2.62（方案的户均人口）估算"
    assert note_text("3 of 4 access points are more than 300 m from every street and are ignored", "zh") == \
        "4 个起点中有 3 个距所有街道超过 300 m，未计入"
    assert note_text("part of the development lies outside the network area: facilities beyond it are not counted", "en") \
        .startswith("part of")
