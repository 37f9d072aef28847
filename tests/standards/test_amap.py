"""An Amap (高德) POI export loads as facilities: GCJ-02 → WGS84, type codes → categories,
unmapped codes reported with counts."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from siting.inputs import facilities_from_file
from siting.inputs.coords import wgs84_to_gcj02
from siting.standards import resolve_categories

# WGS84 positions in Taiyuan/Jinzhong and what Amap would show for them (GCJ-02)
WGS = np.array([[112.7528, 37.6870], [112.7600, 37.6900], [112.7650, 37.6950], [112.7700, 37.7000]])


def test_amap_export_loads_as_facilities(tmp_path, caplog):
    glon, glat = wgs84_to_gcj02(WGS[:, 0], WGS[:, 1])
    assert np.abs(glon - WGS[:, 0]).max() > 1e-3  # the shift is real (hundreds of metres)
    pd.DataFrame({
        "name": ["老百姓大药房", "<b>便利蜂</b>", "某某公司", "某某公司2"],
        "typecode": ["090601", "060200", "999999", "999999"],
        "location": [f"{x:.7f},{y:.7f}" for x, y in zip(glon, glat)],
    }).to_csv(tmp_path / "amap.csv", index=False)
    cats = resolve_categories(["pharmacy", "convenience_store"])
    with caplog.at_level(logging.WARNING, logger="siting"):
        fac = facilities_from_file(tmp_path / "amap.csv", cats, to_crs="EPSG:4326", crs="gcj02")
    assert fac["category"].tolist() == ["pharmacy", "convenience_store"]
    assert fac["name"].tolist() == ["老百姓大药房", "<b>便利蜂</b>"]
    # back in WGS84 to well under a metre (1e-6 degrees ≈ 0.1 m)
    np.testing.assert_allclose(np.c_[fac.geometry.x, fac.geometry.y], WGS[:2], atol=1e-6)
    assert "999999 (2)" in caplog.text and "amap_typecodes.csv" in caplog.text


def test_typecode_ignored_when_category_column_present(tmp_path):
    pd.DataFrame({"lon": [112.75], "lat": [37.69], "category": ["pharmacy"], "typecode": ["060200"]}).to_csv(
        tmp_path / "f.csv", index=False)
    fac = facilities_from_file(tmp_path / "f.csv", resolve_categories(["pharmacy"]), to_crs="EPSG:4326")
    assert fac["category"].tolist() == ["pharmacy"]
