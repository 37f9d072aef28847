"""Local catalogs layered over the national ones: how ``extends`` resolves, what each layer gives,
and where every figure is written (document, number, date, clause)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from siting.errors import ScenarioError
from siting.standards import Citation, list_standards, load_categories, load_standard, resolve_categories, validate_catalog

LOCAL = ("local-jinzhong", "local-yantai", "local-hanzhong", "local-jilin")


def keys(cats):
    return [c.key for c in cats]


# ------------------------------------------------------------------------------ layering ----


def test_local_catalogs_ship_and_validate():
    assert set(LOCAL) <= set(list_standards())
    assert validate_catalog() == []
    assert load_standard("local-jilin").scope == "provincial"
    for name in LOCAL[:3]:
        assert load_standard(name).scope == "local"


def test_jinzhong_layers_over_gb50180_and_the_plan():
    std = load_standard("local-jinzhong")
    assert std.layers == ("GB50180-2018", "14th-FYP-community-services", "local-jinzhong")
    assert [lv.key for lv in std.levels] == ["residential_block", "5min", "10min", "15min"] and std.inclusive
    own = load_standard("local-jinzhong", layered=False)
    assert own.layers == ("local-jinzhong",) and not own.levels and len(own.entries) == 1
    # the categories are GB 50180's at the level (nothing dropped, nothing added) ...
    for level in ("5min", "15min"):
        assert keys(resolve_categories(standard="local-jinzhong", level=level)) == keys(
            resolve_categories(standard="GB50180-2018", level=level))
    cats = {c.key: c for c in resolve_categories(standard="local-jinzhong", level="15min")}
    national = {c.key: c for c in resolve_categories(standard="GB50180-2018", level="15min")}
    # ... with 晋中's figure on top (500 m², replacing the 800 m² default) and GB 50180's threshold kept
    assert cats["community_service"].area_norm_m2 == 500 and national["community_service"].area_norm_m2 == 800
    assert cats["community_service"].threshold == national["community_service"].threshold == "300 m"
    for k in cats:
        if k != "community_service":
            assert cats[k] == national[k], k


def test_local_indicators_replace_the_national_ones_by_key():
    jz = load_standard("local-jinzhong")
    fyp = load_standard("14th-FYP-community-services")
    assert jz.indicator("facility_area_per_100_households").source == "local-jinzhong"
    assert fyp.indicator("facility_area_per_100_households").source == "14th-FYP-community-services"
    # a national indicator without a value gets 晋中's: more than 10 %
    assert fyp.indicator("new_community_service_floor_share").value is None
    share = jz.indicator("new_community_service_floor_share")
    assert share.value == 0.1 and share.comparison == ">" and share.passes(0.1) is False and share.passes(0.1001)
    # national ones 晋中 does not restate stay, with their own source
    assert jz.indicator("rural_facility_coverage").source == "14th-FYP-community-services"
    assert [i.key for i in jz.indicators][:len(fyp.indicators)] == [i.key for i in fyp.indicators]  # in place


def test_yantai_adds_canteens_and_shelters_to_the_level():
    cats = keys(resolve_categories(standard="local-yantai", level="15min"))
    gb = keys(resolve_categories(standard="GB50180-2018", level="15min"))
    assert cats[:len(gb)] == gb and cats[len(gb):] == ["community_canteen", "emergency_shelter"]


def test_a_city_file_extends_a_shipped_local_catalog(tmp_path: Path):
    f = tmp_path / "my-hanzhong.toml"
    f.write_text('''
[document]
key = "my-hanzhong"
name_zh = "汉台区目标"
name_en = "Hantai targets"
scope = "local"
status = "confirmed"
extends = ["local-hanzhong"]

[[indicators]]
key = "elderly_care_15min_circle"
name_zh = "15分钟社区居家养老服务圈"
name_en = "15-minute home elderly-care circle"
value = 0.9
unit = "share"
status = "confirmed"
measure = "reach"
categories = ["elderly_care"]
threshold = "15 min"
group = "elderly"
speed = "elderly"
''', encoding="utf-8")
    assert validate_catalog(f) == []
    std = load_standard(f)
    assert std.layers == ("GB50180-2018", "14th-FYP-community-services", "local-hanzhong", "my-hanzhong")
    circle = std.indicator("elderly_care_15min_circle")
    assert circle.value == 0.9 and circle.source == "my-hanzhong" and circle.passes(0.9)
    assert std.indicator("elderly_facility_coverage").source == "local-hanzhong"
    assert keys(resolve_categories(standard=str(f), level="15min")) == keys(
        resolve_categories(standard="GB50180-2018", level="15min"))


def _catalog(folder: Path, key: str, extends: list[str], levels: bool = False) -> Path:
    text = f'''
[document]
key = "{key}"
name_zh = "测试"
name_en = "Test"
scope = "local"
status = "confirmed"
extends = {extends!r}
'''.replace("'", '"')
    if levels:
        text += '''
[[levels]]
key = "one"
rank = 0
name_zh = "一"
name_en = "one"
status = "confirmed"
'''
    p = folder / f"{key}.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_layer_problems_are_reported(tmp_path: Path):
    a = _catalog(tmp_path, "a", ["b.toml"])
    _catalog(tmp_path, "b", ["a.toml"])
    with pytest.raises(ScenarioError, match="circle"):
        load_standard(a)
    assert any("a → b → a" in p for p in validate_catalog(a))
    bad = _catalog(tmp_path, "c", ["GB50180", "nope.toml"])
    problems = validate_catalog(bad)
    assert any("'GB50180'" in p and "GB50180-2018" in p for p in problems)   # the closest name is offered
    assert any("nope.toml" in p and "does not exist" in p for p in problems)
    two = _catalog(tmp_path, "d", ["GB50180-2018", "MOFCOM-2021-15min"])
    with pytest.raises(ScenarioError, match="extend only one of them"):
        load_standard(two)
    own = _catalog(tmp_path, "e", ["GB50180-2018"], levels=True)
    with pytest.raises(ScenarioError, match="GB50180-2018, e"):
        load_standard(own)


def test_bad_rules_and_measures_report_every_problem(tmp_path: Path):
    f = tmp_path / "bad.toml"
    f.write_text('''
[document]
key = "bad"
name_zh = "坏"
name_en = "Bad"
scope = "local"
status = "confirmed"

[[rules]]
key = "r1"
kind = "planned_area"
name_zh = "一"
name_en = "one"
status = "confirmed"
cites = "nowhere"

[[rules]]
key = "r2"
kind = "floor_share"
name_zh = "二"
name_en = "two"
value = 10
unit = "m2"
status = "confirmed"

[[rules]]
key = "r3"
kind = "provision"
name_zh = "三"
name_en = "three"
categories = ["elderly_cair"]
status = "confirmed"

[[indicators]]
key = "i1"
name_zh = "一"
name_en = "one"
unit = "share"
status = "confirmed"
measure = "reach"
''', encoding="utf-8")
    text = "\n".join(validate_catalog(f))
    for words in ("r1", "needs category", "needs a value", "'nowhere' is not a document", "r2",
                  "0–1 (0.1 = 10 %)", "measured in share", "'elderly_cair'", "i1", "needs categories",
                  "needs a threshold"):
        assert words in text, words


# ----------------------------------------------------------------------------- citations ----


def _figures(std):
    return [*std.entries, *std.indicators, *std.rules]


@pytest.mark.parametrize("name", LOCAL)
def test_every_local_figure_cites_document_date_and_clause(name):
    own = load_standard(name, layered=False)
    assert _figures(own)
    for fig in _figures(own):
        c = fig.citation
        assert isinstance(c, Citation) and c.clause and c.clause_en and c.date, (name, fig)
        assert c.status == fig.status == "confirmed"
        zh, en = c.text("zh"), c.text("en")
        assert c.clause in zh and c.date in zh and c.clause_en in en and c.date in en
        if c.number:
            assert c.number in zh and c.number in en
        assert fig.note or getattr(fig, "quantity", "")


def test_document_numbers_and_dates():
    assert load_standard("local-jinzhong").citation.text("zh").startswith(
        "《晋中市“十四五”城乡社区服务体系建设实施方案》（市政办发〔2022〕44号，2022-12-15）")
    assert load_standard("local-hanzhong").number == "汉民函〔2022〕100号"
    assert load_standard("local-yantai").index == "11370600004260360F/2023-01395"
    jl = load_standard("local-jilin").rule("village_outdoor_area")
    assert jl.value == 1000 and jl.citation.document == "mca-2021-08-27" and jl.citation.date == "2021-08-27"


def test_national_targets_cite_the_peoples_daily_interview():
    fyp = load_standard("14th-FYP-community-services")
    for key in ("urban_facility_coverage", "rural_facility_coverage", "residents_activity_share", "facility_open_hours"):
        c = fyp.indicator(key).citation
        assert c.document == "rmrb-2022-02-11" and c.date == "2022-02-11" and c.clause, key
        assert fyp.indicator(key).status == "confirmed" and not c.ref, key
    assert fyp.indicator("residents_activity_share").value == 0.6
    assert fyp.indicator("facility_open_hours").value == 8
    # ≥30 m² per 100 households is not in the interview: the NDRC briefing [S17] stays its source
    c = fyp.indicator("facility_area_per_100_households").citation
    assert c.document == "14th-FYP-community-services" and c.ref == "[S17]" and c.number == "国办发〔2021〕56号"


def test_new_categories_are_flagged():
    table = load_categories()
    for key in ("community_canteen", "emergency_shelter", "supply_coop"):
        cat = table[key]
        assert cat.status == "unconfirmed" and "planning default" in cat.note and not cat.basic, key
        assert cat.source in list_standards()
    assert table["emergency_shelter"].matches({"emergency": "assembly_point"})
    assert table["supply_coop"].matches({"shop": "agrarian"}) and not table["supply_coop"].amap_typecodes


def test_chinese_citations_are_chinese_throughout():
    for name in list_standards():
        std = load_standard(name, layered=False)
        for fig in (*_figures(std), std):
            text = fig.citation.text("zh")
            assert not re.search(r"[A-Za-z]{3,}", text), (name, text)
    fresh = load_standard("TD-T-1062-2021").entries[0].citation
    assert fresh.text("zh").endswith("表A.1") and fresh.text("en").endswith("Table A.1")
