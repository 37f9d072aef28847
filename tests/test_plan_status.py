"""Statuses that say why: an infeasible plan tells its reason on the console, in the report and
on the map (in the run's language), and exits with code 1 from `siting run` and `siting optimize`;
mistakes the candidates alone reveal are told before the coverage stage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from siting.cli import main
from siting.cli import optimize as cli_optimize

SCENARIO = """name = "s"
lang = "{lang}"
[network]
source = "synthetic:n=600,seed=1"
[demand]
source = "synthetic"
[facilities]
source = "synthetic"
[categories]
use = ["pharmacy"]
[map]
pdf = false
path = "{root}/maps/s.html"
[output]
dir = "{root}/out/s"
[optimize]
categories = ["pharmacy"]
{goal}
[optimize.candidates]
spacing = "1500 m"
{candidates}
"""


def scenario(root: Path, *, lang: str = "en", goal: str = "target = 1.0", candidates: str = "") -> Path:
    p = root / "s.toml"
    p.write_text(SCENARIO.format(lang=lang, root=root.as_posix(), goal=goal, candidates=candidates), encoding="utf-8")
    return p


def map_warnings(path: Path) -> list[str]:
    m = re.search(r'"warnings":(\[.*?\])', path.read_text(encoding="utf-8"))
    assert m, "the map carries its warnings"
    return json.loads(m.group(1))


def test_infeasible_target_says_why_everywhere_and_exits_1(tmp_path, capsys):
    code = main(["-q", "run", str(scenario(tmp_path)), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    summary = json.loads((tmp_path / "out" / "s" / "summary.json").read_text())
    plan = summary["optimization"]["plans"]["pharmacy"]
    reach = plan["reachable_share"]
    before = summary["optimization"]["coverage_before_after"][0]["share_before"]
    assert plan["status"] == "infeasible" and before <= reach < 1.0
    # console, report and map: the same reason, in the planner's words (and the exit code)
    reason = (f"target 100.0 % cannot be reached: existing and candidate sites together cover at most "
              f"{100 * reach:.1f} % of the residents; lower the target or add candidate sites")
    assert f"Infeasible: {reason}" in out
    assert "exit code 1" in out
    report = (tmp_path / "out" / "s" / "report.html").read_text(encoding="utf-8")
    assert f"<b>Pharmacy</b> – Infeasible: {reason}" in report
    assert map_warnings(tmp_path / "out" / "s" / "map.html") == [f"Pharmacy – Infeasible: {reason}"]
    assert (tmp_path / "maps" / "s.html").read_bytes() == (tmp_path / "out" / "s" / "map.html").read_bytes()


def test_infeasible_reason_in_chinese(tmp_path, capsys):
    assert main(["-q", "run", str(scenario(tmp_path, lang="zh")), "--no-progress"]) == 1
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "out" / "s" / "summary.json").read_text())
    reach = summary["optimization"]["plans"]["pharmacy"]["reachable_share"]
    report = (tmp_path / "out" / "s" / "report.html").read_text(encoding="utf-8")
    reason = f"目标100.0%无法达到：现有设施与候选站点合计最多覆盖{100 * reach:.1f}%的居民；请降低目标或增加候选站点"
    para = re.search(r"<p class='warn plan-reason'[^>]*>(.*?)</p>", report).group(1)
    assert reason in para and "无可行解" in para
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", "", para)), "zh output is Chinese throughout"
    (warning,) = map_warnings(tmp_path / "out" / "s" / "map.html")
    assert reason in warning
    assert f"无可行解：{reason}" in out and "药店 没有能达到目标的方案" in out and "退出码 1" in out


def test_optimize_cli_infeasible_exits_1_with_the_reason(tmp_path, capsys):
    """Weights 60 + 40; the only site reaches the first: at most 0.6 of the weight."""
    (tmp_path / "d.csv").write_text("id,weight\nd1,60\nd2,40\n")
    (tmp_path / "s.csv").write_text("id,cost\ns1,1\n")
    (tmp_path / "r.csv").write_text("demand_id,site_id,metres\nd1,s1,100\n")
    args = cli_optimize.main  # the module entry and the sub-command share run()
    code = args(["--demand", str(tmp_path / "d.csv"), "--sites", str(tmp_path / "s.csv"), "--reach",
                 str(tmp_path / "r.csv"), "--within", "400 m", "--target", "0.9", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert "infeasible: target 0.9 cannot be reached" in err and "at most 0.6000 of the weight" in err
    assert "exit code 1" in err
    plan = json.loads((tmp_path / "o" / "plan.json").read_text())
    assert plan["status"] == "infeasible" and plan["reachable_share"] == pytest.approx(0.6)


@pytest.fixture
def no_coverage(monkeypatch):
    """Fail the test if the coverage stage (the heavy work) starts."""
    monkeypatch.setattr("siting.pipeline.coverage", lambda *a, **k: pytest.fail("the coverage stage ran"))


def test_candidate_polygons_outside_the_network_area(tmp_path, capsys, no_coverage):
    gpd.GeoDataFrame(geometry=[box(116.3, 39.8, 116.4, 39.9)], crs=4326).to_file(tmp_path / "parcels.geojson")
    code = main(["-q", "run", str(scenario(tmp_path, candidates='within = "parcels.geojson"'))])
    err = capsys.readouterr().err
    assert code == 2
    assert "none of the 1 polygons of optimize.candidates.within" in err and "overlaps the network area" in err
    assert "CRS" in err and not (tmp_path / "out" / "s").exists()


def test_p_larger_than_the_candidates_is_found_before_the_coverage_stage(tmp_path, capsys, no_coverage):
    code = main(["-q", "run", str(scenario(tmp_path, goal='model = "max_cover"\np = 500'))])
    err = capsys.readouterr().err
    assert code == 2
    m = re.search(r"optimize.p = 500 is larger than the (\d+) candidate site\(s\) that may host pharmacy", err)
    assert m and "lower optimize.p or add candidates" in err
    assert not (tmp_path / "out" / "s").exists()


def test_early_count_is_the_optimizers_count(tmp_path, capsys, monkeypatch):
    """The candidates counted early are those the covering problem gets (same number in both checks)."""
    from siting.optimize.problem import CoverageProblem

    seen = []
    real = CoverageProblem.from_pairs.__func__

    def spy(cls, *args, **kwargs):
        prob = real(cls, *args, **kwargs)
        seen.append(prob.n_candidates)
        return prob

    monkeypatch.setattr(CoverageProblem, "from_pairs", classmethod(spy))
    assert main(["-q", "run", str(scenario(tmp_path, goal='model = "max_cover"\np = 1'))]) == 0
    capsys.readouterr()
    assert main(["-q", "run", str(scenario(tmp_path, goal='model = "max_cover"\np = 500'))]) == 2
    m = re.search(r"larger than the (\d+) candidate", capsys.readouterr().err)
    assert seen and int(m.group(1)) == seen[0]
