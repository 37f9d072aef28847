"""solve_multi on the station-level engines: against brute force and the joint MIP.

Small random instances (5 sites, three categories, 10-12 demand points each) with co-location
chains, existing services, station and category costs, p and budgets. The brute force
enumerates every set of (category, site) openings that obeys the rules; the joint MIP is the
old path (``_joint_mip=True``) solved by HiGHS without a time limit.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.optimize import CoverageProblem, solve_multi
from siting.optimize.multi_stack import allowed_categories

CATS = ("a", "b", "c")


def _instance(seed: int, *, cat_costs: bool, existing: bool = True):
    """Three categories on five shared sites; each category lacks one site at random, and
    (with ``existing``) has an existing service at one site."""
    rng = np.random.default_rng(seed)
    sites = rng.random((5, 2))
    sid = [f"s{k}" for k in range(5)]
    probs = {}
    for c, r in zip(CATS, (0.3, 0.38, 0.45)):
        nd = int(rng.integers(10, 13))
        pts = rng.random((nd, 2))
        d = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
        keep = np.ones(5, bool)
        keep[rng.integers(0, 5)] = False  # this category cannot be at one site
        ex = np.zeros(5, bool)
        if existing and rng.random() < 0.7:
            ex[rng.choice(np.flatnonzero(keep))] = True
        i, j = np.nonzero((d <= r) & keep[None, :])
        did = [f"{c}{k}" for k in range(nd)]
        costs = rng.integers(1, 4, 5) if cat_costs else np.zeros(5)
        ks = np.flatnonzero(keep)
        probs[c] = CoverageProblem.from_pairs(
            did, rng.integers(1, 20, nd), [sid[k] for k in ks], costs[ks],
            [did[k] for k in i], [sid[k] for k in j], d[i, j], r, existing=ex[ks])
    site_costs = {s: float(v) for s, v in zip(sid, rng.integers(2, 7, 5))}
    return probs, site_costs


def _brute(probs, site_costs, *, colocate=(), p=None, budget=None, targets=None, cw=None):
    """Best objective over every opening set that obeys the rules (None: no feasible plan)."""
    cw = cw or {}
    built = set()
    for P in probs.values():
        built |= {s for s, e in zip(P.site_ids, P.existing) if e}
    idx = {c: {s: k for k, s in enumerate(P.site_ids)} for c, P in probs.items()}
    options = [(c, s) for c, P in probs.items() for s, e in zip(P.site_ids, P.existing) if not e]
    best = None
    for r in range(len(options) + 1):
        for combo in itertools.combinations(options, r):
            opened = {c: {s for s, e in zip(P.site_ids, P.existing) if e}
                      for c, P in probs.items()}
            for c, s in combo:
                opened[c].add(s)
            # a rule (a, b) binds a new a (an existing a stays where it is)
            if any(s not in opened[b] for a, b in colocate for c, s in combo if c == a):
                continue
            new = {s for _, s in combo} - built
            if p is not None and len(new) > p:
                continue
            cost = sum(site_costs[s] for s in new) + sum(
                probs[c].costs[idx[c][s]] for c, s in combo)
            if budget is not None and cost > budget + 1e-9:
                continue
            cov = {c: float(P.weights[P.covered_by([idx[c][s] for s in opened[c]])].sum())
                   for c, P in probs.items()}
            if targets is not None:
                if all(cov[c] >= t * probs[c].total_weight - 1e-9 for c, t in targets.items()):
                    best = cost if best is None else min(best, cost)
            else:
                val = sum(cw.get(c, 1.0) * v for c, v in cov.items())
                best = val if best is None else max(best, val)
    return best


def _check_rules(plan, probs, colocate):
    # ``selected`` lists new openings only: each new a stands beside a new or existing b
    for a, b in colocate:
        exist_b = {s for s, e in zip(probs[b].site_ids, probs[b].existing) if e}
        assert set(plan.categories[a]["selected"]) <= set(plan.categories[b]["selected"]) | exist_b


CHAIN = (("a", "b"), ("b", "c"))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("colocate", [(), CHAIN], ids=["free", "chain"])
def test_cover_p_runs_the_engine_and_is_optimal(seed, colocate):
    # category costs do not enter p-only maximal covering: the station model is exact
    probs, sc = _instance(seed, cat_costs=True)
    cw = {"a": 1.0, "b": 2.0, "c": 0.5}
    best = _brute(probs, sc, colocate=colocate, p=2, cw=cw)
    plan = solve_multi(probs, site_costs=sc, p=2, colocate=colocate, category_weights=cw,
                       solver="highs")
    assert plan.details["path"] == "stations" and plan.details["engine"] == "cover"
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    assert plan.bound == pytest.approx(best) and plan.model == "multi"
    assert plan.solver.startswith("search")
    mip = solve_multi(probs, site_costs=sc, p=2, colocate=colocate, category_weights=cw,
                      solver="highs", _joint_mip=True)
    assert mip.details["path"] == "joint_mip" and mip.objective == pytest.approx(best)
    _check_rules(plan, probs, colocate)
    assert len(set(plan.selected_sites) - set(plan.existing_sites)) <= 2
    assert set(plan.assignment["category"]) <= set(CATS)
    for d in plan.categories.values():
        assert d["share"] == pytest.approx(d["covered_weight"] / d["total_weight"])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("colocate", [(), CHAIN], ids=["free", "chain"])
@pytest.mark.parametrize("p", [None, 2])
def test_budget_without_category_costs_runs_the_engine(seed, colocate, p):
    probs, sc = _instance(seed, cat_costs=False)
    budget = 9.0
    best = _brute(probs, sc, colocate=colocate, p=p, budget=budget)
    plan = solve_multi(probs, site_costs=sc, p=p, budget=budget, colocate=colocate,
                       solver="highs")
    assert plan.details["path"] == "stations" and plan.details["engine"] == "budget"
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    assert plan.cost <= budget + 1e-9
    mip = solve_multi(probs, site_costs=sc, p=p, budget=budget, colocate=colocate,
                      solver="highs", _joint_mip=True)
    assert mip.objective == pytest.approx(best)
    _check_rules(plan, probs, colocate)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("colocate", [(), CHAIN], ids=["free", "chain"])
@pytest.mark.parametrize("equal", [False, True], ids=["costs", "count"])
def test_full_targets_run_the_set_cover_engine(seed, colocate, equal):
    probs, sc = _instance(seed, cat_costs=False)
    if equal:
        sc = dict.fromkeys(sc, 3.0)
    targets = {c: P.reachable_share() for c, P in probs.items()}
    best = _brute(probs, sc, colocate=colocate, targets=targets)
    plan = solve_multi(probs, site_costs=sc, targets=targets, colocate=colocate,
                       solver="highs")
    assert plan.details["path"] == "stations"
    if best is None:  # the rules keep some reachable row out of reach
        assert plan.status == "infeasible" and plan.objective is None
        assert "co-location" in plan.message
        return
    assert plan.details["engine"] in ("set_cover", "none")
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    assert plan.bound == pytest.approx(best)
    assert plan.details["count_unit"] == (3.0 if equal else None)
    for c, t in targets.items():
        assert plan.categories[c]["share"] >= t - 1e-9
    mip = solve_multi(probs, site_costs=sc, targets=targets, colocate=colocate,
                      solver="highs", _joint_mip=True)
    assert mip.objective == pytest.approx(best)
    _check_rules(plan, probs, colocate)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("colocate", [(), CHAIN], ids=["free", "chain"])
def test_one_share_target_runs_the_target_engine(seed, colocate):
    probs, sc = _instance(seed, cat_costs=False)
    targets = {"b": 0.6 * probs["b"].reachable_share()}
    best = _brute(probs, sc, colocate=colocate, targets=targets)
    plan = solve_multi(probs, site_costs=sc, targets=targets, colocate=colocate,
                       solver="highs")
    assert plan.details["path"] == "stations"
    assert plan.details["engine"] in ("target", "set_cover", "none")
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    assert plan.categories["b"]["share"] >= targets["b"] - 1e-9
    mip = solve_multi(probs, site_costs=sc, targets=targets, colocate=colocate,
                      solver="highs", _joint_mip=True)
    assert mip.objective == pytest.approx(best)
    _check_rules(plan, probs, colocate)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("colocate", [(), CHAIN], ids=["free", "chain"])
def test_several_share_targets_stay_on_the_joint_mip(seed, colocate):
    # no existing services: every target still binds (several knapsack rows)
    probs, sc = _instance(seed, cat_costs=False, existing=False)
    targets = {c: 0.5 * P.reachable_share() for c, P in probs.items()}
    best = _brute(probs, sc, colocate=colocate, targets=targets)
    plan = solve_multi(probs, site_costs=sc, targets=targets, colocate=colocate,
                       solver="highs")
    assert plan.details["path"] == "joint_mip" and plan.solver == "highs"
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    _check_rules(plan, probs, colocate)


@pytest.mark.parametrize("seed", range(4))
def test_category_costs_under_a_budget_stay_on_the_joint_mip(seed):
    probs, sc = _instance(seed, cat_costs=True)
    best = _brute(probs, sc, colocate=CHAIN, budget=10.0)
    plan = solve_multi(probs, site_costs=sc, budget=10.0, colocate=CHAIN, solver="highs")
    assert plan.details["path"] == "joint_mip"
    assert plan.status == "optimal" and plan.objective == pytest.approx(best)
    assert plan.cost <= 10.0 + 1e-9
    _check_rules(plan, probs, CHAIN)


def test_allowed_categories_follow_chains_by_hand():
    # stations 0..3. a is a candidate at 0, 1, 2 and exists at 3; b a candidate at 0, 2 and
    # exists at 1; c a candidate at 0 and 1 only.  Rules a -> b, b -> c.
    cand = {"a": np.array([1, 1, 1, 0], bool), "b": np.array([1, 0, 1, 0], bool),
            "c": np.array([1, 1, 0, 0], bool)}
    exist = {"a": np.array([0, 0, 0, 1], bool), "b": np.array([0, 1, 0, 0], bool),
             "c": np.zeros(4, bool)}
    got = allowed_categories(["a", "b", "c"], cand, exist, [("a", "b"), ("b", "c")])
    # b at 2 has no c there, so b is not allowed at 2, so a is not either (the chain);
    # a at 1 stands beside the existing b; the existing a at 3 stays
    assert got["c"].tolist() == [True, True, False, False]
    assert got["b"].tolist() == [True, True, False, False]
    assert got["a"].tolist() == [True, True, False, True]
    # a cycle allows both where both are candidates
    cyc = allowed_categories(["a", "b"], cand, exist, [("a", "b"), ("b", "a")])
    assert cyc["a"].tolist() == [True, True, True, True]
    assert cyc["b"].tolist() == [True, True, True, False]
    # without rules: every candidate and existing site
    free = allowed_categories(["a"], cand, exist, [])
    assert free["a"].tolist() == [True, True, True, True]


def test_station_model_never_lists_a_category_that_covers_nobody_new():
    # one demand point per category, both reached from s0 and s1; p = 1: the plan opens one
    # station and both categories there, not a useless second category elsewhere
    probs = {c: CoverageProblem.from_pairs(["d"], [5.0], ["s0", "s1"], [0.0, 0.0],
                                           ["d", "d"], ["s0", "s1"], [1.0, 1.0], 2.0)
             for c in ("a", "b")}
    plan = solve_multi(probs, p=1, solver="highs")
    assert plan.status == "optimal" and plan.objective == pytest.approx(10.0)
    assert len(plan.selected_sites) == 1
    assert plan.categories["a"]["selected"] == plan.categories["b"]["selected"]
    # an existing b at s1 already covers b's demand: a new station at s0 opens a only
    probs["b"] = CoverageProblem.from_pairs(["d"], [5.0], ["s0", "s1"], [0.0, 0.0],
                                            ["d", "d"], ["s0", "s1"], [1.0, 1.0], 2.0,
                                            existing=[False, True])
    plan = solve_multi(probs, p=1, solver="highs")
    assert plan.objective == pytest.approx(10.0)
    assert plan.categories["b"]["selected"] == ()
    # (a at the already-built s1 is free and enough)
    assert plan.categories["a"]["selected"] == ("s1",) and plan.cost == 0.0


def _medium(seed: int, *, cat_costs: bool):
    """Three categories on 30 shared sites, 60-80 demand points each (too many for brute
    force; the joint MIP is the reference)."""
    rng = np.random.default_rng(100 + seed)
    ns = 30
    sites = rng.random((ns, 2))
    sid = [f"s{k}" for k in range(ns)]
    probs = {}
    for c, r in zip(CATS, (0.12, 0.16, 0.2)):
        nd = int(rng.integers(60, 81))
        pts = rng.random((nd, 2))
        d = np.hypot(pts[:, None, 0] - sites[None, :, 0], pts[:, None, 1] - sites[None, :, 1])
        keep = rng.random(ns) < 0.8
        ex = keep & (rng.random(ns) < 0.1)
        i, j = np.nonzero((d <= r) & keep[None, :])
        did = [f"{c}{k}" for k in range(nd)]
        costs = rng.integers(1, 4, ns) if cat_costs else np.zeros(ns)
        ks = np.flatnonzero(keep)
        probs[c] = CoverageProblem.from_pairs(
            did, rng.integers(1, 30, nd), [sid[k] for k in ks], costs[ks],
            [did[k] for k in i], [sid[k] for k in j], d[i, j], r, existing=ex[ks])
    return probs, {s: float(v) for s, v in zip(sid, rng.integers(2, 7, ns))}


@pytest.mark.parametrize("seed", range(3))
def test_engines_equal_the_joint_mip_on_larger_instances(seed):
    probs, sc = _medium(seed, cat_costs=False)
    cases = [dict(p=4), dict(p=4, budget=14.0), dict(budget=12.0),
             dict(targets={c: P.reachable_share() for c, P in probs.items()}),
             dict(targets={"c": 0.7 * probs["c"].reachable_share()})]
    for kw in cases:
        for colocate in ((), CHAIN):
            plan = solve_multi(probs, site_costs=sc, colocate=colocate, solver="highs", **kw)
            mip = solve_multi(probs, site_costs=sc, colocate=colocate, solver="highs",
                              _joint_mip=True, **kw)
            assert plan.details["path"] == "stations", kw
            if mip.objective is None:  # the rules keep some reachable row out of reach
                assert mip.status == plan.status == "infeasible", kw
                continue
            assert mip.status == "optimal", kw
            assert plan.status == "optimal", kw
            assert plan.objective == pytest.approx(mip.objective), (kw, colocate)
            _check_rules(plan, probs, colocate)


@pytest.mark.parametrize("seed", range(3))
def test_station_path_without_reductions_and_degenerate_costs(seed):
    # reduce=False keeps the built stations as fixed columns of the station model; no site
    # costs at all makes every target plan cost 0 (the engine then counts stations)
    probs, sc = _instance(seed, cat_costs=False)
    full = {c: P.reachable_share() for c, P in probs.items()}
    one = {"a": 0.5 * probs["a"].reachable_share()}
    for kw in (dict(p=2), dict(budget=8.0), dict(p=1, budget=8.0), dict(targets=full),
               dict(targets=one)):
        for colocate in ((), CHAIN):
            best = _brute(probs, sc, colocate=colocate, **kw)
            plan = solve_multi(probs, site_costs=sc, colocate=colocate, solver="highs",
                               reduce=False, **kw)
            assert plan.details["path"] == "stations", kw
            if best is None:
                assert plan.status == "infeasible", kw
                continue
            assert plan.status == "optimal" and plan.objective == pytest.approx(best), kw
    free = dict.fromkeys(sc, 0.0)
    plan = solve_multi(probs, site_costs=None, budget=0.0, solver="highs")
    assert plan.objective == pytest.approx(_brute(probs, free, budget=0.0))
    plan = solve_multi(probs, targets=one, solver="highs")
    assert plan.status == "optimal" and plan.objective == 0.0
    assert plan.categories["a"]["share"] >= one["a"] - 1e-9
