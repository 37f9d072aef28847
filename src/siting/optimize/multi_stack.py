"""Several categories as one station-level covering model (private plumbing of
:func:`siting.optimize.solve_multi`).

When opening a station can bring every category allowed there at no extra cost — no category
has a per-site cost on new sites, or the model is maximal covering with p stations and no
budget, where category costs do not enter — opening *all* allowed categories at each built
station is never worse: more coverage never lowers a covering objective nor breaks a target.
The multi-category model is then a single-column-per-station covering model:

* rows: every (category c, demand row i) pair, weight ``v_c w_ci`` in cover mode (``w_ci``
  for targets);
* columns: the stations not yet built; station s covers row (c, i) when c is *allowed* at s
  and i is in reach of c's site s; its cost is the station cost ``F_s``;
* stations already built (an existing service of any category) open every allowed category
  for free: their rows are the existing coverage (the model's offset).

Co-location ``(a, b)`` ("a only where b is open") makes the allowed sets the greatest
fixpoint of ``allowed_a(s) = existing_a(s) or (candidate_a(s) and allowed_b(s))`` for every
rule (a, b) — chains a → b → c included: a station where b cannot open does not carry a's rows.
Any feasible plan of the joint model opens c at s only where c is allowed (by induction on the
fixpoint), so the station model loses nothing.

That model goes to the single-category engines (:mod:`siting.optimize.engine`,
:mod:`siting.optimize.engine_sc`): maximal covering with p → ``cover_engine``, under a budget →
``budget_engine``, every targeted category at its full reachable share → ``set_cover_engine``,
a single category with a share target → ``target_engine``. :func:`prune` then closes the
categories that cover nobody new at a station (and, for the joint MIP's start, whatever the
targets do not need).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.optimize.problem import CoverageProblem
from siting.optimize.reduce import Reduced, reduce_problem

logger = logging.getLogger(__name__)

_TOL = 1e-9


def allowed_categories(cats: Sequence[str], candidate: Mapping[str, np.ndarray],
                       existing: Mapping[str, np.ndarray],
                       colocate: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Where each category may be open: boolean masks over the stations.

    ``candidate[c]`` marks the stations where c may be opened new, ``existing[c]`` those where
    c already is. A rule ``(a, b)`` allows a new a only where b is existing or allowed itself;
    the greatest fixpoint of these rules (a chain a → b → c is followed to its end; a cycle
    a ↔ b allows both where both are candidates). Existing services are always allowed.
    """
    allowed = {c: np.asarray(candidate[c], bool) | np.asarray(existing[c], bool) for c in cats}
    changed = True
    while changed:
        changed = False
        for a, b in colocate:
            new = np.asarray(existing[a], bool) | (allowed[a] & allowed[b])
            if not np.array_equal(new, allowed[a]):
                allowed[a] = new
                changed = True
    return allowed


@dataclass
class Stacked:
    """The station-level model: the stacked problem, its reduction and each category's rows
    (a range of the stacked problem's demand rows)."""

    problem: CoverageProblem
    red: Reduced
    rows: dict[str, tuple[int, int]]


def stack_problem(problems: Mapping[str, CoverageProblem], row_cats: Sequence[str],
                  station_of: Mapping[str, np.ndarray], n_stations: int, built: np.ndarray,
                  F: np.ndarray, allowed: Mapping[str, np.ndarray],
                  scale: Mapping[str, float]) -> tuple[CoverageProblem, dict[str, tuple[int, int]]]:
    """Stack the rows of ``row_cats`` into one problem whose sites are the stations.

    ``station_of[c][k]`` is the station of site k of category c; an entry (i, k) of c's
    coverage is kept where c is allowed at its station. Row weights are ``scale[c] * w_ci``;
    built stations are the stacked problem's existing sites (cost 0), the others cost ``F``.
    Returns the problem and each category's range of rows.
    """
    mats = []
    weights = []
    rows: dict[str, tuple[int, int]] = {}
    base = 0
    for c in row_cats:
        P = problems[c]
        A = P.cover.tocoo()
        st = np.asarray(station_of[c], dtype=np.int64)[A.col]
        keep = np.asarray(allowed[c], bool)[st]
        mats.append(sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool),
                                   (A.row[keep], st[keep])), shape=(P.n_demand, n_stations)))
        weights.append(float(scale[c]) * P.weights)
        rows[c] = (base, base + P.n_demand)
        base += P.n_demand
    if mats:
        M = sp.vstack(mats, format="csr").astype(bool)
        w = np.concatenate(weights)
    else:
        M = sp.csr_matrix((0, n_stations), dtype=bool)
        w = np.zeros(0)
    M.sort_indices()
    prob = CoverageProblem(
        demand_ids=np.arange(M.shape[0]), weights=w, population=w, site_ids=np.arange(n_stations),
        costs=np.where(built, 0.0, F), cover=M, distance=np.zeros(M.nnz), within=0.0,
        existing=np.asarray(built, bool).copy())
    return prob, rows


