"""Schema of the data tables ``data/categories.toml`` and ``data/standards/*.toml`` (pydantic models).

The models only check the shape and the values of one file; cross-file checks (a standard's entry
naming a category that exists, a level named by an entry) are made by :func:`check_catalog`. Every
problem is collected and reported at once, as text that names the file, the entry and the fix.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from siting.errors import MissingFileError, Msg, Problems
from siting.units import parse_threshold, resolve_speed

STATUSES = ("confirmed", "secondary", "unconfirmed")
GROUPS = ("elderly", "children", "disabled")
SCOPES = ("national", "provincial", "local")
#: What a development-check rule tests (see :class:`RuleModel`).
RULE_KINDS = ("planned_area", "property", "floor_share", "provision")
#: Proposal properties a ``property`` rule may test (m²); read by :mod:`siting.inputs.proposals`.
RULE_PROPERTIES = ("total_floor_area_m2", "commercial_floor_area_m2", "outdoor_activity_m2")
#: How a run measures a catalog indicator (see :class:`IndicatorModel`).
MEASURES = ("unit_coverage", "reach")

Status = Literal["confirmed", "secondary", "unconfirmed"]
OsmValue = str | list[str] | bool
OsmFilter = dict[str, OsmValue]


def _check_threshold(value: str | None) -> str | None:
    if value is None:
        return None
    parse_threshold(value)  # raises InputError (a ValueError), which pydantic reports
    return value


def _check_osm(filters: list[OsmFilter]) -> list[OsmFilter]:
    if not filters:
        raise ValueError("osm must list at least one filter, e.g. [{amenity = \"pharmacy\"}]")
    for i, flt in enumerate(filters):
        if not flt:
            raise ValueError(f"osm filter {i} is empty: give at least one tag, e.g. {{shop = \"convenience\"}}")
        for tag, want in flt.items():
            if want is False:
                raise ValueError(f"osm filter {i}: {tag} = false is not allowed; use true (any value) or a string")
            if isinstance(want, list) and (not want or not all(isinstance(v, str) and v for v in want)):
                raise ValueError(f"osm filter {i}: {tag} must list non-empty strings")
            if isinstance(want, str) and not want:
                raise ValueError(f"osm filter {i}: {tag} is an empty string")
    return filters


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryModel(_Strict):
    """One table of ``data/categories.toml``."""

    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    threshold: str
    basic: bool
    osm: list[OsmFilter]
    amap_typecodes: list[Annotated[str, Field(pattern=r"^[0-9]{2,6}$")]] = []
    area_norm_m2: Annotated[float, Field(gt=0)] | None = None
    group: Literal["elderly", "children", "disabled"] | None = None
    source: str = ""
    status: Literal["confirmed", "secondary", "unconfirmed", "override"]
    note: str = ""

    @field_validator("threshold")
    @classmethod
    def _v_threshold(cls, v: str | None) -> str | None:
        return _check_threshold(v)

    @field_validator("osm")
    @classmethod
    def _v_osm(cls, v: list[OsmFilter]) -> list[OsmFilter]:
        return _check_osm(v)


Scope = Literal["national", "provincial", "local"]
Comparison = Literal[">=", ">", "<=", "<", "==", "~"]


class DocumentModel(_Strict):
    """The ``[document]`` table of a standards file: what the source is.

    ``extends`` names the catalogs this one is layered over (shipped names or paths relative to
    this file), bottom first: a local catalog lists the national ones it adds to.
    """

    key: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    number: str = ""
    issuer: str = ""
    issued: str = ""
    effective: str = ""
    index: str = ""
    scope: Scope
    region: str = ""
    inclusive: bool = False
    status: Status
    extends: list[Annotated[str, Field(min_length=1)]] = []
    sources: list[str] = []
    note: str = ""


class CitedDocumentModel(_Strict):
    """A ``[[documents]]`` row: another document the figures of this file cite (``cites = key``)."""

    key: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    number: str = ""
    issuer: str = ""
    date: str = ""
    index: str = ""
    note: str = ""


class _Cited(_Strict):
    """Where a figure is written: the document (``cites``, default the file's own) and the clause.

    ``clause`` is the section as the document numbers it, with its heading (Chinese, as printed);
    ``clause_en`` the same in English for English reports.
    """

    cites: str = ""
    clause: str = ""
    clause_en: str = ""


class LevelModel(_Strict):
    """A ``[[levels]]`` row: a life-circle level, ordered by ``rank`` (0 = smallest)."""

    key: str = Field(min_length=1)
    rank: int = Field(ge=0)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    threshold: str | None = None
    walking_distance_m: list[float] | None = None
    residents: list[int] | None = None
    dwellings: list[int] | None = None
    status: Status
    note: str = ""

    @field_validator("threshold")
    @classmethod
    def _v_threshold(cls, v: str | None) -> str | None:
        return _check_threshold(v)

    @field_validator("walking_distance_m", "residents", "dwellings")
    @classmethod
    def _range(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return None
        if len(v) not in (1, 2) or any(x <= 0 for x in v) or (len(v) == 2 and v[0] > v[1]):
            raise ValueError(f"{v} must be [value] or [low, high] with 0 < low <= high")
        return v


class EntryModel(_Cited):
    """An ``[[entries]]`` row: one facility category required or norm-bound under a source."""

    category: str = Field(min_length=1)
    name_zh: str = ""
    name_en: str = ""
    level: str | None = None
    threshold: str | None = None
    area_norm_m2: Annotated[float, Field(gt=0)] | None = None
    area_norm_max_m2: Annotated[float, Field(gt=0)] | None = None
    quantity: str = ""
    scope: Scope | None = None
    status: Status
    ref: str = ""
    note: str = ""

    @field_validator("threshold")
    @classmethod
    def _v_threshold(cls, v: str | None) -> str | None:
        return _check_threshold(v)


class IndicatorModel(_Cited):
    """An ``[[indicators]]`` row: a numeric target (value null when no target is confirmed).

    An indicator with a ``measure`` is measured by a run (:mod:`siting.indicators`):

    ``unit_coverage``
        The share of communities (villages) of which at least one residence reaches a facility of
        ``category`` within the category's threshold (residences grouped by the demand's
        ``community`` column; without one, each residence is a unit).
    ``reach``
        The share of the population (or of ``group``) that reaches every category of
        ``categories`` within ``threshold``, walking at ``speed`` (a travel profile name or a
        speed; default the scenario's).

    ``area_type`` limits the indicator to urban or rural scenarios.
    """

    key: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    value: float | None = None
    unit: str
    comparison: Comparison = ">="
    applies_to: str = ""
    scope: Scope | None = None
    status: Status
    ref: str = ""
    note: str = ""
    measure: Literal["unit_coverage", "reach"] | None = None
    category: str | None = None
    categories: list[str] = []
    threshold: str | None = None
    group: Literal["elderly", "children", "disabled"] | None = None
    speed: str | None = None
    area_type: Literal["urban", "rural"] | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("value must be a finite number or omitted (null) when not confirmed")
        return v

    @field_validator("threshold")
    @classmethod
    def _v_threshold(cls, v: str | None) -> str | None:
        return _check_threshold(v)

    @field_validator("speed")
    @classmethod
    def _v_speed(cls, v: str | None) -> str | None:
        if v is not None:
            resolve_speed(v, key="speed")  # InputError (a ValueError) is reported by pydantic
        return v


class RuleModel(_Cited):
    """A ``[[rules]]`` row: a rule ``siting check`` tests on each development proposal.

    ``kind`` says what is compared with ``value``:

    ``planned_area``
        The proposal's ``planned_<category>_m2`` (m²; undeclared counts as not planned).
    ``property``
        A proposal property, one of :data:`RULE_PROPERTIES` (m²; undeclared fails).
    ``floor_share``
        (``commercial_floor_area_m2`` + every ``planned_<category>_m2``) ÷ ``total_floor_area_m2``
        (not assessable without the total).
    ``provision``
        Per category of ``categories`` (``value`` unused): passes when the proposal plans one
        (``planned_<category>_m2`` > 0), or an existing one is within the threshold and its
        capacity line passes.

    ``area_type`` limits the rule to urban or rural scenarios (default: both).
    """

    key: str = Field(min_length=1)
    kind: Literal["planned_area", "property", "floor_share", "provision"]
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    category: str | None = None
    categories: list[str] = []
    property: Literal["total_floor_area_m2", "commercial_floor_area_m2", "outdoor_activity_m2"] | None = None
    value: float | None = None
    unit: Literal["m2", "share"] | None = None
    comparison: Literal[">=", ">"] = ">="
    area_type: Literal["urban", "rural"] | None = None
    applies_to: str = ""
    scope: Scope | None = None
    status: Status
    ref: str = ""
    note: str = ""

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ValueError("value must be a finite number >= 0")
        return v


class StandardModel(_Strict):
    """A whole ``data/standards/<key>.toml`` file."""

    document: DocumentModel
    documents: list[CitedDocumentModel] = []
    levels: list[LevelModel] = []
    entries: list[EntryModel] = []
    indicators: list[IndicatorModel] = []
    rules: list[RuleModel] = []


def format_errors(err: ValidationError, where: str) -> list[str]:
    """Turn a pydantic ``ValidationError`` into one readable line per problem."""
    from siting.standards.pydantic_zh import pydantic_text

    out: list[str] = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            msg = Msg("unknown field: remove it or fix its spelling")
        elif e["type"] == "missing":
            msg = Msg("required field is missing")
        else:
            msg = pydantic_text(dict(e))
        out.append(Msg("{where}: {loc}: {msg}", where=where, loc=loc, msg=msg))
    return out


def check_catalog(
    standards: dict[str, StandardModel], categories: set[str]
) -> list[str]:
    """Cross-file checks over parsed standards; returns every problem found.

    Checks: the document key equals the file name, level keys and ranks are unique, an entry's
    level exists, an entry's category exists in ``categories``, a category appears at most once per
    level, indicator keys are unique, and an entry of a standard with levels names a level.
    """
    problems: list[str] = []
    for name, std in standards.items():
        where = f"standards/{name}.toml"
        if std.document.key != name:
            problems.append(Msg("{where}: document.key = {key!r} must equal the file name {name!r}", where=where, key=std.document.key, name=name))
        keys = [lv.key for lv in std.levels]
        ranks = [lv.rank for lv in std.levels]
        for dup in {k for k in keys if keys.count(k) > 1}:
            problems.append(Msg("{where}: level {dup!r} is defined twice", where=where, dup=dup))
        if len(set(ranks)) != len(ranks):
            problems.append(Msg("{where}: level ranks {ranks} must be unique", where=where, ranks=ranks))
        seen: set[tuple[str | None, str]] = set()
        for i, ent in enumerate(std.entries):
            if ent.category not in categories:
                problems.append(
                    Msg("{where}: entries[{i}].category = {category!r} is not in data/categories.toml", where=where, i=i, category=ent.category)
                )
            if std.levels and ent.level is None:
                problems.append(Msg("{where}: entries[{i}] ({category}) needs a level, one of {keys}",
                                    where=where,
                                    i=i,
                                    category=ent.category,
                                    keys=keys))
            if ent.level is not None and ent.level not in keys:
                problems.append(
                    Msg("{where}: entries[{i}].level = {level!r} is not a level of this file {keys}", where=where, i=i, level=ent.level, keys=keys)
                )
            if (ent.level, ent.category) in seen:
                problems.append(Msg("{where}: entries[{i}]: {category!r} appears twice at level {level!r}",
                                    where=where,
                                    i=i,
                                    category=ent.category,
                                    level=ent.level))
            seen.add((ent.level, ent.category))
            if ent.area_norm_max_m2 is not None and (ent.area_norm_m2 or 0) > ent.area_norm_max_m2:
                problems.append(Msg("{where}: entries[{i}]: area_norm_m2 > area_norm_max_m2", where=where, i=i))
        ikeys = [ind.key for ind in std.indicators]
        for dup in {k for k in ikeys if ikeys.count(k) > 1}:
            problems.append(Msg("{where}: indicator {dup!r} is defined twice", where=where, dup=dup))
        problems.extend(_check_citations(std, where))
        problems.extend(_check_indicator_measures(std, where, categories))
        problems.extend(_check_rules(std, where, categories))
    return problems


def _check_citations(std: StandardModel, where: str) -> list[str]:
    """Every ``cites`` names a ``[[documents]]`` key of the file (or is empty: the file's own)."""
    out: list[str] = []
    dkeys = [d.key for d in std.documents]
    for dup in {k for k in dkeys if dkeys.count(k) > 1}:
        out.append(Msg("{where}: documents: {dup!r} is defined twice", where=where, dup=dup))
    known = set(dkeys) | {std.document.key}
    for table, rows in (("entries", std.entries), ("indicators", std.indicators), ("rules", std.rules)):
        for i, row in enumerate(rows):
            if row.cites and row.cites not in known:
                out.append(
                    Msg("{where}: {table}[{i}].cites = {cites!r} is not a document of this file: add it to [[documents]] or "
                        "use one of {v1}",
                        where=where,
                        table=table,
                        i=i,
                        cites=row.cites,
                        v1=sorted(known))
                )
            if row.clause_en and not row.clause:
                out.append(Msg("{where}: {table}[{i}]: clause_en without clause: give the clause as the document numbers it",
                               where=where,
                               table=table,
                               i=i))
    return out


def _check_indicator_measures(std: StandardModel, where: str, categories: set[str]) -> list[str]:
    out: list[str] = []
    for i, ind in enumerate(std.indicators):
        at = f"{where}: indicators[{i}] ({ind.key})"
        named = [c for c in [ind.category, *ind.categories] if c]
        for c in named:
            if c not in categories:
                out.append(Msg("{at}: category {c!r} is not in data/categories.toml", at=at, c=c))
        if ind.measure == "unit_coverage" and not ind.category:
            out.append(Msg("{at}: measure = \"unit_coverage\" needs category = \"<key>\"", at=at))
        if ind.measure == "reach":
            if not ind.categories:
                out.append(Msg("{at}: measure = \"reach\" needs categories = [\"<key>\", ...]", at=at))
            if ind.threshold is None:
                out.append(Msg("{at}: measure = \"reach\" needs a threshold, e.g. \"15 min\"", at=at))
        if ind.measure is not None and ind.unit != "share":
            out.append(Msg("{at}: a measured indicator is a share: set unit = \"share\"", at=at))
        if ind.measure is None and (named or ind.threshold or ind.group or ind.speed):
            out.append(Msg("{at}: category, threshold, group and speed need a measure (unit_coverage or reach)", at=at))
    return out


def _check_rules(std: StandardModel, where: str, categories: set[str]) -> list[str]:
    out: list[str] = []
    rkeys = [r.key for r in std.rules]
    for dup in {k for k in rkeys if rkeys.count(k) > 1}:
        out.append(Msg("{where}: rule {dup!r} is defined twice", where=where, dup=dup))
    for i, r in enumerate(std.rules):
        at = f"{where}: rules[{i}] ({r.key})"
        for c in [r.category, *r.categories]:
            if c and c not in categories:
                out.append(Msg("{at}: category {c!r} is not in data/categories.toml", at=at, c=c))
        if r.kind == "planned_area" and not r.category:
            out.append(Msg("{at}: kind = \"planned_area\" needs category = \"<key>\" (planned_<key>_m2)", at=at))
        if r.kind == "property" and r.property is None:
            out.append(Msg("{at}: kind = \"property\" needs property, one of {v1}", at=at, v1=', '.join(RULE_PROPERTIES)))
        if r.kind == "provision" and not r.categories:
            out.append(Msg("{at}: kind = \"provision\" needs categories = [\"<key>\", ...]", at=at))
        if r.kind != "provision" and r.value is None:
            out.append(Msg("{at}: kind = {kind!r} needs a value", at=at, kind=r.kind))
        if r.kind == "floor_share" and r.value is not None and r.value > 1:
            out.append(Msg("{at}: a floor share is 0–1 (0.1 = 10 %), not {value:g}", at=at, value=r.value))
        want = {"planned_area": "m2", "property": "m2", "floor_share": "share"}.get(r.kind)
        if want and r.unit not in (None, want):
            out.append(Msg("{at}: unit = {unit!r}: kind {kind!r} is measured in {want}", at=at, unit=r.unit, kind=r.kind, want=want))
    return out


def parse_model(model: type[BaseModel], data: Any, where: str, problems: list[str]) -> Any:
    """Validate ``data`` with ``model``; on failure add every problem and return ``None``."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems.extend(format_errors(err, where))
        return None


# ------------------------------------------------------------- shared helpers ----


def _absent(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:  # pandas.NA and numpy NaN-likes
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(value, str) and not value.strip()


def _unknown_message(kind: str, unknown: Iterable[str], known: Iterable[str]) -> Msg:
    """"unknown category 'pharmcy' (did you mean 'pharmacy'?): known categories are ..."; ``kind``
    is ``"category"``, ``"standard"`` or ``"level"``."""
    known = list(known)
    plural = kind[:-1] + "ies" if kind.endswith("y") else kind + "s"
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        parts.append(Msg("{name!r} (did you mean {close}?)", name=name, close=", ".join(repr(c) for c in close))
                     if close else repr(name))
    names = Msg.join(parts)
    if len(parts) == 1:
        return Msg("unknown {kind} {names}: known {kinds} are {known}", kind=kind, kinds=plural, names=names,
                   known=", ".join(known))
    return Msg("unknown {kinds} {names}: known {kinds} are {known}", kinds=plural, names=names, known=", ".join(known))


# ------------------------------------------------------- Amap typecode table ----


def amap_rows(path: Path) -> list[dict[str, str]]:
    """Rows of an Amap typecode CSV (``#`` comment lines skipped), values stripped."""
    if not path.exists():
        raise MissingFileError(Msg("Amap typecode table {path} does not exist: check the path", path=path))
    text = path.read_text(encoding="utf-8")
    lines = [r for r in text.splitlines() if r.strip() and not r.lstrip().startswith("#")]
    rows = []
    for row in csv.DictReader(io.StringIO("\n".join(lines)), restkey="__extra__"):
        clean = {k.strip(): (v or "").strip() for k, v in row.items() if k and k != "__extra__"}
        if "__extra__" in row:
            clean["__extra__"] = "yes"
        rows.append(clean)
    return rows


_AMAP_MAPPINGS = ("exact", "approximate", "excluded")


def _amap_prefix(code: str) -> str:
    """Amap's wildcard rule: trailing "00" pairs cover every subclass (060200 → "0602")."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def amap_frame(path: Path, categories: Iterable[str]) -> Any:
    """Validated Amap table as a DataFrame; raises ScenarioError listing every bad row."""
    import pandas as pd

    rows = amap_rows(path)
    table = list(categories)
    problems = Problems(str(path))
    seen: set[str] = set()
    for i, r in enumerate(rows, start=1):
        code, cat, how = r.get("typecode", ""), r.get("category", ""), r.get("mapping", "")
        where = f"row {i} ({code or 'no typecode'})"
        if "__extra__" in r:
            problems.add(Msg("{where}: too many fields: put text that contains commas in double quotes", where=where))
        if not (len(code) == 6 and code.isdigit()):
            problems.add(Msg("{where}: typecode must be 6 digits, e.g. 060200", where=where))
        if code in seen:
            problems.add(Msg("{where}: typecode {code} is listed twice", where=where, code=code))
        seen.add(code)
        if how not in _AMAP_MAPPINGS:
            problems.add(Msg("{where}: mapping = {how!r} must be one of {v1}", where=where, how=how, v1=', '.join(_AMAP_MAPPINGS)))
        if how == "excluded" and cat:
            problems.add(Msg("{where}: an excluded code must leave category empty", where=where))
        if how != "excluded" and cat not in table:
            problems.add(Msg("{where}: {what}", where=where, what=_unknown_message("category", [cat or "(empty)"], table)))
    problems.raise_if_any()
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "__extra__"} for r in rows], columns=["typecode", "category", "amap_name_zh", "amap_name_en",
                                        "mapping", "note"])
    frame.insert(1, "prefix", frame["typecode"].map(_amap_prefix))
    return frame


def _normalise_code(value: object) -> str | None:
    if _absent(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{int(value):06d}"
    text = str(value).strip()
    return text.zfill(6) if text.isdigit() and len(text) < 6 else text


def map_codes(codes: Any, tab: Any) -> tuple[Any, Any]:
    """Category key per code (None when unmapped/excluded) and the unmapped code per row (or NaN)."""
    import pandas as pd

    lookup = {row.prefix: (row.category or None, row.mapping) for row in tab.itertuples()}

    def _one(value: object) -> tuple[str | None, str | None]:
        norm = _normalise_code(value)
        if norm is None:
            return None, "<missing>"
        parts = [p.strip() for p in norm.replace(";", "|").split("|") if p.strip()]
        known = False  # a part that is in the table (possibly excluded)
        for part in parts:
            part = part.zfill(6) if part.isdigit() else part
            hit = next((lookup[part[:n]] for n in (6, 4, 2) if part[:n] in lookup), None)
            if hit is not None and hit[0]:
                return hit[0], None  # the first type with a category wins
            known = known or hit is not None
        if known:
            return None, None
        return None, parts[0] if parts else "<missing>"

    pairs = {v: _one(v) for v in pd.unique(codes.astype(object))}
    keys = codes.map(lambda v: pairs[v][0]).astype(object)
    keys = keys.where(keys.notna(), None)
    bad = codes.map(lambda v: pairs[v][1]).dropna()
    return keys, bad
