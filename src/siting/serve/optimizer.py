"""The best next k stations given what is on the map, with a time limit and a cancel button.

Maximal covering (:func:`siting.optimize.solve_max_cover`, Church & ReVelle 1974) on the residences
that nothing on the map covers yet: the existing facilities still on and the planner's stations
are fixed, so covering the uncovered with k new stations is the same problem as the max cover with
every site now on the map counted as built — only smaller. Weights are the population, plus the
scenario's ``optimize.priority`` groups when it names them.

A compound entering the streets through several access points (its gates) is covered when any of
them is within the threshold of a new station, as in :func:`siting.coverage.coverage`.

Candidate sites: the scenario's ``[optimize.candidates]`` (a file, read once at start, or generated on
the network at its spacing), else street nodes thinned to one per ``max(100 m, threshold / 3)``; only
those within the threshold (straight line) of an uncovered residence are kept, and their reach comes
from :func:`siting.network.pairs_within` (sparse pairs, never a dense matrix).

The solver runs in a child process of its own session (``python -m siting.serve._solve``), so that
*cancel* can end it and any CBC process under it at once (by its process-group id); the server
stays responsive meanwhile. One job runs at a time.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from siting.errors import InputError
from siting.inputs import candidates_from_file, generate_candidates, hosts
from siting.network import pairs_within, snapped_xy
from siting.optimize import CoverageProblem, priority_weights
from siting.serve.engine import WhatIf
from siting.units import parse_threshold

__all__ = ["Optimizer"]

logger = logging.getLogger(__name__)

#: Seconds the child process may take beyond the time limit (start-up, reading, writing) before it is ended.
GRACE_SECONDS = 30.0
MAX_K = 50
MAX_TIME_LIMIT = 600.0


class Optimizer:
    """Runs one "best next k" job at a time for a :class:`~siting.serve.engine.WhatIf`.

    Parameters
    ----------
    w : WhatIf
    work_dir : Path
        Where the job exchanges its input and answer with the child process (inside the
        server's output folder; removed after each job).
    """

    def __init__(self, w: WhatIf, work_dir: Path) -> None:
        self.w = w
        self.work_dir = Path(work_dir)
        self._lock = threading.Lock()
        self._job: dict[str, Any] = {"state": "idle"}
        self._proc: subprocess.Popen | None = None
        self._cancel = threading.Event()
        self._n = 0
        sc = w.res.scenario
        cfg = sc.optimize
        self._file_cands = None
        if cfg is not None and cfg.candidates.source != "generated":
            c = cfg.candidates
            self._file_cands = candidates_from_file(
                sc.path(c.source), to_crs=w.net.crs, cost_column=c.cost_column, floor_area_column=c.floor_area_column,
                categories_column=c.categories_column, id_column=c.id_column, known_categories=w.keys, crs=c.crs,
            )
        self._gen_cache: dict[float, Any] = {}

    # -- public ------------------------------------------------------------------------------
    def start(self, category: str, k: int, time_limit: float, solver: str = "cbc") -> dict[str, Any]:
        """Start a job; an :class:`InputError` when one is running or the request is out of range."""
        ci = self.w.category_index(category)
        if not (isinstance(k, int) and 1 <= k <= MAX_K):
            raise InputError(f"k = {k!r}: ask for 1 to {MAX_K} stations")
        if not (0 < float(time_limit) <= MAX_TIME_LIMIT):
            raise InputError(f"time_limit = {time_limit!r}: give 1 to {MAX_TIME_LIMIT:g} seconds")
        if solver not in ("cbc", "highs"):
            raise InputError(f"solver = {solver!r}: use cbc or highs")
        with self._lock:
            if self._job.get("state") in ("preparing", "solving"):
                raise InputError("an optimisation is already running: wait for it or cancel it")
            self._n += 1
            self._cancel.clear()
            self._job = {"state": "preparing", "id": self._n, "category": category, "k": k, "time_limit": float(time_limit),
                         "solver": solver, "started": time.time(), "version": self.w.version}
        threading.Thread(target=self._run, args=(self._n, ci, k, float(time_limit), solver), daemon=True,
                         name=f"siting-optimize-{self._n}").start()
        return self.status()

    def status(self) -> dict[str, Any]:
        """The job: ``state`` (idle, preparing, solving, done, cancelled, failed), elapsed seconds,
        the time limit, and when done the suggested stations."""
        with self._lock:
            j = dict(self._job)
        if "started" in j:
            end = j.get("ended", time.time())
            j["elapsed"] = round(end - j["started"], 1)
        return j

    def cancel(self) -> dict[str, Any]:
        """Cancel the running job (ends its solver process group); the state says ``cancelled``."""
        self._cancel.set()
        with self._lock:
            proc = self._proc
            if self._job.get("state") in ("preparing", "solving"):
                self._job.update(state="cancelled", ended=time.time(), message="cancelled by the planner")
        if proc is not None:
            _end(proc)
        return self.status()

    def close(self) -> None:
        """Cancel whatever runs (the server is stopping)."""
        self.cancel()

    # -- the job -----------------------------------------------------------------------------
    def _finish(self, n: int, **kw: Any) -> None:
        with self._lock:
            if self._job.get("id") == n and self._job.get("state") in ("preparing", "solving"):
                self._job.update(ended=time.time(), **kw)

    def _candidates(self, ci: int):
        w = self.w
        key = w.keys[ci]
        cfg = w.res.scenario.optimize
        if self._file_cands is not None:
            cands = self._file_cands
        else:
            if cfg is not None and cfg.candidates.source == "generated":
                spacing = parse_threshold(cfg.candidates.spacing).value
            else:
                spacing = max(100.0, float(w.threshold[ci]) / 3.0)
            if spacing not in self._gen_cache:
                self._gen_cache[spacing] = generate_candidates(w.net, spacing=spacing)
            cands = self._gen_cache[spacing]
        return cands[hosts(cands, key)].reset_index(drop=True)

    def _run(self, n: int, ci: int, k: int, time_limit: float, solver: str) -> None:
        try:
            self._run_inner(n, ci, k, time_limit, solver)
        except Exception as exc:  # the job reports its failure; the server goes on
            logger.exception("optimisation failed")
            self._finish(n, state="failed", message=f"{type(exc).__name__}: {exc}")

    def _run_inner(self, n: int, ci: int, k: int, time_limit: float, solver: str) -> None:
        w = self.w
        T = float(w.threshold[ci])
        with w.lock:
            unc = np.flatnonzero(~w.covered[ci] & w.reachable)
            version = w.version
        cands = self._candidates(ci)
        done = {"state": "done", "suggestions": [], "version": version}
        if len(unc) == 0 or len(cands) == 0:
            self._finish(n, **done, message="every reachable resident is covered already" if len(unc) == 0 else "no candidate sites")
            return
        # the points the uncovered enter the streets at: the residences, or their access points (gates)
        if w.downer is None:
            pts, pos = unc, np.arange(len(unc))
            txy = w.residences.geometry.values[unc]
            tx, ty = shapely.get_x(txy), shapely.get_y(txy)
        else:
            at = np.full(len(w.pop), -1, dtype=np.int64)
            at[unc] = np.arange(len(unc))
            pts = np.flatnonzero((at[w.downer] >= 0) & w.dsnap.reachable)
            pos = at[w.downer[pts]]
            tx, ty = snapped_xy(w.net, w.dsnap.subset(pts))  # a walk is never shorter than the line to these
        tree = cKDTree(np.c_[tx, ty])
        cx, cy = cands.geometry.x.to_numpy(), cands.geometry.y.to_numpy()
        dmin, _ = tree.query(np.c_[cx, cy], distance_upper_bound=T + 1e-6)
        cands = cands[np.isfinite(dmin)].reset_index(drop=True)
        if len(cands) == 0:
            self._finish(n, **done, message="no candidate site lies within the threshold of an uncovered resident")
            return
        csnap = w.net.snap(cands, w.max_snap)
        pairs = pairs_within(w.net, csnap, w.dsnap.subset(pts), T)
        pairs = pairs.assign(target=pos[pairs["target"].to_numpy()])  # per residence (the shortest pair is kept)
        if self._cancel.is_set():
            return
        cfg = w.res.scenario.optimize
        pop = w.pop[unc]
        groups = {g: (w.groups[g][unc], wt) for g, wt in (cfg.priority.items() if cfg is not None else []) if g in w.groups}
        weights = priority_weights(pop, groups) if groups else pop
        site_ids = cands["site_id"].astype(str).to_numpy()
        dem_ids = np.arange(len(unc)).astype(str)
        problem = CoverageProblem.from_pairs(
            dem_ids, weights, site_ids, np.ones(len(cands)), dem_ids[pairs["target"].to_numpy()],
            site_ids[pairs["source"].to_numpy()], pairs["metres"].to_numpy(), T,
        )
        kk = min(k, problem.n_candidates)
        job_dir = self.work_dir / f"job-{os.getpid()}-{n}"
        job_dir.mkdir(parents=True, exist_ok=True)
        try:
            with open(job_dir / "in.pkl", "wb") as fh:
                pickle.dump({"problem": problem, "p": kk, "time_limit": time_limit, "solver": solver}, fh)
            with self._lock:
                if self._cancel.is_set() or self._job.get("id") != n:
                    return
                self._job["state"] = "solving"
                self._proc = proc = subprocess.Popen(
                    [sys.executable, "-m", "siting.serve._solve", str(job_dir / "in.pkl"), str(job_dir / "out.pkl")],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                )
            try:
                _out, err = proc.communicate(timeout=time_limit + GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _end(proc)
                self._finish(n, state="failed", message=f"the solver did not end within {time_limit + GRACE_SECONDS:.0f} s")
                return
            finally:
                with self._lock:
                    self._proc = None
            if self._cancel.is_set():
                return
            if proc.returncode != 0 or not (job_dir / "out.pkl").exists():
                tail = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                self._finish(n, state="failed", message=f"the solver process ended with code {proc.returncode}: {tail[0]}")
                return
            with open(job_dir / "out.pkl", "rb") as fh:
                ans = pickle.load(fh)
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
        geo = cands.set_index(cands["site_id"].astype(str))
        sugg = []
        for sid in ans["selected"]:
            g = geo.loc[sid, "geometry"]
            lon, lat = w.to_lonlat(float(g.x), float(g.y))
            sugg.append({"site_id": sid, "lon": lon, "lat": lat, "newly_covered_population": float(pop[ans["served"].get(sid, [])].sum())
                         if ans["served"].get(sid) is not None else None})
        msg = ans.get("message") or ""
        if kk < k:
            msg = (msg + " " if msg else "") + f"only {kk} candidate sites can still add coverage"
        self._finish(n, state="done", suggestions=sugg, version=version, status=ans["status"], objective=ans["objective"],
                     bound=ans["bound"], gap=ans["gap"], solve_seconds=ans["solve_seconds"], solver_name=ans["solver"],
                     newly_covered_population=float(pop[ans["covered"]].sum()), message=msg, candidates=int(len(cands)))


def _end(proc: subprocess.Popen) -> None:
    """End a child started in its own session, and everything it started (by its group id)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
