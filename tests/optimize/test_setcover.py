"""Set covering reductions and Beasley's Lagrangian bound against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from test_optimize_helpers import brute_target, random_instance

from siting.optimize import CoverageProblem, solve_set_cover, solve_target
from siting.optimize.setcover import (
    fix_set_cover,
    lagrangian_set_cover,
    reduce_cover,
    set_cover_lower,
)


def random_cover(seed: int, m: int = 14, n: int = 11, *, unit: bool = False
                 ) -> tuple[sp.csr_matrix, np.ndarray]:
    """A random geometric set covering instance (every row has a column); costs 1–4."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.random((m, 2)), rng.random((n, 2))
    d = np.hypot(rows[:, None, 0] - cols[None, :, 0], rows[:, None, 1] - cols[None, :, 1])
    a = d <= 0.35 + 0.1 * rng.random()
    a[np.arange(m), d.argmin(axis=1)] = True
    cost = np.ones(n) if unit else rng.integers(1, 5, n).astype(float)
    return sp.csr_matrix(a), cost


def brute_cover(A: sp.spmatrix, cost: np.ndarray, closed=(), opened=()) -> float:
    """Least cost of a cover of every row by enumeration (inf when none)."""
    a = np.asarray(sp.csr_matrix(A).todense(), bool)
    n = a.shape[1]
    free = [j for j in range(n) if j not in set(closed) | set(opened)]
    best = math.inf
    for r in range(len(free) + 1):
        for s in itertools.combinations(free, r):
            sel = list(s) + list(opened)
            if a[:, sel].any(axis=1).all():
                best = min(best, float(cost[sel].sum()))
    return best


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("unit", [False, True])
def test_reductions_keep_the_optimum(seed, unit):
    A, cost = random_cover(seed, unit=unit)
    opt = brute_cover(A, cost)
    r = reduce_cover(A, cost)
    B = A[r.rows][:, r.cols]
    assert not set(r.forced) & set(r.cols)
    # the rows removed are covered by the forced columns or contain a kept row
    assert brute_cover(B, cost[r.cols]) + float(cost[r.forced].sum()) == opt
    # every cover of the reduced model plus the forced columns covers the original
    a = np.asarray(A.todense(), bool)
    b = np.asarray(B.todense(), bool)
    for k in range(min(len(r.cols), 8) + 1):
        for s in itertools.combinations(range(len(r.cols)), k):
            if b.shape[0] == 0 or b[:, list(s)].any(axis=1).all():
                sel = [int(r.cols[q]) for q in s] + [int(f) for f in r.forced]
                assert a[:, sel].any(axis=1).all()


def test_reductions_by_hand():
    # rows: r0 {0}, r1 {0,1}, r2 {1,2}, r3 {1,2,3}
    A = sp.csr_matrix(np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 1, 1, 1]], bool))
    r = reduce_cover(A, np.ones(4))
    # round 1: r0 forces column 0 (r0, r1 covered); r3 ⊇ r2 goes; columns 1 and 2 now both
    # cover r2 only: 2 (the higher index) and 3 (nothing left) are dominated;
    # round 2: r2 has column 1 alone, which is forced. Optimum: 2 stations.
    assert r.forced.tolist() == [0, 1]
    assert r.rows.size == 0 and r.cols.size == 0
    assert r.stats["essential"] == 2 and r.stats["rows_dominated"] == 1
    assert brute_cover(A, np.ones(4)) == 2


@pytest.mark.parametrize("seed", range(12))
def test_lagrangian_bound_is_below_the_optimum_and_fixing_keeps_it(seed):
    A, cost = random_cover(seed + 100, m=16, n=12)
    opt = brute_cover(A, cost)
    st = lagrangian_set_cover(A, cost, opt + 1.0, max_iter=400, heuristic=True)
    assert st.bound <= opt + 1e-9
    # Beasley's Lagrangian heuristic returns a cover, no cheaper than the optimum
    assert st.cover is not None
    a = np.asarray(A.todense(), bool)
    assert a[:, st.cover].any(axis=1).all()
    assert st.cover_cost == pytest.approx(float(cost[st.cover].sum()))
    assert st.cover_cost >= opt - 1e-9
    assert math.ceil(st.bound - 1e-6) <= opt
    assert set_cover_lower(A, cost, st.u) == pytest.approx(st.bound)
    # fixings against an incumbent one worse than the optimum keep every optimal plan
    for u in (st.u, np.zeros(A.shape[0]), np.ones(A.shape[0])):
        L, closed, opened = fix_set_cover(A, cost, u, opt + 1.0)
        assert L <= opt + 1e-9
        assert brute_cover(A, cost, np.flatnonzero(closed), np.flatnonzero(opened)) == opt
    cl = np.flatnonzero(st.fix_closed)
    op = np.flatnonzero(st.fix_open)
    assert brute_cover(A, cost, cl, op) == opt


