"""siting benchmarks against the tools planners would otherwise use.

    python -m benchmarks                       # coverage on helsinki, 100k and 1M nodes, 3 runs
    python -m benchmarks --quick               # tiny generated city, 1 run (the smoke test)
    python -m benchmarks --sizes 100k --runs 5 --tools siting,scipy,pandana

Every tool run is a fresh worker process (``python -m benchmarks._worker``), tools alternate run
by run, and the report gives medians. Results: ``benchmarks/results/<timestamp>.json`` and
``benchmarks/results/latest.md``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks import _inputs, _report
from benchmarks import _optimize as _inputs_opt

logger = logging.getLogger("benchmarks")
ROOT = Path(__file__).resolve().parent.parent
ALL_TOOLS = ("siting", "scipy", "networkx", "osmnx_ego", "pandana")
SECTIONS = ("coverage", "optimize", "optimize-quality", "e2e", "map")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny generated city (2k nodes), 1 run")
    ap.add_argument("--sizes", default="helsinki,100k,1M", help="comma list: helsinki and/or node counts (100k, 1M)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool (median reported; default 3)")
    ap.add_argument("--only", default="coverage", help="comma list of sections: coverage, optimize, optimize-quality, e2e, map")
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma list of tools for the coverage case")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generated cities")
    ap.add_argument("--ego-max-nodes", type=int, default=200_000,
                    help="run the ego_graph recipe only on networks up to this many nodes (default 200k)")
    ap.add_argument("--ego-cap", type=float, default=120.0,
                    help="seconds of ego_graph searching per run before extrapolating (default 120)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds before a worker is killed")
    ap.add_argument("--max-repeat-s", type=float, default=300.0,
                    help="a tool whose run takes longer than this is not repeated (default 300 s)")
    ap.add_argument("--opt-nodes", default="100k", help="size of the generated city of the optimize case")
    ap.add_argument("--opt-candidates", default="1k,5k,20k", help="candidate counts of the optimize case")
    ap.add_argument("--opt-p", type=int, default=50, help="p (new stations) of the MCLP in the optimize case")
    ap.add_argument("--opt-within", type=float, default=1000.0, help="coverage distance of the optimize case, m")
    ap.add_argument("--opt-time-limit", type=float, default=60.0, help="siting's solver time limit per model, s")
    ap.add_argument("--oq-cases", default="all",
                    help="optimize-quality: comma list of cases (see benchmarks/optimize_quality.py) or all")
    ap.add_argument("--oq-limits", default="5,15,60", help="optimize-quality: time limits, s (one run each)")
    ap.add_argument("--oq-proof", type=float, default=0.0,
                    help="optimize-quality: also one run with this limit (e.g. 600), 0 = none")
    ap.add_argument("--mem-limit-gb", type=float, default=12.0,
                    help="address-space limit of the spopt worker (MemoryError instead of the OOM killer)")
    ap.add_argument("--results-dir", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--render", metavar="JSON[,JSON...]",
                    help="measure nothing: rewrite the latest*.md tables from saved result files (a case in a "
                         "later file replaces the same case in an earlier one)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    if a.quick:
        a.sizes, a.runs, a.ego_cap = "2k", 1, 20.0
        a.opt_nodes, a.opt_candidates, a.opt_p = "5k", "300", 5
        a.oq_cases, a.oq_limits = "sjc324-p10", "2"
    a.runs = max(int(a.runs), 1)
    a.size_list = [_inputs.parse_size(s) for s in a.sizes.split(",") if s.strip()]
    a.sections = [s.strip() for s in a.only.split(",") if s.strip()]
    bad = [s for s in a.sections if s not in SECTIONS]
    if bad:
        ap.error(f"--only: unknown section(s) {bad}; use {', '.join(SECTIONS)}")
    a.tool_list = [t.strip() for t in a.tools.split(",") if t.strip()]
    bad = [t for t in a.tool_list if t not in ALL_TOOLS]
    if bad:
        ap.error(f"--tools: unknown tool(s) {bad}; use {', '.join(ALL_TOOLS)}")
    return a


def _importable(module: str) -> str | None:
    """None if ``module`` imports in a fresh interpreter, else the reason it does not."""
    p = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOT)
    if p.returncode == 0:
        return None
    last = (p.stderr.strip().splitlines() or ["import failed"])[-1]
    return f"`import {module}` fails ({last}); install with pip install .[bench]"


def _run_worker(tool: str, case: dict, work: Path, run: int, a: argparse.Namespace) -> dict:
    out = work / f"{case['case']}-{tool}-{run}.json"
    cmd = [sys.executable, "-m", "benchmarks._worker", "--tool", tool, "--input", case["input"],
           "--limit", str(case["limit_m"]), "--crs", case["crs"], "--out", str(out),
           "--time-cap", str(a.ego_cap)]
    if run == 0:
        cmd += ["--answers", str(work / f"{case['case']}-{tool}.npy")]
    return _measure(cmd, out, a.timeout, killed="worker killed")


def _measure(cmd: list[str], out: Path, timeout: float, *, killed: str, max_reason: int | None = None) -> dict:
    """Run one measuring worker in a fresh process; its JSON result plus wall time and load."""
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "reason": f"{killed} after {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["no message"])[-1]
        return {"status": "failed", "reason": tail[:max_reason]}
    r = json.loads(out.read_text())
    r.update(status="ok", wall_s=time.perf_counter() - t0, loadavg_1min_before=load)
    return r


def _agreement(tool: str, ans: np.ndarray, ref: np.ndarray, ref_name: str, limit: float) -> dict:
    if tool == "osmnx_ego":
        cov = ans > 0.5
        rc = np.isfinite(ref) & (ref <= limit)
        differ = int((cov != rc).sum())
        return {"differ": differ, "max_abs_diff_m": None,
                "text": f"covered sets: {differ} of {ans.size} residences differ from {ref_name}"}
    both = np.isfinite(ans) & np.isfinite(ref)
    # a distance within 1 mm of the limit may fall on either side of it in float32 tools
    edge = (np.abs(np.where(np.isfinite(ans), ans, ref) - limit) < 1e-3)
    reach_diff = int(((np.isfinite(ans) != np.isfinite(ref)) & ~edge).sum())
    dmax = float(np.max(np.abs(ans[both] - ref[both]))) if both.any() else 0.0
    return {"differ": reach_diff, "max_abs_diff_m": dmax,
            "text": f"max abs diff {dmax:.1e} m, {reach_diff} reached/not differ"}


def coverage_case(case: dict, tools: list[str], skipped: dict, work: Path, a: argparse.Namespace) -> dict:
    runnable = [t for t in tools if t not in skipped]
    if "osmnx_ego" in runnable and case["n_nodes"] > a.ego_max_nodes:
        skipped["osmnx_ego"] = (f"not run above {a.ego_max_nodes:,} nodes (one ego_graph per facility; "
                                "raise --ego-max-nodes to try)")
        runnable.remove("osmnx_ego")
    runs: dict[str, list[dict]] = {t: [] for t in runnable}
    failed: dict[str, list[dict]] = {}  # a tool failing twice is not tried again
    once: set[str] = set()
    for r in range(a.runs):
        order = runnable[r % len(runnable):] + runnable[: r % len(runnable)] if runnable else []
        for tool in order:
            if tool in once or len(failed.get(tool, [])) >= 2:
                continue
            logger.info("  %s run %d/%d: %s", case["case"], r + 1, a.runs, tool)
            res = _run_worker(tool, case, work, r, a)
            if res["status"] != "ok":
                logger.warning("  %s on %s: %s", tool, case["case"], res["reason"])
                failed.setdefault(tool, []).append(res)
                if res["status"] == "timeout":
                    once.add(tool)  # a timeout would only repeat
                continue
            logger.info("    query %.3f s (search %.3f s), prep %.3f s, peak %.0f MB",
                        res["query_s"], res["search_s"], res["prep_s"], res["peak_mb"])
            runs[tool].append(res)
            if res["wall_s"] > a.max_repeat_s and r + 1 < a.runs:
                once.add(tool)
                logger.info("    %s took %.0f s (> --max-repeat-s): not repeated", tool, res["wall_s"])
    out_tools: dict[str, dict] = {}
    for tool in tools:
        if tool in skipped:
            out_tools[tool] = {"status": "skipped", "reason": skipped.get(tool)}
            continue
        rr = runs[tool]
        if not rr:
            out_tools[tool] = failed[tool][-1]
            continue
        keys = ("query_s", "search_s", "snap_s", "prep_s", "query_cpu_s", "search_cpu_s", "snap_cpu_s", "prep_cpu_s")
        med = {k: statistics.median(x[k] for x in rr) for k in keys}
        med["total_s"] = statistics.median(x["query_s"] + x["prep_s"] for x in rr)
        med["total_cpu_s"] = statistics.median(x["query_cpu_s"] + x["prep_cpu_s"] for x in rr)
        peak = max(x["peak_mb"] for x in rr)
        extra = max(x["peak_mb"] - x["base_mb"] for x in rr)
        entry = {"status": "ok", **med, "peak_mb": peak, "extra_mb": extra, "n_runs": len(rr), "runs": rr,
                 "failed_runs": failed.get(tool, [])}
        for k in ("capped", "note", "facilities_done", "facilities_total", "door_to_door_covered"):
            if k in rr[0]:
                entry[k] = rr[0][k]
        out_tools[tool] = entry
    # answers: everyone against scipy's node-to-node distances (siting: its points-on-nodes check run)
    agreement: dict[str, dict] = {}
    answers = {t: work / f"{case['case']}-{t}.npy" for t in out_tools if out_tools[t].get("status") == "ok"}
    ref_name = "scipy" if "scipy" in answers else ("siting" if "siting" in answers else None)
    if ref_name:
        ref = np.load(answers[ref_name])
        for t, p in answers.items():
            if t == ref_name:
                agreement[t] = {"text": "reference"}
            elif out_tools[t].get("capped"):
                agreement[t] = {"text": "not checked (time cap hit: incomplete answer)"}
            else:
                agreement[t] = _agreement(t, np.load(p), ref, ref_name, case["limit_m"])
    covered = None
    if ref_name:
        covered = int(np.isfinite(np.load(answers[ref_name])).sum())
    return {**case, "section": "coverage", "tools": out_tools, "agreement": agreement,
            "residences_within_limit_node_to_node": covered}


def _run_opt(tool: str, inst: dict, work: Path, run: int, a: argparse.Namespace) -> dict:
    out = work / f"opt-{inst['n_candidates']}-{tool}-{run}.json"
    cmd = [sys.executable, "-m", "benchmarks._optimize", "--tool", tool, "--input", inst["input"],
           "--within", str(a.opt_within), "--p", str(a.opt_p), "--crs", inst["crs"], "--out", str(out),
           "--time-limit", str(a.opt_time_limit)]
    if tool == "spopt":
        cmd += ["--mem-limit-gb", str(a.mem_limit_gb)]
    return _measure(cmd, out, a.timeout, killed="killed", max_reason=300)


def optimize_cases(a: argparse.Namespace, work: Path) -> list[dict]:
    n_nodes = int(_inputs.parse_size(a.opt_nodes))
    ks = [int(_inputs.parse_size(k)) for k in a.opt_candidates.split(",") if k.strip()]
    tools = ["siting"]
    why = _importable("spopt.locate")
    skipped = {"spopt": why} if why else {}
    if not why:
        tools.append("spopt")
    cases = []
    for k in ks:
        t0 = time.perf_counter()
        inst = _inputs_opt.prepare(n_nodes, k, a.opt_within, work, seed=a.seed)
        logger.info("optimize case %d candidates: %d residences, %d pairs (%.1f s to prepare)",
                    inst["n_candidates"], inst["n_residences"], inst["n_pairs"], time.perf_counter() - t0)
        runs: dict[str, list] = {t: [] for t in tools}
        failed: dict[str, dict] = {}
        for r in range(a.runs):
            order = tools[r % len(tools):] + tools[: r % len(tools)]
            for tool in order:
                if tool in failed or (runs[tool] and runs[tool][-1]["wall_s"] > a.max_repeat_s):
                    continue
                logger.info("  optimize %d run %d/%d: %s", k, r + 1, a.runs, tool)
                res = _run_opt(tool, inst, work, r, a)
                if res["status"] != "ok":
                    logger.warning("  %s: %s", tool, res["reason"])
                    failed[tool] = res
                    continue
                logger.info("    MCLP %.2f s, LSCP %.2f s, peak %.0f MB", res["mclp_s"], res["lscp_s"], res["peak_mb"])
                runs[tool].append(res)
        out = {}
        for tool in ("siting", "spopt"):
            if tool in skipped:
                out[tool] = {"status": "skipped", "reason": skipped[tool]}
            elif tool in failed and not runs.get(tool):
                out[tool] = failed[tool]
            else:
                rr = runs[tool]
                keys = [k2 for k2 in ("reach_s", "matrix_s", "mclp_s", "lscp_s") if k2 in rr[0]]
                e = {k2: statistics.median(x[k2] for x in rr) for k2 in keys}
                e.update(status="ok", n_runs=len(rr), peak_mb=max(x["peak_mb"] for x in rr),
                         mclp_objective=rr[0]["mclp_objective"], lscp_objective=rr[0]["lscp_objective"],
                         runs=rr)
                for k2 in ("mclp_status", "lscp_status", "mclp_gap", "lscp_gap", "matrix_gb"):
                    if k2 in rr[0]:
                        e[k2] = rr[0][k2]
                out[tool] = e
        cases.append({"section": "optimize", "case": f"{k} candidates", **inst, "p": a.opt_p, "tools": out})
    return cases


def _write_markdown(result: dict, results_dir: Path) -> str:
    from . import _e2e, _map, optimize_quality

    def oq(cases: list[dict]) -> str:
        return optimize_quality.markdown([c for c in cases if c.get("section") == "optimize-quality"])

    md = (_report.markdown(result) + _e2e.markdown([c for c in result["cases"] if c.get("section") == "e2e"]) + oq(result["cases"])
          + _map.markdown([c for c in result["cases"] if c.get("section") == "map"]))
    (results_dir / "latest.md").write_text(md)
    for section in {c["section"] for c in result["cases"]}:  # per section, so runs of one section keep the other
        part = {**result, "cases": [c for c in result["cases"] if c["section"] == section]}
        if section == "e2e":
            text = _e2e.markdown(part["cases"])
        elif section == "map":
            text = _map.markdown(part["cases"])
        elif section == "optimize-quality":
            text = _report.markdown({**part, "cases": []}) + oq(part["cases"])
        else:
            text = _report.markdown(part)
        (results_dir / f"latest-{section}.md").write_text(text)
    return md


def render(files: list[str], results_dir: Path) -> int:
    """Merge saved result files into one set of tables (no measuring)."""
    merged: dict | None = None
    order: list[tuple[str, str]] = []
    cases: dict[tuple[str, str], dict] = {}
    for f in files:
        r = json.loads(Path(f).read_text())
        merged = merged or r
        for c in r["cases"]:
            key = (c["section"], c["case"])
            if key not in cases:
                order.append(key)
                cases[key] = {**c, "from": Path(f).name}
                continue
            old = cases[key]
            if "runs" in c and "runs" in old:
                # runs of a case at other time limits are kept; a limit measured again replaces
                limits = {r.get("limit") for r in c["runs"]}
                kept = [r for r in old["runs"] if r.get("limit") not in limits]
                runs = sorted(kept + list(c["runs"]), key=lambda r: r.get("limit") or 0)
                name = Path(f).name
                if kept:
                    lims = ", ".join(f"{r.get('limit'):g}" for r in kept)
                    name = f"{name} + {old['from']} ({lims} s)"
                cases[key] = {**c, "runs": runs, "from": name}
            else:
                cases[key] = {**c, "from": Path(f).name}
    if merged is None:
        raise SystemExit("--render: name at least one result file")
    results_dir.mkdir(parents=True, exist_ok=True)
    notes = list(merged.get("notes", [])) + [f"tables merged from {', '.join(Path(f).name for f in files)}"]
    for key in order:
        notes.append(f"{key[0]} {key[1]}: measured in {cases[key]['from']}")
    result = {**merged, "cases": [cases[k] for k in order], "notes": notes}
    print(_write_markdown(result, results_dir))
    return 0


def main(argv: list[str] | None = None) -> int:
    a = _parse(argv)
    if a.render:
        return render([f for f in a.render.split(",") if f], Path(a.results_dir))
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.INFO,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir = Path(a.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="siting-bench-"))
    notes: list[str] = []
    result = {"timestamp": stamp, "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
              "runs": a.runs, "machine": _report.machine(), "cases": [], "notes": notes}
    try:
        if "coverage" in a.sections:
            skipped: dict[str, str] = {}
            for tool, mod in (("pandana", "pandana"), ("osmnx_ego", "osmnx"), ("networkx", "osmnx")):
                if tool in a.tool_list:
                    why = _importable(mod)
                    if why:
                        skipped[tool] = why
            for size in a.size_list:
                case = _inputs.prepare(size, work, seed=a.seed)
                result["cases"].append(coverage_case(case, a.tool_list, dict(skipped), work, a))
        if "optimize" in a.sections:
            result["cases"] += optimize_cases(a, work)
        if "optimize-quality" in a.sections:
            from . import optimize_quality

            result["cases"] += optimize_quality.quality_cases(a, work)
        if "e2e" in a.sections:
            from . import _e2e

            sizes = [x for x in a.size_list if x != "helsinki"] or [300_000]
            result["cases"] += _e2e.e2e_cases(work, a.runs, sizes)
        if "map" in a.sections:
            from . import _map

            # default: 900k nodes, the generator's ~300,000 residences (a whole district)
            given = [int(x) for x in a.size_list if x != "helsinki"]
            sizes = [900_000] if a.sizes == "helsinki,100k,1M" or not given else given
            result["cases"] += _map.map_cases(work, a.runs, sizes, timeout=a.timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (results_dir / f"{stamp}.json").write_text(json.dumps(result, indent=1, default=float))
    print(_write_markdown(result, results_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
