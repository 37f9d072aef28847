"""p-median, p-center and attendance against brute-force enumeration and published optima.

Every brute force below builds the dense demand × site distance matrix of a tiny instance (the
models never do) and enumerates every set of candidates allowed by p / the budget; the
capacitated ones solve the assignment of each set with scipy's own LP / MILP (HiGHS through
scipy, not siting's model). OR-Library pmed1–pmed5 (Beasley 1985) are solved to their
published p-median and p-center optima.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from test_optimize_helpers import random_instance

from _util import DATA, ROOT
from siting.decay import make_decay
from siting.errors import InputError
from siting.optimize import mip as mip_mod
from siting.optimize import (
    solve_attendance,
    solve_p_center,
    solve_p_median,
    solve_set_cover,
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.orlib import PCENTER_OPT, PMEDIAN_OPT, problem_from_pmed

SEEDS = [0, 1, 2]


# ----------------------------------------------------------------------------------- brute
def dense(prob) -> np.ndarray:
    D = np.full((prob.n_demand, prob.n_sites), np.inf)
    A = prob.cover.tocoo()
    D[A.row, A.col] = prob.distance
    return D


def subsets(prob, p=None, budget=None):
    cand = np.flatnonzero(~prob.existing)
    top = len(cand) if p is None else p
    for r in range(top + 1):
        for s in itertools.combinations(cand.tolist(), r):
            if budget is not None and prob.costs[list(s)].sum() > budget + 1e-9:
                continue
            yield list(s)


def open_mask(prob, s) -> np.ndarray:
    m = prob.existing.copy()
    m[s] = True
    return m


def brute_median(prob, p=None, budget=None, penalty=None) -> float:
    P = prob.within if penalty is None else penalty
    D = dense(prob)
    best = np.inf
    for s in subsets(prob, p, budget):
        m = open_mask(prob, s)
        near = D[:, m].min(axis=1) if m.any() else np.full(prob.n_demand, np.inf)
        best = min(best, float((prob.weights * np.minimum(near, P)).sum()))
    return best


def brute_attendance(prob, f, p=None, budget=None) -> float:
    D = dense(prob)
    F = np.where(np.isfinite(D), f(np.where(np.isfinite(D), D, 0.0)), 0.0)
    best = -1.0
    for s in subsets(prob, p, budget):
        m = open_mask(prob, s)
        att = F[:, m].max(axis=1) if m.any() else np.zeros(prob.n_demand)
        best = max(best, float((prob.weights * att).sum()))
    return best


def assignment_value(prob, s, gain, coef, single) -> float:
    """Best sum gain * x over pairs to open sites with sum_j x <= 1 and sum_i coef x <= Q."""
    m = open_mask(prob, s)
    D = dense(prob)
    ii, jj = np.nonzero(np.isfinite(D) & m[None, :])
    if ii.size == 0:
        return 0.0
    n = ii.size
    A = np.zeros((prob.n_demand + prob.n_sites, n))
    A[ii, np.arange(n)] = 1.0
    A[prob.n_demand + jj, np.arange(n)] = coef[ii, jj]
    b = np.concatenate([np.ones(prob.n_demand), prob.capacity])
    c = -gain[ii, jj]
    if single:
        r = milp(c, constraints=LinearConstraint(A, -np.inf, b), integrality=np.ones(n),
                 bounds=Bounds(0, 1))
    else:
        r = linprog(c, A_ub=A, b_ub=b, bounds=(0, 1), method="highs")
    return float(-r.fun)


def brute_center(prob, p=None, budget=None) -> float:
    D = dense(prob)
    act = (prob.weights > 0) & np.isfinite(D).any(axis=1)
    best = np.inf
    for s in subsets(prob, p, budget):
        m = open_mask(prob, s)
        if m.any():
            best = min(best, float(D[act][:, m].min(axis=1).max()))
    return best


def recount_median(prob, plan, penalty=None) -> float:
    """Objective of an uncapacitated plan recounted from its open sites, densely."""
    P = prob.within if penalty is None else penalty
    idx = [int(np.flatnonzero(prob.site_ids == s)[0]) for s in plan.selected_sites]
    m = open_mask(prob, idx)
    near = dense(prob)[:, m].min(axis=1) if m.any() else np.full(prob.n_demand, np.inf)
    return float((prob.weights * np.minimum(near, P)).sum())


# ----------------------------------------------------------------------------------- p-median
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("warm", [True, False])
def test_p_median_equals_brute_force(seed, warm):
    prob = random_instance(seed, n_existing=2)
    for p in (1, 2, 3):
        plan = solve_p_median(prob, p, warm_start=warm)
        best = brute_median(prob, p)
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(best, rel=1e-9)
        assert plan.bound == pytest.approx(best, rel=1e-9)
        assert len(plan.selected_sites) <= p
        assert recount_median(prob, plan) == pytest.approx(plan.objective, rel=1e-9)
        # existing stations are listed, never selected
        assert set(plan.existing_sites) == set(prob.site_ids[prob.existing])
        assert not set(plan.selected_sites) & set(plan.existing_sites)


@pytest.mark.parametrize("seed", SEEDS)
def test_p_median_budget_and_penalty_equal_brute_force(seed):
    prob = random_instance(seed)
    plan = solve_p_median(prob, budget=6.0, warm_start=False)
    assert plan.objective == pytest.approx(brute_median(prob, budget=6.0), rel=1e-9)
    assert plan.cost <= 6.0 + 1e-9
    both = solve_p_median(prob, 2, budget=5.0)
    assert both.objective == pytest.approx(brute_median(prob, 2, 5.0), rel=1e-9)
    far = 3 * prob.within
    pen = solve_p_median(prob, 2, penalty=far, warm_start=False)
    assert pen.objective == pytest.approx(brute_median(prob, 2, penalty=far), rel=1e-9)
    assert pen.details["penalty"] == far
    # the message states who is counted at the penalty and at what distance
    if pen.details["unassigned_weight"] > 0:
        assert f"{far:g}" in pen.message and "penalty" in pen.message


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("single", [False, True])
def test_capacitated_p_median_equals_brute_force(seed, single):
    prob = random_instance(seed, nd=14, ns=6)
    D = dense(prob)
    P = prob.within
    gain = np.where(np.isfinite(D), prob.weights[:, None] * (P - D), 0.0)
    coef = np.broadcast_to(prob.households[:, None], D.shape)
    base = float((prob.weights * P).sum())
    for p, budget in ((2, None), (None, 5.0)):
        best = max(assignment_value(prob, s, gain, coef, single) for s in subsets(prob, p, budget))
        for warm in (True, False):
            plan = solve_p_median(prob, p, budget=budget, capacitated=True,
                                  single_assignment=single, warm_start=warm)
            assert plan.model == "capacitated_p_median"
            assert plan.status == "optimal"
            assert plan.objective == pytest.approx(base - best, rel=1e-7)
            # the assignment respects every capacity
            a = plan.assignment[plan.assignment["covered"]]
            hh = dict(zip(prob.demand_ids, prob.households))
            load = a.assign(h=a["demand_id"].map(hh) * a["fraction"]).groupby("site_id")["h"].sum()
            cap = dict(zip(prob.site_ids, prob.capacity))
            assert all(load[s] <= cap[s] + 1e-6 for s in load.index)
            if single:
                assert set(np.round(a["fraction"], 9)) <= {1.0}


def test_p_median_needs_a_goal_and_a_sane_penalty():
    prob = random_instance(0)
    with pytest.raises(InputError, match="give p"):
        solve_p_median(prob)
    with pytest.raises(InputError, match="penalty"):
        solve_p_median(prob, 1, penalty=prob.within / 2)
    with pytest.raises(InputError, match="larger than"):
        solve_p_median(prob, 99)


def test_p_median_heuristic_bound_is_valid_and_plan_is_a_local_optimum():
    prob, p = problem_from_pmed(DATA / "orlib" / "pmed2.txt")
    plan = solve_p_median(prob, p, use_mip=False)
    assert plan.bound <= PMEDIAN_OPT[2] + 1e-9 <= plan.objective + 1e-9
    assert plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective)
    # no single swap (close one, open one) improves the heuristic plan: checked densely
    D = dense(prob)
    idx = [int(np.flatnonzero(prob.site_ids == s)[0]) for s in plan.selected_sites]
    cur = D[:, idx].min(axis=1).sum()
    others = [j for j in range(prob.n_sites) if j not in idx]
    for k in range(len(idx)):
        rest = idx[:k] + idx[k + 1:]
        base = D[:, rest].min(axis=1)
        best_swap = min(np.minimum(base, D[:, j]).sum() for j in others)
        assert best_swap >= cur - 1e-9


# ----------------------------------------------------------------------------------- attendance
DECAYS = [
    ("linear", {}),
    ("exponential", {"half_distance": 150.0}),
    ("gaussian", {"sigma": 120.0}),
    ("power", {"beta": 1.5, "d0": 50.0}),
]


@pytest.mark.parametrize("kind,params", DECAYS)
@pytest.mark.parametrize("seed", SEEDS)
def test_attendance_equals_brute_force(kind, params, seed):
    prob = random_instance(seed, n_existing=2)
    f = make_decay(kind, prob.within, **params)
    for p, budget in ((1, None), (3, None), (None, 6.0), (2, 5.0)):
        best = brute_attendance(prob, f, p, budget)
        plan = solve_attendance(prob, p, budget=budget, decay=f, warm_start=seed % 2 == 0)
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(best, rel=1e-9)
        assert plan.bound == pytest.approx(best, rel=1e-9)
        assert plan.details["decay"]["kind"] == kind
        assert plan.details["decay"]["formula"].startswith(kind)


@pytest.mark.parametrize("seed", SEEDS)
def test_capacitated_attendance_equals_brute_force(seed):
    prob = random_instance(seed, nd=14, ns=6)
    f = make_decay("exponential", prob.within, half_distance=200.0)
    D = dense(prob)
    F = np.where(np.isfinite(D), f(np.where(np.isfinite(D), D, 0.0)), 0.0)
    gain = prob.weights[:, None] * F
    coef = prob.households[:, None] * F
    for p, budget in ((2, None), (None, 5.0)):
        best = max(assignment_value(prob, s, gain, coef, False) for s in subsets(prob, p, budget))
        plan = solve_attendance(prob, p, budget=budget, decay=f, capacitated=True)
        assert plan.model == "capacitated_attendance"
        assert plan.objective == pytest.approx(best, rel=1e-7)


def test_attendance_with_binary_decay_is_max_cover():
    from siting.optimize import solve_max_cover

    prob = random_instance(1)
    for p in (1, 2, 3):
        att = solve_attendance(prob, p, decay="binary")
        mc = solve_max_cover(prob, p)
        assert att.objective == pytest.approx(mc.objective)


def test_attendance_refuses_a_cutoff_beyond_the_pairs():
    prob = random_instance(0)
    with pytest.raises(InputError, match="cutoff"):
        solve_attendance(prob, 1, decay=make_decay("linear", prob.within * 2))


# ----------------------------------------------------------------------------------- p-center
@pytest.mark.parametrize("seed", SEEDS + [3, 4])
def test_p_center_equals_brute_force(seed):
    prob = random_instance(seed, radius=0.7, n_existing=seed % 2)
    for p, budget in ((1, None), (2, None), (3, None), (None, 6.0), (2, 5.0)):
        best = brute_center(prob, p, budget)
        plan = solve_p_center(prob, p, budget=budget)
        if not np.isfinite(best):
            assert plan.status == "infeasible" and plan.objective is None
            continue
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(best)
        assert plan.bound == pytest.approx(best)
        # the longest walk of the plan, recounted densely
        idx = [int(np.flatnonzero(prob.site_ids == s)[0]) for s in plan.selected_sites]
        m = open_mask(prob, idx)
        D = dense(prob)
        act = (prob.weights > 0) & np.isfinite(D).any(axis=1)
        assert D[act][:, m].min(axis=1).max() == pytest.approx(plan.objective)


def test_p_center_reports_who_no_site_reaches():
    prob = random_instance(0)  # radius 320 m: some residents have no site in reach
    D = dense(prob)
    unreached = float(prob.weights[~np.isfinite(D).any(axis=1)].sum())
    assert unreached > 0
    plan = solve_p_center(prob, 3)
    assert plan.details["unreached_weight"] == pytest.approx(unreached)
    assert "left out" in plan.message


def test_p_center_dual_is_the_set_cover():
    # "fewest stations so that nobody walks more than D": the set cover at within = D equals
    # the smallest p whose p-center radius is at most D
    prob = random_instance(2, radius=0.7, n_existing=0)
    radii = {p: solve_p_center(prob, p).objective for p in (1, 2, 3, 4)}
    D = radii[3]
    sc = solve_set_cover(prob.__class__.from_pairs(
        prob.demand_ids, prob.weights, prob.site_ids, np.ones(prob.n_sites),
        *_pairs(prob), D + 1e-6), minimize="count")
    smallest = min(p for p, r in radii.items() if r is not None and r <= D + 1e-6)
    assert sc.objective == smallest


def _pairs(prob):
    A = prob.cover.tocoo()
    return prob.demand_ids[A.row], prob.site_ids[A.col], prob.distance


# ----------------------------------------------------------------------------------- OR-Library
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_orlib_published_optima(k):
    prob, p = problem_from_pmed(DATA / "orlib" / f"pmed{k}.txt")
    assert prob.n_demand == 100
    med = solve_p_median(prob, p)
    assert med.status == "optimal" and med.objective == pytest.approx(PMEDIAN_OPT[k])
    cen = solve_p_center(prob, p)
    assert cen.status == "optimal" and cen.objective == pytest.approx(PCENTER_OPT[k])


# ----------------------------------------------------------------------------------- time limits
def _fake_cbc(tmp_path, body: str) -> str:
    path = tmp_path / "fake_cbc"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_p_median_time_limit_is_honest(tmp_path, monkeypatch):
    # a CBC that ignores its limit: the watchdog ends it and the plan says time_limit, with a
    # bound below the objective and their gap (here the start is empty: warm_start=False)
    monkeypatch.setattr(mip_mod, "cbc_path", lambda: _fake_cbc(tmp_path, "trap '' INT\nsleep 600"))
    prob = random_instance(1)
    plan = solve_p_median(prob, 2, warm_start=False, time_limit=2.0)
    assert plan.status == "time_limit"
    assert plan.bound < plan.objective
    assert plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective)
    assert plan.bound <= brute_median(prob, 2) + 1e-9
    assert "time limit" in plan.message or "watchdog" in plan.message


def test_p_center_time_limit_is_honest(tmp_path, monkeypatch):
    monkeypatch.setattr(mip_mod, "cbc_path", lambda: _fake_cbc(tmp_path, "trap '' INT\nsleep 600"))
    prob, p = problem_from_pmed(DATA / "orlib" / "pmed1.txt")
    plan = solve_p_center(prob, p, time_limit=2.0)
    assert plan.status == "time_limit"
    assert plan.bound <= PCENTER_OPT[1] <= plan.objective
    assert plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective)
