"""Where figures come from, and the rules ``siting check`` tests: :class:`Citation`, :class:`Rule`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from siting.standards.lang import normalise_lang as _lang
from siting.standards.schema import _absent

__all__ = ["Citation", "Rule", "compare", "ref_text"]


#: How the English words of the catalog's ``ref`` texts read in Chinese (the refs are few and fixed).
_REF_ZH = (
    (re.compile(r"\bTable\s+([A-Z]?\.?[0-9][0-9.]*)"), r"表\1"),
    (re.compile(r"\bcl\.\s*([0-9][0-9.]*)"), r"第\1条"),
    (re.compile(r"\bitem\s+(\d+)"), r"第\1项"),
    (re.compile(r"\bexplainer (\d+)-minute tier\s*"), r"商务部解读\1分钟档"),
    (re.compile(r"\s*\bnotice\b"), "通知"),
)


def ref_text(ref: str, lang: str = "en") -> str:
    """A ``ref`` in ``lang``: the source keys ([S17]) and codes as they are, the few English
    words of the catalog's refs (Table, cl., item, explainer …-minute tier, notice) in Chinese."""
    if _lang(lang) != "zh":
        return ref
    for pat, rep in _REF_ZH:
        ref = pat.sub(rep, ref)
    return ref


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
        if self.status == "override":  # set by the user in the scenario: no document to cite
            return self.name_zh if zh else self.name_en
        meta = [x for x in (self.number, self.date) if x]
        clause = self.clause if zh else (self.clause_en or self.clause)
        if zh:
            out = f"《{self.name_zh}》" + (f"（{'，'.join(meta)}）" if meta else "") + clause
        else:
            out = self.name_en + (f" ({', '.join(meta)})" if meta else "") + (f", {clause}" if clause else "")
        return f"{out} {ref_text(self.ref, lang)}".strip() if self.ref else out


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
