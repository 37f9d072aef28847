"""Many areas at once on Dask distributed: provincial and national assessments.

::

    from siting.batch import scenarios_from_template, run_batch
    specs = scenarios_from_template("scenarios/batch/template.toml", "scenarios/batch/areas.csv")
    result = run_batch(specs, "out/batch", workers=4, memory_limit="4GB")
    result.totals            # population-weighted coverage over all areas

Each area is one Dask task (:func:`siting.batch.tasks.run_area`) that receives a scenario
*dict* and reads its inputs on the worker; only small records come back. Areas fail alone (their
error is recorded in the table and in ``OUT/failed/<name>.json``); transient errors (lost
connections, timeouts) are retried; tasks of a worker that dies are rerun by Dask; a re-run skips
areas whose ``done`` marker holds the same key (hash of the scenario and its input files). See
``docs/batch.md``.

Needs the optional ``distributed`` package: ``pip install "siting[batch]"``.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import logging
import re
import time
import tomllib
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from siting.batch.aggregate import area_table, category_table, ranking, totals, write_batch_outputs
from siting.batch.tasks import area_paths, failed_record, run_area, write_json_atomic
from siting.errors import InputError, MissingDependency, MissingFileError, ScenarioError
from siting.scenario import read_toml

__all__ = [
    "BatchResult",
    "batch_client",
    "run_batch",
    "scenarios_from_files",
    "scenarios_from_template",
]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"[A-Za-z0-9_\-\u4e00-\u9fff]+")
#: Columns of an areas table: where each area's network comes from (exactly one per row) ...
LOCATION_COLUMNS = ("place", "bbox", "boundary", "network")
#: ... and the optional ones.
OPTIONAL_COLUMNS = ("population", "facilities", "title")


def _require_distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency(
            "siting batch needs Dask distributed: pip install \"siting[batch]\" (or pip install \"dask[distributed]\")"
        ) from exc
    return distributed


# ------------------------------------------------------------------------------------------------
# scenario specs
# ------------------------------------------------------------------------------------------------
def scenarios_from_files(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Scenario dicts of TOML files, one area each (name = ``name`` key, else the file stem).

    Only the TOML text is read here; the files the scenarios name are read by the workers.
    A file that is not valid TOML becomes a spec with an ``_error`` (the area fails alone).

    Raises
    ------
    MissingFileError
        A file does not exist (all missing ones are named).
    ScenarioError
        Two scenarios have the same name (their outputs would collide).
    """
    specs, missing = [], []
    for p in map(Path, paths):
        if not p.is_file():
            missing.append(str(p))
            continue
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            data = {"_error": f"{p}: not valid TOML ({exc}): fix the syntax"}
        data.setdefault("name", p.stem)
        data["base_dir"] = str(p.resolve().parent)
        data["_source"] = str(p)
        specs.append(data)
    if missing:
        raise MissingFileError(f"scenario file(s) not found: {', '.join(missing)}: check the paths")
    _check_names(specs, "scenario files")
    return specs


def _check_names(specs: list[dict[str, Any]], where: str, problems: list[str] | None = None) -> None:
    problems = [] if problems is None else problems
    seen: dict[str, str] = {}
    for s in specs:
        name = str(s.get("name", ""))
        src = s.get("_source", "")
        if not _NAME.fullmatch(name):
            problems.append(f"{src}: name {name!r}: use letters, digits, - and _ only (it names the output folder)")
        elif name in seen:
            problems.append(f"name {name!r} is used twice ({seen[name]} and {src}): names must be unique in a batch")
        else:
            seen[name] = src
    if problems:
        raise ScenarioError(problems, where)


def _bbox(text: str) -> list[float]:
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    vals = [float(p) for p in parts]
    if len(vals) != 4:
        raise ValueError
    return vals


