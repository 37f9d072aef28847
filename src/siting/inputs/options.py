"""Checks of the scenario keys that need more than their types: how input files are read, the
location-allocation and [access] keys (for scenario validation).

Each function returns the problems it finds, one sentence per problem naming the key and the fix,
so that :func:`siting.scenario.validate_scenario` can report them with every other problem at once.
The sections are taken as they come (any object with the keys as attributes), so this room does
not import the scenario that uses it.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from siting.errors import InputError, Msg
from siting.units import parse_threshold, resolve_speed

__all__ = ["demand_key_problems", "file_key_problems", "line_key_problems"]


def _encoding(key: str, value: str | None) -> list[str]:
    if value is None:
        return []
    try:
        codecs.lookup(value)
        return []
    except LookupError:
        return [Msg("{key} = {value!r} is not an encoding Python knows: use e.g. \"GBK\", \"GB18030\", \"UTF-8\" or \"UTF-16\"",
                    key=key, value=value)]


def file_key_problems(key: str, section: Any, path: Path | None) -> list[str]:
    """Separator, decimal mark, encoding and sheet of the input file of section ``key``."""
    out: list[str] = []
    if section.sep is not None and section.sep not in (",", ";", "\t", "\\t", "tab", "|", " "):
        out.append(Msg("{key}.sep = {sep!r}: use \",\", \";\", \"\\t\" (tab) or \"|\"", key=key, sep=section.sep))
    if section.decimal is not None and section.decimal not in (".", ","):
        out.append(Msg("{key}.decimal = {decimal!r}: use \".\" or \",\"", key=key, decimal=section.decimal))
    out += _encoding(f"{key}.encoding", section.encoding)
    if section.sheet is not None and path is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        out.append(Msg("{key}.sheet is set, but {name} is not an .xlsx workbook: remove {key}.sheet", key=key, name=path.name))
    return out


def distance_problems(key: str, text: str, example: str) -> list[str]:
    """The problem with a key that must be a distance (``"300 m"``, ``"1.5 km"``), none if it is one.

    ``key`` names the key (``"optimize.penalty"``), ``example`` a good value for the message.
    """
    try:
        if parse_threshold(text, key=key).kind != "m":
            return [Msg("{key} = {text!r} must be a distance, e.g. \"{example}\"", key=key, text=text, example=example)]
    except InputError as exc:
        return [Msg("{e}", e=exc)]
    return []


def line_key_problems(lines: Any) -> list[str]:
    """The ``[network.lines]`` keys of a line-layer network: tolerance, speeds, encoding."""
    out = distance_problems("network.lines.tolerance", lines.tolerance, "1 m")
    for cls, speed in lines.speeds.items():
        try:
            resolve_speed(speed, key=f"network.lines.speeds.{cls}")
        except InputError as exc:
            out.append(Msg("{e}", e=exc))
    return out + _encoding("network.lines.encoding", lines.encoding)


def demand_key_problems(demand: Any, entrances_path: Path | None) -> list[str]:
    """Compound entrances (a file next to polygon demand) and a population grid's extra."""
    out: list[str] = []
    if entrances_path is not None:
        if not entrances_path.exists():
            out.append(Msg("demand.entrances: file not found: {entrances_path}: check the path", entrances_path=entrances_path))
        if demand.source in ("osm_buildings", "synthetic"):
            out.append(Msg("demand.entrances needs compound polygons as demand (demand.source = a polygon file)"))
    if demand.source.lower().endswith((".tif", ".tiff")):
        try:
            import rasterio  # noqa: F401
        except ImportError:
            out.append(Msg("demand.source is a population grid (GeoTIFF), which needs rasterio: pip install \"siting[raster]\""))
    return out


class _Collect:
    """Problems in a list (the ``add`` of :class:`siting.errors.Problems`, without its source)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)


def location_key_problems(o: Any, location_models: tuple[str, ...]) -> list[str]:
    """The p-median, p-center and attendance keys of [optimize] (``o``: the section; ``location_models``: their names)."""
    problems = _Collect()
    from siting.decay import make_decay

    loc = o.model in location_models
    if loc and o.p is None and o.budget is None:
        problems.add(Msg("optimize.model = \"{model}\" needs optimize.p (new stations) or optimize.budget", model=o.model))
    if loc and o.comprehensive:
        problems.add(Msg("optimize.model = \"{model}\" plans one category at a time: remove optimize.comprehensive", model=o.model))
    if o.model == "p_center" and o.capacitated:
        problems.add(Msg("optimize.capacitated is not offered for p_center: use p_median or attendance with capacities"))
    for key, text, models in (("max_distance", o.max_distance, location_models),
                              ("penalty", o.penalty, ("p_median",))):
        if text is None:
            continue
        if o.model not in models:
            problems.add(Msg("optimize.{key} is for optimize.model = {v1}: remove it", key=key, v1=' or '.join(models)))
            continue
        problems.items += distance_problems(f"optimize.{key}", text, "1500 m")
    if o.decay is not None:
        if o.model != "attendance":
            problems.add(Msg("optimize.decay is for optimize.model = \"attendance\": remove it"))
        d = o.decay
        params = {k: v for k, v in d.model_dump().items() if k not in ("kind", "cutoff") and v is not None}
        try:
            make_decay(d.kind, 1e12, **params)
        except InputError as exc:
            problems.add(Msg("optimize.decay: {exc}", exc=exc))
        if d.cutoff is not None:
            problems.items += distance_problems("optimize.decay.cutoff", d.cutoff, "800 m")
    return problems.items


def access_key_problems(a: Any, keys: list[str], *, with_optimize: bool) -> list[str]:
    """The [access] keys (``a``: the section; ``keys``: the categories used; ``with_optimize``: the scenario plans)."""
    problems = _Collect()
    for k in a.categories or []:
        if k not in keys:
            problems.add(Msg("access.categories: {k!r} is not among the categories used: add it to categories.use", k=k))
    if a.weights is not None and a.method != "enhanced":
        problems.add(Msg("access.weights are the zone weights of method = \"enhanced\": remove them or change the method"))
    if a.weights is not None:
        from siting.decay import make_decay

        try:
            make_decay("step", 1.0, weights=a.weights)
        except InputError as exc:
            problems.add(Msg("access.weights: {exc}", exc=exc))
    if not a.supply.strip():
        problems.add(Msg("access.supply is empty: use \"count\" or a facility column such as \"floor_area_m2\""))
    if (with_optimize and a.supply not in ("count", "floor_area_m2") and a.new_supply is None):
        problems.add(Msg("access.supply = {supply!r} with [optimize]: give access.new_supply, the {supply} of each proposed "
                         "station (proposed stations carry only a floor area)",
                         supply=a.supply))
    return problems.items
