"""Tests of the category table and the standards catalog (siting.standards)."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

from siting.errors import InputError, ScenarioError
from siting.standards import (
    Category,
    list_standards,
    load_amap_table,
    load_categories,
    load_standard,
    map_amap_typecodes,
    osm_query_tags,
    resolve_categories,
    validate_catalog,
)
from siting.units import parse_threshold

DEMO_KEYS = [
    "convenience_store", "supermarket", "fresh_market", "pharmacy", "health_station", "breakfast",
    "post_parcel", "hairdresser", "laundry", "repair", "community_service", "elderly_care",
    "nursery", "kindergarten", "primary_school", "library_culture", "park", "fitness",
]


# ----------------------------------------------------------------------------- categories ----


def test_every_demo_category_resolves_in_order():
    cats = resolve_categories(DEMO_KEYS)
    assert [c.key for c in cats] == DEMO_KEYS
    for c in cats:
        assert c.name_zh and c.name_en
        assert c.status in ("confirmed", "secondary", "unconfirmed")
        assert parse_threshold(c.threshold).value > 0
        assert c.osm, c.key


def test_resolve_two_in_given_order():
    assert [c.key for c in resolve_categories(["pharmacy", "supermarket"])] == ["pharmacy", "supermarket"]


def test_unknown_keys_listed_together_with_suggestions():
    with pytest.raises(InputError) as exc:
        resolve_categories(["pharmcy", "supermarkt", "convenience_store"])
    msg = str(exc.value)
    assert "'pharmcy'" in msg and "'supermarkt'" in msg
    assert "did you mean 'pharmacy'" in msg and "'supermarket'" in msg


def test_override_threshold_and_status_marked():
    (ph,) = resolve_categories(["pharmacy"], overrides={"pharmacy": {"threshold": "5 min"}})
    assert ph.threshold == "5 min"
    assert ph.status == "override"
    assert ph.metres(1.0) == 300.0
    # untouched categories keep their values
    base = load_categories()["pharmacy"]
    assert base.threshold != "5 min"


def test_restating_a_default_is_not_an_override():
    base = load_categories()["convenience_store"]
    (cs,) = resolve_categories(["convenience_store"], overrides={"convenience_store": {"threshold": "5 min"}})
    assert base.threshold == "5 min"
    assert cs.status == base.status


def test_override_unknown_key_and_field_reported_at_once():
    with pytest.raises(ScenarioError) as exc:
        resolve_categories(
            ["pharmacy"], overrides={"pharmacy": {"treshold": "8 min"}, "pharmcy": {"threshold": "8 min"}}
        )
    assert len(exc.value.problems) == 2
    text = str(exc.value)
    assert "'treshold'" in text and "threshold" in text
    assert "'pharmcy'" in text and "did you mean 'pharmacy'" in text


def test_override_bad_value_and_unselected_key():
    with pytest.raises(ScenarioError, match="threshold"):
        resolve_categories(["pharmacy"], overrides={"pharmacy": {"threshold": "eight"}})
    with pytest.raises(ScenarioError, match="not among the selected"):
        resolve_categories(["pharmacy"], overrides={"park": {"threshold": "5 min"}})


def test_level_without_standard_is_an_error():
    with pytest.raises(InputError, match="needs a standard"):
        resolve_categories(["pharmacy"], level="15min")


def test_keys_none_gives_whole_table():
    assert [c.key for c in resolve_categories()] == list(load_categories())


def test_custom_table_and_file(tmp_path: Path):
    f = tmp_path / "cats.toml"
    f.write_text(
        '[bank]\nname_zh = "银行"\nname_en = "Bank"\nthreshold = "10 min"\nbasic = false\n'
        'osm = [{amenity = "bank"}]\nstatus = "unconfirmed"\n',
        encoding="utf-8",
    )
    table = load_categories(f)
    (bank,) = resolve_categories(["bank"], table=table)
    assert bank.matches({"amenity": "bank"})


def test_bad_category_file_lists_every_problem(tmp_path: Path):
    f = tmp_path / "cats.toml"
    f.write_text(
        '[a]\nname_zh = "甲"\nname_en = "A"\nthreshold = "ten"\nbasic = false\nosm = []\nstatus = "official"\n'
        '[b]\nname_zh = "乙"\nname_en = "B"\nthreshold = "5 min"\nbasic = false\nosm = [{shop = "x"}]\n'
        'status = "confirmed"\ncolour = "red"\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as exc:
        load_categories(f)
    text = "\n".join(exc.value.problems)
    assert len(exc.value.problems) == 4, exc.value.problems
    for word in ("threshold", "osm", "status", "colour"):
        assert word in text


# ------------------------------------------------------------------------------ matching ----


@pytest.fixture(scope="module")
def table() -> dict[str, Category]:
    return load_categories()


@pytest.mark.parametrize(
    ("key", "tags", "expected"),
    [
        ("pharmacy", {"amenity": "pharmacy"}, True),
        ("pharmacy", {"shop": "chemist"}, False),
        ("pharmacy", {"amenity": None, "healthcare": "pharmacy"}, True),
        ("convenience_store", {"shop": "convenience"}, True),
        ("convenience_store", {"shop": "kiosk"}, False),
        ("health_station", {"amenity": "doctors"}, True),
        ("health_station", {"healthcare": "clinic"}, True),
        ("health_station", {"amenity": "hospital"}, False),
        ("post_parcel", {"amenity": "parcel_locker"}, True),
        ("community_service", {"amenity": "community_centre"}, True),
        ("community_service", {"office": "government"}, False),
        ("elderly_care", {"amenity": "social_facility", "social_facility": "day_care"}, True),
        ("elderly_care", {"amenity": "social_facility", "social_facility:for": "senior"}, True),
        ("elderly_care", {"amenity": "social_facility", "social_facility": "food_bank"}, False),
        ("elderly_care", {"social_facility": "nursing_home"}, False),  # AND inside a filter
        ("elderly_care", {"amenity": "nursing_home"}, True),
        ("nursery", {"amenity": "kindergarten", "nursery": "yes"}, True),
        ("nursery", {"amenity": "kindergarten"}, False),
        ("primary_school", {"amenity": "school", "isced:level": "1;2"}, True),  # OSM multi-value
        ("primary_school", {"amenity": "school", "isced:level": "2"}, False),
        ("fitness", {"leisure": "pitch"}, True),
        ("park", {"leisure": "playground"}, True),
        ("repair", {"craft": "shoemaker"}, True),
        ("repair", {"shop": "car_repair"}, False),
        ("breakfast", {"amenity": "restaurant", "cuisine": "chinese;breakfast"}, True),
        ("breakfast", {"amenity": "restaurant", "cuisine": "chinese"}, False),
        ("supermarket", {"shop": math.nan}, False),
        ("supermarket", {}, False),
    ],
)
def test_matches(table, key, tags, expected):
    assert table[key].matches(tags) is expected


def test_true_means_any_value():
    cat = Category(key="x", name_zh="x", name_en="x", threshold="5 min", basic=False,
                   osm=({"amenity": "bench", "backrest": True},))
    assert cat.matches({"amenity": "bench", "backrest": "no"})
    assert not cat.matches({"amenity": "bench"})
    assert not cat.matches({"amenity": "bench", "backrest": ""})


def test_mask_agrees_with_matches_rowwise(table):
    frame = pd.DataFrame(
        {
            "amenity": ["pharmacy", None, "social_facility", "social_facility", "kindergarten", math.nan],
            "shop": [None, "chemist", None, None, None, "convenience"],
            "social_facility": [None, None, "day_care", "food_bank", None, None],
            "nursery": [None, None, None, None, "yes", None],
        }
    )
    for key in ("pharmacy", "elderly_care", "nursery", "convenience_store", "kindergarten", "park"):
        rows = [table[key].matches(r) for r in frame.to_dict("records")]
        assert table[key].mask(frame).tolist() == rows, key


def test_osm_query_tags_cover_every_filter(table):
    tags = osm_query_tags(table.values())
    assert "pharmacy" in tags["amenity"] and "convenience" in tags["shop"]
    # every filter's first tag is queried, so nothing a category matches is left undownloaded
    for cat in table.values():
        for flt in cat.osm:
            k, v = next(iter(flt.items()))
            vals = [v] if isinstance(v, str) else v
            assert tags[k] is True or set(vals) <= set(tags[k])


def test_name_languages(table):
    assert table["pharmacy"].name("zh") == "药店"
    assert table["pharmacy"].name("zh-CN") == "药店"
    assert table["pharmacy"].name() == "Pharmacy"
    with pytest.raises(InputError, match="en, zh"):
        table["pharmacy"].name("fr")


# ------------------------------------------------------------------------ catalog schema ----


def test_shipped_catalog_validates():
    assert validate_catalog() == []
    names = list_standards()
    for required in ("GB50180-2018", "MOFCOM-2021-15min", "complete-community-2020",
                     "14th-FYP-community-services", "local-beijing"):
        assert required in names
    for name in names:
        load_standard(name)


def test_invalid_standard_file_reports_every_problem(tmp_path: Path):
    f = tmp_path / "bad.toml"
    f.write_text(
        """
