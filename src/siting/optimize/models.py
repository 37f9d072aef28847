"""Sparse model builders for the single-category covering models (private plumbing).

Formulations are documented on the public functions in :mod:`siting.optimize`; the builders
here turn a :class:`~siting.optimize.reduce.Reduced` into a :class:`~siting.optimize.mip.SparseMIP`
with numpy/scipy block matrices (no Python loop per row, no dense matrix) and read the
solution back. Column order: ``y`` (one per model column), then ``x`` (one per demand row,
uncapacitated) or ``a`` (one per stored pair in CSR order of ``red.A``, capacitated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.optimize.mip import SparseMIP, stack
from siting.optimize.reduce import Reduced

INF = np.inf


@dataclass(eq=False)
class Built:
    """A sparse model with the layout of its variables."""

    mip: SparseMIP
    n_y: int
    x_off: int | None  # first x column (uncapacitated, not LSCP)
    a_off: int | None  # first a column (capacitated)


def build(red: Reduced, *, sense: str, p: int | None = None, budget: float | None = None,
          need: float | None = None, count_only: bool = False, capacitated: bool = False,
          single_assignment: bool = False, lscp: bool = False) -> Built:
    """Build max-cover (``sense="max"``) or target-cover (``sense="min"``) as a SparseMIP.

    ``need`` is the weight the model must cover (target models), ``count_only`` minimises the
    number of new stations instead of their cost, ``lscp`` uses the set-covering rows
    ``sum_j a_ij y_j >= 1`` for every demand row with positive weight.
    """
    A = red.A.astype(np.float64).tocsr()
    nr, nc = A.shape
    free = (~red.fixed).astype(np.float64)
    y_lo = red.fixed.astype(np.float64)
    y_hi = np.ones(nc)
    blocks: list[list] = []
    rows_n: list[int] = []
    lo_parts: list[np.ndarray] = []
    hi_parts: list[np.ndarray] = []
    names: dict[str, int] = {}

    def add(block_y, block_v, n, lo, hi, name=None):
        if name is not None:
            names[name] = sum(rows_n)
        blocks.append([block_y, block_v])
        rows_n.append(n)
        lo_parts.append(np.broadcast_to(np.asarray(lo, float), (n,)).copy())
        hi_parts.append(np.broadcast_to(np.asarray(hi, float), (n,)).copy())

    x_off = a_off = None
    if capacitated:
        nnz = A.nnz
        row_of = np.repeat(np.arange(nr), np.diff(A.indptr))
        col_of = A.indices
        nv = nnz
        a_off = nc
        v_lo, v_hi = np.zeros(nv), np.ones(nv)
        v_int = np.full(nv, bool(single_assignment))
        cover_vec = red.w[row_of]
        k = np.arange(nnz)
        R = sp.csr_matrix((np.ones(nnz), (row_of, k)), shape=(nr, nnz))
        add(None, R, nr, -INF, 1.0)  # sum_j a_ij <= 1
        assert red.h is not None and red.cap is not None, "a capacitated model needs households and capacities"
        H = sp.csr_matrix((red.h[row_of], (col_of, k)), shape=(nc, nnz))
        add(sp.diags(-np.asarray(red.cap, float)), H, nc, -INF, 0.0)  # h a <= Q y
        L = sp.csr_matrix((-np.ones(nnz), (k, col_of)), shape=(nnz, nc))
        add(L, sp.identity(nnz, format="csr"), nnz, -INF, 0.0)  # a_ij <= y_j
    elif lscp:
        nv = 0
        v_lo = v_hi = np.zeros(0)
        v_int = np.zeros(0, bool)
        cover_vec = np.zeros(0)
        pos = np.flatnonzero(red.w > 0)
        add(A[pos], None, pos.size, 1.0, INF)
    else:
        nv = nr
        x_off = nc
        v_lo, v_hi = np.zeros(nr), np.ones(nr)
        v_int = np.zeros(nr, bool)
        cover_vec = np.asarray(red.w, float)
        add(-A, sp.identity(nr, format="csr"), nr, -INF, 0.0)  # x_i <= sum_j y_j

    if p is not None:
        add(sp.csr_matrix(free[None, :]), None, 1, -INF, float(p), name="p")
    if budget is not None:
        add(sp.csr_matrix((red.cost * free)[None, :]), None, 1, -INF, float(budget),
            name="budget")
    if need is not None and not lscp:
        add(None, sp.csr_matrix(cover_vec[None, :]), 1, float(need), INF, name="target")

    if sense == "max":
        c = np.concatenate([np.zeros(nc), cover_vec])
    else:
        coef = np.ones(nc) if count_only else np.asarray(red.cost, float)
        c = np.concatenate([coef * free, np.zeros(nv)])
    if rows_n:
        M = stack(blocks, rows_n, [nc, nv])
    else:  # pragma: no cover - every model has rows
        M = sp.csc_matrix((0, nc + nv))
    mip = SparseMIP(
        c=c, A=M, row_lo=np.concatenate(lo_parts), row_hi=np.concatenate(hi_parts),
        col_lo=np.concatenate([y_lo, v_lo]), col_hi=np.concatenate([y_hi, v_hi]),
        integer=np.concatenate([np.ones(nc, bool), v_int]), maximize=sense == "max",
        names=names,
    )
    return Built(mip=mip, n_y=nc, x_off=x_off, a_off=a_off)


def start_vector(built: Built, red: Reduced, open_cols: np.ndarray,
                 frac: np.ndarray | None = None) -> np.ndarray:
    """A full solution vector from open columns (and pair fractions when capacitated)."""
    mask = red.fixed.copy()
    mask[np.asarray(open_cols, dtype=np.int64)] = True
    x = np.zeros(built.mip.n_cols)
    x[:built.n_y] = mask
    if built.x_off is not None:
        cnt = np.asarray(red.A @ mask.astype(np.int32)).reshape(-1)
        x[built.x_off:built.x_off + red.n_rows] = cnt > 0
    if built.a_off is not None and frac is not None:
        x[built.a_off:built.a_off + red.A.nnz] = frac
    return x


def read_open(built: Built, red: Reduced, x: np.ndarray | None) -> np.ndarray | None:
    """Open non-fixed columns of a solution, or None when there is none."""
    if x is None:
        return None
    return np.flatnonzero((x[:built.n_y] > 0.5) & ~red.fixed)


def read_assignment(built: Built, red: Reduced, x: np.ndarray | None) -> np.ndarray | None:
    """Assignment fraction per stored pair (capacitated models), CSR order of ``red.A``."""
    if built.a_off is None or x is None:
        return None
    return np.clip(x[built.a_off:built.a_off + red.A.nnz], 0.0, 1.0)
