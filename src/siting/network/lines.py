"""Road networks from line layers: road centrelines as a planning or surveying department keeps them.

A centreline layer (GeoPackage, Shapefile, GeoJSON or FlatGeobuf of LineStrings) is not a graph:
a street is often one line across many junctions, lines end a little short of each other, and a
bridge crosses the road below without meeting it. :func:`lines_to_arrays` turns such a layer into
the node and edge arrays of :meth:`siting.network.Network.from_arrays`:

1. **Clean.** Empty and non-line geometries are dropped, multi-lines split into their parts, Z
   dropped, repeated vertices removed, zero-length lines dropped.
2. **Classes.** With a class column (``highway``, ``fclass``, ``道路等级`` ...), ``walkable`` keeps
   only the classes named and ``exclude`` drops some (keep expressways out of a walk network).
3. **Merge endpoints.** Line ends closer than ``tolerance_m`` (default 1 m) to each other are
   moved to their common centre (single linkage); a line end within ``tolerance_m`` of another
   line's interior, touching nothing else, is moved onto that line (a T-junction drawn short).
4. **Split.** Lines are split where they cross or touch: where one line's end lies on another
   line, always (a junction); where two lines cross in their interiors, only when they are at
   the same grade. The grade of a line is its values in the grade-separation columns
   (``bridge``, ``tunnel``, ``layer``, ``桥梁``, ``隧道``, ``层`` ... when present): a bridge
   (``bridge = yes``, ``layer = 1``) crosses a street at ground level without a junction.
5. **Nodes.** Line ends closer than 1 mm are one node; each piece of line is one edge.

Every repair is counted in ``info["repairs"]`` (see :data:`REPAIRS`). Lengths are planar metres of
the layer's projected CRS; a layer in degrees is measured on the great circle (mean earth radius,
as osmnx and pyrosm measure OSM ways) before it is projected, so that the same streets as an OSM
file and as a line layer give the same network.

With per-class speeds (``speeds``, or a numeric ``speed_column`` in km/h) for the drive profile,
each edge's length becomes its travel time at that speed expressed in metres at the profile's
reference speed (``length × reference / speed``): minutes stay right, and a time threshold
converts to metres once, as everywhere else.

**One-way streets** (``directed=True``, the drive profile): see :mod:`siting.network.oneway`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from siting._io import read_vector
from siting.errors import CRSError, InputError, Msg, NetworkError
from siting.network.oneway import ONEWAY_COLUMNS, directions

__all__ = ["LINE_SUFFIXES", "ONEWAY_COLUMNS", "REPAIRS", "LineRules", "is_line_layer", "lines_to_arrays",
           "read_lines"]

logger = logging.getLogger(__name__)

#: File suffixes read as line layers.
LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb")

#: The repairs counted in ``info["repairs"]``, with what each count means.
REPAIRS: dict[str, str] = {
    "empty_dropped": "features without geometry dropped",
    "non_lines_dropped": "features that are not lines dropped",
    "class_dropped": "lines of classes not walked dropped",
    "multipart_split": "multi-lines split into parts",
    "zero_length_dropped": "lines of no length dropped",
    "endpoints_merged": "line ends merged with ends within the tolerance",
    "dangles_snapped": "line ends moved onto a line within the tolerance",
    "junctions_split": "T-junctions split (a line ends on another)",
    "crossings_split": "crossings split (two lines at one grade)",
    "grade_separated": "grade-separated crossings kept apart (bridges, tunnels, layers)",
}

#: Columns recognised as grade separation when ``grade_columns`` is not given (lower case).
GRADE_COLUMNS = ("bridge", "tunnel", "layer", "level", "z_level", "桥梁", "隧道", "层", "图层", "层级", "是否桥梁", "是否隧道")

#: Columns recognised as the road class when ``class_column`` is not given (lower case).
CLASS_COLUMNS = ("highway", "fclass", "class", "road_class", "roadclass", "kind", "道路等级", "等级", "道路类型", "道路级别", "类型")


_FALSE = {"", "no", "n", "false", "f", "0", "none", "nan", "null", "否", "无", "非"}
_ENDPOINT_EPS = 1e-4  # metres: an intersection this close to a line's end is at that end
_NODE_EPS = 1e-3  # metres: ends this close are one node


@dataclass(frozen=True)
class LineRules:
    """How a line layer becomes a network (see the module docstring for the steps).

    Attributes
    ----------
    tolerance_m : float
        Line ends closer than this (metres) are merged; 0 = only exact matches.
    grade_columns : sequence of str or None
        Grade-separation columns; ``None`` = those of :data:`GRADE_COLUMNS` present; ``()`` = none
        (every crossing is a junction).
    class_column : str or None
        Road-class column; ``None`` = the first of :data:`CLASS_COLUMNS` present (used only when
        ``walkable``, ``exclude`` or ``speeds`` are given).
    walkable : sequence of str or None
        Keep only lines of these classes (None = all).
    exclude : sequence of str
        Drop lines of these classes (e.g. ``["快速路", "motorway"]``).
    speeds : mapping of str to float
        Class → speed, m/s (drive profile); classes not listed keep the reference speed.
    speed_column : str or None
        A numeric column of speeds in km/h per line (wins over ``speeds`` where filled).
    reference_speed_mps : float or None
        The profile's speed, m/s; needed with ``speeds`` or ``speed_column``.
    directed : bool
        Keep one-way streets (the drive profile): the one-way rules below are applied and the
        arrays carry ``oneway``. False: every street two-way (walking, cycling).
    oneway_column : str or None
        One-way column; ``None`` = the first of :data:`ONEWAY_COLUMNS` present (none: no column).
    oneway_values : mapping of str to str
        Extra or overriding values of the one-way column: value → ``"forward"`` (one-way as
        drawn), ``"reverse"`` (one-way against the drawing) or ``"no"`` (two-way).
    oneway_classes : sequence of str
        Road classes that are one-way as drawn where the one-way column is blank (or absent).
    """

    tolerance_m: float = 1.0
    grade_columns: Sequence[str] | None = None
    class_column: str | None = None
    walkable: Sequence[str] | None = None
    exclude: Sequence[str] = ()
    speeds: Mapping[str, float] = field(default_factory=dict)
    speed_column: str | None = None
    reference_speed_mps: float | None = None
    directed: bool = False
    oneway_column: str | None = None
    oneway_values: Mapping[str, str] = field(default_factory=dict)
    oneway_classes: Sequence[str] = ()


def is_line_layer(path: str | Path) -> bool:
    """True for files read as line layers (:data:`LINE_SUFFIXES`)."""
    return Path(path).suffix.lower() in LINE_SUFFIXES


def read_lines(path: str | Path, *, layer: str | None = None, encoding: str | None = None) -> Any:
    """Read a line layer (GeoPackage, Shapefile, GeoJSON, FlatGeobuf) with the right text encoding.

    A Shapefile without ``.cpg`` has its DBF encoding detected (GBK or UTF-8); ``encoding``
    forces one. Returns a GeoDataFrame in the file's CRS.
    """
    gdf = read_vector(path, layer=layer, encoding=encoding, what="network file")
    if gdf.crs is None:
        raise CRSError(
            Msg("network file {name} has no CRS: save it with one (a .prj for a Shapefile), e.g. CGCS2000 / 3-degree "
                "Gauss-Kruger CM 114E = \"EPSG:4547\"",
                name=Path(path).name)
        )
    return gdf


# --------------------------------------------------------------------------------------------
# the steps
# --------------------------------------------------------------------------------------------
def _find_column(columns: Sequence[Any], given: str | None, known: Sequence[str], key: str) -> str | None:
    low = {str(c).strip().lower(): c for c in columns}
    if given is not None:
        if given in columns:
            return given
        if given.strip().lower() in low:
            return low[given.strip().lower()]
        raise InputError(Msg("{key} = {given!r} is not a column of the network file (columns: {v1})",
                             key=key,
                             given=given,
                             v1=', '.join(map(str, columns))))
    return next((low[k] for k in known if k in low), None)


def _grade_values(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One integer grade key per line: equal keys = the same grade."""
    if not columns:
        return np.zeros(len(frame), dtype=np.int64)
    parts = []
    for c in columns:
        raw = frame[c]
        num = pd.to_numeric(raw, errors="coerce")
        if num.notna().sum() >= raw.notna().sum() and raw.notna().any():  # a numeric level (layer)
            parts.append(num.fillna(0).round().astype(np.int64).astype(str))
        else:  # a flag (bridge = yes / 是)
            text = raw.fillna("").astype(str).str.strip().str.lower()
            parts.append((~text.isin(_FALSE)).astype(int).astype(str))
    key = parts[0].str.cat(parts[1:], sep="|") if len(parts) > 1 else parts[0]
    return pd.factorize(key)[0].astype(np.int64)


