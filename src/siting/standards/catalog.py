"""The standards catalog: one file per source document in ``data/standards/``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from siting.errors import InputError, MissingFileError, ScenarioError
from siting.standards.amap import load_amap_table
from siting.standards.categories import Category, _data_dir, _read_toml, load_categories
from siting.standards.lang import normalise_lang as _lang
from siting.standards.schema import StandardModel, _absent, _unknown_message, check_catalog, parse_model

__all__ = [
    "Indicator",
    "Level",
    "Standard",
    "StandardEntry",
    "list_standards",
    "load_standard",
    "validate_catalog",
]


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
