"""Case (b): candidate reachability + optimisation, siting vs spopt (MCLP and LSCP).

Both tools solve the same instance: the residences of a generated city (weights = population),
``k`` candidate sites on random street nodes, coverage within ``within`` metres of walking.

* siting (timed): snap candidates and residences, ``siting.network.reach.pairs_within`` (sparse pairs),
  ``CoverageProblem.from_pairs``, ``solve_max_cover(p)`` and ``solve_set_cover`` with CBC.
* spopt (timed): the dense residence x candidate cost matrix it needs (filled from the same
  sparse pairs, inf elsewhere: the cheapest way to get one; computing it by network search would
  cost more), ``MCLP.from_cost_matrix(...).solve(CBC)`` and ``LSCP.from_cost_matrix(...).solve(CBC)``.
  The pairs are computed once by siting, untimed for spopt.

LSCP needs every residence coverable, so both LSCP runs use only the residences that some
candidate reaches. Objectives are checked equal (covered population for MCLP, number of sites
for LSCP).

    python -m benchmarks._optimize --tool siting|spopt --input case.npz --within 1000 --p 50 --out r.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

from benchmarks._worker import _load, _maxrss_mb


def prepare(n_nodes: int, n_candidates: int, within: float, workdir: Path, seed: int = 0) -> dict:
    """Write the instance (network, residences, candidates, and the sparse pairs) to an npz."""
    import shapely

    from benchmarks._inputs import _largest_component
    from siting.network import Network, pairs_within
    from siting.network.synthetic import generate_city

    city = generate_city(n_nodes, seed=seed)
    x, y, u, v, length, _ = _largest_component(
        np.asarray(city.node_x), np.asarray(city.node_y), np.asarray(city.edge_u),
        np.asarray(city.edge_v), np.asarray(city.edge_length))
    rng = np.random.default_rng(seed + n_candidates)
    cand = np.sort(rng.choice(x.size, size=min(n_candidates, x.size), replace=False))
    res = city.residences
    d = {"x": x, "y": y, "u": u, "v": v, "length": length,
         "res_x": res.geometry.x.to_numpy(), "res_y": res.geometry.y.to_numpy(),
         "weight": res["population"].to_numpy(dtype=float),
         "cand_x": x[cand], "cand_y": y[cand]}
    net = Network.from_arrays(x, y, u, v, length, crs=city.crs)
    pr = pairs_within(net, net.snap(shapely.points(d["cand_x"], d["cand_y"])),
                      net.snap(shapely.points(d["res_x"], d["res_y"])), within)
    d["pair_site"] = pr["source"].to_numpy(np.int64)
    d["pair_res"] = pr["target"].to_numpy(np.int64)
    d["pair_m"] = pr["metres"].to_numpy(float)
    path = workdir / f"opt-{n_nodes}-{n_candidates}.npz"
    np.savez(path, **d)
    return {"input": str(path), "crs": city.crs.to_string(), "n_nodes": int(x.size),
            "n_residences": int(d["res_x"].size), "n_candidates": int(cand.size),
            "n_pairs": int(d["pair_m"].size), "within_m": within}


def _coverable(d: dict) -> np.ndarray:
    return np.unique(d["pair_res"])


def tool_siting(d: dict, within: float, p: int, crs: str, time_limit: float) -> dict:
    import shapely

    from siting.network import Network, pairs_within
    from siting.optimize import CoverageProblem, solve_max_cover, solve_set_cover

    res = shapely.points(d["res_x"], d["res_y"])
    cand = shapely.points(d["cand_x"], d["cand_y"])
    nres, ncand = res.size, cand.size
    rid = np.array([f"r{i}" for i in range(nres)])
    sid = np.array([f"s{j}" for j in range(ncand)])
    base = _maxrss_mb()
    t0 = time.perf_counter()
    net = Network.from_arrays(d["x"], d["y"], d["u"], d["v"], d["length"], crs=crs)
    pr = pairs_within(net, net.snap(cand), net.snap(res), within)
    t1 = time.perf_counter()
    prob = CoverageProblem.from_pairs(rid, d["weight"], sid, np.ones(ncand), rid[pr["target"].to_numpy()],
                                      sid[pr["source"].to_numpy()], pr["metres"].to_numpy(), within)
    mclp = solve_max_cover(prob, p, solver="cbc", time_limit=time_limit, gap=1e-4)
    t2 = time.perf_counter()
    keep = np.unique(pr["target"].to_numpy())
    sel = np.isin(pr["target"].to_numpy(), keep)
    prob2 = CoverageProblem.from_pairs(rid[keep], d["weight"][keep], sid, np.ones(ncand),
                                       rid[pr["target"].to_numpy()[sel]], sid[pr["source"].to_numpy()[sel]],
                                       pr["metres"].to_numpy()[sel], within)
    lscp = solve_set_cover(prob2, minimize="count", solver="cbc", time_limit=time_limit, gap=1e-4)
    t3 = time.perf_counter()
    return {"base_mb": base, "reach_s": t1 - t0, "n_pairs": int(len(pr)),
            "mclp_s": t2 - t0, "mclp_objective": float(mclp.covered_weight), "mclp_status": mclp.status,
            "mclp_gap": mclp.gap, "lscp_s": t3 - t2, "lscp_objective": float(len(lscp.selected_sites)),
            "lscp_status": lscp.status, "lscp_gap": lscp.gap}


def tool_spopt(d: dict, within: float, p: int, **_) -> dict:
    import pulp
    from spopt.locate import LSCP, MCLP

    nres, ncand = d["res_x"].size, d["cand_x"].size
    base = _maxrss_mb()
    t0 = time.perf_counter()
    cost = np.full((nres, ncand), np.inf)
    cost[d["pair_res"], d["pair_site"]] = d["pair_m"]
    t1 = time.perf_counter()
    m = MCLP.from_cost_matrix(cost, d["weight"], service_radius=within, p_facilities=p)
    m = m.solve(pulp.PULP_CBC_CMD(msg=False))
    covered = float(pulp.value(m.problem.objective))
    t2 = time.perf_counter()
    keep = _coverable(d)
    del m
    cost2 = cost[keep]
    del cost
    ls = LSCP.from_cost_matrix(cost2, service_radius=within).solve(pulp.PULP_CBC_CMD(msg=False))
    n_open = int(round(pulp.value(ls.problem.objective)))
    t3 = time.perf_counter()
    return {"base_mb": base, "matrix_s": t1 - t0, "matrix_gb": nres * ncand * 8 / 1e9,
            "mclp_s": (t2 - t1) + (t1 - t0), "mclp_objective": covered, "lscp_s": t3 - t2,
            "lscp_objective": float(n_open)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, choices=["siting", "spopt"])
    ap.add_argument("--input", required=True)
    ap.add_argument("--within", type=float, required=True)
    ap.add_argument("--p", type=int, required=True)
    ap.add_argument("--crs", required=True)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--mem-limit-gb", type=float, default=0.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.mem_limit_gb > 0:  # fail with MemoryError instead of letting the OOM killer pick a process
        lim = int(a.mem_limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    d = _load(a.input)
    fn = tool_siting if a.tool == "siting" else tool_spopt
    r = fn(d, a.within, a.p, crs=a.crs, time_limit=a.time_limit)
    r["peak_mb"] = _maxrss_mb()
    r["tool"] = a.tool
    Path(a.out).write_text(json.dumps(r))


if __name__ == "__main__":
    main()