def stack(prob: CoverageProblem, rows: dict[str, tuple[int, int]], *, reduce: bool,
          use_cost: bool, dominance: bool) -> Stacked:
    """The stacked problem reduced as one covering model (:func:`reduce_problem`: existing
    coverage out, identical rows merged across categories, dominated stations dropped)."""
    red = reduce_problem(prob, reduce=reduce, use_cost=use_cost, dominance=dominance)
    return Stacked(problem=prob, red=red, rows=rows)


def category_needs(prob: CoverageProblem, rows: Mapping[str, tuple[int, int]],
                   problems: Mapping[str, CoverageProblem],
                   targets: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """Per targeted category of a stacked problem: ``need`` (weight still to cover beyond the
    built stations), ``reach`` (the most any plan adds), ``min_w`` (smallest positive weight
    of a row left), all in the category's weight."""
    any_col = np.diff(prob.cover.indptr) > 0
    by_built = prob.covered_by([])
    out = {}
    for c, t in targets.items():
        a, b = rows[c]
        w = prob.weights[a:b]
        left = any_col[a:b] & ~by_built[a:b]
        total = problems[c].total_weight
        wl = w[left & (w > 0)]
        out[c] = {"need": t * total - float(w[by_built[a:b]].sum()) - _TOL * max(total, 1.0),
                  "reach": float(wl.sum()), "min_w": float(wl.min()) if wl.size else 0.0}
    return out


@dataclass
class StackResult:
    """Open stations (indices) and the engine's account, in the multi objective's units."""

    stations: np.ndarray
    bound: float | None
    optimal: bool
    ran: list[str]
    solver: str
    message: str
    details: dict[str, Any]


def run_stacked(st: Stacked, mode: str, *, p: int | None, budget: float | None,
                need: float | None, count_unit: float | None, solver: str,
                time_limit: float | None, gap: float | None, threads: int | None,
                cancel: Callable[[], bool] | None, progress: Callable[[dict], None] | None,
                t0: float) -> StackResult | None:
    """Run the engine of ``mode`` (``"cover"``, ``"budget"``, ``"set_cover"``, ``"target"``)
    on the stacked model. ``count_unit``: targets with equal station costs run as counts and
    the count is multiplied back by it. None when no plan meets the target."""
    red = st.red
    col_station = np.asarray(red.col_site, dtype=np.int64)
    free = ~np.asarray(red.fixed, bool)
    prog = progress
    if progress is not None and count_unit is not None:
        def prog(d: dict) -> None:
            progress({**d, "objective": d["objective"] * count_unit})
    if red.n_cols == 0 or not free.any():
        if mode in ("set_cover", "target") and need is not None and need > 0:
            return None
        b0 = red.offset if mode in ("cover", "budget") else 0.0
        return StackResult(np.zeros(0, np.int64), b0, True, [], "search", "", {})
    er: Any
    bound: float | None
    if mode in ("cover", "budget"):
        from siting.optimize.engine import budget_engine, cover_engine

        n_free = int(free.sum())
        if mode == "cover" and p is not None and p >= n_free:
            cols = np.flatnonzero(free)
            return StackResult(col_station[cols], red.offset + float(red.w.sum()), True, [],
                               "search", "", {"note": "p opens every useful station"})
        if mode == "cover":
            assert p is not None
            er = cover_engine(red, int(p), solver=solver, time_limit=time_limit, gap=gap,
                              threads=threads, cancel=cancel, progress=prog, t0=t0)
            ran = ["search", "lagrangian"]
        else:
            assert budget is not None
            er = budget_engine(red, None if p is None else int(min(p, n_free)), float(budget),
                               solver=solver, time_limit=time_limit, gap=gap, threads=threads,
                               cancel=cancel, progress=prog, t0=t0)
            ran = ["search", "submodular bound"]
        bound = None if er.bound is None else er.bound + red.offset
    else:
        count = count_unit is not None
        if mode == "set_cover":
            from siting.optimize.engine_sc import set_cover_engine

            er = set_cover_engine(red, count, solver=solver, time_limit=time_limit, gap=gap,
                                  threads=threads, cancel=cancel, progress=prog, t0=t0)
        else:
            from siting.optimize.engine import target_engine

            assert need is not None
            er = target_engine(red, need, count, solver=solver, time_limit=time_limit,
                               gap=gap, threads=threads, cancel=cancel, progress=prog, t0=t0)
        if er is None:
            return None
        if count_unit is not None:
            er = er.in_cost(count_unit)
        ran = ["search", "lagrangian"]
        bound = er.bound
    if er.solver != "search":
        ran.append(er.solver)
    cols = np.asarray(er.cols, dtype=np.int64)
    cols = cols[free[cols]]
    details = dict(er.details)
    return StackResult(col_station[cols], bound, bool(er.optimal), ran, er.solver, er.message,
                       details)


def open_columns(reds: Mapping[str, Reduced], cats: Sequence[str],
                 col_station: Mapping[str, np.ndarray], stations: np.ndarray, built: np.ndarray,
                 allowed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each category's model columns open when every allowed category is opened at the new
    ``stations`` and at the built ones."""
    on = np.asarray(built, bool).copy()
    on[np.asarray(stations, dtype=np.int64)] = True
    out = {}
    for c in cats:
        st = col_station[c]
        m = on[st] & np.asarray(allowed[c], bool)[st] & ~np.asarray(reds[c].fixed, bool)
        out[c] = np.flatnonzero(m)
    return out


def prune(reds: Mapping[str, Reduced], cats: Sequence[str], col_station: Mapping[str, np.ndarray],
          n_stations: int, built: np.ndarray, F: np.ndarray, colocate: Sequence[tuple[str, str]],
          open_cols: Mapping[str, np.ndarray], cw: Mapping[str, float],
          needs: Mapping[str, float] | None) -> dict[str, np.ndarray]:
    """Close what a plan does not need, never breaking a rule or lowering the objective.

    Targets mode (``needs``: model weight each category must still cover): whole new stations
    (dearest first), then single categories with a cost, while every target stays met. Both
    modes: a category that covers nobody no other open station covers (weight ``v_c w``) is
    closed. A category b is kept where a new a is open and a rule (a, b) needs it.
    """
    At = {c: reds[c].A.T.tocsr() for c in cats}
    is_open = {}
    cnt = {}
    covered = {}
    col_at = {}
    for c in cats:
        r = reds[c]
        m = np.asarray(r.fixed, bool).copy()
        m[np.asarray(open_cols[c], dtype=np.int64)] = True
        is_open[c] = m
        cnt[c] = np.asarray(r.A @ m.astype(np.int32)).reshape(-1)
        covered[c] = float(r.w[cnt[c] > 0].sum())
        ca = np.full(n_stations, -1, dtype=np.int64)
        ca[col_station[c]] = np.arange(r.n_cols)
        col_at[c] = ca
    deps: dict[str, list[str]] = {}
    for a, b in colocate:
        deps.setdefault(b, []).append(a)

    def rows(c: str, j: int) -> np.ndarray:
        return At[c].indices[At[c].indptr[j]:At[c].indptr[j + 1]]

    def loss(c: str, j: int) -> float:
        rr = rows(c, j)
        return float(reds[c].w[rr[cnt[c][rr] == 1]].sum())

    def needed_by_rule(c: str, j: int) -> bool:
        s = col_station[c][j]
        for a in deps.get(c, ()):
            ja = col_at[a][s]
            if ja >= 0 and is_open[a][ja] and not reds[a].fixed[ja]:
                return True
        return False

    def ok(c: str, lost: float) -> bool:
        if needs is None or c not in needs:
            return True
        return covered[c] - lost >= needs[c] - 1e-6 * max(1.0, abs(needs[c]))

    def close(c: str, j: int, lost: float) -> None:
        rr = rows(c, j)
        cnt[c][rr] -= 1
        covered[c] -= lost
        is_open[c][j] = False

    def free_cols(c: str) -> np.ndarray:
        return np.flatnonzero(is_open[c] & ~np.asarray(reds[c].fixed, bool))

    if needs is not None:
        # whole new stations, dearest first (their categories' costs included)
        per: dict[int, list[tuple[str, int]]] = {}
        for c in cats:
            for j in free_cols(c):
                per.setdefault(int(col_station[c][j]), []).append((c, int(j)))
        order = sorted(per, key=lambda s: -(F[s] * (not built[s])
                                            + sum(reds[c].cost[j] for c, j in per[s])))
        for s in order:
            members = per[s]
            losses = [(c, j, loss(c, j)) for c, j in members]
            if all(ok(c, lost) for c, _, lost in losses):
                for c, j, lost in losses:
                    close(c, j, lost)
    changed = True
    while changed:
        changed = False
        cand = [(c, int(j)) for c in cats for j in free_cols(c)]
        cand.sort(key=lambda cj: -float(reds[cj[0]].cost[cj[1]]))
        for c, j in cand:
            if not is_open[c][j] or needed_by_rule(c, j):
                continue
            lost = loss(c, j)
            tol = _TOL * max(1.0, reds[c].total)
            zero = lost <= tol or (needs is None and cw[c] <= 0)
            if zero or (needs is not None and reds[c].cost[j] > 0 and ok(c, lost)):
                close(c, j, lost)
                changed = True
    return {c: free_cols(c) for c in cats}
