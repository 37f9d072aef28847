"""How long planners' inputs take to load: a population grid, a grid CSV, a road-centreline layer.

* ``raster``: a GeoTIFF of ``--cells`` cells (default 1 000 × 1 000, WGS84, 10 % nodata) read by
  :func:`siting.inputs.demand_from_file` into residence points (needs rasterio);
* ``grid_csv``: the same populated cells as a ``lon, lat, pop`` CSV;
* ``lines``: a generated (synthetic) bureau-style centreline layer of √n × √n long streets that
  cross at about ``--nodes`` junctions, none of them split, turned into a network by
  :meth:`siting.network.Network.from_gdf` (which splits every line at every crossing).

Run from the project root::

    python -m benchmarks.inputs_load                   # 1M cells, a layer with 100k junctions
    python -m benchmarks.inputs_load --quick           # small sizes: checks that it runs

Prints one JSON line per measurement (wall seconds, items, the 1-minute load average) and
writes them to ``--out`` (default ``benchmarks/results/inputs_load.jsonl``, appended).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

CRS = "EPSG:32650"


def _load() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:  # not Linux
        return float("nan")


def bench_raster(folder: Path, side: int) -> list[dict]:
    import pandas as pd
    import rasterio
    from rasterio.transform import Affine

    from siting.inputs import demand_from_file

    rng = np.random.default_rng(0)
    v = rng.gamma(2.0, 20.0, size=(side, side)).astype("float32")
    v[rng.random((side, side)) < 0.1] = -9999.0
    cell = 0.0009  # about 100 m
    origin = (116.0, 40.0)
    tif = folder / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", height=side, width=side, count=1, dtype="float32", crs="EPSG:4326",
                       transform=Affine(cell, 0.0, origin[0], 0.0, -cell, origin[1]), nodata=-9999.0,
                       compress="deflate") as ds:
        ds.write(v, 1)
    out = []
    t0 = time.perf_counter()
    d = demand_from_file(tif, to_crs=CRS)
    out.append({"case": "raster", "cells": side * side, "residences": len(d), "seconds": round(time.perf_counter() - t0, 3)})
    r, c = np.nonzero(v > 0)
    pd.DataFrame({"lon": origin[0] + (c + 0.5) * cell, "lat": origin[1] - (r + 0.5) * cell, "pop": v[r, c]}).to_csv(
        folder / "pop.csv", index=False)
    t0 = time.perf_counter()
    d2 = demand_from_file(folder / "pop.csv", to_crs=CRS)
    out.append({"case": "grid_csv", "rows": len(r), "residences": len(d2), "seconds": round(time.perf_counter() - t0, 3)})
    return out


def bench_lines(n: int) -> list[dict]:
    """A bureau-style layer with about ``n`` junctions: k east-west and k north-south streets
    (k = √n), each one line across every junction, 100 m apart, with a little drawing noise."""
    import geopandas as gpd
    import shapely

    from siting.network import Network

    k = max(int(np.sqrt(n)), 4)
    rng = np.random.default_rng(0)
    span = 100.0 * k
    lines = [shapely.LineString([(0, 100 * i + rng.normal(0, 2)), (span, 100 * i + rng.normal(0, 2))]) for i in range(k)]
    lines += [shapely.LineString([(100 * i + rng.normal(0, 2), 0), (100 * i + rng.normal(0, 2), span)]) for i in range(k)]
    layer = gpd.GeoDataFrame(geometry=lines, crs=CRS)
    t0 = time.perf_counter()
    net = Network.from_gdf(layer, keep_largest=False)
    return [{"case": "lines", "lines": len(layer), "nodes": net.n_nodes, "segments": net.n_edges,
             "crossings_split": net.info["repairs"]["crossings_split"], "seconds": round(time.perf_counter() - t0, 3)}]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.inputs_load", description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=1000, help="raster side in cells (default 1000: 1M cells)")
    ap.add_argument("--nodes", type=int, default=100_000, help="junctions of the generated line layer")
    ap.add_argument("--quick", action="store_true", help="small sizes (100 × 100 cells, 2.5k junctions)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/inputs_load.jsonl"))
    a = ap.parse_args(argv)
    side, nodes = (100, 2500) if a.quick else (a.side, a.nodes)
    rows = []
    with tempfile.TemporaryDirectory(prefix="siting-inputs-") as tmp:
        try:
            rows += bench_raster(Path(tmp), side)
        except ImportError:
            rows.append({"case": "raster", "status": "skipped: rasterio is not installed (pip install \"siting[raster]\")"})
        rows += bench_lines(nodes)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "a", encoding="utf-8") as fh:
        for r in rows:
            r.update(load_1min=_load(), cores=os.cpu_count(), time=time.strftime("%Y-%m-%dT%H:%M:%S"))
            line = json.dumps(r, ensure_ascii=False)
            print(line)
            fh.write(line + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
