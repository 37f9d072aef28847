"""Tests of bilingual labels (siting.standards.labels)."""

from __future__ import annotations

import pandas as pd
import pytest

from siting.errors import InputError
from siting.standards import LABELS, label, labels, load_categories, normalise_lang


def test_statuses_both_languages():
    assert label("covered", "en") == "Covered"
    assert label("covered", "zh") == "已覆盖"
    assert label("complete_circle", "zh") == "完整生活圈"
    assert label("not_covered", "zh-CN") == "未覆盖"


def test_every_label_has_both_languages_and_same_placeholders():
    import string

    fmt = string.Formatter()
    for key, (en, zh) in LABELS.items():
        assert en.strip() and zh.strip(), key
        assert zh != en or key in ("gap",), key
        ph_en = {f for _, f, _, _ in fmt.parse(en) if f}
        ph_zh = {f for _, f, _, _ in fmt.parse(zh) if f}
        assert ph_en == ph_zh, key


def test_placeholders_filled():
    assert label("legend_isochrone", "zh", minutes=15) == "步行15分钟范围"
    assert label("legend_isochrone", "en", minutes=5) == "5-minute walk"


def test_categories_and_levels_are_labelled_from_the_tables():
    for key, cat in load_categories().items():
        assert label(key, "zh") == cat.name_zh
        assert label(key, "en") == cat.name_en
    assert label("15min", "zh") == "十五分钟生活圈"


def test_unknown_language_and_key():
    with pytest.raises(InputError, match="en, zh"):
        label("covered", "fr")
    with pytest.raises(InputError, match="did you mean 'covered'"):
        label("coverd", "en")
    with pytest.raises(InputError):
        normalise_lang("")


def test_labels_for_renaming_columns():
    df = pd.DataFrame(columns=["category", "population", "my_column"])
    renamed = df.rename(columns=labels("zh", df.columns))
    assert list(renamed.columns) == ["设施类别", "人口", "my_column"]
    assert labels("en")["pass"] == "Pass"
