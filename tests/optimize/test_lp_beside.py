"""The LP relaxation solved beside the search when a model is too large for the MIP: its bound
lies between the optimum and the LP of the whole model (both computed independently with
scipy's HiGHS)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog, milp
from test_optimize_search import _sjc324

from siting.optimize import engine, engine_sc, solve_max_cover, solve_set_cover


@pytest.fixture
def no_mip(monkeypatch):
    """Every model counts as too large for the MIP; the LP runs with a short limit."""
    monkeypatch.setattr(engine, "MIP_MAX_NNZ", 0)
    monkeypatch.setattr(engine, "LP_MIN_LEFT", 0.5)
    monkeypatch.setattr(engine_sc, "MIP_MAX_NNZ", 0)
    monkeypatch.setattr(engine_sc, "LP_MIN_LEFT", 0.5)


def _max_cover_lp(prob, p: int) -> float:
    """LP of maximal covering on the whole problem: max w·x, x_i <= sum_j a_ij y_j,
    sum y <= p, 0 <= x, y <= 1."""
    A = prob.cover.astype(float)
    m, n = A.shape
    c = np.concatenate([np.zeros(n), -prob.weights])
    Aub = sp.vstack([sp.hstack([-A, sp.identity(m)]),
                     sp.hstack([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix((1, m))])])
    r = linprog(c, A_ub=Aub, b_ub=np.concatenate([np.zeros(m), [p]]), bounds=(0, 1),
                method="highs")
    assert r.status == 0
    return -r.fun


def test_max_cover_lp_bound_between_optimum_and_lp(no_mip):
    prob = _sjc324()
    solve_max_cover(_sjc324(), 10)  # compiles the kernels (a fresh install does it in the first call)
    plan = solve_max_cover(prob, 20, time_limit=4)
    d = plan.details
    assert d["lp_status"] == "optimal", d
    lp_full = _max_cover_lp(prob, 20)
    assert 11_357 <= d["lp_bound"] <= math.floor(lp_full + 1e-6) + 1
    assert 11_357 <= plan.bound <= d["lagrangian_bound"] + 1e-6
    assert plan.objective <= plan.bound


def test_set_cover_lp_bound_between_lp_and_optimum(no_mip):
    prob = _sjc324(180.0)
    A = prob.cover.astype(float)
    m, n = A.shape
    lp = linprog(np.ones(n), A_ub=-A, b_ub=-np.ones(m), bounds=(0, 1), method="highs")
    opt = milp(np.ones(n), constraints=[(A, np.ones(m), np.inf)], integrality=np.ones(n),
               bounds=(0, 1))
    assert lp.status == 0 and opt.status == 0
    # compile the kernels first (a fresh install compiles them inside the first call)
    assert solve_set_cover(prob, minimize="count").objective == round(opt.fun)
    plan = solve_set_cover(prob, minimize="count", time_limit=4)
    d = plan.details
    if "lp_status" not in d:
        pytest.fail(f"the LP did not run: {d}")
    assert d["lp_status"] == "optimal", d
    assert math.ceil(lp.fun - 1e-6) <= d["lp_bound"] <= round(opt.fun)
    assert plan.bound <= round(opt.fun) <= plan.objective


def test_lp_bound_of_equal_costs_is_in_cost_units(no_mip):
    """Every candidate at 2.5: the count engines run, and the LP bound in ``details`` is
    scaled back to cost like the plan's bound."""
    import dataclasses

    base = _sjc324(180.0)
    prob = dataclasses.replace(base, costs=np.full(base.costs.size, 2.5))
    A = prob.cover.astype(float)
    m, n = A.shape
    lp = linprog(np.ones(n), A_ub=-A, b_ub=-np.ones(m), bounds=(0, 1), method="highs")
    solve_set_cover(prob, minimize="cost")  # compiles the kernels
    plan = solve_set_cover(prob, minimize="cost", time_limit=4)
    d = plan.details
    assert d["lp_status"] == "optimal", d
    assert 2.5 * math.ceil(lp.fun - 1e-6) <= d["lp_bound"] <= plan.objective
    assert plan.bound <= plan.objective