def scenarios_from_template(template: str | Path, areas: str | Path) -> list[dict[str, Any]]:
    """One scenario dict per row of an areas table, from a template scenario.

    Parameters
    ----------
    template : path
        A scenario TOML with everything but the area (categories, demand, optimisation ...). Its
        ``network`` table may keep ``network_type``, ``crs``, ``offline`` and ``cache_dir``; the
        area's location replaces ``source`` / ``place`` / ``bbox`` / ``polygon``. ``{name}`` in
        its ``title`` is replaced by the area's name.
    areas : path
        CSV (UTF-8) with a ``name`` column and, per row, exactly one of ``place`` (a geocodable
        name), ``bbox`` (``west south east north`` in degrees), ``boundary`` (a polygon file) or
        ``network`` (a network source: ``.osm.pbf``/``.graphml`` file or ``synthetic:n=..,seed=..``);
        optional ``population`` (a demand file, replacing ``demand.source``), ``facilities``
        (replacing ``facilities.source``) and ``title``. Relative paths are relative to the table.

    Raises
    ------
    ScenarioError
        Every problem of the table at once (missing columns, unknown columns, a row with no or
        two locations, a bad bbox, bad or repeated names).
    """
    template, areas = Path(template), Path(areas)
    base = read_toml(template, what="template")
    if not areas.is_file():
        raise MissingFileError(f"areas table not found: {areas}: check the path")
    with open(areas, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
        header = [h.strip() for h in (rows[0].keys() if rows else [])]
    problems: list[str] = []
    if not rows:
        raise ScenarioError(["the areas table has no rows: add one row per area (name, and place, bbox, boundary or network)"], str(areas))
    known = ("name", *LOCATION_COLUMNS, *OPTIONAL_COLUMNS)
    unknown = [h for h in header if h not in known]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(map(repr, unknown))}: the known columns are {', '.join(known)}")
    if "name" not in header:
        problems.append("no 'name' column: add one (it names each area's outputs)")
    if not any(c in header for c in LOCATION_COLUMNS):
        problems.append(f"no location column: add one of {', '.join(LOCATION_COLUMNS)}")
    if problems:
        raise ScenarioError(problems, str(areas))
    folder = areas.resolve().parent
    specs = []
    for i, raw in enumerate(rows, start=2):  # line numbers as in a spreadsheet (header = 1)
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        name = row.get("name", "")
        where = f"line {i} ({name or 'no name'})"
        given = [c for c in LOCATION_COLUMNS if row.get(c)]
        if len(given) != 1:
            problems.append(f"{where}: give exactly one of {', '.join(LOCATION_COLUMNS)} (found {', '.join(given) or 'none'})")
            continue
        data = copy.deepcopy(base)
        data["name"] = name
        if row.get("title"):
            data["title"] = row["title"]
        elif "{name}" in str(data.get("title", "")):
            data["title"] = str(data["title"]).replace("{name}", name)
        net = {k: v for k, v in (data.get("network") or {}).items() if k not in ("source", "place", "bbox", "polygon")}
        col = given[0]
        if col == "place":
            net["place"] = row["place"]
        elif col == "bbox":
            try:
                net["bbox"] = _bbox(row["bbox"])
            except ValueError:
                problems.append(f"{where}: bbox {row['bbox']!r}: write four numbers: west south east north (degrees)")
                continue
        elif col == "boundary":
            net["polygon"] = str(folder / row["boundary"])
        else:
            src = row["network"]
            net["source"] = src if src.startswith(("synthetic", "pyrosm:")) else str(folder / src)
        data["network"] = net
        if row.get("population"):
            data["demand"] = {**(data.get("demand") or {}), "source": str(folder / row["population"])}
        if row.get("facilities"):
            data["facilities"] = {**(data.get("facilities") or {}), "source": str(folder / row["facilities"])}
        data["base_dir"] = str(template.resolve().parent)
        data["_source"] = f"{areas}:{i}"
        specs.append(data)
    _check_names(specs, str(areas), problems)
    return specs


