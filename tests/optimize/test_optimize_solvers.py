"""Solver plumbing: the CBC watchdog, HiGHS built directly from sparse arrays, heuristic
starts for the capacitated and multi-category models."""

from __future__ import annotations

import os
import stat
import time

import numpy as np
import pytest
from test_optimize import _big_instance, _multi_brute, _multi_instance
from test_optimize_helpers import brute_capacitated, brute_max_cover, random_instance

from siting.optimize import (
    CoverageProblem,
    covering,
    jobs,
    mip,
    solve_max_cover,
    solve_multi,
    solve_target,
)
from siting.optimize.heuristics import greedy_max_cover
from siting.optimize.models import build, start_vector
from siting.optimize.reduce import reduce_problem
from siting.optimize.starts import capacitated_value as start_value
from siting.optimize.starts import greedy_capacitated


def _fake_cbc(tmp_path, body: str) -> str:
    """A stand-in for the CBC binary (a shell script) to drive the watchdog."""
    path = tmp_path / "fake_cbc"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


# ---------------------------------------------------------------------------------- watchdog
def test_watchdog_ends_a_cbc_that_ignores_its_limit(tmp_path, monkeypatch):
    # a "CBC" that ignores -sec and SIGINT: the watchdog must kill it and keep the heuristic
    fake = _fake_cbc(tmp_path, "trap '' INT\nsleep 600")
    monkeypatch.setattr(mip, "cbc_path", lambda: fake)
    monkeypatch.setattr(mip, "CBC_KILL_AFTER", 0.5)
    prob = random_instance(3, nd=60, ns=14)
    red = reduce_problem(prob)
    built = build(red, sense="max", p=3)
    x0 = start_vector(built, red, greedy_max_cover(red, 3, None))
    t0 = time.perf_counter()
    out = jobs.solve_sparse(built.mip, "cbc", time_limit=1.0, gap=None, start=x0)
    assert time.perf_counter() - t0 < 1.0 + 3.0  # ended by the watchdog (it would sleep 600 s)
    assert out.status == "time_limit" and "watchdog" in out.message and out.x is None
    # through a model that always runs the MIP (the greedy + MIP path of the capacitated
    # models, still used with single assignment or a budget): the heuristic plan is kept
    monkeypatch.setattr(covering, "CAPACITATED_ENGINE", False)
    plan = solve_max_cover(prob, 3, capacitated=True, time_limit=1.0, solver="cbc")
    assert plan.status == "time_limit" and "watchdog" in plan.message
    assert plan.objective is not None and 0 < plan.n_new <= 3


def test_crashed_cbc_returns_the_heuristic_plan_not_an_error(tmp_path, monkeypatch):
    fake = _fake_cbc(tmp_path, "exit 3")
    monkeypatch.setattr(mip, "cbc_path", lambda: fake)
    prob = random_instance(4, nd=60, ns=14)
    monkeypatch.setattr(covering, "CAPACITATED_ENGINE", False)  # the greedy + MIP path
    plan = solve_max_cover(prob, 3, capacitated=True, solver="cbc")  # no limit: heuristic
    assert plan.status == "heuristic"
    assert "exit code 3" in plan.message
    assert plan.objective is not None and plan.n_new == 3
    target = solve_target(prob, 0.5, time_limit=5, solver="cbc")
    assert target.status in ("time_limit", "optimal") and target.share >= 0.5 - 1e-9


@pytest.mark.slow
def test_big_instance_with_two_seconds_returns_a_plan():
    prob = _big_instance(seed=6, nd=20000, ns=3000, radius=0.05)
    for solver in ("cbc", "highs"):
        plan = solve_max_cover(prob, 60, time_limit=2.0, solver=solver)
        assert plan.status == "time_limit"
        assert len(plan.selected_sites) == 60
        assert plan.objective is not None and plan.bound >= plan.objective - 1e-6
        assert plan.gap is not None and plan.gap > 0


