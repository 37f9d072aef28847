"""Service categories and the Chinese planning-standards catalog.

A :class:`Category` is one kind of service (便利店, 社区卫生服务站, ...) with its walking threshold, the
OSM tags that identify it, Amap typecodes, an area norm and the source each figure comes from. The
category table lives in ``data/categories.toml``; the standards catalog (one file per source
document: GB 50180-2018, the MOFCOM 一刻钟便民生活圈 guide, 完整居住社区 2020, the 14th Five-Year
community-services plan, local rules) lives in ``data/standards/``.

Every figure carries a status: ``confirmed`` (read in the source or a verbatim repost),
``secondary`` (third-party text or code citing the source) or ``unconfirmed`` (a planning default,
not found in any source; edit it for your city). See ``docs/standards.md``.

>>> cats = resolve_categories(["pharmacy", "supermarket"])          # doctest: +SKIP
>>> cats = resolve_categories(standard="GB50180-2018", level="15min")  # doctest: +SKIP
>>> cats[0].matches({"amenity": "pharmacy"})                        # doctest: +SKIP
"""

from __future__ import annotations

import logging
import math
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ._errors import InputError, MissingFileError, Problems, ScenarioError
from ._standards_schema import (
    CategoryModel,
    StandardModel,
    _absent,
    _unknown_message,
    amap_frame,
    amap_rows,
    check_catalog,
    map_codes,
    parse_model,
)
from .i18n import normalise_lang
from .units import Threshold, parse_threshold

__all__ = [
    "Category",
    "Indicator",
    "Level",
    "Standard",
    "StandardEntry",
    "list_standards",
    "load_amap_table",
    "load_categories",
    "load_standard",
    "map_amap_typecodes",
    "osm_query_tags",
    "resolve_categories",
    "validate_catalog",
]

logger = logging.getLogger(__name__)

_lang = normalise_lang


def _value_matches(value: object, want: object) -> bool:
    """Does one OSM tag value satisfy ``want`` (str, list of str, or True = any value)?

    OSM multi-values ``"a;b"`` match when any part matches.
    """
    if _absent(value):
        return False
    if want is True:
        return True
    parts = {p.strip() for p in str(value).split(";")}
    wanted = {want} if isinstance(want, str) else set(want)  # type: ignore[arg-type]
    return bool(parts & wanted)


@dataclass(frozen=True)
class Category:
    """One kind of service facility, with its threshold, tags and sources.

    Attributes
    ----------
    key : str
        snake_case id, e.g. ``"convenience_store"``.
    name_zh, name_en : str
        Chinese and English labels.
    threshold : str
        Walking threshold, ``"5 min"`` (at the profile's speed) or ``"300 m"``; parse it with
        :func:`siting.units.parse_threshold` or use :attr:`threshold_parsed`.
    basic : bool
        Counts toward the "complete circle" (完整生活圈) when True.
    osm : tuple of mappings
        OSM tag filters: OR over filters; inside one filter AND over tags; a value is a string, a
        list of strings (any of them) or ``True`` (any value).
    amap_typecodes : tuple of str
        Amap (高德) typecode prefixes (from ``data/amap_typecodes.csv``).
    area_norm_m2 : float or None
        Minimum floor area per facility (m² GFA) where a norm exists.
    group : str or None
        Priority group served: ``"elderly"``, ``"children"`` or ``"disabled"``.
    source, status, note : str
        Source document key, status of the threshold (confirmed / secondary / unconfirmed, or
        override when a scenario changed it), and where the figures come from.
    """

    key: str
    name_zh: str
    name_en: str
    threshold: str
    basic: bool
    osm: tuple[Mapping[str, object], ...]
    amap_typecodes: tuple[str, ...] = ()
    area_norm_m2: float | None = None
    group: str | None = None
    source: str = ""
    status: str = ""
    note: str = ""

    def matches(self, tags: Mapping[str, object]) -> bool:
        """True when one OSM feature's ``tags`` satisfy any of this category's filters.

        Parameters
        ----------
        tags : mapping
            Tag name → value for one feature (a dict, or a row of an osmnx features
            GeoDataFrame). ``None``, NaN and empty strings count as absent.
        """
        for flt in self.osm:
            if all(_value_matches(tags.get(tag), want) for tag, want in flt.items()):
                return True
        return False

    def mask(self, frame: Any) -> Any:
        """Boolean ``pandas.Series``: which rows of a tag table (one column per tag) match.

        Columns missing from ``frame`` count as absent tags. Same rules as :meth:`matches`.
        """
        import pandas as pd

        out = pd.Series(False, index=frame.index)
        for flt in self.osm:
            part = pd.Series(True, index=frame.index)
            for tag, want in flt.items():
                if tag not in frame.columns:
                    part[:] = False
                    break
                part &= frame[tag].map(lambda v, w=want: _value_matches(v, w)).astype(bool)
            out |= part
        return out

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en

    @property
    def threshold_parsed(self) -> Threshold:
        """:attr:`threshold` as a :class:`~siting.units.Threshold`."""
        return parse_threshold(self.threshold, key=f"categories.{self.key}.threshold")

    def metres(self, speed_mps: float) -> float:
        """The threshold in metres at ``speed_mps`` (metres per second)."""
        return self.threshold_parsed.metres(speed_mps)