def test_lagrangian_reaches_the_lp_bound():
    # the LP bound (HiGHS) is the Lagrangian dual's optimum; the subgradient gets close
    from scipy.optimize import linprog

    A, cost = random_cover(7, m=40, n=30)
    lp = linprog(cost, A_ub=-A.toarray().astype(float), b_ub=-np.ones(A.shape[0]),
                 bounds=(0, 1), method="highs")
    st = lagrangian_set_cover(A, cost, None, max_iter=3000)
    assert st.bound <= lp.fun + 1e-6
    assert st.bound >= 0.97 * lp.fun


@pytest.mark.parametrize("seed", range(6))
def test_set_cover_engine_matches_brute_force(seed):
    prob = random_instance(seed + 40, nd=26, ns=10, radius=0.4, n_existing=1)
    reach = prob.reachable_share()
    for minimize in ("count", "cost"):
        plan = solve_target(prob, reach, minimize=minimize, time_limit=20)
        want = brute_target(prob, reach, count=minimize == "count")
        assert "set_cover_reductions" in plan.details  # the set covering engine ran
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(want)
        assert plan.bound is not None and plan.bound <= want + 1e-9
        assert plan.share >= reach - 1e-9


def test_set_cover_engine_reduce_false_and_existing():
    prob = random_instance(3, nd=24, ns=9, radius=0.45, n_existing=2)
    reach = prob.reachable_share()
    a = solve_target(prob, reach, minimize="count", reduce=False, time_limit=20)
    b = solve_target(prob, reach, minimize="count", time_limit=20)
    assert a.objective == b.objective == brute_target(prob, reach, count=True)
    assert a.share >= reach - 1e-9 and b.share >= reach - 1e-9


def test_set_cover_engine_on_a_larger_instance_is_feasible_and_bounded():
    # 120 rows x 40 columns: the plan covers everything, the bound is below the LP optimum
    # of the full model rounded up, the status is honest
    from scipy.optimize import linprog

    rng = np.random.default_rng(5)
    pts, sites = rng.random((120, 2)), rng.random((40, 2))
    d = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
    i, j = np.nonzero(d <= 0.22)
    prob = CoverageProblem.from_pairs([f"d{k}" for k in range(120)], np.ones(120),
                                      [f"s{k}" for k in range(40)], np.ones(40),
                                      [f"d{k}" for k in i], [f"s{k}" for k in j],
                                      d[i, j] * 1000, 220.0)
    plan = solve_set_cover(prob, minimize="count", on_unreachable="max", time_limit=20)
    reach = prob.reachable_share()
    assert plan.share >= reach - 1e-9
    a = np.zeros((120, 40))
    a[i, j] = 1
    ok = a.sum(axis=1) > 0
    lp = linprog(np.ones(40), A_ub=-a[ok], b_ub=-np.ones(ok.sum()), bounds=(0, 1),
                 method="highs")
    mip = linprog(np.ones(40), A_ub=-a[ok], b_ub=-np.ones(ok.sum()), bounds=(0, 1),
                  method="highs", integrality=np.ones(40))
    assert plan.bound is not None and math.ceil(lp.fun - 1e-6) <= mip.fun
    assert plan.bound <= mip.fun + 1e-9
    assert plan.status == "optimal" and plan.objective == pytest.approx(mip.fun)


def brute_partial(A, w, need, cost) -> float:
    a = np.asarray(sp.csr_matrix(A).todense(), bool)
    n = a.shape[1]
    best = math.inf
    for r in range(n + 1):
        for s in itertools.combinations(range(n), r):
            if float(w[a[:, list(s)].any(axis=1)].sum()) >= need - 1e-9:
                best = min(best, float(cost[list(s)].sum()))
    return best


