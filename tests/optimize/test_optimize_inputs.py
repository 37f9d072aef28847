"""Bad inputs to siting.optimize: every problem reported, with the fix named."""

from __future__ import annotations

import numpy as np
import pytest

from siting.errors import InputError, ScenarioError, SolverError
from siting.optimize import CoverageProblem, capacity_from_floor_area, frontier, solve_max_cover, solve_multi, solve_target


def _ok(**kw):
    args = dict(demand_ids=["a", "b"], weights=[1, 2], site_ids=["s1", "s2"], costs=[1, 2],
                pair_demand=["a", "b"], pair_site=["s1", "s2"], pair_dist=[10, 20], within=50.0)
    args.update(kw)
    return CoverageProblem.from_pairs(**args)


def test_all_problems_reported_at_once():
    with pytest.raises(ScenarioError) as exc:
        _ok(costs=[-1, np.nan], capacity=[5, -3], weights=[1, -2],
            demand_ids=["a", "a"])
    msg = str(exc.value)
    assert len(exc.value.problems) >= 4
    assert "appear more than once" in msg
    assert "site cost value(s) are missing" in msg and "site cost value(s) are negative" in msg
    assert "site capacity value(s) are negative" in msg
    assert "demand weight value(s) are negative" in msg


def test_unknown_ids_in_pairs_named():
    with pytest.raises(ScenarioError, match=r"not in the sites table \('zz'\)"):
        _ok(pair_site=["s1", "zz"])
    with pytest.raises(ScenarioError, match=r"1 demand id\(s\) not in the demand table"):
        _ok(pair_demand=["a", "q"])


def test_lengths_and_within_checked():
    with pytest.raises(ScenarioError, match="give one per row"):
        _ok(costs=[1])
    with pytest.raises(ScenarioError, match="pair columns differ in length"):
        _ok(pair_dist=[1])
    with pytest.raises(ScenarioError, match="parse_threshold"):
        _ok(within="400 m")
    with pytest.raises(ScenarioError, match="negative or missing"):
        _ok(pair_dist=[10, -1])


def test_pairs_beyond_within_and_duplicates():
    prob = _ok(pair_demand=["a", "a", "b"], pair_site=["s1", "s1", "s2"],
               pair_dist=[40, 30, 60])  # b–s2 at 60 m > 50 m: not covering
    assert prob.cover.nnz == 1 and prob.distance.tolist() == [30]


def test_p_budget_solver_checks():
    prob = _ok(existing=[True, False])
    with pytest.raises(InputError, match="larger than the 1 candidate"):
        solve_max_cover(prob, 2)
    with pytest.raises(InputError, match="below the cheapest candidate site"):
        solve_max_cover(prob, budget=1.0)
    with pytest.raises(InputError, match="give p"):
        solve_max_cover(prob)
    with pytest.raises(InputError, match="whole number"):
        solve_max_cover(prob, 0)
    with pytest.raises(SolverError, match="choose one of auto, cbc, highs"):
        solve_max_cover(prob, 1, solver="gurobi")
    with pytest.raises(SolverError, match="positive number of seconds"):
        solve_max_cover(prob, 1, time_limit=-5)
    with pytest.raises(InputError, match=r"share in \(0, 1\]"):
        solve_target(prob, 80)
    with pytest.raises(InputError, match="needs households and capacity"):
        solve_max_cover(prob, 1, capacitated=True)
    with pytest.raises(InputError, match="at least 1"):
        frontier(prob, 0)


def test_existing_costs_nothing_and_is_never_selected():
    prob = _ok(existing=[True, False], costs=[100, 2])
    assert prob.costs.tolist() == [0, 2]
    plan = solve_max_cover(prob, 1)
    assert plan.existing_sites == ("s1",) and plan.selected_sites == ("s2",)
    assert plan.covered_weight == 3 and plan.cost == 2


def test_capacity_from_floor_area_rejects_bad_area():
    with pytest.raises(InputError, match="negative or missing"):
        capacity_from_floor_area([100, -1])


def test_multi_checks_names():
    prob = _ok()
    with pytest.raises(ScenarioError) as exc:
        solve_multi({"health": prob}, targets={"helth": 0.5}, colocate=[("health", "elderly")],
                    site_costs={"s1": 1})
    msg = str(exc.value)
    assert "'helth'" in msg and "'elderly'" in msg and "site_costs lacks 1 site" in msg
