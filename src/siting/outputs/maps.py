"""The meeting map of a run: one HTML file that opens offline, in Chinese or English, for a whole district.

The saved HTML carries everything it needs: Leaflet 1.9.4 and Leaflet.fullscreen (vendored under
``siting/_assets`` with their licences) and siting's own script and styles are inlined, and the
data travel as one JSON block (:func:`map_data`) that the script (``siting_map.js``) draws. Only
basemap tiles need the network; when none is chosen or none loads, the map draws the analysis
network's streets itself (see :mod:`siting.outputs.streets`).

Layers (toggle in the layer control, grouped in folding sections that scroll):

* **streets** of the analysis network, simplified by zoom level;
* per category, residents **classed against the category's own threshold**: within it, just
  beyond it (up to :data:`BEYOND` × the threshold), far, or none within the search range
  (:data:`SEARCH_FACTOR` × the threshold) — with the threshold in the legend;
* the **complete circle** (each resident classed by their worst basic category) and the number
  of services reached;
* existing facilities per category (colour, shape and glyph; dots on a canvas above
  ``marker_limit`` per category); proposed new stations, one marker per site listing each
  service, a colour and glyph per category (Chinese glyphs in Chinese);
* service areas (street parts within the threshold, computed in the page by a bounded Dijkstra
  on the packed network — the same rule as :mod:`siting.network.service_area`) and catchments;
* with a plan, a **now / with plan** switch recolours the planned categories, the complete
  circle and their service areas with the proposed stations added.

At city scale (more than ``grid_limit`` residences) residents are aggregated into a hexagon (or
square) grid — the population-weighted share within the threshold per cell — below
``grid_zoom``, and drawn as points (or their compound polygons, with names) when zoomed in.
Residences above ``svg_limit`` are drawn on a canvas. Arrays are packed
(:mod:`siting.outputs.encode`) and gzip-compressed on large maps, so that a district of 300,000
residences stays a file a laptop opens in seconds.

Compounds: when the demand carries polygons — a ``footprint`` column of polygons (run CRS) in
``res.demand``, or polygonal demand geometry — and a ``name`` column, residences are drawn as
their polygons with their names (labels from zoom 16).

Every text from data (POI names, ids, attributes, the title) is escaped in the page. Credits
come from the sources the run used (:mod:`siting.outputs.credits`).

Basemaps: OpenStreetMap tiles (default), Tianditu (天地图; key from ``map.tianditu_key`` or the
``TIANDITU_KEY`` environment variable: without one, a warning and no Tianditu layer) and Amap
(高德), whose tiles are in GCJ-02: with Amap every layer is shifted WGS84 → GCJ-02
(:func:`siting.inputs.coords.wgs84_to_gcj02`) and no WGS84 basemap is offered beside it.
"""


from __future__ import annotations

import base64
import json
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from siting.outputs.basemaps import BASEMAPS, basemap_layers
from siting.outputs.classes import (
    BEYOND,
    CLASS_COLOURS,
    SEARCH_FACTOR,
    distance_class,
    format_threshold,
    residence_order,
)
from siting.outputs.encode import esc
from siting.outputs.mapdata import map_data

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = [
    "BASEMAPS", "BEYOND", "CLASS_COLOURS", "SEARCH_FACTOR", "basemap_layers", "coverage_map", "distance_class", "esc",
    "format_threshold", "map_data", "residence_order",
]


# ------------------------------------------------------------------------------------------------
# assets
# ------------------------------------------------------------------------------------------------
def _asset(path: str) -> bytes:
    return resources.files("siting").joinpath("_assets", *path.split("/")).read_bytes()


