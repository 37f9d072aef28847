"""Plan quality of ``siting.optimize`` under a time limit: value at 5, 15 and 60 s, bound, ratio
to the best known value.

    python -m benchmarks --only optimize-quality                 # every case, limits 5,15,60
    python -m benchmarks --only optimize-quality --oq-cases sjc324-p10,gen-A --oq-limits 5,60
    python -m benchmarks --only optimize-quality --oq-proof 600  # also a 10-minute run per case
    python -m benchmarks.optimize_quality reference --case gen-D --seconds 900   # HiGHS alone

Cases (``CASES``):

* **sjc324-*** — the São José dos Campos instance of Lorena & Pereira (2002): 324 census
  blocks that are both demand and candidate sites, Euclidean distance, radius 250 m
  (``benchmarks/data/sjc/``, see its README). Best known = the optimum, proved by HiGHS on
  the full model without a time limit (``reference``).
* **gen-A … gen-D** — generated cities (:func:`siting.network.synthetic.generate_city`, synthetic, no
  real place): candidates = network nodes thinned to a spacing, sparse network reachability,
  residences weighted by population (the pipeline's way). A: 50k nodes, 9 465 candidates,
  500 m, p = 50; B: the same with p = 150; C: 200k nodes, 14 786 candidates, 500 m, p = 200;
  D: 50k nodes, 14 635 candidates, 800 m, p = 100.
* **gen-B-one, gen-D-one, gen20k-p50-one** — the same as gen-B, gen-D, gen20k-p50 with
  one local search only (``search_pair.SECOND_SEARCH = False``): the peer of the two searches
  that run when no solver holds the second core (:mod:`siting.optimize.search_pair`).
* **gen5k-capNN-p50** — capacitated maximal covering (Pirkul & Schilling 1991, fractional
  assignment) on the gen5k instance: households = population / 2.62 rounded, every site's
  capacity NN/10 × the average households a candidate reaches (1.5×: capacity binds hard,
  4.0×: it binds on the large sites), p = 50. ``-old`` runs the greedy + MIP path that
  served the capacitated models before the engine (``covering.CAPACITATED_ENGINE = False``).
  Best known: the best value any run reached (no proof).
* **gen5k-*, gen20k-*** — the optimize section's instance (100k-node city, 5 000 or 20 000
  candidates on random street nodes, 1 000 m): maximal covering with p = 50, target covering
  of 95 % with the fewest stations, set covering (every coverable residence).
* **blk3k-*, blk5k-*, blk8k-*** — the class of the real-city instances of the maximal
  covering literature (census blocks that are both the demand points and the candidate sites,
  Euclidean distance, radius 400–800 m, p = 50–100; Máximo, Cordeau & Nascimento 2023), which
  are not available offline: the residences of a generated city (synthetic, no real place;
  8 000, 16 000 and 23 000 street nodes → 2 634, 5 269 and 7 584 blocks weighted by
  population) stand in for the blocks. Best known: the optimum where HiGHS alone on the full
  model proves it (``reference``), else the best plan of any run.
* **gen5k-multi** — the gen5k instance as three categories on the same stations, reached
  within 500, 800 and 1 000 m (the same pairs cut at each threshold), ``solve_multi`` with
  p = 100 stations (the station-level model on the covering engine);
  **gen5k-multi-mip** — the same with the old joint MIP forced (``_joint_mip=True``), for
  comparison at 60 s.

Each (case, limit) runs ``siting.optimize`` in a fresh process (``python -m
benchmarks.optimize_quality run``) with the default solver (``auto``). Best known values are
kept with their source in ``benchmarks/data/optimize_reference.json``; a run that beats one
is reported as the new best known (flagged). Instances are cached under
``$SITING_BENCH_CACHE`` (default ``/tmp/siting-optimize-quality``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
CACHE = Path(os.environ.get("SITING_BENCH_CACHE", "/tmp/siting-optimize-quality"))
REFERENCE = DATA / "optimize_reference.json"
#: Coverage radius of the SJC cases, m (the instance's own unit)
SJC_RADIUS = 250.0

#: name -> (nodes, seed, candidate spacing m, reach m, p)
INSTANCES = {
    "A": (50_000, 1, 250.0, 500.0, 50),
    "B": (50_000, 1, 250.0, 500.0, 150),
    "C": (200_000, 2, 400.0, 500.0, 200),
    "D": (50_000, 3, 200.0, 800.0, 100),
}

#: block instances: name -> (street nodes of the generated city, seed); radius in the name
BLOCKS = {"blk3k": (8_000, 11), "blk5k": (16_000, 13), "blk8k": (23_000, 14)}

#: case -> (instance, model, parameter); model: max_cover (p), target (share, count), set_cover
CASES: dict[str, tuple[str, str, float]] = {
    "sjc324-p10": ("sjc324", "max_cover", 10),
    "sjc324-p20": ("sjc324", "max_cover", 20),
    "gen-A": ("A", "max_cover", 50),
    "gen-B": ("B", "max_cover", 150),
    "gen-C": ("C", "max_cover", 200),
    "gen-D": ("D", "max_cover", 100),
    "gen5k-p50": ("gen5k", "max_cover", 50),
    "gen20k-p50": ("gen20k", "max_cover", 50),
    "gen-B-one": ("B", "max_cover_one", 150),
    "gen-D-one": ("D", "max_cover_one", 100),
    "gen20k-p50-one": ("gen20k", "max_cover_one", 50),
    "gen5k-t95": ("gen5k", "target", 0.95),
    "gen20k-t95": ("gen20k", "target", 0.95),
    "gen5k-lscp": ("gen5k", "set_cover", 1.0),
    "gen20k-lscp": ("gen20k", "set_cover", 1.0),
    "blk3k-r400-p50": ("blk3k-400", "max_cover", 50),
    "blk3k-r600-p50": ("blk3k-600", "max_cover", 50),
    "blk5k-r600-p100": ("blk5k-600", "max_cover", 100),
    "blk8k-r400-p100": ("blk8k-400", "max_cover", 100),
    "blk8k-r800-p50": ("blk8k-800", "max_cover", 50),
    "gen5k-multi": ("multi5k", "multi", 100),
    "gen5k-multi-mip": ("multi5k", "multi_mip", 100),
    "gen5k-cap15-p50": ("gen5kcap15", "cap_max_cover", 50),
    "gen5k-cap15-p50-old": ("gen5kcap15", "cap_max_cover_old", 50),
    "gen5k-cap40-p50": ("gen5kcap40", "cap_max_cover", 50),
    "gen5k-cap40-p50-old": ("gen5kcap40", "cap_max_cover_old", 50),
}
#: reach of the three categories of the multi-category cases, m (from the same 1 000 m pairs)
MULTI_REACH = (500.0, 800.0, 1000.0)
#: Persons per household of the capacitated cases (households = population / this, rounded)
PERSONS_PER_HOUSEHOLD = 2.62


# ---------------------------------------------------------------------------------- instances
def build_instance(name: str):
    """The CoverageProblem of a generated-city instance and its p (cached on disk)."""
    from siting.optimize import CoverageProblem

    nodes, seed, spacing, within, p = INSTANCES[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"city{nodes}_s{seed}_sp{int(spacing)}_w{int(within)}.npz"
    if not path.exists():
        from siting.inputs import generate_candidates
        from siting.network import Network, pairs_within
        from siting.network.synthetic import generate_city

        t0 = time.perf_counter()
        city = generate_city(nodes, seed)
        net = Network.from_arrays(city.node_x, city.node_y, city.edge_u, city.edge_v,
                                  city.edge_length, crs=city.crs)
        cands = generate_candidates(net, spacing=spacing)
        res = city.residences
        csnap = net.snap(cands.geometry)
        dsnap = net.snap(res.geometry)
        pairs = pairs_within(net, csnap, dsnap, within)
        np.savez_compressed(
            path, demand=res["id"].astype(str).to_numpy().astype("U"),
            weight=res["population"].to_numpy(float),
            sites=cands["site_id"].astype(str).to_numpy().astype("U"),
            pd=pairs["target"].to_numpy(), ps=pairs["source"].to_numpy(),
            pm=pairs["metres"].to_numpy(), build_seconds=time.perf_counter() - t0)
    z = np.load(path, allow_pickle=False)
    demand, sites = z["demand"], z["sites"]
    problem = CoverageProblem.from_pairs(
        demand, z["weight"], sites, np.ones(sites.size), demand[z["pd"]], sites[z["ps"]],
        z["pm"], within)
    return problem, p


def _points_cover_points(xy: np.ndarray, w: np.ndarray, radius: float):
    """Every point a demand point (weight ``w``) and a candidate site; pairs within ``radius``
    (Euclidean, the points' unit; a point covers itself)."""
    from scipy.spatial import cKDTree

    from siting.optimize import CoverageProblem

    n = xy.shape[0]
    ids = np.array([f"b{k}" for k in range(n)])
    tree = cKDTree(xy)
    pairs = tree.sparse_distance_matrix(tree, radius, output_type="ndarray")  # with i == j
    return CoverageProblem.from_pairs(ids, w, ids, np.ones(n), ids[pairs["i"]], ids[pairs["j"]],
                                      pairs["v"], radius)


def _sjc(n: int, radius: float):
    rows = np.loadtxt(DATA / "sjc" / f"SJC{n}.txt", skiprows=1)
    return _points_cover_points(rows[:, :2], rows[:, 2], radius)


def _blocks(name: str, radius: float):
    """A block instance (see the cases): every residence of a generated city is a demand point
    and a candidate site; pairs within ``radius`` m, Euclidean."""
    nodes, seed = BLOCKS[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"blocks{nodes}_s{seed}.npz"
    if not path.exists():
        from siting.network.synthetic import generate_city

        res = generate_city(nodes, seed).residences
        np.savez_compressed(path, x=res.geometry.x.to_numpy(), y=res.geometry.y.to_numpy(),
                            w=res["population"].to_numpy(float))
    z = np.load(path)
    return _points_cover_points(np.c_[z["x"], z["y"]], z["w"], radius)


def _gen(k: int, within: float = 1000.0):
    from benchmarks import _optimize
    from siting.optimize import CoverageProblem

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"opt-100000-{k}.npz"
    if not path.exists():
        info = _optimize.prepare(100_000, k, 1000.0, CACHE, seed=0)
        Path(info["input"]).rename(path)
    d = np.load(path)
    nres, ncand = d["res_x"].size, d["cand_x"].size
    rid = np.array([f"r{i}" for i in range(nres)])
    sid = np.array([f"s{j}" for j in range(ncand)])
    keep = d["pair_m"] <= within
    return CoverageProblem.from_pairs(rid, d["weight"], sid, np.ones(ncand),
                                      rid[d["pair_res"][keep]], sid[d["pair_site"][keep]],
                                      d["pair_m"][keep], within)


def _multi(k: int) -> dict:
    """Three categories on the gen instance's stations, one per reach of MULTI_REACH."""
    return {f"c{int(r)}": _gen(k, r) for r in MULTI_REACH}


def sizes_of(problem) -> tuple[int, int, int]:
    """Demand points, sites and pairs of a problem (summed over a multi-category dict; the
    sites of the categories are the same stations)."""
    if isinstance(problem, dict):
        ps = list(problem.values())
        return (sum(p.n_demand for p in ps), max(p.n_sites for p in ps),
                sum(p.cover.nnz for p in ps))
    return problem.n_demand, problem.n_sites, problem.cover.nnz


def _capacitated(base, multiple: float):
    """The instance with households and one capacity for every site (see the cases)."""
    import dataclasses

    hh = np.maximum(np.round(base.weights / PERSONS_PER_HOUSEHOLD), 1.0)
    reach = np.asarray(base.cover.tocsc().T @ hh).reshape(-1)
    cap = np.full(base.n_sites, float(round(multiple * reach.mean())))
    return dataclasses.replace(base, households=hh, capacity=cap)


def problem_of(instance: str):
    if instance.startswith("multi"):
        return _multi(int(instance[5:-1]) * 1000)
    if "cap" in instance:
        name, mult = instance.split("cap")
        return _capacitated(problem_of(name), int(mult) / 10.0)
    if instance.startswith("blk"):
        name, radius = instance.split("-")
        return _blocks(name, float(radius))
    if instance.startswith("sjc"):
        return _sjc(int(instance[3:]), SJC_RADIUS)
    if instance.startswith("gen"):
        return _gen(int(instance[3:-1]) * 1000)
    return build_instance(instance)[0]


def solve_case(case: str, limit: float | None, problem=None, **kw):
    """Solve a case with siting; the problem and the plan."""
    from siting.optimize import solve_max_cover, solve_multi, solve_set_cover, solve_target

    instance, model, par = CASES[case]
    problem = problem_of(instance) if problem is None else problem
    if model in ("multi", "multi_mip"):
        if kw.pop("warm_start", True) is False:  # the reference: HiGHS on the joint MIP
            kw["_joint_mip"] = True
        if model == "multi_mip":
            kw = {**kw, "_joint_mip": True}
        return problem, solve_multi(problem, p=int(par), time_limit=limit, **kw)
    if model in ("max_cover", "max_cover_one"):
        from siting.optimize import search_pair

        search_pair.SECOND_SEARCH = model == "max_cover"
        return problem, solve_max_cover(problem, int(par), time_limit=limit, **kw)
    if model.startswith("cap_max_cover"):
        from siting.optimize import covering

        covering.CAPACITATED_ENGINE = not model.endswith("_old")
        return problem, solve_max_cover(problem, int(par), capacitated=True, time_limit=limit,
                                        **kw)
    if model == "target":
        return problem, solve_target(problem, par, minimize="count", time_limit=limit, **kw)
    # every coverable residence (the others cannot be covered by any site)
    return problem, solve_set_cover(problem, minimize="count", on_unreachable="max",
                                    time_limit=limit, **kw)


# ---------------------------------------------------------------------------------- running
def _warm_up() -> None:
    """Load siting and its compiled kernels once (a planner's session pays this once)."""
    from siting.optimize import CoverageProblem, solve_max_cover, solve_target

    rng = np.random.default_rng(0)
    ids = [f"d{i}" for i in range(30)]
    sites = [f"s{j}" for j in range(8)]
    pd_ = rng.integers(0, 30, 80)
    ps_ = rng.integers(0, 8, 80)
    prob = CoverageProblem.from_pairs(ids, rng.integers(1, 9, 30), sites, np.ones(8),
                                      [ids[i] for i in pd_], [sites[j] for j in ps_],
                                      np.ones(80), 2.0)
    solve_max_cover(prob, 2)
    solve_max_cover(prob, budget=2.0)
    solve_target(prob, 0.5, minimize="count")
    solve_target(prob, 0.5)
    solve_target(prob, prob.reachable_share(), minimize="count")  # the set covering engine
    from siting.optimize import solve_multi

    solve_multi({"a": prob, "b": prob}, p=2)
    cap = CoverageProblem.from_pairs(ids, rng.integers(1, 9, 30), sites, np.ones(8),
                                     [ids[i] for i in pd_], [sites[j] for j in ps_],
                                     np.ones(80), 2.0, households=rng.integers(1, 4, 30),
                                     capacity=np.full(8, 6.0))
    solve_max_cover(cap, 2, capacitated=True)  # the capacitated engine
    solve_target(cap, 0.3, capacitated=True, minimize="count")
    from siting.optimize.partial import lagrangian_partial_cover
    from siting.optimize.setcover import lagrangian_set_cover, reduce_cover

    A = prob.cover[np.diff(prob.cover.indptr) > 0]
    reduce_cover(A, np.ones(8))
    lagrangian_set_cover(A, np.ones(8), 5.0, max_iter=3)
    lagrangian_partial_cover(A, np.ones(A.shape[0]), 0.5 * A.shape[0], np.ones(8), 5.0,
                             max_iter=3)


def run_one(case: str, limit: float | None, out: Path, extra: dict | None = None) -> dict:
    problem = problem_of(CASES[case][0])
    _warm_up()  # imports and compiled kernels load untimed

    load = os.getloadavg()[0]
    timeline: list = []
    kw = dict(extra or {})
    t0 = time.perf_counter()
    kw["progress"] = lambda d: timeline.append([time.perf_counter() - t0, d["objective"]])
    problem, plan = solve_case(case, limit, problem, **kw)
    wall = time.perf_counter() - t0
    n_demand, n_sites, n_pairs = sizes_of(problem)
    row = {"case": case, "limit": limit, "status": plan.status, "objective": plan.objective,
           "bound": plan.bound, "gap": plan.gap, "solver": plan.solver, "wall_s": wall,
           "solve_s": plan.solve_seconds, "n_new": plan.n_new, "message": plan.message,
           "sizes": dict(plan.sizes), "details": plan.to_dict()["details"],
           "n_demand": n_demand, "n_sites": n_sites, "pairs": n_pairs,
           "loadavg_1min_before": load, "loadavg_1min_after": os.getloadavg()[0],
           "timeline": timeline, "options": dict(extra or {})}
    out.write_text(json.dumps(row, default=float))
    return row


def _worker(case: str, limit: float | None, work: Path, timeout: float,
            extra: dict | None = None) -> dict:
    out = work / f"oq-{case}-{limit}-{time.time_ns()}.json"
    cmd = [sys.executable, "-m", "benchmarks.optimize_quality", "run", "--case", case,
           "--out", str(out)]
    if limit is not None:
        cmd += ["--seconds", str(limit)]
    if extra:
        cmd += ["--extra", json.dumps(extra)]
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": case, "limit": limit, "status": "timeout"}
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["no message"])[-1]
        return {"case": case, "limit": limit, "status": "failed", "reason": tail[:300]}
    return json.loads(out.read_text())


def load_reference() -> dict:
    return json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {}


def quality_cases(a: argparse.Namespace, work: Path) -> list[dict]:
    """The optimize-quality section: one entry per case with its runs."""
    logger = logging.getLogger("benchmarks")
    names = list(CASES) if a.oq_cases == "all" else [c.strip() for c in a.oq_cases.split(",")]
    bad = [c for c in names if c not in CASES]
    if bad:
        raise SystemExit(f"--oq-cases: unknown case(s) {bad}; use {', '.join(CASES)}")
    limits = [float(x) for x in a.oq_limits.split(",") if x.strip()]
    if a.oq_proof:
        limits.append(float(a.oq_proof))
    ref = load_reference()
    out = []
    for case in names:
        instance, model, par = CASES[case]
        problem_of(instance)  # build the cached instance outside the timed runs
        runs = []
        for lim in limits:
            logger.info("  optimize-quality %s, limit %g s", case, lim)
            r = _worker(case, lim, work, timeout=lim * 3 + 600)
            logger.info("    %s %s (bound %s) in %.1f s", r.get("status"), r.get("objective"),
                        r.get("bound"), r.get("wall_s", float("nan")))
            runs.append(r)
        out.append({"section": "optimize-quality", "case": case, "instance": instance,
                    "model": model, "parameter": par, "runs": runs,
                    "reference": ref.get(case) or ref.get(case.removesuffix("-one"))})
    return out


# ---------------------------------------------------------------------------------- table
def _f(v, digits=0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v:,.{digits}f}"


def markdown(cases: list[dict]) -> str:
    if not cases:
        return ""
    lines = [
        "## Plan quality under a time limit (optimize-quality)",
        "",
        "Each cell is one `siting.optimize` run with that `time_limit` in a fresh process "
        "(default solver `auto`: local search + Lagrangian bound with reduced-cost fixing + HiGHS "
        "on the fixed model). **value** = covered weight (maximal covering, higher is better) or "
        "number of stations (target and set covering, lower is better); **bound** = the bound the "
        "plan reports at the longest limit; **ratio** = value / best known at the longest limit "
        "(≥ 1 is at least as good for covering, ≤ 1 for counts); **proved** = status `optimal`; "
        "**wall** = seconds from call to return. **best known** comes from "
        "`benchmarks/data/optimize_reference.json` (its source in the last column); `*` marks a "
        "value better than it. Load = 1-minute load average before the run (the machine is shared).",
        "",
        "| case | demand × sites (pairs) | model | best known | value 5 s | 15 s | 60 s | longer | "
        "bound | ratio | proved | wall s | load | best known from |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    current = load_reference()  # best known values are facts kept up to date in the file
    for c in cases:
        runs = [r for r in c["runs"] if r.get("objective") is not None]
        ref = current.get(c["case"]) or current.get(c["case"].removesuffix("-one")) \
            or c.get("reference") or {}
        best = ref.get("value")
        maximize = c["model"] in ("max_cover", "max_cover_one", "multi", "multi_mip", "cap_max_cover",
                                  "cap_max_cover_old")
        by = {r["limit"]: r for r in runs}
        cells = []
        for lim in (5.0, 15.0, 60.0):
            r = by.get(lim)
            if r is None:
                cells.append("–")
                continue
            v = r["objective"]
            star = "*" if best is not None and ((v > best + 1e-6) if maximize else (v < best - 1e-6)) \
                else ""
            cells.append(_f(v) + star)
        longer = [r for r in runs if r["limit"] not in (5.0, 15.0, 60.0)]
        if longer:
            r = longer[-1]
            cells.append(f"{_f(r['objective'])} ({r['limit']:g} s)")
        else:
            cells.append("–")
        last = runs[-1] if runs else {}
        ratio = "–"
        if best and last.get("objective") is not None:
            ratio = f"{last['objective'] / best:.5f}"
        proved = ", ".join(f"{r['limit']:g} s" for r in runs if r["status"] == "optimal") or "no"
        walls = " / ".join(f"{r.get('wall_s', 0):.1f}" for r in runs)
        loads = " / ".join(f"{r.get('loadavg_1min_before', 0):.1f}" for r in runs)
        size = "–"
        if last:
            size = f"{last['n_demand']:,} × {last['n_sites']:,} ({last['pairs']:,})"
        par = c["parameter"]
        model = {"max_cover": f"max cover p={int(par)}",
                 "max_cover_one": f"max cover p={int(par)}, one search",
                 "target": f"target {par:.0%}, count",
                 "set_cover": "set cover, count",
                 "multi": f"3 categories, p={int(par)} stations",
                 "multi_mip": f"3 categories, p={int(par)}, joint MIP",
                 "cap_max_cover": f"capacitated max cover p={int(par)}",
                 "cap_max_cover_old": f"capacitated max cover p={int(par)}, greedy + MIP"
                 }[c["model"]]
        failed = [r for r in c["runs"] if r.get("objective") is None]
        note = "; ".join(f"{r['limit']} s: {r.get('status')} {r.get('reason', '')}" for r in failed)
        lines.append(
            f"| {c['case']} | {size} | {model} | {_f(best)} | {' | '.join(cells)} | "
            f"{_f(last.get('bound'))} | {ratio} | {proved} | {walls} | {loads} | "
            f"{ref.get('source', '–')}{' — ' + note if note else ''} |")
    lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- cli
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["run", "reference", "build"])
    ap.add_argument("--case", default="gen-A", choices=sorted(CASES))
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--extra", default=None, help="JSON of extra keyword arguments")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    extra = json.loads(a.extra) if a.extra else None
    if a.what == "build":
        for case, (instance, _, _) in CASES.items():
            p = problem_of(instance)
            print(case, p.n_demand, p.n_sites, p.cover.nnz)
    elif a.what == "run":
        row = run_one(a.case, a.seconds, Path(a.out or "/dev/stdout"), extra)
        if a.out:
            print(json.dumps({k: row[k] for k in ("case", "limit", "status", "objective", "bound")}))
    else:
        # an independent reference: HiGHS alone on the full model (no siting search or fixing)
        t0 = time.perf_counter()
        _, plan = solve_case(a.case, a.seconds, solver="highs", warm_start=False, reduce=True,
                             threads=1)
        print(json.dumps({"case": a.case, "status": plan.status, "objective": plan.objective,
                          "bound": plan.bound, "seconds": time.perf_counter() - t0,
                          "loadavg": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
