"""Choosing a run's categories: by key, or by standard and life-circle level, with overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from siting.errors import InputError, Msg, Problems
from siting.standards.catalog import load_standard
from siting.standards.categories import Category, _category_from_model, load_categories
from siting.standards.schema import CategoryModel, _unknown_message, parse_model
from siting.units import parse_threshold

__all__ = ["resolve_categories"]


_FIELDS = tuple(f.name for f in fields(Category))


_OVERRIDABLE = tuple(f for f in _FIELDS if f != "key")


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
        problems.add(Msg("{unknown}; fix the override key", unknown=_unknown_message("category", unknown, table)))
    out = dict(cats)
    for key, change in overrides.items():
        if key in unknown:
            continue
        if key not in cats:
            problems.add(
                Msg("override for {key!r}, which is not among the selected categories ({v1}): add it to the categories "
                    "or remove the override",
                    key=key,
                    v1=', '.join(cats))
            )
            continue
        if not isinstance(change, Mapping):
            problems.add(Msg("override for {key!r} must be a table of fields, e.g. {{threshold = \"8 min\"}}", key=key))
            continue
        bad = [f for f in change if f not in _OVERRIDABLE]
        if bad:
            problems.add(
                Msg("override for {key!r}: unknown field(s) {v1}; fields you can override are {v2}",
                    key=key,
                    v1=', '.join(repr(b) for b in bad),
                    v2=', '.join(_OVERRIDABLE))
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
        raise InputError(Msg("level = {level!r} needs a standard: set standard, e.g. \"GB50180-2018\"", level=level))
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