def _great_circle_lengths(lines: np.ndarray) -> np.ndarray:
    """Lengths of lines in degrees (lon, lat), metres on the mean earth radius (haversine)."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    out = np.zeros(len(lines))
    if len(xy) < 2:
        return out
    same = idx[1:] == idx[:-1]
    lon = np.radians(xy[:, 0])
    lat = np.radians(xy[:, 1])
    dlat = lat[1:] - lat[:-1]
    dlon = lon[1:] - lon[:-1]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    d = 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    np.add.at(out, idx[1:][same], d[same])
    return out


def _clusters(xy: np.ndarray, radius: float) -> np.ndarray:
    """Label of each point; points within ``radius`` of each other share one (single linkage)."""
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray") if radius > 0 else np.zeros((0, 2), dtype=np.int64)
    if radius <= 0 or len(pairs) == 0:
        # exact duplicates only
        _, labels = np.unique(xy, axis=0, return_inverse=True)
        return labels.reshape(-1).astype(np.int64)
    adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    return labels.astype(np.int64)


def _set_ends(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The lines with their first and last vertices replaced."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    first = np.r_[True, idx[1:] != idx[:-1]]
    last = np.r_[idx[1:] != idx[:-1], True]
    xy = xy.copy()
    xy[first] = start
    xy[last] = end
    return shapely.linestrings(xy, indices=idx)


def _ends(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return shapely.get_coordinates(shapely.get_point(lines, 0)), shapely.get_coordinates(shapely.get_point(lines, -1))


def _merge_endpoints(lines: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
    """Move line ends within ``tol`` of each other to their cluster's centre."""
    a, b = _ends(lines)
    pts = np.concatenate([a, b])
    lab = _clusters(pts, tol)
    cx = np.bincount(lab, weights=pts[:, 0]) / np.bincount(lab)
    cy = np.bincount(lab, weights=pts[:, 1]) / np.bincount(lab)
    new = np.c_[cx[lab], cy[lab]]
    moved = np.hypot(*(new - pts).T) > 1e-6
    if not moved.any():
        return lines, 0
    n = len(lines)
    return _set_ends(lines, new[:n], new[n:]), int(moved.sum())