# ---------------------------------------------------------------------------------- HiGHS
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_highs_direct_model_equals_cbc(seed):
    prob = random_instance(seed, nd=50, ns=12)
    cases = [
        (solve_max_cover, {"p": 3}),
        (solve_max_cover, {"budget": 7.0}),
        (solve_target, {"target": 0.7}),
        (solve_target, {"target": 0.6, "minimize": "count"}),
        (solve_max_cover, {"p": 3, "capacitated": True}),
        (solve_max_cover, {"p": 2, "capacitated": True, "single_assignment": True}),
        (solve_target, {"target": 0.4, "capacitated": True}),
    ]
    for fn, kw in cases:
        a = fn(prob, **kw, solver="cbc", warm_start=False)
        b = fn(prob, **kw, solver="highs", warm_start=False)
        assert a.status == b.status, (fn.__name__, kw)
        if a.objective is not None:
            assert a.objective == pytest.approx(b.objective, rel=1e-7), (fn.__name__, kw)
    assert solve_max_cover(prob, 3, solver="highs").objective == pytest.approx(
        brute_max_cover(prob, p=3))


def test_multi_cbc_and_highs_agree_with_brute_force():
    probs, site_costs = _multi_instance()
    colocate = (("health", "elderly"),)
    best = _multi_brute(probs, site_costs, colocate=colocate, p=2)
    for solver in ("cbc", "highs"):
        plan = solve_multi(probs, site_costs=site_costs, p=2, colocate=colocate, solver=solver)
        assert plan.status == "optimal" and plan.objective == pytest.approx(best)


def test_mps_round_trip_keeps_the_model():
    # the same SparseMIP through CBC (MPS file) and HiGHS (passModel): same optimum, and the
    # CBC solution satisfies the model's rows
    prob = random_instance(7, nd=60, ns=14)
    red = reduce_problem(prob, capacitated=True)
    built = build(red, sense="max", p=3, capacitated=True)
    a = jobs.solve_sparse(built.mip, "cbc", time_limit=None, gap=None)
    b = jobs.solve_sparse(built.mip, "highs", time_limit=None, gap=None)
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-7)
    assert built.mip.feasible(a.x) and built.mip.feasible(b.x)


# ---------------------------------------------------------------------------------- starts
def _check_capacitated(prob, red, open_cols, frac, p=None):
    A = red.A
    row_of = np.repeat(np.arange(red.n_rows), np.diff(A.indptr))
    col_of = A.indices
    open_mask = red.fixed.copy()
    open_mask[open_cols] = True
    assert np.all((frac >= -1e-12) & (frac <= 1 + 1e-12))
    assert np.all(frac[~open_mask[col_of]] == 0)  # only open stations serve
    assert np.all(np.bincount(row_of, weights=frac, minlength=red.n_rows) <= 1 + 1e-9)
    load = np.bincount(col_of, weights=red.h[row_of] * frac, minlength=red.n_cols)
    assert np.all(load <= red.cap + 1e-6)  # capacities hold
    if p is not None:
        assert open_cols.size <= p


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 5, 8])
@pytest.mark.parametrize("single", [False, True])
def test_capacitated_greedy_is_feasible_and_below_optimum(seed, single):
    prob = random_instance(seed, nd=30, ns=9)
    red = reduce_problem(prob, capacitated=True)
    open_cols, frac = greedy_capacitated(red, 2, None, single=single)
    _check_capacitated(prob, red, open_cols, frac, p=2)
    if single:
        assert set(np.round(frac, 12)) <= {0.0, 1.0}
    value = start_value(red, frac)
    assert value <= brute_capacitated(prob, 2) + 1e-6
    assert value > 0
    # the start is accepted by the model as a feasible solution
    built = build(red, sense="max", p=2, capacitated=True, single_assignment=single)
    assert built.mip.feasible(start_vector(built, red, open_cols, frac))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_capacitated_target_greedy_meets_its_target(seed):
    prob = random_instance(seed, nd=30, ns=9)
    red = reduce_problem(prob, capacitated=True)
    need = 0.3 * red.total
    got = greedy_capacitated(red, None, None, need=need)
    assert got is not None
    open_cols, frac = got
    _check_capacitated(prob, red, open_cols, frac)
    assert start_value(red, frac) >= need - 1e-6
    assert greedy_capacitated(red, None, None, need=2 * red.total) is None


