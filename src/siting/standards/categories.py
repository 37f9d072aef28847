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
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from siting.errors import InputError, MissingFileError, Msg, ScenarioError
from siting.standards.lang import normalise_lang
from siting.standards.schema import CategoryModel, _absent, amap_rows, parse_model
from siting.units import Threshold, parse_threshold

__all__ = ["Category", "load_categories", "osm_query_tags"]

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
    wanted = {want} if isinstance(want, str) else set(cast(Iterable[str], want))
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


def _data_dir() -> Path:
    return Path(str(files("siting.data")))


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise MissingFileError(Msg("{path} does not exist: check the path", path=path))
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise InputError(Msg("{path} is not valid TOML: {err}", path=path, err=err)) from err


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
            problems.append(Msg("{name}: {key!r} must be a table [{key}] of category fields", name=path.name, key=key))
            continue
        if not key.replace("_", "").isalnum() or key.lower() != key:
            problems.append(Msg("{name}: category key {key!r} must be snake_case (a-z, 0-9, _)", name=path.name, key=key))
        model = parse_model(CategoryModel, table, f"{path.name}: [{key}]", problems)
        if model is not None:
            out[key] = _category_from_model(key, model, amap.get(key, ()))
    if problems:
        raise ScenarioError(problems, source=str(path))
    return out


def osm_query_tags(categories: Iterable[Category]) -> dict[str, bool | list[str]]:
    """The tags to download (e.g. osmnx ``features_from_polygon(tags=...)``) for ``categories``.

    osmnx ORs over keys, so only each filter's first tag is needed; every downloaded feature must
    still pass :meth:`Category.matches`.
    """
    any_value: set[str] = set()  # tags where any value counts
    values: dict[str, set[str]] = {}
    for cat in categories:
        for flt in cat.osm:
            tag, want = next(iter(flt.items()))
            if want is True or tag in any_value:
                any_value.add(tag)
                values.pop(tag, None)
                continue
            values.setdefault(tag, set()).update([want] if isinstance(want, str) else cast(Iterable[str], want))
    out: dict[str, bool | list[str]] = {k: sorted(v) for k, v in values.items()}
    out.update(dict.fromkeys(any_value, True))
    return out


# --------------------------------------------------------------------------- standards catalog ----


# ------------------------------------------------------------------------ Amap typecodes ----


