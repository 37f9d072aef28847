"""The standards catalog: one file per source document in ``data/standards/``.

A catalog may be layered over others (``extends`` in its ``[document]`` table): a local catalog
(``local-jinzhong``) lists the national ones it adds to, and :func:`load_standard` returns the
layers merged, the file's own figures on top. Every figure carries a :class:`Citation`: the
document, its number and date, and the clause it is written in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from siting.errors import InputError, MissingFileError, Msg, ScenarioError
from siting.standards.amap import load_amap_table
from siting.standards.categories import Category, _data_dir, _read_toml, load_categories
from siting.standards.lang import normalise_lang as _lang
from siting.standards.schema import StandardModel, _absent, _unknown_message, check_catalog, parse_model
from siting.standards.sources import Citation, Rule, compare

__all__ = [
    "Citation",
    "Indicator",
    "Level",
    "Rule",
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
    source: str = ""
    citation: Citation | None = None


@dataclass(frozen=True)
class Indicator:
    """A numeric target of a standard, e.g. urban facility coverage ≥ 1.0.

    ``value`` is ``None`` when no target is confirmed (the figure could not be read, or the
    document sets none; the ``note`` says which); such an indicator is reported but never judged
    pass or fail. ``unit`` is ``"share"`` (0–1), ``"m2_per_100_households"``, ``"m2"``,
    ``"per_10000_residents"`` or ``"hours_per_day"``. ``source`` is the key of the catalog file
    it comes from, ``citation`` the document and clause.

    ``measure`` (``"unit_coverage"`` or ``"reach"``), ``category``, ``categories``,
    ``threshold``, ``group``, ``speed`` and ``area_type`` say how a run measures it (see
    :class:`siting.standards.schema.IndicatorModel`); ``None`` when a run does not.
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
    citation: Citation | None = None
    measure: str | None = None
    category: str | None = None
    categories: tuple[str, ...] = ()
    threshold: str | None = None
    group: str | None = None
    speed: str | None = None
    area_type: str | None = None

    def passes(self, measured: float | None) -> bool | None:
        """Pass/fail of ``measured`` against the target; ``None`` when either value is missing."""
        if self.value is None or measured is None or _absent(measured):
            return None
        return compare(float(measured), self.comparison, self.value)

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en