def test_capacitated_plan_under_a_limit_is_never_empty(tmp_path, monkeypatch):
    fake = _fake_cbc(tmp_path, "trap '' INT\nsleep 600")
    monkeypatch.setattr(mip, "cbc_path", lambda: fake)
    monkeypatch.setattr(mip, "CBC_KILL_AFTER", 0.5)
    prob = random_instance(2, nd=40, ns=10)
    # the engine may prove the plan before the limit (its bounds need no CBC); the greedy +
    # MIP path must wait for the hung CBC and keep its heuristic plan
    for engine, statuses in ((True, ("time_limit", "optimal")), (False, ("time_limit",))):
        monkeypatch.setattr(covering, "CAPACITATED_ENGINE", engine)
        plan = solve_max_cover(prob, 2, capacitated=True, time_limit=1.0, solver="cbc")
        assert plan.status in statuses and plan.objective is not None
        assert 0 < len(plan.selected_sites) <= 2
        # the assignment it reports respects capacities: recount from the table
        asg = plan.assignment[plan.assignment.covered]
        hh = dict(zip(prob.demand_ids, prob.households))
        cap = dict(zip(prob.site_ids, prob.capacity))
        load = asg.assign(h=asg.demand_id.map(hh) * asg.fraction).groupby("site_id").h.sum()
        assert all(load[s] <= cap[s] + 1e-6 for s in load.index)


@pytest.mark.parametrize("colocate", [(), (("health", "elderly"),)])
def test_multi_heuristic_plan_is_feasible(tmp_path, monkeypatch, colocate):
    fake = _fake_cbc(tmp_path, "exit 1")
    monkeypatch.setattr(mip, "cbc_path", lambda: fake)
    probs, site_costs = _multi_instance()
    targets = {"elderly": 0.6, "health": 0.7}
    plan = solve_multi(probs, site_costs=site_costs, targets=targets, colocate=colocate,
                       time_limit=5, solver="cbc")
    assert plan.status == "time_limit" and plan.objective is not None
    for c, t in targets.items():
        assert plan.categories[c]["share"] >= t - 1e-9
    best = _multi_brute(probs, site_costs, colocate=colocate, targets=targets)
    assert plan.objective >= best - 1e-9
    if colocate:
        health = set(plan.categories["health"]["selected"])
        assert health <= set(plan.categories["elderly"]["selected"]) | {"s0"}
    # p stations and no budget is the station-level model (no MIP needed to prove it);
    # the joint MIP path, forced, still returns the heuristic plan when CBC fails
    engine = solve_multi(probs, site_costs=site_costs, p=2, colocate=colocate, time_limit=5,
                         solver="cbc")
    assert engine.details["path"] == "stations" and engine.status == "optimal"
    assert engine.objective == pytest.approx(_multi_brute(probs, site_costs, colocate=colocate,
                                                          p=2))
    cover = solve_multi(probs, site_costs=site_costs, p=2, colocate=colocate, time_limit=5,
                        solver="cbc", _joint_mip=True)
    assert cover.details["path"] == "joint_mip"
    assert cover.status == "time_limit"
    assert len(set(cover.selected_sites) - set(cover.existing_sites)) <= 2  # new stations
    assert cover.objective <= _multi_brute(probs, site_costs, colocate=colocate, p=2) + 1e-9
    if colocate:
        health = set(cover.categories["health"]["selected"])
        assert health <= set(cover.categories["elderly"]["selected"]) | {"s0"}


def test_fake_cbc_script_is_executable(tmp_path):
    # guards the two tests above: the stand-in really runs on this system
    fake = _fake_cbc(tmp_path, "exit 0")
    assert os.access(fake, os.X_OK)


def test_coverage_problem_unchanged_for_callers():
    # planning.py builds problems with from_pairs and positional arguments
    prob = CoverageProblem.from_pairs(["a", "b"], [1, 2], ["s"], [1.0], ["a"], ["s"], [5.0], 10)
    assert solve_max_cover(prob, 1, solver="highs").objective == pytest.approx(1.0)