# ------------------------------------------------------------------------------------------------
# the cluster
# ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def batch_client(
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    memory_limit: str | float | None = "auto",
    processes: bool = True,
    dashboard_address: str | None = ":8787",
) -> Iterator[Any]:
    """A Dask client: connected to ``scheduler`` if given, else on a new ``LocalCluster``.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``. Its workers' memory is set
        where they are started (``dask worker --memory-limit 8GB``).
    workers : int, optional
        Local worker processes (default: one per CPU core).
    threads_per_worker : int
        Threads per local worker (1: the runs are CPU-bound Python/NumPy).
    memory_limit : str or float
        Per local worker, e.g. ``"4GB"``; ``"auto"`` shares the machine's memory. A worker
        beyond 95 % of it is restarted by its nanny and its task rerun elsewhere (an area that
        keeps exceeding it fails alone with ``KilledWorker``).
    processes : bool
        Workers in separate processes (realistic, slower to start) or threads of this one.
    dashboard_address : str, optional
        Where the dashboard listens (``":0"`` = any free port; None = no dashboard).
    """
    distributed = _require_distributed()
    if scheduler:
        client = distributed.Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    kwargs: dict[str, Any] = {"n_workers": workers, "threads_per_worker": threads_per_worker,
                              "processes": processes, "memory_limit": memory_limit}
    if dashboard_address is None:
        kwargs["dashboard_address"] = None
    else:
        kwargs["dashboard_address"] = dashboard_address
    with distributed.LocalCluster(**kwargs) as cluster, distributed.Client(cluster) as client:
        yield client


def dashboard_link(client: Any) -> str | None:
    """The dashboard URL of a client's cluster, or None when it has none (no bokeh)."""
    try:
        info = client.scheduler_info()
        if "dashboard" not in (info.get("services") or {}):
            return None
        return client.dashboard_link
    except Exception:
        return None


def _siting_version() -> str:
    from siting._version import __version__

    return __version__


def _check_worker_versions(client: Any, say: Callable[[str], None]) -> None:
    """Warn when a worker runs another siting version than this client (its results may differ)."""
    from siting._version import __version__

    try:
        versions = client.run(_siting_version)
    except Exception as exc:
        say(f"could not ask the workers for their siting version ({type(exc).__name__}: {exc})")
        return
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        msg = (f"{len(other)} worker(s) run another siting version than this client ({__version__}): "
               + ", ".join(f"{w} {v}" for w, v in list(other.items())[:5]) + ": install the same version everywhere")
        logger.warning(msg)
        say(msg)


# ------------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchResult:
    """What a batch measured.

    Attributes
    ----------
    records : list of dict
        One per area, in the order given (see :func:`siting.batch.tasks.record_from_run`).
    areas : DataFrame
        One row per area (:func:`siting.batch.aggregate.area_table`).
    categories : DataFrame
        Long format, one row per area and category.
    totals : DataFrame
        Population-weighted totals per category and for the complete circle.
    ranking : DataFrame
        Areas by need (lowest complete-circle share first).
    paths : dict
        Files written.
    seconds : float
        Wall time of the batch.
    dashboard : str or None
        The Dask dashboard address.
    """

    records: list[dict[str, Any]]
    areas: pd.DataFrame
    categories: pd.DataFrame
    totals: pd.DataFrame
    ranking: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    dashboard: str | None = None

    @property
    def failed(self) -> dict[str, str]:
        """Failed areas: name → error."""
        return {r["name"]: r.get("error", "") for r in self.records if r.get("status") == "failed"}

    def count(self, status: str) -> int:
        """Number of areas with this status (``done``, ``skipped`` or ``failed``)."""
        return sum(r.get("status") == status for r in self.records)


