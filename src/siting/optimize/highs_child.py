"""Solve a MIP given as arrays with highspy (private plumbing of :mod:`siting.optimize.mip`).

Importable in process, and runnable as a script by its path (``python highs_child.py
model.npz result.npz [exchange-folder]``) so that a watched child process imports only numpy
and highspy, not siting: the watchdog in :mod:`siting.optimize.mip` can then end it when it
overruns its limit.

HiGHS callbacks connect the solver to the local search running beside it (``hooks``):

* ``kCallbackMipInterrupt`` — stop on request (a time limit, a cancel button) and report the
  dual bound and the incumbent as the search proceeds;
* ``kCallbackMipImprovingSolution`` — every new incumbent is handed out (the local search
  polishes it);
* ``kCallbackMipUserSolution`` — plans the local search found are handed in as incumbents.

In a child process the hooks talk through files in the exchange folder, each written to a
temporary name and renamed: ``stop`` (present: stop), ``progress.npy`` (dual bound, primal
bound, nodes), ``sol.npy`` (the latest incumbent, objective first), ``inc.npy`` (a plan from
the search, a sequence number first).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

__all__ = ["main"]


class FileHooks:
    """The callbacks of a child process, through files in ``folder`` (see the docstring)."""

    def __init__(self, folder: str):
        self.folder = folder
        self._parent = os.getppid()
        self._last_check = 0.0
        self._last_progress = 0.0
        self._seen = -1.0
        self._stop = False

    def _write(self, name: str, arr: np.ndarray) -> None:
        tmp = os.path.join(self.folder, f".{name}.tmp.npy")
        np.save(tmp, arr)
        os.replace(tmp, os.path.join(self.folder, name))

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self._last_check >= 0.02:
            self._last_check = now
            # a stop request, or the parent is gone (killed: this process was handed to
            # another parent, or its exchange folder was removed) — never outlive the caller
            self._stop = self._stop or os.path.exists(os.path.join(self.folder, "stop")) \
                or os.getppid() != self._parent or not os.path.isdir(self.folder)
        return self._stop

    def on_progress(self, dual: float, primal: float, nodes: float) -> None:
        now = time.monotonic()
        if now - self._last_progress >= 0.2:
            self._last_progress = now
            self._write("progress.npy", np.array([dual, primal, nodes], dtype=np.float64))

    def on_improving(self, x: np.ndarray, objective: float) -> None:
        self._write("sol.npy", np.concatenate([[objective], np.asarray(x, np.float64)]))

    def user_solution(self) -> np.ndarray | None:
        path = os.path.join(self.folder, "inc.npy")
        if not os.path.exists(path):
            return None
        try:
            z = np.load(path)
        except (OSError, ValueError):
            return None
        if z.size < 2 or z[0] == self._seen:
            return None
        self._seen = float(z[0])
        return z[1:]


_BANNER_SHOWN = False


def _new_highs():
    """A ``highspy.Highs``; the banner HiGHS prints on its first construction in a process
    goes to /dev/null (the library is quiet)."""
    global _BANNER_SHOWN
    import highspy

    if _BANNER_SHOWN:
        return highspy.Highs()
    _BANNER_SHOWN = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                return highspy.Highs()
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def highs_run(arrays: dict, time_limit, gap, threads, start, hooks=None):
    """Build and solve with highspy; returns (status, x, bound). Runs in this process (a
    thread) or in a watched child process (:func:`main`). ``hooks`` (optional) has
    ``should_stop()``, ``on_progress(dual, primal, nodes)``, ``on_improving(x, objective)`` and
    ``user_solution()`` (a vector or None)."""
    import highspy

    h = _new_highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    # HiGHS stops at a relative gap of 1e-4 by default and calls that "optimal": without a
    # requested gap, solve to optimality (an integral objective may stop within an absolute
    # gap below 1 — the caller rounds the bound)
    h.setOptionValue("mip_rel_gap", 0.0 if gap is None else float(gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    if "lp_solver" in arrays and str(arrays["lp_solver"]):
        # a linear relaxation for its bound: HiGHS's interior point method ("ipm") is several
        # times faster than its dual simplex on large covering LPs
        h.setOptionValue("solver", str(arrays["lp_solver"]))
    n = int(arrays["c"].size)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = int(arrays["row_lo"].size)
    lp.col_cost_ = arrays["c"]
    lp.col_lower_ = arrays["col_lo"]
    lp.col_upper_ = arrays["col_hi"]
    lp.row_lower_ = arrays["row_lo"]
    lp.row_upper_ = arrays["row_hi"]
    lp.offset_ = float(arrays["offset"])
    lp.sense_ = highspy.ObjSense.kMaximize if bool(arrays["maximize"]) else \
        highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = arrays["start"]
    lp.a_matrix_.index_ = arrays["index"]
    lp.a_matrix_.value_ = arrays["value"]
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = lp.num_row_
    integer = arrays["integer"].astype(bool)
    if integer.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(b)] for b in integer]
    h.passModel(lp)
    if start is not None:
        idx = np.arange(n, dtype=np.int32)
        h.setSolution(int(n), idx, np.asarray(start, dtype=np.float64))
    if hooks is not None:
        _subscribe(h, hooks, n)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_sol = bool(info.primal_solution_status == 2) or ms == S.kOptimal
    if ms == S.kOptimal:
        status = "optimal"
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kSolutionLimit):
        status = "time_limit"
    else:
        status = "no_solution"
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
    bound = float(info.mip_dual_bound) if integer.any() else (
        float(info.objective_function_value) if status == "optimal" else float("nan"))
    return status, x, bound


def _subscribe(h, hooks, n: int) -> None:
    def on_interrupt(e):
        out = e.data_out
        hooks.on_progress(float(out.mip_dual_bound), float(out.mip_primal_bound),
                          float(out.mip_node_count))
        if hooks.should_stop():
            e.interrupt()

    def on_lp_interrupt(e):
        if hooks.should_stop():
            e.interrupt()

    def on_improving(e):
        out = e.data_out
        hooks.on_improving(np.asarray(out.mip_solution, dtype=np.float64).copy(),
                           float(out.objective_function_value))

    def on_user(e):
        x = hooks.user_solution()
        if x is not None and x.size == n:
            e.data_in.setSolution(np.asarray(x, dtype=np.float64))
            e.data_in.user_has_solution = True

    h.cbMipInterrupt.subscribe(on_interrupt)
    h.cbSimplexInterrupt.subscribe(on_lp_interrupt)
    h.cbIpmInterrupt.subscribe(on_lp_interrupt)
    h.cbMipImprovingSolution.subscribe(on_improving)
    h.cbMipUserSolution.subscribe(on_user)


def main(argv: list[str]) -> None:
    """``main([model.npz, result.npz[, folder]])``: solve and write status, solution and
    bound; with an exchange folder, stream progress and incumbents through it."""
    src, dst = argv[0], argv[1]
    hooks = FileHooks(argv[2]) if len(argv) > 2 else None
    z = np.load(src)
    arrays = {k: z[k] for k in z.files}
    tl = float(arrays.pop("time_limit"))
    gap = float(arrays.pop("gap"))
    th = int(arrays.pop("threads"))
    st = arrays.pop("x0")
    status, x, bound = highs_run(arrays, None if tl < 0 else tl, None if gap < 0 else gap,
                                 None if th < 0 else th, None if st.size == 0 else st, hooks)
    tmp = dst + ".tmp.npz"
    np.savez(tmp, status=np.array(status), x=np.zeros(0) if x is None else x,
             has=np.array(x is not None), bound=np.array(bound))
    os.replace(tmp, dst)


if __name__ == "__main__":
    main(sys.argv[1:])
