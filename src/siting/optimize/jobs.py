"""Solver runs beside the caller: HiGHS in a thread or a child process, CBC in a child process
(private plumbing of :mod:`siting.optimize`; the back ends are described in
:mod:`siting.optimize.mip`)."""

from __future__ import annotations

import logging
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import numpy as np

from siting.optimize import highs_child
from siting.optimize import mip as _mip
from siting.optimize.highs_child import highs_run
from siting.optimize.mip import (
    HIGHS_THREAD_NNZ,
    STOP_GRACE,
    MIPResult,
    SparseMIP,
    _cbc_bound,
    _highs_arrays,
    _read_solution,
    _stop,
    _write_start,
    write_mps,
)

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------- entry
def solve_sparse(mip: SparseMIP, solver: str, *, time_limit: float | None,
                 gap: float | None, threads: int | None = None,
                 start: np.ndarray | None = None,
                 cancel: Callable[[], bool] | None = None) -> MIPResult:
    """Solve ``mip`` with ``"cbc"`` or ``"highs"`` and wait for it; never raises on a time
    limit or a crash of the solver (the result then has no solution and says why).
    ``cancel()`` returning True stops the solver early (its best solution is kept)."""
    job = start_job(mip, solver, time_limit=time_limit, gap=gap, threads=threads, start=start)
    deadline = None if time_limit is None else job.t0 + float(time_limit)
    while not job.done():
        if cancel is not None and cancel():
            break
        if deadline is not None and time.perf_counter() >= deadline + 0.05:
            break
        job.wait(0.05)
    return job.finish()


