"""One very large area on a Dask cluster: candidate reachability split into partitions.

:func:`pairs_within_distributed` gives exactly the table of :func:`siting.network.reach.pairs_within`
(same rows, same metres, same order), computed on the workers. The network and the target
snaps are sent once to every worker (``client.scatter(..., broadcast=True)``); each task gets
only the indices of its sources. Partitions are unions of whole tiles of the single-process
tiling (same origin, same side), so each tile runs the same searches on the same subgraph as it
would in one process.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["pairs_within_distributed", "partition_sources"]

logger = logging.getLogger(__name__)


def _tile_groups(net, sources, limit: float, tile_m: float | None) -> tuple[list[np.ndarray], float]:
    """Source indices (reachable ones) grouped by tile, as in :func:`siting.network.reach.pairs_within`."""
    s_ok = np.flatnonzero(sources.reachable)
    tile = max(2.0 * limit, 1200.0) if tile_m is None else float(tile_m)
    if len(s_ok) == 0:
        return [], tile
    sx = (net.x[sources.u[s_ok]] + net.x[sources.v[s_ok]]) / 2
    sy = (net.y[sources.u[s_ok]] + net.y[sources.v[s_ok]]) / 2
    tx = np.floor((sx - net.x.min()) / tile).astype(np.int64)
    ty = np.floor((sy - net.y.min()) / tile).astype(np.int64)
    groups = pd.Series(np.arange(len(s_ok))).groupby([tx, ty]).indices
    return [s_ok[idx] for _, idx in sorted(groups.items())], tile


def partition_sources(net, sources, limit: float, n_parts: int, *, tile_m: float | None = None) -> tuple[list[np.ndarray], float]:
    """Split the reachable sources into at most ``n_parts`` partitions of whole tiles.

    Tiles go, largest first, to the partition with the fewest sources so far (greedy balance).

    Returns
    -------
    parts : list of ndarray
        Sorted source indices per (non-empty) partition.
    tile : float
        The tile side used, metres.
    """
    groups, tile = _tile_groups(net, sources, limit, tile_m)
    n_parts = max(1, min(int(n_parts), len(groups)))
    load = np.zeros(n_parts, dtype=np.int64)
    members: list[list[np.ndarray]] = [[] for _ in range(n_parts)]
    for g in sorted(groups, key=len, reverse=True):
        i = int(np.argmin(load))
        members[i].append(g)
        load[i] += len(g)
    parts = [np.sort(np.concatenate(m)) for m in members if m]
    return parts, tile


def _lean(net):
    """The network without what the searches do not use (segment geometries, spatial indexes):
    a fifth of the bytes to send, and no shapely objects to rebuild on every worker."""
    return dataclasses.replace(net, edge_geometry=np.empty(0, dtype=object), _tree=None, _dropped_tree=None)


def _reach_part(net, sources, targets, idx: np.ndarray, limit: float, batch: int, tile: float) -> pd.DataFrame:
    """Worker side: :func:`pairs_within` for the sources ``idx``, with source indices mapped back."""
    from siting.network import pairs_within

    df = pairs_within(net, sources.subset(idx), targets, limit, batch=batch, tile_m=tile)
    df["source"] = idx[df["source"].to_numpy()].astype(np.int64)
    return df


def pairs_within_distributed(
    net,
    sources,
    targets,
    limit: float,
    *,
    client: Any,
    partitions: int | None = None,
    batch: int = 256,
    tile_m: float | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """:func:`siting.network.reach.pairs_within` computed on a Dask cluster, partitioned by tiles of sources.

    Parameters
    ----------
    net : Network
    sources, targets : Snap
        Snapped candidate sites and residences.
    limit : float
        Metres (inclusive).
    client : distributed.Client
    partitions : int, optional
        Number of tasks (default four per worker thread). More partitions balance better; each
        holds only its sources' pairs.
    batch : int
        Sources per Dijkstra call inside a task (memory per task ~ ``batch`` × nodes in reach × 8 bytes).
    tile_m : float, optional
        Tile side in metres; default as :func:`pairs_within`.
    progress : bool
        Show a tqdm bar over finished partitions.

    Returns
    -------
    pandas.DataFrame
        ``source``, ``target`` (indices into the snaps), ``metres``, sorted by source then
        target: equal to ``pairs_within(net, sources, targets, limit)``.
    """
    from distributed import as_completed

    limit = float(limit)
    if partitions is None:
        partitions = 4 * max(1, sum(client.nthreads().values()))
    parts, tile = partition_sources(net, sources, limit, partitions, tile_m=tile_m)
    empty = pd.DataFrame({"source": np.zeros(0, np.int64), "target": np.zeros(0, np.int64), "metres": np.zeros(0)})
    if not parts or not targets.reachable.any():
        return empty
    # hash=False: tokenising a large object to name it costs more than sending it
    net_f = client.scatter(_lean(net), broadcast=True, hash=False)
    src_f = client.scatter(sources, broadcast=True, hash=False)
    tgt_f = client.scatter(targets, broadcast=True, hash=False)
    logger.info("reachability: %d sources in %d partitions of %.0f m tiles on %d workers",
                int(sum(len(p) for p in parts)), len(parts), tile, len(client.nthreads()))
    futures = [client.submit(_reach_part, net_f, src_f, tgt_f, idx, limit, batch, tile, pure=False) for idx in parts]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(futures), desc="reachability partitions", unit="part")
    frames = []
    for fut in as_completed(futures):
        frames.append(fut.result())
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    res = pd.concat(frames, ignore_index=True).sort_values(["source", "target"], kind="mergesort")
    return res.reset_index(drop=True)
