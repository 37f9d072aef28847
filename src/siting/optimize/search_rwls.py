"""Row-weighting local search for the fewest columns covering every row (private plumbing).

The unicost set covering problem — the fewest stations that reach every residence — has a
large gap between its linear relaxation and its optimum on city instances (every residence is
reached by 30–40 candidate sites), so plans are won by the search, not by the bound. This is
the row weighting local search **RWLS** of Gao, Weise & Li (2015, "An efficient local search
heuristic with row weighting for the unicost set covering problem", *European Journal of
Operational Research* 246(3):750–761), the best published method for large unicost
instances:

* the search keeps a set S one column smaller than the best cover found, so some rows are
  uncovered; each row carries a weight w(e) (1 at the start), and each column a score —
  for j outside S the weight of the uncovered rows j reaches, for j in S minus the weight of
  the rows only j covers;
* a step removes the column of S with the highest score that is not tabu (the column added by
  the previous step), then covers a random uncovered row with its column of highest score
  whose *configuration changed* since it was last removed (configuration checking: a removed
  column may come back only after one of its neighbours — columns sharing a row — moved);
  ties go to the column that moved longest ago;
* after each step the weight of every uncovered row grows by one, so rows that stay
  uncovered pull the search towards them (this is what lets it leave plateaus);
* whenever S covers every row it is the new best cover and its highest-scoring column is
  removed (the search then looks for a cover one column smaller).

Scores change only around the columns that move (their rows and those rows' columns), so a
step costs the neighbourhood of two columns plus a pass over S. The kernel is compiled with
numba and runs in chunks of steps; :class:`RowWeightingSearch` keeps its state between
chunks so the caller can look at the clock, a cancel hook and plans found elsewhere.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numba import njit

from siting.optimize.search_moves import _randint, next_chunk

logger = logging.getLogger(__name__)

_INT = np.int64


@njit(cache=True)
def _add(j, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc):
    """Open column j: rows it reaches, scores of their columns, the uncovered list."""
    sel[j] = 1
    score[j] = -score[j]
    for a in range(cp[j], cp[j + 1]):
        e = ci[a]
        cnt[e] += 1
        own[e] += j
        if cnt[e] == 1:
            # e was uncovered: no other column gains it any more; j alone covers it now
            for b in range(rp[e], rp[e + 1]):
                k = ri[b]
                if k != j:
                    score[k] -= wt[e]
            p = upos[e]
            last = unc[nunc[0] - 1]
            unc[p] = last
            upos[last] = p
            upos[e] = -1
            nunc[0] -= 1
        elif cnt[e] == 2:
            # the former sole coverer no longer loses e when it closes
            k0 = own[e] - j
            score[k0] += wt[e]


@njit(cache=True)
def _remove(j, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc):
    """Close column j (the mirror of :func:`_add`)."""
    sel[j] = 0
    score[j] = -score[j]
    for a in range(cp[j], cp[j + 1]):
        e = ci[a]
        cnt[e] -= 1
        own[e] -= j
        if cnt[e] == 0:
            for b in range(rp[e], rp[e + 1]):
                k = ri[b]
                if k != j:
                    score[k] += wt[e]
            upos[e] = nunc[0]
            unc[nunc[0]] = e
            nunc[0] += 1
        elif cnt[e] == 1:
            score[own[e]] -= wt[e]


@njit(cache=True)
def _neighbours_free(j, cp, ci, rp, ri, conf):
    for a in range(cp[j], cp[j + 1]):
        e = ci[a]
        for b in range(rp[e], rp[e + 1]):
            conf[ri[b]] = 1


@njit(cache=True)
def _best_in(sel_list, nsel, score, cost, tstamp, tabu):
    """Column of S with the highest score per cost (ties: oldest move), skipping ``tabu``."""
    best = -1
    bv = 0.0
    for q in range(nsel):
        j = sel_list[q]
        if j == tabu:
            continue
        v = score[j] / cost[j]
        if best < 0 or v > bv or (v == bv and tstamp[j] < tstamp[best]):
            best = j
            bv = v
    return best


@njit(cache=True)
def _drop_from_list(j, sel_list, spos, nsel):
    p = spos[j]
    last = sel_list[nsel[0] - 1]
    sel_list[p] = last
    spos[last] = p
    spos[j] = -1
    nsel[0] -= 1


@njit(cache=True)
def _push_list(j, sel_list, spos, nsel):
    spos[j] = nsel[0]
    sel_list[nsel[0]] = j
    nsel[0] += 1


@njit(cache=True)
def _rwls(steps, lb, unit, cost, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc,
          sel_list, spos, nsel, conf, tstamp, best_mask, info, rs):
    """``steps`` RWLS steps. ``info``: [0] cost of the best cover, [1] steps done in all,
    [2] tabu column (-1 none), [3] improvements, [4] steps since the last improvement,
    [5] cost of S. ``unit``: each step removes a column and adds one, so S stays one column
    smaller than the best cover (RWLS as published); with costs a step adds a column and
    then removes columns until S is cheaper than the best cover again."""
    n = cp.size - 1
    tabu = int(info[2])
    clock = int(info[1])
    eps = 1e-9 * max(1.0, info[0])
    for _ in range(steps):
        # a cover: record it, then look for a cheaper one
        while nunc[0] == 0:
            if info[5] < info[0] - eps:
                info[0] = info[5]
                info[3] += 1
                info[4] = 0
                for j in range(n):
                    best_mask[j] = sel[j]
            if info[5] <= lb + eps or nsel[0] == 0:
                info[1] = clock
                info[2] = tabu
                return
            j = _best_in(sel_list, nsel[0], score, cost, tstamp, -1)
            _remove(j, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc)
            _drop_from_list(j, sel_list, spos, nsel)
            info[5] -= cost[j]
            tstamp[j] = clock
        clock += 1
        info[4] += 1
        # remove the best column of S that is not tabu
        j = _best_in(sel_list, nsel[0], score, cost, tstamp, tabu) if unit else -1
        if j >= 0:
            _remove(j, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc)
            _drop_from_list(j, sel_list, spos, nsel)
            info[5] -= cost[j]
            conf[j] = 0
            _neighbours_free(j, cp, ci, rp, ri, conf)
            conf[j] = 0
            tstamp[j] = clock
        # cover a random uncovered row with its best column whose configuration changed
        e = unc[_randint(rs, nunc[0])]
        add = -1
        anyc = -1
        av = 0.0
        yv = 0.0
        for b in range(rp[e], rp[e + 1]):
            k = ri[b]
            v = score[k] / cost[k]
            if anyc < 0 or v > yv or (v == yv and tstamp[k] < tstamp[anyc]):
                anyc = k
                yv = v
            if conf[k] == 1 and (add < 0 or v > av or (v == av and tstamp[k] < tstamp[add])):
                add = k
                av = v
        if add < 0:
            add = anyc
        _add(add, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc)
        _push_list(add, sel_list, spos, nsel)
        info[5] += cost[add]
        _neighbours_free(add, cp, ci, rp, ri, conf)
        tstamp[add] = clock
        tabu = add
        # with costs: S must stay cheaper than the best cover
        while not unit and info[5] >= info[0] - eps and nsel[0] > 1:
            j = _best_in(sel_list, nsel[0], score, cost, tstamp, tabu)
            if j < 0:
                break
            _remove(j, cp, ci, rp, ri, sel, cnt, own, score, wt, unc, upos, nunc)
            _drop_from_list(j, sel_list, spos, nsel)
            info[5] -= cost[j]
            tstamp[j] = clock
        # uncovered rows weigh more
        for q in range(nunc[0]):
            e = unc[q]
            wt[e] += 1.0
            for b in range(rp[e], rp[e + 1]):
                score[ri[b]] += 1.0
    info[1] = clock
    info[2] = tabu


class RowWeightingSearch:
    """RWLS (see the module docstring) for the fewest columns of ``A`` (rows × columns, 0/1)
    covering every row — or, with ``cost`` (positive, one per column), the cheapest cover:
    columns are then ranked by score per cost and S is kept cheaper than the best cover.
    Started from the cover ``start`` (column indices; a non-cover is completed greedily).

    ``best_cost``, ``best_size`` and :meth:`best` give the best cover found; :meth:`run`
    continues the search until a deadline (``time.perf_counter()`` seconds), a number of
    steps, the lower bound ``lb`` (a cover of cost ``lb`` is optimal) or ``cancel()``.
    """

    def __init__(self, A: sp.spmatrix, start: np.ndarray, *, cost: np.ndarray | None = None,
                 seed: int = 0):
        R = sp.csr_matrix(A, dtype=np.int8)
        R.sort_indices()
        C = R.tocsc()
        C.sort_indices()
        m, n = R.shape
        self.m, self.n = m, n
        self.cp, self.ci = C.indptr.astype(_INT), C.indices.astype(_INT)
        self.rp, self.ri = R.indptr.astype(_INT), R.indices.astype(_INT)
        start = np.unique(np.asarray(start, dtype=_INT))
        self.sel = np.zeros(n, np.uint8)
        self.sel[start] = 1
        colsel = self.sel.astype(np.int64)
        self.cnt = np.asarray(R @ colsel).reshape(-1).astype(_INT)
        if np.any(np.diff(self.rp) == 0):
            raise ValueError("a row of A has no column: no cover exists")
        if np.any(self.cnt == 0):
            # not a cover: each row left out gets its column reaching the most such rows
            left = (self.cnt == 0).astype(np.int64)
            while left.any():
                gain = np.asarray(C.T @ left).reshape(-1)
                j = int(np.argmax(gain))
                self.sel[j] = 1
                left[self.ci[self.cp[j]:self.cp[j + 1]]] = 0
            start = np.flatnonzero(self.sel).astype(_INT)
            colsel = self.sel.astype(np.int64)
            self.cnt = np.asarray(R @ colsel).reshape(-1).astype(_INT)
        self.own = np.asarray(R @ (colsel * np.arange(n, dtype=np.int64))).reshape(-1).astype(_INT)
        self.wt = np.ones(m)
        # score of an open column: minus the rows only it covers; closed: none uncovered yet
        only = (self.cnt == 1).astype(np.float64)
        self.score = np.zeros(n)
        self.score[start] = -np.asarray(C[:, start].T @ only).reshape(-1)
        self.unc = np.zeros(m, _INT)
        self.upos = np.full(m, -1, _INT)
        self.nunc = np.zeros(1, _INT)
        self.sel_list = np.zeros(n, _INT)
        self.spos = np.full(n, -1, _INT)
        self.nsel = np.zeros(1, _INT)
        self.sel_list[:start.size] = start
        self.spos[start] = np.arange(start.size)
        self.nsel[0] = start.size
        self.conf = np.ones(n, np.uint8)
        self.tstamp = np.zeros(n, _INT)
        self.best_mask = self.sel.copy()
        self.cost = np.ones(n) if cost is None else np.asarray(cost, dtype=np.float64)
        if self.cost.shape != (n,) or not np.all(self.cost > 0):
            raise ValueError("cost must be positive, one per column")
        self.unit = bool(np.all(self.cost == self.cost[0])) if n else True
        total = float(self.cost[start].sum())
        self.info = np.array([total, 0.0, -1.0, 0.0, 0.0, total])
        self.rs = np.array([np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(seed + 1)], dtype=np.uint64)
        self.steps_per_second = 0.0

    @property
    def best_cost(self) -> float:
        return float(self.info[0])

    @property
    def best_size(self) -> int:
        return int(self.best_mask.sum())

    @property
    def steps(self) -> int:
        return int(self.info[1])

    def best(self) -> np.ndarray:
        return np.flatnonzero(self.best_mask)

    def run(self, *, deadline: float | None = None, max_steps: int | None = None,
            lb: float = -math.inf, patience: int | None = None,
            cancel: Callable[[], bool] | None = None) -> None:
        """Steps in chunks of about 50 ms until ``deadline``, ``max_steps`` more steps,
        ``patience`` steps without a smaller cover, a cover of at most ``lb`` columns or
        ``cancel()``; at least one of ``deadline``, ``max_steps`` and ``patience`` must be
        given."""
        if deadline is None and max_steps is None and patience is None:
            raise ValueError("give a deadline, max_steps or patience")
        lbv = -1.0 if not math.isfinite(lb) else float(lb)
        chunk = 64
        done = 0
        t_start = time.perf_counter()
        while self.best_cost > lbv + 1e-9 * max(1.0, abs(lbv)) and self.best_size > 0:
            if cancel is not None and cancel():
                break
            now = time.perf_counter()
            if deadline is not None and now >= deadline:
                break
            if patience is not None and self.info[4] >= patience:
                break
            n = chunk if max_steps is None else min(chunk, max_steps - done)
            if n <= 0:
                break
            t0 = time.perf_counter()
            before = self.steps
            _rwls(n, lbv, self.unit, self.cost, self.cp, self.ci, self.rp, self.ri, self.sel, self.cnt, self.own,
                  self.score, self.wt, self.unc, self.upos, self.nunc, self.sel_list, self.spos,
                  self.nsel, self.conf, self.tstamp, self.best_mask, self.info, self.rs)
            ran = max(self.steps - before, 1)
            done += ran
            chunk = next_chunk(ran, time.perf_counter() - t0, deadline, most=1_000_000,
                               least=0.002)
        elapsed = time.perf_counter() - t_start
        if elapsed > 0:
            self.steps_per_second = done / elapsed
        logger.debug("row weighting search: %d steps (%.0f/s), best cover %d columns, cost %.6g",
                    self.steps, self.steps_per_second, self.best_size, self.best_cost)
