"""How the map and the slides class residents: against each category's own threshold.

A resident is *within* the threshold (covered), *just beyond* it (up to :data:`BEYOND` × the
threshold), *far* (found within the search range, :data:`SEARCH_FACTOR` × the threshold) or has
*none* within the search range (or lives off the streets). Distances are metres inside; a
threshold is shown in its own unit (``"8 min"``, ``"300 m"``) with the other one beside it where
there is room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from siting.outputs.encode import spatial_order

if TYPE_CHECKING:
    from siting.results import RunResult

__all__ = [
    "BEYOND", "CATEGORY_COLOURS", "CLASS_COLOURS", "DISTANCE_STEP_M", "REACHED_COLOURS", "SEARCH_FACTOR", "SHARE_BINS",
    "distance_class", "format_threshold", "quantise", "representative_points", "residence_order",
]

#: A resident not covered but within this many times the threshold is "just beyond" it.
BEYOND = 1.5
#: Distances are known up to this many times the threshold (the search range of coverage()).
SEARCH_FACTOR = 3.0
#: Residents' distances travel in steps of this many metres on large (compressed) maps, 1 m otherwise
#: (the class of each resident is kept exact: covered ⇔ within the threshold).
DISTANCE_STEP_M = 5.0
#: Colours of the classes: within the threshold, just beyond, far, none within the search range.
CLASS_COLOURS = ("#1a9850", "#fdae61", "#d73027", "#4d4d4d")
#: Grid cells: colour by the population share within the threshold (lower bounds).
SHARE_BINS = ((0.9, "#1a9850"), (0.7, "#91cf60"), (0.5, "#fee08b"), (0.25, "#fc8d59"), (0.0, "#d73027"))
#: Colours of the number of services reached, none to all.
REACHED_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850")
#: One colour per category, in the order of the run's categories (charts use the same).
CATEGORY_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#7f7f7f", "#d62728", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354",
)


def distance_class(metres: Any, covered: Any, limit: float) -> np.ndarray:
    """Class of each distance against a threshold of ``limit`` metres (see :data:`CLASS_COLOURS`).

    0: covered (within the threshold); 1: just beyond (up to :data:`BEYOND` × ``limit``);
    2: farther, but found within the search range; 3: none within the search range (``inf``, or
    off the network).
    """
    m = np.asarray(metres, dtype=float)
    cov = np.asarray(covered, dtype=bool)
    out = np.full(m.shape, 3, dtype=np.uint8)
    fin = np.isfinite(m)
    out[fin] = 2
    out[fin & (m <= BEYOND * limit)] = 1
    out[cov] = 0
    return out


def _num_text(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 or float(x).is_integer() else f"{x:.1f}"


def format_threshold(value_m: float, speed_mps: float, kind: str, lang: str, *, both: bool = False) -> str:
    """A threshold (or a multiple of one) as text: ``"8 min"`` / ``"8 分钟"``, ``"300 m"``.

    ``kind`` is ``"s"`` for a time threshold (``value_m`` metres at ``speed_mps``) or ``"m"``;
    with ``both`` the other unit follows in brackets (``"8 min (480 m)"``).
    """
    zh = lang == "zh"
    minutes = value_m / speed_mps / 60.0
    t_min = f"{_num_text(round(minutes, 1))} {'分钟' if zh else 'min'}"
    t_m = f"{value_m / 1000:,.1f} km" if value_m >= 10_000 else f"{value_m:,.0f} m"
    main, other = (t_min, t_m) if kind == "s" else (t_m, t_min)
    if not both:
        return main
    return f"{main}（{other}）" if zh else f"{main} ({other})"


def residence_order(res: RunResult) -> np.ndarray:
    """The order in which the map lists residences (index into ``res.coverage.residences``).

    Nearby residences are neighbours (:func:`siting.outputs.encode.spatial_order`), so that the
    packed arrays compress. ``siting serve`` sends updates in this order.
    """
    r = res.coverage.residences
    pts = representative_points(r.geometry)
    return spatial_order(pts.x.to_numpy(), pts.y.to_numpy(), bands=max(1, int(np.sqrt(len(r)))))


def representative_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Points of a geometry column: polygons (compounds) by a point inside."""
    if len(geoms) and not (geoms.geom_type == "Point").all():
        return geoms.where(geoms.geom_type == "Point", geoms.representative_point())
    return geoms


def quantise(metres: np.ndarray, covered: np.ndarray, limit: float, step: float) -> tuple[np.ndarray, int, int]:
    """Distances as multiples of ``step`` metres (65535: none), keeping the classes exact.

    Returns the quantised distances ``q`` and ``qcov``, ``qbey``: covered ⇔ ``q <= qcov``, within
    :data:`BEYOND` × the threshold ⇔ ``q <= qbey`` — whatever the rounding.
    """
    qcov = int(np.floor(limit / step + 1e-9))
    qbey = max(int(np.floor(BEYOND * limit / step + 1e-9)), qcov + 1)
    fin = np.isfinite(metres)
    q = np.where(fin, np.round(np.where(fin, metres, 0) / step), 65535).astype(np.int64)
    near = fin & (metres <= BEYOND * limit)
    q = np.where(near, np.minimum(q, qbey), np.where(fin, np.maximum(q, qbey + 1), q))
    q = np.where(covered, np.minimum(q, qcov), np.where(fin, np.maximum(q, qcov + 1), 65535))
    return np.minimum(q, 65534 * fin + 65535 * ~fin), qcov, qbey