def test_cbc_preprocessing_out_of_time_is_not_infeasible(tmp_path, monkeypatch):
    # CBC's answer when its preprocessing runs out of time on a loaded machine (issue #15):
    # "Pre-processing says infeasible" and an infeasible solution file; with a checked
    # feasible start in hand, the solve is time_limit, never infeasible
    fake = _fake_cbc(tmp_path, 'for last; do :; done\n'
                     'echo "Pre-processing says infeasible or unbounded"\n'
                     'echo "Integer infeasible - objective value 0.00000000" > "$last"')
    monkeypatch.setattr(mip, "cbc_path", lambda: fake)
    prob = random_instance(5, nd=60, ns=14)
    red = reduce_problem(prob)
    built = build(red, sense="max", p=3)
    x0 = start_vector(built, red, greedy_max_cover(red, 3, None))
    out = jobs.solve_sparse(built.mip, "cbc", time_limit=5.0, gap=None, start=x0)
    assert out.status == "time_limit" and "feasible plan is in hand" in out.message
    monkeypatch.setattr(covering, "CAPACITATED_ENGINE", False)  # the greedy + MIP path
    plan = solve_max_cover(prob, 3, capacitated=True, time_limit=5.0, solver="cbc")
    assert plan.status == "time_limit" and plan.objective is not None and plan.n_new > 0
    target = solve_target(prob, 0.3, capacitated=True, time_limit=5.0, solver="cbc")
    assert target.status == "time_limit" and target.share >= 0.3 - 1e-9


def test_highs_child_hooks_stop_when_the_parent_is_gone(tmp_path, monkeypatch):
    """The child process's hooks ask HiGHS to stop on a stop file, when the parent died (the
    child was handed to another parent) and when the exchange folder was removed."""
    from siting.optimize import highs_child

    def fresh():
        h = highs_child.FileHooks(str(tmp_path))
        assert not h.should_stop()
        h._last_check = -1.0  # the hooks look at most every 20 ms
        return h

    h = fresh()
    (tmp_path / "stop").write_text("")
    assert h.should_stop()
    (tmp_path / "stop").unlink()
    h = fresh()
    monkeypatch.setattr(highs_child.os, "getppid", lambda: -1)
    assert h.should_stop()
    monkeypatch.undo()
    sub = tmp_path / "x"
    sub.mkdir()
    h = highs_child.FileHooks(str(sub))
    assert not h.should_stop()
    sub.rmdir()
    h._last_check = -1.0
    assert h.should_stop()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
def test_highs_child_does_not_outlive_a_killed_parent(tmp_path):
    """A parent that starts HiGHS in a child process without a time limit and is then killed
    (SIGKILL: no cleanup runs) leaves no solver running: the child stops within seconds. The
    model is a market split instance (Cornuéjols & Dawande 1999), which branch-and-bound does
    not finish in minutes; the test checks the child was still running before the kill."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "parent.py"
    script.write_text(
        "import time, numpy as np, scipy.sparse as sp\n"
        "from siting.optimize.mip import SparseMIP\n"
        "from siting.optimize.jobs import HighsProcessJob\n"
        "rng = np.random.default_rng(1)\n"
        "A = rng.integers(0, 100, (5, 40)).astype(float)\n"
        "rhs = np.floor(A.sum(1) / 2)\n"
        "mip = SparseMIP(c=np.zeros(40), A=sp.csc_matrix(A), row_lo=rhs, row_hi=rhs,\n"
        "                col_lo=np.zeros(40), col_hi=np.ones(40), integer=np.ones(40, bool),\n"
        "                maximize=False)\n"
        "job = HighsProcessJob(mip, time_limit=None, gap=None, threads=1, start=None)\n"
        "print(job.proc.pid, flush=True)\n"
        "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(3.0)  # the child imports highspy and starts branching
        assert _alive(child), "the solver ended by itself: the test would prove nothing"
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        end = time.monotonic() + 10.0
        while _alive(child) and time.monotonic() < end:
            time.sleep(0.1)
        assert not _alive(child)
    finally:
        parent.kill()
        parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
