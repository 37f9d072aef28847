"""The capacitated engine (Pirkul & Schilling's capacitated MCLP and its target form): the
flow evaluator against HiGHS on the LP of the fixed open set and against networkx max flow,
the engine's plans against brute force, its bounds against the brute-force optimum."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from test_optimize_helpers import brute_capacitated, candidate_subsets, random_instance
from test_optimize_helpers import capacitated_value as lp_value

from siting.optimize import covering, solve_max_cover, solve_target
from siting.optimize.capflow import CapFlow
from siting.optimize.engine_cap import capacity_bound
from siting.optimize.reduce import reduce_problem


def _mask(red, sites):
    m = red.fixed.astype(np.uint8)
    for s in sites:
        m[np.flatnonzero(red.col_site == s)] = 1
    return m


def _model_lp(red, m) -> float:
    """The capacitated model's LP with the y fixed to ``m`` (HiGHS, sparse)."""
    A = red.A.tocsr()
    row = np.repeat(np.arange(red.n_rows), np.diff(A.indptr))
    col = A.indices
    k = np.arange(A.nnz)
    ub_pair = m[col].astype(float)  # a_ij <= y_j
    R = sp.csr_matrix((np.ones(A.nnz), (row, k)), shape=(red.n_rows, A.nnz))
    H = sp.csr_matrix((red.h[row], (col, k)), shape=(red.n_cols, A.nnz))
    res = linprog(-red.w[row], A_ub=sp.vstack([R, H]).tocsr(),
                  b_ub=np.concatenate([np.ones(red.n_rows), red.cap * m]),
                  bounds=np.column_stack([np.zeros(A.nnz), ub_pair]), method="highs")
    assert res.status == 0
    return float(-res.fun)


