"""Where figures come from, and the rules ``siting check`` tests: :class:`Citation`, :class:`Rule`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from siting.standards.lang import normalise_lang as _lang
from siting.standards.schema import _absent

__all__ = ["Citation", "Rule", "compare"]


@dataclass(frozen=True)
class Citation:
    """Where a figure is written: document, number, date and clause.

    ``clause`` is the section as the document numbers it, with its heading (Chinese, as printed);
    ``clause_en`` its English rendering; ``ref`` a key of the project's source list ([S17]) where
    the figure was read in a secondary text; ``status`` the figure's status.
    """

    document: str
    name_zh: str
    name_en: str
    number: str = ""
    date: str = ""
    index: str = ""
    clause: str = ""
    clause_en: str = ""
    ref: str = ""
    status: str = ""

    def text(self, lang: str = "en") -> str:
        """The citation as one line: ``《name》（number，date）clause`` in zh, ``name (number, date), clause`` in en."""
        zh = _lang(lang) == "zh"
        meta = [x for x in (self.number, self.date) if x]
        clause = self.clause if zh else (self.clause_en or self.clause)
        if zh:
            out = f"《{self.name_zh}》" + (f"（{'，'.join(meta)}）" if meta else "") + clause
        else:
            out = self.name_en + (f" ({', '.join(meta)})" if meta else "") + (f", {clause}" if clause else "")
        return f"{out} {self.ref}".strip() if self.ref else out


def compare(measured: float, comparison: str, value: float) -> bool:
    """``measured <comparison> value`` with a tolerance of 1e-12 (``~`` and ``==``: isclose)."""
    if comparison == ">=":
        return measured >= value - 1e-12
    if comparison == ">":
        return measured > value + 1e-12
    if comparison == "<=":
        return measured <= value + 1e-12
    if comparison == "<":
        return measured < value - 1e-12
    return math.isclose(measured, value, rel_tol=1e-9, abs_tol=1e-12)


@dataclass(frozen=True)
class Rule:
    """A rule ``siting check`` tests on a development proposal, with its source.

    ``kind`` is ``"planned_area"`` (``planned_<category>_m2`` against ``value`` m²),
    ``"property"`` (a proposal property, e.g. ``outdoor_activity_m2``, against ``value`` m²),
    ``"floor_share"`` ((commercial + planned service floor area) ÷ total floor area against
    ``value``, a share 0–1) or ``"provision"`` (each of ``categories`` planned in the development,
    or an existing one within the threshold with capacity). ``area_type`` (``"urban"``,
    ``"rural"`` or ``None`` for both) says which scenarios it applies to.
    """

    key: str
    kind: str
    name_zh: str
    name_en: str
    category: str | None
    categories: tuple[str, ...]
    property: str | None
    value: float | None
    unit: str | None
    comparison: str
    area_type: str | None
    applies_to: str
    scope: str
    status: str
    ref: str
    note: str
    source: str
    citation: Citation | None = None

    def name(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en

    def applies(self, area_type: str) -> bool:
        """True when the rule applies to a scenario of ``area_type`` (``"urban"`` or ``"rural"``)."""
        return self.area_type is None or self.area_type == area_type

    def passes(self, measured: float | None) -> bool | None:
        """``measured`` against ``value``; ``None`` when either is missing."""
        if self.value is None or measured is None or _absent(measured):
            return None
        return compare(float(measured), self.comparison, self.value)
