"""Map benchmark: the meeting map of a whole district, its size and how fast Chromium opens it.

For each size, a generated city (synthetic, no real place: ``synthetic:n=<nodes>,seed=1``; the
generator places about one residential compound per three street nodes, so 900k nodes give about
300,000 residences) runs through the pipeline with every category of the end-to-end scenario and
a plan for one of them, in a fresh process (``python -m benchmarks._map build``), which then builds
and saves the map (timed: ``map_data`` and the HTML). The map is then opened ``runs`` times in
headless Chromium (Debian's, driven by Playwright), each time in a fresh page with every request
that is not a local file aborted (so the basemap fails and the map falls back to its own
streets, as on an intranet), and timed from navigation to ``window.sitingReady`` (the decoded
data drawn: district grid, streets, facilities), with the page's own split (decode / draw) and
its JavaScript heap. The 1-minute load average is recorded before every opening.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CATEGORIES = ["convenience_store", "supermarket", "fresh_market", "pharmacy", "health_station", "elderly_care",
              "kindergarten", "post_parcel"]


def build(nodes: int, out: Path, plan: bool) -> dict:
    """Run the pipeline on a generated city and write its map (in this process); the figures."""
    from siting.outputs.maps import coverage_map, map_data
    from siting.pipeline import run_scenario
    from siting.scenario import Scenario

    spec = {
        "name": f"map_{nodes}", "title": f"Synthetic city, {nodes:,} nodes (generated, not a real place)",
        "network": {"source": f"synthetic:n={nodes},seed=1"}, "demand": {"source": "synthetic"},
        "facilities": {"source": "synthetic"}, "categories": {"use": CATEGORIES}, "map": {"category": "elderly_care"},
    }
    if plan:
        spec["optimize"] = {"categories": ["elderly_care"], "model": "max_cover", "p": 20, "time_limit": 60,
                            "candidates": {"spacing": "600 m"}}
    t0 = time.perf_counter()
    res = run_scenario(Scenario.model_validate(spec))
    t_run = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = map_data(res)
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    coverage_map(res).save(str(out))
    t_page = time.perf_counter() - t0
    parts = {k: len(json.dumps(data[k])) for k in ("res", "fac", "streets", "prop")}
    return {"nodes": res.network.n_nodes, "edges": res.network.n_edges, "residences": int(len(res.coverage.residences)),
            "facilities": int(len(res.facilities)), "categories": len(res.categories),
            "planned": len(data["planned"]), "run_s": t_run, "map_data_s": t_data, "page_s": t_page,
            "size_mb": out.stat().st_size / 1e6, "parts_mb": {k: v / 1e6 for k, v in parts.items()}}


def open_in_chromium(path: Path, runs: int, timeout_s: float = 180.0) -> list[dict]:
    """Open the map ``runs`` times in fresh pages of headless Chromium, network off; time each."""
    import shutil

    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise RuntimeError("no chromium on PATH (Debian: apt-get install chromium)")
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"])
        warm = browser.new_page()  # the browser's own start-up is not the map's
        warm.set_content("<html><body>warm-up</body></html>")
        warm.close()
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            page.goto(path.resolve().as_uri(), timeout=timeout_s * 1000)
            page.wait_for_function("window.sitingReady === true", timeout=timeout_s * 1000, polling=20)
            ready = time.perf_counter() - t0
            info = page.evaluate("""({t: window.sitingState.timing,
                layers: document.querySelectorAll('.leaflet-control-layers-overlays label').length,
                heap: performance.memory ? performance.memory.usedJSHeapSize : null,
                dcl: performance.timing.domContentLoadedEventEnd - performance.timing.navigationStart})""")
            out.append({"ready_s": ready, "dom_s": info["dcl"] / 1000, "decode_s": info["t"]["decodeMs"] / 1000,
                        "draw_s": info["t"]["drawMs"] / 1000, "layers": info["layers"],
                        "heap_mb": info["heap"] / 1e6 if info["heap"] else None, "loadavg_1min_before": load})
            page.close()
        browser.close()
    return out


def map_cases(work: Path, runs: int, sizes: list[int], timeout: float = 3600.0) -> list[dict]:
    """Measure the map of generated cities of ``sizes`` nodes (see the module docstring)."""
    cases = []
    for n in sizes:
        html = work / f"map_{n}.html"
        info = work / f"map_{n}.json"
        cmd = [sys.executable, "-m", "benchmarks._map", "build", "--nodes", str(n), "--out", str(html), "--info", str(info)]
        case: dict = {"section": "map", "case": f"synthetic {n:,} nodes"}
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            case["error"] = (p.stderr.strip().splitlines() or ["failed"])[-1][:300]
            cases.append(case)
            continue
        case.update(json.loads(info.read_text()))
        try:
            opened = open_in_chromium(html, runs)
        except Exception as exc:  # no browser, or the page failed: say so in the table
            case["error"] = f"{type(exc).__name__}: {exc}"[:300]
            cases.append(case)
            continue
        case["opens"] = opened
        for k in ("ready_s", "dom_s", "decode_s", "draw_s"):
            case[k] = statistics.median(o[k] for o in opened)
        heaps = [o["heap_mb"] for o in opened if o["heap_mb"] is not None]
        case["heap_mb"] = max(heaps) if heaps else None
        case["layers"] = opened[0]["layers"]
        cases.append(case)
    return cases


def markdown(cases: list[dict]) -> str:
    """The map table (medians of the openings)."""
    if not cases:
        return ""
    lines = ["", "## Map: a whole district in the browser (headless Chromium, network off)", "",
             "| city | nodes | residences | facilities | categories (planned) | HTML MB | layers | open s (median) | "
             "DOM / decode / draw s | JS heap MB | build s (pipeline / map_data / page) |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | --- |"]
    for c in cases:
        if "ready_s" not in c:
            size = f"{c['size_mb']:.1f}" if "size_mb" in c else "–"
            lines.append(f"| {c['case']} | | | | | {size} | | failed | {c.get('error', '')} | | |")
            continue
        heap = f"{c['heap_mb']:.0f}" if c.get("heap_mb") else "–"
        lines.append(
            f"| {c['case']} | {c['nodes']:,} | {c['residences']:,} | {c['facilities']:,} | {c['categories']} ({c['planned']}) | "
            f"{c['size_mb']:.1f} | {c['layers']} | {c['ready_s']:.2f} | {c['dom_s']:.2f} / {c['decode_s']:.2f} / {c['draw_s']:.2f} | "
            f"{heap} | {c['run_s']:.0f} / {c['map_data_s']:.1f} / {c['page_s']:.1f} |")
    loads = [o["loadavg_1min_before"] for c in cases for o in c.get("opens", [])]
    if loads:
        lines += ["", f"1-minute load average before the openings: {min(loads):.1f} to {max(loads):.1f} (on {os.cpu_count()} "
                  "cores). *open* = navigation to the map drawn (`window.sitingReady`): HTML parsed (DOM), arrays "
                  "decoded (base64, gzip, byte planes), layers drawn. Goal: under 3 s and 15 MB at 300,000 residences."]
    return "\n".join(lines) + "\n"


def _main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks._map")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="run the pipeline on a generated city and save its map (one process)")
    b.add_argument("--nodes", type=int, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--info", type=Path, required=True)
    b.add_argument("--no-plan", action="store_true")
    o = sub.add_parser("open", help="open a map saved by build again (e.g. on a quieter machine) and write its table")
    o.add_argument("--map", type=Path, required=True, help="the HTML written by build")
    o.add_argument("--info", type=Path, required=True, help="the JSON written by build")
    o.add_argument("--runs", type=int, default=5)
    o.add_argument("--results-dir", type=Path, default=ROOT / "benchmarks" / "results")
    a = ap.parse_args(argv)
    if a.cmd == "build":
        info = build(a.nodes, a.out, plan=not a.no_plan)
        a.info.write_text(json.dumps(info))
        return 0
    case = {"section": "map", **json.loads(a.info.read_text())}
    case["case"] = f"synthetic {case['nodes']:,} nodes (saved map reopened)"
    opened = open_in_chromium(a.map, a.runs)
    case["opens"] = opened
    for k in ("ready_s", "dom_s", "decode_s", "draw_s"):
        case[k] = statistics.median(x[k] for x in opened)
    heaps = [x["heap_mb"] for x in opened if x["heap_mb"] is not None]
    case["heap_mb"] = max(heaps) if heaps else None
    case["layers"] = opened[0]["layers"]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    a.results_dir.mkdir(parents=True, exist_ok=True)
    (a.results_dir / f"map-{stamp}.json").write_text(json.dumps({"created": stamp, "cases": [case]}, indent=2))
    text = markdown([case])
    (a.results_dir / "latest-map.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