@pytest.mark.parametrize("seed", range(10))
def test_partial_cover_bound_and_fixing_against_brute_force(seed):
    from scipy.optimize import linprog

    from siting.optimize.partial import lagrangian_partial_cover, partial_cover_lower

    A, cost = random_cover(seed + 300, m=15, n=11, unit=seed % 2 == 0)
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 30, A.shape[0]).astype(float)
    need = float(rng.uniform(0.5, 0.95) * w.sum())
    opt = brute_partial(A, w, need, cost)
    st = lagrangian_partial_cover(A, w, need, cost, opt + 1.0, max_iter=1500)
    assert st.bound <= opt + 1e-9
    assert partial_cover_lower(A, w, need, cost, st.u) == pytest.approx(st.bound)
    # the LP bound (HiGHS) is the dual optimum: the bound never exceeds it
    m, n = A.shape
    a = A.toarray().astype(float)
    A_ub = np.vstack([np.hstack([np.eye(m), -a]),
                      np.concatenate([-w, np.zeros(n)])[None, :]])
    b_ub = np.concatenate([np.zeros(m), [-need]])
    lp = linprog(np.concatenate([np.zeros(m), cost]), A_ub=A_ub, b_ub=b_ub, bounds=(0, 1),
                 method="highs")
    assert st.bound <= lp.fun + 1e-6
    # with an incumbent one worse than the optimum every fixing keeps the optimum
    closed, opened = np.flatnonzero(st.fix_closed), np.flatnonzero(st.fix_open)
    a_b = A.toarray().astype(bool)
    best = math.inf
    free = [j for j in range(n) if j not in set(closed) | set(opened)]
    for r in range(len(free) + 1):
        for s in itertools.combinations(free, r):
            sel = list(s) + list(opened)
            if float(w[a_b[:, sel].any(axis=1)].sum()) >= need - 1e-9:
                best = min(best, float(cost[sel].sum()))
    assert best == opt


def test_partial_cover_lower_by_hand():
    from siting.optimize.partial import partial_cover_lower

    # two rows (weights 1, 3), two columns each covering one row at cost 1; need 3:
    # lam = (0.5, 2): r = (0.5, 2), sum min(0, c - r) = -1; knapsack by lam/w = (0.5, 0.667):
    # row 0 whole (0.5), then 2/3 of row 1 (2 * 2/3) -> L = -1 + 0.5 + 4/3 = 0.8333
    A = sp.csr_matrix(np.eye(2, dtype=bool))
    L = partial_cover_lower(A, np.array([1.0, 3.0]), 3.0, np.ones(2), np.array([0.5, 2.0]))
    assert L == pytest.approx(-1 + 0.5 + 4 / 3)


@pytest.mark.parametrize("seed", range(4))
def test_benders_max_cover_against_brute_force_and_the_lp(seed):
    from scipy.optimize import linprog
    from test_optimize_helpers import brute_max_cover

    from siting.optimize.benders import benders_max_cover
    from siting.optimize.heuristics import covered_weight
    from siting.optimize.reduce import reduce_problem

    prob = random_instance(seed + 70, nd=30, ns=10, radius=0.3, n_existing=0)
    red = reduce_problem(prob, use_cost=False)
    p = 3
    opt = brute_max_cover(prob, p)
    r = benders_max_cover(red, p, time_limit=20, lp_share=0.5)
    assert r.value + red.offset == pytest.approx(float(covered_weight(red, r.cols)) + red.offset)
    assert r.value + red.offset <= opt + 1e-9
    assert r.bound + red.offset >= opt - 1e-9  # an upper bound: above the optimum
    assert r.value + red.offset == pytest.approx(opt)  # small: the master MIP proves it
    # the LP bound of phase 1 is the LP relaxation of the full model (HiGHS via scipy)
    m, n = red.A.shape
    a = red.A.toarray().astype(float)
    lp = linprog(np.concatenate([np.zeros(n), -red.w]),
                 A_ub=np.vstack([np.hstack([-a, np.eye(m)]),
                                 np.concatenate([np.ones(n), np.zeros(m)])[None, :]]),
                 b_ub=np.concatenate([np.zeros(m), [p]]), bounds=(0, 1), method="highs")
    assert r.lp_bound is not None and r.lp_bound == pytest.approx(-lp.fun, rel=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_equal_costs_run_the_count_engines_and_scale_back(seed):
    """Every candidate costs 2.5: minimising cost is minimising the count (the count engines
    run), objective and bound are 2.5 × the brute-force count."""
    import dataclasses

    base = random_instance(seed + 60, nd=26, ns=10, radius=0.4, n_existing=1)
    prob = dataclasses.replace(base, costs=np.full(base.costs.size, 2.5))
    reach = prob.reachable_share()
    for target in (reach, 0.7 * reach):
        plan = solve_target(prob, target, minimize="cost", time_limit=20)
        want = brute_target(prob, target, count=True)
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(2.5 * want)
        assert plan.bound is not None and plan.bound <= plan.objective + 1e-9
        assert plan.bound == pytest.approx(2.5 * want)
        assert plan.share >= target - 1e-9
        assert plan.cost == pytest.approx(2.5 * want)
        if target == reach:
            assert plan.details["search"] == "row_weighting"
