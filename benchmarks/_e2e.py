"""End-to-end benchmark: `siting run` on the demo scenario and on a generated city.

Each run is a fresh `python -m siting run` process; wall time and the process's own peak
memory (``os.wait4`` rusage, ru_maxrss) are measured, and the stage times come from the run's
summary.json. The generated city is synthetic (no real place).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SYNTHETIC = """name = "e2e_{n}"
title = "Synthetic city, {n} nodes (generated, not a real place)"
[network]
source = "synthetic:n={n},seed=1"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["convenience_store", "supermarket", "fresh_market", "pharmacy", "health_station", "elderly_care",
       "kindergarten", "post_parcel"]
[map]
category = "elderly_care"
pdf = false
[optimize]
categories = ["elderly_care"]
model = "max_cover"
p = 20
time_limit = 30
[optimize.candidates]
spacing = "300 m"
"""


def _one(scenario: Path, out: Path) -> dict:
    cmd = [sys.executable, "-m", "siting", "-q", "run", str(scenario), "--no-progress",
           "--out", str(out / "out"), "--map", str(out / "map.html")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status != 0:
        return {"ok": False, "wall_s": wall, "error": err[-600:]}
    summary = json.loads((out / "out" / "summary.json").read_text())
    return {
        "ok": True, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
        "stages_s": summary.get("timings_s", {}), "residences": summary["counts"]["residences"],
        "nodes": summary["counts"]["nodes"], "loadavg_1min_before": os.getloadavg()[0],
    }


def e2e_cases(work: Path, runs: int, sizes: list[int]) -> list[dict]:
    """Measure `siting run` end to end: the demo scenario and generated cities of ``sizes`` nodes."""
    scenarios = [("demo (Helsinki)", ROOT / "scenarios" / "demo.toml")]
    for n in sizes:
        p = work / f"e2e_{n}.toml"
        p.write_text(SYNTHETIC.format(n=n))
        scenarios.append((f"synthetic {n:,} nodes", p))
    cases = []
    for name, path in scenarios:
        runs_ = []
        for i in range(runs):
            d = work / f"e2e-{len(cases)}-{i}"
            d.mkdir(parents=True, exist_ok=True)
            runs_.append(_one(path, d))
        ok = [r for r in runs_ if r["ok"]]
        case = {"section": "e2e", "case": name, "runs": runs_}
        if ok:
            case.update({
                "wall_s": statistics.median(r["wall_s"] for r in ok),
                "cpu_s": statistics.median(r["cpu_s"] for r in ok),
                "peak_mb": max(r["peak_mb"] for r in ok),
                "nodes": ok[0]["nodes"], "residences": ok[0]["residences"],
                "stages_s": {k: statistics.median(r["stages_s"].get(k, 0.0) for r in ok) for k in ok[0]["stages_s"]},
            })
        cases.append(case)
    return cases


def markdown(cases: list[dict]) -> str:
    """The end-to-end table (medians; stage times from summary.json)."""
    if not cases:
        return ""
    lines = ["", "## End to end: `siting run` (network, demand, facilities, coverage, indicators, plan, map, report)", "",
             "| scenario | nodes | residences | wall s | CPU s | peak MB | stages (median s) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for c in cases:
        if "wall_s" not in c:
            lines.append(f"| {c['case']} | – | – | failed | | | {c['runs'][0].get('error', '')[:120]} |")
            continue
        stages = ", ".join(f"{k} {v:.2f}" for k, v in c["stages_s"].items())
        lines.append(f"| {c['case']} | {c['nodes']:,} | {c['residences']:,} | {c['wall_s']:.1f} | {c['cpu_s']:.1f} | "
                     f"{c['peak_mb']:.0f} | {stages}; the rest is writing outputs (GeoPackage, map, report) |")
    loads = [r.get("loadavg_1min_before", 0) for c in cases for r in c["runs"]]
    lines += ["", f"1-minute load average before the runs: {min(loads):.1f} to {max(loads):.1f} (on {os.cpu_count()} cores). "
              "Each run is a fresh process; wall time includes Python start-up and imports."]
    return "\n".join(lines) + "\n"
