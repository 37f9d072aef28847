"""Run ONE tool ONCE on one prepared case, in a fresh process, and write its timings as JSON.

    python -m benchmarks._worker --tool scipy --input case.npz --limit 1000 --out r.json --answers a.npy

Each tool has a ``prep`` stage (build its own network structure from the arrays: siting's
compiled Network, a CSR matrix, a networkx graph, pandana's contraction hierarchy) and a
``query`` stage (snap residences and facilities, then the bounded nearest-facility search),
timed separately, both wall clock (``time.perf_counter``, ``*_s``) and CPU time of the process
(``time.process_time``, all threads, ``*_cpu_s``); ``search`` is the search alone, without snapping.

Peak memory is the high-water mark of this worker's resident memory at the end (``VmHWM`` from
/proc/self/status; interpreter, imports, inputs and the tool's work);
``base_mb`` is the same high-water mark just after the inputs were loaded and the tool imported,
so ``peak_mb - base_mb`` is what the tool's own prep and query added.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np


def _maxrss_mb() -> float:
    """Peak resident memory of this process so far, MB.

    ``VmHWM`` from /proc/self/status (Linux): the high-water mark of this process's own address
    space. ``getrusage(RUSAGE_SELF).ru_maxrss`` is not used where /proc exists because Linux carries
    it over from the parent across fork + exec, so every worker would report at least the
    parent's size.
    """
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kilobytes on Linux


def _now() -> tuple[float, float]:
    """(wall clock, CPU time of this process incl. all its threads), seconds."""
    return time.perf_counter(), time.process_time()


def _stats(base: float, t0, t1, t2, t3) -> dict:
    """prep = t0..t1, snap = t1..t2, search = t2..t3, query = t1..t3; wall and CPU seconds."""
    out = {"base_mb": base}
    for k, (a, b) in {"prep": (t0, t1), "query": (t1, t3), "snap": (t1, t2), "search": (t2, t3)}.items():
        out[f"{k}_s"] = b[0] - a[0]
        out[f"{k}_cpu_s"] = b[1] - a[1]
    return out


def _load(path: str) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# ---------------------------------------------------------------------------------------------
# the tools. Each returns (answers, stats); answers are metres per residence (inf = not within
# the limit), or for the ego-graph recipe 1.0 / 0.0 = covered / not.
# ---------------------------------------------------------------------------------------------
def tool_siting(d: dict, limit: float, crs: str, **_) -> tuple[np.ndarray, dict]:
    import shapely

    from siting.network import Network, nearest

    geom = None
    if "geom_xy" in d:
        geom = shapely.linestrings(d["geom_xy"], indices=d["geom_index"])
    res = shapely.points(d["res_x"], d["res_y"])
    fac = shapely.points(d["fac_x"], d["fac_y"])
    base = _maxrss_mb()
    t0 = _now()
    net = Network.from_arrays(d["x"], d["y"], d["u"], d["v"], d["length"], crs=crs, geometry=geom)
    t1 = _now()
    rs = net.snap(res)
    fs = net.snap(fac)
    t2 = _now()
    out = nearest(net, fs, rs, limit=limit)
    t3 = _now()
    stats = _stats(base, t0, t1, t2, t3)
    # answer check (untimed): the same search with every point placed exactly on its nearest node
    # (snapped to an incident segment at t = 0), where siting's door-to-door distance equals the
    # node-to-node distance the peers compute
    on_nodes = nearest(net, _node_snap(net, d["fac_node"]), _node_snap(net, d["res_node"]), limit=limit).distance
    stats["door_to_door_covered"] = int(np.isfinite(out.distance).sum())
    return on_nodes, stats


def _node_snap(net, nodes: np.ndarray):
    """A siting Snap that puts each point exactly on a node: on an incident segment, at its end."""
    from siting.network import Snap

    n, m = net.n_nodes, net.n_edges
    starts = np.full(n, -1, dtype=np.int64)
    starts[net.edge_u[::-1]] = np.arange(m)[::-1]  # some segment starting at the node
    ends = np.full(n, -1, dtype=np.int64)
    ends[net.edge_v[::-1]] = np.arange(m)[::-1]  # some segment ending at the node
    at_u = starts[nodes] >= 0
    edge = np.where(at_u, starts[nodes], ends[nodes])
    length = net.edge_length[edge]
    k = len(nodes)
    return Snap(
        edge=edge, u=net.edge_u[edge], v=net.edge_v[edge],
        along_u=np.where(at_u, 0.0, length), along_v=np.where(at_u, length, 0.0),
        perp=np.zeros(k), t=np.where(at_u, 0.0, 1.0), reachable=np.ones(k, dtype=bool), max_snap=0.0,
    )


def _csr(d: dict):
    """Symmetric CSR of lengths; parallel streets keep the shorter one (coo->csr would sum them)."""
    import scipy.sparse as sp

    n = d["x"].size
    i = np.concatenate([d["u"], d["v"]])
    j = np.concatenate([d["v"], d["u"]])
    w = np.concatenate([d["length"], d["length"]])
    o = np.lexsort((w, j, i))
    i, j, w = i[o], j[o], w[o]
    first = np.ones(i.size, dtype=bool)
    first[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
    return sp.csr_matrix((w[first], (i[first], j[first])), shape=(n, n))


def tool_scipy(d: dict, limit: float, **_) -> tuple[np.ndarray, dict]:
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    base = _maxrss_mb()
    t0 = _now()
    csr = _csr(d)
    tree = cKDTree(np.column_stack([d["x"], d["y"]]))
    t1 = _now()
    rnode = tree.query(np.column_stack([d["res_x"], d["res_y"]]))[1]
    fnode = np.unique(tree.query(np.column_stack([d["fac_x"], d["fac_y"]]))[1])
    t2 = _now()
    dist = dijkstra(csr, directed=True, indices=fnode, min_only=True, limit=limit)
    ans = dist[rnode]
    t3 = _now()
    return ans, _stats(base, t0, t1, t2, t3)


def _nx_graph(d: dict, crs: str):
    """An osmnx-style MultiDiGraph (both directions, length, osmid) built from the arrays."""
    import networkx as nx

    G = nx.MultiDiGraph(crs=crs, simplified=True)
    xs, ys = d["x"].tolist(), d["y"].tolist()
    G.add_nodes_from((i, {"x": xs[i], "y": ys[i]}) for i in range(len(xs)))
    us, vs, ls = d["u"].tolist(), d["v"].tolist(), d["length"].tolist()
    G.add_edges_from((us[i], vs[i], {"osmid": i, "length": ls[i]}) for i in range(len(us)))
    G.add_edges_from((vs[i], us[i], {"osmid": i, "length": ls[i]}) for i in range(len(us)))
    return G


def tool_networkx(d: dict, limit: float, crs: str, **_) -> tuple[np.ndarray, dict]:
    import networkx as nx
    import osmnx as ox

    base = _maxrss_mb()
    t0 = _now()
    G = _nx_graph(d, crs)
    t1 = _now()
    rnode = ox.distance.nearest_nodes(G, d["res_x"], d["res_y"])
    fnode = set(np.asarray(ox.distance.nearest_nodes(G, d["fac_x"], d["fac_y"])).tolist())
    t2 = _now()
    dist = nx.multi_source_dijkstra_path_length(G, fnode, cutoff=limit, weight="length")
    ans = np.array([dist.get(int(n), np.inf) for n in rnode], dtype=float)
    t3 = _now()
    return ans, _stats(base, t0, t1, t2, t3)


def tool_ego(d: dict, limit: float, crs: str, time_cap: float = 120.0, **_) -> tuple[np.ndarray, dict]:
    """The osmnx-tutorial isochrone recipe: ``nx.ego_graph`` per facility, union of the nodes.

    Answers covered / not covered only (no distances). Stops after ``time_cap`` seconds of
    searching; the search time is then extrapolated from the facilities done (flagged).
    """
    import networkx as nx
    import osmnx as ox

    base = _maxrss_mb()
    t0 = _now()
    G = _nx_graph(d, crs)
    t1 = _now()
    rnode = ox.distance.nearest_nodes(G, d["res_x"], d["res_y"])
    fnode = list(dict.fromkeys(np.asarray(ox.distance.nearest_nodes(G, d["fac_x"], d["fac_y"])).tolist()))
    t2 = _now()
    covered: set = set()
    done = 0
    for f in fnode:
        covered.update(nx.ego_graph(G, f, radius=limit, distance="length").nodes)
        done += 1
        if time.perf_counter() - t2[0] > time_cap:
            break
    ans = np.array([1.0 if int(n) in covered else 0.0 for n in rnode])
    t3 = _now()
    stats = _stats(base, t0, t1, t2, t3)
    stats.update(facilities_done=done, facilities_total=len(fnode))
    if done < len(fnode):
        f = len(fnode) / max(done, 1)
        stats.update(capped=True, search_s=stats["search_s"] * f, search_cpu_s=stats["search_cpu_s"] * f)
        stats.update(query_s=stats["snap_s"] + stats["search_s"], query_cpu_s=stats["snap_cpu_s"] + stats["search_cpu_s"],
                     note=f"time cap {time_cap:.0f} s hit after {done} of {len(fnode)} facilities; "
                          "search time extrapolated linearly")
    return ans, stats


def tool_pandana(d: dict, limit: float, **_) -> tuple[np.ndarray, dict]:
    import pandana
    import pandas as pd

    base = _maxrss_mb()
    t0 = _now()
    nodes = pd.DataFrame({"x": d["x"], "y": d["y"]})
    edges = pd.DataFrame({"from": d["u"], "to": d["v"], "length": d["length"]})
    net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["length"]], twoway=True)
    t1 = _now()
    net.set_pois("fac", limit, 1, pd.Series(d["fac_x"]), pd.Series(d["fac_y"]))
    rnode = net.get_node_ids(pd.Series(d["res_x"]), pd.Series(d["res_y"])).to_numpy()
    t2 = _now()
    near = net.nearest_pois(limit, "fac", num_pois=1)
    ans = np.array(near[1].reindex(rnode).to_numpy(dtype=float), dtype=float, copy=True)
    t3 = _now()
    ans[ans >= limit] = np.inf  # pandana fills "none within" with the search distance itself
    return ans, _stats(base, t0, t1, t2, t3)


TOOLS = {
    "siting": tool_siting,
    "scipy": tool_scipy,
    "networkx": tool_networkx,
    "osmnx_ego": tool_ego,
    "pandana": tool_pandana,
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, choices=sorted(TOOLS))
    ap.add_argument("--input", required=True)
    ap.add_argument("--limit", type=float, required=True)
    ap.add_argument("--crs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--answers")
    ap.add_argument("--time-cap", type=float, default=120.0)
    a = ap.parse_args(argv)
    d = _load(a.input)
    ans, stats = TOOLS[a.tool](d, a.limit, crs=a.crs, time_cap=a.time_cap)
    stats["peak_mb"] = _maxrss_mb()
    stats["tool"] = a.tool
    if a.answers:
        np.save(a.answers, np.asarray(ans, dtype=float))
    Path(a.out).write_text(json.dumps(stats))


if __name__ == "__main__":
    main()