def _snap_dangles(lines: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
    """Move a line end that touches nothing onto the nearest other line within ``tol``."""
    if tol <= 0:
        return lines, 0
    n = len(lines)
    a, b = _ends(lines)
    pts = np.concatenate([a, b])
    owner = np.r_[np.arange(n), np.arange(n)]
    # ends shared with another end are joined already
    _, inv, counts = np.unique(pts, axis=0, return_inverse=True, return_counts=True)
    alone = counts[inv.reshape(-1)] == 1
    geoms = shapely.points(pts)
    tree = shapely.STRtree(lines)
    pi, li = tree.query(geoms, predicate="dwithin", distance=tol)
    keep = (li != owner[pi]) & alone[pi]
    pi, li = pi[keep], li[keep]
    if len(pi) == 0:
        return lines, 0
    d = shapely.distance(geoms[pi], lines[li])
    touching = np.zeros(len(pts), dtype=bool)
    touching[pi[d <= _ENDPOINT_EPS]] = True  # on a line already: the split joins it
    m = ~touching[pi]
    pi, li, d = pi[m], li[m], d[m]
    if len(pi) == 0:
        return lines, 0
    order = np.lexsort((d, pi))
    first = np.r_[True, pi[order][1:] != pi[order][:-1]]
    pi, li = pi[order][first], li[order][first]
    target = shapely.line_interpolate_point(lines[li], shapely.line_locate_point(lines[li], geoms[pi]))
    new = pts.copy()
    new[pi] = shapely.get_coordinates(target)
    return _set_ends(lines, new[:n], new[n:]), int(len(pi))


def _split_points(lines: np.ndarray, grade: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Where lines must be split: (line index, point xy) per split; and the counts of junctions and crossings."""
    counts = {"junctions_split": 0, "crossings_split": 0, "grade_separated": 0}
    none = (np.zeros(0, dtype=np.int64), np.zeros((0, 2)), counts)
    tree = shapely.STRtree(lines)
    ia, ib = tree.query(lines, predicate="intersects")
    m = ia < ib
    ia, ib = ia[m], ib[m]
    if len(ia) == 0:
        return none
    inter = shapely.intersection(lines[ia], lines[ib])
    parts, pidx = shapely.get_parts(inter, return_index=True)
    kind = shapely.get_type_id(parts)
    # points, and the two ends of overlapping stretches
    is_pt = kind == 0
    is_ln = (kind == 1) | (kind == 2)
    pts = [shapely.get_coordinates(parts[is_pt])]
    owner = [pidx[is_pt]]
    if is_ln.any():
        ln = parts[is_ln]
        pts += [shapely.get_coordinates(shapely.get_point(ln, 0)), shapely.get_coordinates(shapely.get_point(ln, -1))]
        owner += [pidx[is_ln], pidx[is_ln]]
    xy = np.concatenate(pts)
    pair = np.concatenate(owner)
    if len(xy) == 0:
        return none
    la, lb = ia[pair], ib[pair]
    a0, a1 = _ends(lines)

    def at_end(line: np.ndarray) -> np.ndarray:
        return (np.hypot(*(xy - a0[line]).T) <= _ENDPOINT_EPS) | (np.hypot(*(xy - a1[line]).T) <= _ENDPOINT_EPS)

    end_a, end_b = at_end(la), at_end(lb)
    interior = ~end_a & ~end_b
    separated = interior & (grade[la] != grade[lb])
    counts["grade_separated"] = int(separated.sum())
    counts["crossings_split"] = int((interior & ~separated).sum())
    counts["junctions_split"] = int((end_a ^ end_b).sum())
    cut_a = ~separated & ~end_a
    cut_b = ~separated & ~end_b
    return np.concatenate([la[cut_a], lb[cut_b]]), np.concatenate([xy[cut_a], xy[cut_b]]), counts


def _cut_all(lines: np.ndarray, line: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every line cut at its split points (``line[k]`` is cut at ``xy[k]``, which lies on it); each
    point becomes the shared end vertex of the two pieces. Vectorised: one sort of all vertices
    and cut points. Returns the pieces and the index of the line each came from."""
    n = len(lines)
    total = shapely.length(lines)
    vxy, vidx = shapely.get_coordinates(lines, return_index=True)
    seg = np.r_[0.0, np.hypot(*np.diff(vxy, axis=0).T)]
    first = np.r_[True, vidx[1:] != vidx[:-1]]
    seg[first] = 0.0
    cum = np.cumsum(seg)
    cum -= np.repeat(cum[first], np.bincount(vidx, minlength=n)[np.unique(vidx)])
    # the cut points' positions along their lines; those at an end, or within 0.1 mm of another, go
    pos = shapely.line_locate_point(lines[line], shapely.points(xy)) if len(line) else np.zeros(0)
    inside = (pos > _ENDPOINT_EPS) & (pos < total[line] - _ENDPOINT_EPS)
    line, xy, pos = line[inside], xy[inside], pos[inside]
    if len(line) == 0:  # nothing to cut (a layer noded already)
        return lines, np.arange(n)
    order = np.lexsort((pos, line))
    line, xy, pos = line[order], xy[order], pos[order]
    dup = np.r_[False, (line[1:] == line[:-1]) & (np.diff(pos) <= _ENDPOINT_EPS)]
    line, xy, pos = line[~dup], xy[~dup], pos[~dup]
    if len(line) == 0:
        return lines, np.arange(n)
    # a key that sorts by line, then position: line + position / (length + 1)
    scale = total + 1.0
    bkey = line + pos / scale[line]
    vkey = vidx + cum / scale[vidx]
    # vertices within 0.1 mm of a cut point are replaced by it
    near = np.zeros(len(vkey), dtype=bool)
    j = np.searchsorted(bkey, vkey)
    for k in (j - 1, j):
        ok = (k >= 0) & (k < len(bkey))
        kk = np.clip(k, 0, len(bkey) - 1)
        near |= ok & (line[kk] == vidx) & (np.abs(pos[kk] - cum) <= _ENDPOINT_EPS)
    near &= (cum > _ENDPOINT_EPS) & (cum < total[vidx] - _ENDPOINT_EPS)
    vkeep = ~near
    # the piece of each vertex: the cuts of its line before it
    line_start = np.searchsorted(line, np.arange(n))  # index of each line's first cut
    n_cuts = np.bincount(line, minlength=n)
    piece0 = np.r_[0, np.cumsum(n_cuts + 1)[:-1]]  # id of each line's first piece
    v_piece = piece0[vidx] + (np.searchsorted(bkey, vkey, side="right") - line_start[vidx])
    rank = np.arange(len(line)) - line_start[line]
    end_piece = piece0[line] + rank  # a cut point ends one piece ...
    start_piece = end_piece + 1  # ... and starts the next
    pid = np.concatenate([v_piece[vkeep], end_piece, start_piece])
    at = np.concatenate([cum[vkeep], pos, pos])
    pxy = np.concatenate([vxy[vkeep], xy, xy])
    o = np.lexsort((at, pid))
    pieces = shapely.linestrings(pxy[o], indices=pid[o])
    owner = np.repeat(np.arange(n), n_cuts + 1)
    return np.asarray(pieces, dtype=object), owner


# --------------------------------------------------------------------------------------------
# the whole
# --------------------------------------------------------------------------------------------
def lines_to_arrays(gdf: Any, rules: LineRules = LineRules(), *, crs: Any = None) -> dict[str, Any]:
    """Node and edge arrays of a line layer, ready for :meth:`Network.from_arrays`.

    Parameters
    ----------
    gdf : GeoDataFrame
        LineStrings (or MultiLineStrings) with a CRS.
    rules : LineRules
        Tolerance, grade separation, classes and speeds.
    crs : CRS-like, optional
        Projected CRS of the network; default the layer's own when projected, else the
        estimated UTM zone.

    Returns
    -------
    dict
        ``x``, ``y`` (node coordinates, metres), ``u``, ``v``, ``length`` (metres), ``geometry``,
        ``crs`` (pyproj.CRS), ``info`` (``source``, ``repairs`` counts, ``grade_columns``,
        ``class_column``; with ``directed`` also ``oneway``: the column, classes and counts),
        ``edge_line`` (the feature of each edge) and ``oneway`` (``rules.directed``: per edge, True
        = one-way from ``u`` to ``v``; otherwise None).

    Raises
    ------
    CRSError
        The layer has no CRS, or ``crs`` is geographic.
    NetworkError
        No lines remain.
    InputError
        A named column is missing, or speeds are given without a reference speed.
    """
    if gdf.crs is None:
        raise CRSError(Msg("the line layer has no CRS: set one (gdf.set_crs(...)) or save the file with one"))
    repairs = dict.fromkeys(REPAIRS, 0)
    geom = np.asarray(gdf.geometry.values, dtype=object)
    null = shapely.is_missing(geom) | shapely.is_empty(geom)
    types = shapely.get_type_id(geom)
    lineish = np.isin(types, (1, 2, 5))
    repairs["empty_dropped"] = int(null.sum())
    repairs["non_lines_dropped"] = int((~null & ~lineish).sum())
    keep = ~null & lineish
    if not keep.any():
        kinds = sorted({str(t) for t in gdf.geometry[~null].geom_type.unique()})
        raise NetworkError(
            Msg("the line layer has no LineStrings ({v1}): give the road centrelines", v1=', '.join(kinds) or 'no geometries')
        )
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    cols = list(frame.columns)
    # classes
    want_class = rules.walkable is not None or bool(rules.exclude) or bool(rules.speeds) or (
        rules.directed and bool(rules.oneway_classes))
    class_col = _find_column(cols, rules.class_column, CLASS_COLUMNS, "network.lines.class_column") if (
        want_class or rules.class_column) else None
    if want_class and class_col is None:
        raise InputError(
            Msg("network.lines: walkable/exclude/speeds/oneway_classes need a road-class column, and none of {v1} is "
                "in the file (columns: {v2}): set network.lines.class_column",
                v1=', '.join(CLASS_COLUMNS),
                v2=', '.join(map(str, cols)))
        )
    klass = frame[class_col].fillna("").astype(str).str.strip() if class_col else pd.Series("", index=frame.index)
    if class_col is not None:
        ok = pd.Series(True, index=frame.index)
        if rules.walkable is not None:
            ok &= klass.isin([str(c) for c in rules.walkable])
        if rules.exclude:
            ok &= ~klass.isin([str(c) for c in rules.exclude])
        dropped = keep & ~ok.to_numpy()
        repairs["class_dropped"] = int(dropped.sum())
        if repairs["class_dropped"]:
            logger.info("network: dropped %d lines by class (%s)", repairs["class_dropped"],
                        ", ".join(f"{k} {v}" for k, v in klass[dropped].value_counts().items()))
        keep &= ok.to_numpy()
    if not keep.any():
        raise NetworkError(
            Msg("no lines are left after the class rules (classes in {class_col!r}: {v1}): check "
                "network.lines.walkable / exclude",
                class_col=class_col,
                v1=', '.join(map(str, klass.unique()[:20])))
        )
    grade_cols: list[str]
    if rules.grade_columns is None:
        low = {str(c).strip().lower(): c for c in cols}
        grade_cols = [low[k] for k in GRADE_COLUMNS if k in low]
    else:
        grade_cols = [_find_column(cols, g, (), "network.lines.grade_columns") or g for g in rules.grade_columns]
    grade = _grade_values(frame, grade_cols)
    # speeds (m/s) per line
    speed = np.full(len(frame), np.nan)
    if rules.speeds:
        speed = klass.map({str(k): float(v) for k, v in rules.speeds.items()}).to_numpy(dtype=float)
    if rules.speed_column:
        sc = _find_column(cols, rules.speed_column, (), "network.lines.speed_column")
        kmh = pd.to_numeric(frame[sc], errors="coerce").to_numpy(dtype=float) / 3.6
        speed = np.where(np.isfinite(kmh) & (kmh > 0), kmh, speed)
    if np.isfinite(speed).any() and not rules.reference_speed_mps:
        raise InputError(Msg("network.lines speeds need the profile's reference speed (reference_speed_mps)"))
    # one-way rules (drive): per line 1 as drawn, -1 against it, 0 two-way
    direction = np.zeros(len(frame), dtype=np.int8)
    oneway_info: dict[str, Any] | None = None
    if rules.directed:
        col = _find_column(cols, rules.oneway_column, ONEWAY_COLUMNS, "network.lines.oneway_column")
        direction, oneway_info = directions(frame, col, klass, keep, values=rules.oneway_values, classes=rules.oneway_classes)
        if oneway_info["column"] is None and not rules.oneway_classes:
            logger.warning("network: directed (drive) network from a line layer without a one-way column (%s) or "
                           "network.lines.oneway_classes: every street is taken as two-way", ", ".join(ONEWAY_COLUMNS))
    elif rules.oneway_column or rules.oneway_classes:
        logger.info("network: one-way rules not applied (walking and cycling go both ways; they apply to the drive profile)")
    # explode multi-lines, drop Z
    src = pyproj.CRS.from_user_input(gdf.crs)
    parts, pidx = shapely.get_parts(geom[keep], return_index=True)
    rows = np.flatnonzero(keep)[pidx]
    repairs["multipart_split"] = int((np.bincount(pidx) > 1).sum())
    parts = shapely.force_2d(parts)
    parts = np.asarray([shapely.LineString(p.coords) if p.geom_type == "LinearRing" else p for p in parts], dtype=object) \
        if (shapely.get_type_id(parts) == 2).any() else parts
    parts = shapely.remove_repeated_points(parts, 0.0)
    against = direction[rows] == -1
    if against.any():  # one-way against the drawing: reversed, so that every piece runs the allowed way
        parts = parts.copy()
        parts[against] = shapely.reverse(parts[against])
    # projection and lengths
    if crs is not None:
        target = pyproj.CRS.from_user_input(crs)
        if not target.is_projected:
            raise CRSError(Msg("network.crs = {v1} is geographic (degrees): use a projected CRS in metres", v1=target.to_string()))
    elif src.is_projected:
        target = src
    else:
        import geopandas as gpd

        target = gpd.GeoSeries(parts, crs=src).estimate_utm_crs()
    gc_length = _great_circle_lengths(parts) if src.is_geographic else None
    if not src.equals(target):
        import geopandas as gpd

        parts = np.asarray(gpd.GeoSeries(parts, crs=src).to_crs(target).values, dtype=object)
    planar = shapely.length(parts)
    zero = planar <= 1e-9
    repairs["zero_length_dropped"] = int(zero.sum())
    parts, rows = parts[~zero], rows[~zero]
    scale = gc_length[~zero] / planar[~zero] if gc_length is not None else np.ones(len(parts))  # true metres per planar metre
    if len(parts) == 0:
        raise NetworkError(Msg("every line of the layer has zero length: check the file's geometries and CRS"))
    tol = float(rules.tolerance_m)
    if tol < 0:
        raise InputError(Msg("network.lines.tolerance = {tol} m must be ≥ 0", tol=tol))
    parts, repairs["endpoints_merged"] = _merge_endpoints(parts, tol)
    parts, repairs["dangles_snapped"] = _snap_dangles(parts, tol)
    # a line shrunk to nothing by the merging (a stub shorter than the tolerance) goes
    short = shapely.length(parts) <= 1e-9
    if short.any():
        repairs["zero_length_dropped"] += int(short.sum())
        parts, rows, scale = parts[~short], rows[~short], scale[~short]
    cut_line, cut_xy, counts = _split_points(parts, grade[rows])
    repairs.update(counts)
    geometry, own = _cut_all(parts, cut_line, cut_xy)
    # nodes
    a, b = _ends(geometry)
    ends = np.concatenate([a, b])
    lab = _clusters(ends, _NODE_EPS)
    uniq, first = np.unique(lab, return_index=True)
    remap = np.full(int(lab.max()) + 1, -1, dtype=np.int64)
    remap[uniq] = np.arange(len(uniq))
    node = remap[lab]
    nx_, ny_ = ends[first, 0], ends[first, 1]
    m = len(geometry)
    u, v = node[:m], node[m:]
    geometry = _set_ends(geometry, np.c_[nx_[u], ny_[u]], np.c_[nx_[v], ny_[v]])
    length = shapely.length(geometry) * scale[own]
    if np.isfinite(speed).any():
        sp = speed[rows][own]
        ref = float(rules.reference_speed_mps or 1.0)
        length = np.where(np.isfinite(sp) & (sp > 0), length * ref / np.where(sp > 0, sp, 1.0), length)
    info = {
        "source": "line layer",
        "lines_in": int(len(gdf)),
        "repairs": {k: int(v) for k, v in repairs.items()},
        "grade_columns": [str(c) for c in grade_cols],
        "class_column": str(class_col) if class_col is not None else None,
        "tolerance_m": tol,
    }
    if np.isfinite(speed).any():
        info["speeds"] = "per class, as metres at the reference speed"
    oneway = None
    if oneway_info is not None:
        oneway = direction[rows][own] != 0
        oneway_info["segments_one_way"] = int(oneway.sum())
        info["oneway"] = oneway_info
    # the repairs are counted in info (the run's network stage line and its note show them)
    logger.info("network: %d lines -> %d nodes, %d segments", len(gdf), len(nx_), m)
    return {"x": nx_, "y": ny_, "u": u, "v": v, "length": length, "geometry": geometry, "crs": target, "info": info,
            "edge_line": rows[own], "oneway": oneway}

