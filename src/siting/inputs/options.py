"""Checks of the scenario keys that say how input files are read (for scenario validation).

Each function returns the problems it finds, one sentence per problem naming the key and the fix,
so that :func:`siting.scenario.validate_scenario` can report them with every other problem at once.
The sections are taken as they come (any object with the keys as attributes), so this room does
not import the scenario that uses it.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from siting.errors import InputError
from siting.units import parse_threshold, resolve_speed

__all__ = ["demand_key_problems", "file_key_problems", "line_key_problems"]


def _encoding(key: str, value: str | None) -> list[str]:
    if value is None:
        return []
    try:
        codecs.lookup(value)
        return []
    except LookupError:
        return [f"{key} = {value!r} is not an encoding Python knows: use e.g. \"GBK\", \"GB18030\", \"UTF-8\" or \"UTF-16\""]


def file_key_problems(key: str, section: Any, path: Path | None) -> list[str]:
    """Separator, decimal mark, encoding and sheet of the input file of section ``key``."""
    out = []
    if section.sep is not None and section.sep not in (",", ";", "\t", "\\t", "tab", "|", " "):
        out.append(f"{key}.sep = {section.sep!r}: use \",\", \";\", \"\\t\" (tab) or \"|\"")
    if section.decimal is not None and section.decimal not in (".", ","):
        out.append(f"{key}.decimal = {section.decimal!r}: use \".\" or \",\"")
    out += _encoding(f"{key}.encoding", section.encoding)
    if section.sheet is not None and path is not None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        out.append(f"{key}.sheet is set, but {path.name} is not an .xlsx workbook: remove {key}.sheet")
    return out


def line_key_problems(lines: Any) -> list[str]:
    """The ``[network.lines]`` keys of a line-layer network: tolerance, speeds, encoding."""
    out = []
    try:
        if parse_threshold(lines.tolerance, key="network.lines.tolerance").kind != "m":
            out.append(f"network.lines.tolerance = {lines.tolerance!r} must be a distance, e.g. \"1 m\"")
    except InputError as exc:
        out.append(str(exc))
    for cls, speed in lines.speeds.items():
        try:
            resolve_speed(speed, key=f"network.lines.speeds.{cls}")
        except InputError as exc:
            out.append(str(exc))
    return out + _encoding("network.lines.encoding", lines.encoding)


def demand_key_problems(demand: Any, entrances_path: Path | None) -> list[str]:
    """Compound entrances (a file next to polygon demand) and a population grid's extra."""
    out = []
    if entrances_path is not None:
        if not entrances_path.exists():
            out.append(f"demand.entrances: file not found: {entrances_path}: check the path")
        if demand.source in ("osm_buildings", "synthetic"):
            out.append("demand.entrances needs compound polygons as demand (demand.source = a polygon file)")
    if demand.source.lower().endswith((".tif", ".tiff")):
        try:
            import rasterio  # noqa: F401
        except ImportError:
            out.append("demand.source is a population grid (GeoTIFF), which needs rasterio: pip install \"siting[raster]\"")
    return out
