"""Probe: exact window re-optimisation (a large neighbourhood search) after the row weighting
search on the set covering cases of ``optimize_quality`` (not part of siting; kept to rerun the
measurement behind that decision, see docs/optimize.md, "measured, not used").

    python -m benchmarks.window_lns_probe --case gen5k-lscp --search 20 --lns 120 --window 40

The reduced set covering model of siting (same exact reductions), the row weighting search
(:mod:`siting.optimize.search_rwls`) for ``--search`` seconds, then until ``--lns`` seconds more:
pick an open station at random, grow a window of ``--window`` open stations around it (stations
sharing rows with the window's candidate columns), drop them, and let HiGHS find the fewest
columns that cover the rows left uncovered (every candidate column of those rows may open; at
most 5 s per window). A window solved with fewer stations than it dropped improves the plan.
Prints the stations after the search and after the windows, the windows tried, proved and won.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import scipy.sparse as sp


def _window_mip(B: sp.csr_matrix, cand: np.ndarray, rows: np.ndarray, seconds: float):
    """The fewest columns of ``cand`` covering ``rows`` (HiGHS, 1 thread); (columns, proved)."""
    import highspy

    sub = sp.csc_matrix(B[rows][:, cand])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", seconds)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    n, m = cand.size, rows.size
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.ones(n), np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.ones(m), np.full(m, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = sub.indptr, sub.indices
    lp.a_matrix_.value_ = np.ones(sub.nnz)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None, False
    x = np.asarray(h.getSolution().col_value)
    return cand[x > 0.5], h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def main(argv: list[str] | None = None) -> None:
    from benchmarks.optimize_quality import CASES, problem_of
    from siting.optimize.search_rwls import RowWeightingSearch
    from siting.optimize.setcover import reduce_cover

    ap = argparse.ArgumentParser()
    ap.add_argument("--case", default="gen5k-lscp")
    ap.add_argument("--search", type=float, default=20.0, help="seconds of the row weighting search")
    ap.add_argument("--lns", type=float, default=120.0, help="seconds of windows after it")
    ap.add_argument("--window", type=int, default=40, help="open stations dropped per window")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    instance, model, _ = CASES[a.case]
    if model != "set_cover":
        raise SystemExit("the probe covers the set covering cases only")
    load = os.getloadavg()[0]
    A = sp.csr_matrix(problem_of(instance).cover, dtype=np.int8)
    A = A[np.diff(A.indptr) > 0]  # residences no site reaches are not asked for
    rc = reduce_cover(A, np.ones(A.shape[1]))
    B = sp.csr_matrix(A[rc.rows][:, rc.cols])
    C = B.tocsc()
    forced = int(rc.forced.size)
    rw = RowWeightingSearch(B, np.zeros(0, np.int64), seed=0)
    rw.run(deadline=time.perf_counter() + a.search)
    sel = np.zeros(B.shape[1], bool)
    sel[rw.best()] = True
    after_search = int(sel.sum()) + forced
    cnt = np.asarray(B @ sel.astype(np.int64)).reshape(-1)
    rng = np.random.default_rng(a.seed)
    tried = proved = won = 0
    end = time.perf_counter() + a.lns
    while time.perf_counter() < end:
        tried += 1
        open_ = np.flatnonzero(sel)
        window = {int(open_[rng.integers(open_.size)])}
        while len(window) < a.window:
            rows = np.unique(C[:, sorted(window)].indices)
            near = np.unique(B[rows].indices)  # candidate columns of the window's rows
            reach = np.unique(C[:, near].indices)
            more = [int(j) for j in np.unique(B[reach].indices) if sel[j] and int(j) not in window]
            if not more:
                break
            rng.shuffle(more)
            window.update(more[: a.window - len(window)])
        drop = np.array(sorted(window))
        left = np.flatnonzero(cnt - np.asarray(B[:, drop].sum(axis=1)).reshape(-1) == 0)
        cand = np.unique(B[left].indices)
        got, ok = _window_mip(B, cand, left, 5.0)
        if got is None:
            continue
        proved += int(ok)
        if got.size < drop.size:
            won += 1
            sel[drop] = False
            sel[got] = True
            cnt = np.asarray(B @ sel.astype(np.int64)).reshape(-1)
    assert cnt.min() > 0  # still a cover
    print(json.dumps({"case": a.case, "after_search": after_search, "after_windows": int(sel.sum()) + forced,
                      "windows": tried, "proved": proved, "won": won, "window": a.window,
                      "search_s": a.search, "lns_s": a.lns, "load": round(load, 2)}))


if __name__ == "__main__":
    main()