def run_batch(
    specs: list[dict[str, Any]],
    out_dir: str | Path,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    memory_limit: str | float | None = "auto",
    processes: bool = True,
    dashboard_address: str | None = ":8787",
    retries: int = 2,
    force: bool = False,
    hash_content: bool = False,
    title: str = "siting batch",
    colour_by: str = "complete_share",
    progress: bool = False,
    report: Callable[[str], None] | None = None,
) -> BatchResult:
    """Run every area as a Dask task, then aggregate and write the batch outputs.

    Parameters
    ----------
    specs : list of dict
        From :func:`scenarios_from_files` or :func:`scenarios_from_template`.
    out_dir : path
        Batch folder; must be visible to every worker (shared file system on a cluster).
    client : distributed.Client, optional
        Use this client; else one is made by :func:`batch_client` from ``scheduler``,
        ``workers``, ``threads_per_worker``, ``memory_limit``, ``processes`` and ``dashboard_address``.
    retries : int
        Extra attempts of an area after a transient error (connection lost, timeout).
    force : bool
        Rerun areas that are already done.
    hash_content : bool
        Key input files by content instead of size and modification time.
    title : str
        Title of the batch map and summary.
    colour_by : str
        Column colouring the map: ``complete_share`` or ``share_<category>``.
    progress : bool
        Show a progress bar over finished areas.
    report : callable, optional
        Called with a line of text for the dashboard address and each failed area (the CLI prints them).

    Returns
    -------
    BatchResult
    """
    distributed = _require_distributed()
    t0 = time.perf_counter()
    if not specs:
        raise InputError("no areas to run: give scenario files or a template with an areas table")
    _check_names(specs, "batch")
    out_root = Path(out_dir).resolve()
    out_root.mkdir(parents=True, exist_ok=True)
    say = report or (lambda _msg: None)
    records: dict[str, dict[str, Any]] = {}
    runnable = []
    for s in specs:
        if "_error" in s:
            rec = failed_record(s["name"], s["_error"], source=s.get("_source"))
            write_json_atomic(area_paths(out_root, s["name"])["failed"], rec)
            records[s["name"]] = rec
        else:
            runnable.append(s)
    ctx = contextlib.nullcontext(client) if client is not None else batch_client(
        scheduler=scheduler, workers=workers, threads_per_worker=threads_per_worker, memory_limit=memory_limit,
        processes=processes, dashboard_address=dashboard_address)
    with ctx as cl:
        dash = dashboard_link(cl)
        say(f"dashboard: {dash}" if dash else "dashboard: not available (pip install bokeh)")
        _check_worker_versions(cl, say)
        futures = {}
        for s in runnable:
            fut = cl.submit(run_area, s, str(out_root), force=force, hash_content=hash_content,
                            retries=retries, pure=False, key=f"siting-area-{s['name']}-{uuid.uuid4().hex[:8]}")
            futures[fut] = s
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(futures), desc="areas", unit="area")
        for fut in distributed.as_completed(list(futures)):
            s = futures[fut]
            try:
                rec = fut.result()
            except Exception as exc:  # retries exhausted, or the area kept killing its workers
                rec = failed_record(s["name"], exc, source=s.get("_source"), attempts=retries + 1)
                write_json_atomic(area_paths(out_root, s["name"])["failed"], rec)
            records[s["name"]] = rec
            if rec.get("status") == "failed":
                say(f"area {s['name']} failed: {rec.get('error_type')}: {rec.get('error')}")
            if bar is not None:
                bar.set_postfix_str(f"{s['name']}: {rec.get('status')}", refresh=False)
                bar.update(1)
            fut.release()
        if bar is not None:
            bar.close()
    ordered = [records[s["name"]] for s in specs]
    seconds = time.perf_counter() - t0
    meta = {"seconds": round(seconds, 2), "dashboard": dash, "out_dir": str(out_root)}
    paths = write_batch_outputs(ordered, out_root, title=title, colour_by=colour_by, meta=meta)
    table = area_table(ordered)
    return BatchResult(
        records=ordered, areas=table, categories=category_table(ordered), totals=totals(ordered),
        ranking=ranking(table) if len(table) else pd.DataFrame(), paths=paths, seconds=seconds, dashboard=dash,
    )