_FIELDS = tuple(f.name for f in fields(Category))
_OVERRIDABLE = tuple(f for f in _FIELDS if f != "key")


def _data_dir() -> Path:
    return Path(str(files("siting.data")))


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise MissingFileError(f"{path} does not exist: check the path")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path} is not valid TOML: {err}") from err


def _amap_prefixes(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Category key → Amap typecodes, from ``data/amap_typecodes.csv``."""
    out: dict[str, list[str]] = {}
    for row in amap_rows(path or _data_dir() / "amap_typecodes.csv"):
        if row["category"]:
            out.setdefault(row["category"], []).append(row["typecode"])
    return {k: tuple(v) for k, v in out.items()}


def _category_from_model(key: str, model: CategoryModel, amap: tuple[str, ...]) -> Category:
    data = model.model_dump()
    data["osm"] = tuple(dict(f) for f in data["osm"])
    data["amap_typecodes"] = tuple(data.get("amap_typecodes") or ()) or amap
    return Category(key=key, **data)


def load_categories(path: str | Path | None = None) -> dict[str, Category]:
    """Load the category table.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file with one table per category (default: the shipped ``data/categories.toml``,
        read through ``importlib.resources.files("siting.data")``).

    Returns
    -------
    dict
        Category key → :class:`Category`, in file order.

    Raises
    ------
    ScenarioError
        Listing every invalid table and field at once.
    """
    if path is None:
        return dict(_default_categories())
    return _load_categories(Path(path))


@lru_cache(maxsize=1)
def _default_categories() -> tuple[tuple[str, Category], ...]:
    return tuple(_load_categories(_data_dir() / "categories.toml").items())


def _load_categories(path: Path) -> dict[str, Category]:
    raw = _read_toml(path)
    amap = _amap_prefixes()
    problems: list[str] = []
    out: dict[str, Category] = {}
    for key, table in raw.items():
        if not isinstance(table, dict):
            problems.append(f"{path.name}: {key!r} must be a table [{key}] of category fields")
            continue
        if not key.replace("_", "").isalnum() or key.lower() != key:
            problems.append(f"{path.name}: category key {key!r} must be snake_case (a-z, 0-9, _)")
        model = parse_model(CategoryModel, table, f"{path.name}: [{key}]", problems)
        if model is not None:
            out[key] = _category_from_model(key, model, amap.get(key, ()))
    if problems:
        raise ScenarioError(problems, source=str(path))
    return out


def _norm_field(name: str, value: Any) -> Any:
    """Comparable form of a category field (so that restating a default is not an override)."""
    if name == "threshold":
        try:
            t = parse_threshold(value)
            return (t.value, t.kind)
        except InputError:
            return value
    if name == "osm" and isinstance(value, (list, tuple)):
        return [dict(f) for f in value]
    return value


def _apply_overrides(
    cats: dict[str, Category], overrides: Mapping[str, Mapping[str, Any]], table: Mapping[str, Category]
) -> dict[str, Category]:
    problems = Problems("category overrides")
    unknown = [k for k in overrides if k not in table]
    if unknown:
        problems.add(_unknown_message("category", unknown, table) + "; fix the override key")
    out = dict(cats)
    for key, change in overrides.items():
        if key in unknown:
            continue
        if key not in cats:
            problems.add(
                f"override for {key!r}, which is not among the selected categories "
                f"({', '.join(cats)}): add it to the categories or remove the override"
            )
            continue
        if not isinstance(change, Mapping):
            problems.add(f"override for {key!r} must be a table of fields, e.g. {{threshold = \"8 min\"}}")
            continue
        bad = [f for f in change if f not in _OVERRIDABLE]
        if bad:
            problems.add(
                f"override for {key!r}: unknown field(s) {', '.join(repr(b) for b in bad)}; "
                f"fields you can override are {', '.join(_OVERRIDABLE)}"
            )
            continue
        current = cats[key]
        data = {f: getattr(current, f) for f in _OVERRIDABLE}
        data["osm"] = [dict(x) for x in data["osm"]]
        data["amap_typecodes"] = list(data["amap_typecodes"])
        data.update(change)
        changed = [f for f in ("threshold", "area_norm_m2", "osm", "basic") if f in change
                   and _norm_field(f, change[f]) != _norm_field(f, getattr(current, f))]
        if "status" not in change and changed:
            data["status"] = "override"  # the figure now comes from the user, not the source
        data["osm"] = list(data["osm"]) if isinstance(data["osm"], (list, tuple)) else data["osm"]
        msgs: list[str] = []
        model = parse_model(CategoryModel, data, f"override for {key!r}", msgs)
        for m in msgs:
            problems.add(m)
        if model is not None:
            out[key] = _category_from_model(key, model, current.amap_typecodes)
    problems.raise_if_any()
    return out


def resolve_categories(
    keys: Iterable[str] | None = None,
    *,
    standard: str | None = None,
    level: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    table: Mapping[str, Category] | None = None,
) -> list[Category]:
    """The categories a scenario uses, with thresholds from a standard and user overrides.

    Parameters
    ----------
    keys : iterable of str, optional
        Category keys, in the order wanted. ``None`` with no ``standard`` means every category.
        With a ``standard``, these are added after the standard's categories.
    standard : str, optional
        A catalog name from :func:`list_standards` (e.g. ``"GB50180-2018"``). Its entries at
        ``level`` and at every lower level give the categories and their thresholds.
    level : str, optional
        A level of ``standard`` (e.g. ``"15min"``); required when the standard has levels.
    overrides : dict, optional
        Category key → fields to replace, e.g. ``{"pharmacy": {"threshold": "8 min"}}``.
    table : mapping, optional
        Category table to resolve against (default :func:`load_categories`).

    Returns
    -------
    list of Category
        In the requested order, without duplicates.

    Raises
    ------
    InputError
        Unknown keys (all listed, with the closest known names), an unknown standard or level, or
        an override of a key or field that does not exist.
    """
    table = dict(table) if table is not None else load_categories()
    if standard is None and level is not None:
        raise InputError(f"level = {level!r} needs a standard: set standard, e.g. \"GB50180-2018\"")
    chosen: dict[str, Category] = {}
    if standard is not None:
        for cat in load_standard(standard).categories(level, table=table):
            chosen[cat.key] = cat
    if keys is None and standard is None:
        keys = list(table)
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys or [])
    unknown = [k for k in keys if k not in table]
    if unknown:
        raise InputError(_unknown_message("category", dict.fromkeys(unknown), table))
    for k in keys:
        chosen.setdefault(k, table[k])
    if overrides:
        chosen = _apply_overrides(chosen, overrides, table)
    return list(chosen.values())


def osm_query_tags(categories: Iterable[Category]) -> dict[str, bool | list[str]]:
    """The tags to download (e.g. osmnx ``features_from_polygon(tags=...)``) for ``categories``.

    osmnx ORs over keys, so only each filter's first tag is needed; every downloaded feature must
    still pass :meth:`Category.matches`.
    """
    out: dict[str, bool | set[str]] = {}
    for cat in categories:
        for flt in cat.osm:
            tag, want = next(iter(flt.items()))
            if want is True or out.get(tag) is True:
                out[tag] = True
                continue
            vals = out.setdefault(tag, set())
            vals.update([want] if isinstance(want, str) else want)  # type: ignore[arg-type]
    return {k: (True if v is True else sorted(v)) for k, v in out.items()}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- standards catalog ----


@dataclass(frozen=True)
class Level:
    """A life-circle level of a standard; a higher ``rank`` is a larger circle.

    ``walking_distance_m``, ``residents`` and ``dwellings`` are ``(low, high)`` ranges (metres,
    people, dwelling units) or ``None`` where the figure is not confirmed.
    """

    key: str
    rank: int
    name_zh: str
    name_en: str
    threshold: str | None = None
    walking_distance_m: tuple[float, ...] | None = None
    residents: tuple[int, ...] | None = None
    dwellings: tuple[int, ...] | None = None
    status: str = ""
    note: str = ""

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en


@dataclass(frozen=True)
class StandardEntry:
    """One facility category under a standard: threshold, area norm, quantity, status.

    ``threshold`` ``None`` means the category's default threshold applies (with its own status).
    ``area_norm_m2`` is the minimum floor area per facility (m²), ``area_norm_max_m2`` the upper
    end of a range where the source gives one.
    """

    category: str
    level: str | None
    threshold: str | None
    area_norm_m2: float | None
    area_norm_max_m2: float | None
    quantity: str
    scope: str
    status: str
    ref: str
    note: str
    name_zh: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class Indicator:
    """A numeric target of a standard, e.g. urban facility coverage ≥ 1.0.

    ``value`` is ``None`` when the figure could not be confirmed (the ``note`` says why); such an
    indicator is reported but never judged pass or fail. ``unit`` is ``"share"`` (0–1),
    ``"m2_per_100_households"``, ``"m2"`` or ``"per_10000_residents"``.
    """

    key: str
    name_zh: str
    name_en: str
    value: float | None
    unit: str
    comparison: str
    applies_to: str
    scope: str
    status: str
    ref: str
    note: str
    source: str

    def passes(self, measured: float | None) -> bool | None:
        """Pass/fail of ``measured`` against the target; ``None`` when either value is missing."""
        if self.value is None or measured is None or _absent(measured):
            return None
        if self.comparison == ">=":
            return measured >= self.value - 1e-12
        if self.comparison == "<=":
            return measured <= self.value + 1e-12
        return math.isclose(measured, self.value, rel_tol=1e-9, abs_tol=1e-12)

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en


@dataclass(frozen=True)
class Standard:
    """One source document of the catalog: its levels, facility entries and indicators."""

    key: str
    name_zh: str
    name_en: str
    number: str
    issuer: str
    issued: str
    effective: str
    scope: str
    region: str
    inclusive: bool
    status: str
    sources: tuple[str, ...]
    note: str
    levels: tuple[Level, ...] = field(default=())
    entries: tuple[StandardEntry, ...] = field(default=())
    indicators: tuple[Indicator, ...] = field(default=())

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en

    def level(self, key: str | None) -> Level | None:
        """The level called ``key``.

        ``None`` is allowed when the standard has no level or exactly one (which is returned).

        Raises
        ------
        InputError
            When ``key`` is not a level of this standard (the message lists the valid ones).
        """
        names = [lv.key for lv in self.levels]
        if key is None:
            if len(self.levels) <= 1:
                return self.levels[0] if self.levels else None
            raise InputError(
                f"standard {self.key!r} has levels {', '.join(names)}: choose one, e.g. level = \"{names[-1]}\""
            )
        for lv in self.levels:
            if lv.key == key:
                return lv
        if not self.levels:
            raise InputError(f"standard {self.key!r} has no levels: remove level = {key!r}")
        raise InputError(
            f"level {key!r} is not a level of standard {self.key!r}: "
            + _unknown_message("level", [key], names).split(": ", 1)[1]
        )

    def entries_at(self, level: str | None = None) -> list[StandardEntry]:
        """The entries required at ``level``.

        When the standard is inclusive (GB 50180-2018: a level also provides every lower level's
        facilities), entries of all lower-ranked levels are included. A category listed at several
        included levels keeps its lowest level's entry (the tightest walking threshold).
        """
        lv = self.level(level)
        if lv is None:
            return list(self.entries)
        ranks = {x.key: x.rank for x in self.levels}
        if self.inclusive:
            keep = [e for e in self.entries if ranks[e.level] <= lv.rank]  # type: ignore[index]
        else:
            keep = [e for e in self.entries if e.level == lv.key]
        keep.sort(key=lambda e: ranks[e.level])  # type: ignore[index]
        out: dict[str, StandardEntry] = {}
        for e in keep:
            out.setdefault(e.category, e)
        return list(out.values())

    def categories(
        self, level: str | None = None, *, table: Mapping[str, Category] | None = None
    ) -> list[Category]:
        """The categories required at ``level`` with this standard's thresholds and area norms.

        An entry without a threshold keeps the category's default (and its status and note).
        """
        table = table if table is not None else load_categories()
        entries = self.entries_at(level)
        missing = [e.category for e in entries if e.category not in table]
        if missing:
            raise InputError(
                f"standard {self.key!r} needs categories missing from the category table: "
                f"{', '.join(missing)}; add them to your categories file"
            )
        out = []
        for e in entries:
            cat = table[e.category]
            if e.threshold is not None:
                cat = replace(
                    cat, threshold=e.threshold, source=self.key, status=e.status,
                    note=e.note or cat.note,
                )
            if e.area_norm_m2 is not None:
                cat = replace(cat, area_norm_m2=e.area_norm_m2)
            out.append(cat)
        return out

    def indicator(self, key: str) -> Indicator:
        """The indicator called ``key`` (InputError listing the valid keys otherwise)."""
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise InputError(_unknown_message("indicator", [key], [i.key for i in self.indicators]))


def _standards_dir() -> Path:
    return _data_dir() / "standards"


def list_standards() -> list[str]:
    """Names of the shipped standards catalogs (file stems in ``data/standards/``), sorted."""
    return sorted(p.stem for p in _standards_dir().glob("*.toml"))


def _tuple(v: list[Any] | None) -> tuple[Any, ...] | None:
    return None if v is None else tuple(v)


def _standard_from_model(m: StandardModel) -> Standard:
    d = m.document
    levels = tuple(
        Level(
            key=lv.key, rank=lv.rank, name_zh=lv.name_zh, name_en=lv.name_en, threshold=lv.threshold,
            walking_distance_m=_tuple(lv.walking_distance_m), residents=_tuple(lv.residents),
            dwellings=_tuple(lv.dwellings), status=lv.status, note=lv.note,
        )
        for lv in sorted(m.levels, key=lambda x: x.rank)
    )
    entries = tuple(
        StandardEntry(
            category=e.category, level=e.level, threshold=e.threshold, area_norm_m2=e.area_norm_m2,
            area_norm_max_m2=e.area_norm_max_m2, quantity=e.quantity, scope=e.scope or d.scope,
            status=e.status, ref=e.ref, note=e.note, name_zh=e.name_zh, name_en=e.name_en,
        )
        for e in m.entries
    )
    indicators = tuple(
        Indicator(
            key=i.key, name_zh=i.name_zh, name_en=i.name_en, value=i.value, unit=i.unit,
            comparison=i.comparison, applies_to=i.applies_to, scope=i.scope or d.scope,
            status=i.status, ref=i.ref, note=i.note, source=d.key,
        )
        for i in m.indicators
    )
    return Standard(
        key=d.key, name_zh=d.name_zh, name_en=d.name_en, number=d.number, issuer=d.issuer,
        issued=d.issued, effective=d.effective, scope=d.scope, region=d.region, inclusive=d.inclusive,
        status=d.status, sources=tuple(d.sources), note=d.note, levels=levels, entries=entries,
        indicators=indicators,
    )


def _parse_standard_files(paths: Iterable[Path], problems: list[str]) -> dict[str, StandardModel]:
    out: dict[str, StandardModel] = {}
    for p in paths:
        try:
            raw = _read_toml(p)
        except InputError as err:
            problems.append(str(err))
            continue
        model = parse_model(StandardModel, raw, f"standards/{p.name}", problems)
        if model is not None:
            out[p.stem] = model
    return out


def validate_catalog(
    path: str | Path | None = None,
    *,
    categories: Mapping[str, Category] | None = None,
    amap: str | Path | None = None,
) -> list[str]:
    """Check standards files against the schema and against the category table.

    Parameters
    ----------
    path : str or Path, optional
        A standards directory or one ``.toml`` file (default: the shipped ``data/standards/``).
    categories : mapping, optional
        The category table entries must refer to (default :func:`load_categories`).
    amap : str or Path, optional
        An Amap typecode table to check too (the shipped one is checked with the shipped catalog).

    Returns
    -------
    list of str
        Every problem found (empty when the catalog is valid); nothing is raised.
    """
    path = Path(path) if path is not None else _standards_dir()
    paths = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    problems: list[str] = []
    if not paths:
        problems.append(f"{path}: no standards files (*.toml) found")
    try:
        table = categories if categories is not None else load_categories()
    except ScenarioError as err:
        problems.extend(err.problems)
        table = {}
    models = _parse_standard_files(paths, problems)
    problems.extend(check_catalog(models, set(table)))
    if amap is None and path == _standards_dir():
        amap = _data_dir() / "amap_typecodes.csv"
    if amap is not None:
        try:
            load_amap_table(amap, categories=table)
        except (ScenarioError, MissingFileError) as err:
            problems.extend(getattr(err, "problems", [str(err)]))
    return problems


@lru_cache(maxsize=32)
def _load_standard_file(path: Path) -> Standard:
    problems: list[str] = []
    models = _parse_standard_files([path], problems)
    problems.extend(check_catalog(models, set(load_categories())))
    if problems:
        raise ScenarioError(problems, source=str(path))
    return _standard_from_model(models[path.stem])


def load_standard(name: str | Path) -> Standard:
    """Load one standards catalog.

    Parameters
    ----------
    name : str or Path
        A name from :func:`list_standards` (``"GB50180-2018"``) or the path of a TOML file in
        the same format (a city's own rules).

    Raises
    ------
    InputError
        When the name is unknown (the message lists the catalogs and the closest names).
    ScenarioError
        When the file does not validate (every problem listed).
    """
    p = Path(name)
    if p.suffix == ".toml":
        if not p.exists():
            raise MissingFileError(f"standards file {p} does not exist: check the path")
        return _load_standard_file.__wrapped__(p.resolve())  # a user's file: re-read each time
    known = list_standards()
    if str(name) not in known:
        raise InputError(
            _unknown_message("standard", [str(name)], known)
            + "; or give the path of your own standards .toml file"
        )
    return _load_standard_file(_standards_dir() / f"{name}.toml")


# ------------------------------------------------------------------------ Amap typecodes ----

def map_amap_typecodes(typecodes: Any, *, table: Any = None) -> tuple[Any, Any]:
    """Map Amap POI typecodes to category keys.

    Parameters
    ----------
    typecodes : sequence or pandas.Series
        One typecode per POI as exported by Amap: ``"060200"``, ``"060200|060400"`` (several
        types: the first one with a mapping wins) or integers that lost their leading zero.
    table : DataFrame, optional
        A table from :func:`load_amap_table` (default: the shipped ``data/amap_typecodes.csv``).

    Returns
    -------
    categories : pandas.Series
        Category key per POI (same index as ``typecodes``), ``None`` where unmapped or excluded.
    unmapped : pandas.Series
        Count of POIs per typecode that has no row in the table (``"<missing>"`` for empty values),
        most frequent first. Codes marked ``excluded`` are not counted here.

    Warns
    -----
    UserWarning
        When any typecode is unmapped, naming the codes and counts and how to add them.
    """
    import pandas as pd

    codes = typecodes if isinstance(typecodes, pd.Series) else pd.Series(list(typecodes))
    tab = table if table is not None else _default_amap_table()
    keys, bad = map_codes(codes, tab)
    unmapped = bad.value_counts().rename("count")
    unmapped.index.name = "typecode"
    if len(unmapped):
        shown = ", ".join(f"{c} ({n})" for c, n in unmapped.head(10).items())
        more = f" and {len(unmapped) - 10} more" if len(unmapped) > 10 else ""
        warnings.warn(
            f"{int(unmapped.sum())} of {len(codes)} POIs have an Amap typecode with no category: "
            f"{shown}{more}. They are left without a category: add the codes to "
            "data/amap_typecodes.csv (or your own table), with mapping = excluded if they are "
            "not a service",
            UserWarning,
            stacklevel=2,
        )
    logger.info("mapped %d of %d Amap POIs to categories", int(keys.notna().sum()), len(codes))
    return keys, unmapped


def load_amap_table(
    path: str | Path | None = None, *, categories: Mapping[str, Category] | None = None
) -> Any:
    """The Amap typecode → category table as a DataFrame (one row per typecode).

    Parameters
    ----------
    path : str or Path, optional
        A CSV in the format of the shipped ``data/amap_typecodes.csv`` (the default).
    categories : mapping, optional
        Category table the rows must refer to (default :func:`load_categories`).

    Returns
    -------
    pandas.DataFrame
        Columns ``typecode`` (6 digits), ``prefix`` (trailing "00" pairs removed: Amap's
        wildcard rule), ``category`` (empty for excluded codes), ``amap_name_zh``,
        ``amap_name_en``, ``mapping`` (exact / approximate / excluded), ``note``.

    Raises
    ------
    ScenarioError
        Listing every bad row (unknown category, bad code, duplicate, bad mapping value).
    """
    table = categories if categories is not None else load_categories()
    return amap_frame(Path(path) if path is not None else _data_dir() / "amap_typecodes.csv", table)


@lru_cache(maxsize=1)
def _default_amap_table() -> Any:
    return load_amap_table()