@pytest.mark.parametrize("seed", range(6))
def test_flow_value_equals_the_lp_of_the_open_set(seed):
    prob = random_instance(seed, nd=40, ns=10)
    red = reduce_problem(prob, capacitated=True)
    fl = CapFlow(red)
    for s in list(candidate_subsets(prob, 5))[::5]:
        m = _mask(red, s)
        v = fl.value(m)
        assert v == pytest.approx(_model_lp(red, m), rel=1e-9, abs=1e-7)
        cand = [j for j in red.col_site[m.astype(bool)] if not prob.existing[j]]
        assert v == pytest.approx(lp_value(prob, cand), rel=1e-9, abs=1e-7)
        # the assignment it reports is feasible and worth its value
        frac = fl.fractions(m)
        A = red.A.tocsr()
        row = np.repeat(np.arange(red.n_rows), np.diff(A.indptr))
        assert np.all(frac[~m[A.indices].astype(bool)] == 0)
        assert np.all(np.bincount(row, frac, red.n_rows) <= 1 + 1e-9)
        load = np.bincount(A.indices, red.h[row] * frac, red.n_cols)
        assert np.all(load <= red.cap + 1e-6)
        assert float((red.w[row] * frac).sum()) == pytest.approx(v, rel=1e-9, abs=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_flow_value_equals_networkx_max_flow_when_weight_is_households(seed):
    prob = random_instance(seed, nd=50, ns=12)
    prob = dataclasses.replace(prob, weights=prob.households * 3.0)
    red = reduce_problem(prob, capacitated=True)
    fl = CapFlow(red)
    A = red.A.tocoo()
    for s in list(candidate_subsets(prob, 4))[::9]:
        m = _mask(red, s)
        g = nx.DiGraph()
        for i in range(red.n_rows):
            g.add_edge("src", ("d", i), capacity=float(red.h[i]))
        for i, j in zip(A.row, A.col):
            if m[j]:
                g.add_edge(("d", int(i)), ("s", int(j)))  # no capacity: unbounded
        for j in np.flatnonzero(m):
            g.add_edge(("s", int(j)), "sink", capacity=float(red.cap[j]))
        flow = nx.maximum_flow_value(g, "src", "sink") if "sink" in g else 0.0
        assert fl.value(m) == pytest.approx(3.0 * flow, rel=1e-9, abs=1e-7)


def test_rows_without_households_count_whole_when_reached():
    prob = random_instance(2, nd=30, ns=8)
    hh = prob.households.copy()
    hh[::4] = 0.0
    prob = dataclasses.replace(prob, households=hh)
    red = reduce_problem(prob, capacitated=True)
    fl = CapFlow(red)
    for s in list(candidate_subsets(prob, 3))[::6]:
        m = _mask(red, s)
        cand = [j for j in red.col_site[m.astype(bool)] if not prob.existing[j]]
        assert fl.value(m) == pytest.approx(lp_value(prob, cand), rel=1e-9, abs=1e-7)


@pytest.mark.parametrize("seed", range(5))
def test_engine_max_cover_equals_brute_force_and_bounds_it(seed):
    prob = random_instance(seed, nd=40, ns=10)
    red = reduce_problem(prob, capacitated=True)
    v = CapFlow(red).site_bounds()
    for p in (1, 2, 3):
        best = brute_capacitated(prob, p)
        assert capacity_bound(red, v, p) >= best - 1e-6
        plan = solve_max_cover(prob, p, capacitated=True, solver="highs")
        assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-7)
        assert plan.bound >= best - 1e-6
        assert plan.status == "optimal" and plan.details["ran"][0] == "search"
        assert plan.n_new <= p
        # the plan's table recounts to its objective
        asg = plan.assignment[plan.assignment.covered]
        w = dict(zip(prob.demand_ids, prob.weights))
        assert float((asg.demand_id.map(w) * asg.fraction).sum()) == pytest.approx(
            plan.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_engine_under_a_limit_keeps_a_valid_bound(seed):
    prob = random_instance(seed, nd=60, ns=14)
    plan = solve_max_cover(prob, 3, capacitated=True, solver="highs", time_limit=3)
    best = brute_capacitated(prob, 3)
    assert plan.objective <= best + 1e-6 and plan.bound >= best - 1e-6
    assert plan.objective == pytest.approx(best, rel=1e-9)


def _brute_target(prob, target, count):
    need = target * prob.total_weight - 1e-9
    best = None
    for s in candidate_subsets(prob):
        c = float(len(s)) if count else float(prob.costs[list(s)].sum())
        if (best is None or c < best) and lp_value(prob, s) >= need:
            best = c
    return best


@pytest.mark.parametrize("seed", [0, 1, 3])
@pytest.mark.parametrize("minimize", ["count", "cost"])
def test_engine_target_equals_brute_force(seed, minimize):
    prob = random_instance(seed, nd=30, ns=9)
    for target in (0.3, 0.5):
        best = _brute_target(prob, target, minimize == "count")
        plan = solve_target(prob, target, minimize=minimize, capacitated=True, solver="highs")
        if best is None:
            assert plan.status == "infeasible"
            continue
        assert plan.objective == pytest.approx(best)
        assert plan.bound <= best + 1e-9 and plan.share >= target - 1e-9
        assert plan.status == "optimal"


def test_the_old_path_stays_available(monkeypatch):
    prob = random_instance(1, nd=40, ns=10)
    monkeypatch.setattr(covering, "CAPACITATED_ENGINE", False)
    plan = solve_max_cover(prob, 2, capacitated=True, solver="highs")
    assert "ran" not in plan.details  # greedy + MIP, as before
    assert plan.objective == pytest.approx(brute_capacitated(prob, 2), rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_lagrangian_bounds_and_fixes_soundly(seed):
    from siting.optimize.capbound import CapBound

    prob = random_instance(seed, nd=40, ns=10)
    red = reduce_problem(prob, capacitated=True)
    for p in (1, 2, 3):
        values = {s: lp_value(prob, s) for s in candidate_subsets(prob, p)}
        best = max(values.values())
        cb = CapBound(red, p)
        assert cb.improve(best, max_seconds=None, max_iter=2000) >= best - 1e-6
        closed = cb.fix_closed(best - 1e-6)  # sites no optimal plan can open
        assert cb.bound >= best - 1e-6
        closed_sites = set(red.col_site[closed].tolist())
        for s, v in values.items():
            if v >= best - 1e-6:
                assert not closed_sites & set(s), (p, s)
