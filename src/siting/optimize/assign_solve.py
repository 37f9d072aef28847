"""The assignment MIP and the driver of the p-median and attendance models (private plumbing).

* :func:`build_mip` — the assignment MIP on a :class:`~siting.optimize.assign.Gains` (strong
  linking rows ``x_ij <= y_j``; capacities ``sum_i a_ij x_ij <= Q_j y_j`` when given) as a
  :class:`~siting.optimize.mip.SparseMIP`;
* :func:`solve_gains` — lazy greedy + fast interchange, the Lagrangian bound, then the MIP
  from that start when the model fits (:data:`MIP_MAX_PAIRS`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.optimize.assign import Gains, interchange, lagrangian_bound, lazy_greedy
from siting.optimize.mip import SparseMIP, stack

logger = logging.getLogger(__name__)

INF = np.inf


# ------------------------------------------------------------------------------------- MIP
@dataclass(eq=False)
class BuiltAssign:
    mip: SparseMIP
    n_y: int


def build_mip(g: Gains, p: int | None, budget: float | None, *,
              single_assignment: bool = False, base: float = 0.0, sign: int = 1) -> BuiltAssign:
    """``base + sign * sum G_ij x_ij`` (maximised for sign +1, minimised for sign -1) s.t.
    ``sum_j x_ij <= 1``, ``x_ij <= y_j``, capacities, p, budget.

    Columns: y (one per model column), then x (one per stored pair, CSR order of ``G``).
    """
    G = g.G
    nr, nc = G.shape
    nnz = G.nnz
    rows = g._rows
    cols = G.indices
    k = np.arange(nnz)
    free = (~g.fixed).astype(float)
    blocks: list[list] = []
    sizes: list[int] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    names: dict[str, int] = {}

    def add(by, bx, n, a, b, name=None):
        if name:
            names[name] = sum(sizes)
        blocks.append([by, bx])
        sizes.append(n)
        lo.append(np.full(n, a, float))
        hi.append(np.full(n, b, float))

    add(None, sp.csr_matrix((np.ones(nnz), (rows, k)), shape=(nr, nnz)), nr, -INF, 1.0)
    add(sp.csr_matrix((-np.ones(nnz), (k, cols)), shape=(nnz, nc)),
        sp.identity(nnz, format="csr"), nnz, -INF, 0.0)
    if g.cap is not None and g.cap_coef is not None:
        add(sp.diags(-np.asarray(g.cap, float)),
            sp.csr_matrix((g.cap_coef, (cols, k)), shape=(nc, nnz)), nc, -INF, 0.0)
    if p is not None:
        add(sp.csr_matrix(free[None, :]), None, 1, -INF, float(p), name="p")
    if budget is not None:
        add(sp.csr_matrix((g.cost * free)[None, :]), None, 1, -INF, float(budget), name="budget")
    M = stack(blocks, sizes, [nc, nnz])
    mip = SparseMIP(
        c=np.concatenate([np.zeros(nc), sign * G.data.astype(float)]), A=M,
        row_lo=np.concatenate(lo), row_hi=np.concatenate(hi),
        col_lo=np.concatenate([g.fixed.astype(float), np.zeros(nnz)]),
        col_hi=np.ones(nc + nnz),
        integer=np.concatenate([np.ones(nc, bool), np.full(nnz, bool(single_assignment))]),
        maximize=sign > 0, offset=float(base), names=names,
    )
    return BuiltAssign(mip=mip, n_y=nc)


def start_vector(built: BuiltAssign, g: Gains, open_cols: np.ndarray,
                 x: np.ndarray | None = None) -> np.ndarray:
    """A full MIP vector: y from the open columns, x the given pair values or, without them,
    each row to its best open column."""
    open_ = g.mask(open_cols)
    out = np.zeros(built.mip.n_cols)
    out[: built.n_y] = open_
    if x is None:
        x = best_pairs(g, open_)
    out[built.n_y:] = x
    return out


def best_pairs(g: Gains, open_mask: np.ndarray) -> np.ndarray:
    """0/1 per stored pair: each row to its best open column (none when no gain)."""
    _, c1, _ = g.best_two(open_mask)
    x = np.zeros(g.nnz)
    rows = g._rows
    idx = np.flatnonzero((c1[rows] == g.G.indices) & (c1[rows] >= 0))
    if idx.size:
        r = rows[idx]
        keep = np.ones(idx.size, dtype=bool)
        keep[1:] = r[1:] != r[:-1]
        x[idx[keep]] = 1.0
    return x


def capacitated_assignment(g: Gains, open_mask: np.ndarray, *, single: bool) -> np.ndarray:
    """Pair values x (CSR order of G) that respect the capacities with these columns open:
    the transportation LP solved by HiGHS through scipy (fractional), or best-gain-first whole
    assignments (``single``)."""
    assert g.cap is not None and g.cap_coef is not None
    G = g.G
    rows = g._rows
    cols = G.indices
    on = open_mask[cols]
    x = np.zeros(G.nnz)
    if not on.any():
        return x
    if single:
        left = np.asarray(g.cap, float).copy()
        done = np.zeros(g.n_rows, dtype=bool)
        for k in np.flatnonzero(on)[np.argsort(-G.data[on], kind="stable")]:
            r, j = rows[k], cols[k]
            if done[r] or g.cap_coef[k] > left[j] + 1e-9:
                continue
            x[k] = 1.0
            left[j] -= g.cap_coef[k]
            done[r] = True
        return x
    from scipy.optimize import linprog

    idx = np.flatnonzero(on)
    n = idx.size
    r, c = rows[idx], cols[idx]
    ur, rinv = np.unique(r, return_inverse=True)
    uc, cinv = np.unique(c, return_inverse=True)
    A1 = sp.csr_matrix((np.ones(n), (rinv, np.arange(n))), shape=(ur.size, n))
    A2 = sp.csr_matrix((g.cap_coef[idx], (cinv, np.arange(n))), shape=(uc.size, n))
    A = sp.vstack([A1, A2]).tocsr()
    b = np.concatenate([np.ones(ur.size), np.asarray(g.cap, float)[uc]])
    res = linprog(-G.data[idx], A_ub=A, b_ub=b, bounds=(0.0, 1.0), method="highs")
    if res.status == 0 and res.x is not None:
        x[idx] = np.clip(res.x, 0.0, 1.0)
    return x


# ---------------------------------------------------------------------------------- driver
#: Largest number of stored pairs for which the assignment MIP is built, per solver. CBC reads an
#: MPS file written line by line (3 lines per pair: at 1 M pairs writing it alone took 35 s on
#: a loaded machine) and neither solver improved on the heuristic start within 60 s at 100 k
#: pairs (benchmarks.location); larger models get the heuristic plan and the Lagrangian bound,
#: which then have the whole time limit.
MIP_MAX_PAIRS = {"cbc": 250_000, "highs": 500_000}
#: Share of the time limit the heuristics and the bound may use when no MIP follows.
NO_MIP_TIME_SHARE = 0.9
#: Seconds the MIP needs at least to be worth starting.
MIN_MIP_SECONDS = 5.0
#: Share of the time limit the heuristics and the Lagrangian bound may use before the MIP.
HEURISTIC_TIME_SHARE = 0.4
#: Seconds for the heuristics when no time limit is given.
HEURISTIC_SECONDS_DEFAULT = 10.0


@dataclass(frozen=True)
class Outcome:
    """What :func:`solve_gains` found: open free columns, pair values, F, its bound, status."""

    open_cols: np.ndarray
    x: np.ndarray
    value: float
    bound: float
    heuristic_value: float
    lagrangian: float
    status: str
    message: str
    seconds: float
    solver: str
    mip_built: bool


def solve_gains(g: Gains, p: int | None, budget: float | None, *, solver: str,
                time_limit: float | None, gap: float | None, threads: int | None = None,
                single_assignment: bool = False, warm_start: bool = True,
                use_mip: bool = True, base: float = 0.0, sign: int = 1) -> Outcome:
    """Heuristics, Lagrangian bound, then the MIP (when it fits) on a gains problem.

    The model objective is ``base + sign * F``; the requested ``gap`` applies to it.
    """

    def obj(f: float) -> float:
        return base + sign * f
    from siting.optimize.solvers import run_mip

    t0 = time.perf_counter()
    capacitated = g.cap is not None
    limit_pairs = MIP_MAX_PAIRS.get(solver, 250_000)
    mip_fits = use_mip and g.nnz <= limit_pairs
    share = HEURISTIC_TIME_SHARE if mip_fits else NO_MIP_TIME_SHARE
    h_secs = HEURISTIC_SECONDS_DEFAULT if time_limit is None else share * time_limit
    total = max(float(g.G.data.sum()), 1.0)
    tol = 1e-9 * total
    heur = np.zeros(0, dtype=np.int64)
    if warm_start and g.nnz:
        heur = lazy_greedy(g, p, budget)
        heur = interchange(g, heur, p, budget, max_seconds=0.6 * h_secs)
    mask = g.mask(heur)
    if capacitated:
        x_h = capacitated_assignment(g, mask, single=single_assignment)
    else:
        x_h = best_pairs(g, mask)
    heur_val = float(g.G.data @ x_h)
    g1, _, _ = g.best_two(mask)
    left = max(0.5, h_secs - (time.perf_counter() - t0))
    lag = lagrangian_bound(g, p, budget, heur_val, start_lambda=g1, max_seconds=left) \
        if g.nnz else 0.0
    best_open, best_x, best_val = heur, x_h, heur_val
    bound = max(lag, heur_val)
    status, message, name, built = "heuristic", "", "greedy+interchange", False
    closed = bound - heur_val <= tol or (gap is not None and rel(obj(heur_val), obj(bound)) <= gap)
    remaining = None if time_limit is None else time_limit - (time.perf_counter() - t0)
    if closed:
        status = "optimal"
        message = "the heuristic plan meets the Lagrangian bound: proved optimal"
    elif not use_mip:
        message = "heuristic plan (no MIP run); see gap"
    elif g.nnz > limit_pairs:
        status = "time_limit" if time_limit is not None else "heuristic"
        message = (f"the model has {g.nnz:,} pairs, more than the {limit_pairs:,} the {solver} MIP "
                   "is built for: the plan is the heuristic one (greedy + fast interchange), "
                   "the bound Lagrangian; see gap")
    elif remaining is not None and remaining < MIN_MIP_SECONDS:
        status = "time_limit"
        message = ("the heuristics used the time limit: the plan is the heuristic one, the bound "
                   "Lagrangian; see gap")
    else:
        built = True
        b = build_mip(g, p, budget, single_assignment=single_assignment, base=base, sign=sign)
        start = start_vector(b, g, heur, x_h) if warm_start else None
        if time_limit is not None:
            remaining = max(1.0, time_limit - (time.perf_counter() - t0))
        out = run_mip(b.mip, solver, time_limit=remaining, gap=gap, threads=threads, start=start)
        name = solver
        mip_f = None if out.objective is None else sign * (out.objective - base)
        mip_ub = None if out.bound is None else sign * (out.bound - base)
        if out.x is not None and mip_f is not None and mip_f > best_val + tol:
            best_open = np.flatnonzero((out.x[: b.n_y] > 0.5) & ~g.fixed)
            best_x = np.clip(out.x[b.n_y:], 0.0, 1.0)
            if not single_assignment and not capacitated:
                best_x = best_pairs(g, g.mask(best_open))
            best_val = float(g.G.data @ best_x)
        if mip_ub is not None:
            bound = min(bound, max(mip_ub, best_val))
        if out.status == "optimal":
            status = "optimal"
        elif bound - best_val <= tol:
            status = "optimal"
        elif out.x is None and time_limit is None:
            status = "heuristic"
            message = out.message or "the solver returned no plan: this is the heuristic plan, see gap"
        else:
            status = "time_limit"
            message = (out.message + "; " if out.message else "") + \
                "the time limit ended the search: the plan is the best found, see gap"
    if status == "optimal" and gap is None:
        bound = best_val  # proved optimal: nothing between plan and bound
    return Outcome(open_cols=np.sort(best_open), x=best_x, value=best_val, bound=bound,
                   heuristic_value=heur_val, lagrangian=lag, status=status, message=message,
                   seconds=time.perf_counter() - t0, solver=name, mip_built=built)


def rel(value: float, bound: float) -> float:
    den = max(abs(value), abs(bound))
    return 0.0 if den <= 1e-12 else abs(bound - value) / den
