"""``siting optimize`` on bring-your-own CSVs; expected values in tests/data/optimize/README.md."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pandas as pd
import pytest

from _util import DATA as TEST_DATA
from siting.cli import optimize as cli_optimize

DATA = TEST_DATA / "optimize"


def _args(tmp_path, *extra, reach="pairs.csv", within="400 m"):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_optimize.add_parser(sub)
    return parser.parse_args([
        "optimize", "--demand", str(DATA / "demand.csv"), "--sites", str(DATA / "sites.csv"),
        "--reach", str(DATA / reach), "--within", within, "--out", str(tmp_path / "out"),
        *extra,
    ])


def test_p_writes_plan_and_assignment(tmp_path):
    args = _args(tmp_path, "--p", "2")
    assert args.func(args) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    for key in ("status", "objective", "bound", "gap", "selected_sites", "covered_weight",
                "total_weight", "solve_seconds"):
        assert key in plan
    assert plan["status"] == "optimal"
    assert sorted(plan["selected_sites"]) == ["A01", "A03"]
    assert plan["covered_weight"] == pytest.approx(170)
    assert plan["total_weight"] == pytest.approx(210)
    a = pd.read_csv(tmp_path / "out" / "assignment.csv", dtype={"demand_id": str,
                                                               "site_id": str})
    assert set(a.demand_id) == {"001", "002", "003", "004", "005", "006"}  # leading zeros kept
    row = a.set_index("demand_id").loc["002"]
    assert row.site_id == "A01" and row.distance == pytest.approx(380)
    assert not a.set_index("demand_id").loc["003"].covered
    assert a.set_index("demand_id").loc["006"].site_id == "E01"
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_target_in_minutes_with_highs(tmp_path):
    args = _args(tmp_path, "--target", "0.8", "--solver", "highs", reach="pairs_minutes.csv",
                 within="6.6 min")
    assert cli_optimize.run(args) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert sorted(plan["selected_sites"]) == ["A01", "A03"]
    assert plan["objective"] == pytest.approx(7)
    assert plan["solver"] == "highs"


def test_frontier_files(tmp_path):
    args = _args(tmp_path, "--p", "1", "--frontier", "3")
    assert cli_optimize.run(args) == 0
    fr = pd.read_csv(tmp_path / "out" / "frontier.csv")
    assert list(fr.k) == [1, 2, 3]
    assert fr.covered_weight.tolist() == pytest.approx([90, 170, 210])
    assert (tmp_path / "out" / "frontier.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("extra, reach, within, needle", [
    (("--p", "2"), "pairs_unknown.csv", "400 m", "not in the demand table"),
    (("--p", "9"), "pairs.csv", "400 m", "larger than the 3 candidate"),
    (("--budget", "1"), "pairs.csv", "400 m", "below the cheapest"),
    (("--p", "1", "--solver", "gurobi"), "pairs.csv", "400 m", "choose one of auto, cbc, highs"),
    (("--p", "1"), "pairs.csv", "5 min", "no 'minutes' or 'seconds' column"),
    (("--p", "1"), "pairs.csv", "400", "write a number and a unit"),
    (("--p", "1", "--target", "0.5"), "pairs.csv", "400 m", "not both"),
    ((), "pairs.csv", "400 m", "give a goal"),
])
def test_input_errors_exit_2_and_write_nothing(tmp_path, capsys, extra, reach, within, needle):
    args = _args(tmp_path, *extra, reach=reach, within=within)
    assert cli_optimize.run(args) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert not (tmp_path / "out" / "plan.json").exists()


def test_missing_file_and_column(tmp_path, capsys):
    args = _args(tmp_path, "--p", "1")
    args.sites = str(tmp_path / "nope.csv")
    assert cli_optimize.run(args) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "sites.csv"
    bad.write_text("id,price\nA01,3\n")
    args.sites = str(bad)
    assert cli_optimize.run(args) == 2
    assert "lacks column(s) cost" in capsys.readouterr().err


def test_module_runs_as_subprocess(tmp_path):
    out = tmp_path / "sub"
    res = subprocess.run(
        [sys.executable, "-m", "siting.cli.optimize", "--demand", str(DATA / "demand.csv"),
         "--sites", str(DATA / "sites.csv"), "--reach", str(DATA / "pairs.csv"),
         "--within", "400 m", "--p", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert plan["covered_weight"] == pytest.approx(90)
    bad = subprocess.run(
        [sys.executable, "-m", "siting.cli.optimize", "--demand", str(DATA / "demand.csv"),
         "--sites", str(DATA / "sites.csv"), "--reach", str(DATA / "pairs_unknown.csv"),
         "--within", "400 m", "--p", "1", "--out", str(tmp_path / "bad")],
        capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


# --model: by hand from tests/data/optimize (within 400 m; the penalty defaults to 400 m).
# Nothing new: 200 people at 400 m + 10 at 100 m = 81,000 person-metres. A01 saves
# 50·280 + 30·20 = 14,600 (A02 7,900; A03 7,000), so p = 1 opens A01: 66,400; p = 2 opens
# A01 + A02: 59,100 (A01 + A03: 59,400). p-center: 001 is reached only by A01, 004 only by A03
# and 003 only by A02, so p = 2 is infeasible and p = 3 gives the longest walk 390 m (003).
# Linear attendance, p = 1: A01 brings 50·0.7 + 30·0.05 = 36.5, the existing E01 7.5: 44.
@pytest.mark.parametrize("p,sites,objective", [("1", ["A01"], 66400.0), ("2", ["A01", "A02"], 59100.0)])
def test_model_p_median(tmp_path, p, sites, objective):
    args = _args(tmp_path, "--model", "p_median", "--p", p)
    assert args.func(args) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["model"] == "p_median" and plan["status"] == "optimal"
    assert sorted(plan["selected_sites"]) == sites
    assert plan["objective"] == pytest.approx(objective)
    assert plan["details"]["penalty"] == pytest.approx(400.0)


def test_model_p_median_penalty(tmp_path):
    args = _args(tmp_path, "--model", "p_median", "--p", "1", "--penalty", "1000 m")
    assert args.func(args) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    # A01: 50·120 + 30·380 + (40 + 20 + 60)·1000 + 10·100 = 138,400; A03: 146,000; A02: 151,100
    assert plan["selected_sites"] == ["A01"]
    assert plan["objective"] == pytest.approx(138400.0)
    assert plan["details"]["unassigned_weight"] == pytest.approx(120.0)


def test_model_p_center_and_attendance(tmp_path):
    args = _args(tmp_path, "--model", "p_center", "--p", "3")
    assert args.func(args) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["status"] == "optimal" and plan["objective"] == pytest.approx(390.0)
    args = _args(tmp_path, "--model", "p_center", "--p", "2")
    assert args.func(args) == 1  # an infeasible plan is written and exits 1 (docs/outputs.md)
    assert json.loads((tmp_path / "out" / "plan.json").read_text())["status"] == "infeasible"
    args = _args(tmp_path, "--model", "attendance", "--p", "1", "--decay", "linear")
    assert args.func(args) == 0
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["selected_sites"] == ["A01"] and plan["objective"] == pytest.approx(44.0)
    assert plan["details"]["decay"]["formula"] == "linear: f(d) = 1 - d/400, 0 beyond 400"


@pytest.mark.parametrize("extra,needle", [
    (("--model", "p_median", "--target", "0.5"), "not --target"),
    (("--model", "attendance"), "needs --p"),
    (("--model", "attendance", "--p", "1", "--decay", "power"), "needs beta"),
    (("--model", "attendance", "--p", "1", "--decay-half-distance", "5 min", "--decay", "exponential"), "distance"),
    (("--p", "1", "--penalty", "500 m"), "--model p_median"),
    (("--model", "p_center", "--p", "1", "--frontier", "2"), "covering models"),
])
def test_model_input_errors_exit_2(tmp_path, capsys, extra, needle):
    args = _args(tmp_path, *extra)
    assert args.func(args) == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
