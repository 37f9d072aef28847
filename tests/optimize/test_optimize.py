"""The covering models against brute-force enumeration, reductions, solvers, heuristics."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_optimize_helpers import (
    brute_capacitated,
    brute_max_cover,
    brute_target,
    capacitated_value,
    random_instance,
)

from siting.optimize import (
    CoverageProblem,
    capacity_from_floor_area,
    frontier,
    frontier_chart,
    greedy,
    solve_max_cover,
    solve_multi,
    solve_set_cover,
    solve_target,
)

SEEDS = [0, 1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("p", [1, 2, 3])
def test_max_cover_equals_brute_force(seed, p):
    prob = random_instance(seed)
    best = brute_max_cover(prob, p=p)
    plan = solve_max_cover(prob, p)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(best)
    # the reported plan is what it claims: recount its coverage independently
    idx = [int(np.flatnonzero(prob.site_ids == s)[0]) for s in plan.selected_sites]
    assert len(idx) <= p
    mask = np.zeros(prob.n_sites, bool)
    mask[idx] = True
    mask |= prob.existing
    dense = prob.cover.toarray()  # tiny instance: fine for an independent recount
    assert plan.covered_weight == pytest.approx(prob.weights[(dense & mask).any(1)].sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_max_cover_budget_equals_brute_force(seed):
    prob = random_instance(seed)
    budget = 6.0
    plan = solve_max_cover(prob, budget=budget)
    assert plan.objective == pytest.approx(brute_max_cover(prob, budget=budget))
    assert plan.cost <= budget + 1e-9
    both = solve_max_cover(prob, 2, budget=budget)
    assert both.objective == pytest.approx(brute_max_cover(prob, p=2, budget=budget))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("target", [0.5, 0.8])
@pytest.mark.parametrize("minimize", ["cost", "count"])
def test_target_equals_brute_force(seed, target, minimize):
    prob = random_instance(seed)
    best = brute_target(prob, target, count=minimize == "count")
    plan = solve_target(prob, target, minimize=minimize)
    if best is None:
        assert plan.status == "infeasible"
        assert plan.reachable_share < target
    else:
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(best)
        assert plan.share >= target - 1e-9


def test_set_cover_is_target_one_and_matches_brute_force():
    # every demand point reachable: a 3 x 3 grid of sites over the demand square
    rng = np.random.default_rng(7)
    pts = rng.random((20, 2)) * 900
    sites = np.array([(x, y) for x in (150, 450, 750) for y in (150, 450, 750)], float)
    d = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
    i, j = np.nonzero(d <= 350)
    prob = CoverageProblem.from_pairs(
        [f"d{k}" for k in range(20)], np.ones(20), [f"s{k}" for k in range(9)],
        rng.integers(1, 5, 9), [f"d{k}" for k in i], [f"s{k}" for k in j], d[i, j], 350.0)
    assert prob.reachable_share() == 1.0
    plan = solve_set_cover(prob)
    assert plan.model == "set_cover" and plan.status == "optimal"
    assert plan.share == pytest.approx(1.0)
    assert plan.objective == pytest.approx(brute_target(prob, 1.0))


def test_unreachable_target_reports_largest_share():
    prob = random_instance(1, radius=0.15)
    reach = prob.reachable_share()
    assert reach < 0.95
    plan = solve_target(prob, 0.95)
    assert plan.status == "infeasible" and plan.objective is None
    assert plan.reachable_share == pytest.approx(reach)
    assert "at most" in plan.message
    capped = solve_target(prob, 0.95, on_unreachable="max")
    assert capped.status == "optimal"
    assert capped.share == pytest.approx(reach)
    assert capped.objective == pytest.approx(brute_target(prob, reach - 1e-9))


@pytest.mark.parametrize("seed", SEEDS)
def test_reductions_do_not_change_optimum(seed):
    prob = random_instance(seed, nd=40, ns=10, radius=0.35, n_existing=2)
    for kwargs in ({"p": 2}, {"p": 3, "budget": 7.0}):
        a = solve_max_cover(prob, **kwargs)
        b = solve_max_cover(prob, **kwargs, reduce=False, warm_start=False)
        assert a.objective == pytest.approx(b.objective)
    assert a.sizes["rows_after"] < a.sizes["rows_before"]
    assert b.sizes["rows_after"] == b.sizes["rows_before"]
    for minimize in ("cost", "count"):
        a = solve_target(prob, 0.7, minimize=minimize)
        b = solve_target(prob, 0.7, minimize=minimize, reduce=False, warm_start=False)
        assert a.objective == pytest.approx(b.objective)


def test_dominance_drops_subset_site():
    # s1 reaches {a}, s2 reaches {a, b} at the same cost: s1 is dominated and dropped
    prob = CoverageProblem.from_pairs(
        ["a", "b", "c"], [5, 3, 1], ["s1", "s2", "s3"], [2, 2, 1],
        ["a", "a", "b", "c"], ["s1", "s2", "s2", "s3"], [10, 20, 30, 5], 100.0)
    plan = solve_max_cover(prob, 1)
    assert plan.sizes["cols_after"] == 2
    assert plan.selected_sites == ("s2",)
    # with a budget, a cheaper subset site is not dominated
    prob2 = CoverageProblem.from_pairs(
        ["a", "b"], [5, 3], ["s1", "s2"], [1, 2], ["a", "a", "b"], ["s1", "s2", "s2"],
        [10, 20, 30], 100.0)
    plan2 = solve_max_cover(prob2, budget=1.0)
    assert plan2.sizes["cols_after"] == 2
    assert plan2.selected_sites == ("s1",) and plan2.objective == 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cbc_and_highs_agree(seed):
    prob = random_instance(seed, nd=40, ns=10)
    for fn, kw in ((solve_max_cover, {"p": 3}), (solve_target, {"target": 0.75}),
                   (solve_max_cover, {"p": 2, "capacitated": True})):
        a = fn(prob, **kw, solver="cbc")
        b = fn(prob, **kw, solver="highs")
        assert a.status == b.status
        if a.objective is not None:
            assert a.objective == pytest.approx(b.objective, rel=1e-7)


def test_capacitated_differs_from_uncapacitated_on_hand_instance():
    """Hand instance (households = weight)::

        s1 reaches d1 (5), d2 (5), d3 (5)  capacity  8 households
        s2 reaches d3 (5), d4 (4)          capacity 100 households

    One new station. Uncapacitated: s1 covers 15 > s2's 9, so s1. Capacitated: s1 can serve
    only 8, s2 serves 9, so s2 with 9.
    """
    prob = CoverageProblem.from_pairs(
        ["d1", "d2", "d3", "d4"], [5, 5, 5, 4], ["s1", "s2"], [1, 1],
        ["d1", "d2", "d3", "d3", "d4"], ["s1", "s1", "s1", "s2", "s2"], [100] * 5, 400.0,
        households=[5, 5, 5, 4], capacity=[8, 100])
    un = solve_max_cover(prob, 1)
    cap = solve_max_cover(prob, 1, capacitated=True)
    assert un.selected_sites == ("s1",) and un.objective == pytest.approx(15)
    assert cap.selected_sites == ("s2",) and cap.objective == pytest.approx(9)
    a = cap.assignment[cap.assignment.covered]
    assert set(a.demand_id) == {"d3", "d4"} and np.allclose(a.fraction, 1.0)
    # fractional: with both stations, s1 serves 8 of d1, d2, d3 and s2 the rest
    both = solve_max_cover(prob, 2, capacitated=True)
    assert both.objective == pytest.approx(8 + 9)
    served = both.assignment.groupby("site_id").apply(
        lambda g: (g.fraction * g.demand_id.map({"d1": 5, "d2": 5, "d3": 5, "d4": 4})).sum(),
        include_groups=False)
    assert served["s1"] <= 8 + 1e-6


@pytest.mark.parametrize("seed", [0, 3])
def test_capacitated_equals_brute_force_with_lp(seed):
    prob = random_instance(seed, nd=16, ns=6)
    for p in (1, 2):
        plan = solve_max_cover(prob, p, capacitated=True)
        assert plan.objective == pytest.approx(brute_capacitated(prob, p), rel=1e-6)
        idx = [int(np.flatnonzero(prob.site_ids == s)[0]) for s in plan.selected_sites]
        assert plan.objective == pytest.approx(capacitated_value(prob, idx), rel=1e-6)


def test_capacitated_target_reports_capacity_limit():
    prob = CoverageProblem.from_pairs(
        ["d1", "d2"], [10, 10], ["s1"], [1], ["d1", "d2"], ["s1", "s1"], [10, 10], 50.0,
        households=[10, 10], capacity=[15])
    plan = solve_target(prob, 1.0, capacitated=True)
    assert plan.status == "infeasible"
    assert plan.reachable_share == pytest.approx(0.75)
    ok = solve_target(prob, 0.7, capacitated=True)
    assert ok.status == "optimal" and ok.selected_sites == ("s1",)


def test_capacity_from_floor_area_norm():
    assert capacity_from_floor_area(300.0) == pytest.approx(1000.0)  # 300 m² / 30 × 100
    assert np.allclose(capacity_from_floor_area([0, 60]), [0, 200])


def test_priority_weights_change_the_choice():
    # s1 covers 10 people; s2 covers 8 people of whom 6 elderly (weight +1 each) = 14
    args = (["a", "b"], [10, 8], ["s1", "s2"], [1, 1], ["a", "b"], ["s1", "s2"], [5, 5], 10.0)
    plain = solve_max_cover(CoverageProblem.from_pairs(*args), 1)
    pri = CoverageProblem.from_pairs(*args, priority={"elderly": ([0, 6], 1.0)})
    assert plain.selected_sites == ("s1",)
    assert pri.weights.tolist() == [10, 14] and pri.population.tolist() == [10, 8]
    assert solve_max_cover(pri, 1).selected_sites == ("s2",)


def _multi_instance():
    """Two categories on five sites (shared ids); elderly care exists at s0."""
    rng = np.random.default_rng(11)
    pts = rng.random((14, 2))
    sites = rng.random((5, 2))
    d = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
    sid = [f"s{k}" for k in range(5)]
    did = [f"d{k}" for k in range(14)]
    probs = {}
    for c, r, ex in (("elderly", 0.35, [True, False, False, False, False]),
                     ("health", 0.45, [False] * 5)):
        i, j = np.nonzero(d <= r)
        probs[c] = CoverageProblem.from_pairs(
            did, rng.integers(1, 20, 14), sid, rng.integers(0, 3, 5), [did[k] for k in i],
            [sid[k] for k in j], d[i, j], r, existing=ex)
    site_costs = dict(zip(sid, [5.0, 4.0, 6.0, 3.0, 5.0]))
    return probs, site_costs


def _multi_brute(probs, site_costs, *, colocate, targets=None, p=None):
    cats = list(probs)
    sid = list(probs[cats[0]].site_ids)
    best = None
    options = [(c, k) for c in cats for k in range(5) if not probs[c].existing[k]]
    for r in range(len(options) + 1):
        for combo in itertools.combinations(options, r):
            opened = {c: set() for c in cats}
            for c, k in combo:
                opened[c].add(k)
            ok = True
            for a, b in colocate:
                for k in opened[a]:
                    if k not in opened[b] and not probs[b].existing[k]:
                        ok = False
            if not ok:
                continue
            new_sites = {k for c, k in combo if not any(probs[x].existing[k] for x in cats)}
            if p is not None and len(new_sites) > p:
                continue
            cost = sum(site_costs[sid[k]] for k in new_sites) + sum(
                probs[c].costs[k] for c, k in combo)
            cov = {c: probs[c].weights[probs[c].covered_by(sorted(opened[c]))].sum()
                   for c in cats}
            if targets is not None:
                if all(cov[c] >= t * probs[c].total_weight - 1e-9 for c, t in targets.items()):
                    best = cost if best is None else min(best, cost)
            else:
                val = sum(cov.values())
                best = val if best is None else max(best, val)
    return best


@pytest.mark.parametrize("colocate", [(), (("health", "elderly"),)])
def test_multi_category_equals_brute_force(colocate):
    probs, site_costs = _multi_instance()
    targets = {"elderly": 0.6, "health": 0.7}
    plan = solve_multi(probs, site_costs=site_costs, targets=targets, colocate=colocate)
    best = _multi_brute(probs, site_costs, colocate=colocate, targets=targets)
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    for c, t in targets.items():
        assert plan.categories[c]["share"] >= t - 1e-9
    if colocate:
        health = set(plan.categories["health"]["selected"])
        assert health <= set(plan.categories["elderly"]["selected"]) | {"s0"}
    cover = solve_multi(probs, site_costs=site_costs, p=2, colocate=colocate)
    assert cover.objective == pytest.approx(_multi_brute(probs, site_costs, colocate=colocate,
                                                         p=2))
    assert set(cover.assignment.category) == {"elderly", "health"}


@pytest.mark.parametrize("seed", [0, 1])
def test_greedy_swap_and_bound_are_consistent(seed):
    prob = random_instance(seed, nd=40, ns=12)
    opt = solve_max_cover(prob, 3).objective
    g = greedy(prob, 3, swap=False)
    gs = greedy(prob, 3)
    assert g.status == gs.status == "heuristic"
    assert g.objective <= gs.objective + 1e-9 <= opt + 2e-9
    assert gs.bound >= opt - 1e-9  # the submodular bound is a valid upper bound
    t = greedy(prob, target=0.6)
    assert t.share >= 0.6 - 1e-9
    assert t.objective >= brute_target(prob, 0.6) - 1e-9


def test_frontier_heuristic_and_mip(tmp_path):
    prob = random_instance(2, nd=40, ns=10)
    fr = frontier(prob, 4)
    assert list(fr.k) == [1, 2, 3, 4]
    assert np.all(np.diff(fr.covered_weight) >= -1e-9)
    assert fr.covered_weight.iloc[0] == pytest.approx(brute_max_cover(prob, 1))  # greedy k=1
    assert np.all(fr.bound >= fr.covered_weight - 1e-9)
    mip = frontier(prob, 4, method="mip")
    for k in range(1, 5):
        assert mip.covered_weight.iloc[k - 1] == pytest.approx(brute_max_cover(prob, k))
    assert set(mip.status) == {"optimal"}
    out = frontier_chart(mip, tmp_path / "frontier.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _big_instance(seed=5, nd=6000, ns=1500, radius=0.06):
    rng = np.random.default_rng(seed)
    centres = rng.random((30, 2))
    pts = centres[rng.integers(0, 30, nd)] + rng.normal(0, 0.08, (nd, 2))
    sites = rng.random((ns, 2))
    from scipy.spatial import cKDTree

    pairs = cKDTree(pts).sparse_distance_matrix(cKDTree(sites), radius, output_type="ndarray")
    return CoverageProblem.from_pairs(
        np.arange(nd).astype(str), rng.integers(1, 100, nd), np.arange(ns).astype(str),
        np.ones(ns), pairs["i"].astype(str), pairs["j"].astype(str), pairs["v"] * 1000,
        radius * 1000)


@pytest.mark.slow
def test_time_limit_returns_best_plan_not_error():
    prob = _big_instance()
    heur = greedy(prob, 40)
    plan = solve_max_cover(prob, 40, time_limit=1.0)
    assert plan.status in ("time_limit", "optimal")  # never raises
    assert plan.objective >= heur.objective - 1e-6  # keeps the better of heuristic and MIP
    assert plan.bound >= plan.objective - 1e-6
    assert len(plan.selected_sites) <= 40
    if plan.status == "time_limit":
        assert plan.gap is not None and plan.gap >= 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lagrangian_bound_and_plan_bracket_the_optimum(seed):
    from siting.optimize.heuristics import covered_weight, lagrangian_max_cover
    from siting.optimize.reduce import reduce_problem

    prob = random_instance(seed, nd=40, ns=12)
    red = reduce_problem(prob, use_cost=False)
    for p in (2, 3):
        opt = brute_max_cover(prob, p)
        S, ub = lagrangian_max_cover(red, p, np.zeros(0, dtype=int), max_iter=300,
                                     max_seconds=2.0)
        assert len(S) <= p
        assert red.offset + covered_weight(red, S) <= opt + 1e-9
        assert red.offset + ub >= opt - 1e-6


@pytest.mark.parametrize("seed", [0, 1])
def test_swap_reaches_a_budget_feasible_local_optimum(seed):
    from siting.optimize.heuristics import covered_weight, greedy_max_cover, swap_max_cover
    from siting.optimize.reduce import reduce_problem

    prob = random_instance(seed, nd=40, ns=12)
    red = reduce_problem(prob, reduce=False)
    budget = 8.0
    S = swap_max_cover(red, greedy_max_cover(red, None, budget), None, budget)
    assert red.cost[S].sum() <= budget + 1e-9
    f = covered_weight(red, S)
    free = [j for j in range(red.n_cols) if not red.fixed[j] and j not in S]
    for t in range(len(S)):  # no single exchange within budget improves (brute force)
        for j in free:
            T = S.copy()
            T[t] = j
            if red.cost[T].sum() <= budget + 1e-9:
                assert covered_weight(red, T) <= f + 1e-9
