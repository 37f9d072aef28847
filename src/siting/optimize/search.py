"""Compiled local search for the covering models (private plumbing of :mod:`siting.optimize`).

The search works on the reduced model (:class:`~siting.optimize.reduce.Reduced`): columns
(sites) and rows (demand) with weights, in CSC (rows of a column) and CSR (columns of a row)
arrays. Its state is kept **per demand row**, as in the fast interchange of Whitaker (1983,
*INFOR* 21(2):95–108) and Resende & Werneck (2007, *Journal of Heuristics* 13:5–28) for the
p-median, carried over to coverage:

* ``cnt[i]`` — open sites covering row i; ``own[i]`` — the sum of their indices, so the sole
  owner when ``cnt[i] == 1``;
* ``gain[j]`` — weight of the uncovered rows column j reaches (what opening j adds);
* ``loss[s]`` — weight of the rows only s covers (what closing s removes).

Opening or closing a site updates these in time proportional to its rows and their
columns, never a pass over the whole matrix. The value of the exchange "close s, open j" is
``gain[j] - loss[s] + extra_j(s)``, ``extra_j(s)`` the weight of rows j reaches that s alone
covers; for each closed j the best partner s is found from j's own rows (``tb[j]``) or is the
open site of least loss. ``tb[j]`` is cached and recomputed only for columns whose rows, or
whose partners' losses, a move changed ("don't look bits" made exact), so a best-improvement
move costs O(columns) plus the neighbourhood of the sites moved.

On top of the exchange descent runs an **iterated local search** in the spirit of the
adaptive ILS of Máximo, Cordeau & Nascimento (2023, *International Transactions in
Operational Research*, doi:10.1111/itor.13245, the best published method for large maximal
covering instances): a kick closes k open sites near a random one and opens k sites that
reach the rows left uncovered (randomised greedy), the kicked-out sites are tabu during the
descent that follows (then either let back in by a last descent, or kept out until the next
kick: :attr:`CoverSearch.lift_tabu`, the two rules of the two searches of
:func:`~siting.optimize.search_pair.run_pair`), the new local optimum is accepted when it is
not worse, the kick size
adapts (back to 1 after an improvement, larger after failures), and a long run without
improvement triggers a large unconditional kick (a restart from a perturbed best). A
compound move — the best exchange followed, if it pays, by a second exchange among the
sites it touched (a 2-swap, an ejection chain of depth two) — is tried at each local optimum.

The kernels run in chunks of kicks; the Python side (:class:`CoverSearch`,
:class:`TargetSearch`) checks the clock, a cancel hook and incumbents from a MIP solver
between chunks, so the search runs until the time limit or until it stops improving.

Two searches share the state:

* :class:`CoverSearch` — maximal covering: at most p new sites (and/or a budget), most
  covered weight.
* :class:`TargetSearch` — target covering: cover at least ``need`` weight at least cost
  (or count). Lexicographic descent: drop a site while the target holds, exchange to a
  cheaper site, or at equal cost to more coverage (slack that later allows a drop); a kick
  removes sites and repairs the target greedily (cost per newly covered weight).

numba compiles the kernels on first use (``cache=True`` keeps them for later runs).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import numpy as np

from siting.optimize.reduce import Reduced
from siting.optimize.search_cover import _budget_descent, _budget_ils, _cover_descent, _cover_ils
from siting.optimize.search_moves import _NEG, _flush, _restore, _touch, next_chunk
from siting.optimize.search_target import _target_descent, _target_ils, _target_repair

logger = logging.getLogger(__name__)

_INT = np.int64


# ------------------------------------------------------------------------------------ python
class _State:
    """Arrays of one search on a reduced model (see the module docstring)."""

    def __init__(self, red: Reduced, seed: int):
        A = red.A.tocsr()
        A.sort_indices()
        C = A.tocsc()
        C.sort_indices()
        self.red = red
        self.n = n = red.n_cols
        self.m = m = red.n_rows
        self.cp = C.indptr.astype(_INT)
        self.cr = C.indices.astype(_INT)
        self.rp = A.indptr.astype(_INT)
        self.rc = A.indices.astype(_INT)
        self.w = np.asarray(red.w, dtype=np.float64)
        self.fixed = np.asarray(red.fixed, dtype=np.uint8).copy()
        self.cnt = np.zeros(m, dtype=_INT)
        self.own = np.zeros(m, dtype=_INT)
        self.gain = np.asarray(C.T @ self.w, dtype=np.float64).reshape(-1).copy() if n else \
            np.zeros(0)
        self.loss = np.zeros(n)
        self.fv = np.zeros(1)
        deg = np.diff(self.rp)
        cdeg = np.diff(self.cp)
        self.chg = np.zeros(max(int(cdeg.max()) if n else 1, 1) + 1, dtype=_INT)
        self.cn = np.zeros(1, dtype=_INT)
        self.dirty = np.zeros(n, dtype=np.uint8)
        self.dlist = np.zeros(n + 1, dtype=_INT)
        self.dn = np.zeros(1, dtype=_INT)
        self.is_open = np.zeros(n, dtype=np.uint8)
        self.sel = np.zeros(n + 1, dtype=_INT)
        self.pos = np.full(n, -1, dtype=_INT)
        self.nsel = np.zeros(1, dtype=_INT)
        self.acc = np.zeros(n)
        self.stamp = np.zeros(n, dtype=_INT)
        self.st = np.zeros(1, dtype=_INT)
        self.tl = np.zeros(max(int(cdeg.max()) if n else 1, 1) + 1, dtype=_INT)
        self.tb = np.full(n, _NEG)
        self.tbs = np.full(n, -1, dtype=_INT)
        self.tabu = np.zeros(n)
        self.rs = np.array([np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(seed * 7919 + 1)],
                           dtype=np.uint64)
        self.cur_mask = np.zeros(n, dtype=np.uint8)
        self.best_mask = np.zeros(n, dtype=np.uint8)
        self.buf = np.zeros(n + 1, dtype=_INT)
        self.buf2 = np.zeros(max(n, m, 1) + 1, dtype=_INT)
        self.snf = np.zeros(3 * n + 1)  # the current plan's state (search_moves._save)
        self.sni = np.zeros(2 * m + 3 * n + 2, dtype=_INT)
        self.max_deg = int(deg.max()) if m else 0
        for j in np.flatnonzero(self.fixed):
            self.touch(int(j), True)
        _flush(self.cp, self.cr, self.w, self.cnt, self.own, self.loss, self.fixed,
               self.is_open, self.acc, self.stamp, self.st, self.tl, self.dirty, self.dlist,
               self.dn, self.tb, self.tbs)

    def resync(self) -> None:
        """Recompute counts, gains, losses and the value exactly from the open set (the
        incremental updates add and subtract floats; this removes any drift)."""
        import scipy.sparse as sp

        red = self.red
        o = self.is_open.astype(np.float64)
        A = sp.csr_matrix((np.ones(self.rc.size), self.rc, self.rp), shape=(self.m, self.n))
        self.cnt[:] = np.rint(A @ o).astype(_INT)
        self.own[:] = np.rint(A @ (o * np.arange(self.n))).astype(_INT)
        w = self.w
        self.fv[0] = float(w[self.cnt > 0].sum())
        self.gain[:] = A.T @ np.where(self.cnt == 0, w, 0.0)
        self.loss[:] = (A.T @ np.where(self.cnt == 1, w, 0.0)) * o
        del red
        self.dirty[:] = 1
        self.dlist[: self.n] = np.arange(self.n)
        self.dn[0] = self.n
        self.flush()

    def touch(self, j: int, opening: bool) -> None:
        _touch(j, self.cp, self.cr, self.rp, self.rc, self.w, self.cnt, self.own, self.gain,
               self.loss, self.fv, self.chg, self.cn, self.dirty, self.dlist, self.dn, opening,
               self.is_open, self.sel, self.pos, self.nsel)

    def set_open(self, cols: np.ndarray) -> None:
        """Make the open non-fixed columns exactly ``cols``."""
        target = self.fixed.copy()
        target[np.asarray(cols, dtype=_INT)] = 1
        _restore(target, self.cp, self.cr, self.rp, self.rc, self.w, self.cnt, self.own,
                 self.gain, self.loss, self.fv, self.chg, self.cn, self.dirty, self.dlist,
                 self.dn, self.is_open, self.sel, self.pos, self.nsel, self.fixed, self.buf2)
        self.flush()

    def flush(self) -> None:
        _flush(self.cp, self.cr, self.w, self.cnt, self.own, self.loss, self.fixed,
               self.is_open, self.acc, self.stamp, self.st, self.tl, self.dirty, self.dlist,
               self.dn, self.tb, self.tbs)

    def open_cols(self, mask: np.ndarray | None = None) -> np.ndarray:
        m = self.is_open if mask is None else mask
        return np.flatnonzero((m == 1) & (self.fixed == 0)).astype(_INT)


def _tol(red: Reduced) -> float:
    return 1e-9 * max(1.0, float(np.sum(red.w)))


class CoverSearch:
    """Iterated local search for maximal covering with at most ``p`` new sites.

    ``start`` (model columns) is the first plan; :meth:`run` improves it until a deadline,
    a kick budget, a plateau or the upper bound ``ub`` is reached; :meth:`offer` brings in a
    plan found elsewhere (a MIP incumbent), which the search polishes and continues from
    when it is better. ``best_value`` and :meth:`best` give the best plan (model weight,
    offset excluded).
    """

    def __init__(self, red: Reduced, p: int | None, start: np.ndarray | None = None, *,
                 seed: int = 0, ub: float = math.inf, budget: float | None = None):
        self.red = red
        self.budget = None if budget is None else float(budget)
        self.cost = np.asarray(red.cost, dtype=np.float64)
        self.p = int(p) if p is not None else int(red.n_cols)
        self.s = _State(red, seed)
        self.tol = _tol(red)
        self.ub = float(ub)
        n = self.s.n
        self.info = np.zeros(12)
        self.info[2] = 1.0
        self.kmax = int(max(2, min(3, self.p // 3)))
        self.tabu_len = 1.0
        self.restart_after = float(max(200, 4 * min(self.p, 500)))
        self.chain_width = 8
        #: after a kick's tabu descent, let the kicked-out sites back in a last descent (True)
        #: or keep them out until the next kick (False, the default: the kick is undone far
        #: less often; the second search of :func:`~siting.optimize.search_pair.run_pair` runs
        #: the other rule). Without a budget only: the budgeted kicks always let them back
        self.lift_tabu = False
        self.cand = np.zeros(max(self.chain_width, 1), dtype=_INT)
        self.cval = np.zeros(max(self.chain_width, 1))
        self.kicks_per_second = 0.0
        if start is not None and len(start):
            st = np.asarray(start, dtype=_INT)[: self.p]
            if self.budget is not None:  # keep the start within the budget
                keep = np.cumsum(self.cost[st]) <= self.budget + 1e-9
                st = st[keep]
            self.s.set_open(st)
        self._descend()
        self.info[0] = self.info[1] = self.s.fv[0]
        self.s.best_mask[:] = self.s.is_open
        self.s.cur_mask[:] = self.s.is_open
        self.n = n

    def _descend(self) -> None:
        s = self.s
        if self.budget is not None:
            self.info[7] += _budget_descent(
                self.p, self.budget, self.cost, self.tol, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed,
                s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn,
                s.is_open, s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st, s.tl, s.tb, s.tbs, s.tabu,
                self.info[4], 1 << 30)
            return
        self.info[7] += _cover_descent(
            self.p, self.tol, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed, s.cnt, s.own, s.gain, s.loss,
            s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn, s.is_open, s.sel, s.pos, s.nsel, s.acc,
            s.stamp, s.st, s.tl, s.tb, s.tbs, s.tabu, self.info[4], 1 << 30)

    @property
    def best_value(self) -> float:
        return float(self.info[0])

    def best(self) -> np.ndarray:
        """Columns of the best plan found (non-fixed)."""
        return self.s.open_cols(self.s.best_mask)

    @property
    def kicks(self) -> int:
        return int(self.info[5])

    def reporter(self, progress: Callable[[dict], None] | None,
                 t0: float) -> Callable[[str], None]:
        """``report(source)``: calls ``progress({"seconds", "objective", "source"})`` when the
        best plan improved since the last call (seconds since ``t0``, ``time.perf_counter()``;
        objective in the problem's units, the model's offset added)."""
        seen = [self.best_value]

        def report(source: str) -> None:
            if progress is not None and self.best_value > seen[0]:
                seen[0] = self.best_value
                progress({"seconds": time.perf_counter() - t0,
                          "objective": self.best_value + self.red.offset, "source": source})
        return report

    def offer(self, cols: np.ndarray) -> bool:
        """Continue from ``cols`` when it is better than the current plan (after a descent);
        True when it became the best plan."""
        s = self.s
        cols = np.asarray(cols, dtype=_INT)
        if cols.size > self.p or (self.budget is not None
                                  and self.cost[cols].sum() > self.budget + 1e-9):
            return False
        saved = s.is_open.copy()
        s.set_open(cols)
        self._descend()
        if s.fv[0] > self.info[1] + self.tol:
            self.info[1] = s.fv[0]
            s.cur_mask[:] = s.is_open
            if s.fv[0] > self.info[0] + self.tol:
                self.info[0] = s.fv[0]
                s.best_mask[:] = s.is_open
                return True
            return False
        s.set_open(np.flatnonzero((saved == 1) & (s.fixed == 0)))
        return False

    def polish(self) -> bool:
        """A descent without tabu from the best plan, in a state of its own (the trajectory is
        untouched); the best plan becomes the result when it is better. With the kicked-out
        sites kept out (``lift_tabu`` False), a best plan may miss an exchange that reopens
        one of them. True when the best plan improved."""
        if self.lift_tabu or self.budget is not None:
            return False
        fresh = CoverSearch(self.red, self.p, self.best(), seed=0)
        if fresh.best_value > self.best_value + self.tol:
            return self.offer(fresh.best())
        return False

    def run(self, *, deadline: float | None = None, max_kicks: int | None = None,
            patience: int | None = None, cancel: Callable[[], bool] | None = None,
            between: Callable[[CoverSearch], bool] | None = None) -> None:
        """Kick until ``deadline`` (``time.perf_counter`` seconds), ``max_kicks``, ``patience``
        kicks without improvement, the upper bound, ``cancel()`` or ``between(self)``
        returning True (``between`` runs between chunks, e.g. to exchange incumbents)."""
        s = self.s
        if s.nsel[0] - int(s.fixed.sum()) == 0 or self.n == 0:
            return
        chunk = 8
        t_start = time.perf_counter()
        done0 = self.kicks
        while True:
            if self.info[0] >= self.ub - self.tol:
                break
            if max_kicks is not None and self.kicks - done0 >= max_kicks:
                break
            if patience is not None and self.info[3] >= patience:
                break
            if cancel is not None and cancel():
                break
            if between is not None and between(self):
                break
            now = time.perf_counter()
            if deadline is not None and now >= deadline:
                break
            n = chunk
            if max_kicks is not None:
                n = min(n, max_kicks - (self.kicks - done0))
            if patience is not None:
                n = min(n, max(1, int(patience - self.info[3])))
            t0 = time.perf_counter()
            if self.budget is not None:
                _budget_ils(n, self.p, self.budget, self.cost, self.tol, self.ub, s.cp, s.cr,
                            s.rp, s.rc, s.w, s.fixed, s.cnt, s.own, s.gain, s.loss, s.fv, s.chg,
                            s.cn, s.dirty, s.dlist, s.dn, s.is_open, s.sel, s.pos, s.nsel, s.acc,
                            s.stamp, s.st, s.tl, s.tb, s.tbs, s.tabu, s.rs, s.cur_mask,
                            s.best_mask, self.info, s.buf, s.buf2, self.kmax, self.restart_after,
                            s.snf, s.sni)
            else:
                _cover_ils(n, self.p, self.tol, self.ub, s.cp, s.cr, s.rp, s.rc, s.w,
                           s.fixed, s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty,
                           s.dlist, s.dn, s.is_open, s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st,
                           s.tl, s.tb, s.tbs, s.tabu, s.rs, s.cur_mask, s.best_mask, self.info,
                           self.cand, self.cval, s.buf, s.buf2, self.kmax, self.tabu_len,
                           self.chain_width, self.restart_after, s.snf, s.sni,
                           1 if self.lift_tabu else 0)
            # aim at chunks of about 50 ms (and never past the deadline by much)
            chunk = next_chunk(n, time.perf_counter() - t0, deadline, most=10_000)
        elapsed = time.perf_counter() - t_start
        if elapsed > 0:
            self.kicks_per_second = (self.kicks - done0) / elapsed
        logger.debug("cover search: %d kicks (%.0f/s), %d improvements, %d moves, best %.6g",
                    self.kicks, self.kicks_per_second, int(self.info[6]), int(self.info[7]),
                    self.info[0])


class TargetSearch:
    """Iterated local search for target covering: cover at least ``need`` model weight at
    least cost (``cost`` per column; ones for a count). Starts from ``start`` (a feasible
    plan) or a greedy repair. ``best_cost`` is None when no plan reaches the target."""

    def __init__(self, red: Reduced, need: float, cost: np.ndarray,
                 start: np.ndarray | None = None, *, seed: int = 0, lb: float = -math.inf,
                 first_descent: float | None = None):
        self.red = red
        self.need = float(need)
        self.cost = np.asarray(cost, dtype=np.float64)
        free_cost = self.cost[~np.asarray(red.fixed, bool)]
        self.unit = bool(free_cost.size == 0 or np.all(free_cost == free_cost[0]))
        self.s = _State(red, seed)
        self.order = np.zeros(self.s.n + 1, dtype=_INT)
        self.tol = _tol(red)
        self.lb = float(lb)
        self.info = np.zeros(12)
        self.info[2] = 1.0
        self.kmax = 6
        self.tabu_len = 1.0
        self.restart_after = 300.0
        self.kicks_per_second = 0.0
        if start is not None and len(start):
            self.s.set_open(np.asarray(start, dtype=_INT))
        s = self.s
        self.feasible = bool(_target_repair(
            self.need, self.tol, self.cost, s.rs, False, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed,
            s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn, s.is_open,
            s.sel, s.pos, s.nsel, s.tabu, 0.0))
        s.flush()
        if self.feasible:
            t_end = time.perf_counter() + (math.inf if first_descent is None else first_descent)
            while time.perf_counter() < t_end:  # in slices, so that a deadline holds
                if self._descend(max_moves=64) < 64:
                    break
        c = self._cost()
        self.info[0] = self.info[1] = c
        self.info[9] = self.info[10] = s.fv[0]
        s.best_mask[:] = s.is_open
        s.cur_mask[:] = s.is_open

    def _cost(self) -> float:
        cols = self.s.open_cols()
        return float(self.cost[cols].sum())

    def _descend(self, max_moves: int = 1 << 30) -> int:
        s = self.s
        moves = int(_target_descent(
            self.need, self.tol, self.cost, self.unit, s.cp, s.cr, s.rp, s.rc, s.w, s.fixed,
            s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist, s.dn, s.is_open,
            s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st, s.tl, s.tb, s.tbs, s.tabu, self.info[4],
            max_moves, self.order))
        self.info[7] += moves
        return moves

    @property
    def best_cost(self) -> float | None:
        return float(self.info[0]) if self.feasible else None

    @property
    def best_covered(self) -> float:
        return float(self.info[9])

    def best(self) -> np.ndarray:
        return self.s.open_cols(self.s.best_mask)

    @property
    def kicks(self) -> int:
        return int(self.info[5])

    def offer(self, cols: np.ndarray) -> bool:
        """Continue from a feasible plan found elsewhere when it is cheaper."""
        s = self.s
        saved = s.is_open.copy()
        s.set_open(np.asarray(cols, dtype=_INT))
        if s.fv[0] < self.need - self.tol:
            s.set_open(np.flatnonzero((saved == 1) & (s.fixed == 0)))
            return False
        self._descend()
        c = self._cost()
        if not self.feasible or c < self.info[0] - 1e-9:
            self.feasible = True
            self.info[0] = self.info[1] = c
            self.info[9] = self.info[10] = s.fv[0]
            s.best_mask[:] = s.is_open
            s.cur_mask[:] = s.is_open
            return True
        s.set_open(np.flatnonzero((saved == 1) & (s.fixed == 0)))
        return False

    def run(self, *, deadline: float | None = None, max_kicks: int | None = None,
            patience: int | None = None, cancel: Callable[[], bool] | None = None,
            between: Callable[[TargetSearch], bool] | None = None) -> None:
        """As :meth:`CoverSearch.run`; stops at the lower bound ``lb``."""
        s = self.s
        if not self.feasible or s.nsel[0] - int(s.fixed.sum()) == 0:
            return
        chunk = 4
        t_start = time.perf_counter()
        done0 = self.kicks
        while True:
            if self.info[0] <= self.lb + 1e-9:
                break
            if max_kicks is not None and self.kicks - done0 >= max_kicks:
                break
            if patience is not None and self.info[3] >= patience:
                break
            if cancel is not None and cancel():
                break
            if between is not None and between(self):
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
            n = chunk
            if max_kicks is not None:
                n = min(n, max_kicks - (self.kicks - done0))
            if patience is not None:
                n = min(n, max(1, int(patience - self.info[3])))
            t0 = time.perf_counter()
            _target_ils(n, self.need, self.tol, self.lb, self.cost, self.unit, self.order, s.cp, s.cr, s.rp, s.rc, s.w,
                        s.fixed, s.cnt, s.own, s.gain, s.loss, s.fv, s.chg, s.cn, s.dirty, s.dlist,
                        s.dn, s.is_open, s.sel, s.pos, s.nsel, s.acc, s.stamp, s.st, s.tl, s.tb,
                        s.tbs, s.tabu, s.rs, s.cur_mask, s.best_mask, self.info, s.buf, s.buf2,
                        self.kmax, self.tabu_len, self.restart_after, s.snf, s.sni)
            chunk = next_chunk(n, time.perf_counter() - t0, deadline, most=10_000)
        elapsed = time.perf_counter() - t_start
        if elapsed > 0:
            self.kicks_per_second = (self.kicks - done0) / elapsed
        logger.debug("target search: %d kicks (%.0f/s), %d improvements, best cost %.6g",
                    self.kicks, self.kicks_per_second, int(self.info[6]), self.info[0])
