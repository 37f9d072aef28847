"""The run folder: GeoPackage, CSV tables, summary.json, report and map, committed as one unit
(the protocol is in :mod:`siting.outputs.commit`)."""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting._io import json_ready
from siting._version import __version__
from siting.errors import Msg
from siting.outputs.commit import MARKER, check_writable, staged_folder
from siting.outputs.credits import attribution_dict, run_credits
from siting.results import RunResult

__all__ = ["CSV_ENCODING", "prepare_outputs", "summary_dict", "write_outputs"]


logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------
# outputs
# ------------------------------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"siting": __version__, "python": platform.python_version()}
    for pkg in ("osmnx", "networkx", "scipy", "geopandas", "shapely", "pyproj", "folium", "pulp", "highspy", "pyrosm"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def summary_dict(res: RunResult) -> dict[str, Any]:
    """The content of ``summary.json`` (plain JSON types; NaN/inf become null)."""
    sc = res.scenario
    cov = res.coverage
    cats = cov.categories.replace({np.inf: None}).astype(object).where(cov.categories.notna(), None)
    out = {
        "scenario": sc.name,
        "title": sc.title,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "parameters": {
            "network": sc.network.model_dump(exclude_none=True),
            "crs": res.network.crs.to_string(),
            "speed_m_per_s": sc.speed_mps,
            "speed_m_per_min": sc.speed_mps * 60,
            "travel_profile": sc.travel.profile,
            "max_snap_m": sc.max_snap_m,
            "standard": sc.standard,
            "level": sc.level,
            "demand": sc.demand.model_dump(exclude_none=True),
            "facilities": sc.facilities.model_dump(exclude_none=True),
            "categories": {c.key: {"threshold": c.threshold, "basic": c.basic, "source": c.source} for c in res.categories},
            "complete_circle": cov.basic,
        },
        "counts": {
            "nodes": res.network.n_nodes,
            "street_segments": res.network.n_edges,
            "nodes_dropped_small_components": int(res.network.info.get("nodes_dropped", 0)),
            "residences": int(len(res.demand)),
            "population": float(res.demand["population"].sum()),
            "households": float(np.nansum(res.demand["households"].to_numpy())),
            "unreachable_residences": cov.unreachable,
            "facilities": {c.key: int((res.facilities["category"] == c.key).sum()) if len(res.facilities) else 0 for c in res.categories},
        },
        "coverage": cats.to_dict(orient="records"),
        "complete_circle_share": None if not np.isfinite(cov.complete_share) else cov.complete_share,
        "notes": res.notes,
        "timings_s": res.timings,
        "versions": _versions(),
        "attribution": attribution_dict(run_credits(sc, network_info=res.network.info, basemap=_map_basemap(sc))),
    }
    out["area_type"] = sc.area_type
    if "summary" in res.extras:
        out.update(res.extras["summary"])
    return out


def _map_basemap(sc: Any) -> str:
    """The basemap the interactive map shows first (Tianditu without a key falls back to OSM)."""
    kind = (sc.map.basemap or "osm").lower()
    if kind == "tianditu" and not (sc.map.tianditu_key or os.environ.get("TIANDITU_KEY")):
        return "osm"
    return kind


#: CSV tables are written as UTF-8 with a byte-order mark, so that Excel (on a Chinese Windows
#: too) reads names and headers right; pandas and most tools skip the mark.
CSV_ENCODING = "utf-8-sig"


def _residence_table(res: RunResult) -> pd.DataFrame:
    r = res.coverage.residences
    ll = r.geometry.to_crs(4326)
    df = pd.DataFrame(r.drop(columns="geometry"))
    df.insert(1, "lon", ll.x.round(7))
    df.insert(2, "lat", ll.y.round(7))
    return df


def write_outputs(res: RunResult, *, out_dir: Path | None = None, map_path: Path | None = None) -> dict[str, Path]:
    """Write the map, GeoPackage, CSV tables, summary.json and report of a run as one unit.

    Everything goes into the run folder ``out_dir`` (default ``out/<name>``), the interactive
    map included (``map.html``, which the report links to), and a copy of the map is installed at
    ``map_path`` (default ``maps/<name>.html``) in the same commit: see
    :mod:`siting.outputs.commit` for the protocol (staging folder, completion marker
    ``_complete.json`` written last, swap, repair of a commit a kill interrupted).

    Returns
    -------
    dict
        Paths written: ``map`` (the copy), ``run_map``, ``gpkg``, ``residences_csv``,
        ``categories_csv``, ``summary``, ``report`` (when written), ``marker``.

    Raises
    ------
    OutputError
        A folder cannot be written (permission, read-only, disk full); the previous outputs are
        left as they were and nothing is half-written.
    """
    from siting.outputs.maps import coverage_map

    sc = res.scenario
    out_dir = Path(out_dir or sc.out_dir)
    map_path = Path(map_path or sc.map_path)
    with staged_folder(out_dir, copies={"map.html": map_path}, hint=_HINT) as tmp:
        gpkg = tmp / f"{sc.name}.gpkg"
        r = res.coverage.residences.copy()
        r = r.replace({np.inf: np.nan}) if len(r) else r
        r.to_file(gpkg, layer="residences", driver="GPKG")
        if len(res.facilities):
            res.facilities.rename(columns={"fid": "facility_id"}).to_file(gpkg, layer="facilities", driver="GPKG")
        res.network.edges_gdf().to_file(gpkg, layer="streets", driver="GPKG")
        for name, layer in res.extras.get("layers", {}).items():
            layer.to_file(gpkg, layer=name, driver="GPKG")
        _residence_table(res).replace({np.inf: np.nan}).to_csv(tmp / "residences.csv", index=False, encoding=CSV_ENCODING)
        res.coverage.categories.to_csv(tmp / "categories.csv", index=False, encoding=CSV_ENCODING)
        for name, table in res.extras.get("tables", {}).items():
            table.to_csv(tmp / f"{name}.csv", index=False, encoding=CSV_ENCODING)
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(json_ready(summary_dict(res)), fh, ensure_ascii=False, indent=2)
        from siting.outputs.report import write_report

        if sc.output.report:
            write_report(res, tmp, map_href="map.html", pdf=sc.map.pdf)
        m = coverage_map(res)
        m.save(str(tmp / "map.html"))
    return {
        "map": map_path,
        "run_map": out_dir / "map.html",
        "gpkg": out_dir / f"{sc.name}.gpkg",
        "residences_csv": out_dir / "residences.csv",
        "categories_csv": out_dir / "categories.csv",
        "summary": out_dir / "summary.json",
        **({"report": out_dir / "report.html"} if sc.output.report else {}),
        "marker": out_dir / MARKER,
    }


#: How a user of ``siting run`` chooses other output places (named in error messages).
_HINT = "--out/--map, or output.dir/map.path in the scenario"


def prepare_outputs(out_dir: Path, map_path: Path) -> None:
    """Before a run computes anything: check its output folders can be written, and repair a
    commit that a killed run left half done (see :func:`siting.outputs.commit.check_writable`).

    Raises
    ------
    OutputError
        One line naming the folder, the cause and the fix.
    """
    check_writable(out_dir, [map_path], out_hint=Msg("--out, or output.dir in the scenario"),
                   copy_hint=Msg("--map, or map.path in the scenario"))