def start_job(mip: SparseMIP, solver: str, *, time_limit: float | None, gap: float | None,
              threads: int | None = None, start: np.ndarray | None = None,
              thread_max_nnz: int = HIGHS_THREAD_NNZ) -> Job:
    """Start a solve beside the caller; see :class:`Job`. HiGHS runs in a thread up to
    ``thread_max_nnz`` nonzeros, in a child process (killable) above."""
    if start is not None and not mip.feasible(start):
        logger.warning("the heuristic start is not feasible for the model; solving without it")
        start = None
    if solver == "cbc":
        return CbcJob(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
    if mip.A.nnz <= thread_max_nnz:
        return HighsThreadJob(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
    return HighsProcessJob(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)


def start_lp_job(mip: SparseMIP, *, time_limit: float | None, threads: int = 1) -> Job:
    """Solve the linear relaxation of ``mip`` (integrality dropped) with HiGHS's interior
    point method in a watched child process, beside the caller; :meth:`Job.finish` gives its
    optimum as ``bound`` (model sense and units; status ``optimal`` when it finished). For a
    bound only: the relaxation's solution is fractional, never a plan."""
    from dataclasses import replace

    lp = replace(mip, integer=np.zeros(mip.n_cols, dtype=bool))
    return HighsProcessJob(lp, time_limit=time_limit, gap=None, threads=threads, start=None,
                           lp_solver="ipm")


def lp_safe(bound: float, *, maximize: bool) -> float:
    """An LP optimum from HiGHS loosened by its feasibility tolerance (1e-7, relative), so
    that it stays a valid bound of the integer program."""
    slack = 1e-7 * max(1.0, abs(bound))
    return bound + slack if maximize else bound - slack


def search_beside_lp(mip: SparseMIP, run: Callable[[float], bool], deadline: float,
                     stopped: Callable[[], bool], proves: Callable[[float], bool],
                     details: dict, *, slice_s: float = 0.2,
                     rest: Callable[[float], object] | None = None) -> float | None:
    """Run the search (``run(end)`` runs it until ``end``, ``time.perf_counter()`` seconds,
    and returns True when it cannot improve any more) until ``deadline`` while the linear
    relaxation of ``mip`` is solved in a child process (:func:`start_lp_job`); stops early
    when ``proves(lp)`` says the LP optimum meets the plan. Returns the LP optimum (model sense and units) or None when it did
    not finish in time. ``details`` gets ``lp_status`` and ``lp_seconds``; ``slice_s``: seconds
    of search between looks at the LP; ``rest(end)`` (default ``run``) runs the search once
    the LP is done and its core free (e.g. two searches, :func:`~siting.optimize.search_pair.run_pair`)."""
    job = start_lp_job(mip, time_limit=max(deadline - time.perf_counter() - 0.3, 0.5))
    lp = None
    try:
        while not stopped():
            if lp is None and job.done():
                res = job.finish()
                details.update(lp_status=res.status, lp_seconds=round(res.seconds, 2))
                if res.status == "optimal" and res.bound is not None:
                    lp = float(res.bound)
                    if proves(lp):
                        break
                (rest or run)(deadline)  # the LP is done: the search has the rest of the time
                break
            if run(min(deadline, time.perf_counter() + slice_s)):
                break
    finally:
        if not job.done() or "lp_status" not in details:
            res = job.finish()
            details.setdefault("lp_status", res.status)
            details.setdefault("lp_seconds", round(res.seconds, 2))
            if lp is None and res.status == "optimal" and res.bound is not None:
                lp = float(res.bound)
    return lp


class Job:
    """A solver run beside the caller.

    :meth:`poll` returns the new incumbents (checked feasible) since the last call and updates
    :attr:`bound` (the latest dual bound, model sense); :meth:`offer` hands the solver a
    feasible solution (HiGHS only); :meth:`done` says whether it ended; :meth:`finish` stops it
    if needed (at most :data:`STOP_GRACE` seconds later it is killed) and returns the
    :class:`MIPResult`."""

    solver = ""

    def __init__(self, mip: SparseMIP, *, time_limit, gap, threads, start):
        self.mip = mip
        self.t0 = time.perf_counter()
        self.time_limit = time_limit
        self.gap = gap
        self.threads = threads
        self.start = start
        self.bound: float | None = None
        self.best_x: np.ndarray | None = None
        self.best_obj: float | None = None
        self.message = ""

    def _take(self, x: np.ndarray | None) -> bool:
        if x is None or not self.mip.feasible(x, tol=1e-5):
            return False
        obj = self.mip.objective(x)
        better = self.best_obj is None or (obj > self.best_obj if self.mip.maximize
                                           else obj < self.best_obj)
        if better:
            self.best_x, self.best_obj = x, obj
        return better

    def poll(self) -> list[np.ndarray]:
        return []

    def offer(self, x: np.ndarray) -> None:
        return None

    def done(self) -> bool:
        raise NotImplementedError

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def _raw(self, stop: bool) -> tuple[str, np.ndarray | None, float | None]:
        raise NotImplementedError

    def finish(self) -> MIPResult:
        """Stop (when still running) and collect the outcome."""
        stop = not self.done()
        status, x, bound = self._raw(stop)
        self.poll()
        mip = self.mip
        if x is not None and not mip.feasible(x, tol=1e-5):
            logger.warning("%s returned a solution that violates the model; discarded",
                           self.solver)
            x = None
        if x is not None:
            self._take(x)
        x = self.best_x
        obj = mip.objective(x) if x is not None else None
        if bound is not None and not math.isfinite(bound):
            bound = None
        if bound is None and self.bound is not None and math.isfinite(self.bound):
            bound = self.bound
        if status == "infeasible" and (self.start is not None or x is not None):
            status = "time_limit" if self.time_limit is not None else "no_solution"
            self.message = self.message or (
                f"{self.solver} reported the model infeasible although a feasible plan is in "
                "hand (its preprocessing ran out of time); the plan is kept")
            x, obj, bound = self.best_x, self.best_obj, None
        if status == "optimal" and x is None:
            status = "no_solution"
        if status == "optimal" and bound is None:
            bound = obj
        if stop and not self.message:
            self.message = f"{self.solver} was stopped before it finished"
        secs = time.perf_counter() - self.t0
        logger.info("%s: %s in %.2f s (objective %s, bound %s)%s", self.solver, status, secs,
                    obj, bound, f" — {self.message}" if self.message else "")
        return MIPResult(status=status, x=x, objective=obj, bound=bound, seconds=secs,
                         solver=self.solver, message=self.message)


# ---------------------------------------------------------------------------------- HiGHS
class _DirectHooks:
    """The HiGHS callbacks of a solve in a thread of this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = False
        self.progress: tuple[float, float, float] | None = None
        self.solutions: list[np.ndarray] = []
        self.offered: np.ndarray | None = None

    def should_stop(self) -> bool:
        return self.stop

    def on_progress(self, dual: float, primal: float, nodes: float) -> None:
        self.progress = (dual, primal, nodes)

    def on_improving(self, x: np.ndarray, objective: float) -> None:
        with self.lock:
            self.solutions.append(x)

    def user_solution(self) -> np.ndarray | None:
        with self.lock:
            x, self.offered = self.offered, None
        return x


class HighsThreadJob(Job):
    """HiGHS in a thread of this process (small models)."""

    solver = "highs"

    def __init__(self, mip: SparseMIP, *, time_limit, gap, threads, start):
        super().__init__(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
        self.hooks = _DirectHooks()
        self.out: tuple | None = None
        self.error: BaseException | None = None
        arrays = _highs_arrays(mip)

        def work():
            try:
                self.out = highs_run(arrays, time_limit, gap, threads, start, self.hooks)
            except BaseException as exc:
                self.error = exc

        self.thread = threading.Thread(target=work, name="siting-highs", daemon=True)
        self.thread.start()

    def poll(self) -> list[np.ndarray]:
        with self.hooks.lock:
            sols, self.hooks.solutions = self.hooks.solutions, []
        if self.hooks.progress is not None:
            self.bound = self.hooks.progress[0]
        return [x for x in sols if self._take(x)]

    def offer(self, x: np.ndarray) -> None:
        with self.hooks.lock:
            self.hooks.offered = np.asarray(x, np.float64)

    def done(self) -> bool:
        return not self.thread.is_alive()

    def wait(self, seconds: float) -> None:
        self.thread.join(seconds)

    def _raw(self, stop: bool):
        if stop:
            self.hooks.stop = True
            self.thread.join(STOP_GRACE + 5.0)  # HiGHS checks the flag often on small models
        if self.thread.is_alive():
            self.message = "HiGHS did not stop when asked; its result is not waited for"
            return "time_limit", None, None
        if self.error is not None or self.out is None:
            self.message = f"HiGHS failed ({self.error})"
            return "no_solution", None, None
        status, x, bound = self.out
        return status, x, (bound if math.isfinite(bound) else None)


class HighsProcessJob(Job):
    """HiGHS in a watched child process, talking through an exchange folder."""

    solver = "highs"

    def __init__(self, mip: SparseMIP, *, time_limit, gap, threads, start,
                 lp_solver: str = ""):
        super().__init__(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
        self.tmp = tempfile.TemporaryDirectory(prefix="siting-highs-")
        d = self.tmp.name
        self.dir = d
        self.dst = os.path.join(d, "result.npz")
        src = os.path.join(d, "model.npz")
        np.savez(src, **_highs_arrays(mip), lp_solver=np.array(lp_solver),
                 time_limit=np.array(-1.0 if time_limit is None else float(time_limit)),
                 gap=np.array(-1.0 if gap is None else float(gap)),
                 threads=np.array(-1 if threads is None else int(threads)),
                 x0=np.zeros(0) if start is None else np.asarray(start, np.float64))
        self.log_path = os.path.join(d, "highs.log")
        self._seq = 0
        self._sol_mtime = 0
        with open(self.log_path, "w", encoding="utf-8") as log_fh:
            self.proc = subprocess.Popen([sys.executable, highs_child.__file__, src, self.dst, d],
                                         stdout=log_fh, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=d)

    def poll(self) -> list[np.ndarray]:
        try:
            pr = np.load(os.path.join(self.dir, "progress.npy"))
            if math.isfinite(float(pr[0])):
                self.bound = float(pr[0])
        except (OSError, ValueError, IndexError):
            pass
        path = os.path.join(self.dir, "sol.npy")
        try:
            mt = os.stat(path).st_mtime_ns
        except OSError:
            return []
        if mt == self._sol_mtime:
            return []
        self._sol_mtime = mt
        try:
            z = np.load(path)
        except (OSError, ValueError):
            return []
        x = z[1:]
        return [x] if x.size == self.mip.n_cols and self._take(x) else []

    def offer(self, x: np.ndarray) -> None:
        self._seq += 1
        tmp = os.path.join(self.dir, ".inc.tmp.npy")
        np.save(tmp, np.concatenate([[float(self._seq)], np.asarray(x, np.float64)]))
        os.replace(tmp, os.path.join(self.dir, "inc.npy"))

    def done(self) -> bool:
        return self.proc.poll() is not None

    def wait(self, seconds: float) -> None:
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass

    def _raw(self, stop: bool):
        killed = False
        if stop:
            open(os.path.join(self.dir, "stop"), "w").close()
            try:
                self.proc.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                killed = True
                _stop(self.proc, hard=True)
        try:
            if not os.path.exists(self.dst):
                with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                    tail = fh.read()[-300:].strip()
                self.message = ("HiGHS did not stop when asked (a long presolve or root LP) and "
                                "was ended" if killed else
                                f"HiGHS ended with exit code {self.proc.returncode} and no "
                                f"result ({tail})")
                return ("time_limit" if (killed or stop) else "no_solution"), None, None
            z = np.load(self.dst)
            status = str(z["status"])
            x = np.array(z["x"]) if bool(z["has"]) else None
            bound = float(z["bound"])
            return status, x, (bound if math.isfinite(bound) else None)
        finally:
            self.poll()
            self.tmp.cleanup()

    def __del__(self):  # a job dropped unfinished must not leave its child behind
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            _stop(proc, hard=True)


class CbcJob(Job):
    """CBC as a child process on an MPS file (see the module docstring)."""

    solver = "cbc"

    def __init__(self, mip: SparseMIP, *, time_limit, gap, threads, start):
        super().__init__(mip, time_limit=time_limit, gap=gap, threads=threads, start=start)
        path = _mip.cbc_path()  # looked up on the module: tests replace it
        self.tmp = tempfile.TemporaryDirectory(prefix="siting-cbc-")
        tmp = self.tmp.name
        mps = os.path.join(tmp, "model.mps")
        self.sol = os.path.join(tmp, "model.sol")
        mst = os.path.join(tmp, "start.mst")
        self.log_path = os.path.join(tmp, "cbc.log")
        write_mps(mip, mps)
        args = [path, mps, "-timeMode", "elapsed"]
        if time_limit is not None:
            limit = max(0.2, float(time_limit) - (time.perf_counter() - self.t0))
            args += ["-sec", f"{limit:.3f}"]
        if gap is not None:
            args += ["-ratio", repr(float(gap))]
        if threads is not None:
            args += ["-threads", str(int(threads))]
        if start is not None:
            _write_start(mip, start, mst)
            args += ["-mips", mst]
        args += ["-solve", "-solution", self.sol]
        logger.debug("cbc: %s", " ".join(args))
        self.proc: subprocess.Popen | None = None
        with open(self.log_path, "w", encoding="utf-8") as log_fh:
            try:
                self.proc = subprocess.Popen(args, stdout=log_fh, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, cwd=tmp)
            except OSError as exc:
                self.message = f"CBC could not start ({exc})"

    def done(self) -> bool:
        return self.proc is None or self.proc.poll() is not None

    def wait(self, seconds: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass

    def _raw(self, stop: bool):
        try:
            return self._collect(stop)
        finally:
            self.tmp.cleanup()

    def _collect(self, stop: bool):
        proc = self.proc
        if proc is None:
            return "no_solution", None, None
        killed = False
        if stop:
            logger.warning("CBC is still running at its deadline; interrupting it")
            killed = True
            _stop(proc)
        with open(self.log_path, encoding="utf-8", errors="replace") as fh:
            log = fh.read()
        head, x = _read_solution(self.sol, self.mip.n_cols)
        rc = proc.returncode
        low = head.lower()
        lb = _cbc_bound(log)
        maximize = self.mip.maximize
        bound = None if lb is None else (-lb if maximize else lb)
        if killed:
            self.message = ("CBC did not stop at its time limit (it checks it only between "
                            "search nodes) and was interrupted by the watchdog")
        elif rc not in (0, None) and x is None:
            self.message = f"CBC ended with exit code {rc} and no solution"
        if "Result - Optimal solution found" in log or low.startswith("optimal"):
            status = "optimal"
        elif re.search(r"Result - (Linear relaxation|Problem proven|Integer) infeasible", log) \
                or low.startswith("infeasible") or "integer infeasible" in low:
            status = "infeasible"
        elif "stopped on time" in low or "Stopped on time" in log or killed or \
                "stopped on ctrl-c" in low or "stopped on iterations" in low or \
                "stopped on nodes" in low or "stopped on solutions" in low:
            status = "time_limit"
        elif "stopped on gap" in low or "Stopped on gap" in log or "stopped on ratio" in low:
            status = "optimal"  # within the requested gap
        else:
            status = "no_solution" if x is None else "time_limit"
        if status == "optimal":
            # proved optimal (within the requested gap): only a bound CBC reports at the end of
            # the search counts; the root LP value is stale, and without a final one the
            # objective is the bound
            lb = None if self.gap is None else _cbc_bound(log, final_only=True)
            bound = None if lb is None else (-lb if maximize else lb)
        if status == "infeasible" and x is None and "Pre-processing says infeasible" in log and \
                (killed or "Stopped" in log):
            status = "time_limit"
        return status, x, bound

    def __del__(self):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            _stop(proc, hard=True)


