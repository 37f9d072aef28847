"""siting batch on Dask distributed: results equal serial runs, failures stay alone, re-runs skip,
killed workers lose nothing, and partitioned reachability equals the single-process table.

The areas are SYNTHETIC generated cities (small, 2000–4000 nodes) so that everything runs offline.
Most tests share one LocalCluster of two thread workers; one test starts two worker processes and
kills one of them mid-batch.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

from siting.batch import run_batch, scenarios_from_files, scenarios_from_template  # noqa: E402
from siting.batch.reach import pairs_within_distributed, partition_sources  # noqa: E402
from siting.batch.tasks import area_key, area_paths, prepare_scenario, record_from_run  # noqa: E402
from siting.errors import ScenarioError  # noqa: E402
from siting.pipeline import run_scenario  # noqa: E402
from siting.scenario import validate_scenario  # noqa: E402

CATS = ["convenience_store", "pharmacy", "elderly_care", "kindergarten"]


def _spec(name: str, n: int, seed: int, *, p: int | None = 2, base=".") -> dict:
    """A synthetic area; with ``p`` it also plans ``p`` new elderly-care stations."""
    spec = {
        "name": name, "title": f"<b>{name}</b> & co",  # markup in a title must come out escaped on the map
        "network": {"source": f"synthetic:n={n},seed={seed}"},
        "demand": {"source": "synthetic"}, "facilities": {"source": "synthetic"},
        "categories": {"use": CATS},
        "base_dir": str(base),
    }
    if p is not None:
        spec["optimize"] = {"categories": ["elderly_care"], "model": "max_cover", "p": p, "time_limit": 30,
                            "candidates": {"spacing": "300 m"}}
    return spec


def _serial_record(spec: dict, tmp_path) -> dict:
    sc = validate_scenario(prepare_scenario(spec, tmp_path / "serial"))
    return record_from_run(run_scenario(sc), sc)


def _same_numbers(a: dict, b: dict) -> None:
    assert a["population"] == b["population"]
    assert a["residences"] == b["residences"]
    assert a["complete_share"] == pytest.approx(b["complete_share"], abs=1e-12)
    assert set(a["categories"]) == set(b["categories"])
    for k in a["categories"]:
        assert a["categories"][k]["covered_population"] == b["categories"][k]["covered_population"]
        assert a["categories"][k]["share"] == pytest.approx(b["categories"][k]["share"], abs=1e-12)
    for k in a["plan"]:
        assert a["plan"][k]["new_stations"] == b["plan"][k]["new_stations"]
        assert a["plan"][k]["share_after"] == pytest.approx(b["plan"][k]["share_after"], abs=1e-9)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cl, \
            distributed.Client(cl) as c:
        yield c


@pytest.fixture()
def broken(tmp_path):
    """An area whose demand file has no population column: a user mistake, fails alone."""
    bad = tmp_path / "bad_demand.csv"
    bad.write_text("lon,lat,people\n117.0,36.65,10\n", encoding="utf-8")
    spec = _spec("broken_area", 2000, 9, base=tmp_path)
    spec["demand"] = {"source": str(bad)}
    return spec


def test_batch_equals_serial_reports_failure_and_skips_on_rerun(client, tmp_path, broken):
    specs = [_spec("area_a", 2000, 1), _spec("area_b", 2500, 2), _spec("area_c", 2000, 3, p=None), broken]
    out = tmp_path / "batch"
    res = run_batch(specs, out, client=client, retries=1)
    assert res.count("done") == 3 and res.count("failed") == 1
    assert list(res.failed) == ["broken_area"]
    assert "population" in res.failed["broken_area"]  # the loader's message names the missing column
    err = json.loads(area_paths(out, "broken_area")["failed"].read_text(encoding="utf-8"))
    assert err["status"] == "failed" and err["error_type"] in ("InputError", "ScenarioError")

    serial = {s["name"]: _serial_record(s, tmp_path) for s in specs[:3]}
    by_name = {r["name"]: r for r in res.records}
    for name, rec in serial.items():
        _same_numbers(by_name[name], rec)

    # population-weighted totals, recomputed by hand from the serial runs
    tot = res.totals.set_index("category")
    for k in CATS:
        cov = sum(r["categories"][k]["covered_population"] for r in serial.values())
        pop = sum(r["categories"][k]["population"] for r in serial.values())
        assert tot.loc[k, "share"] == pytest.approx(cov / pop, rel=1e-12)
    comp = sum(r["complete_share"] * r["population"] for r in serial.values()) / sum(r["population"] for r in serial.values())
    assert tot.loc["complete_circle", "share"] == pytest.approx(comp, rel=1e-12)
    planned = [r for r in serial.values() if r["plan"]]
    assert len(planned) == 2
    assert tot.loc["elderly_care", "new_stations"] == sum(r["plan"]["elderly_care"]["new_stations"] for r in planned)
    after = sum(r["plan"]["elderly_care"]["share_after"] * r["population"] for r in planned)
    assert tot.loc["elderly_care", "share_after"] == pytest.approx(after / sum(r["population"] for r in planned), rel=1e-9)

    # ranking: ascending complete-circle share, failed area left out
    order = sorted(serial, key=lambda n: serial[n]["complete_share"])
    assert list(res.ranking["name"]) == order and list(res.ranking["rank"]) == [1, 2, 3]

    # files: tables, GeoPackage, map with escaped markup, per-area outputs with a done marker
    areas_csv = pd.read_csv(res.paths["areas_csv"])
    assert areas_csv.set_index("name").loc["broken_area", "status"] == "failed"
    import geopandas as gpd

    g = gpd.read_file(res.paths["gpkg"], layer="areas")
    assert sorted(g["name"]) == ["area_a", "area_b", "area_c"] and g.crs.to_epsg() == 4326
    page = res.paths["map"].read_text(encoding="utf-8")
    assert "&lt;b&gt;area_a&lt;/b&gt;" in page and "<b>area_a</b> &" not in page
    assert "broken_area" in page  # listed as failed in the legend
    marks = {n: area_paths(out, n)["done"] for n in serial}
    stamps = {n: p.stat().st_mtime_ns for n, p in marks.items()}

    # second run: the finished areas are skipped (markers untouched), the broken one fails again
    res2 = run_batch(specs, out, client=client, retries=1)
    assert {r["name"]: r["status"] for r in res2.records} == {
        "area_a": "skipped", "area_b": "skipped", "area_c": "skipped", "broken_area": "failed"}
    assert {n: p.stat().st_mtime_ns for n, p in marks.items()} == stamps
    for name in serial:
        _same_numbers({r["name"]: r for r in res2.records}[name], serial[name])

    # a changed scenario changes the key: only that area runs again
    specs[1] = _spec("area_b", 2500, 2, p=3)
    res3 = run_batch(specs[:3], out, client=client)
    assert [r["status"] for r in res3.records] == ["skipped", "done", "skipped"]
    assert res3.records[1]["plan"]["elderly_care"]["new_stations"] == 3


def test_key_follows_input_files(tmp_path):
    demand = tmp_path / "people.csv"
    demand.write_text("lon,lat,population\n117.0,36.65,10\n", encoding="utf-8")
    spec = {"name": "k", "network": {"source": "synthetic:n=2000,seed=1"}, "demand": {"source": "people.csv"},
            "facilities": {"source": "synthetic"}, "categories": {"use": ["pharmacy"]}, "base_dir": str(tmp_path)}
    sc = validate_scenario(spec)
    k1 = area_key(spec, sc)
    h1 = area_key(spec, sc, hash_content=True)
    assert area_key(spec, sc) == k1
    assert area_key({**spec, "output": {"dir": "elsewhere"}}, sc) == k1  # outputs are not part of the key
    demand.write_text("lon,lat,population\n117.0,36.65,11\n", encoding="utf-8")
    assert area_key(spec, sc) != k1
    assert area_key(spec, sc, hash_content=True) != h1
    demand.write_text("lon,lat,population\n117.0,36.65,10\n", encoding="utf-8")
    os.utime(demand, ns=(1, 1))
    assert area_key(spec, sc, hash_content=True) == h1  # same content, new time: same content key


def test_transient_error_is_retried(client, tmp_path, monkeypatch):
    import siting.pipeline

    real = siting.pipeline.run_scenario
    calls: dict[str, int] = {}
    lock = threading.Lock()

    def flaky(sc, **kw):
        with lock:
            calls[sc.name] = calls.get(sc.name, 0) + 1
            first = calls[sc.name] == 1
        if sc.name == "flaky" and first:
            raise ConnectionError("download interrupted (simulated)")
        return real(sc, **kw)

    monkeypatch.setattr(siting.pipeline, "run_scenario", flaky)
    specs = [_spec("flaky", 2000, 5, p=None), _spec("steady", 2000, 6, p=None)]
    res = run_batch(specs, tmp_path / "retry", client=client, retries=1)
    assert [r["status"] for r in res.records] == ["done", "done"]
    assert calls == {"flaky": 2, "steady": 1}
    calls.clear()
    res = run_batch(specs, tmp_path / "noretry", client=client, retries=0)
    assert [r["status"] for r in res.records] == ["failed", "done"]
    assert "download interrupted" in res.failed["flaky"]


def test_template_and_areas_table(tmp_path):
    tpl = tmp_path / "t.toml"
    tpl.write_text('title = "{name} services"\n[network]\nnetwork_type = "walk"\nsource = "x.graphml"\n'
                   '[categories]\nuse = ["pharmacy"]\n', encoding="utf-8")
    (tmp_path / "b.geojson").write_text("{}", encoding="utf-8")
    good = tmp_path / "areas.csv"
    good.write_text('name,place,bbox,boundary,network,population\n'
                    'yuci,"榆次区, 晋中市, 山西省",,,,pop/yuci.csv\n'
                    'box,,"112.7 37.6 112.8 37.7",,,\n'
                    'shape,,,b.geojson,,\n'
                    'gen,,,,"synthetic:n=2000,seed=1",\n', encoding="utf-8")
    specs = scenarios_from_template(tpl, good)
    assert [s["name"] for s in specs] == ["yuci", "box", "shape", "gen"]
    assert specs[0]["network"] == {"network_type": "walk", "place": "榆次区, 晋中市, 山西省"}
    assert specs[0]["title"] == "yuci services"
    assert specs[0]["demand"]["source"] == str(tmp_path / "pop" / "yuci.csv")
    assert specs[1]["network"]["bbox"] == [112.7, 37.6, 112.8, 37.7]
    assert specs[2]["network"]["polygon"] == str(tmp_path / "b.geojson")
    assert specs[3]["network"]["source"] == "synthetic:n=2000,seed=1"

    bad = tmp_path / "bad.csv"
    bad.write_text('name,place,bbox\n'
                   'a,Somewhere,"1 2 3 4"\n'   # two locations
                   'b,,"1 2 3"\n'              # bbox of three numbers
                   ',Elsewhere,\n'             # no name
                   'c,Here,\n'
                   'c,There,\n', encoding="utf-8")  # name twice
    with pytest.raises(ScenarioError) as exc:
        scenarios_from_template(tpl, bad)
    text = "\n".join(exc.value.problems)
    assert len(exc.value.problems) == 4, text
    assert "line 2 (a)" in text and "line 3 (b)" in text and "''" in text and "'c' is used twice" in text


def test_cli_batch_scenario_files(tmp_path, capsys):
    from siting.cli import main

    good = tmp_path / "good.toml"
    good.write_text('name = "good"\n[network]\nsource = "synthetic:n=2000,seed=7"\n[demand]\nsource = "synthetic"\n'
                    '[facilities]\nsource = "synthetic"\n[categories]\nuse = ["pharmacy", "kindergarten"]\n',
                    encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[network\n', encoding="utf-8")
    out = tmp_path / "cli"
    rc = main(["batch", str(good), str(bad), "--out", str(out), "--threads", "--workers", "1",
               "--dashboard", ":0", "--no-progress"])
    cap = capsys.readouterr()
    assert rc == 1, cap.err
    assert "1 done, 0 skipped (already done), 1 failed" in cap.out
    assert "FAILED bad" in cap.out and "dashboard:" in cap.err
    assert (out / "areas" / "good" / "done").exists() and (out / "failed" / "bad.json").exists()
    assert scenarios_from_files([good])[0]["name"] == "good"
    rc = main(["batch", "--template", str(good), "--out", str(out)])
    assert rc == 2 and "--template and --areas go together" in capsys.readouterr().err


def test_partitioned_reachability_equals_single_process(client):
    from siting.inputs import generate_candidates
    from siting.network import pairs_within
    from siting.pipeline import load_demand, load_network

    sc = validate_scenario(_spec("reach", 5000, 11))
    net = load_network(sc)
    demand, _ = load_demand(sc, net)
    cands = generate_candidates(net, spacing=250.0)
    s_snap, t_snap = net.snap(cands, 300.0), net.snap(demand, 300.0)
    limit = 600.0
    parts, _tile = partition_sources(net, s_snap, limit, 5)
    allidx = np.concatenate(parts)
    assert len(parts) == 5 and len(allidx) == len(np.unique(allidx)) == int(s_snap.reachable.sum())
    single = pairs_within(net, s_snap, t_snap, limit)
    dist = pairs_within_distributed(net, s_snap, t_snap, limit, client=client, partitions=5)
    assert len(single) > 1000
    pd.testing.assert_frame_equal(dist, single, check_exact=True)


@pytest.mark.slow
def test_killed_worker_loses_nothing(tmp_path):
    """Two worker processes; one is killed (SIGKILL) while it runs an area. Dask reruns that area
    elsewhere; every area ends done, and the area that was running on the killed worker was
    finished by another process."""
    specs = [_spec(f"k{i}", 3000, 20 + i, p=None) for i in range(5)]
    out = tmp_path / "kill"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  memory_limit="2GB") as cl, distributed.Client(cl) as c:
        c.run(lambda: __import__("siting.planning"))  # warm the workers (imports take seconds)
        box: dict = {}
        th = threading.Thread(target=lambda: box.update(res=run_batch(specs, out, client=c, retries=0)))
        th.start()
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline:
            finished = sum(area_paths(out, s["name"])["done"].exists() for s in specs)
            busy = {w: ks for w, ks in c.processing().items() if ks}
            if finished >= 1 and busy:
                addr, keys = next(iter(busy.items()))
                pid = c.run(os.getpid, workers=[addr])[addr]
                name = str(keys[0]).split("siting-area-", 1)[1].rsplit("-", 1)[0]
                if not area_paths(out, name)["done"].exists():
                    os.kill(pid, signal.SIGKILL)
                    victim = (name, pid)
            time.sleep(0.05)
        th.join(timeout=120)
        assert victim is not None, "no area was running when the test looked"
        res = box["res"]
    # every area is finished. An area the killed worker had already finished (its result lost
    # with the worker's memory, its files already written atomically) is recomputed by Dask and
    # then finds its own done marker: it comes back "skipped" with the same key, not redone.
    assert all(r["status"] in ("done", "skipped") for r in res.records), res.failed
    assert all(area_paths(out, s["name"])["done"].exists() for s in specs)
    for r in res.records:
        if r["status"] == "skipped":
            assert area_paths(out, r["name"])["done"].read_text().strip() == r["key"]
    rec = {r["name"]: r for r in res.records}[victim[0]]
    assert rec["status"] == "done" and rec["pid"] != victim[1]
    _same_numbers(rec, _serial_record(specs[[s["name"] for s in specs].index(victim[0])], tmp_path))
