"""The compiled local search, the Lagrangian bounds and fixings, honest statuses and the cancel
hook: against brute force, against HiGHS alone, and with solver stand-ins."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from test_optimize import _big_instance
from test_optimize_helpers import brute_max_cover, brute_target, random_instance

from _util import ROOT
from siting.optimize import CoverageProblem, jobs, solve_max_cover, solve_target
from siting.optimize.bounds import fix_with, lagrangian_cover, round_bound
from siting.optimize.heuristics import covered_weight, greedy_max_cover
from siting.optimize.mip import MIPResult
from siting.optimize.reduce import reduce_problem
from siting.optimize.search import CoverSearch, TargetSearch


def _sjc324(radius: float = 250.0) -> CoverageProblem:
    """The SJC324 instance (Lorena & Pereira 2002; benchmarks/data/sjc): 324 census blocks,
    demand and candidates at once, Euclidean distance."""
    from scipy.spatial import cKDTree

    rows = np.loadtxt(ROOT / "benchmarks" / "data" / "sjc" / "SJC324.txt", skiprows=1)
    xy, w = rows[:, :2], rows[:, 2]
    ids = np.array([f"b{k}" for k in range(len(w))])
    pr = cKDTree(xy).sparse_distance_matrix(cKDTree(xy), radius, output_type="ndarray")
    return CoverageProblem.from_pairs(ids, w, ids, np.ones(len(w)), ids[pr["i"]], ids[pr["j"]],
                                      pr["v"], radius)


# ---------------------------------------------------------------------------------- search
@pytest.mark.parametrize("lift", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_cover_search_finds_the_brute_force_optimum(seed, lift):
    # both kick rules: the kicked-out sites let back in after the kick (lift) or kept out
    prob = random_instance(seed, nd=40, ns=12)
    for red in (reduce_problem(prob, use_cost=False), reduce_problem(prob, reduce=False)):
        for p in (1, 2, 3, 4):
            cs = CoverSearch(red, p, seed=seed)
            cs.lift_tabu = lift
            cs.run(max_kicks=300)
            best = cs.best()
            assert len(best) <= p and not np.any(red.fixed[best])
            value = red.offset + covered_weight(red, best)
            assert cs.best_value + red.offset == pytest.approx(value)  # incremental = exact
            assert value == pytest.approx(brute_max_cover(prob, p))


def _swap_local_optimum(red, S) -> bool:
    """No single exchange (close one of S, open a closed non-fixed column) covers more."""
    f = covered_weight(red, S)
    free = [j for j in range(red.n_cols) if not red.fixed[j] and j not in S]
    for t in range(len(S)):
        for j in free:
            T = S.copy()
            T[t] = j
            if covered_weight(red, T) > f + 1e-9:
                return False
    return True


@pytest.mark.parametrize("seed", [0, 1])
def test_cover_descent_ends_at_a_swap_local_optimum(seed):
    prob = random_instance(seed, nd=60, ns=16)
    red = reduce_problem(prob, reduce=False)
    p = 4
    cs = CoverSearch(red, p, greedy_max_cover(red, p, None), seed=seed)  # descent, no kicks
    assert _swap_local_optimum(red, cs.best())


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_polish_leaves_the_best_plan_at_a_swap_local_optimum(seed):
    # kept out until the next kick, a kicked-out site may be missing from the best plan found
    # just after the kick; polish() returns a plan no single exchange improves, never worse
    prob = random_instance(seed, nd=120, ns=40, radius=0.2)
    red = reduce_problem(prob, reduce=False)
    p = 6
    cs = CoverSearch(red, p, greedy_max_cover(red, p, None), seed=seed)
    assert not cs.lift_tabu
    cs.run(max_kicks=40)
    before = cs.best_value
    cs.polish()
    assert cs.best_value >= before - 1e-9
    assert cs.best_value == pytest.approx(covered_weight(red, cs.best()))
    assert _swap_local_optimum(red, cs.best())


def test_incremental_state_matches_a_recount_after_many_moves():
    prob = _big_instance(seed=3, nd=3000, ns=600, radius=0.07)
    red = reduce_problem(prob, use_cost=False)
    cs = CoverSearch(red, 25, seed=1)
    cs.run(max_kicks=400)
    s = cs.s
    gain, loss, fv, cnt = s.gain.copy(), s.loss.copy(), float(s.fv[0]), s.cnt.copy()
    s.resync()
    assert np.array_equal(cnt, s.cnt)
    assert fv == pytest.approx(float(s.fv[0]), abs=1e-6)
    assert np.allclose(gain, s.gain, atol=1e-6) and np.allclose(loss, s.loss, atol=1e-6)


def _check_cached_exchanges(red, s) -> None:
    """Every cached exchange value of the search state ``s`` against brute force: for each
    closed column j, ``gain[j] + max(tb[j], -min loss)`` must be the best gain of opening j
    and closing one open column (recounted with :func:`covered_weight`); and the selection
    list must hold exactly the open columns."""
    S = s.open_cols()
    assert sorted(s.sel[: s.nsel[0]].tolist()) == np.flatnonzero(s.is_open).tolist()
    assert all(s.sel[s.pos[j]] == j for j in np.flatnonzero(s.is_open))
    f = covered_weight(red, S)
    assert f + red.offset == pytest.approx(float(s.fv[0]) + red.offset)
    ml = min(float(s.loss[t]) for t in S)
    free = [j for j in range(red.n_cols) if not red.fixed[j] and not s.is_open[j]]
    for j in free:
        best = max(covered_weight(red, np.r_[np.delete(S, t), j]) - f for t in range(len(S)))
        assert s.gain[j] + max(s.tb[j], -ml) == pytest.approx(best, abs=1e-6), j


@pytest.mark.parametrize("lift", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cached_exchange_values_stay_exact_through_kicks_and_restores(seed, lift):
    # The marks after a move reach only the columns whose cached partner can change (rows
    # whose count crosses one; the columns of rows a changed owner alone covers), and a
    # rejected kick returns by copying a snapshot: neither may leave a stale value behind.
    prob = random_instance(seed, nd=260, ns=70, radius=0.2, n_existing=0)
    red = reduce_problem(prob, reduce=False)
    for p in (5, 9):
        cs = CoverSearch(red, p, seed=seed)
        cs.lift_tabu = lift
        _check_cached_exchanges(red, cs.s)
        for _ in range(4):
            cs.run(max_kicks=60)
            assert cs.kicks > 0
            _check_cached_exchanges(red, cs.s)
        ts = TargetSearch(red, 0.8 * float(red.w.sum()), np.ones(red.n_cols), seed=seed)
        ts.run(max_kicks=120)
        _check_cached_exchanges(red, ts.s)


@pytest.mark.parametrize("seed", [0, 1, 2, 5])
@pytest.mark.parametrize("target", [0.3, 0.6, 0.9])
def test_target_search_finds_the_brute_force_optimum(seed, target):
    prob = random_instance(seed, nd=40, ns=12)
    for count in (True, False):
        red = reduce_problem(prob, use_cost=not count)
        need = target * red.total - red.offset - 1e-9 * red.total
        cost = np.ones(red.n_cols) if count else red.cost
        ts = TargetSearch(red, need, cost, seed=seed)
        ts.run(max_kicks=300)
        best = brute_target(prob, target, count=count)
        if best is None:
            assert ts.best_cost is None
            continue
        assert red.offset + covered_weight(red, ts.best()) >= target * red.total - 1e-6
        assert ts.best_cost == pytest.approx(best)


# ---------------------------------------------------------------------------------- bounds
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lagrangian_bound_and_fixings_are_valid(seed):
    prob = random_instance(seed, nd=40, ns=12, n_existing=0)
    red = reduce_problem(prob, reduce=False)
    for p in (2, 3, 10):  # 10 of 12: the bound stays at the total weight (a regression)
        opt = brute_max_cover(prob, p)
        inc = covered_weight(red, greedy_max_cover(red, p, None))
        if p == 10:
            inc = opt - 1.0  # the decision "can 10 sites reach the optimum?" (yes)
        st = lagrangian_cover(red, p, inc, max_iter=2000)
        fix_with(red, p, st, inc)
        assert st.bound >= opt - 1e-6
        cand = range(red.n_cols)
        for j in np.flatnonzero(st.fix_closed):  # no plan with j open beats the incumbent
            best_with = max(covered_weight(red, np.array(s)) for r in range(1, p + 1)
                            for s in itertools.combinations(cand, r) if j in s)
            assert best_with <= inc + 1e-9
        for j in np.flatnonzero(st.fix_open):  # no plan without j beats the incumbent
            best_without = max(covered_weight(red, np.array(s)) for r in range(p + 1)
                               for s in itertools.combinations([c for c in cand if c != j], r))
            assert best_without <= inc + 1e-9


def test_integer_bounds_are_rounded():
    assert round_bound(82.7, maximize=False, integral=True) == 83.0
    assert round_bound(83.0000001, maximize=False, integral=True) == 83.0
    assert round_bound(10511.4, maximize=True, integral=True) == 10511.0
    assert round_bound(10511.4, maximize=True, integral=False) == 10511.4


# ---------------------------------------------------------------------------------- models
@pytest.mark.parametrize("p", [10, 20])
def test_sjc324_matches_highs_alone(p):
    # the public SJC324 instance at 250 m: siting's plan equals the optimum HiGHS proves on the
    # full model without any of siting's search, bounds or fixings
    prob = _sjc324()
    ref = solve_max_cover(prob, p, solver="highs", warm_start=False)
    plan = solve_max_cover(prob, p)
    assert ref.status == plan.status == "optimal"
    assert plan.objective == pytest.approx(ref.objective)
    assert plan.n_new <= p and plan.bound == pytest.approx(plan.objective)
    assert "search" in plan.details["ran"]


def test_sjc324_count_target_matches_highs_alone():
    prob = _sjc324()
    ref = solve_target(prob, 0.8, minimize="count", solver="highs", warm_start=False)
    plan = solve_target(prob, 0.8, minimize="count")
    assert ref.status == plan.status == "optimal"
    assert plan.objective == ref.objective and plan.share >= 0.8 - 1e-9
    assert plan.bound == plan.objective  # a count bound is a whole number


# ---------------------------------------------------------------------------------- statuses
def _stub_highs(monkeypatch, status: str):
    """HiGHS replaced by a stand-in that answers ``status`` with no solution."""
    monkeypatch.setattr(jobs, "highs_run", lambda *a, **k: (status, None, float("nan")))


@pytest.mark.parametrize("status", ["infeasible", "no_solution", "time_limit"])
def test_a_solver_saying_infeasible_never_makes_max_cover_infeasible(monkeypatch, status):
    _stub_highs(monkeypatch, status)
    prob = random_instance(3, nd=60, ns=14)
    for kw in ({"budget": 6.0}, {"p": 3, "capacitated": True}):
        plan = solve_max_cover(prob, **kw, solver="highs", time_limit=5)
        assert plan.status in ("time_limit", "optimal")
        assert plan.objective is not None and plan.objective > 0
        # and without a start or a limit it is still not infeasible
        plan = solve_max_cover(prob, **kw, solver="highs", warm_start=False)
        assert (plan.status == "heuristic" and "capacitated" in plan.model) or \
            plan.objective is not None


def test_a_solver_saying_infeasible_keeps_a_checked_feasible_start(monkeypatch):
    _stub_highs(monkeypatch, "infeasible")
    prob = random_instance(2, nd=40, ns=10)
    red = reduce_problem(prob)
    from siting.optimize.models import build, start_vector

    built = build(red, sense="max", p=2)
    x0 = start_vector(built, red, greedy_max_cover(red, 2, None))
    out: MIPResult = jobs.solve_sparse(built.mip, "highs", time_limit=1.0, gap=None, start=x0)
    assert out.status == "time_limit" and "feasible plan is in hand" in out.message
    # a target model with a feasible heuristic plan: time_limit, the plan kept
    plan = solve_target(prob, 0.4, capacitated=True, solver="highs", time_limit=5)
    assert plan.status == "time_limit" and plan.objective is not None
    assert plan.share >= 0.4 - 1e-9


def test_cancel_stops_the_solve_and_keeps_the_plan():
    prob = _big_instance(seed=6, nd=8000, ns=2000, radius=0.05)
    stop = threading.Event()
    seen = []

    def progress(d):
        seen.append(d)
        if len(seen) >= 1:
            stop.set()

    plan = solve_max_cover(prob, 60, time_limit=120, cancel=stop, progress=progress)
    assert stop.is_set()
    assert plan.solve_seconds < 60  # stopped long before the limit
    if plan.status != "optimal":
        assert plan.status == "time_limit" and "stopped on request" in plan.message
    assert plan.n_new == 60 and plan.bound >= plan.objective
    called = solve_max_cover(prob, 60, time_limit=120, cancel=lambda: True)
    assert called.n_new == 60 and called.objective is not None