def _data_uri(path: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(_asset(path)).decode("ascii")


def _inline_head() -> str:
    """``<style>`` and ``<script>`` blocks with Leaflet, Leaflet.fullscreen and siting's script."""
    css = _asset("leaflet/leaflet.css").decode("utf-8")
    css = re.sub(r"url\(images/([\w.-]+\.png)\)", lambda m: f"url({_data_uri('leaflet/images/' + m.group(1), 'image/png')})", css)
    fs_css = _asset("leaflet.fullscreen/Control.FullScreen.css").decode("utf-8")
    fs_css = fs_css.replace("url('icon-fullscreen.svg')", f"url('{_data_uri('leaflet.fullscreen/icon-fullscreen.svg', 'image/svg+xml')}')")
    own_css = _asset("siting/siting_map.css").decode("utf-8")
    scripts = []
    for p in ("leaflet/leaflet.js", "leaflet.fullscreen/Control.FullScreen.js", "siting/siting_map.js"):
        js = _asset(p).decode("utf-8")
        js = re.sub(r"//# sourceMappingURL=\S+", "", js).replace("</script", "<\\/script")
        scripts.append(f"<script>/* {p} */\n{js}\n</script>")
    return (
        "<!-- Leaflet 1.9.4 (BSD-2-Clause, © Vladimir Agafonkin, CloudMade) and leaflet.fullscreen 3.0.2 "
        "(MIT, © Bruno Bergot) are inlined so that this page opens offline. -->\n"
        f"<style>{css}</style>\n<style>{fs_css}</style>\n<style>{own_css}</style>\n" + "\n".join(scripts)
    )


class _Init(MacroElement):
    """Calls ``sitingInit(map)`` once the folium map exists."""

    _template = Template("{% macro script(this, kwargs) %}sitingInit({{ this._parent.get_name() }});{% endmacro %}")


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left raw."""
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def coverage_map(
    res: RunResult,
    *,
    category: str | None = None,
    development: gpd.GeoDataFrame | None = None,
    development_name: str | None = None,
    basemap: str | None = None,
    tianditu_key: str | None = None,
    service_areas: bool = True,
    svg_limit: int = 3000,
    **options: Any,
) -> folium.Map:
    """Build the map of a run, self-contained (opens with no internet; only basemap tiles need it).

    Parameters
    ----------
    res : RunResult
        A run (:func:`siting.pipeline.run_scenario`); a plan in ``res.extras["proposed"]`` and
        ``res.extras["tables"]["plan_coverage"]`` is drawn when present.
    category : str, optional
        Category whose layer and facilities are shown first (default ``map.category`` of the
        scenario, else the first category).
    development : GeoDataFrame, optional
        A development under check (points or polygons, any CRS); default
        ``res.extras["development"]``. Its attributes show, escaped, in the popup.
    development_name : str, optional
        Layer name for it.
    basemap : {"osm", "tianditu", "amap", "none"}, optional
        Default ``map.basemap`` of the scenario. See :func:`basemap_layers`. With ``"none"``, or
        when the tiles cannot be loaded, the streets of the analysis network are drawn.
    tianditu_key : str, optional
        Default ``map.tianditu_key``, else the ``TIANDITU_KEY`` environment variable.
    service_areas : bool
        Offer the service-area layers (computed in the page from the packed network).
    svg_limit : int
        Up to this many residences are drawn as SVG elements; above it, on one canvas.
    **options
        Passed to :func:`map_data` (``grid``, ``grid_limit``, ``grid_m``, ``grid_zoom``,
        ``marker_limit``, ``compress``, ``lang``).

    Returns
    -------
    folium.Map
        Save it with ``m.save(path)``; the file embeds Leaflet and all data.
    """
    data = map_data(
        res, category=category, development=development, development_name=development_name, basemap=basemap,
        tianditu_key=tianditu_key, service_areas=service_areas, svg_limit=svg_limit, **options,
    )
    ll = data["bounds"]
    centre = [(ll[0][0] + ll[1][0]) / 2, (ll[0][1] + ll[1][1]) / 2] if ll else [0.0, 0.0]
    m = folium.Map(location=centre, zoom_start=15, tiles=None, zoom_control=False, control_scale=False,
                   attribution_control=False)
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(f"<title>{esc(data['title'])}</title>"), name="siting_title")
    root.header.add_child(Element(_inline_head()), name="siting_assets")
    root.html.add_child(Element(f'<script type="application/json" id="siting-data">{_json_for_script(data)}</script>'),
                        name="siting_data")
    m.add_child(_Init(), name="siting_init")
    return m