@dataclass(frozen=True)
class Standard:
    """One source document of the catalog: its levels, facility entries, indicators and rules.

    A standard loaded with its layers (:func:`load_standard`) holds the merged figures of every
    layer: ``layers`` lists the catalog keys from the bottom (national) to this one (the top);
    ``extends`` the catalogs its file names.
    """

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
    rules: tuple[Rule, ...] = field(default=())
    index: str = ""
    extends: tuple[str, ...] = field(default=())
    layers: tuple[str, ...] = field(default=())
    citation: Citation | None = None

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
                Msg("standard {key!r} has levels {v1}: choose one, e.g. level = \"{v2}\"", key=self.key, v1=', '.join(names), v2=names[-1])
            )
        for lv in self.levels:
            if lv.key == key:
                return lv
        if not self.levels:
            raise InputError(Msg("standard {key!r} has no levels: remove level = {v1!r}", key=self.key, v1=key))
        raise InputError(Msg("level {key!r} is not a level of standard {std!r}: {known}", key=key, std=self.key,
                             known=_unknown_message("level", [key], names)))

    def entries_at(self, level: str | None = None) -> list[StandardEntry]:
        """The entries required at ``level``.

        When the standard is inclusive (GB 50180-2018: a level also provides every lower level's
        facilities), entries of all lower-ranked levels are included. A category listed at several
        included levels keeps its lowest level's entry (the tightest walking threshold).

        In a layered standard, entries without a level (those of a layer that has no levels, e.g.
        a local catalog) apply at every level. Each layer keeps its own entry of a category, the
        layers in order from the bottom: :meth:`categories` lays the upper ones over the lower.
        """
        lv = self.level(level)
        if lv is None:
            return list(self.entries)
        ranks = {x.key: x.rank for x in self.levels}

        def rank(e: StandardEntry) -> int:
            return -1 if e.level is None else ranks[e.level]

        if self.inclusive:
            keep = [e for e in self.entries if e.level is None or ranks[e.level] <= lv.rank]
        else:
            keep = [e for e in self.entries if e.level is None or e.level == lv.key]
        layer = {k: i for i, k in enumerate(self.layers or (self.key,))}
        keep.sort(key=lambda e: (layer.get(e.source, 0), rank(e)))
        out: dict[tuple[str, str], StandardEntry] = {}
        for e in keep:
            out.setdefault((e.source, e.category), e)
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
                Msg("standard {key!r} needs categories missing from the category table: {v1}; add them to your "
                    "categories file",
                    key=self.key,
                    v1=', '.join(missing))
            )
        out: dict[str, Category] = {}
        for e in entries:  # bottom layer first: an upper layer replaces the figures it gives
            cat = out.get(e.category, table[e.category])
            if e.threshold is not None:
                cat = replace(
                    cat, threshold=e.threshold, source=e.source or self.key, status=e.status,
                    note=e.note or cat.note,
                )
            if e.area_norm_m2 is not None:
                cat = replace(cat, area_norm_m2=e.area_norm_m2)
            out[e.category] = cat
        return list(out.values())

    def threshold_entry(self, category: str, level: str | None = None) -> StandardEntry | None:
        """The entry whose threshold a category takes at ``level`` (the top layer's), or ``None``
        when the category keeps its default threshold (or is not in this standard)."""
        hit = None
        for e in self.entries_at(level):
            if e.category == category and e.threshold is not None:
                hit = e
        return hit

    def rule(self, key: str) -> Rule:
        """The rule called ``key`` (InputError listing the valid keys otherwise)."""
        for r in self.rules:
            if r.key == key:
                return r
        raise InputError(_unknown_message("rule", [key], [r.key for r in self.rules]))

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
    head = Citation(document=d.key, name_zh=d.name_zh, name_en=d.name_en, number=d.number,
                    date=d.issued or d.effective, index=d.index, status=d.status)
    docs = {x.key: Citation(document=x.key, name_zh=x.name_zh, name_en=x.name_en, number=x.number, date=x.date,
                            index=x.index) for x in m.documents}

    def cite(row: Any) -> Citation:
        base = docs.get(row.cites, head) if row.cites else head
        return replace(base, clause=row.clause, clause_en=row.clause_en, ref=row.ref, status=row.status)

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
            source=d.key, citation=cite(e),
        )
        for e in m.entries
    )
    indicators = tuple(
        Indicator(
            key=i.key, name_zh=i.name_zh, name_en=i.name_en, value=i.value, unit=i.unit,
            comparison=i.comparison, applies_to=i.applies_to, scope=i.scope or d.scope,
            status=i.status, ref=i.ref, note=i.note, source=d.key, citation=cite(i), measure=i.measure,
            category=i.category, categories=tuple(i.categories), threshold=i.threshold, group=i.group,
            speed=i.speed, area_type=i.area_type,
        )
        for i in m.indicators
    )
    rules = tuple(
        Rule(
            key=r.key, kind=r.kind, name_zh=r.name_zh, name_en=r.name_en, category=r.category,
            categories=tuple(r.categories), property=r.property, value=r.value,
            unit=r.unit or ("share" if r.kind == "floor_share" else None if r.kind == "provision" else "m2"),
            comparison=r.comparison, area_type=r.area_type, applies_to=r.applies_to, scope=r.scope or d.scope,
            status=r.status, ref=r.ref, note=r.note, source=d.key, citation=cite(r),
        )
        for r in m.rules
    )
    return Standard(
        key=d.key, name_zh=d.name_zh, name_en=d.name_en, number=d.number, issuer=d.issuer,
        issued=d.issued, effective=d.effective, scope=d.scope, region=d.region, inclusive=d.inclusive,
        status=d.status, sources=tuple(d.sources), note=d.note, levels=levels, entries=entries,
        indicators=indicators, rules=rules, index=d.index, extends=tuple(d.extends), layers=(d.key,),
        citation=head,
    )


def _parse_standard_files(paths: Iterable[Path], problems: list[str]) -> dict[str, StandardModel]:
    out: dict[str, StandardModel] = {}
    for p in paths:
        try:
            raw = _read_toml(p)
        except InputError as err:
            problems.append(Msg("{e}", e=err))
            continue
        model = parse_model(StandardModel, raw, f"standards/{p.name}", problems)
        if model is not None:
            out[p.stem] = model
    return out


# ------------------------------------------------------------------------------------ layers ----


def _base_path(name: str, folder: Path) -> Path:
    """The file a name in ``extends`` refers to: a shipped catalog, or a path relative to ``folder``."""
    if name.endswith(".toml"):
        p = Path(name)
        return p if p.is_absolute() else (folder / p).resolve()
    return _standards_dir() / f"{name}.toml"


def _flatten(path: Path, chain: tuple[str, ...], problems: list[str]) -> list[Standard]:
    """The layers under (and including) the file at ``path``, bottom first, each file once."""
    where = f"standards/{path.name}"
    try:
        top = _load_standard_file(path) if path.parent == _standards_dir() else _load_standard_file.__wrapped__(path)
    except (ScenarioError, MissingFileError) as err:
        problems.extend(getattr(err, "problems", None) or [Msg("{e}", e=err)])
        return []
    if top.key in chain:
        problems.append(Msg("{where}: extends makes a circle ({v1}): remove one of the extends", where=where, v1=' → '.join([*chain, top.key])))
        return []
    out: list[Standard] = []
    known = list_standards()
    for name in top.extends:
        base = _base_path(name, path.parent)
        if not base.exists():
            hint = _unknown_message("standard", [name], known) if not name.endswith(".toml") else f"file {base} does not exist"
            problems.append(Msg("{where}: extends {name!r}: {hint}", where=where, name=name, hint=hint))
            continue
        for layer in _flatten(base, (*chain, top.key), problems):
            if all(layer.key != x.key for x in out):
                out.append(layer)
    out.append(top)
    return out