[document]
key = "other"
name_zh = "坏"
name_en = "Bad"
scope = "regional"
status = "confirmed"

[[levels]]
key = "5min"
rank = 0
name_zh = "五分钟"
name_en = "5 min"
threshold = "5 minutes"
status = "confirmed"

[[entries]]
category = "pharmcy"
level = "10min"
status = "confirmed"

[[indicators]]
key = "cov"
name_zh = "覆盖率"
name_en = "Coverage"
value = 1.0
unit = "share"
status = "maybe"
""",
        encoding="utf-8",
    )
    problems = validate_catalog(f)
    text = "\n".join(problems)
    assert "scope" in text and "status" in text, text
    f.write_text(f.read_text(encoding="utf-8").replace('"regional"', '"national"').replace('"maybe"', '"secondary"'),
                 encoding="utf-8")
    problems = validate_catalog(f)
    text = "\n".join(problems)
    assert "document.key" in text and "'pharmcy'" in text and "'10min'" in text, text
    assert len(problems) == 3


def test_unknown_standard_and_level_name_the_valid_ones():
    with pytest.raises(InputError) as exc:
        resolve_categories(standard="GB50180", level="15min")
    assert "GB50180-2018" in str(exc.value)
    with pytest.raises(InputError) as exc:
        resolve_categories(standard="GB50180-2018", level="20min")
    for lv in ("residential_block", "5min", "10min", "15min"):
        assert lv in str(exc.value)
    with pytest.raises(InputError, match="choose one"):
        resolve_categories(standard="GB50180-2018")


# --------------------------------------------------------------------- GB 50180 levels ----


def test_gb50180_levels_figures():
    std = load_standard("GB50180-2018")
    lv = {x.key: x for x in std.levels}
    assert [x.key for x in std.levels] == ["residential_block", "5min", "10min", "15min"]
    assert lv["15min"].walking_distance_m == (800, 1000)
    assert lv["10min"].walking_distance_m == (500,)
    assert lv["5min"].walking_distance_m == (300,)
    assert lv["15min"].residents == (50000, 100000)
    assert lv["10min"].residents == (15000, 25000)
    assert lv["5min"].residents == (5000, 12000)
    assert lv["residential_block"].residents == (1000, 3000)
    assert lv["residential_block"].walking_distance_m is None  # not confirmed: not invented
    assert lv["15min"].dwellings == (17000, 32000)
    assert std.inclusive


def test_gb50180_inclusion_each_level_contains_the_lower_levels():
    std = load_standard("GB50180-2018")
    own = {lv.key: {e.category for e in std.entries if e.level == lv.key} for lv in std.levels}
    got = {lv.key: [c.key for c in resolve_categories(standard="GB50180-2018", level=lv.key)]
           for lv in std.levels}
    expected: set[str] = set()
    for lv in std.levels:  # ordered by rank
        expected |= own[lv.key]
        assert set(got[lv.key]) == expected, lv.key
        assert len(got[lv.key]) == len(set(got[lv.key]))
    assert "convenience_store" in got["15min"]  # block facility reaches up to the 15-minute level
    assert "junior_school" in got["15min"] and "junior_school" not in got["10min"]
    assert "primary_school" in got["10min"] and "primary_school" not in got["5min"]


def test_standard_thresholds_replace_category_defaults():
    cats = {c.key: c for c in resolve_categories(standard="GB50180-2018", level="10min")}
    assert cats["fresh_market"].threshold == "500 m"
    assert load_categories()["fresh_market"].threshold == "8 min"
    assert cats["fresh_market"].source == "GB50180-2018"
    # an entry without a threshold keeps the category default, status and all
    assert cats["health_station"].threshold == load_categories()["health_station"].threshold


def test_standard_plus_keys_and_overrides():
    cats = resolve_categories(
        ["pharmacy"], standard="GB50180-2018", level="5min",
        overrides={"kindergarten": {"threshold": "500 m"}},
    )
    keys = [c.key for c in cats]
    assert keys[-1] == "pharmacy"
    kg = next(c for c in cats if c.key == "kindergarten")
    assert kg.threshold == "500 m" and kg.status == "override"


# ---------------------------------------------------------------------- other catalogs ----


def test_mofcom_basic_types_and_tiers():
    basic = {c.key: c.threshold for c in resolve_categories(standard="MOFCOM-2021-15min", level="basic")}
    assert set(basic) == {
        "convenience_store", "supermarket", "fresh_market", "breakfast", "laundry", "hairdresser",
        "photo_print", "housekeeping", "repair", "pharmacy", "post_parcel",
    }
    assert basic["convenience_store"] == "5 min"
    assert basic["pharmacy"] == basic["laundry"] == basic["hairdresser"] == "8 min"
    assert basic["supermarket"] == "15 min"
    quality = [c.key for c in resolve_categories(standard="MOFCOM-2021-15min", level="quality")]
    assert set(basic) < set(quality)
    for c in load_categories().values():
        if c.key in basic:
            assert c.basic, c.key


def test_complete_community_area_norms():
    std = load_standard("complete-community-2020")
    norms = {e.category: e.area_norm_m2 for e in std.entries}
    assert norms["community_service"] == 800
    assert norms["elderly_care"] == 350
    assert norms["health_station"] == 120
    assert norms["nursery"] == 200
    assert norms["supermarket"] == 300
    kg = next(e for e in std.entries if e.category == "kindergarten")
    assert "6 classes" in kg.quantity


def test_fyp_indicators_with_sources():
    std = load_standard("14th-FYP-community-services")
    ind = {i.key: i for i in std.indicators}
    assert ind["urban_facility_coverage"].value == 1.0
    assert ind["rural_facility_coverage"].value == 0.8
    assert ind["facility_area_per_100_households"].value == 30
    assert ind["residents_activity_share"].value == 0.6
    for i in std.indicators:
        assert i.ref or i.note
        if i.value is None:
            assert i.status == "unconfirmed" and i.note
            assert i.passes(0.5) is None
    assert ind["rural_facility_coverage"].passes(0.8) is True
    assert ind["rural_facility_coverage"].passes(0.79) is False
    assert ind["facility_area_per_100_households"].passes(None) is None


def test_beijing_rule_is_local():
    std = load_standard("local-beijing")
    assert std.scope == "local"
    cs = next(e for e in std.entries if e.category == "community_service")
    assert cs.area_norm_m2 == 500 and cs.scope == "local"
    # no shipped national catalog carries the 500 m² rule
    for name in list_standards():
        s = load_standard(name)
        if s.scope == "national":
            assert all(e.area_norm_m2 != 500 for e in s.entries), name


def test_unconfirmed_figures_are_never_official():
    for name in list_standards():
        std = load_standard(name)
        for i in std.indicators:
            if i.status == "unconfirmed":
                assert i.value is None, (name, i.key)
    for cat in load_categories().values():
        if cat.status == "unconfirmed":
            assert cat.note, cat.key


def test_standard_from_user_file(tmp_path: Path):
    src = Path(str(files("siting.data"))) / "standards"
    text = (src / "local-beijing.toml").read_text(encoding="utf-8").replace(
        'key = "local-beijing"', 'key = "mycity"'
    )
    f = tmp_path / "mycity.toml"
    f.write_text(text, encoding="utf-8")
    std = load_standard(f)
    assert std.key == "mycity"
    cats = resolve_categories(standard=str(f))
    assert cats


# ------------------------------------------------------------------------ Amap typecodes ----


def test_amap_table_validates_and_fills_categories():
    tab = load_amap_table()
    assert tab["typecode"].is_unique
    cats = load_categories()
    assert "060200" in cats["convenience_store"].amap_typecodes
    assert "090601" in cats["pharmacy"].amap_typecodes
    assert "141204" in cats["kindergarten"].amap_typecodes
    assert set(tab.loc[tab["mapping"] != "excluded", "category"]) <= set(cats)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("060200", "convenience_store"),
        ("060201", "convenience_store"),  # 7-ELEVEn: subclass of the mid class 0602
        (60200, "convenience_store"),  # integer that lost its leading zero
        ("090601", "pharmacy"),
        ("090602", None),  # medical supplies: excluded
        ("060411", None),  # Watsons: excluded although under supermarkets
        ("060402", "supermarket"),  # Wal-Mart
        ("070400", "post_parcel"),
        ("070401", "post_parcel"),
        ("141204", "kindergarten"),
        ("141203", "primary_school"),
        ("120304", "community_service"),  # longest code wins over the excluded big class 12
        ("120302", None),
        ("080113", None),  # pool room: excluded inside the fitness class
        ("080111", "fitness"),
        ("010101|060200", "convenience_store"),  # the first type with a category wins
        ("060200|090601", "convenience_store"),
    ],
)
def test_amap_mapping(code, expected):
    keys, unmapped = map_amap_typecodes([code])
    assert keys.iloc[0] == expected
    assert len(unmapped) == 0


def test_amap_unmapped_codes_warned_with_counts():
    codes = pd.Series(["060200", "071400", "071400", "999999", None, "090601"], index=list("abcdef"))
    with pytest.warns(UserWarning, match=r"071400 \(2\)") as rec:
        keys, unmapped = map_amap_typecodes(codes)
    assert "data/amap_typecodes.csv" in str(rec[0].message)
    assert list(keys.index) == list("abcdef")
    assert keys.tolist() == ["convenience_store", None, None, None, None, "pharmacy"]
    assert unmapped.to_dict() == {"071400": 2, "999999": 1, "<missing>": 1}


def test_amap_bad_table_lists_every_problem(tmp_path: Path):
    f = tmp_path / "amap.csv"
    f.write_text(
        "typecode,category,amap_name_zh,amap_name_en,mapping,note\n"
        "0602,convenience_store,便利店,Convenience,exact,\n"
        "090601,pharmcy,药房,Pharmacy,exact,\n"
        "090601,pharmacy,药房,Pharmacy,maybe,\n"
        "060411,supermarket,屈臣氏,Watsons,excluded,\n"
        "060400,supermarket,超市,Supermarket,exact,a, b\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as exc:
        load_amap_table(f)
    text = "\n".join(exc.value.problems)
    assert len(exc.value.problems) == 6, text
    for part in ("6 digits", "'pharmcy'", "listed twice", "'maybe'", "excluded", "double quotes"):
        assert part in text
