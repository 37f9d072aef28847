"""Two local searches on two cores (:mod:`siting.optimize.search_pair`): the plan they return
is a real plan of the value they report, the optimum of brute force on small instances, and
the engines use them only when no solver holds the second core."""

from __future__ import annotations

import time

import numpy as np
import pytest
from test_optimize import _big_instance
from test_optimize_helpers import brute_max_cover, random_instance

from siting.optimize import engine, search_pair, solve_max_cover
from siting.optimize.heuristics import covered_weight, greedy_max_cover
from siting.optimize.reduce import reduce_problem
from siting.optimize.search import CoverSearch
from siting.optimize.search_pair import run_pair


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(search_pair.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(search_pair, "SECOND_SEARCH", True)


def _compiled() -> None:
    """The kernels compiled before any time limit counts (a fresh CI has no numba cache)."""
    red = reduce_problem(random_instance(0, nd=30, ns=10), reduce=False)
    CoverSearch(red, 2, seed=0).run(max_kicks=5)
    CoverSearch(red, 2, seed=0, budget=float(np.sort(red.cost)[:2].sum())).run(max_kicks=5)


@pytest.mark.parametrize("seed", [0, 3])
def test_pair_reaches_the_brute_force_optimum_with_a_true_value(two_cores, seed):
    _compiled()
    prob = random_instance(seed, nd=40, ns=12)
    red = reduce_problem(prob, reduce=False)
    for p in (2, 3):
        cs = CoverSearch(red, p, greedy_max_cover(red, p, None), seed=seed)
        info = run_pair(cs, deadline=time.perf_counter() + 1.5, exchange=0.5, seed=seed + 1)
        best = cs.best()
        assert len(best) <= p and not np.any(red.fixed[best])
        assert cs.best_value + red.offset == pytest.approx(red.offset + covered_weight(red, best))
        assert cs.best_value + red.offset == pytest.approx(brute_max_cover(prob, p))
        # no bound is known (ub infinite): the two searches ran to the deadline
        assert info["second_search_kicks"] > 0


def test_pair_keeps_the_better_plan_of_the_two(two_cores, monkeypatch):
    """The second search is given a better plan than the first has: after one exchange the
    first search holds it (its value checked by a recount)."""
    _compiled()
    prob = _big_instance(seed=4, nd=3000, ns=600, radius=0.07)
    red = reduce_problem(prob, use_cost=False)
    p = 25
    weak = CoverSearch(red, p, greedy_max_cover(red, p, None), seed=1)  # a descent, no kicks
    good = CoverSearch(red, p, weak.best(), seed=5)
    good.run(max_kicks=3000)
    assert weak.best_value < good.best_value
    made = []

    class Second(CoverSearch):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.offer(good.best())
            made.append(self)

        def run(self, **kwargs):  # the second search only holds its plan
            return None

    monkeypatch.setattr(search_pair, "CoverSearch", Second)
    monkeypatch.setattr(weak, "run", lambda **kwargs: None)  # nor does the first improve
    reports: list[dict] = []
    report = weak.reporter(reports.append, time.perf_counter())
    run_pair(weak, deadline=time.perf_counter() + 0.6, exchange=0.25,
             on_exchange=lambda: report("search"))
    assert made and weak.best_value >= good.best_value - 1e-9
    assert made[0].lift_tabu != weak.lift_tabu  # the second search: the other kick rule
    assert weak.best_value == pytest.approx(covered_weight(red, weak.best()))
    # the better plan was reported at the exchange (nothing else calls the reporter), once:
    # the later exchanges found nothing better
    assert [r["objective"] for r in reports] == [pytest.approx(weak.best_value + red.offset)]
    assert 0 <= reports[0]["seconds"] < 0.6 and reports[0]["source"] == "search"


def test_no_second_search_on_one_core(monkeypatch):
    monkeypatch.setattr(search_pair.os, "cpu_count", lambda: 1)
    red = reduce_problem(random_instance(1, nd=30, ns=10), reduce=False)
    cs = CoverSearch(red, 2, seed=0)
    assert run_pair(cs, deadline=time.perf_counter() + 0.3) == {}


def test_max_cover_engine_runs_two_searches_when_the_mip_is_skipped(two_cores, monkeypatch):
    """A model counted too large for the MIP and no time for its LP: the engine's plan comes
    from two searches, and is as good as the MIP's plan on the same model (HiGHS proves it)."""
    _compiled()
    prob = _big_instance(seed=2, nd=2000, ns=400, radius=0.1)  # a Lagrangian gap of 0.2 %
    exact = solve_max_cover(prob, 15, solver="highs", time_limit=120, gap=None)
    assert exact.status == "optimal"
    monkeypatch.setattr(engine, "MIP_MAX_NNZ", 0)
    monkeypatch.setattr(engine, "LP_MIN_LEFT", 1e9)
    plan = solve_max_cover(prob, 15, solver="highs", time_limit=5, gap=None)
    d = plan.details or {}
    assert "mip_skipped" in d and plan.status == "time_limit"  # the bound cannot prove it
    assert d["second_search_kicks"] > 0
    assert plan.objective <= exact.objective + 1e-6
    assert plan.objective == pytest.approx(exact.objective, rel=2e-3)


@pytest.mark.parametrize("seed", [0, 2])
def test_budget_engine_with_two_searches_matches_brute_force(two_cores, monkeypatch, seed):
    """The budgeted model without the MIP: two searches, the brute-force optimum, a plan within
    the budget whose value is recounted."""
    _compiled()
    prob = random_instance(seed, nd=40, ns=12)
    budget = float(np.sort(prob.costs)[:4].sum())
    monkeypatch.setattr(engine, "MIP_MAX_NNZ", 0)
    plan = solve_max_cover(prob, budget=budget, solver="highs", time_limit=2, gap=None)
    assert plan.objective == pytest.approx(brute_max_cover(prob, budget=budget))
    cost = dict(zip(prob.site_ids, prob.costs))
    assert sum(cost[s] for s in plan.selected_sites) == pytest.approx(plan.cost)
    assert plan.cost <= budget + 1e-9
    d = plan.details or {}
    if plan.status != "optimal":  # the submodular bound did not prove it: two searches ran
        assert d.get("second_search_kicks", 0) > 0
