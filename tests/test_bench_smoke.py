"""Smoke test of the benchmark runner (python -m benchmarks --quick): it runs and writes valid JSON.

No timing assertions: performance is measured by the runner itself, not by tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from _util import ROOT


@pytest.mark.slow
def test_quick_benchmark_runs_and_writes_json(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--tools", "siting,scipy,networkx",
         "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    result = json.loads(files[0].read_text())
    assert result["machine"]["cores"] >= 1 and result["machine"]["python"]
    (case,) = [c for c in result["cases"] if c["section"] == "coverage"]
    assert case["n_nodes"] > 0 and case["n_residences"] > 0 and case["n_facilities"] > 0
    for tool in ("siting", "scipy", "networkx"):
        r = case["tools"][tool]
        assert r["status"] == "ok", r
        assert r["query_s"] > 0 and r["peak_mb"] > 0 and len(r["runs"]) == 1
    # the three tools found the same node-to-node distances (siting's points-on-nodes check)
    assert case["agreement"]["scipy"]["text"] == "reference"
    for tool in ("siting", "networkx"):
        agree = case["agreement"][tool]
        assert agree["differ"] == 0 and agree["max_abs_diff_m"] <= 1e-6, agree
    assert "| siting |" in (tmp_path / "latest.md").read_text()


def test_unknown_tool_is_refused(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--tools", "siting,arcgis", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 2 and "arcgis" in p.stderr
    assert not list(tmp_path.glob("*.json"))


@pytest.mark.slow
def test_end_to_end_section_runs(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "e2e", "--sizes", "3000", "--runs", "1",
         "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    (f,) = tmp_path.glob("*.json")
    cases = [c for c in json.loads(f.read_text())["cases"] if c["section"] == "e2e"]
    assert [c["case"] for c in cases] == ["demo (Helsinki)", "synthetic 3,000 nodes"]
    for c in cases:
        assert c["runs"][0]["ok"], c["runs"][0]
        assert c["wall_s"] > 0 and c["peak_mb"] > 0 and c["residences"] > 0
        assert {"network", "coverage", "optimize"} <= set(c["stages_s"])
    assert "End to end" in (tmp_path / "latest.md").read_text()


@pytest.mark.slow
def test_location_benchmark_runs(tmp_path):
    import os

    env = {**os.environ, "SITING_BENCH_CACHE": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks.location", "run", "--nodes", "3000", "--residences", "2000",
         "--candidates", "300", "--within", "600", "--p", "5", "--time-limit", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    (row,) = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert row["model"] == "p_median" and row["pairs"] > 0 and row["candidates"] == 300
    assert row["status"] in ("optimal", "time_limit") and row["objective"] >= row["bound"] - 1e-6
    assert "| p_median p=5 |" in p.stdout


def test_orlib_runner_matches_the_published_optima(tmp_path):
    import shutil

    shutil.copy(ROOT / "tests" / "data" / "orlib" / "pmed1.txt", tmp_path / "pmed1.txt")
    p = subprocess.run([sys.executable, "-m", "benchmarks.orlib", "--dir", str(tmp_path), "--model", "p_median"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "| pmed1 | 100 | 5 | p_median | 5819 | 5819 | optimal |" in p.stdout


def test_inputs_load_benchmark_runs(tmp_path):
    out = tmp_path / "inputs.jsonl"
    p = subprocess.run([sys.executable, "-m", "benchmarks.inputs_load", "--quick", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = {r["case"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert rows["lines"]["crossings_split"] > 2000 and rows["lines"]["seconds"] > 0
    if "cells" in rows["raster"]:
        assert rows["raster"]["residences"] == rows["grid_csv"]["residences"] > 0


@pytest.mark.slow
@pytest.mark.browser
def test_map_section_runs(tmp_path):
    """The map section on a small generated city: it builds, opens in Chromium and writes its table."""
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    p = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "map", "--sizes", "3000", "--runs", "1", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    (f,) = tmp_path.glob("*.json")
    (case,) = [c for c in json.loads(f.read_text())["cases"] if c["section"] == "map"]
    assert "error" not in case, case.get("error")
    assert case["residences"] > 0 and case["size_mb"] > 0 and case["ready_s"] > 0
    assert case["layers"] == 1 + 4 * case["categories"] + 2 + case["planned"]
    assert case["opens"][0]["loadavg_1min_before"] >= 0
    assert "## Map: a whole district" in (tmp_path / "latest-map.md").read_text()


@pytest.mark.slow
def test_serve_benchmark_runs_with_its_peer(tmp_path):
    p = subprocess.run([sys.executable, "-m", "benchmarks.serve", "--quick", "--results-dir", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    (f,) = tmp_path.glob("serve-*.json")
    (case,) = json.loads(f.read_text())["cases"]
    assert case["residences"] > 0 and case["engine"]["add"]["n"] == 20
    assert case["fresh_search"]["n"] >= 3 and case["fresh_search"]["median_ms"] > 0
    assert "fresh search" in (tmp_path / "latest-serve.md").read_text()


@pytest.mark.slow
@pytest.mark.browser
def test_saved_map_reopens(tmp_path):
    """`benchmarks._map build` then `open`: a saved map is measured again and its table written."""
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    html, info = tmp_path / "m.html", tmp_path / "m.json"
    b = subprocess.run([sys.executable, "-m", "benchmarks._map", "build", "--nodes", "2000", "--out", str(html), "--info", str(info)],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert b.returncode == 0, b.stderr[-2000:]
    o = subprocess.run([sys.executable, "-m", "benchmarks._map", "open", "--map", str(html), "--info", str(info), "--runs", "1",
                        "--results-dir", str(tmp_path / "r")], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert o.returncode == 0, o.stderr[-2000:]
    (f,) = (tmp_path / "r").glob("map-*.json")
    (case,) = json.loads(f.read_text())["cases"]
    assert case["size_mb"] == pytest.approx(html.stat().st_size / 1e6, rel=1e-3) and case["ready_s"] > 0
    assert "(saved map reopened)" in (tmp_path / "r" / "latest-map.md").read_text()
