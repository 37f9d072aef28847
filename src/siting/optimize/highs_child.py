"""Solve a MIP given as arrays with highspy (private plumbing of :mod:`siting.optimize.mip`).

Importable in process, and runnable as a script by its path (``python highs_child.py
model.npz result.npz``) so that a watched child process imports only numpy and highspy, not
siting: the watchdog in :mod:`siting.optimize.mip` can then end it when it overruns its limit.
"""

from __future__ import annotations

import os
import sys

import numpy as np

__all__ = ["main"]


def highs_run(arrays: dict, time_limit, gap, threads, start):
    """Build and solve with highspy; returns (status, x, bound). Runs in this process or in
    a watched child process (:func:`main`)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
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



def main(argv: list[str]) -> None:
    """``main([model.npz, result.npz])``: solve and write status, solution and bound."""
    src, dst = argv
    z = np.load(src)
    arrays = {k: z[k] for k in z.files}
    tl = float(arrays.pop("time_limit"))
    gap = float(arrays.pop("gap"))
    th = int(arrays.pop("threads"))
    st = arrays.pop("x0")
    status, x, bound = highs_run(arrays, None if tl < 0 else tl, None if gap < 0 else gap,
                                 None if th < 0 else th, None if st.size == 0 else st)
    tmp = dst + ".tmp.npz"
    np.savez(tmp, status=np.array(status), x=np.zeros(0) if x is None else x,
             has=np.array(x is not None), bound=np.array(bound))
    os.replace(tmp, dst)


if __name__ == "__main__":
    main(sys.argv[1:])
