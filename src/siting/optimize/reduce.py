"""Problem reductions for the covering models (private plumbing of :mod:`siting.optimize`).

Three reductions, none of which changes the optimal objective:

1. **Existing coverage out.** Demand already covered by an existing site is removed from the
   decision model; its weight is added back as a constant (``offset``). Demand no site can
   reach is removed too (it can never count).
2. **Identical rows merged.** Demand rows reached by exactly the same set of candidates become
   one row whose weight (and households) is the sum.
3. **Dominated candidates dropped.** Candidate *j* is dropped when another candidate *k* with
   the same categories covers a superset of *j*'s remaining demand at no higher cost (cost is
   ignored when the model only counts stations). Ties keep the lower index, so the relation
   is acyclic and every dropped site has a kept dominator. Candidates covering nothing left
   are dropped.

The capacitated models use none of 1–3 beyond dropping unreachable demand and candidates that
reach nobody: a merged row or a dropped site would change what capacities can serve.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.optimize.problem import CoverageProblem

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Reduced:
    """The decision model's data after reduction.

    ``A`` is rows × cols (bool CSR). ``col_site`` maps a column to the problem's site index;
    ``fixed`` marks existing sites kept in the model (forced open, cost 0, not counted in p).
    ``row_of_demand`` maps each demand point to its model row (-1 when removed). ``offset`` is
    the weight covered by existing sites outside the model.
    """

    A: sp.csr_matrix
    w: np.ndarray
    h: np.ndarray | None
    col_site: np.ndarray
    fixed: np.ndarray
    cost: np.ndarray
    cap: np.ndarray | None
    row_of_demand: np.ndarray
    offset: float
    total: float
    sizes: dict

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    @property
    def n_cols(self) -> int:
        return int(self.A.shape[1])


def reduce_problem(
    problem: CoverageProblem,
    *,
    reduce: bool = True,
    capacitated: bool = False,
    dominance_cost: np.ndarray | None = None,
    use_cost: bool = True,
    dominance: bool = True,
) -> Reduced:
    """Build the decision model's data, reduced or not.

    Parameters
    ----------
    reduce : bool
        Apply the reductions (default). ``False`` keeps every demand point and every site
        (existing sites as fixed columns), which is what the tests compare against.
    capacitated : bool
        Restrict to the reductions that are valid with capacities.
    dominance_cost : numpy.ndarray, optional
        Cost per site used for dominance (defaults to ``problem.costs``).
    use_cost : bool
        False when the model ignores cost (p stations, or minimising the count): dominance
        then compares coverage only.
    dominance : bool
        Drop dominated candidates (and candidates that reach no remaining demand). The
        multi-category model turns it off: a shared site cost breaks the argument.
    """
    A = problem.cover
    nd, ns = A.shape
    w = problem.weights
    h = problem.households
    total = float(w.sum())
    sizes = {"rows_before": int(nd), "cols_before": int(ns), "pairs_before": int(A.nnz)}
    cost_all = problem.costs if dominance_cost is None else np.asarray(dominance_cost, float)

    if not reduce:
        red = Reduced(
            A=A.astype(bool).tocsr(), w=w.copy(), h=None if h is None else h.copy(),
            col_site=np.arange(ns), fixed=problem.existing.copy(), cost=problem.costs.copy(),
            cap=None if problem.capacity is None else problem.capacity.copy(),
            row_of_demand=np.arange(nd), offset=0.0, total=total, sizes=sizes,
        )
        _finish_sizes(red)
        return red

    reach = np.diff(A.indptr) > 0
    if capacitated:
        rows = np.flatnonzero(reach)
        A1 = A[rows]
        col_n = np.asarray(A1.sum(axis=0)).reshape(-1)
        cols = np.flatnonzero(col_n > 0)
        A1 = A1[:, cols].tocsr()
        row_of = np.full(nd, -1, dtype=np.int64)
        row_of[rows] = np.arange(rows.size)
        red = Reduced(
            A=A1, w=w[rows], h=None if h is None else h[rows], col_site=cols,
            fixed=problem.existing[cols], cost=problem.costs[cols],
            cap=None if problem.capacity is None else problem.capacity[cols],
            row_of_demand=row_of, offset=0.0, total=total, sizes=sizes,
        )
        _finish_sizes(red)
        return red

    covered_existing = problem.covered_by([])
    offset = float(w[covered_existing].sum())
    cand = np.flatnonzero(~problem.existing)
    A1 = A[:, cand].tocsr()
    has_cand = np.diff(A1.indptr) > 0
    rows = np.flatnonzero(has_cand & ~covered_existing)
    A1 = A1[rows].tocsr()
    row_of = np.full(nd, -1, dtype=np.int64)
    row_of[rows] = np.arange(rows.size)
    w1 = w[rows]
    h1 = None if h is None else h[rows]
    cols = cand

    A1, w1, h1, row_of = _merge_rows(A1, w1, h1, row_of)
    if dominance:
        labels = _labels(problem, cols)
        keep = _undominated(A1, cost_all[cols] if use_cost else None, labels)
        A1 = A1[:, keep].tocsr()
        cols = cols[keep]
        A1, w1, h1, row_of = _merge_rows(A1, w1, h1, row_of)
    red = Reduced(
        A=A1, w=w1, h=h1, col_site=cols, fixed=np.zeros(cols.size, dtype=bool),
        cost=problem.costs[cols], cap=None if problem.capacity is None else problem.capacity[cols],
        row_of_demand=row_of, offset=offset, total=total, sizes=sizes,
    )
    _finish_sizes(red)
    return red


def _finish_sizes(red: Reduced) -> None:
    red.sizes.update(rows_after=red.n_rows, cols_after=red.n_cols, pairs_after=int(red.A.nnz))
    s = red.sizes
    logger.info(
        "model size: %d → %d demand rows, %d → %d sites, %d → %d pairs",
        s["rows_before"], s["rows_after"], s["cols_before"], s["cols_after"],
        s["pairs_before"], s["pairs_after"],
    )


def _merge_rows(A: sp.csr_matrix, w, h, row_of):
    """Merge rows of A with identical column sets (sum weights / households).

    Rows are grouped by a hash of their (sorted) column indices, computed with numpy; rows
    sharing a hash are compared exactly, so a collision never merges different rows."""
    n = A.shape[0]
    if n == 0:
        return A, w, h, row_of
    A = A.tocsr()
    A.sort_indices()
    ind, ptr = A.indices.astype(np.int64), A.indptr
    length = np.diff(ptr)
    rng = np.random.default_rng(12345)
    r1 = rng.integers(1, 2**31 - 1, size=max(int(A.shape[1]), 1), dtype=np.int64)
    r2 = rng.integers(1, 2**31 - 1, size=max(int(A.shape[1]), 1), dtype=np.int64)
    h1 = np.zeros(n, dtype=np.int64)
    h2 = np.zeros(n, dtype=np.int64)
    nz = length > 0
    if ind.size:
        starts = ptr[:-1][nz]
        h1[nz] = np.add.reduceat(r1[ind], starts)
        h2[nz] = np.add.reduceat(r2[ind] * (ind % 7 + 1), starts)
    order = np.lexsort((h2, h1, length))
    key = np.stack([length[order], h1[order], h2[order]], axis=1)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = np.any(key[1:] != key[:-1], axis=1)
    group = np.cumsum(new_group) - 1  # by position in `order`
    size = np.bincount(group)
    new_of_old = np.empty(n, dtype=np.int64)
    # rows alone in their hash group keep their own new row; shared hashes are checked exactly
    gid_of_group = np.full(size.size, -1, dtype=np.int64)
    single = size[group] == 1
    n_single = int(single.sum())
    gid_of_group[group[single]] = np.arange(n_single)
    new_of_old[order[single]] = gid_of_group[group[single]]
    firsts_arr = np.empty(n, dtype=np.int64)
    firsts_arr[:n_single] = order[single]
    gid = n_single
    shared = np.flatnonzero(~single)
    last_group = -1
    reps: list[tuple[int, int]] = []
    for pos in shared:  # only rows whose hash is shared by another row
        i = int(order[pos])
        if group[pos] != last_group:
            last_group = group[pos]
            reps = []
        row = ind[ptr[i]:ptr[i + 1]]
        hit = -1
        for new_id, old in reps:
            if np.array_equal(ind[ptr[old]:ptr[old + 1]], row):
                hit = new_id
                break
        if hit < 0:
            hit = gid
            firsts_arr[gid] = i
            gid += 1
            reps.append((hit, i))
        new_of_old[i] = hit
    firsts = firsts_arr[:gid]
    if len(firsts) == n:
        return A, w, h, row_of
    m = len(firsts)
    w2 = np.bincount(new_of_old, weights=w, minlength=m)
    h2b = None if h is None else np.bincount(new_of_old, weights=h, minlength=m)
    A2 = A[firsts].tocsr()
    row_of2 = np.where(row_of >= 0, new_of_old[np.maximum(row_of, 0)], -1)
    return A2, w2, h2b, row_of2


def _labels(problem: CoverageProblem, cols: np.ndarray) -> np.ndarray:
    if problem.categories is None:
        return np.zeros(cols.size, dtype=np.int64)
    codes: dict[frozenset, int] = {}
    return np.array([codes.setdefault(problem.categories[c], len(codes)) for c in cols])


def _undominated(A: sp.csr_matrix, cost: np.ndarray | None, labels: np.ndarray) -> np.ndarray:
    """Boolean mask of columns that no other column dominates (see module docstring)."""
    nc = A.shape[1]
    B = A.astype(np.int32).tocsc()
    size = np.diff(B.indptr)
    keep = size > 0
    overlap = (B.T @ B).tocoo()
    j, k, v = overlap.row, overlap.col, overlap.data
    m = (j != k) & (v == size[j]) & (labels[j] == labels[k]) & (size[j] > 0)
    j, k = j[m], k[m]
    if cost is None:
        dom = (size[k] > size[j]) | (k < j)
    else:
        dom = (cost[k] <= cost[j]) & ((size[k] > size[j]) | (cost[k] < cost[j]) | (k < j))
    keep[j[dom]] = False
    logger.debug("dominance: %d of %d candidates kept", int(keep.sum()), nc)
    return keep


def restrict(red: Reduced, closed: np.ndarray, opened: np.ndarray, *,
             dominance: bool = True, dominance_cost: np.ndarray | None = None
             ) -> tuple[Reduced, np.ndarray, int]:
    """The model with the columns ``closed`` removed and ``opened`` forced open.

    Used after reduced-cost fixing (:mod:`siting.optimize.bounds`). Rows covered by a forced
    or fixed column become constant (added to ``offset``), rows no remaining column reaches
    are dropped (they can no longer count), identical rows are merged and, with
    ``dominance``, dominated columns dropped (comparing ``dominance_cost`` per column of
    ``red`` when given, coverage alone otherwise).
    Returns the restricted model, the column of ``red`` behind each of its columns, and the
    number of non-fixed columns forced open (the caller takes them out of p).
    """
    closed = np.asarray(closed, bool)
    opened = np.asarray(opened, bool) & ~closed
    forced = opened | np.asarray(red.fixed, bool)
    keep = np.flatnonzero(~closed & ~forced)
    A = red.A.tocsr()
    covered = np.asarray(A @ forced.astype(np.int32)).reshape(-1) > 0
    offset = red.offset + float(red.w[covered].sum())
    A1 = A[:, keep].tocsr()
    reach = np.diff(A1.indptr) > 0
    rows = np.flatnonzero(reach & ~covered)
    A1 = A1[rows].tocsr()
    row_of = np.full(red.row_of_demand.size, -1, dtype=np.int64)
    old = red.row_of_demand
    new_of_old = np.full(red.n_rows, -1, dtype=np.int64)
    new_of_old[rows] = np.arange(rows.size)
    ok = old >= 0
    row_of[ok] = new_of_old[old[ok]]
    w1 = red.w[rows]
    h1 = None if red.h is None else red.h[rows]
    A1, w1, h1, row_of = _merge_rows(A1, w1, h1, row_of)
    cols = keep
    if dominance and cols.size:
        dc = None if dominance_cost is None else np.asarray(dominance_cost, float)[cols]
        k2 = _undominated(A1, dc, np.zeros(cols.size, dtype=np.int64))
        A1 = A1[:, k2].tocsr()
        cols = cols[k2]
        A1, w1, h1, row_of = _merge_rows(A1, w1, h1, row_of)
    sizes = dict(red.sizes)
    sizes.update(rows_fixed=int(A1.shape[0]), cols_fixed=int(A1.shape[1]), pairs_fixed=int(A1.nnz))
    sub = Reduced(
        A=A1, w=w1, h=h1, col_site=red.col_site[cols], fixed=np.zeros(cols.size, dtype=bool),
        cost=red.cost[cols], cap=None if red.cap is None else red.cap[cols], row_of_demand=row_of,
        offset=offset, total=red.total, sizes=sizes,
    )
    logger.info("fixing: %d → %d sites (%d forced open), %d → %d rows, %d → %d pairs",
                red.n_cols, cols.size, int(opened.sum()), red.n_rows, A1.shape[0], red.A.nnz,
                A1.nnz)
    return sub, cols, int((opened & ~np.asarray(red.fixed, bool)).sum())
