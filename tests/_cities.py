"""A small local network for the city templates' catalogs, written as files (synthetic).

The three city templates (scenarios/yuci_template.toml, yantai_template.toml,
hanzhong_template.toml) download their networks; the tests point each template's catalog at a
**synthetic** 11 × 11 street grid instead, written as a GraphML file in the template's UTM zone
near the city, with residences and facilities in CSV files beside it. Coordinates below are
metres from the grid's south-west corner (x0, y0); every street is 100 m long::

    y=1000  +----+----+----+ ... +----N        streets every 100 m, x and y = 0 … 1000
            |    |    |    |     |    |        N  nursery (1000, 1000), 200 m²
     y=500  +-PP-+----+----+-h1E-+----+        C  community service (900, 900), 500 m²
            |    |    |    |     |    |        E  elderly care (480, 500), 87 m²
     y=100  +----+----+----+ ... +-h2-+        h1 (450, 500) 100 households, 30 m from E;
     y=0    +----+----+----+ ... +----+        h2 (850, 100) 50 and h3 (100, 850) 40 households,
          x=0                   x=500  x=1000  770 m and 730 m from E (beyond its 300 m)

E is the nearest elderly-care facility of all three homes, so its catchment (the check's: the
residences whose nearest facility it is) holds 190 households: with a development of H
households, 87 m² ÷ (190 + H) × 100 ≥ 30 exactly when H ≤ 100.

A proposal box ``x ∈ [r − 60, r], y ∈ [470, 530]`` meets the street y = 500 at x = r − 60 and
x = r (no other street crosses it): from (180, 500) to E is 20 + 200 + 80 = 300 m exactly.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyproj
from shapely.geometry import box

#: (UTM CRS of the template, lon/lat of a point in the city)
CITIES = {
    "yuci": ("EPSG:32649", (112.75, 37.69)),
    "yantai": ("EPSG:32651", (121.40, 37.53)),
    "hanzhong": ("EPSG:32648", (107.02, 33.07)),
}

HOMES = [  # id, x, y, households, elderly, community
    ("h1", 450, 500, 100, 50, "c1"),
    ("h2", 850, 100, 50, 10, "c2"),
    ("h3", 100, 850, 40, 8, "c3"),
]
FACILITIES = [  # id, x, y, category, name, floor area m²
    ("E", 480, 500, "elderly_care", "日间照料中心 E", 87.0),
    ("N", 1000, 1000, "nursery", "托儿所 N", 200.0),
    ("C", 900, 900, "community_service", "社区服务站 C", 500.0),
]


def origin(crs: str, lonlat: tuple[float, float]) -> tuple[float, float]:
    """The grid's south-west corner: the city point in ``crs``, rounded to 1 km."""
    x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(*lonlat)
    return round(x, -3), round(y, -3)


def write_grid(path: Path, crs: str, x0: float, y0: float, n: int = 11, step: float = 100.0) -> Path:
    """An osmnx-style GraphML street grid (both directions, ``length`` in metres) in ``crs``."""
    G = nx.MultiDiGraph(crs=crs, synthetic="yes: a generated 11 x 11 street grid, not a real place")
    for i in range(n):
        for j in range(n):
            G.add_node(i * n + j, x=x0 + i * step, y=y0 + j * step)
    for i in range(n):
        for j in range(n):
            for a, b in ((i * n + j, (i + 1) * n + j), (i * n + j, i * n + j + 1)):
                if b < n * n and (a // n == b // n or a % n == b % n):
                    for u, v in ((a, b), (b, a)):
                        G.add_edge(u, v, length=step, highway="residential", osmid=min(a, b) * n * n + max(a, b))
    import osmnx as ox

    ox.save_graphml(G, path)
    return path


def city_scenario(folder: Path, city: str, template: Path, *, area_type: str | None = None,
                  standard: str | None = None, floor_areas: bool = True) -> Path:
    """A scenario with the template's catalog, level, language and categories on the local grid.

    Writes ``grid.graphml``, ``homes.csv``, ``facilities.csv`` and ``<city>_local.toml`` into
    ``folder`` and returns the scenario's path. ``standard``/``area_type`` replace the template's;
    with another ``standard`` the categories of the facilities are used too. ``floor_areas=False``
    leaves the facilities' floor areas unknown.
    """
    crs, lonlat = CITIES[city]
    x0, y0 = origin(crs, lonlat)
    folder.mkdir(parents=True, exist_ok=True)
    write_grid(folder / "grid.graphml", crs, x0, y0)
    pd.DataFrame([{"id": h, "x": x0 + x, "y": y0 + y, "households": hh, "population": hh * 2.62, "elderly": el,
                   "community": c} for h, x, y, hh, el, c in HOMES]).to_csv(folder / "homes.csv", index=False)
    pd.DataFrame([{"id": f, "x": x0 + x, "y": y0 + y, "category": cat, "name": nm, "floor_area_m2": fa if floor_areas else None}
                  for f, x, y, cat, nm, fa in FACILITIES]).to_csv(folder / "facilities.csv", index=False)
    tpl = tomllib.loads(template.read_text(encoding="utf-8"))
    cats = tpl.get("categories", {})
    lines = [
        f"# {city} template ({template.name}) with its catalog on a local synthetic grid (tests/_cities.py)",
        f'name = "{tpl["name"]}-local"',
        f'lang = "{tpl.get("lang", "en")}"',
        f'area_type = "{area_type or tpl.get("area_type", "urban")}"',
        f'standard = "{standard or tpl["standard"]}"',
    ]
    if tpl.get("level") and standard is None:
        lines.append(f'level = "{tpl["level"]}"')
    lines += ["[network]", 'source = "grid.graphml"', f'crs = "{crs}"',
              "[travel]", f'profile = "{tpl.get("travel", {}).get("profile", "walk")}"', 'max_snap = "100 m"',
              f'elderly_profile = {str(tpl.get("travel", {}).get("elderly_profile", False)).lower()}',
              "[demand]", 'source = "homes.csv"', f'crs = "{crs}"',
              "[facilities]", 'source = "facilities.csv"', f'crs = "{crs}"', "[categories]"]
    use = cats.get("use", []) if standard is None else sorted({f[3] for f in FACILITIES})
    if use:
        lines.append("use = [" + ", ".join(f'"{k}"' for k in use) + "]")
    p = folder / f"{city}_local.toml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def proposal(folder: Path, city: str, name: str, props: dict, *, right: float = 180.0) -> Path:
    """A proposal GeoPackage in the city's CRS: the box x ∈ [right − 60, right], y ∈ [470, 530]."""
    crs, lonlat = CITIES[city]
    x0, y0 = origin(crs, lonlat)
    gdf = gpd.GeoDataFrame([{"name": name, **props}], geometry=[box(x0 + right - 60, y0 + 470, x0 + right, y0 + 530)],
                           crs=crs)
    path = folder / f"{name}.gpkg"
    gdf.to_file(path, layer="development", driver="GPKG")
    return path