def _merge(stack: list[Standard]) -> Standard:
    """One standard from its layers (bottom first): the top's document, the union of the figures.

    Levels come from the one layer that has levels. Entries of every layer are kept (each with
    its source; :meth:`Standard.categories` lays the upper over the lower). Indicators and rules
    are merged by key: an upper layer's replaces a lower one's in place, new ones follow.
    """
    top = stack[-1]
    if len(stack) == 1:
        return top
    leveled = [s for s in stack if s.levels]
    if len(leveled) > 1:
        raise ScenarioError(
            [Msg("standards/{key}.toml: its layers {v1} all have life-circle levels: a scenario picks one level of "
                 "one standard, so extend only one of them",
                 key=top.key,
                 v1=', '.join(s.key for s in leveled),)],
            source=top.key,
        )
    lv = leveled[0] if leveled else top

    def by_key(items: Iterable[Any]) -> tuple[Any, ...]:
        out: dict[str, Any] = {}
        for x in items:
            out[x.key] = x
        return tuple(out.values())

    return replace(
        top, levels=lv.levels, inclusive=lv.inclusive,
        entries=tuple(e for s in stack for e in s.entries),
        indicators=by_key(i for s in stack for i in s.indicators),
        rules=by_key(r for s in stack for r in s.rules),
        layers=tuple(s.key for s in stack),
    )


def _layered(path: Path) -> Standard:
    problems: list[str] = []
    stack = _flatten(path, (), problems)
    if problems:
        raise ScenarioError(problems, source=str(path))
    return _merge(stack)


# -------------------------------------------------------------------------------- validation ----


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
        Every problem found (empty when the catalog is valid); nothing is raised. The layers a
        file ``extends`` are checked too: each must exist, without circles, and at most one
        layer may have levels.
    """
    path = Path(path) if path is not None else _standards_dir()
    paths = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    problems: list[str] = []
    if not paths:
        problems.append(Msg("{path}: no standards files (*.toml) found", path=path))
    try:
        table = categories if categories is not None else load_categories()
    except ScenarioError as err:
        problems.extend(err.problems)
        table = {}
    models = _parse_standard_files(paths, problems)
    own = check_catalog(models, set(table))
    problems.extend(own)
    if not own:
        for p in paths:
            if p.stem in models and models[p.stem].document.extends:
                try:
                    _layered(p.resolve())
                except ScenarioError as err:
                    problems.extend(x for x in err.problems if x not in problems)
    if amap is None and path == _standards_dir():
        amap = _data_dir() / "amap_typecodes.csv"
    if amap is not None:
        try:
            load_amap_table(amap, categories=table)
        except (ScenarioError, MissingFileError) as err:
            problems.extend(getattr(err, "problems", [Msg("{e}", e=err)]))
    return problems


@lru_cache(maxsize=32)
def _load_standard_file(path: Path) -> Standard:
    problems: list[str] = []
    models = _parse_standard_files([path], problems)
    problems.extend(check_catalog(models, set(load_categories())))
    if problems:
        raise ScenarioError(problems, source=str(path))
    return _standard_from_model(models[path.stem])


@lru_cache(maxsize=32)
def _load_shipped(name: str) -> Standard:
    return _layered(_standards_dir() / f"{name}.toml")


def load_standard(name: str | Path, *, layered: bool = True) -> Standard:
    """Load one standards catalog, with the catalogs it extends underneath.

    Parameters
    ----------
    name : str or Path
        A name from :func:`list_standards` (``"GB50180-2018"``, ``"local-jinzhong"``) or the path
        of a TOML file in the same format (a city's own rules; its ``extends`` may name shipped
        catalogs or files relative to it).
    layered : bool
        ``True`` (default): the file's figures laid over those of every catalog it extends
        (:attr:`Standard.layers`). ``False``: the file alone.

    Raises
    ------
    InputError
        When the name is unknown (the message lists the catalogs and the closest names).
    ScenarioError
        When the file or a layer does not validate, a layer is missing, the layers make a circle,
        or two layers have levels (every problem listed).
    """
    p = Path(name)
    if p.suffix == ".toml":
        if not p.exists():
            raise MissingFileError(Msg("standards file {p} does not exist: check the path", p=p))
        p = p.resolve()
        return _layered(p) if layered else _load_standard_file.__wrapped__(p)  # a user's file: re-read each time
    known = list_standards()
    if str(name) not in known:
        raise InputError(Msg("{unknown}; or give the path of your own standards .toml file",
                             unknown=_unknown_message("standard", [str(name)], known)))
    return _load_shipped(str(name)) if layered else _load_standard_file(_standards_dir() / f"{name}.toml")
