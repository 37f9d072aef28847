"""Machine description and the markdown table of a benchmark run."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

PACKAGES = ("siting", "numpy", "scipy", "pandas", "shapely", "geopandas", "networkx", "osmnx",
            "pandana", "spopt", "pulp", "highspy", "numba")

WHAT = {
    "siting": "door-to-door: points snapped onto segments (perpendicular + along), bounded multi-source "
              "Dijkstra (siting.network.reach.nearest)",
    "scipy": "node-to-node: nearest node (cKDTree), scipy.sparse.csgraph.dijkstra(min_only=True, limit=L)",
    "networkx": "node-to-node: ox.distance.nearest_nodes, nx.multi_source_dijkstra_path_length(cutoff=L)",
    "osmnx_ego": "covered yes/no only: nx.ego_graph(radius=L, distance='length') per facility, union of nodes",
    "pandana": "node-to-node: pandana.Network (contraction hierarchy), set_pois + nearest_pois(L)",
}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": versions,
    }


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}g}"


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"# siting benchmarks — {result['timestamp']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}, Python {m['python']}.  ",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + ".  ",
        f"Command: `{result['command']}`; medians of {result['runs']} run(s), tools alternated run by run, "
        "each run in a fresh process.",
        "",
        "Times in seconds, medians. Ratios use **CPU time** of the worker process (all its threads), which "
        "other programs running at the same time disturb far less than wall-clock time; wall-clock query time "
        "is shown too. pandana's contraction hierarchy uses several threads, so its CPU time exceeds its wall "
        "time on an idle machine. **query** = snap residences and facilities + bounded nearest-facility search "
        "(what a coverage run repeats per category); **search** = the search alone; **prep** = building the "
        "tool's network structure from arrays (siting: CSR + spatial index; networkx: the graph; pandana: "
        "its contraction hierarchy). Ratios are tool / siting (> 1: siting faster). **peak MB** = "
        "high-water resident memory (VmHWM) of the worker process (interpreter, imports and inputs included); **+MB** = what the "
        "tool's prep and query added on top of the inputs.",
        "",
    ]
    for case in result["cases"]:
        if case.get("section") != "coverage":
            continue
        lines += [
            f"## Coverage, one category — {case['case']}",
            "",
            f"{case['description']}. {case['n_nodes']:,} nodes, {case['n_edges']:,} edges, "
            f"{case['n_residences']:,} residences, {case['n_facilities']:,} facilities ({case['category']}), "
            f"limit {case['limit_m']:.0f} m.",
            "",
            "| tool | query s | query CPU s | ×siting | search CPU s | ×siting | prep CPU s | prep+query CPU s | ×siting | peak MB | +MB | answers vs scipy |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        s = case["tools"].get("siting", {})
        for tool, r in case["tools"].items():
            if r.get("status") != "ok":
                lines.append(f"| {tool} | {r.get('status')}: {r.get('reason')} |" + "  |" * 10)
                continue

            def ratio(key: str, r: dict = r, s: dict = s) -> str:
                if s.get("status") != "ok" or not s.get(key):
                    return "–"
                return f"{r[key] / s[key]:.1f}"

            flag = " (extrapolated)" if r.get("capped") else ""
            if r.get("n_runs", result["runs"]) < result["runs"]:
                flag += f" ({r['n_runs']} run)"
            lines.append(
                f"| {tool} | {_fmt(r['query_s'])}{flag} | {_fmt(r['query_cpu_s'])} | {ratio('query_cpu_s')} | "
                f"{_fmt(r['search_cpu_s'])} | {ratio('search_cpu_s')} | {_fmt(r['prep_cpu_s'])} | "
                f"{_fmt(r['total_cpu_s'])} | {ratio('total_cpu_s')} | "
                f"{r['peak_mb']:.0f} | {r['extra_mb']:.0f} | {case['agreement'].get(tool, {}).get('text', '–')} |"
            )
        loads = [x.get("loadavg_1min_before", 0) for r in case["tools"].values() for x in r.get("runs", [])]
        if loads:
            lines += ["", f"1-minute load average before the runs: {min(loads):.1f} to {max(loads):.1f} "
                          f"(on {result['machine']['cores']} cores)."]
        lines += ["", "What each tool computes:", ""]
        lines += [f"- **{t}**: {WHAT[t]}" for t in case["tools"]]
        lines.append("")
    opt = [c for c in result["cases"] if c.get("section") == "optimize"]
    if opt:
        c0 = opt[0]
        lines += [
            "## Candidate reachability + optimisation — siting vs spopt",
            "",
            f"Generated city of {c0['n_nodes']:,} nodes, {c0['n_residences']:,} residences (weight = population), "
            f"candidates on random street nodes, coverage within {c0['within_m']:.0f} m, MCLP with p = {c0['p']}, "
            "LSCP (fewest sites covering every coverable residence); CBC for both. siting: snap + "
            "`pairs_within` + `CoverageProblem.from_pairs` + `solve_max_cover` / `solve_set_cover` "
            "(greedy + swap warm start, gap 1e-4). spopt: the dense residence x candidate matrix (filled from "
            "siting's sparse pairs, its reachability is not timed) + `MCLP/LSCP.from_cost_matrix(...).solve`. "
            "MCLP s includes reachability (siting) / the dense matrix (spopt).",
            "",
            "| candidates | pairs | tool | reach / matrix s | MCLP s | ×siting | LSCP s | ×siting | peak MB | MCLP covered | LSCP sites |",
            "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for c in opt:
            s_ = c["tools"].get("siting", {})
            for tool, r in c["tools"].items():
                if r.get("status") != "ok":
                    lines.append(f"| {c['n_candidates']:,} | {c['n_pairs']:,} | {tool} | {r.get('status')}: "
                                 f"{r.get('reason')} |  |  |  |  |  |  |  |")
                    continue

                def rat(key: str, r: dict = r, s_: dict = s_) -> str:
                    return f"{r[key] / s_[key]:.1f}" if s_.get("status") == "ok" and s_.get(key) else "–"

                pre = r.get("reach_s", r.get("matrix_s"))
                st = "" if r.get("mclp_status", "optimal") == "optimal" else f" ({r['mclp_status']})"
                st2 = "" if r.get("lscp_status", "optimal") == "optimal" else f" ({r['lscp_status']})"
                lines.append(
                    f"| {c['n_candidates']:,} | {c['n_pairs']:,} | {tool} | {_fmt(pre)} | {_fmt(r['mclp_s'])} | "
                    f"{rat('mclp_s')} | {_fmt(r['lscp_s'])} | {rat('lscp_s')} | {r['peak_mb']:.0f} | "
                    f"{r['mclp_objective']:,.0f}{st} | {r['lscp_objective']:.0f}{st2} |"
                )
        lines.append("")
    if result.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in result["notes"]] + [""]
    return "\n".join(lines)
